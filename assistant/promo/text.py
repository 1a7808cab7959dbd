"""Type and overlay drawing for promo cards: one place that draws text, and records it.

Everything on a card (text, pills, badges) is drawn on a transparent layer at twice the
output size and reduced with Lanczos, so edges are smooth at any size. Every text drawn is
recorded (where, how big, which ink) so ``legibility`` can check it after compositing:
contrast against the pixels actually behind it (WCAG ratio) and SSIM of the reduced text
against its own rendering at twice the size.

Fonts: Manrope (variable weight) or Lato, SIL Open Font License, installed as Python packages
(the same packages the label designer, issue 20, uses: one set of fonts for the whole app);
DejaVu Sans, then Pillow's own font, when they are missing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONTS = ("manrope", "lato", "dejavu")
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
Q = 2  # supersampling of the overlay layer
_LATO = ((300, "Lato-Light.ttf"), (500, "Lato-Regular.ttf"), (750, "Lato-Bold.ttf"), (1000, "Lato-Black.ttf"))


def _package_file(module: str, name: str) -> Path | None:
    try:
        pkg = __import__(module)
    except ImportError:
        return None
    path = Path(pkg.__file__).resolve().parent / "files" / name
    return path if path.is_file() else None


@functools.lru_cache(maxsize=256)
def font(size: int, weight: int = 400, family: str = "manrope") -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """``family`` at ``size`` px and ``weight`` (200..800)."""
    size = max(6, int(size))
    if family == "manrope":
        path = _package_file("font_manrope", "Manrope-VariableFont_wght.ttf")
        if path is not None:
            f = ImageFont.truetype(str(path), size)
            try:
                f.set_variation_by_axes([int(np.clip(weight, 200, 800))])
            except OSError:  # a FreeType without variation support: the static Bold is close enough
                bold = _package_file("font_manrope", "Manrope-Bold.ttf")
                f = ImageFont.truetype(str(bold), size) if bold else f
            return f
    if family == "lato":
        name = next(n for w, n in _LATO if weight <= w)
        path = _package_file("font_lato", name)
        if path is not None:
            return ImageFont.truetype(str(path), size)
    name = "DejaVuSans-Bold.ttf" if weight >= 600 else "DejaVuSans.ttf"
    if (_DEJAVU / name).is_file():
        return ImageFont.truetype(str(_DEJAVU / name), size)
    return ImageFont.load_default(size=size)


def luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour (0..255)."""
    c = np.asarray(rgb, np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a, b) -> float:
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def readable_ink(behind, prefer=None, dark=(24, 24, 27), light=(255, 255, 255)) -> tuple[int, int, int]:
    """``prefer`` when it reads at 4.5:1 on ``behind``, else the better of dark and white."""
    if prefer is not None and contrast(prefer, behind) >= 4.5:
        return tuple(int(v) for v in prefer)
    return dark if contrast(dark, behind) >= contrast(light, behind) else light


def shade_to_contrast(colour, against, target: float = 4.6) -> tuple[int, int, int]:
    """``colour`` darkened (or lightened) just enough to read at ``target`` against ``against``."""
    c = np.asarray(colour, np.float64)
    toward = np.zeros(3) if luminance(against) > 0.18 else np.full(3, 255.0)
    for t in np.linspace(0, 1, 41):
        out = c + (toward - c) * t
        if contrast(out, against) >= target:
            return tuple(int(round(v)) for v in out)
    return tuple(int(v) for v in toward)


@dataclass
class TextRecord:
    text: str
    size: int              # px at output size
    weight: int
    family: str
    box: tuple[int, int, int, int]   # output px
    ink: tuple[int, int, int]
    mask: np.ndarray       # glyph coverage in ``box``, 0..1 (output size)


@dataclass
class Layer:
    """A transparent overlay at ``Q`` times the output size."""

    size: tuple[int, int]
    family: str = "manrope"
    texts: list[TextRecord] = field(default_factory=list)
    dry: bool = False  # measure only: a layout's first pass, to size its panel to the content

    def __post_init__(self) -> None:
        self.image = Image.new("RGBA", (1, 1) if self.dry else (self.size[0] * Q, self.size[1] * Q), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)

    # geometry in output px; drawn at Q x
    def rounded(self, box, radius: float, fill, outline=None, width: float = 0) -> None:
        if self.dry:
            return
        x0, y0, x1, y1 = (v * Q for v in box)
        self.draw.rounded_rectangle([x0, y0, x1, y1], radius * Q, fill=_rgba(fill) if fill is not None else None,
                                    outline=_rgba(outline) if outline else None,
                                    width=int(width * Q))

    def ellipse(self, box, fill, outline=None, width: float = 0) -> None:
        if self.dry:
            return
        self.draw.ellipse([v * Q for v in box], fill=_rgba(fill), outline=_rgba(outline) if outline else None,
                          width=int(width * Q))

    def polygon(self, pts, fill) -> None:
        if self.dry:
            return
        self.draw.polygon([(x * Q, y * Q) for x, y in pts], fill=_rgba(fill))

    def line(self, pts, fill, width: float) -> None:
        if self.dry:
            return
        self.draw.line([(x * Q, y * Q) for x, y in pts], fill=_rgba(fill), width=max(1, int(round(width * Q))))

    def measure(self, text: str, size: float, weight: int = 400) -> tuple[float, float, float]:
        """Width, cap-to-baseline height and the top offset of ``text``, output px."""
        f = font(int(round(size * Q)), weight, self.family)
        x0, y0, x1, y1 = self.draw.textbbox((0, 0), text, font=f, anchor="ls")
        return (x1 - x0) / Q, -y0 / Q, y0 / Q

    def fit(self, text: str, size: float, max_w: float, weight: int = 400, min_size: float = 0) -> float:
        """The largest size <= ``size`` at which ``text`` fits ``max_w``."""
        while size > max(min_size, 8):
            if self.measure(text, size, weight)[0] <= max_w:
                return size
            size *= 0.94
        return max(size, min_size)

    def text(self, xy, text: str, size: float, ink, weight: int = 400, anchor: str = "ls",
             strike: bool = False) -> tuple[float, float, float, float]:
        """Draw ``text`` with its ``anchor`` (Pillow's, default left-baseline) at ``xy``; return its box."""
        f = font(int(round(size * Q)), weight, self.family)
        x, y = xy[0] * Q, xy[1] * Q
        bx = bx0 = self.draw.textbbox((x, y), text, font=f, anchor=anchor)
        if self.dry:
            return tuple(v / Q for v in bx)  # type: ignore[return-value]
        self.draw.text((x, y), text, font=f, fill=_rgba(ink), anchor=anchor)
        mid = (bx[1] + bx[3]) / 2 + (bx[3] - bx[1]) * 0.08
        if strike:
            self.draw.line([(bx[0] - 2 * Q, mid), (bx[2] + 2 * Q, mid)], fill=_rgba(ink),
                           width=max(2, int(size * Q * 0.07)))
        # glyph coverage for the legibility check, at output size
        pad = 2 * Q
        W, H = self.image.size
        bx = (max(0, int(bx[0]) - pad), max(0, int(bx[1]) - pad), min(W, int(bx[2]) + pad), min(H, int(bx[3]) + pad))
        bx = tuple(int(v // Q * Q) if i < 2 else int(-(-v // Q) * Q) for i, v in enumerate(bx))
        m = Image.new("L", (bx[2] - bx[0], bx[3] - bx[1]), 0)
        md = ImageDraw.Draw(m)
        md.text((x - bx[0], y - bx[1]), text, font=f, fill=255, anchor=anchor)
        if strike:
            md.line([(bx0[0] - 2 * Q - bx[0], mid - bx[1]), (bx0[2] + 2 * Q - bx[0], mid - bx[1])], fill=255,
                    width=max(2, int(size * Q * 0.07)))
        small = m.resize((m.width // Q, m.height // Q), Image.LANCZOS)
        box = tuple(v // Q for v in bx)
        self.texts.append(TextRecord(text, int(round(size)), weight, self.family, box,  # type: ignore[arg-type]
                                     tuple(int(c) for c in ink[:3]), np.asarray(small, np.float32) / 255.0))
        return tuple(v / Q for v in bx)  # type: ignore[return-value]

    def paste(self, image: Image.Image, xy) -> None:
        if self.dry:
            return
        im = image.convert("RGBA").resize((image.width * Q, image.height * Q), Image.LANCZOS)
        self.image.alpha_composite(im, (int(xy[0] * Q), int(xy[1] * Q)))

    def flatten(self, base: Image.Image) -> Image.Image:
        """``base`` (RGB, output size) with this layer on it: premultiplied, reduced by area
        averaging (what Lanczos gives at 2:1, several times faster), and only in the bands of
        rows that have ink (a card's text sits in a few bands; the product between has none)."""
        out = np.array(base.convert("RGB"))
        alpha = np.asarray(self.image.getchannel("A"))
        rows = alpha.reshape(-1, Q, alpha.shape[1]).max(axis=(1, 2)) > 0  # per output row
        if not rows.any():
            return Image.fromarray(out)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], rows.astype(np.int8), [0]])))
        for r0, r1 in zip(edges[::2], edges[1::2]):
            band = alpha[r0 * Q:r1 * Q]
            cols = np.flatnonzero(band.max(axis=0) > 0)
            c0, c1 = cols[0] // Q, cols[-1] // Q + 1
            layer = np.asarray(self.image.crop((c0 * Q, r0 * Q, c1 * Q, r1 * Q)))
            a = np.ascontiguousarray(layer[..., 3])
            pre = cv2.merge([cv2.multiply(np.ascontiguousarray(layer[..., c]), a, scale=1 / 255) for c in range(3)] + [a])
            small = cv2.resize(pre, (c1 - c0, r1 - r0), interpolation=cv2.INTER_AREA)
            region = out[r0:r1, c0:c1]
            keep = cv2.merge([255 - small[..., 3]] * 3)
            out[r0:r1, c0:c1] = cv2.add(cv2.multiply(region, keep, scale=1 / 255), small[..., :3])
        return Image.fromarray(out)


def _rgba(c) -> tuple[int, int, int, int]:
    c = tuple(int(v) for v in c)
    return c if len(c) == 4 else c + (255,)


@dataclass(frozen=True)
class Legibility:
    text: str
    size: int
    contrast: float
    ssim: float


def legibility(image: Image.Image, texts: list[TextRecord]) -> list[Legibility]:
    """Each text's contrast against what is behind it (the 5th percentile of the background
    pixels in its box, glyphs excluded) and the SSIM of its rendering against 2x, reduced."""
    from skimage.metrics import structural_similarity

    rgb = np.asarray(image.convert("RGB"), np.float64)
    out = []
    for rec in texts:
        x0, y0, x1, y1 = rec.box
        patch = rgb[y0:y1, x0:x1]
        m = rec.mask[: patch.shape[0], : patch.shape[1]]
        around = patch[m < 0.02]
        if len(around) == 0:
            continue
        lin = np.where(around / 255 <= 0.04045, around / 255 / 12.92, ((around / 255 + 0.055) / 1.055) ** 2.4)
        lum = lin @ np.array([0.2126, 0.7152, 0.0722])
        li = luminance(rec.ink)
        ratios = (np.maximum(lum, li) + 0.05) / (np.minimum(lum, li) + 0.05)
        ratio = float(np.percentile(ratios, 5))
        # SSIM: the text as shipped (drawn at Q x, reduced) enlarged 2x, against the same text
        # drawn at twice the size: what the small size lost shows as a lower score
        small = _render_alone(rec.text, rec.size, rec.weight, rec.family)
        big = _render_alone(rec.text, rec.size * 2, rec.weight, rec.family)
        up = np.asarray(Image.fromarray(small.astype(np.uint8)).resize((small.shape[1] * 2, small.shape[0] * 2),
                                                                       Image.BICUBIC), np.float64)
        h = min(up.shape[0], big.shape[0])
        w = min(up.shape[1], big.shape[1])
        s = structural_similarity(up[:h, :w], big[:h, :w], data_range=255.0) if min(h, w) >= 7 else 1.0
        out.append(Legibility(rec.text, rec.size, round(ratio, 2), round(float(s), 3)))
    return out


def _render_alone(text: str, size: int, weight: int, family: str) -> np.ndarray:
    """``text`` in black on white as a card draws it (at Q x, reduced), its baseline-left origin
    at a fixed offset proportional to ``size`` so two sizes line up after scaling."""
    f = font(size * Q, weight, family)
    d = ImageDraw.Draw(Image.new("L", (1, 1)))
    x0, y0, x1, y1 = d.textbbox((0, 0), text, font=f, anchor="ls")
    pad = size // 2 * Q
    w = (x1 + 2 * pad) // Q * Q + Q
    h = (1.3 * size * Q + 2 * pad) // Q * Q
    im = Image.new("L", (int(w), int(h)), 255)
    ImageDraw.Draw(im).text((pad, pad + size * Q), text, font=f, fill=0, anchor="ls")
    return np.asarray(im.resize((im.width // Q, im.height // Q), Image.LANCZOS), np.float64)
