"""Models: listed with licence and source, verified by checksum, never half-installed."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.models import install, registry as models, session as segment
from assistant.cli import main
from assistant.errors import AssistantError


def test_models_list_json_names_each_model_with_its_path(capsys):
    assert main(["models", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} == {"u2netp", "isnet-general-use"}
    for r in rows:
        assert r["path"].endswith(".onnx") and r["licence"] and r["source"]
        assert r["installed"] is True  # `make test` installs both


def test_models_list_text_shows_licence_and_install_state(capsys):
    assert main(["--lang", "en", "models", "list"]) == 0
    out = capsys.readouterr().out
    assert "Apache-2.0" in out and "MIT" in out and "installed: yes" in out


def test_install_twice_downloads_nothing():
    path, how = install.install("u2netp")
    assert how == "present" and path.is_file()


def test_corrupt_model_is_detected_with_the_reinstall_command(tmp_path, monkeypatch):
    shutil.copy(models.model_path("u2netp"), tmp_path / "u2netp.onnx")
    monkeypatch.setenv("ETALASE_MODELS", str(tmp_path))
    with (tmp_path / "u2netp.onnx").open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\0" * 64)
    monkeypatch.setattr(segment, "_sessions", {})
    with pytest.raises(AssistantError) as err:
        segment.get_segmenter("u2netp")
    assert err.value.code == "model_corrupt"
    assert "models install u2netp --force" in err.value.message("id")
    assert "rusak" in err.value.message("id") and "damaged" in err.value.message("en")


def test_missing_model_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("ETALASE_MODELS", str(tmp_path))
    with pytest.raises(AssistantError) as err:
        models.verify("isnet-general-use")
    assert err.value.code == "model_missing" and "models install" in err.value.message("en")


def test_a_bad_download_never_looks_installed(tmp_path):
    target = tmp_path / "u2netp.onnx"
    with pytest.raises(AssistantError) as err:
        install._write_verified(models.MODELS["u2netp"], iter([b"not a model" * 100]), target)
    assert err.value.code == "model_checksum_mismatch"
    assert list(tmp_path.iterdir()) == []  # no target, no temporary file left behind


def test_models_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ETALASE_MODELS", str(tmp_path / "m"))
    assert models.model_path("u2netp") == (tmp_path / "m" / "u2netp.onnx").resolve()


def test_unknown_model_name_is_a_clear_error():
    with pytest.raises(AssistantError) as err:
        models.model_info("u2netpp")
    assert "u2netp" in err.value.message("en")


def test_runtime_file_is_isnet_widened_to_fp32_with_only_the_mask():
    import onnx
    from onnx import TensorProto

    source = onnx.load(str(models.verify("isnet-general-use")), load_external_data=False)
    runtime = onnx.load(str(models.runtime_path("isnet-general-use")))
    assert any(t.data_type == TensorProto.FLOAT16 for t in source.graph.initializer)
    assert not any(t.data_type == TensorProto.FLOAT16 for t in runtime.graph.initializer)
    assert [o.name for o in runtime.graph.output] == [source.graph.output[0].name]
    assert len(runtime.graph.initializer) == len(source.graph.initializer)


def test_runtime_file_is_rebuilt_when_the_model_changes(tmp_path, monkeypatch):
    shutil.copy(models.model_path("u2netp"), tmp_path / "u2netp.onnx")
    monkeypatch.setenv("ETALASE_MODELS", str(tmp_path))
    first = models.runtime_path("u2netp")
    built = first.stat().st_mtime_ns
    assert models.runtime_path("u2netp").stat().st_mtime_ns == built  # kept while the model is unchanged
    shutil.copy(models.model_path("u2netp"), tmp_path / "u2netp.onnx.new")
    (tmp_path / "u2netp.onnx.new").replace(tmp_path / "u2netp.onnx")  # the same bytes, a new file
    assert models.runtime_path("u2netp").stat().st_mtime_ns != built
