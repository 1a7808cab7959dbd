"""Auto-fix where it is safe: the product re-rendered on a clean canvas, frames and screenshot
chrome cropped away. The product's own pixels are never touched.

``fix(rgb, alpha, findings, preset)`` returns ``Fixed``: the new image (at the same scale as
the input wherever that is possible), its alpha for the verdict after the fix, and the file
as the preset wants it; or ``refused`` with the reason when a fix would change the product
(a mark on the product, a collage, no product found). No I/O, no model.

How: crop to ``findings.content`` (frames and chrome gone); everything outside the product
zone (the product plus a small margin) becomes the preset's background colour; inside the
zone, pixels that are the old canvas colour (not product) are shifted to the new colour, so
a soft shadow keeps its shading and no halo is left; the product's pixels are copied as
they are. The canvas is then padded (never cropped into the product) to the preset's aspect
ratio, and cropped around the product when it fills too little. Only when the result would
be under the preset's smallest side is it scaled (``resampled``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PIL import Image

from assistant.errors import AssistantError
from assistant.photo import encode_image
from assistant.presets import Preset
from assistant.readiness.overlay import Findings

CANVAS_LEVEL = 24   # a zone pixel this close to the old canvas colour is canvas, not product
FEATHER = 0.01      # the zone's canvas fades into the new one over this share of the long side


@dataclass(frozen=True)
class Fixed:
    """What ``fix`` made for one preset."""

    preset: Preset
    refused: str | None                    # None, or why not: collage, mark_on_product, no_product, too_large
    rgb: np.ndarray | None = field(default=None, repr=False)
    alpha: np.ndarray | None = field(default=None, repr=False)
    data: bytes | None = field(default=None, repr=False)
    format: str = ""
    steps: tuple[str, ...] = ()            # what was done: marks_removed, cropped, padded, reframed, scaled
    resampled: bool = False                # the product was scaled (its pixels resampled)


def _keep_product(rgb: np.ndarray, product: np.ndarray, zone: np.ndarray, canvas: tuple[int, int, int],
                  colour: tuple[int, int, int]) -> np.ndarray:
    h, w = rgb.shape[:2]
    out = np.empty_like(rgb)
    out[:] = colour
    shifted = np.clip(rgb.astype(np.int16) + (np.array(colour, np.int16) - np.array(canvas, np.int16)), 0, 255)
    near_canvas = np.abs(rgb.astype(np.int16) - np.array(canvas, np.int16)).max(axis=2) <= CANVAS_LEVEL
    soft = zone & ~product & near_canvas
    # inside the zone: product as it is; canvas-like pixels shifted, fading out towards the zone's edge
    dist = cv2.distanceTransform(zone.astype(np.uint8), cv2.DIST_L2, 3)
    fade = np.clip(dist / max(1.0, FEATHER * max(h, w)), 0, 1)[..., None]
    blend = (fade * shifted + (1 - fade) * np.array(colour, np.float32)).astype(np.uint8)
    hard = zone & ~soft
    out[hard] = rgb[hard]
    out[soft] = blend[soft]
    return out


def _pad_to(rgb: np.ndarray, alpha: np.ndarray, ratio: float, colour) -> tuple[np.ndarray, np.ndarray]:
    h, w = alpha.shape
    if w / h < ratio:
        nw, nh = int(round(h * ratio)), h
    else:
        nw, nh = w, int(round(w / ratio))
    if (nw, nh) == (w, h):
        return rgb, alpha
    out = np.empty((nh, nw, 3), np.uint8)
    out[:] = colour
    a = np.zeros((nh, nw), np.uint8)
    x, y = (nw - w) // 2, (nh - h) // 2
    out[y:y + h, x:x + w] = rgb
    a[y:y + h, x:x + w] = alpha
    return out, a


def _reframe(rgb: np.ndarray, alpha: np.ndarray, product: np.ndarray, preset: Preset) -> tuple[np.ndarray, np.ndarray, bool]:
    """Crop the canvas (background only) so that the product fills the preset's ``fill``."""
    rules = preset.image
    ys, xs = np.nonzero(product)
    bx0, by0, bx1, by1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    h, w = alpha.shape
    ratio = rules.width / rules.height
    need_w = max((bx1 - bx0) / rules.fill, (by1 - by0) / rules.fill * ratio)
    nw, nh = int(round(need_w)), int(round(need_w / ratio))
    if nw >= w or nh >= h:
        return rgb, alpha, False
    cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
    x0 = int(np.clip(round(cx - nw / 2), 0, w - nw))
    y0 = int(np.clip(round(cy - nh / 2), 0, h - nh))
    if x0 > bx0 or y0 > by0 or x0 + nw < bx1 or y0 + nh < by1:
        return rgb, alpha, False
    return rgb[y0:y0 + nh, x0:x0 + nw], alpha[y0:y0 + nh, x0:x0 + nw], True


def fix(rgb: np.ndarray, alpha: np.ndarray, findings: Findings, preset: Preset) -> Fixed:
    """The image made ready for ``preset`` without touching the product, or why it cannot be."""
    rules = preset.image
    if rules.overlays_allowed:  # marks and frames are allowed here: only the shape and size are fixed
        findings = replace(findings, marks=(), content=(0, 0, rgb.shape[1], rgb.shape[0]), collage=False,
                           zone=np.ones(findings.zone.shape, bool))
    if findings.collage:
        return Fixed(preset, "collage")
    if findings.product_box is None:
        return Fixed(preset, "no_product")
    if not findings.removable:
        return Fixed(preset, "mark_on_product")
    colour = preset.background_rgb
    steps: list[str] = []
    x0, y0, x1, y1 = findings.content
    rgb_c = np.ascontiguousarray(rgb[y0:y1, x0:x1, :3])
    product = findings.product[y0:y1, x0:x1]
    zone = findings.zone[y0:y1, x0:x1]
    a = np.where(product, np.maximum(alpha[y0:y1, x0:x1], 1), 0).astype(np.uint8)
    if (x0, y0, x1, y1) != (0, 0, rgb.shape[1], rgb.shape[0]):
        steps.append("cropped")
    if findings.marks:
        steps.append("marks_removed")
    out = _keep_product(rgb_c, product, zone, findings.canvas, colour)
    fill = max(np.ptp(np.nonzero(product.any(axis=0))[0]) + 1, 0) / product.shape[1]
    fill = max(fill, (np.ptp(np.nonzero(product.any(axis=1))[0]) + 1) / product.shape[0])
    out, a = _pad_to(out, a, rules.width / rules.height, colour)
    if out.shape[:2] != rgb_c.shape[:2]:
        steps.append("padded")
    prod_now = a > 0
    ys, xs = np.nonzero(prod_now)
    fill = max((xs.max() - xs.min() + 1) / a.shape[1], (ys.max() - ys.min() + 1) / a.shape[0])
    if fill < rules.min_fill:
        out, a, done = _reframe(out, a, prod_now, preset)
        if done:
            steps.append("reframed")
    resampled = False
    if min(a.shape) < rules.min_side:
        k = rules.min_side / min(a.shape)
        size = (int(round(a.shape[1] * k)), int(round(a.shape[0] * k)))
        out = cv2.resize(out, size, interpolation=cv2.INTER_CUBIC)
        a = cv2.resize(a, size, interpolation=cv2.INTER_LINEAR)
        resampled = True
        steps.append("scaled")
    try:
        data = encode_image(Image.fromarray(out), rules.format, rules.quality, rules.max_bytes)
    except AssistantError as exc:
        if exc.code != "output_too_large":
            raise
        return Fixed(preset, "too_large", out, a, None, rules.format, tuple(steps), resampled)
    return Fixed(preset, None, out, a, data, rules.format, tuple(steps), resampled)
