"""The label's fonts: open-licence TTFs installed from pip packages, registered once with reportlab.

Every font comes from a wheel in requirements.txt (``font-lato``, ``font-manrope``,
``font-caladea``, ``font-fjallaone``, ``font-fredoka-one``; OFL or Apache-2.0), never from a
path that only one operating system has, and is embedded (subset) in every PDF.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from assistant.errors import AssistantError

# role name -> (package, file)
FONTS: dict[str, tuple[str, str]] = {
    "Lato": ("font_lato", "Lato-Regular.ttf"),
    "Lato-Bold": ("font_lato", "Lato-Bold.ttf"),
    "Lato-Black": ("font_lato", "Lato-Black.ttf"),
    "Lato-Light": ("font_lato", "Lato-Light.ttf"),
    "Lato-Italic": ("font_lato", "Lato-Italic.ttf"),
    "Manrope-ExtraBold": ("font_manrope", "Manrope-ExtraBold.ttf"),
    "Manrope-Medium": ("font_manrope", "Manrope-Medium.ttf"),
    "Caladea": ("font_caladea", "Caladea-Regular.ttf"),
    "Caladea-Bold": ("font_caladea", "Caladea-Bold.ttf"),
    "Caladea-Italic": ("font_caladea", "Caladea-Italic.ttf"),
    "FjallaOne": ("font_fjallaone", "FjallaOne-Regular.ttf"),
    "FredokaOne": ("font_fredoka_one", "FredokaOne-Regular.ttf"),
}


def font_path(name: str) -> Path:
    """The TTF file of ``name``, from its installed package."""
    package, filename = FONTS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise AssistantError("label_font_missing", package=package.replace("_", "-"))
    path = Path(next(iter(spec.submodule_search_locations))) / "files" / filename
    if not path.is_file():
        raise AssistantError("label_font_missing", package=package.replace("_", "-"))
    return path


@functools.cache
def register(name: str) -> str:
    """Register ``name`` with reportlab (once) and return it."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
    return name


def width(text: str, name: str, size: float) -> float:
    """Advance width of ``text`` in points at ``size`` points."""
    from reportlab.pdfbase import pdfmetrics

    return pdfmetrics.stringWidth(text, register(name), size)


@functools.cache
def metrics(name: str) -> tuple[float, float, float]:
    """(ascent, descent, x-height) as shares of the em, measured from the glyphs themselves."""
    from PIL import ImageFont

    font = ImageFont.truetype(str(font_path(name)), 1000)
    x0, y0, x1, y1 = font.getbbox("x", anchor="ls")
    xh = -y0 / 1000
    _, top, _, _ = font.getbbox("ÁHdlk", anchor="ls")
    _, _, _, bottom = font.getbbox("gjpqy", anchor="ls")
    return -top / 1000, bottom / 1000, xh


def x_height(name: str) -> float:
    """The font's x-height as a share of its size (what legibility rules measure)."""
    return metrics(name)[2]
