"""One product, ready for every slot: cut out, lit once (as ``process`` does), measured.

``prepare`` follows ``pipeline.process`` step by step (cutout, crop at the largest main
image's scale with the lighting context, decontaminate, light) so the main image is exactly
today's output; the lit crop then feeds the scenes, cards and the packaging hero, and the
full-resolution photo feeds the detail crop (with the same colour correction, as gains).
One vendor's photos come out with one white point and brightness because the lighting stage
corrects each to neutral and a standard level (its test: four shots under one bulb at -0.9 to
0 EV end within 2.5 L* and 2.5 a*b* of neutral).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from assistant.errors import AssistantError
from assistant.photo import Photo, encode_image
from assistant.pipeline import cut_out, lit_crop
from assistant.presets import LightingSettings, Preset
from assistant.imaging.masks import alpha_box
from assistant.stages import cutout, framing
from assistant.stages import shadow as shadows

MAX_UPSCALE = 2.2  # the close-up is enlarged at most this much from the photo's own pixels
MAX_WINDOW = 0.8   # ... and shows at most this share of the product's shorter side (else it is no close-up)
_I = np.arange(256, dtype=np.float64) / 255.0
_DECODE = np.where(_I <= 0.04045, _I / 12.92, ((_I + 0.055) / 1.055) ** 2.4)


@dataclass(frozen=True)
class Prepared:
    """A cut-out, lit product at the master scale, and its source photo."""

    name: str
    photo: Photo            # with alpha, at the decoded size
    lit: np.ndarray         # master crop, lit RGB uint8
    alpha: np.ndarray       # master crop alpha uint8
    offset: tuple[float, float]   # the product box's top-left inside the crop
    box: tuple[int, int, int, int]   # product box in the photo
    master_scale: float     # master px per photo px
    scales: dict[str, float]  # main image scale per preset name
    gains: tuple[float, float, float]  # linear RGB gains photo -> lit (for the detail crop)
    settings: LightingSettings
    custom: LightingSettings | None = None  # the caller's own settings, which override each preset's
    cuts: dict = field(default_factory=dict, compare=False, repr=False)  # resized() by height: three scenes share one

    @property
    def box_size(self) -> tuple[int, int]:
        return self.box[2] - self.box[0], self.box[3] - self.box[1]

    @property
    def aspect(self) -> float:
        """Width over height of the product."""
        w, h = self.box_size
        return w / h


def prepare(photo: Photo, presets: list[Preset], name: str = "", model: str | None = None,
            settings: LightingSettings | None = None) -> Prepared:
    if photo.alpha is None:
        photo = cut_out(photo, model)
    rgb = np.asarray(photo.image)
    alpha = np.asarray(photo.alpha)
    box = alpha_box(alpha)
    if box is None:
        raise AssistantError("no_product_found", name=photo.source)
    scales = {p.name: framing.fit_scale(box, p.size, p.image.fill) for p in presets}
    master = max(scales.values())
    custom = settings
    settings = settings or presets[0].lighting
    m_rgb, lit, m_alpha, offset = lit_crop(rgb, alpha, box, master, settings, photo.hand)
    return Prepared(name or photo.source, photo, lit, m_alpha, offset, box, master, scales,
                    _gains(m_rgb, lit, m_alpha), settings, custom)


def _gains(before: np.ndarray, after: np.ndarray, alpha: np.ndarray) -> tuple[float, float, float]:
    """Per-channel linear gains that best map the photo's product colours to the lit ones."""
    step = max(1, int(math.sqrt(alpha.size / 40000)))  # 40 000 pixels are plenty for a median
    before, after, alpha = before[::step, ::step], after[::step, ::step], alpha[::step, ::step]
    sel = (alpha > 200) & (before.max(axis=2) < 245) & (before.min(axis=2) > 12)
    if sel.sum() < 50:
        return (1.0, 1.0, 1.0)
    b = _DECODE[before[sel]]
    a = _DECODE[after[sel]]
    return tuple(float(np.clip(np.median(a[:, c]) / max(np.median(b[:, c]), 1e-4), 0.25, 4.0))
                 for c in range(3))  # type: ignore[return-value]


def main_image(prep: Prepared, preset: Preset) -> tuple[Image.Image, bytes, np.ndarray]:
    """The preset's main image, made exactly as ``pipeline.process`` makes it; its bytes, and the
    product's alpha on the canvas."""
    ratio = prep.scales[preset.name] / prep.master_scale
    if abs(ratio - 1.0) > 1e-6:
        full = (0, 0, prep.alpha.shape[1], prep.alpha.shape[0])
        p_rgb, p_alpha, _ = framing.crop_scaled(prep.lit, prep.alpha, full, ratio)
        p_offset = (prep.offset[0] * ratio, prep.offset[1] * ratio)
    else:
        p_rgb, p_alpha, p_offset = prep.lit, prep.alpha, prep.offset
    scale = prep.scales[preset.name]
    light = prep.custom or preset.lighting
    if light.sharpen > 0:
        p_rgb = np.asarray(framing.sharpen_for_output(Image.fromarray(p_rgb), light, scale))
    bw, bh = prep.box_size
    fg, canvas_alpha = framing.place(p_rgb, p_alpha, p_offset, (bw * scale, bh * scale), preset.size)
    shade = None
    if preset.image.shadow_allowed:
        shade = shadows.render_shadow(canvas_alpha, preset.shadow, rgb_canvas=fg)
    image = framing.compose(fg, canvas_alpha, preset.background_rgb, shade)
    data = encode_image(image, preset.image.format, preset.image.quality, preset.image.max_bytes)
    return image, data, canvas_alpha


@dataclass(frozen=True)
class Cut:
    """The lit product resized for one placement: RGB, alpha, and its box inside them."""

    rgb: np.ndarray
    alpha: np.ndarray
    offset: tuple[float, float]
    size: tuple[float, float]  # product box w, h in px


def resized(prep: Prepared, height: float) -> Cut:
    """The lit product with its box ``height`` px tall, sharpened for that size (made once per
    height and product; read-only)."""
    key = round(float(height), 4)
    if key not in prep.cuts:
        cut = _resized(prep, height)
        cut.rgb.setflags(write=False)
        cut.alpha.setflags(write=False)
        prep.cuts[key] = cut
    return prep.cuts[key]


def _resized(prep: Prepared, height: float) -> Cut:
    bw, bh = prep.box_size
    k = height / (bh * prep.master_scale)
    full = (0, 0, prep.alpha.shape[1], prep.alpha.shape[0])
    rgb, alpha, _ = framing.crop_scaled(prep.lit, prep.alpha, full, k)
    if prep.settings.sharpen > 0:
        rgb = np.asarray(framing.sharpen_for_output(Image.fromarray(rgb), prep.settings, k * prep.master_scale))
    return Cut(rgb, alpha, (prep.offset[0] * k, prep.offset[1] * k), (bw * prep.master_scale * k, height))


def as_rgba(cut: Cut) -> Image.Image:
    """The cut cropped to its product box, as RGBA (for the packaging hero)."""
    x0, y0 = int(cut.offset[0]), int(cut.offset[1])
    x1, y1 = x0 + int(math.ceil(cut.size[0])), y0 + int(math.ceil(cut.size[1]))
    return Image.fromarray(np.dstack([cut.rgb, cut.alpha])[y0:y1, x0:x1], "RGBA")


# --------------------------------------------------------------------------- detail

@dataclass(frozen=True)
class DetailChoice:
    centre: tuple[float, float]  # shares of the product box (0..1)
    side: int                    # window side in photo px
    score: float
    too_small: bool = False      # the photo has too few pixels for a real close-up


def find_detail(prep: Prepared, zoom: float = 0.4, at: tuple[float, float] | None = None,
                aspect: float = 1.0, out_height: int = 0) -> tuple[tuple[int, int, int, int], DetailChoice]:
    """The window (x0, y0, x1, y1 in photo px) showing the sharpest, most textured part of the
    product: the highest mean Laplacian energy among windows lying on the product. ``zoom`` is
    the window's height as a share of the product's shorter side; ``at`` forces its centre."""
    rgb = np.asarray(prep.photo.image)
    alpha = np.asarray(prep.photo.alpha)
    x0, y0, x1, y1 = prep.box
    bw, bh = x1 - x0, y1 - y0
    side_h = max(16, int(np.clip(zoom, 0.1, 1.0) * min(bw, bh)))
    # never enlarge more than MAX_UPSCALE: a small photo gets a wider, less magnified close-up
    side_h = min(max(side_h, int(out_height / MAX_UPSCALE)), max(bw, bh), alpha.shape[0])
    too_small = side_h > MAX_WINDOW * min(bw, bh) and out_height > 0
    side_w = max(16, int(side_h * aspect))
    if at is not None:
        cx, cy = x0 + at[0] * bw, y0 + at[1] * bh
        score = 0.0
    else:
        k = max(1.0, max(bw, bh) / 700)  # the search on at most ~700 px: shape, not pixels
        sub = lambda a: cv2.resize(np.ascontiguousarray(a[y0:y1, x0:x1]), (max(1, int(bw / k)), max(1, int(bh / k))),
                                   interpolation=cv2.INTER_AREA)
        gray = cv2.cvtColor(sub(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)
        solid = (sub(alpha) > 200).astype(np.float32)
        energy = np.abs(cv2.Laplacian(gray, cv2.CV_32F, ksize=3))
        energy = np.minimum(energy, np.percentile(energy, 99.5) + 1e-3)  # one hard edge must not win alone
        wk = (max(3, int(side_w / k)), max(3, int(side_h / k)))
        mean = cv2.boxFilter(energy * solid, -1, wk, borderType=cv2.BORDER_CONSTANT)
        cover = cv2.boxFilter(solid, -1, wk, borderType=cv2.BORDER_CONSTANT)
        score_map = np.where(cover > 0.97, mean, mean * cover ** 8 * 0.2)
        iy, ix = np.unravel_index(int(np.argmax(score_map)), score_map.shape)
        cx, cy = x0 + (ix + 0.5) * k, y0 + (iy + 0.5) * k
        score = float(score_map[iy, ix])
    h, w = alpha.shape
    side_w, side_h = min(side_w, w), min(side_h, h)
    left = int(np.clip(round(cx - side_w / 2), 0, w - side_w))
    top = int(np.clip(round(cy - side_h / 2), 0, h - side_h))
    choice = DetailChoice(((left + side_w / 2 - x0) / bw, (top + side_h / 2 - y0) / bh), side_h, score,
                          too_small)
    return (left, top, left + side_w, top + side_h), choice


def detail_image(prep: Prepared, size: tuple[int, int], background: tuple[int, int, int],
                 zoom: float = 0.4, at: tuple[float, float] | None = None) -> tuple[Image.Image, DetailChoice]:
    """The detail crop at ``size``, in the lit product's colours, outside the product on ``background``."""
    window, choice = find_detail(prep, zoom, at, size[0] / size[1], size[1])
    x0, y0, x1, y1 = window
    rgb = np.ascontiguousarray(np.asarray(prep.photo.image)[y0:y1, x0:x1])
    alpha = np.ascontiguousarray(np.asarray(prep.photo.alpha)[y0:y1, x0:x1])
    rgb = cutout.decontaminate(rgb, alpha)
    lut = np.stack([_encode_lut(g) for g in prep.gains], axis=1)  # 256 x 3
    rgb = np.stack([lut[rgb[..., c], c] for c in range(3)], axis=2)
    k = size[0] / rgb.shape[1]
    interp = cv2.INTER_AREA if k < 1 else cv2.INTER_LANCZOS4
    rgb = cv2.resize(rgb, size, interpolation=interp)
    alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR)
    if prep.settings.sharpen > 0:
        rgb = np.asarray(framing.sharpen_for_output(Image.fromarray(rgb), prep.settings, k))
    a = alpha.astype(np.float32)[..., None] / 255.0
    out = rgb.astype(np.float32) * a + np.asarray(background, np.float32) * (1 - a)
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8)), choice


def _encode_lut(gain: float) -> np.ndarray:
    x = np.clip(_DECODE * gain, 0, 1)
    y = np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055)
    return np.clip(y * 255 + 0.5, 0, 255).astype(np.uint8)
