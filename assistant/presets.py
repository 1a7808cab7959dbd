"""Marketplace presets: TOML files in ``presets/marketplaces/``, checked against dataclasses.

Every platform rule in a preset (``[image]``) carries its value together with where it
comes from: ``{ value = ..., kind = "official" | "third-party" | "default", source = "...",
checked = YYYY-MM-DD }``. The processing settings (``[lighting]``, ``[shadow]``) are ours
and carry plain values. Field bounds and help texts live in the dataclass metadata, so the
validator's messages and the app's help come from the same place. An unknown key, a
missing key or an out-of-range value is an ``AssistantError`` naming the file, the key
and the value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable
from typing import Any

from assistant.errors import AssistantError
from assistant.i18n import LANGUAGES, localized
from assistant.resources import data_dir

PRESETS_DIR = data_dir("presets") / "marketplaces"
SOURCE_KINDS = ("official", "third-party", "default")
FORMATS = ("jpeg", "png", "webp")
SHADOW_STYLES = ("none", "contact", "drop", "reflection")
COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")   # #RRGGBB, as presets and templates write colours


def _spec(help_en: str, lo: float | None = None, hi: float | None = None,
          choices: tuple[str, ...] | None = None, default: Any = dataclasses.MISSING) -> Any:
    meta = {"help": help_en, "min": lo, "max": hi, "choices": choices}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Sourced:
    """A platform number with its provenance."""

    value: Any
    kind: str
    source: str
    checked: dt.date


@dataclass(frozen=True)
class ImageRules:
    """What the platform accepts for a listing's main image."""

    width: int = _spec("canvas width in pixels", 100, 10000)
    height: int = _spec("canvas height in pixels", 100, 10000)
    format: str = _spec("file format", choices=FORMATS)
    quality: int = _spec("JPEG/WebP quality", 50, 100)
    max_bytes: int = _spec("largest file the platform accepts, in bytes", 10_000, 50_000_000)
    min_side: int = _spec("smallest side the platform accepts, in pixels", 1, 10000)
    background: str = _spec("canvas colour, #RRGGBB")
    fill: float = _spec("product's longer side as a share of the canvas side", 0.3, 1.0)
    transparent_allowed: bool = _spec("the platform takes PNG and needs no white background, so a transparent PNG may be exported")
    overlays_allowed: bool = _spec("badges, text or frames may be added to the main image")
    shadow_allowed: bool = _spec("a shadow under the product is acceptable")
    min_fill: float = _spec("smallest share of the canvas side the product's longer side may fill (moderation)", 0.1, 1.0)
    background_tolerance: int = _spec("how far (levels, any channel) the background may stray from `background`; 255: no background rule", 0, 255)
    upload_formats: str = _spec("file formats the platform accepts, comma-separated (jpeg, png, webp)")


@dataclass(frozen=True)
class LightingSettings:
    """How the lighting stage treats photos for this preset (automatic by default)."""

    white_balance: bool = _spec("neutralise the light's colour cast", default=True)
    exposure: bool = _spec("bring the product to a standard brightness", default=True)
    local_contrast: float = _spec("strength of gentle local contrast (CLAHE)", 0.0, 1.0, default=0.2)
    vibrance: float = _spec("extra saturation for muted colours", 0.0, 1.0, default=0.0)
    denoise: bool = _spec("edge-preserving denoise for low-light photos", default=True)
    sharpen: float = _spec("sharpening after the resize", 0.0, 2.0, default=0.5)
    preserve_colors: bool = _spec("keep product colours as shot (tighter hue bound)", default=False)


@dataclass(frozen=True)
class ShadowSettings:
    """A shadow rendered from the cutout's mask."""

    style: str = _spec("shadow kind", choices=SHADOW_STYLES, default="none")
    opacity: float = _spec("shadow opacity", 0.0, 1.0, default=0.35)
    softness: float = _spec("blur as a share of the product height", 0.0, 0.5, default=0.04)
    angle: float = _spec("direction of a drop shadow in degrees", -180.0, 180.0, default=90.0)


@dataclass(frozen=True)
class Preset:
    """One marketplace target: its image rules with sources, and our processing settings."""

    name: str
    title: dict[str, str]     # per language: {"id": ..., "en": ...}
    group: str
    notes: dict[str, str]
    image: ImageRules
    sources: dict[str, Sourced]
    lighting: LightingSettings
    shadow: ShadowSettings
    path: Path

    def title_in(self, lang: str | None = None) -> str:
        """The preset's name as a user reads it, in ``lang`` (default: the app's language)."""
        return str(localized(self.title, lang))

    @property
    def size(self) -> tuple[int, int]:
        return (self.image.width, self.image.height)

    @property
    def background_rgb(self) -> tuple[int, int, int]:
        return parse_colour(self.image.background)

    @property
    def extension(self) -> str:
        return {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}[self.image.format]


_TOP_KEYS = {"title", "group", "notes", "image", "lighting", "shadow"}
_GROUPS = ("marketplace", "food", "social", "international", "default")


def parse_colour(text: str) -> tuple[int, int, int]:
    """``#RRGGBB`` to an RGB tuple; anything else is an ``AssistantError``."""
    if not isinstance(text, str) or not COLOUR_RE.match(text):
        raise AssistantError("colour_invalid", value=text)
    return tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _check_value(path: Path, key: str, spec: dataclasses.Field, value: Any) -> Any:
    expected = spec.type if isinstance(spec.type, str) else spec.type.__name__
    meta = spec.metadata
    ok_type = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "str": isinstance(value, str),
    }[expected]
    if not ok_type:
        raise AssistantError("preset_bad_value", file=path.name, key=key, value=repr(value),
                             expected=expected)
    if meta.get("min") is not None and not meta["min"] <= value <= meta["max"]:
        raise AssistantError("preset_out_of_range", file=path.name, key=key, value=value,
                             lo=meta["min"], hi=meta["max"])
    if meta.get("choices") and value not in meta["choices"]:
        raise AssistantError("preset_bad_choice", file=path.name, key=key, value=value,
                             choices=", ".join(meta["choices"]))
    if key.endswith("upload_formats") and (not value.strip() or any(
            f.strip() not in FORMATS for f in value.split(","))):
        raise AssistantError("preset_bad_value", file=path.name, key=key, value=repr(value),
                             expected=", ".join(FORMATS))
    if key.endswith("background"):
        try:
            parse_colour(value)
        except AssistantError:
            raise AssistantError("preset_bad_value", file=path.name, key=key, value=repr(value),
                                 expected="#RRGGBB") from None
    return float(value) if expected == "float" else value


def check_keys(path: Path, section: str, table: dict, allowed: Iterable[str], required: set[str],
               area: str = "preset") -> None:
    """Unknown or missing keys of one TOML table: ``{area}_unknown_key`` / ``{area}_missing_key``."""
    for key in table:
        if key not in allowed:
            raise AssistantError(f"{area}_unknown_key", file=path.name, key=f"{section}{key}",
                                 allowed=", ".join(sorted(allowed)))
    for key in sorted(required - table.keys()):
        raise AssistantError(f"{area}_missing_key", file=path.name, key=f"{section}{key}")


def check_title(path: Path, title: Any, area: str = "preset") -> dict[str, str]:
    """A name given in every language (``title = { id = "...", en = "..." }``), as presets and
    mockup templates give theirs; anything else is ``{area}_bad_value`` naming the key."""
    if not isinstance(title, dict):
        raise AssistantError(f"{area}_bad_value", file=path.name, key="title", value=repr(title),
                             expected='{ id = "...", en = "..." }')
    check_keys(path, "title.", title, set(LANGUAGES), set(LANGUAGES), area=area)
    for lang in LANGUAGES:
        if not isinstance(title[lang], str) or not title[lang].strip():
            raise AssistantError(f"{area}_bad_value", file=path.name, key=f"title.{lang}",
                                 value=repr(title[lang]), expected="text")
    return {lang: title[lang] for lang in LANGUAGES}


def _settings(path: Path, section: str, cls: type, table: Any) -> Any:
    if not isinstance(table, dict):
        raise AssistantError("preset_bad_value", file=path.name, key=section, value=repr(table),
                             expected="table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    check_keys(path, f"{section}.", table, set(fields), set())
    values = {k: _check_value(path, f"{section}.{k}", fields[k], v) for k, v in table.items()}
    return cls(**values)


def read_toml(path: Path, syntax_code: str) -> dict:
    """A data file's top table; a syntax error becomes ``syntax_code`` naming the file."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise AssistantError(syntax_code, file=path.name, detail=str(exc)) from None


def parse_preset(path: Path) -> Preset:
    """Read and validate one preset file."""
    data = read_toml(path, "preset_syntax")
    check_keys(path, "", data, _TOP_KEYS, {"title", "group", "image"})
    group = data["group"]
    if group not in _GROUPS:
        raise AssistantError("preset_bad_choice", file=path.name, key="group", value=group,
                             choices=", ".join(_GROUPS))
    title = check_title(path, data["title"])
    notes = data.get("notes", {})
    check_keys(path, "notes.", notes, set(LANGUAGES), set(LANGUAGES) if notes else set())

    image_fields = {f.name: f for f in dataclasses.fields(ImageRules)}
    image = data["image"]
    check_keys(path, "image.", image, set(image_fields), set(image_fields))
    values: dict[str, Any] = {}
    sources: dict[str, Sourced] = {}
    for key, entry in image.items():
        where = f"image.{key}"
        if not isinstance(entry, dict):
            raise AssistantError("preset_bad_value", file=path.name, key=where, value=repr(entry),
                                 expected="{ value, kind, source, checked }")
        check_keys(path, f"{where}.", entry, {"value", "kind", "source", "checked"},
                    {"value", "kind", "source", "checked"})
        if entry["kind"] not in SOURCE_KINDS:
            raise AssistantError("preset_bad_choice", file=path.name, key=f"{where}.kind",
                                 value=entry["kind"], choices=", ".join(SOURCE_KINDS))
        if not isinstance(entry["checked"], dt.date):
            raise AssistantError("preset_bad_value", file=path.name, key=f"{where}.checked",
                                 value=repr(entry["checked"]), expected="YYYY-MM-DD")
        if not isinstance(entry["source"], str) or not entry["source"].strip():
            raise AssistantError("preset_bad_value", file=path.name, key=f"{where}.source",
                                 value=repr(entry["source"]), expected="text")
        values[key] = _check_value(path, where, image_fields[key], entry["value"])
        sources[key] = Sourced(values[key], entry["kind"], entry["source"], entry["checked"])
    rules = ImageRules(**values)
    return Preset(
        name=path.stem,
        title=title,
        group=group,
        notes=dict(notes),
        image=rules,
        sources=sources,
        lighting=_settings(path, "lighting", LightingSettings, data.get("lighting", {})),
        shadow=_settings(path, "shadow", ShadowSettings, data.get("shadow", {})),
        path=path,
    )


@functools.cache
def _all_presets(directory: Path) -> dict[str, Preset]:
    return {p.stem: parse_preset(p) for p in sorted(directory.glob("*.toml"))}


def list_presets(directory: Path = PRESETS_DIR) -> list[str]:
    """Names of every preset, sorted."""
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_preset(name: str, directory: Path = PRESETS_DIR) -> Preset:
    """The preset called ``name``; an unknown name is an ``AssistantError`` listing the known ones."""
    name = str(name).strip().lower()
    # the name is checked before it touches the disk: a 300-character name is unknown, not an OSError
    if not re.fullmatch(r"[a-z0-9-]{1,64}", name) or not (directory / f"{name}.toml").is_file():
        raise AssistantError("preset_unknown", name=name[:64], known=", ".join(list_presets(directory)))
    return _all_presets(directory)[name]


def load_presets(names: str | list[str], directory: Path = PRESETS_DIR) -> list[Preset]:
    """Presets from a list of names or one comma-separated string; duplicates dropped, order kept."""
    if isinstance(names, str):
        names = names.split(",")
    wanted = list(dict.fromkeys(n.strip().lower() for n in names if n.strip()))
    if not wanted:
        raise AssistantError("preset_none")
    return [load_preset(n, directory) for n in wanted]


def check_presets(directory: Path = PRESETS_DIR) -> list[Preset]:
    """Load every preset afresh, raising on the first invalid one."""
    return [parse_preset(p) for p in sorted(directory.glob("*.toml"))]


def field_help(cls: type) -> dict[str, dict[str, Any]]:
    """Each field's help text and bounds, for the app's controls."""
    return {f.name: dict(f.metadata) for f in dataclasses.fields(cls)}
