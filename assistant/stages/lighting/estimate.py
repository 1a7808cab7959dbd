"""Lighting, part one: the light's colour and level estimated from a small copy of the photo
(statistics on at most 256 px, the removed background as a white reference, the classic
estimators' consensus, the light prior for clipped backdrops). Tunables: ``LIMITS``.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from assistant.imaging.colour import SRGB_TO_LINEAR
from assistant.imaging.filters import block_mean


@dataclass(frozen=True)
class Limits:
    """The lighting stage's tunables, in one place (docs/lighting.md says how they were set)."""

    stats_side: int = 256  # the statistics need shape, not detail; keeps the estimate a few ms
    clip: int = 250  # 8-bit level treated as clipped: JPEG ringing leaves true clips at 250..255
    clip_piled: int = 253  # a backdrop's median at or above this level is clipped, not just bright
    dark: float = 0.002  # linear level below which quantisation and noise swamp the colour
    dark_rel: float = 0.03  # ... and relative to the scene's bright end, so a darker shot keeps the same pixels
    min_gain_ev: float = -2.0  # a wider swing is a broken photo, not a dim one
    max_gain_ev: float = 2.5
    light_min: float = 0.12  # red/green and blue/green of any plausible light ...
    light_max: float = 3.0
    bounded_confidence: float = 0.3  # ... and the most an estimate outside that range is trusted
    hue_bound: float = 20.0  # degrees a saturated product colour may turn when the light estimate is unsure
    hue_bound_preserve: float = 8.0
    background_share_masked: float = 0.15  # with a mask, a background this share of the frame is measured alone
    background_min_share: float = 0.03  # a backdrop smaller than this share of the frame is no reference
    background_min_px: int = 32  # ... nor one of fewer pixels
    backdrop_uniform: float = 0.06  # median |log-chroma| spread of a plain backdrop
    backdrop_agree_deg: float = 12.0  # backdrop and scene statistics agree within this angle
    backdrop_level: float = 0.8  # a backdrop this bright relative to the product also fixes the level
    trust_clipped: float = 0.85  # confidence of a clipped or projected backdrop reading
    # a clipped backdrop channel is known only to be at least the clip: of its reading above the
    # clip (in log), this share is taken; the rest of the cast is left in (under-correcting a cast
    # never makes a photo worse, reading a yellow product as a yellow light does). Chosen
    # leave-one-camera-out (docs/lighting.md): the same pair won with every camera held out
    clip_trust: float = 0.15  # ... when the reading is the product's grey-edge (a weak witness)
    clip_trust_neutral: float = 0.5  # ... when it is a neutral surface found on the product,
    neutral_support: tuple[float, float] = (0.75, 0.9)  # ... rising to all as its support crosses this
    # ... and falling to clip_trust (a grey-edge's) as its support drops below this: a "neutral"
    # peak that few of the product's pixels stand behind is often the product's own colour
    # (leave-one-camera-out, every row: support < 0.3 read 2-6x worse, a third to 60 % over the truth)
    neutral_weak: tuple[float, float] = (0.2, 0.4)
    clip_level_free: bool = True  # with two channels clipped, their common excess (a level) is not taken
    prior_cover: float = 0.03  # a prior light within this (log) of two known channels pins the third
    # a neutral surface on the product is a measurement in this camera's own colours; the prior is
    # other cameras' lights and the Planckian locus, so it may not overrule it (issue 23, round 3):
    # with one backdrop channel known the neutral reading is taken as read; with two known, where
    # the prior is pinned by them, the smaller of the two readings' excess over the clip is taken
    neutral_over_prior: bool = True
    # the product's edge: its anti-aliased pixels mix the product's colour with the backdrop's white,
    # so each lies on the line between them; the known channels say how far along, the line then
    # says the clipped channel's white. Physics, not a camera's lights: it fits nothing (round 7).
    # The reading is a floor (clipped edge pixels, the ones nearest a bright white, drop out), so the
    # clipped channels are raised towards it, never lowered by it
    edge_floor: bool = True
    edge_min_px: int = 6  # edge pixels that must agree, at least
    trust_agreeing: float = 0.95  # ... of a plain backdrop that agrees with the scene
    trust_alone: float = 0.7  # ... of a plain backdrop that does not
    trust_mixed: float = 0.5  # a dim coloured backdrop: half-trusted, mixed with the scene
    unsure: float = 0.4  # below this confidence the photo gets the "unsure" note
    harm_confidence: float = 0.4  # below this, a correction may not move the photo further from neutral
    harm_radius: float = 0.15  # ... as seen on its surfaces within this log-chroma distance of grey
    harm_dark: float = 0.02  # ... judged on pixels brighter than this (linear), where colour is not noise
    clipped_share: float = 0.05  # above this share of clipped product pixels: the "clipped" note
    noise_sigma: float = 2.5  # denoise above this noise level (8-bit, after the exposure lift)
    shadow_lightness: float = 28.0  # a product median L* below this is lifted (no measured white) ...
    shadow_lift_max: float = 0.6  # ... by at most this much
    contrast_scale: float = 0.5  # local contrast strength per unit of the preset's setting
    measure_px: int = 6000  # pixels the colour difference is measured on, at most
    measure_min_px: int = 8  # ... and at least


LIMITS = Limits()
_K3 = np.ones((3, 3), np.uint8)
_LIGHT_PRIOR = Path(__file__).resolve().parents[2] / "data" / "light_prior.json"
@dataclass
class _Estimate:
    white: np.ndarray          # linear RGB of a white surface under this light at this exposure (may exceed 1)
    white_known: bool          # white's level is measured (not only its colour)
    estimator: str
    confidence: float
    candidates: dict[str, np.ndarray]
    clipped_white: bool        # the white reference itself is clipped in every channel


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
    ignore: np.ndarray | None = None  # bool: no measurement of the light (the hand that held the product)
    _grad: np.ndarray | None = None
    _clip_near: np.ndarray | None = None
    _scene_valid: np.ndarray | None = None   # _scene_candidates' pixels before a region is applied
    _whole: dict[str, np.ndarray] | None = None  # _scene_candidates(st) without a region

    @property
    def grad(self) -> np.ndarray:
        """Per-channel gradient magnitude of the linear image (computed once)."""
        if self._grad is None:
            self._grad = _gradients(self.lin)
        return self._grad

    @property
    def clip_near(self) -> np.ndarray:
        """Clipped pixels and their 8 neighbours (computed once: three estimators read it)."""
        if self._clip_near is None:
            self._clip_near = cv2.dilate(self.clip_any.astype(np.uint8), _K3).astype(bool)
        return self._clip_near


def _stats(rgb: np.ndarray, mask: np.ndarray | None, ignore: np.ndarray | None = None) -> _Stats:
    """The small copy every statistic reads. ``ignore`` (bool, ``rgb``'s size): pixels that are no
    measurement of the light, neither backdrop nor scene: the seller's hand beside the product
    (skin is a coloured surface; read as the light's colour, the same carton came out bluer or
    warmer with the holder's skin). The product's own pixels (``mask`` >= 128) are never left out."""
    h, w = rgb.shape[:2]
    # whole blocks (the last rows and columns that do not fill one are left out) keep OpenCV's
    # area resize on its fast path: at the ratio w / (w // factor) it took 15 ms a photo, now 3
    factor = math.ceil(max(h, w) / LIMITS.stats_side)
    clip_full = cv2.threshold(rgb, LIMITS.clip - 1, 255, cv2.THRESH_BINARY)[1]
    if factor > 1:
        small = block_mean(rgb, factor)
        # a block with any clipped pixel is clipped: its average is not a measurement
        clip = block_mean(clip_full, factor) > 0
        m_small = block_mean(mask, factor) if mask is not None else None
    else:
        small, clip, m_small = rgb, clip_full > 0, mask
    lin = SRGB_TO_LINEAR[small]
    if ignore is not None:  # a block with any hand beside the product in it is left out
        if mask is not None:
            ignore = ignore & (mask < 128)
        ignore = block_mean(ignore.astype(np.uint8) * 255, factor) > 0 if factor > 1 else ignore
    clip_any, bright = _any3(clip), _max3(lin)
    top = float(np.percentile(_thin(bright.ravel()), 97))
    dark = max(LIMITS.dark, LIMITS.dark_rel * top)
    if m_small is not None:
        product = m_small >= 128
        background = ~cv2.dilate(product.astype(np.uint8), _K3, iterations=2).astype(bool)
        background &= m_small < 32
        if ignore is not None:
            background &= ~ignore
        return _Stats(small, lin, clip, clip_any, bright, dark, product, background, True, ignore)
    background = _border_background(small)
    product = None if background is None else ~background
    if background is not None and ignore is not None:
        background &= ~ignore
    return _Stats(small, lin, clip, clip_any, bright, dark, product, background, False, ignore)


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


def _thin_at(where: np.ndarray, limit: int = 20000) -> np.ndarray:
    """Flat indices of ``_thin(values[where])``: thinned before anything is gathered
    (``_pick(values, _thin_at(where))`` is ``_thin(values[where])``, the same pixels in the same order)."""
    return _thin(np.flatnonzero(where), limit)


def _pick(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``values`` (HxW or HxWxC) at flat pixel indices ``at``."""
    return values.reshape(-1, *values.shape[2:])[at]


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
    """Classic estimates on pixels that are neither clipped nor too dark to carry colour.
    (The estimate asks for the whole frame's up to three times: it is computed once per ``st``.)"""
    if region is None and st._whole is not None:
        return dict(st._whole)
    if st._scene_valid is None:
        clipped = st.clip_near.copy()
        # near the top of its own channel counts as clipped too: what clipped in one exposure is
        # just below the top in a darker one, and must be left out of both for the same answer
        tops = np.percentile(_thin(st.lin.reshape(-1, 3)), 99.9, axis=0).astype(np.float32)
        clipped |= _any3(st.lin >= 0.93 * tops)
        st._scene_valid = ~clipped & (st.bright > st.dark)
        if st.ignore is not None:
            st._scene_valid &= ~st.ignore
    valid = st._scene_valid if region is None else st._scene_valid & region
    out = _scene_statistics(st, valid)
    if region is None:
        st._whole = dict(out)
    return out


def _scene_statistics(st: _Stats, valid: np.ndarray) -> dict[str, np.ndarray]:
    if valid.sum() < 32:
        return {}
    at = _thin_at(valid)
    px = _pick(st.lin, at).astype(np.float64)
    out = {"grey-world": px.mean(axis=0), "shades-of-grey": _minkowski(px, 6)}
    total = px.sum(axis=1)
    out["bright-pixels"] = px[total >= np.percentile(total, 97)].mean(axis=0)
    grad = _pick(st.grad, at).astype(np.float64)
    if grad.max() > 1e-4:
        out["grey-edge"] = _minkowski(grad, 2)
    return {k: v for k, v in out.items() if np.all(np.isfinite(v)) and v.min() > 1e-6}


def _product_grey_edge(st: _Stats) -> np.ndarray | None:
    """First-order grey-edge (p=1) on the product's unclipped pixels."""
    if st.product is None:
        return None
    valid = st.product & ~st.clip_near & (st.bright > st.dark)
    if valid.sum() < 32:
        return None
    est = st.grad[valid].astype(np.float64).mean(axis=0)
    return est if est.min() > 1e-7 else None


def _neutral_white(st: _Stats, white: np.ndarray, clipped: np.ndarray, prior: np.ndarray,
                   width: float = 0.25, tol: float = 0.06) -> tuple[np.ndarray, float] | None:
    """The clipped backdrop's white from the product's own neutral surfaces, if it has some.

    A neutral surface under this light is the backdrop's white scaled down: matched to the
    backdrop on its unclipped channels, its other channels read the levels the clip hid (a white
    carton's shaded side, grey print). Every light, unclipped product pixel is scaled that way;
    those that disagree on the known channels (when two are known) or would put the white below
    the clip cannot be neutral. Of the peaks in the density of the rest, the one best supported
    and nearest ``prior`` (the product's grey-edge, projected) is taken, with the share of the
    candidates that stand behind it (its support).
    """
    if st.product is None:
        return None
    valid = st.product & ~st.clip_near & (st.bright > max(st.dark, 0.02))
    if valid.sum() < 32:
        return None
    lp = np.log(np.maximum(_pick(st.lin, _thin_at(valid)).astype(np.float64), 1e-5))
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
    best = int(np.argmax(score))
    out[free] = centres[best]
    # how much of the product stands behind the chosen peak: a carton's shaded side is a large share
    # of it, a chance match on a coloured fruit a sliver
    near = np.abs(cand[:, free] - centres[best]).max(axis=1) < 1.5 * step
    return np.exp(out), float(near.mean())


def _edge_white(st: _Stats, white: np.ndarray, clipped: np.ndarray) -> np.ndarray | None:
    """The clipped backdrop's white read from the product's edge: an edge pixel ``E`` mixes the
    product's colour ``P`` (a few pixels in) with the white ``W``, ``E = t W + (1 - t) P``; the
    known channels give ``t`` (and, with two known, must agree on it), the clipped ones then
    ``W = P + (E - P) / t``. The median over the edge; ``None`` when too few pixels qualify."""
    if st.product is None:
        return None
    prod = st.product.astype(np.uint8)
    dist = cv2.distanceTransform(prod, cv2.DIST_L2, 3)
    inner = ((dist >= 3) & (dist <= 6) & ~st.clip_any).astype(np.float32)
    num = cv2.boxFilter(st.lin * inner[..., None], -1, (9, 9), normalize=False)
    den = cv2.boxFilter(inner, -1, (9, 9), normalize=False)
    band = cv2.dilate(prod, _K3, iterations=2).astype(bool) & (dist <= 2) & (den > 4) & ~st.clip_any
    if band.sum() < LIMITS.edge_min_px:
        return None
    e = st.lin[band].astype(np.float64)
    p = (num[band] / den[band][:, None]).astype(np.float64)
    known, free = np.flatnonzero(~clipped), np.flatnonzero(clipped)
    span = white[known] - p[:, known]
    t = (e[:, known] - p[:, known]) / np.where(np.abs(span) > 1e-6, span, 1e-6)
    # the product must stand well below the white on the known channels (else t is noise), and the
    # pixel must be a real mixture, neither the product nor the backdrop
    ok = span.min(axis=1) > 0.15 * white[known].max()
    if known.size > 1:
        ok &= np.abs(t[:, 0] - t[:, 1]) < 0.05
    tk = t.mean(axis=1)
    ok &= (tk > 0.25) & (tk < 0.95)
    if ok.sum() < LIMITS.edge_min_px:
        return None
    out = white.copy()
    for c in free:
        out[c] = max(float(np.median(p[ok, c] + (e[ok, c] - p[ok, c]) / tk[ok])), 1.0)
    return out


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
    return _build_prior(bins[:, :2] * data["step"], bins[:, 2])


def _build_prior(measured: np.ndarray, counts: np.ndarray, kernel: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """The prior from measured lights (log r/g, log b/g, with how often each occurs) and the
    Planckian locus as sRGB renders it, weighted 2:1 (the bench swaps the measured part to
    score the stage on cameras it was not built from)."""
    planck = np.log(_planck_srgb(np.geomspace(2300, 14000, 120)) / _planck_srgb(np.array([6504.0])))
    chroma = np.vstack([measured, planck[:, [0, 2]]])
    weight = np.concatenate([counts / counts.sum(), np.full(len(planck), 0.5 / len(planck))])
    d2 = ((chroma[:, None] - chroma[None]) ** 2).sum(axis=-1)
    density = (np.exp(-0.5 * d2 / kernel**2) * weight[None]).sum(axis=1)
    lights = np.column_stack([chroma[:, 0], np.zeros(len(chroma)), chroma[:, 1]])
    return lights, np.log(density / density.max())


def _plausible_light(guess: np.ndarray, white: np.ndarray, clipped: np.ndarray,
                     width: float = 0.2) -> tuple[np.ndarray, float]:
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
        return guess, math.inf
    score = (((fitted - np.log(guess)[None]) ** 2).sum(axis=1) / width**2 + (misfit / 0.03) ** 2
             - 2.0 * log_density)
    best = int(np.argmin(np.where(fits, score, np.inf)))
    return np.exp(fitted[best]), float(misfit[best])


def _lesser_excess(a: np.ndarray, b: np.ndarray, white: np.ndarray, clipped: np.ndarray) -> np.ndarray:
    """Of two readings of a backdrop clipped in ``clipped``, each clipped channel at the smaller
    excess over what the known channels say (do no harm: when witnesses disagree, the one asking
    for less correction is believed; an under-corrected cast is never worse than the photo)."""
    lw = np.log(np.maximum(white, 1e-6))
    fit = [np.log(v) - np.log(v)[~clipped].mean() + lw[~clipped].mean() for v in (a, b)]
    return np.exp(np.where(clipped, np.minimum(*fit), lw))


def _above_clip(light: np.ndarray, white: np.ndarray, clipped: np.ndarray, trust: float) -> np.ndarray:
    """``light`` fitted to a backdrop clipped in ``clipped``: its known channels as measured (the
    backdrop's; the prior's nearest light may miss them), each clipped one at the clip plus
    ``trust`` of the reading's excess over it (in log; the reading scaled to the known channels)."""
    lw = np.log(np.maximum(white, 1e-6))
    ll = np.log(light)
    excess = np.maximum(ll - ll[~clipped].mean() + lw[~clipped].mean() - lw, 0.0)
    if clipped.sum() == 2 and LIMITS.clip_level_free:
        # two clipped channels raised together say "brighter than the clip", which the backdrop
        # cannot tell; taken, that level turns the known channel's share down and over-corrects it
        # (a mild phone cast at 0 EV came out blue). Only their difference is a colour, unless
        # the reading is trusted whole (a neutral surface most of the product stands behind).
        excess[clipped] -= (1 - trust) * excess[clipped].min()
    out = np.where(clipped, lw + trust * excess, lw)
    return np.exp(out)


def _agreement(cands: dict[str, np.ndarray], scene: np.ndarray | None) -> float:
    """0..1: how well the robust statistics agree (grey-world, the usual outlier, votes but is not counted)."""
    robust = [v for k, v in cands.items() if k != "grey-world"]
    spread = max((_angle(v, scene) for v in robust), default=90.0) if scene is not None else 90.0
    return float(np.clip(1.0 - spread / 10.0, 0.0, 1.0))


def _estimate_raw(st: _Stats) -> _Estimate:
    cands: dict[str, np.ndarray] = {}
    scene_name = "consensus"
    if st.mask_given and st.background is not None and st.background.mean() >= LIMITS.background_share_masked:
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
    if bg is not None and bg.sum() >= max(LIMITS.background_min_px, LIMITS.background_min_share * bg.size):
        at = _thin_at(bg)
        vals = _pick(st.lin, at).astype(np.float64)
        bclip = _pick(st.clip, at)
        bright = _max3(vals) > st.dark
        vals, bclip = vals[bright], bclip[bright]
        if len(vals) >= LIMITS.background_min_px:
            # clipped means piled up at the top, not merely brushing the threshold: a backdrop
            # just under white reads 248..252 after JPEG and is a measurement
            med = np.median(vals, axis=0)
            clipped = med >= SRGB_TO_LINEAR[LIMITS.clip_piled]
            white = np.where(clipped, 1.0, med)
            chroma = _log_chroma(vals[~_any3(bclip)]) if (~_any3(bclip)).sum() > 16 else None
            spread = None if chroma is None else float(np.median(np.abs(chroma - np.median(chroma, 0))))
            uniform = spread is None or spread < LIMITS.backdrop_uniform
            if clipped.all():
                # a backdrop blown to white in every channel: a coloured light would have left
                # one channel below the clip, so the light is taken as neutral and the level as is
                return _Estimate(np.ones(3), True, "background-clipped", LIMITS.trust_clipped, cands, True)
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
                two = clipped.sum() == 2
                plausible, misfit = _plausible_light(projected if neutral is None else neutral[0], white, clipped)
                if neutral is not None and LIMITS.neutral_over_prior:
                    plausible = _lesser_excess(neutral[0], plausible, white, clipped) if not two else neutral[0]
                if neutral is None:
                    name, trust = "background-projected", LIMITS.clip_trust
                    if not two:
                        # two known channels and a prior light that matches them: the prior pins the
                        # third, and the product's reading hardly matters
                        cover = float(np.clip(1 - misfit / LIMITS.prior_cover, 0, 1))
                        trust += (1 - trust) * cover
                else:
                    # a neutral surface that most of the product stands behind (a white carton's
                    # shaded side) is taken whole; a smaller one (a pale patch on a fruit) in part
                    name = "background-neutral"
                    ramp = np.clip((neutral[1] - LIMITS.neutral_support[0]) / np.ptp(LIMITS.neutral_support), 0, 1)
                    trust = LIMITS.clip_trust_neutral + (1 - LIMITS.clip_trust_neutral) * float(ramp)
                    if np.ptp(LIMITS.neutral_weak) > 0:
                        weak = np.clip((neutral[1] - LIMITS.neutral_weak[0]) / np.ptp(LIMITS.neutral_weak), 0, 1)
                        trust = LIMITS.clip_trust + (trust - LIMITS.clip_trust) * float(weak)
                light = _above_clip(plausible, white, clipped, trust)
                edge = _edge_white(st, white, clipped) if LIMITS.edge_floor else None
                # the clipped channels are raised together, by the least the edge asks of any of
                # them: each channel's floor is low by its own amount (a red fruit's red edge clips
                # more), so raising each to its own turned the cast between them (leave-one-camera-
                # out, seeds 0-2: one factor won three folds of four, and made fewer photos worse)
                lift = 1.0 if edge is None else float((edge[clipped] / light[clipped]).min())
                if lift > 1.0:
                    light, name = np.where(clipped, light * lift, light), name + "+edge"
                return _Estimate(light, True, name, LIMITS.trust_clipped, cands, False)
            if uniform:
                bg_level = float(np.median(_mean3(vals)))
                prod_level = _product_level(st)
                # agreement is checked against the whole frame's statistics: the backdrop's own
                # statistics always agree with its median
                whole = _consensus(_scene_candidates(st)) if scene_name == "background-scene" else scene
                agree = whole is None or _angle(white, whole) < LIMITS.backdrop_agree_deg
                if bg_level >= LIMITS.backdrop_level * prod_level or agree:
                    conf = LIMITS.trust_agreeing if agree else LIMITS.trust_alone
                    # a neutral but dim surface (a grey table) sets the colour, not the level
                    return _Estimate(white, bg_level >= LIMITS.backdrop_level * prod_level, "background", conf, cands,
                                     False)
                # a dim, coloured surface (a wooden table): half-trust it
                if scene is not None:
                    mixed = np.exp(0.5 * (np.log(white / white[1]) + np.log(scene / scene[1])))
                    return _Estimate(mixed, False, "background+consensus", LIMITS.trust_mixed * scene_conf, cands,
                                     False)
    if scene is None:
        return _Estimate(np.ones(3), False, "none", 0.0, cands, False)
    return _Estimate(scene, False, scene_name, scene_conf, cands, False)


def _estimate(st: _Stats) -> _Estimate:
    """The light's colour and level, kept within what real lights do."""
    est = _estimate_raw(st)
    light = est.white / est.white[1]
    # red or blue below an eighth of green, or above three times it, is a scene without that
    # colour (a crushed channel), not a light: correcting it would multiply noise tenfold
    bounded = np.clip(light, [LIMITS.light_min, 1.0, LIMITS.light_min], [LIMITS.light_max, 1.0, LIMITS.light_max])
    if not np.allclose(bounded, light):
        return _Estimate(bounded * est.white[1], est.white_known, est.estimator + "-bounded",
                         min(est.confidence, LIMITS.bounded_confidence), est.candidates, est.clipped_white)
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
    px = _pick(st.lin, _thin_at(region))
    return float(np.percentile(_mean3(px), 95)) if len(px) else 1.0


