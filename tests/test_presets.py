"""Presets are data: every file loads, and a typo is an error that names the file, key and value."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.errors import AssistantError
from assistant.presets import PRESETS_DIR, check_presets, list_presets, load_preset, load_presets, parse_preset

EXPECTED = {"tokopedia", "shopee", "lazada", "blibli", "tiktok-shop", "gofood", "grabfood", "shopeefood",
            "whatsapp-catalog", "instagram-square", "instagram-portrait", "amazon", "etsy", "umum"}


def test_every_expected_preset_exists_and_loads():
    names = {p.name for p in check_presets()}
    assert EXPECTED <= names
    assert "bukalapak" not in names


def test_umum_is_the_safe_default():
    p = load_preset("umum")
    assert p.size == (1200, 1200) and p.image.format == "jpeg"
    assert p.image.max_bytes <= 2_000_000 and p.image.background == "#FFFFFF"
    assert 0.80 <= p.image.fill <= 0.85


def test_every_preset_is_named_in_each_language():
    for p in check_presets():
        assert set(p.title) == {"id", "en"} and all(v.strip() for v in p.title.values())
    umum = load_preset("umum")
    assert umum.title_in("id") == "Umum (aman untuk semua)"
    assert umum.title_in("en") == "General (safe everywhere)"
    assert load_preset("shopee").title_in("en") == "Shopee"


def test_a_title_in_one_language_only_fails(tmp_path):
    path = _copy_with(tmp_path, 'title = { id = "Shopee", en = "Shopee" }', 'title = "Shopee"')
    with pytest.raises(AssistantError) as err:
        parse_preset(path)
    assert err.value.code == "preset_bad_value" and "title" in err.value.message("en")
    path = _copy_with(tmp_path, 'title = { id = "Shopee", en = "Shopee" }', 'title = { id = "Shopee" }')
    with pytest.raises(AssistantError) as err:
        parse_preset(path)
    assert err.value.code == "preset_missing_key" and "title.en" in err.value.message("en")


def test_every_number_has_a_source_and_date():
    for p in check_presets():
        assert set(p.sources) == set(p.image.__dataclass_fields__)
        for src in p.sources.values():
            assert src.kind in ("official", "third-party", "default") and src.source.strip()
            assert src.checked.year >= 2026


def test_presets_check_command_passes(capsys):
    assert main(["--lang", "en", "presets", "check"]) == 0
    assert "valid" in capsys.readouterr().out


def _copy_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (PRESETS_DIR / "shopee.toml").read_text()
    assert old in text
    path = tmp_path / "shopee.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_misspelt_key_fails_naming_file_and_key(tmp_path):
    path = _copy_with(tmp_path, "max_bytes ", "max_bytess")
    with pytest.raises(AssistantError) as err:
        parse_preset(path)
    assert err.value.code == "preset_unknown_key"
    assert "shopee.toml" in err.value.message("en") and "image.max_bytess" in err.value.message("en")
    assert "tidak dikenal" in err.value.message("id")


def test_missing_key_fails(tmp_path):
    text = (PRESETS_DIR / "shopee.toml").read_text()
    path = tmp_path / "shopee.toml"
    path.write_text("\n".join(line for line in text.splitlines() if not line.startswith("fill ")))
    with pytest.raises(AssistantError) as err:
        parse_preset(path)
    assert err.value.code == "preset_missing_key" and "image.fill" in err.value.message("en")


def test_out_of_range_value_fails_naming_value(tmp_path):
    path = _copy_with(tmp_path, "value = 0.85", "value = 1.7")
    with pytest.raises(AssistantError) as err:
        parse_preset(path)
    assert err.value.code == "preset_out_of_range" and "1.7" in err.value.message("en")


def test_wrong_type_and_bad_colour_fail(tmp_path):
    with pytest.raises(AssistantError, match="width"):
        parse_preset(_copy_with(tmp_path, "value = 1024", 'value = "1024"'))
    with pytest.raises(AssistantError, match="background"):
        parse_preset(_copy_with(tmp_path, '"#FFFFFF"', '"white"'))


def test_misspelt_key_in_settings_fails(tmp_path):
    path = _copy_with(tmp_path, 'style = "none"', 'stlye = "none"')
    with pytest.raises(AssistantError, match="shadow.stlye"):
        parse_preset(path)


def test_presets_check_fails_on_a_bad_folder(tmp_path):
    shutil.copy(PRESETS_DIR / "umum.toml", tmp_path / "umum.toml")
    _copy_with(tmp_path, "max_bytes ", "max_bytess")
    with pytest.raises(AssistantError, match="max_bytess"):
        check_presets(tmp_path)


def test_unknown_preset_name_lists_the_known_ones():
    with pytest.raises(AssistantError) as err:
        load_presets("tokopedia,shoppe")
    assert "shoppe" in err.value.message("en") and "shopee" in err.value.message("en")


def test_comma_separated_names_keep_order_and_drop_duplicates():
    assert [p.name for p in load_presets(" Shopee, umum,shopee ")] == ["shopee", "umum"]


def test_every_document_a_preset_cites_exists():
    """A source naming a file of this repository (``docs/...``) must point at a file that is
    there: the Guide tab shows these citations to vendors."""
    for name in list_presets():
        for key, src in load_preset(name).sources.items():
            if src.source.startswith("docs/"):
                assert (PRESETS_DIR.parents[1] / src.source.split()[0]).is_file(), (name, key, src.source)
