"""Six label designs and the three label shapes, and ``make_label``: information -> laid-out panels.

Designs (``LAYOUTS``): minimal, tegas (bold modern), kraft (natural), tradisional (tumpal border
motif), ceria (playful snack), premium. Each takes the brand kit's colour when INFO.toml gives
one. Shapes (``SHAPES``): ``rect`` (one label with everything), ``band`` (a wrap-around strip for
jars and bottles: ingredients left, front centre, dates and QR right), ``panels`` (front and
back stickers for pouches and boxes: two pages).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

from assistant.errors import AssistantError
from assistant.label.info import LabelInfo
from assistant.label.layout import BLEED, Circle, Content, Line, Panel, Poly, Rect, Style, layout_panel

SHAPES = ("rect", "band", "panels")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


# --------------------------------------------------------------------------- colours

def rgb(hex_: str) -> tuple[float, float, float]:
    h = hex_.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def hexc(c: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(v * 255))):02X}" for v in c)


def mix(a: str, b: str, t: float) -> str:
    """``a`` moved ``t`` of the way to ``b``."""
    ra, rb = rgb(a), rgb(b)
    return hexc(tuple(x + (y - x) * t for x, y in zip(ra, rb)))  # type: ignore[arg-type]


def luminance(c: str) -> float:
    def lin(v):
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(v) for v in rgb(c))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on(bg: str, dark: str = "#1C1A17", light: str = "#FFFFFF") -> str:
    return dark if contrast(bg, dark) >= contrast(bg, light) else light


# --------------------------------------------------------------------------- decorations

def _bg(W, H, colour) -> list:
    return [Rect(-BLEED, -BLEED, W + 2 * BLEED, H + 2 * BLEED, fill=colour)]


def _minimal(W, H, role, s):
    return _bg(W, H, s.bg) + [Rect(-BLEED, -BLEED, W + 2 * BLEED, BLEED + 1.8, fill=s.accent)]


def _kraft(W, H, role, s):
    ops = _bg(W, H, s.bg)
    rnd = random.Random(7)
    n = int(W * H / 12)
    light, dark = mix(s.bg, "#FFFFFF", 0.14), mix(s.bg, "#3B2A1A", 0.09)  # fibres, not scratches
    for _ in range(n):
        x, y = rnd.uniform(-BLEED, W + BLEED), rnd.uniform(-BLEED, H + BLEED)
        ln, a = rnd.uniform(0.5, 1.6), rnd.uniform(-0.5, 0.5)
        ops.append(Line(x, y, x + ln, y + ln * a, light if rnd.random() < 0.55 else dark, 0.12))
    m = 2.0
    ops.append(Rect(m, m, W - 2 * m, H - 2 * m, stroke=s.ink, lw=0.45, r=1.2))
    ops.append(Rect(m + 0.8, m + 0.8, W - 2 * m - 1.6, H - 2 * m - 1.6, stroke=s.ink, lw=0.2, r=0.8))
    return ops


def _tumpal_height(W, H):
    return max(3.0, min(5.0, H * 0.06))


def _tradisional(W, H, role, s):
    """Cream ground, a tumpal (row of triangles, as on batik and songket borders) top and bottom,
    and a thin gold double frame."""
    ops = _bg(W, H, s.bg)
    t = _tumpal_height(W, H)
    gold = "#B8892B"
    for top in (True, False):
        y0 = -BLEED if top else H - t
        ops.append(Rect(-BLEED, y0, W + 2 * BLEED, t + BLEED, fill=s.accent))
        base = t if top else H - t  # the band's inner edge
        step = t * 1.25
        n = int((W + 2 * BLEED) / step) + 2
        x = -BLEED - step / 2
        for _ in range(n):
            tip = base + (t * 0.9 if top else -t * 0.9)
            ops.append(Poly([(x, base), (x + step, base), (x + step / 2, tip)], fill=s.accent))
            mid = base + (t * 0.45 if top else -t * 0.45)
            ops.append(Poly([(x + step * 0.3, base), (x + step * 0.7, base), (x + step / 2, mid)], fill=gold))
            x += step
        yl = base + (0.35 if not top else -0.35)
        ops.append(Line(-BLEED, yl, W + BLEED, yl, gold, 0.35))
    fm = 1.6
    ops.append(Line(fm, t * 2.0, fm, H - t * 2.0, gold, 0.4))
    ops.append(Line(W - fm, t * 2.0, W - fm, H - t * 2.0, gold, 0.4))
    return ops


def _tradisional_inset(W, H, role, s):
    t = _tumpal_height(W, H) * 1.75
    return (t - s.inset + 1.0, 0.0, t - s.inset + 1.0, 0.0)


def _ceria(W, H, role, s):
    ops = _bg(W, H, s.bg)
    rnd = random.Random(3)
    tints = [mix(s.bg, "#FFFFFF", 0.28), mix(s.bg, "#000000", 0.10), mix(s.bg, "#FFE066", 0.55)]
    for _ in range(int(W * H / 55) + 6):
        r = rnd.uniform(0.6, 2.6)
        ops.append(Circle(rnd.uniform(-BLEED, W + BLEED), rnd.uniform(-BLEED, H + BLEED), r,
                          fill=rnd.choice(tints)))
    return ops


def _premium(W, H, role, s):
    gold = s.accent
    ops = _bg(W, H, s.bg)
    ops.append(Rect(2.0, 2.0, W - 4.0, H - 4.0, stroke=gold, lw=0.5))
    ops.append(Rect(2.9, 2.9, W - 5.8, H - 5.8, stroke=gold, lw=0.2))
    for cx, cy in ((2.0, 2.0), (W - 2.0, 2.0), (W - 2.0, H - 2.0), (2.0, H - 2.0)):
        d = 1.1
        ops.append(Poly([(cx - d, cy), (cx, cy - d), (cx + d, cy), (cx, cy + d)], fill=gold))
    return ops


def _premium_inset(W, H, role, s):
    return (0.5, 0.5, 0.5, 0.5)


# --------------------------------------------------------------------------- the designs

@dataclass(frozen=True)
class Design:
    name: str
    title: dict
    description: dict
    style: Style
    default_accent: str


def _designs() -> dict[str, Design]:
    d = {}
    d["minimal"] = Design("minimal", {"id": "Minimal", "en": "Minimal"},
                          {"id": "Putih bersih, satu garis warna merek, huruf tegas.",
                           "en": "Clean white, one strip of brand colour, confident type."},
                          Style("minimal", bg="#FFFFFF", ink="#1F1F1F", soft="#555555", accent="#1F1F1F",
                                head_ink="#141414", brand_font="Manrope-ExtraBold", type_font="Lato",
                                inset=5.0, rule_colour="accent", decor=_minimal), "#2E5E4E")
    d["tegas"] = Design("tegas", {"id": "Tegas modern", "en": "Bold modern"},
                        {"id": "Blok warna merek penuh di atas, nama besar huruf kapital.",
                         "en": "A full block of brand colour on top, a big upper-case name."},
                        Style("tegas", bg="#FFFFFF", ink="#1A1A1A", soft="#4A4A4A", accent="#000000",
                              head_ink="#FFFFFF", brand_font="FjallaOne", type_font="Lato-Bold",
                              brand_upper=True, brand_tracking=0.02, inset=4.5, header_share=0.36,
                              decor=lambda W, H, r, s: _bg(W, H, s.bg)), "#C62828")
    d["kraft"] = Design("kraft", {"id": "Kraft alami", "en": "Kraft / natural"},
                        {"id": "Warna kertas cokelat berserat, bingkai garis ganda, huruf serif.",
                         "en": "Brown paper tone with fibres, a double-line frame, serif type."},
                        Style("kraft", bg="#D2B48C", ink="#33241A", soft="#5A4330", accent="#33241A",
                              head_ink="#2B1D12", brand_font="Caladea-Bold", type_font="Caladea-Italic",
                              inset=5.2, decor=_kraft), "#33241A")
    d["tradisional"] = Design("tradisional", {"id": "Tradisional", "en": "Traditional"},
                              {"id": "Krem dengan pinggiran motif tumpal merah-emas, huruf serif.",
                               "en": "Cream with a red-and-gold tumpal border motif, serif type."},
                              Style("tradisional", bg="#F7EFDD", ink="#2A1A12", soft="#5C4232",
                                    accent="#7A1E1E", head_ink="#6B1616", brand_font="Caladea-Bold",
                                    type_font="Caladea-Italic", inset=4.0, decor=_tradisional,
                                    decor_inset=_tradisional_inset), "#7A1E1E")
    d["ceria"] = Design("ceria", {"id": "Ceria (camilan)", "en": "Playful snack"},
                        {"id": "Warna cerah dengan bulatan konfeti, nama membulat, kartu putih untuk keterangan.",
                         "en": "Bright colour with confetti dots, a rounded name, a white card for the details."},
                        Style("ceria", bg="#FF7A1A", ink="#1F1F1F", soft="#444444", accent="#FFFFFF",
                              head_ink="#FFFFFF", brand_font="FredokaOne", type_font="Lato-Black",
                              inset=4.6, card="#FFFFFF", card_ink="#1F1F1F", decor=_ceria), "#FF7A1A")
    d["premium"] = Design("premium", {"id": "Premium", "en": "Premium"},
                          {"id": "Latar gelap, bingkai tipis emas, nama berspasi lebar.",
                           "en": "Dark ground, a thin gold frame, widely spaced name."},
                          Style("premium", bg="#14231D", ink="#EFE8D8", soft="#C9BFA8", accent="#C9A45C",
                                head_ink="#D9B56A", brand_font="Caladea", type_font="Lato-Light",
                                brand_upper=True, brand_tracking=0.14, inset=5.5, decor=_premium,
                                decor_inset=_premium_inset), "#14231D")
    return d


LAYOUTS = _designs()


def list_layouts() -> list[str]:
    return list(LAYOUTS)


def style_for(name: str, info: LabelInfo) -> Style:
    """The design's style with the brand kit's colour(s) applied."""
    if name not in LAYOUTS:
        raise AssistantError("label_unknown_layout", name=name, known=", ".join(LAYOUTS))
    s = LAYOUTS[name].style
    colour = info.warna if _HEX.match(info.warna or "") else ""
    second = info.warna_kedua if _HEX.match(info.warna_kedua or "") else ""
    if not colour:
        return s
    if name == "minimal":
        return replace(s, accent=colour)
    if name == "tegas":
        return replace(s, header_fill=colour, head_ink=readable_on(colour), accent=colour)
    if name == "kraft":
        return s  # the paper is the colour; the brand colour would fight it
    if name == "tradisional":
        dark = colour if luminance(colour) < 0.2 else mix(colour, "#000000", 0.35)
        return replace(s, accent=dark, head_ink=dark)
    if name == "ceria":
        return replace(s, bg=colour, head_ink=readable_on(colour), accent=readable_on(colour))
    if name == "premium":
        bg = colour if luminance(colour) < 0.05 else mix(colour, "#000000", 0.72)
        return replace(s, bg=bg, accent=second or s.accent, head_ink=second or s.head_ink)
    return s


def _tegas_default(s: Style) -> Style:
    return replace(s, header_fill="#C62828", head_ink="#FFFFFF", accent="#C62828") if not s.header_fill else s


# --------------------------------------------------------------------------- the label

@dataclass
class Label:
    """A laid-out label: one panel (rect, band) or two (panels: front, back), sizes in mm."""

    info: LabelInfo
    layout: str
    shape: str
    size: tuple[float, float]
    panels: list[Panel]

    @property
    def front(self) -> Panel:
        return self.panels[0]


def parse_size(text: str) -> tuple[float, float]:
    """'100x70' (millimetres) -> (100.0, 70.0); each side 20 to 400 mm."""
    m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*[xX×]\s*(\d+(?:[.,]\d+)?)\s*(mm)?\s*", str(text))
    if not m:
        raise AssistantError("label_size_format", value=text)
    w, h = (float(v.replace(",", ".")) for v in m.group(1, 2))
    if not (20 <= w <= 400 and 20 <= h <= 400):
        raise AssistantError("label_size_range", value=text)
    return w, h


def make_label(info: LabelInfo, layout: str = "minimal", size: tuple[float, float] | str = (100, 70),
               shape: str = "rect") -> Label:
    """Lay out the label; ``label_too_full`` when its text cannot fit at a legible size."""
    if isinstance(size, str):
        size = parse_size(size)
    if shape not in SHAPES:
        raise AssistantError("label_unknown_shape", name=shape, known=", ".join(SHAPES))
    style = style_for(layout, info)
    if layout == "tegas":
        style = _tegas_default(style)
    c = Content.of(info)
    if shape == "rect":
        panels = [layout_panel(c, style, size, "full", size)]
    elif shape == "band":
        panels = [layout_panel(c, style, size, "band", size)]
    else:
        panels = [layout_panel(c, style, size, "front", size), layout_panel(c, style, size, "back", size)]
    return Label(info, layout, shape, (float(size[0]), float(size[1])), panels)


def front_label(info: LabelInfo, layout: str, aspect: float, width_mm: float = 90.0) -> Label:
    """A front-only label at ``aspect`` (width / height): what a mockup shows on its package."""
    w = width_mm if aspect >= 1 else width_mm * aspect
    h = w / aspect
    if min(w, h) < 40:  # a thin strip: make it larger so its text stays legible
        k = 40 / min(w, h)
        w, h = w * k, h * k
    style = style_for(layout, info)
    if layout == "tegas":
        style = _tegas_default(style)
    panel = layout_panel(Content.of(info), style, (w, h), "front", (w, h))
    return Label(info, layout, "front", (w, h), [panel])
