"""The brand kit: a shop's colours, logo, font, backdrop and badge style in one small JSON file.

The vendor downloads it with a set and uploads it next time (the app keeps nothing for long):
``save_kit`` writes it, ``load_kit`` reads it back, and a loaded kit writes the same bytes
and makes the same images. The logo travels inside the file, as the PNG bytes it came as.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from assistant.errors import AssistantError
from assistant.presets import COLOUR_RE, parse_colour
from assistant.promo.backdrops import load_backdrop
from assistant.promo.text import FONTS

FORMAT = "etalase-brand-kit"
VERSION = 1
BADGE_STYLES = ("pill", "round", "tag")
MAX_LOGO_BYTES = 1_500_000
COLOUR_KEYS = ("primary", "accent", "paper", "ink")


@dataclass(frozen=True)
class BrandKit:
    name: str = ""                     # the shop's name, shown small on cards
    primary: str = "#B5452B"           # buttons, prices, icons
    accent: str = "#F2B33D"            # discount seal, highlights
    paper: str = "#FBF7F1"             # card panels
    ink: str = "#1F1B16"               # body text
    font: str = "manrope"
    backdrop: str = "kayu:pinus"
    badge_style: str = "pill"
    template: str = "pouch"            # packaging for the hero slot
    cta: str = ""                      # the shop's own call to action; empty: the default
    label_layout: str = ""             # the label designer's design for the shop's labels; empty: "minimal"
    logo_png: bytes | None = field(default=None, repr=False)

    def rgb(self, key: str) -> tuple[int, int, int]:
        return parse_colour(getattr(self, key))

    def logo(self) -> Image.Image | None:
        if not self.logo_png:
            return None
        return Image.open(io.BytesIO(self.logo_png)).convert("RGBA")


def with_logo(kit: BrandKit, logo: str | os.PathLike | bytes | Image.Image) -> BrandKit:
    """The kit with ``logo`` (a file, bytes or an image), stored as PNG."""
    if isinstance(logo, Image.Image):
        img = logo
    else:
        data = logo if isinstance(logo, bytes) else Path(logo).read_bytes()
        try:
            img = Image.open(io.BytesIO(data))
            img.load()
        except (UnidentifiedImageError, OSError):
            raise AssistantError("promo_kit_logo_invalid") from None
    img = img.convert("RGBA")
    img.thumbnail((600, 600))
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return replace(kit, logo_png=buf.getvalue())


def kit_to_json(kit: BrandKit) -> bytes:
    data = {
        "format": FORMAT, "version": VERSION, "name": kit.name,
        "colours": {k: getattr(kit, k).upper() for k in COLOUR_KEYS},
        "font": kit.font, "backdrop": kit.backdrop, "badge_style": kit.badge_style,
        "template": kit.template, "cta": kit.cta,
        "logo_png": base64.b64encode(kit.logo_png).decode("ascii") if kit.logo_png else None,
    }
    if kit.label_layout:  # only when chosen: a kit saved before this key existed keeps its bytes
        data["label_layout"] = kit.label_layout
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def kit_from_json(data: bytes | str) -> BrandKit:
    try:
        raw = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise AssistantError("promo_kit_invalid", detail="JSON") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise AssistantError("promo_kit_invalid", detail="format")
    if raw.get("version") != VERSION:
        raise AssistantError("promo_kit_invalid", detail=f"version {raw.get('version')!r}")
    allowed = {"format", "version", "name", "colours", "font", "backdrop", "badge_style", "template", "cta", "logo_png",
               "label_layout"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise AssistantError("promo_kit_invalid", detail=", ".join(unknown))
    colours = raw.get("colours") or {}
    values = {}
    for key in COLOUR_KEYS:
        value = colours.get(key, getattr(BrandKit, key))
        if not isinstance(value, str) or not COLOUR_RE.match(value):
            raise AssistantError("promo_kit_invalid", detail=f"colours.{key}")
        values[key] = value.upper()
    logo = raw.get("logo_png")
    if logo is not None:
        try:
            logo = base64.b64decode(logo, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise AssistantError("promo_kit_invalid", detail="logo_png") from None
        if len(logo) > MAX_LOGO_BYTES:
            raise AssistantError("promo_kit_invalid", detail="logo_png")
    kit = BrandKit(name=str(raw.get("name", ""))[:60], font=raw.get("font", "manrope"),
                   backdrop=raw.get("backdrop", BrandKit.backdrop), badge_style=raw.get("badge_style", "pill"),
                   template=raw.get("template", BrandKit.template), cta=str(raw.get("cta", ""))[:40],
                   label_layout=str(raw.get("label_layout") or ""), logo_png=logo, **values)
    return check_kit(kit)


def check_kit(kit: BrandKit) -> BrandKit:
    if kit.font not in FONTS:
        raise AssistantError("promo_kit_invalid", detail=f"font {kit.font!r}")
    if kit.badge_style not in BADGE_STYLES:
        raise AssistantError("promo_kit_invalid", detail=f"badge_style {kit.badge_style!r}")
    load_backdrop(kit.backdrop)
    from assistant.mockup.templates import load_template

    load_template(kit.template)
    if kit.label_layout:
        from assistant.label import LAYOUTS

        if kit.label_layout not in LAYOUTS:
            raise AssistantError("promo_kit_invalid", detail=f"label_layout {kit.label_layout!r}")
    for key in COLOUR_KEYS:
        parse_colour(getattr(kit, key))
    return kit


def save_kit(kit: BrandKit, path: str | os.PathLike) -> Path:
    from assistant.photo import write_atomic

    path = Path(path)
    write_atomic(path, kit_to_json(kit))
    return path


def load_kit(src: str | os.PathLike | bytes | None) -> BrandKit:
    """A kit from a file or its bytes; None gives the default kit."""
    if src is None:
        return BrandKit()
    if isinstance(src, (bytes, bytearray)):
        return kit_from_json(bytes(src))
    try:
        data = Path(src).read_bytes()
    except OSError:
        raise AssistantError("promo_kit_unreadable", name=Path(src).name) from None
    return kit_from_json(data)
