"""The fast ISNet (int8, the default; ETALASE_FAST_MODEL=0 turns it off): a default install makes the
int8 file and Quality mode runs it, its masks matching the fp32 path's; with the switch off install
makes none and Quality mode runs the fp32 file; when it cannot be made or is damaged, the fp32 path
is taken and said.

Lean on purpose (CI runs on 2 cores): one int8 file is made per test session (``fast_models``), the
real photo is scored at 1000 px, and the tests that only need "install ran" monkeypatch the quantiser."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from assistant.cli import main
from assistant.models import fast as models_fast, install, registry as models, session as segment
from assistant.stages import cutout
from conftest import shared_path

NAME = "isnet-general-use"
# Mask agreement of the kept path with the fp32 reference, refined alpha thresholded at 0.5 (the
# tolerance stated in docs/speed.md; the install self-check holds the raw masks to the same bound).
MATCH_IOU = 0.98

pytestmark = pytest.mark.timeout(1200)  # making the int8 file on a busy 2-core machine


def _link_models(folder: Path) -> None:
    """ISNet's installed files (and their stamps) linked into ``folder``: a private models folder
    whose fast file this test makes, leaving the user's shared folder alone."""
    src = models.model_path(NAME).parent
    for name in (f"{NAME}.onnx", f"{NAME}.runtime.onnx"):
        os.symlink(src / name, folder / name)
        shutil.copy(src / f".{name}.verified", folder / f".{name}.verified")


@pytest.fixture(scope="session")
def _fast_folder(tmp_path_factory) -> tuple[Path, dict]:
    """A private models folder where a DEFAULT install (switch unset) made the int8 file, and the
    segmenter cache its tests share: made once per test session. The environment is set only while
    it is made, so other test modules keep the user's models folder."""
    if not models.is_installed(NAME):
        pytest.skip("ISNet is not installed (python -m assistant models install)")
    folder = tmp_path_factory.mktemp("models")
    _link_models(folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ETALASE_MODELS", str(folder))
        mp.delenv("ETALASE_FAST_MODEL", raising=False)  # the default: install makes the int8 file
        install.install(NAME, try_rembg=False)
        assert models_fast.fast_path(NAME, models.runtime_path(NAME)) is not None
    return folder, {}


@pytest.fixture
def fast_models(_fast_folder, monkeypatch) -> Path:
    """The session's int8 folder as the models folder for one test, switch unset, its sessions
    kept between tests (each ISNet session is loaded once)."""
    folder, sessions = _fast_folder
    monkeypatch.setenv("ETALASE_MODELS", str(folder))
    monkeypatch.delenv("ETALASE_FAST_MODEL", raising=False)
    monkeypatch.setattr(segment, "_sessions", sessions)
    return folder


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 127, b > 127
    return np.count_nonzero(a & b) / max(1, np.count_nonzero(a | b))


def _both_alphas(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    fast = segment.get_segmenter(NAME, fast=True)
    ref = segment.get_segmenter(NAME, fast=False)
    assert "CPUExecutionProvider" in ref.providers
    assert fast.session is not ref.session
    return cutout.refine_alpha(fast.predict(rgb), rgb), cutout.refine_alpha(ref.predict(rgb), rgb)


def test_fast_file_is_made_stamped_and_smaller(fast_models):
    fast = models_fast.fast_path(NAME, models.runtime_path(NAME))
    assert fast is not None and fast.parent == fast_models
    stamp = json.loads((fast_models / f".{fast.name}.verified").read_text())
    assert stamp["format"] == models_fast.FAST_FORMAT and len(stamp["md5"]) == 32
    assert fast.stat().st_size < models.runtime_path(NAME).stat().st_size / 3  # int8 weights


def test_fast_masks_match_the_reference_on_coffee(fast_models):
    from skimage import data

    rgb = data.coffee()
    fast, ref = _both_alphas(rgb)
    assert _iou(fast, ref) >= MATCH_IOU


@pytest.mark.shared
def test_fast_masks_match_the_reference_on_a_real_photo(fast_models):
    photo = shared_path("bigbird6", "images")
    image = Image.open(sorted(photo.glob("*.jpg"))[0]).convert("RGB")
    image.thumbnail((1000, 1000))  # the model sees 1024 px either way; a smaller photo refines faster
    rgb = np.asarray(image)
    fast, ref = _both_alphas(rgb)
    assert _iou(fast, ref) >= MATCH_IOU


def test_fallback_is_taken_and_said_when_the_fast_file_cannot_be_made(tmp_path, monkeypatch, caplog, capsys):
    if not models.is_installed(NAME):
        pytest.skip("ISNet is not installed")
    _link_models(tmp_path)
    monkeypatch.setenv("ETALASE_MODELS", str(tmp_path))
    monkeypatch.delenv("ETALASE_FAST_MODEL", raising=False)  # the default: on
    monkeypatch.setattr(segment, "_sessions", {})

    def broken(*args, **kwargs):
        raise RuntimeError("quantiser refused the graph")

    monkeypatch.setattr(models_fast, "quantise", broken)
    with caplog.at_level(logging.WARNING, logger="assistant.models.fast"):
        path, reason = models_fast.make(NAME, models.runtime_path(NAME))
        seg = segment.get_segmenter(NAME)
    assert path is None and "quantiser refused" in reason
    assert not models_fast.fast_file(models.runtime_path(NAME)).exists()
    assert "using the fp32 model" in caplog.text
    assert seg.providers == ("CPUExecutionProvider",)  # the fp32 onnxruntime session
    assert seg.session.get_inputs()[0].shape[-1] == 1024
    assert models_fast.fallback_reason(NAME)
    # the CLI says it, in words a vendor reads, and still installs
    assert main(["--lang", "en", "models", "install", NAME]) == 0
    err = capsys.readouterr().err
    assert "could not be sped up" in err and "int8" not in err


def test_a_damaged_fast_file_is_not_used(tmp_path, caplog):
    runtime = tmp_path / f"{NAME}.runtime.onnx"
    runtime.write_bytes(b"fp32 model stand-in")
    fast = models_fast.fast_file(runtime)
    fast.write_bytes(b"int8 model stand-in")
    stamp = dict(models_fast._wanted(NAME, runtime), md5=models_fast._md5(fast),
                 target=models_fast._identity(fast))
    models_fast._write_stamp(fast, stamp)
    assert models_fast.fast_path(NAME, runtime) == fast
    fast.write_bytes(b"int8 model stand-iN")  # same size, other bytes
    with caplog.at_level(logging.WARNING, logger="assistant.models.fast"):
        assert models_fast.fast_path(NAME, runtime) is None
    assert "checksum" in caplog.text
    runtime.write_bytes(b"another fp32 model")  # a new model file: the fast one is stale
    fast.write_bytes(b"int8 model stand-in")
    assert models_fast.fast_path(NAME, runtime) is None


def test_the_fast_path_is_on_unless_switched_off(monkeypatch):
    monkeypatch.delenv("ETALASE_FAST_MODEL", raising=False)
    assert models_fast.enabled()
    for on in ("1", "yes", "on", "", "maybe"):  # anything but an explicit off keeps the default
        monkeypatch.setenv("ETALASE_FAST_MODEL", on)
        assert models_fast.enabled()
    for off in ("0", "no", "off", "false"):
        monkeypatch.setenv("ETALASE_FAST_MODEL", off)
        assert not models_fast.enabled() and models_fast.fallback_reason(NAME) == ""
    assert models_fast.session_for("u2netp", Path("u2netp.runtime.onnx"), 1) is None  # no recipe


def test_an_install_switched_off_makes_no_int8_file_and_says_nothing(tmp_path, monkeypatch, capsys):
    if not models.is_installed(NAME):
        pytest.skip("ISNet is not installed")
    _link_models(tmp_path)
    monkeypatch.setenv("ETALASE_MODELS", str(tmp_path))
    monkeypatch.setenv("ETALASE_FAST_MODEL", "0")

    def never(*args, **kwargs):
        raise AssertionError("an install with the fast path off must not quantise")

    monkeypatch.setattr(models_fast, "quantise", never)
    assert main(["--lang", "en", "models", "install", NAME]) == 0
    assert not models_fast.fast_file(models.runtime_path(NAME)).exists()
    assert "could not be sped up" not in capsys.readouterr().err


def test_the_default_segmenter_is_the_fast_one_and_switched_off_the_fp32_one(fast_models, monkeypatch):
    monkeypatch.delenv("ETALASE_FAST_MODEL", raising=False)
    default = segment.get_segmenter(NAME)
    assert default is segment.get_segmenter(NAME, fast=True)
    monkeypatch.setenv("ETALASE_FAST_MODEL", "0")
    off = segment.get_segmenter(NAME)
    assert off is segment.get_segmenter(NAME, fast=False) and off.session is not default.session
    assert off.providers[0] in ("CPUExecutionProvider", "CUDAExecutionProvider")


def test_openvino_keeps_the_layers_left_in_fp32_in_fp32(fast_models):
    """On a CPU with bf16 (AVX-512 BF16, AMX) OpenVINO's default runs every layer that is not int8
    in bf16; round 9 measured that on such a host: bigbird6's boundary F fell 0.031 against the
    fp32 model (0.005 allowed), and came back with f32 asked for."""
    fast = segment.get_segmenter(NAME, fast=True)
    if not isinstance(fast.session, models_fast.OpenVinoSession):
        pytest.skip("OpenVINO is not the engine here (onnxruntime computes in fp32 anyway)")
    assert str(fast.session._compiled.get_property("INFERENCE_PRECISION_HINT")) in ("<Type: 'float32'>", "f32")


def test_the_fast_session_gives_each_thread_its_own_photo_s_mask(fast_models):
    """The app runs the warm-up beside the first photo and several photos at once: predictions
    from several threads at the same time must each be their own photo's mask, as when run
    alone (an OpenVINO infer request is not thread-safe: this failed with "busy" before)."""
    from concurrent.futures import ThreadPoolExecutor
    from skimage import data

    fast = segment.get_segmenter(NAME, fast=True)
    photos = [data.coffee(), data.astronaut(), np.ascontiguousarray(data.coffee()[:, ::-1])]
    alone = [fast.predict(rgb) for rgb in photos]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda i: (i, fast.predict(photos[i])), [0, 1, 2] * 4))
    for i, mask in together:
        np.testing.assert_allclose(mask, alone[i], atol=1e-5)


def test_the_quantisers_advice_is_dropped_but_other_warnings_are_heard(caplog):
    """Making the int8 file can run while the app serves photos: quieting the quantiser must
    not silence the rest of the process (it once disabled logging process-wide)."""
    from assistant.models import fast
    quantiser_file = "/venv/site-packages/onnxruntime/quantization/onnx_quantizer.py"
    advice = logging.LogRecord("root", logging.WARNING, quantiser_file, 1, "please pre-process", None, None)
    ours = logging.LogRecord("root", logging.WARNING, "/app/assistant/pipeline.py", 1, "a photo failed", None, None)
    with caplog.at_level(logging.WARNING):
        with fast._quantiser_quiet():
            logging.root.handle(advice)
            logging.root.handle(ours)
            logging.getLogger("onnxruntime.quantization.calibrate").warning("calibration advice")
            logging.getLogger("assistant.batch").warning("a batch warning")
        logging.root.handle(logging.LogRecord("root", logging.WARNING, quantiser_file, 1, "after", None, None))
    assert "please pre-process" not in caplog.text and "calibration advice" not in caplog.text
    assert "a photo failed" in caplog.text and "a batch warning" in caplog.text
    assert "after" in caplog.text  # the filter is gone once the file is made
