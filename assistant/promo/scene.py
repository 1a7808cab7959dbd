"""The product set into a backdrop: standing on its base line, with a contact shadow, a short
shadow falling back across the surface, an optional soft reflection, and its colours nudged
toward the scene's light within a bound that keeps them true.

Harmonisation: the backdrop's colour around the product's base (a ring, in CIELAB) pulls the
product's a*, b* and L* a little toward it; the pull is then scaled down until the median
CIEDE2000 between the product before and after (inside the mask) is at most ``MAX_DE``. The
edge gets a narrow light wrap (the backdrop's blurred colour over the outermost pixels), which
is what makes a cutout sit *in* a scene rather than on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from assistant.presets import ShadowSettings
from assistant.promo.backdrops import Scene
from assistant.promo.product import Cut
from assistant.stages import shadow as shadows
from assistant.imaging.colour import ciede2000

MAX_DE = 1.5          # median CIEDE2000 the harmonisation may move the product's colours
PULL = 0.22           # share of the ring's cast and lightness offset given to the product


@dataclass(frozen=True)
class Placed:
    image: np.ndarray     # HxWx3 uint8
    alpha: np.ndarray     # the product's alpha on the canvas
    box: tuple[int, int, int, int]
    harmony_de: float     # median CIEDE2000 the harmonisation moved the product


def paste(cut: Cut, canvas: tuple[int, int], cx: float, base: float,
          region: tuple[int, int, int, int] | None = None) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The cut on an empty canvas, its box centred on ``cx`` and standing on row ``base``;
    with ``region`` (x0, y0, x1, y1) only that part of the canvas is made (the alpha in full)."""
    W, H = canvas
    left = int(round(cx - cut.size[0] / 2 - cut.offset[0]))
    top = int(round(base - cut.size[1] - cut.offset[1]))
    rx0, ry0, rx1, ry1 = region or (0, 0, W, H)
    fg = np.zeros((ry1 - ry0, rx1 - rx0, 3), np.uint8)
    a = np.zeros((H, W), np.uint8)
    sy0, sx0 = max(0, -top), max(0, -left)
    dy0, dx0 = max(0, top), max(0, left)
    hh = min(cut.alpha.shape[0] - sy0, H - dy0)
    ww = min(cut.alpha.shape[1] - sx0, W - dx0)
    if hh > 0 and ww > 0:
        a[dy0:dy0 + hh, dx0:dx0 + ww] = cut.alpha[sy0:sy0 + hh, sx0:sx0 + ww]
        # the part of the pasted cut inside the region
        fy0, fx0 = max(dy0, ry0), max(dx0, rx0)
        fy1, fx1 = min(dy0 + hh, ry1), min(dx0 + ww, rx1)
        if fy1 > fy0 and fx1 > fx0:
            fg[fy0 - ry0:fy1 - ry0, fx0 - rx0:fx1 - rx0] = cut.rgb[sy0 + fy0 - dy0:sy0 + fy1 - dy0,
                                                                   sx0 + fx0 - dx0:sx0 + fx1 - dx0]
    bx0 = int(round(left + cut.offset[0]))
    by0 = int(round(top + cut.offset[1]))
    return fg, a, (bx0, by0, bx0 + int(round(cut.size[0])), by0 + int(round(cut.size[1])))


def _region(box: tuple, canvas: tuple[int, int]) -> tuple[int, int, int, int]:
    """What the product, its shadows and its reflection can reach."""
    W, H = canvas
    bw, bh = box[2] - box[0], box[3] - box[1]
    return (max(0, int(box[0] - 0.45 * bw - 0.1 * bh)), max(0, int(box[1] - 0.3 * bh)),
            min(W, int(box[2] + 0.45 * bw + 0.1 * bh)), min(H, int(box[3] + 0.45 * bh)))


def _box(cut: Cut, cx: float, base: float) -> tuple[int, int, int, int]:
    left = int(round(cx - cut.size[0] / 2 - cut.offset[0]))
    top = int(round(base - cut.size[1] - cut.offset[1]))
    bx0, by0 = int(round(left + cut.offset[0])), int(round(top + cut.offset[1]))
    return bx0, by0, bx0 + int(round(cut.size[0])), by0 + int(round(cut.size[1]))


def _cast(alpha: np.ndarray, box: tuple, length: float = 0.22, lean: float = 0.35, opacity: float = 0.22) -> np.ndarray:
    """The silhouette laid back over the surface (light from the front, above): squashed to
    ``length`` of its height, leaning sideways, softer and fainter the further it falls."""
    h, w = alpha.shape
    base = box[3]
    a = alpha.astype(np.float32) / 255.0
    # (x, y) -> (x + lean * (base - y) * length, base - length * (base - y))
    m = np.float32([[1, -lean * length, lean * length * base], [0, length, (1 - length) * base]])
    flat = cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_LINEAR)
    bh = max(1, box[3] - box[1])
    s = max(1.0, 0.02 * bh)
    small = cv2.resize(flat, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    near = cv2.resize(cv2.GaussianBlur(small, (0, 0), s / 4), (w, h), interpolation=cv2.INTER_LINEAR)
    far = cv2.resize(cv2.GaussianBlur(small, (0, 0), 3 * s / 4), (w, h), interpolation=cv2.INTER_LINEAR)
    y = np.arange(h, dtype=np.float32)[:, None]
    t = np.clip((base - y) / max(1.0, length * bh), 0, 1)
    return (near * (1 - t) + far * t) * (1 - 0.7 * t) * opacity


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def median_de(a: np.ndarray, b: np.ndarray) -> float:
    """Median CIEDE2000 between two lists of RGB colours (N x 3, 0..255)."""
    if len(a) == 0:
        return 0.0
    lab_a = _lab(np.asarray(a, np.float32)[None])[0].astype(np.float64)
    lab_b = _lab(np.asarray(b, np.float32)[None])[0].astype(np.float64)
    return float(np.median(ciede2000(lab_a, lab_b)))


def harmonise(fg: np.ndarray, alpha: np.ndarray, backdrop: np.ndarray, box: tuple) -> tuple[np.ndarray, float]:
    """``fg`` nudged toward the backdrop's light near the product; returns it and the median dE."""
    x0, y0, x1, y1 = box
    h, w = alpha.shape
    pad = max(4, (x1 - x0) // 6)
    rx0, ry0, rx1, ry1 = max(0, x0 - pad), max(0, y0), min(w, x1 + pad), min(h, y1 + pad)
    ring = backdrop[ry0:ry1, rx0:rx1][alpha[ry0:ry1, rx0:rx1] < 8]
    inside = alpha > 230
    if len(ring) < 16 or inside.sum() < 16:
        return fg, 0.0
    ring_lab = _lab(np.median(ring, axis=0)[None, None])[0, 0]
    prod = fg[y0:y1, x0:x1]
    sel = inside[y0:y1, x0:x1]
    lab = _lab(prod)
    # the cast of the scene's light, and a small pull of brightness toward the scene's
    shift = np.array([0.0, ring_lab[1], ring_lab[2]], np.float32) * PULL
    shift[0] = (ring_lab[0] - float(np.median(lab[..., 0][sel]))) * PULL * 0.25
    shift = np.clip(shift, [-4, -3, -3], [4, 3, 3]).astype(np.float32)
    pts = prod[sel]
    step = max(1, len(pts) // 1500)
    sample = pts[::step].astype(np.float32)
    sample_lab = _lab(sample[None])[0]
    k, de = 1.0, 0.0
    for _ in range(4):  # scale the pull down until the colours stay true (dE grows about linearly)
        moved = cv2.cvtColor((sample_lab + shift * np.float32(k))[None].astype(np.float32), cv2.COLOR_Lab2RGB)[0] * 255
        de = median_de(sample, np.clip(moved, 0, 255))
        if de <= MAX_DE:
            break
        k *= 0.9 * MAX_DE / de
    if k < 0.05:
        return fg, 0.0
    out = fg.copy()
    moved = cv2.cvtColor((lab + shift * np.float32(k)).astype(np.float32), cv2.COLOR_Lab2RGB) * 255
    out[y0:y1, x0:x1] = np.clip(moved + 0.5, 0, 255).astype(np.uint8)
    return out, de


def compose(scene: Scene, cut: Cut, cx: float, base: float, shadow: float = 1.0,
            reflection: float | None = None, harmony: bool = True) -> Placed:
    """The cut standing on row ``base`` at ``cx`` of the scene. All the work is done in the
    region the product, its shadows and its reflection can reach; the rest is the scene as is."""
    H, W = scene.rgb.shape[:2]
    x0, y0, x1, y1 = _region(_box(cut, cx, base), (W, H))
    x1, y1 = max(x1, x0), max(y1, y0)
    fg, a_full, box = paste(cut, (W, H), cx, base, (x0, y0, x1, y1))
    out = scene.rgb8.copy()
    if a_full.max() == 0:
        return Placed(out, a_full, box, 0.0)
    bh = box[3] - box[1]
    a = a_full[y0:y1, x0:x1]
    rbox = (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)
    bg = scene.rgb[y0:y1, x0:x1].astype(np.float32)
    # shadows: contact under the base, a short cast shadow falling back
    contact = shadows.render_shadow(a, ShadowSettings("contact", min(1.0, 0.55 * shadow), 0.05))
    cast = _cast(a, rbox, opacity=0.2 * shadow)
    dark = 1.0 - np.clip((contact if contact is not None else 0) + cast, 0, 0.85)
    bg *= dark[..., None]
    gloss = scene.glossy if reflection is None else reflection
    if gloss > 0:
        refl = shadows.render_shadow(a, ShadowSettings("reflection", float(np.clip(gloss, 0, 1)), 0.05), rgb_canvas=fg)
        bg = shadows.apply(bg, refl)
    de = 0.0
    if harmony:
        fg, de = harmonise(fg, a, scene.rgb[y0:y1, x0:x1], rbox)
    # light wrap: the outermost product pixels take some of the backdrop's blurred colour
    af = a.astype(np.float32) / 255.0
    h, w = a.shape
    s = max(1.0, bh / 250)
    small = cv2.resize(bg, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    wrap = cv2.resize(cv2.GaussianBlur(small, (0, 0), 2.0), (w, h), interpolation=cv2.INTER_LINEAR)
    rim = np.clip(cv2.GaussianBlur(1.0 - af, (0, 0), s) * 2, 0, 1) * af * 0.35
    fgf = fg.astype(np.float32)
    fgf += (wrap - fgf) * rim[..., None]
    region = bg + (fgf - bg) * af[..., None]
    out[y0:y1, x0:x1] = np.clip(region + 0.5, 0, 255).astype(np.uint8)
    return Placed(out, a_full, box, round(de, 2))
