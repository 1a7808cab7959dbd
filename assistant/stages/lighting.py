"""Lighting and colour standardisation: white balance, exposure, local contrast, denoise, sharpening.

Phone photos of products come out yellow under kitchen bulbs, blue by a window and dark and
noisy in a shop. This stage estimates the light's colour and the exposure from the photo,
corrects both in linear RGB, then applies gentle local contrast and, for low-light photos,
an edge-preserving denoise. A colour guard measures how much the product's colours moved
(CIEDE2000) and limits the correction when the estimate is unsure, so a brand's red stays red.

How the light is estimated, in order of trust:

* the removed background, when it is a plain, bright surface (paper, a white table, a wall):
  it is taken as the white reference; where some of its channels are clipped (over-exposure),
  the unclipped ones still fix their share exactly and the clipped ones are read from a neutral
  surface on the product (a carton's shaded side) or, without one, taken from the product's
  grey-edge, projected onto the levels the clipped backdrop allows; that reading is then settled
  on the most likely real light that fits the backdrop (measured lights and the Planckian locus);
* otherwise the consensus of the classic statistics on unclipped pixels: shades-of-grey
  (Minkowski p=6), grey-edge (first order, p=2), bright pixels and grey-world.

All heavy work is done on a small copy (at most 256 px); the full-size image only goes through
per-channel look-up tables and a few OpenCV filters, so a 1200x1200 photo takes a few tens of
milliseconds.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from assistant.errors import AssistantError
from assistant.i18n import t
from assistant.presets import LightingSettings

__all__ = [
    "LightingReference", "LightingResult", "analyse_lighting", "estimate_reference",
    "sharpen_for_output", "standardize_lighting",
]

_STATS_SIDE = 256       # the statistics need shape, not detail; keeps the estimate a few ms
_CLIP = 250             # 8-bit level treated as clipped: JPEG ringing leaves true clips at 250..255
_DARK = 0.002           # linear level below which quantisation and noise swamp the colour
_DARK_REL = 0.03        # ... and relative to the scene's bright end, so a darker shot keeps the same pixels
_MIN_GAIN_EV, _MAX_GAIN_EV = -2.0, 2.5   # a wider swing is a broken photo, not a dim one
_LIGHT_MIN, _LIGHT_MAX = 0.12, 3.0   # red/green and blue/green of any plausible light
_HUE_BOUND = 20.0       # degrees a saturated product colour may turn when the light estimate is unsure
_HUE_BOUND_PRESERVE = 8.0
_K3 = np.ones((3, 3), np.uint8)
_LIGHT_PRIOR = Path(__file__).resolve().parent.parent / "data" / "light_prior.json"

_I = np.arange(256, dtype=np.float64) / 255.0
_DECODE = np.where(_I <= 0.04045, _I / 12.92, ((_I + 0.055) / 1.055) ** 2.4).astype(np.float32)


def _encode(linear: np.ndarray) -> np.ndarray:
    """sRGB transfer function on linear values in [0, 1] (float in, float in [0, 1] out)."""
    x = np.clip(linear, 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055)


@dataclass(frozen=True)
class LightingReference:
    """Shared white point and brightness for one vendor's batch, from ``estimate_reference``."""

    illuminant: tuple[float, float, float]      # linear RGB, green = 1
    background_lab: tuple[float, float, float] | None  # the corrected background's CIELAB colour
    product_lightness: float                    # median L* of the corrected products
    spread_deg: float                           # median distance of the photos' own lights from the pooled one
    count: int


@dataclass(frozen=True)
class LightingResult:
    """The corrected photo and what was measured and done to it."""

    image: Image.Image
    illuminant: tuple[float, float, float]      # estimated light colour, linear RGB, green = 1
    exposure_ev: float                          # brightness change applied to a neutral surface, in EV
    delta_e: float                              # mean CIEDE2000 change of the product's colours
    residual_cast: float                        # CIELAB chroma of the corrected white point (0 = neutral)
    estimator: str                              # which estimate won: background, background-projected, consensus...
    confidence: float                           # 0..1 agreement between independent estimates
    hue_shift: float                            # 90th percentile hue turn of saturated product colours, degrees
    wb_strength: float                          # share of the estimated cast that was removed (guard < 1)
    denoised: bool
    notes: tuple[str, ...] = field(default=())  # i18n keys, see ``messages``

    def messages(self, lang: str | None = None) -> list[str]:
        """The notes as sentences in ``lang``."""
        params = {"ev": f"{self.exposure_ev:+.1f}", "cast": f"{self.residual_cast:.1f}",
                  "de": f"{self.delta_e:.1f}", "hue": f"{self.hue_shift:.0f}"}
        return [t(key, lang, **params) for key in self.notes]


@dataclass
class _Estimate:
    white: np.ndarray          # linear RGB of a white surface under this light at this exposure (may exceed 1)
    white_known: bool          # white's level is measured (not only its colour)
    estimator: str
    confidence: float
    candidates: dict[str, np.ndarray]
    clipped_white: bool        # the white reference itself is clipped in every channel


# ---------------------------------------------------------------------------------------------
# small helpers


def _rgb_array(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    if not isinstance(image, Image.Image):
        raise AssistantError("lighting_not_image", kind=type(image).__name__)
    if image.mode not in ("RGB", "RGBA"):
        raise AssistantError("lighting_bad_mode", mode=image.mode)
    arr = np.asarray(image)
    if image.mode == "RGBA":
        return np.ascontiguousarray(arr[..., :3]), arr[..., 3]
    return np.ascontiguousarray(arr), None


def _mask_array(mask: Image.Image | None, size: tuple[int, int], alpha: np.ndarray | None) -> np.ndarray | None:
    if mask is None:
        # a cutout's own alpha is the best mask there is
        if alpha is not None and alpha.min() < 128:
            return alpha
        return None
    if mask.size != size:
        raise AssistantError("lighting_mask_size", mask=f"{mask.size[0]}x{mask.size[1]}",
                             image=f"{size[0]}x{size[1]}")
    return np.asarray(mask.convert("L"))


def _any3(a: np.ndarray) -> np.ndarray:
    """``a.any(axis=-1)`` for three channels; numpy's reduction over a size-3 axis is slow."""
    return a[..., 0] | a[..., 1] | a[..., 2]


def _max3(a: np.ndarray) -> np.ndarray:
    """``a.max(axis=-1)`` for three channels, the fast way."""
    return np.maximum(np.maximum(a[..., 0], a[..., 1]), a[..., 2])


def _mean3(a: np.ndarray) -> np.ndarray:
    return (a[..., 0] + a[..., 1] + a[..., 2]) / 3.0


def _log_chroma(rgb: np.ndarray) -> np.ndarray:
    """(log r/g, log b/g): shifting by a constant is a change of light, so distances are casts."""
    lg = np.log(np.maximum(np.asarray(rgb, np.float64), 1e-6))
    return np.stack([lg[..., 0] - lg[..., 1], lg[..., 2] - lg[..., 1]], -1)


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, np.float64) / np.linalg.norm(a)
    b = np.asarray(b, np.float64) / np.linalg.norm(b)
    return math.degrees(math.acos(float(np.clip(a @ b, -1.0, 1.0))))


def _lab(linear: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of linear sRGB values (any shape ending in 3)."""
    m = np.array([[0.4124564, 0.3575761, 0.1804375],
                  [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = np.clip(linear, 0, None) @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def _ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference, vectorised (same formula as skimage's deltaE_ciede2000)."""
    l1, a1, b1 = np.moveaxis(lab1, -1, 0)
    l2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    cbar7 = ((c1 + c2) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(cbar7 / (cbar7 + 25.0 ** 7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    dhh = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    lbar, cbar = (l1 + l2) / 2, (c1p + c2p) / 2
    hsum = h1p + h2p
    hbar = np.where(np.abs(h1p - h2p) > 180, (hsum + 360) / 2, hsum / 2)
    hbar = np.where(c1p * c2p == 0, hsum, hbar) % 360
    tt = (1 - 0.17 * np.cos(np.radians(hbar - 30)) + 0.24 * np.cos(np.radians(2 * hbar))
          + 0.32 * np.cos(np.radians(3 * hbar + 6)) - 0.20 * np.cos(np.radians(4 * hbar - 63)))
    sl = 1 + 0.015 * (lbar - 50) ** 2 / np.sqrt(20 + (lbar - 50) ** 2)
    sc, sh = 1 + 0.045 * cbar, 1 + 0.015 * cbar * tt
    cbar7 = cbar ** 7
    rt = -2 * np.sqrt(cbar7 / (cbar7 + 25.0 ** 7)) * np.sin(np.radians(60 * np.exp(-(((hbar - 275) / 25) ** 2))))
    return np.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2 + rt * (dc / sc) * (dhh / sh))


# ---------------------------------------------------------------------------------------------
# the small copy used for every statistic


@dataclass
class _Stats:
    rgb: np.ndarray        # uint8 small copy
    lin: np.ndarray        # float32 linear
    clip: np.ndarray       # bool per channel: clipped somewhere in the full-size block
    clip_any: np.ndarray   # bool: any channel clipped
    bright: np.ndarray     # linear level of the brightest channel
    dark: float            # level below which a pixel's colour is not trusted
    product: np.ndarray | None   # bool product mask (given or derived)
    background: np.ndarray | None  # bool background region usable as a reference
    mask_given: bool
    _grad: np.ndarray | None = None

    @property
    def grad(self) -> np.ndarray:
        """Per-channel gradient magnitude of the linear image (computed once)."""
        if self._grad is None:
            self._grad = _gradients(self.lin)
        return self._grad


def _stats(rgb: np.ndarray, mask: np.ndarray | None) -> _Stats:
    h, w = rgb.shape[:2]
    # an integer factor keeps OpenCV's area resize on its fast path
    factor = math.ceil(max(h, w) / _STATS_SIDE)
    clip_full = cv2.threshold(rgb, _CLIP - 1, 255, cv2.THRESH_BINARY)[1]
    if factor > 1:
        size = (max(1, w // factor), max(1, h // factor))
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        # a block with any clipped pixel is clipped: its average is not a measurement
        clip = cv2.resize(clip_full, size, interpolation=cv2.INTER_AREA) > 0
        m_small = cv2.resize(mask, size, interpolation=cv2.INTER_AREA) if mask is not None else None
    else:
        small, clip, m_small = rgb, clip_full > 0, mask
    lin = _DECODE[small]
    clip_any, bright = _any3(clip), _max3(lin)
    top = float(np.percentile(_thin(bright.ravel()), 97))
    dark = max(_DARK, _DARK_REL * top)
    if m_small is not None:
        product = m_small >= 128
        background = ~cv2.dilate(product.astype(np.uint8), _K3, iterations=2).astype(bool)
        background &= m_small < 32
        return _Stats(small, lin, clip, clip_any, bright, dark, product, background, True)
    background = _border_background(small)
    product = None if background is None else ~background
    return _Stats(small, lin, clip, clip_any, bright, dark, product, background, False)


def _border_background(small: np.ndarray) -> np.ndarray | None:
    """Without a mask: the plain surface that runs in from the photo's border, if there is one."""
    h, w = small.shape[:2]
    r = max(2, round(0.03 * min(h, w)))
    ring = np.zeros((h, w), bool)
    ring[:r], ring[-r:], ring[:, :r], ring[:, -r:] = True, True, True, True
    ref = np.median(small[ring], axis=0)
    near = (np.abs(small.astype(np.int16) - ref.astype(np.int16)).max(axis=2) <= 14).astype(np.uint8)
    if near[ring].mean() < 0.6:
        return None  # the border is a busy scene, not a backdrop
    _, labels = cv2.connectedComponents(near, connectivity=4)
    touching = np.unique(labels[ring & (near > 0)])
    bg = np.isin(labels, touching[touching > 0])
    bg = cv2.erode(bg.astype(np.uint8), _K3, iterations=2).astype(bool)
    if bg.mean() < 0.08:
        return None
    return bg


# ---------------------------------------------------------------------------------------------
# illuminant candidates


def _thin(values: np.ndarray, limit: int = 20000) -> np.ndarray:
    """An even subsample: medians and percentiles do not need every pixel."""
    step = math.ceil(len(values) / limit)
    return values[::step] if step > 1 else values


def _minkowski(values: np.ndarray, p: int) -> np.ndarray:
    powered = values
    for _ in range(p - 1):
        powered = powered * values   # repeated products: np.power is several times slower
    return np.power(np.mean(powered, axis=0), 1.0 / p)


def _gradients(lin: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    blurred = cv2.GaussianBlur(lin, (0, 0), sigma)
    gx = cv2.Sobel(blurred, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(blurred, cv2.CV_32F, 0, 1, ksize=3)
    return np.sqrt(gx * gx + gy * gy)


def _scene_candidates(st: _Stats, region: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Classic estimates on pixels that are neither clipped nor too dark to carry colour."""
    clipped = cv2.dilate(st.clip_any.astype(np.uint8), _K3).astype(bool)
    # near the top of its own channel counts as clipped too: what clipped in one exposure is
    # just below the top in a darker one, and must be left out of both for the same answer
    tops = np.percentile(_thin(st.lin.reshape(-1, 3)), 99.9, axis=0).astype(np.float32)
    clipped |= _any3(st.lin >= 0.93 * tops)
    valid = ~clipped & (st.bright > st.dark)
    if region is not None:
        valid &= region
    if valid.sum() < 32:
        return {}
    px = _thin(st.lin[valid]).astype(np.float64)
    out = {"grey-world": px.mean(axis=0), "shades-of-grey": _minkowski(px, 6)}
    total = px.sum(axis=1)
    out["bright-pixels"] = px[total >= np.percentile(total, 97)].mean(axis=0)
    grad = _thin(st.grad[valid]).astype(np.float64)
    if grad.max() > 1e-4:
        out["grey-edge"] = _minkowski(grad, 2)
    return {k: v for k, v in out.items() if np.all(np.isfinite(v)) and v.min() > 1e-6}


def _product_grey_edge(st: _Stats) -> np.ndarray | None:
    """First-order grey-edge (p=1) on the product's unclipped pixels."""
    if st.product is None:
        return None
    clipped = cv2.dilate(st.clip_any.astype(np.uint8), _K3).astype(bool)
    valid = st.product & ~clipped & (st.bright > st.dark)
    if valid.sum() < 32:
        return None
    est = st.grad[valid].astype(np.float64).mean(axis=0)
    return est if est.min() > 1e-7 else None


def _neutral_white(st: _Stats, white: np.ndarray, clipped: np.ndarray, prior: np.ndarray,
                   width: float = 0.25, tol: float = 0.06) -> np.ndarray | None:
    """The clipped backdrop's white from the product's own neutral surfaces, if it has some.

    A neutral surface under this light is the backdrop's white scaled down: matched to the
    backdrop on its unclipped channels, its other channels read the levels the clip hid (a white
    carton's shaded side, grey print). Every light, unclipped product pixel is scaled that way;
    those that disagree on the known channels (when two are known) or would put the white below
    the clip cannot be neutral. Of the peaks in the density of the rest, the one best supported
    and nearest ``prior`` (the product's grey-edge, projected) is taken.
    """
    if st.product is None:
        return None
    clipd = cv2.dilate(st.clip_any.astype(np.uint8), _K3).astype(bool)
    valid = st.product & ~clipd & (st.bright > max(st.dark, 0.02))
    if valid.sum() < 32:
        return None
    lp = np.log(np.maximum(_thin(st.lin[valid]).astype(np.float64), 1e-5))
    lw = np.log(np.maximum(white, 1e-6))
    known, free = np.flatnonzero(~clipped), np.flatnonzero(clipped)
    cand = lp + (lw[known] - lp[:, known]).mean(axis=1)[:, None]
    # a light surface only (a quarter of white or more): a dark one's colour is mostly JPEG noise,
    # and dark skins and shadows, scaled up to the backdrop, fit any light by chance
    ok = (lp[:, known] - lw[known]).min(axis=1) >= math.log(0.25)
    if known.size > 1:
        ok &= np.abs(cand[:, known] - lw[known]).max(axis=1) < tol
    for c in free:
        ok &= cand[:, c] >= -0.02
    if ok.sum() < 8:
        return None
    cand = cand[ok]
    lpr = np.log(prior)
    lpr = lpr - lpr[known].mean() + lw[known].mean()
    # the peaks of the candidates' density; the prior only chooses among them, so it cannot
    # drag a peak's position towards itself
    step = 0.03 if free.size == 1 else 0.045
    edges = np.arange(-0.02, 3.0, step)
    if free.size == 1:
        hist = np.histogram(cand[:, free[0]], edges)[0].astype(np.float32)[None]
        hist = cv2.GaussianBlur(hist, (0, 0), sigmaX=1.5, sigmaY=0.1)
    else:
        hist = np.histogram2d(cand[:, free[0]], cand[:, free[1]], [edges, edges])[0].astype(np.float32)
        hist = cv2.GaussianBlur(hist, (0, 0), 1.5)
    peaks = (hist >= cv2.dilate(hist, np.ones((3, 3), np.uint8))) & (hist > 0.02 * hist.max())
    idx = np.argwhere(peaks)
    centres = edges[idx] + step / 2
    if free.size == 1:
        centres = centres[:, 1:]
    d2 = ((centres - lpr[free]) ** 2).sum(axis=1) / width ** 2
    score = hist[peaks] * np.exp(-0.5 * d2)
    if not score.size or score.max() <= 0:
        return None
    out = lw.copy()
    out[free] = centres[int(np.argmax(score))]
    return np.exp(out)


def _project(estimate: np.ndarray, white: np.ndarray, clipped: np.ndarray) -> np.ndarray:
    """The light closest to ``estimate`` that fits a white background clipped in ``clipped``."""
    le = np.log(estimate)
    le -= le.mean()
    lw = np.log(np.maximum(white, 1e-6))
    grid = np.linspace(0.0, 3.0, 121)   # a clipped channel's level is at least the clip (log >= 0)
    cl = np.flatnonzero(clipped)
    if cl.size == 1:
        cand = np.repeat(lw[None], grid.size, axis=0)
        cand[:, cl[0]] = grid
    else:
        g1, g2 = np.meshgrid(grid[::2], grid[::2])
        cand = np.repeat(lw[None], g1.size, axis=0)
        cand[:, cl[0]], cand[:, cl[1]] = g1.ravel(), g2.ravel()
    centred = cand - cand.mean(axis=1, keepdims=True)
    return np.exp(cand[np.argmin(((centred - le) ** 2).sum(axis=1))])


def _planck_srgb(kelvin: np.ndarray) -> np.ndarray:
    """Linear sRGB of a black body (Kang et al. 2002 fit of the Planckian locus in CIE xy), green = 1."""
    t = np.asarray(kelvin, np.float64)
    x = np.where(t < 4000, -0.2661239e9 / t**3 - 0.2343589e6 / t**2 + 0.8776956e3 / t + 0.179910,
                 -3.0258469e9 / t**3 + 2.1070379e6 / t**2 + 0.2226347e3 / t + 0.240390)
    y = np.where(t < 2222, -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683,
                 np.where(t < 4000, -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867,
                          3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483))
    xyz = np.stack([x / y, np.ones_like(x), (1 - x - y) / y], axis=-1)
    rgb = xyz @ np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]]).T
    return rgb / rgb[..., 1:2]


@functools.cache
def _light_prior() -> tuple[np.ndarray, np.ndarray]:
    """Plausible lights as log RGB (green 0) and the log of how common each is.

    Two sources, weighted 2:1: the lights measured in 1772 real photos (SimpleCube++, camera
    raw, so greener than an sRGB lamp: what a sensor sees before any white balance), and lamps
    on the Planckian locus from 2300 K to 14000 K as sRGB renders them next to daylight (the
    casts a phone's own white balance leaves). The density is a Gaussian kernel of 0.05 in log.
    """
    data = json.loads(_LIGHT_PRIOR.read_text())
    bins = np.array(data["lights"], np.float64)
    planck = np.log(_planck_srgb(np.geomspace(2300, 14000, 120)) / _planck_srgb(np.array([6504.0])))
    chroma = np.vstack([bins[:, :2] * data["step"], planck[:, [0, 2]]])
    weight = np.concatenate([bins[:, 2] / bins[:, 2].sum(), np.full(len(planck), 0.5 / len(planck))])
    d2 = ((chroma[:, None] - chroma[None]) ** 2).sum(axis=-1)
    density = (np.exp(-0.5 * d2 / 0.05**2) * weight[None]).sum(axis=1)
    lights = np.column_stack([chroma[:, 0], np.zeros(len(chroma)), chroma[:, 1]])
    return lights, np.log(density / density.max())


def _plausible_light(guess: np.ndarray, white: np.ndarray, clipped: np.ndarray) -> np.ndarray:
    """The most likely real light behind a white backdrop clipped in ``clipped``, near ``guess``.

    Each plausible light is scaled to the backdrop's unclipped channels; it must then put the
    clipped ones at or above the clip (and, with two channels known, match both). Among those,
    the choice weighs how common the light is against its distance from the guess (a Gaussian of
    0.2 in log: the product's statistics are a weak witness, the backdrop's known channels a
    strong one). With one channel clipped this is nearly exact: the two known ones fix the
    light's red:blue, and real lights with that ratio have one green share.
    """
    lights, log_density = _light_prior()   # built on first use: only clipped backdrops need it
    lw = np.log(np.maximum(white, 1e-6))
    known, free = np.flatnonzero(~clipped), np.flatnonzero(clipped)
    level = (lw[known][None] - lights[:, known]).mean(axis=1)
    fitted = lights + level[:, None]
    misfit = np.abs(fitted[:, known] - lw[known][None]).max(axis=1)
    fits = (fitted[:, free] >= -0.01).all(axis=1)
    if not fits.any():
        return guess
    score = (((fitted - np.log(guess)[None]) ** 2).sum(axis=1) / 0.2**2 + (misfit / 0.03) ** 2
             - 2.0 * log_density)
    return np.exp(fitted[np.argmin(np.where(fits, score, np.inf))])


def _agreement(cands: dict[str, np.ndarray], scene: np.ndarray | None) -> float:
    """0..1: how well the robust statistics agree (grey-world, the usual outlier, votes but is not counted)."""
    robust = [v for k, v in cands.items() if k != "grey-world"]
    spread = max((_angle(v, scene) for v in robust), default=90.0) if scene is not None else 90.0
    return float(np.clip(1.0 - spread / 10.0, 0.0, 1.0))


def _estimate_raw(st: _Stats) -> _Estimate:
    cands: dict[str, np.ndarray] = {}
    scene_name = "consensus"
    if st.mask_given and st.background is not None and st.background.mean() >= 0.15:
        # with a cutout mask, the scene around the product is measured without the product:
        # a big red pack cannot then pass for a red light
        cands = _scene_candidates(st, st.background)
        scene_name = "background-scene"
    if not cands:
        cands = _scene_candidates(st)
        scene_name = "consensus"
    scene = _consensus(cands)
    scene_conf = _agreement(cands, scene)

    bg = st.background
    if bg is not None and bg.sum() >= max(32, 0.03 * bg.size):
        vals = _thin(st.lin[bg]).astype(np.float64)
        bclip = _thin(st.clip[bg])
        bright = _max3(vals) > st.dark
        vals, bclip = vals[bright], bclip[bright]
        if len(vals) >= 32:
            # clipped means piled up at the top, not merely brushing the threshold: a backdrop
            # just under white reads 248..252 after JPEG and is a measurement
            med = np.median(vals, axis=0)
            clipped = med >= _DECODE[253]
            white = np.where(clipped, 1.0, med)
            chroma = _log_chroma(vals[~_any3(bclip)]) if (~_any3(bclip)).sum() > 16 else None
            uniform = chroma is None or float(np.median(np.abs(chroma - np.median(chroma, 0)))) < 0.06
            if clipped.all():
                # a backdrop blown to white in every channel: a coloured light would have left
                # one channel below the clip, so the light is taken as neutral and the level as is
                return _Estimate(np.ones(3), True, "background-clipped", 0.85, cands, True)
            if clipped.any():
                # a bright backdrop clipped in some channels: its unclipped channels fix their
                # ratio and level exactly; the clipped ones are only known to be at least the clip,
                # so they come from the product's grey-edge, projected onto what the backdrop allows
                base = _product_grey_edge(st)
                if base is None:
                    base = scene if scene is not None else np.ones(3)
                projected = _project(base, white, clipped)
                # better still: a neutral surface on the product itself, seen below the clip
                neutral = _neutral_white(st, white, clipped, projected)
                reading, name = ((projected, "background-projected") if neutral is None
                                 else (neutral, "background-neutral"))
                return _Estimate(_plausible_light(reading, white, clipped), True, name, 0.85, cands, False)
            if uniform:
                bg_level = float(np.median(_mean3(vals)))
                prod_level = _product_level(st)
                # agreement is checked against the whole frame's statistics: the backdrop's own
                # statistics always agree with its median
                whole = _consensus(_scene_candidates(st)) if scene_name == "background-scene" else scene
                agree = whole is None or _angle(white, whole) < 12.0
                if bg_level >= 0.8 * prod_level or agree:
                    conf = 0.95 if agree else 0.7
                    # a neutral but dim surface (a grey table) sets the colour, not the level
                    return _Estimate(white, bg_level >= 0.8 * prod_level, "background", conf, cands, False)
                # a dim, coloured surface (a wooden table): half-trust it
                if scene is not None:
                    mixed = np.exp(0.5 * (np.log(white / white[1]) + np.log(scene / scene[1])))
                    return _Estimate(mixed, False, "background+consensus", 0.5 * scene_conf, cands, False)
    if scene is None:
        return _Estimate(np.ones(3), False, "none", 0.0, cands, False)
    return _Estimate(scene, False, scene_name, scene_conf, cands, False)


def _estimate(st: _Stats) -> _Estimate:
    """The light's colour and level, kept within what real lights do."""
    est = _estimate_raw(st)
    light = est.white / est.white[1]
    # red or blue below an eighth of green, or above three times it, is a scene without that
    # colour (a crushed channel), not a light: correcting it would multiply noise tenfold
    bounded = np.clip(light, [_LIGHT_MIN, 1.0, _LIGHT_MIN], [_LIGHT_MAX, 1.0, _LIGHT_MAX])
    if not np.allclose(bounded, light):
        return _Estimate(bounded * est.white[1], est.white_known, est.estimator + "-bounded",
                         min(est.confidence, 0.3), est.candidates, est.clipped_white)
    return est


def _consensus(cands: dict[str, np.ndarray]) -> np.ndarray | None:
    """Component-wise median of the candidates in log-chromaticity: one bad statistic is outvoted."""
    if not cands:
        return None
    chroma = _log_chroma(np.array(list(cands.values())))
    med = np.median(chroma, axis=0)
    return np.exp(np.array([med[0], 0.0, med[1]]))


def _product_level(st: _Stats) -> float:
    region = st.product if st.product is not None and st.product.any() else np.ones(st.lin.shape[:2], bool)
    px = _thin(st.lin[region])
    return float(np.percentile(_mean3(px), 95)) if len(px) else 1.0


# ---------------------------------------------------------------------------------------------
# building the correction


def _exposure_gain(st: _Stats, est: _Estimate, wb: np.ndarray, settings: LightingSettings) -> tuple[float, list[str]]:
    """Linear gain for a neutral surface: the white reference to white, else the scene's bright end near white."""
    notes: list[str] = []
    if not settings.exposure:
        return 1.0, notes
    if est.white_known:
        level = float(est.white[1] * wb[1])           # the white reference after white balance
        gain = 1.0 / max(level, 1e-4)
        # no cap from the product's own highlights: a white reference is only taken when it is
        # about as bright as the product, and JPEG overshoot on saturated print (and the noise a
        # strong cast correction amplifies) makes the product's peak a poor judge
    else:
        # no white reference: the scene's bright end (not the product's: a black bag must stay
        # black) goes near white. A high percentile of luma scales exactly with the
        # exposure, so the same scene shot darker or brighter comes out the same.
        scene_px = _thin(st.lin.reshape(-1, 3)) * wb
        luma = scene_px @ np.array([0.2126, 0.7152, 0.0722])
        level = float(np.percentile(luma, 99)) if len(luma) else 1.0
        gain = 0.95 / max(level, 1e-4)
        if float(np.mean(_any3(_thin(st.clip.reshape(-1, 3))))) > 0.03:
            gain = max(gain, 1.0)   # blown highlights do not come back: darkening only greys them
    ev = float(np.clip(math.log2(max(gain, 1e-6)), _MIN_GAIN_EV, _MAX_GAIN_EV))
    if abs(ev) < 0.03:
        ev = 0.0
    if ev >= 1.0:
        notes.append("lighting_note_brightened")
    elif ev <= -0.5:
        notes.append("lighting_note_darkened")
    return 2.0 ** ev, notes


def _sample(st: _Stats, limit: int = 4000) -> np.ndarray:
    region = st.product if st.product is not None and st.product.any() else np.ones(st.lin.shape[:2], bool)
    px = st.lin[region & ~st.clip_any]
    if len(px) > limit:
        px = px[np.linspace(0, len(px) - 1, limit).astype(int)]
    return px.astype(np.float64)


def _hue_turn(before: np.ndarray, after: np.ndarray) -> float:
    """90th percentile of the hue turn of saturated colours, in degrees."""
    sat = np.hypot(before[:, 1], before[:, 2]) >= 25
    if sat.sum() < 20:
        return 0.0
    hb = np.degrees(np.arctan2(before[sat, 2], before[sat, 1]))
    ha = np.degrees(np.arctan2(after[sat, 2], after[sat, 1]))
    turn = np.abs((ha - hb + 180) % 360 - 180)
    # a colour washed out to grey has lost its hue as surely as one that turned
    washed = np.hypot(after[sat, 1], after[sat, 2]) < 0.65 * np.hypot(before[sat, 1], before[sat, 2])
    turn = np.where(washed, 180.0, turn)
    return float(np.percentile(turn, 90))


def _partial(wb: np.ndarray, strength: float) -> np.ndarray:
    """Gains that remove ``strength`` of the cast (in log terms), green kept."""
    g = np.power(wb, strength)
    return g / g[1]


def _headroom(est: _Estimate, wb: np.ndarray) -> float:
    """Exposure factor that keeps a white surface's brightest channel at white under partial gains."""
    if not est.white_known:
        return 1.0   # no white surface was measured, so there is none to keep from clipping
    white = est.white / est.white[1] * wb
    return float(1.0 / max(white.max(), 1.0))


def _guard(sample: np.ndarray, est: _Estimate, wb: np.ndarray, exposure: float, settings: LightingSettings,
           product_share: float | None) -> tuple[float, float]:
    """Share of the cast correction to keep (1 = all) and the hue turn it causes."""
    if len(sample) < 20:
        return 1.0, 0.0
    before = _lab(sample)

    def turn(strength: float) -> float:
        g = _partial(wb, strength)
        # with the exposure gain and the clip: a channel pushed past white turns the hue too
        after = np.clip(sample * (g * exposure * _headroom(est, g)), 0, 1)
        return _hue_turn(before, _lab(after))

    full = turn(1.0)
    # A measured white reference is trusted: the turn is the light's. So are scene statistics
    # when the product is a small part of the frame; when it fills the frame (the pipeline's
    # crop, a pile of melons, any photo without a mask) they measure the product's own colour.
    white_ref = est.estimator.startswith("background") and not est.estimator.startswith("background+")
    # (background-scene: the statistics of the scene around the product, the product left out)
    small_product = product_share is not None and product_share < 0.4
    trusted = (white_ref and est.confidence >= 0.5) or small_product
    if not settings.preserve_colors and trusted:
        return 1.0, full
    bound = _HUE_BOUND_PRESERVE if settings.preserve_colors else _HUE_BOUND
    if full <= bound:
        return 1.0, full
    lo, hi = 0.0, 1.0
    for _ in range(7):
        mid = (lo + hi) / 2
        # a little inside the bound: the later steps (tone, highlights, 8-bit) add a degree or so
        if turn(mid) <= 0.85 * bound:
            lo = mid
        else:
            hi = mid
    return lo, turn(lo)


def _channel_luts(gains: np.ndarray) -> np.ndarray:
    """Per-channel 8-bit look-up tables: decode, multiply, encode."""
    lin = _DECODE.astype(np.float64)[:, None] * gains[None, :]
    return np.round(_encode(lin) * 255.0).astype(np.uint8)


def _apply_gains(rgb: np.ndarray, gains: np.ndarray) -> np.ndarray:
    if np.allclose(gains, 1.0, atol=2e-3):
        return rgb.copy()
    lut = _channel_luts(gains)
    out = cv2.LUT(rgb, lut.reshape(256, 1, 3))
    if gains.max() / gains.min() > 1.02:
        out = _rebuild_highlights(rgb, out)
    return out


def _channel_max(rgb: np.ndarray) -> np.ndarray:
    r, g, b = cv2.split(rgb)
    return cv2.max(cv2.max(r, g), b)


_RAMP = np.clip((np.arange(256) - 235.0) / (_CLIP - 235.0), 0, 1)
_RAMP_LUT = np.round(_RAMP * 255).astype(np.uint8)
_COLOURED_SHARE = 0.5   # share of the neutral lift a clipped channel of a coloured pixel gets
_SHARE_LUT = np.round(255 * (_COLOURED_SHARE + (1 - _COLOURED_SHARE)
                             * np.clip((np.arange(256) / 255.0 - 0.55) / 0.3, 0, 1))).astype(np.uint8)


def _rebuild_highlights(rgb: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Clipped channels carry only a lower bound; fill them as neutral highlights.

    After unequal gains a clipped white would turn pink or cyan; raising each clipped channel
    to the pixel's brightest corrected channel keeps it white. The blend ramps in over the last
    levels before the clip so no contour appears. All in 8-bit OpenCV ops: this runs on every
    pixel of a white backdrop.
    """
    if int(_channel_max(rgb).max()) < 236:
        return out
    weight = cv2.LUT(rgb, _RAMP_LUT)
    top = _channel_max(out)
    raised = cv2.max(out, cv2.merge([top, top, top]))
    lift = cv2.multiply(cv2.subtract(raised, out), weight, scale=1.0 / 255.0)
    full = cv2.add(out, lift)
    # a pixel that is white once lifted (a blown backdrop) takes the whole lift; a coloured one
    # (a lemon blown in green, its blue near zero) only part of it: its clipped channel lies
    # somewhere between the clip and the brightest channel, not at white
    r, g, b = cv2.split(full)
    ratio = cv2.divide(cv2.min(cv2.min(r, g), b), cv2.max(top, 1), scale=255.0)
    share = cv2.LUT(ratio, _SHARE_LUT)
    return cv2.add(out, cv2.multiply(lift, cv2.merge([share, share, share]), scale=1.0 / 255.0))


def _noise_sigma(gray: np.ndarray) -> float:
    """Immerkaer's fast noise estimate on 8-bit luma, skipping edges and textured areas."""
    h, w = gray.shape
    if h * w > 600 * 600:
        # noise is the same everywhere in a photo: five full-resolution crops are plenty
        c = 192
        ys = [h // 4 - c // 2, h // 4 - c // 2, 3 * h // 4 - c // 2, 3 * h // 4 - c // 2, h // 2 - c // 2]
        xs = [w // 4 - c // 2, 3 * w // 4 - c // 2, w // 4 - c // 2, 3 * w // 4 - c // 2, w // 2 - c // 2]
        gray = np.concatenate([gray[y:y + c, x:x + c] for y, x in zip(ys, xs, strict=True)], axis=1)
    k = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    resp = np.abs(cv2.filter2D(gray.astype(np.float32), -1, k))
    edges = cv2.Canny(gray, 40, 120)
    flat = cv2.dilate(edges, _K3, iterations=2) == 0
    vals = resp[1:-1, 1:-1][flat[1:-1, 1:-1]]
    if vals.size < 256:
        return 0.0
    return float(np.sqrt(np.pi / 2) * vals.mean() / 6.0)


def _denoise(rgb: np.ndarray, sigma: float) -> np.ndarray:
    """Edge-preserving: a bilateral filter on luma, stronger smoothing on chroma (phone noise is mostly colour)."""
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    y, cr, cb = cv2.split(ycc)
    y = cv2.bilateralFilter(y, 5, max(6.0, 2.5 * sigma), 2.0)
    cr = cv2.bilateralFilter(cr, 7, max(8.0, 3.0 * sigma), 3.0)
    cb = cv2.bilateralFilter(cb, 7, max(8.0, 3.0 * sigma), 3.0)
    return cv2.cvtColor(cv2.merge([y, cr, cb]), cv2.COLOR_YCrCb2RGB)


def _tone(rgb: np.ndarray, strength: float, product: np.ndarray | None, lift: float) -> np.ndarray:
    """Gentle local contrast (CLAHE) and a shadow lift on luma only; chroma is left as it is."""
    if strength <= 0 and lift <= 0:
        return rgb
    # YCrCb keeps it all in 8-bit OpenCV passes (a float RGB ratio costs three times as much)
    y, cr, cb = cv2.split(cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb))
    target = y
    if lift > 0:
        # raise the deep shadows only; mid-tones and highlights keep their level
        x = np.arange(256) / 255.0
        curve = np.clip(255.0 * (x + 2.0 * lift * x * (1 - x) ** 3) + 0.5, 0, 255).astype(np.uint8)
        target = cv2.LUT(target, curve)
    if strength > 0:
        # clip limit near 1 is the identity; the blend keeps the effect a touch, not a look
        clahe = cv2.createCLAHE(clipLimit=1.0 + 2.0 * strength, tileGridSize=(8, 8))
        target = cv2.addWeighted(target, 1.0 - strength, clahe.apply(target), strength, 0.0)
    if product is not None:
        # the background is replaced later; keep the edit on the product so its rim does not glow.
        # The weight is smooth, so it is made small and scaled up.
        h, w = y.shape
        factor = max(1, min(h, w) // 150)
        small = cv2.resize(product, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), max(0.7, 2.0 / factor))
        weight = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32) * np.float32(1 / 255)
        target = cv2.blendLinear(target, y, weight, 1.0 - weight)
    return cv2.cvtColor(cv2.merge([target, cr, cb]), cv2.COLOR_YCrCb2RGB)


def _vibrance(rgb: np.ndarray, amount: float) -> np.ndarray:
    """Raise the saturation of muted colours more than of strong ones (hue kept: scaled from luma)."""
    f = rgb.astype(np.float32)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)[..., None]
    mx = _max3(f)[..., None]
    mn = np.minimum(np.minimum(f[..., 0], f[..., 1]), f[..., 2])[..., None]
    sat = (mx - mn) / (mx + 1.0)
    boost = 1.0 + 0.6 * amount * (1.0 - sat) ** 2
    # keep the boost from pushing a channel past the clip: scale the boost per pixel
    room = np.where(mx > gray, (255.0 - gray) / np.maximum(mx - gray, 1e-3), 10.0)
    room = np.minimum(room, np.where(mn < gray, gray / np.maximum(gray - mn, 1e-3), 10.0))
    boost = np.minimum(boost, np.maximum(room, 1.0))
    return np.clip(gray + (f - gray) * boost + 0.5, 0, 255).astype(np.uint8)


def _reference_adjust(st: _Stats, est: _Estimate, reference: LightingReference | None) -> tuple[_Estimate, list[str]]:
    """Same setup as the batch: take the batch's light, so the photos match one another."""
    if reference is None:
        return est, []
    ref = np.array(reference.illuminant, np.float64)
    own = est.white / est.white[1]
    tolerance = max(6.0, 1.5 * reference.spread_deg)
    if _angle(own, ref) <= tolerance:
        level = est.white[1]
        return _Estimate(ref * level, est.white_known, est.estimator + "-batch", max(est.confidence, 0.9),
                         est.candidates, est.clipped_white), ["lighting_note_batch"]
    return est, ["lighting_note_batch_outlier"]


# ---------------------------------------------------------------------------------------------
# public API


def analyse_lighting(image: Image.Image, mask: Image.Image | None = None,
                     settings: LightingSettings | None = None,
                     reference: LightingReference | None = None) -> LightingResult:
    """Correct the light's colour and brightness and say what was measured and done."""
    settings = settings or LightingSettings()
    rgb, alpha = _rgb_array(image)
    m = _mask_array(mask, image.size, alpha)
    h, w = rgb.shape[:2]
    if h < 8 or w < 8:
        return LightingResult(image.copy(), (1.0, 1.0, 1.0), 0.0, 0.0, 0.0, "none", 0.0, 0.0, 0.0, False,
                              ("lighting_note_too_small",))
    st = _stats(rgb, m)
    est = _estimate(st)
    est, notes = _reference_adjust(st, est, reference)
    light = est.white / est.white[1]
    wb_full = 1.0 / light if settings.white_balance else np.ones(3)

    # the level comes first: with the green-normalised gains it does not depend on how much of
    # the cast the guard lets through, and the guard must see what the exposure will clip
    gain, exp_notes = _exposure_gain(st, est, wb_full, settings)
    sample = _sample(st)
    # the product's share of the frame: from the mask, or from a plain backdrop found without one
    share = float(st.product.mean()) if st.product is not None else None
    strength, hue = (_guard(sample, est, wb_full, gain, settings, share) if settings.white_balance
                     else (1.0, 0.0))
    wb = _partial(wb_full, strength)
    if strength < 0.999:
        notes.append("lighting_note_guarded")
        gain *= _headroom(est, wb)
    if settings.white_balance and est.confidence < 0.4:
        notes.append("lighting_note_unsure")
    if reference is not None and settings.exposure and reference.background_lab is not None \
            and st.background is not None and st.mask_given and not est.white_known:
        gain *= _batch_brightness(st, wb * gain, reference)
    notes += exp_notes
    region = st.product if st.product is not None and st.product.any() else np.ones(st.rgb.shape[:2], bool)
    if st.clip_any[region].mean() > 0.05:
        notes.append("lighting_note_clipped")
    gains = wb * gain
    out = _apply_gains(rgb, gains)

    # noise is judged on the input; a big exposure lift makes it that much more visible
    denoised = False
    if settings.denoise:
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        sigma = _noise_sigma(gray) * max(1.0, gain ** (1 / 2.4))
        if sigma > 2.5:
            out = _denoise(out, sigma)
            denoised = True
            notes.append("lighting_note_denoised")

    product_full = None
    if m is not None:
        product_full = cv2.threshold(m, 127, 255, cv2.THRESH_BINARY)[1]
    lift = 0.0
    if settings.exposure and not est.white_known:
        # with a measured white the product is as dark as it really is; without one, a
        # product left in deep shadow may just be an under-exposed photo
        after = sample * gains
        if len(after):
            lum = after @ np.array([0.2126, 0.7152, 0.0722])
            median_l = 116 * np.cbrt(max(float(np.median(lum)), 1e-6)) - 16
            lift = float(np.clip((28.0 - median_l) / 28.0, 0.0, 0.6))
    out = _tone(out, float(settings.local_contrast) * 0.5, product_full, lift)
    if settings.vibrance > 0:
        out = _vibrance(out, float(settings.vibrance))

    # measure what happened to the product, on the small copy
    after_small = _apply_gains(st.rgb, gains)
    sel = region & ~st.clip_any
    if sel.sum() > 6000:
        # a fixed, even thinning: the mean difference does not need every pixel
        sel &= (np.arange(sel.size).reshape(sel.shape) % math.ceil(sel.sum() / 6000)) == 0
    if sel.sum() >= 8:
        lab_in = _lab(st.lin[sel].astype(np.float64))
        lab_out = _lab(_DECODE[after_small[sel]].astype(np.float64))
        delta_e = float(np.mean(_ciede2000(lab_in, lab_out)))
        hue = _hue_turn(lab_in, lab_out)
    else:
        delta_e = 0.0
    residual = _residual_cast(est, gains, light)
    if alpha is not None:
        result = Image.fromarray(np.dstack([out, alpha]), "RGBA")
    else:
        result = Image.fromarray(out, "RGB")
    return LightingResult(
        image=result,
        illuminant=tuple(round(float(v), 4) for v in light),
        exposure_ev=round(math.log2(gain), 3),
        delta_e=round(delta_e, 2),
        residual_cast=round(residual, 2),
        estimator=est.estimator,
        confidence=round(est.confidence, 2),
        hue_shift=round(hue, 1),
        wb_strength=round(strength, 3),
        denoised=denoised,
        notes=tuple(dict.fromkeys(notes)),
    )


def _residual_cast(est: _Estimate, gains: np.ndarray, light: np.ndarray) -> float:
    """CIELAB chroma a white surface keeps after the correction (0 = neutral)."""
    white = light * gains
    white = white / white.max() * 0.9
    lab = _lab(white)
    return float(np.hypot(lab[1], lab[2]))


def _batch_brightness(st: _Stats, gains: np.ndarray, reference: LightingReference) -> float:
    """Extra gain that brings this photo's background to the batch's background lightness."""
    vals = st.lin[st.background] * gains
    if len(vals) < 32:
        return 1.0
    l_now = float(np.median(_lab(vals.astype(np.float64))[:, 0]))
    l_ref = reference.background_lab[0]
    if abs(l_now - l_ref) > 25:
        return 1.0   # a different backdrop, not the same one shot darker
    y_now = ((l_now + 16) / 116) ** 3
    y_ref = ((l_ref + 16) / 116) ** 3
    return float(np.clip(y_ref / max(y_now, 1e-4), 2 ** -0.5, 2 ** 0.5))


def standardize_lighting(image: Image.Image, mask: Image.Image | None = None,
                         settings: LightingSettings | None = None,
                         reference: LightingReference | None = None) -> Image.Image:
    """Neutral light, standard brightness and true colours; same size and mode as ``image``."""
    return analyse_lighting(image, mask, settings, reference).image


def estimate_reference(images_and_masks: Iterable[tuple[Image.Image, Image.Image | None]],
                       settings: LightingSettings | None = None) -> LightingReference:
    """Pool one vendor's photos into a shared white point and brightness."""
    settings = settings or LightingSettings()
    lights, weights, bg_labs, lightness = [], [], [], []
    for image, mask in images_and_masks:
        rgb, alpha = _rgb_array(image)
        m = _mask_array(mask, image.size, alpha)
        st = _stats(rgb, m)
        est = _estimate(st)
        light = est.white / est.white[1]
        lights.append(_log_chroma(light))
        weights.append(max(est.confidence, 0.05))
        gain, _ = _exposure_gain(st, est, 1.0 / light, settings)
        gains = gain / light
        sample = _sample(st)
        if len(sample):
            lum = (sample * gains) @ np.array([0.2126, 0.7152, 0.0722])
            lightness.append(116 * np.cbrt(max(float(np.median(lum)), 1e-6)) - 16)
        if st.background is not None and st.mask_given and st.background.sum() >= 32:
            bg_labs.append(np.median(_lab((st.lin[st.background] * gains).astype(np.float64)), axis=0))
    if not lights:
        raise AssistantError("lighting_reference_empty")
    chroma = np.array(lights)
    w = np.array(weights)
    # weighted median per component: one odd photo does not drag the batch
    pooled = np.array([_weighted_median(chroma[:, k], w) for k in range(2)])
    illuminant = np.exp(np.array([pooled[0], 0.0, pooled[1]]))
    # the typical distance, not the largest: one photo under another lamp must not widen the
    # tolerance that decides who belongs to the batch
    spread = float(np.median([_angle(np.exp(np.array([c[0], 0.0, c[1]])), illuminant) for c in chroma]))
    bg_lab = tuple(float(v) for v in np.median(np.array(bg_labs), axis=0)) if bg_labs else None
    return LightingReference(
        illuminant=tuple(round(float(v), 4) for v in illuminant),
        background_lab=bg_lab,
        product_lightness=float(np.median(lightness)) if lightness else 50.0,
        spread_deg=round(float(spread), 2),
        count=len(lights),
    )


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2)])


def sharpen_for_output(image: Image.Image, settings: LightingSettings, scale: float) -> Image.Image:
    """Unsharp mask on luma, radius and amount tuned to the resize factor (output px / source px)."""
    amount = float(settings.sharpen)
    if amount <= 0:
        return image.copy()
    rgb, alpha = _rgb_array(image)
    scale = float(scale) if scale and scale > 0 else 1.0
    # a downscale already packs detail into each pixel: small radius; an upscale spreads an edge
    # over ~scale pixels: wider radius, less amount so the halo stays faint
    sigma = float(np.clip(0.6 * max(1.0, scale), 0.6, 2.5))
    gain = amount * (0.5 if scale <= 1.0 else 0.5 / math.sqrt(scale))
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    y = ycc[..., 0].astype(np.float32)
    detail = y - cv2.GaussianBlur(y, (0, 0), sigma)
    # leave flat areas (and their JPEG/noise grain) alone
    detail = np.where(np.abs(detail) < 2.0, 0.0, detail)
    ycc[..., 0] = np.clip(y + gain * detail + 0.5, 0, 255).astype(np.uint8)
    out = cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB)
    if alpha is not None:
        return Image.fromarray(np.dstack([out, alpha]), "RGBA")
    return Image.fromarray(out, "RGB")
