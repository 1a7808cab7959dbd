"""Settings (issue 15): every ETALASE_* variable declared once, read through assistant.settings,
and the README's settings table listing exactly the declared ones."""

from __future__ import annotations

import re
from pathlib import Path

from assistant import i18n, settings
from assistant.models import registry

REPO = Path(__file__).resolve().parent.parent
_NAME = re.compile(r"\bETALASE_[A-Z0-9_]+\b")


def _readme_settings() -> list[str]:
    """The first column of the table under the README's ``## Settings`` heading."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^## Settings\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert found, "README.md has no '## Settings' section (its table: assistant.settings.markdown_table())"
    return [m.group(1) for m in re.finditer(r"^\|\s*`?(ETALASE_[A-Z0-9_]+)`?\s*\|", found.group(1), re.M)]


def test_readme_table_lists_exactly_the_declared_settings():
    listed = _readme_settings()
    assert len(listed) == len(set(listed)), "a setting is listed twice"
    assert set(listed) == set(settings.SETTINGS)


def test_every_variable_the_code_reads_is_declared():
    files = [REPO / "app.py", *(REPO / "assistant").rglob("*.py"), *(REPO / "bench").glob("*.py"),
             *(REPO / "tests").glob("*.py")]
    used = {name for path in files for name in _NAME.findall(path.read_text(encoding="utf-8"))}
    assert used <= set(settings.SETTINGS), used - set(settings.SETTINGS)


def test_the_library_reads_the_environment_only_through_settings():
    for path in (REPO / "assistant").rglob("*.py"):
        if path.name == "settings.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(os\.environ(\.get)?|os\.getenv)\(?\[?\s*[\"']ETALASE_", text), path


def test_every_setting_has_help_and_a_default_that_parses(monkeypatch):
    for name, setting in settings.SETTINGS.items():
        assert setting.name == name and setting.help.strip() and setting.shown_default()
        monkeypatch.delenv(name, raising=False)
        assert settings.value(name) == setting.default_value()


def test_values_parse_and_bad_values_fall_back(monkeypatch, tmp_path):
    monkeypatch.setenv("ETALASE_PORT", "8080")
    assert settings.value("ETALASE_PORT") == 8080
    monkeypatch.setenv("ETALASE_PORT", "abc")
    assert settings.value("ETALASE_PORT") == 7860
    monkeypatch.setenv("ETALASE_QUEUE_MAX", "0")
    assert settings.value("ETALASE_QUEUE_MAX") == 1  # at least one
    monkeypatch.setenv("ETALASE_WARM", "")
    assert settings.value("ETALASE_WARM") == ()  # set but empty: load nothing
    monkeypatch.setenv("ETALASE_WARM", "u2netp, isnet-general-use")
    assert settings.value("ETALASE_WARM") == ("u2netp", "isnet-general-use")
    monkeypatch.setenv("ETALASE_LANG", "EN_gb")
    assert i18n.default_language() == "en"
    monkeypatch.setenv("ETALASE_LANG", "fr")
    assert i18n.default_language() == "id"
    monkeypatch.setenv("ETALASE_MODELS", str(tmp_path))
    assert registry.models_dir() == tmp_path.resolve()
    monkeypatch.setenv("ETALASE_DEBUG", "0")
    assert settings.value("ETALASE_DEBUG") is False


def test_markdown_table_has_one_row_per_setting():
    rows = settings.markdown_table().splitlines()[2:]
    assert [re.match(r"\| `(\w+)`", r).group(1) for r in rows] == list(settings.SETTINGS)
