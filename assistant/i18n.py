"""User-facing strings, Bahasa Indonesia first, English second.

Strings live in ``assistant/strings/*.toml`` (one file per area, so each part of the
project owns its own table); every table maps a key to ``{id = "...", en = "..."}``.
A key defined twice, or a string missing a language, fails at import: a vendor must
never see a raw key.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from assistant import settings

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
_STRINGS_DIR = Path(__file__).with_name("strings")


def _load() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for path in sorted(_STRINGS_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        for key, texts in data.items():
            if key in table:
                raise RuntimeError(f"{path.name}: string key {key!r} is defined twice")
            missing = [lang for lang in LANGUAGES if not isinstance(texts.get(lang), str)]
            if missing:
                raise RuntimeError(f"{path.name}: string {key!r} lacks {', '.join(missing)}")
            table[key] = {lang: texts[lang] for lang in LANGUAGES}
    return table


STRINGS = _load()


def default_language() -> str:
    """The language from ``ETALASE_LANG`` (``id`` or ``en``), Bahasa Indonesia otherwise."""
    lang = settings.value("ETALASE_LANG")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def localized(value: object, lang: str | None = None) -> object:
    """A per-language text (``{"id": ..., "en": ...}``, as presets and templates give names) in
    ``lang``; any other value as it is."""
    if isinstance(value, dict) and set(value) == set(LANGUAGES):
        return value[lang if lang in LANGUAGES else default_language()]
    return value


def t(key: str, lang: str | None = None, /, **params: object) -> str:
    """The string ``key`` in ``lang``, with ``{name}`` placeholders filled from ``params``
    (a per-language parameter, such as a preset's name, in the same language)."""
    lang = lang if lang in LANGUAGES else default_language()
    text = STRINGS[key][lang]
    return text.format(**{k: _number(localized(v, lang), lang) for k, v in params.items()}) if params else text


_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def _number(value: object, lang: str) -> object:
    """A decimal in the language's own way: 2,7 in Bahasa Indonesia (a float, or a number already
    formatted as text such as "2.7"); other values as they are."""
    if lang != "id" or isinstance(value, bool):
        return value
    if isinstance(value, float):
        value = f"{value:g}"
    return value.replace(".", ",") if isinstance(value, str) and _DECIMAL.match(value) else value
