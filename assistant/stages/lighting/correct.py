"""Lighting, part two: the correction built from the estimate (exposure gain, the colour guard,
per-channel gains through look-up tables, rebuilt highlights, denoise, local contrast, vibrance).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from assistant.imaging.colour import SRGB_TO_LINEAR, lab_from_linear, linear_to_srgb
from assistant.imaging.filters import block_mean, block_upsize
from assistant.presets import LightingSettings
from assistant.stages.lighting.estimate import LIMITS, _K3, _Estimate, _log_chroma, _Stats, _any3, _max3, _thin


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
    ev = float(np.clip(math.log2(max(gain, 1e-6)), LIMITS.min_gain_ev, LIMITS.max_gain_ev))
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
    before = lab_from_linear(sample)

    def turn(strength: float) -> float:
        g = _partial(wb, strength)
        # with the exposure gain and the clip: a channel pushed past white turns the hue too
        after = np.clip(sample * (g * exposure * _headroom(est, g)), 0, 1)
        return _hue_turn(before, lab_from_linear(after))

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
    bound = LIMITS.hue_bound_preserve if settings.preserve_colors else LIMITS.hue_bound
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


def _near_neutral(st: _Stats) -> np.ndarray | None:
    """Log-chromaticities of the photo's surfaces that are near neutral as shot (within
    ``LIMITS.harm_radius`` of grey; unclipped, not dark): a grey card, a label's white, paper.
    None when they are under 1 % of the photo (a strong cast leaves nothing near grey)."""
    valid = ~st.clip_any & (st.bright > max(st.dark, LIMITS.harm_dark))
    px = _thin(st.lin[valid])
    if len(px) < LIMITS.measure_min_px * 8:
        return None
    lc = _log_chroma(px)
    near = np.hypot(lc[:, 0], lc[:, 1]) < LIMITS.harm_radius
    if near.sum() < max(LIMITS.measure_min_px, 0.01 * len(lc)):
        return None
    # a mean distance does not need every pixel: at most measure_px, evenly thinned
    return lc[near][:: max(1, math.ceil(near.sum() / LIMITS.measure_px))]


def _no_harm(st: _Stats, est: _Estimate, wb: np.ndarray, strength: float) -> float:
    """Do no harm: an unconfident correction keeps at most the share of the cast correction that
    leaves the photo no further from neutral than it was (``strength`` when confident).

    "Further from neutral": the mean distance from grey, in log-chromaticity, of the photo's
    near-neutral surfaces (``_near_neutral``). Gains ``wb ** s`` move each of those by ``s b``
    (``b`` the full correction's log-chromaticity); the distance is convex in ``s``, so the
    shares that do not raise it form an interval from 0, and the largest is kept.
    """
    if est.confidence >= LIMITS.harm_confidence or strength <= 0:
        return strength
    lc = _near_neutral(st)
    if lc is None:
        return strength
    b = _log_chroma(wb)
    if float(b @ b) < 1e-8:
        return strength
    shares = np.linspace(0.0, strength, 33)
    # ``np.linalg.norm(lc[None] + shares[:, None, None] * b, axis=-1)`` written out: the same sums
    # in the same order (so the same bits), without the (33, n, 2) intermediates
    x = lc[:, 0][None] + shares[:, None] * b[0]
    y = lc[:, 1][None] + shares[:, None] * b[1]
    x *= x
    y *= y
    x += y
    dist = np.sqrt(x, out=x).mean(axis=1)
    ok = dist <= dist[0] + 1e-9
    if ok.all():
        return strength
    # convex: the shares that pass run from 0 (which always does) up to the first that does not
    return float(shares[int(np.argmin(ok)) - 1])


def _channel_luts(gains: np.ndarray) -> np.ndarray:
    """Per-channel 8-bit look-up tables: decode, multiply, encode."""
    lin = SRGB_TO_LINEAR.astype(np.float64)[:, None] * gains[None, :]
    return np.round(linear_to_srgb(lin) * 255.0).astype(np.uint8)


def _apply_gains(rgb: np.ndarray, gains: np.ndarray) -> np.ndarray:
    if np.allclose(gains, 1.0, atol=2e-3):
        return rgb.copy()
    lut = _channel_luts(gains)
    out = cv2.LUT(rgb, lut.reshape(256, 1, 3))
    if gains.max() / gains.min() > 1.02:
        out = _rebuild_highlights(rgb, out)
    return out


def _channels(img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``cv2.split(img)`` for three channels: the same planes, about five times faster (``cv2.split``
    took 3.4 ms on a 1 MP crop, three ``extractChannel`` calls 0.75 ms)."""
    return cv2.extractChannel(img, 0), cv2.extractChannel(img, 1), cv2.extractChannel(img, 2)


def _channel_max(rgb: np.ndarray) -> np.ndarray:
    r, g, b = _channels(rgb)
    return cv2.max(cv2.max(r, g), b)


_RAMP = np.clip((np.arange(256) - 235.0) / (LIMITS.clip - 235.0), 0, 1)
_RAMP_LUT = np.round(_RAMP * 255).astype(np.uint8)
_COLOURED_SHARE = 0.5   # share of the neutral lift a clipped channel of a coloured pixel gets
_SHARE_LUT = np.round(255 * (_COLOURED_SHARE + (1 - _COLOURED_SHARE)
                             * np.clip((np.arange(256) / 255.0 - 0.55) / 0.3, 0, 1))).astype(np.uint8)


_TILE = 64   # the highlight rebuild's tiles: it runs only in runs of tiles that hold a bright pixel


def _rebuild_highlights(rgb: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Clipped channels carry only a lower bound; fill them as neutral highlights.

    After unequal gains a clipped white would turn pink or cyan; raising each clipped channel
    to the pixel's brightest corrected channel keeps it white. The blend ramps in over the last
    levels before the clip so no contour appears. All in 8-bit OpenCV ops: this runs on every
    pixel of a white backdrop.

    A pixel with no channel at 236 or above gets no lift (``_fill``: its ramp weight is 0), so
    only bands of ``_TILE`` rows are visited, and in each only the runs of ``_TILE`` columns that
    hold such a pixel: the same pixels, a third to a half of the work on a product lit by a
    window or with a glossy print. ``out`` (the caller's own) is filled in place.
    """
    if int(rgb.max()) < 236:   # the brightest channel anywhere: no clipped channel, nothing to fill
        return out
    h, w = rgb.shape[:2]
    tiles = -(-w // _TILE)
    for y0 in range(0, h, _TILE):
        y1 = min(h, y0 + _TILE)
        band = rgb[y0:y1]
        # the brightest value of each column (and channel) in the band, in one pass
        cols = cv2.reduce(band.reshape(y1 - y0, w * 3), 0, cv2.REDUCE_MAX).reshape(w, 3).max(axis=1)
        bright = np.zeros(tiles * _TILE, bool)
        bright[:w] = cols >= 236
        hit = np.concatenate([[False], bright.reshape(tiles, _TILE).any(axis=1), [False]])
        edges = np.flatnonzero(hit[1:] != hit[:-1])
        for t0, t1 in zip(edges[::2], edges[1::2], strict=True):
            x0, x1 = t0 * _TILE, min(w, t1 * _TILE)
            out[y0:y1, x0:x1] = _fill(band[:, x0:x1], out[y0:y1, x0:x1])
    return out


def _fill(rgb: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``_rebuild_highlights``'s per-pixel work on one window."""
    weight = cv2.LUT(rgb, _RAMP_LUT)
    top = _channel_max(out)
    # raised to the brightest channel: ``top`` is at least every channel, so the raise is top - out
    lift = cv2.multiply(cv2.subtract(cv2.merge([top, top, top]), out), weight, scale=1.0 / 255.0)
    full = cv2.add(out, lift)
    # a pixel that is white once lifted (a blown backdrop) takes the whole lift; a coloured one
    # (a lemon blown in green, its blue near zero) only part of it: its clipped channel lies
    # somewhere between the clip and the brightest channel, not at white
    r, g, b = _channels(full)
    ratio = cv2.divide(cv2.min(cv2.min(r, g), b), cv2.max(top, 1), scale=255.0)
    share = cv2.LUT(ratio, _SHARE_LUT)
    return cv2.add(out, cv2.multiply(lift, cv2.merge([share, share, share]), scale=1.0 / 255.0))


def _noise_sigma(img: np.ndarray) -> float:
    """Immerkaer's fast noise estimate on 8-bit luma (``img`` grey, or RGB: its luma), skipping
    edges and textured areas."""
    h, w = img.shape[:2]
    c = 192
    if h * w > 600 * 600 and min(h, w) >= 2 * c:  # a long thin strip: the crops would leave it
        # noise is the same everywhere in a photo: five full-resolution crops are plenty
        ys = [h // 4 - c // 2, h // 4 - c // 2, 3 * h // 4 - c // 2, 3 * h // 4 - c // 2, h // 2 - c // 2]
        xs = [w // 4 - c // 2, 3 * w // 4 - c // 2, w // 4 - c // 2, 3 * w // 4 - c // 2, w // 2 - c // 2]
        img = np.concatenate([img[y:y + c, x:x + c] for y, x in zip(ys, xs, strict=True)], axis=1)
    # luma of the crops only (a pixel's luma is its own: the same values as the whole photo's)
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img
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
    y, cr, cb = _channels(ycc)
    y = cv2.bilateralFilter(y, 5, max(6.0, 2.5 * sigma), 2.0)
    cr = cv2.bilateralFilter(cr, 7, max(8.0, 3.0 * sigma), 3.0)
    cb = cv2.bilateralFilter(cb, 7, max(8.0, 3.0 * sigma), 3.0)
    return cv2.cvtColor(cv2.merge([y, cr, cb]), cv2.COLOR_YCrCb2RGB)


_BAND = 32   # rows the tone's per-pixel steps take at a time: their temporaries stay in cache


def _tone(rgb: np.ndarray, strength: float, product: np.ndarray | None, lift: float) -> np.ndarray:
    """Gentle local contrast (CLAHE) and a shadow lift on luma only; chroma is left as it is."""
    if strength <= 0 and lift <= 0:
        return rgb
    # YCrCb keeps it all in 8-bit OpenCV passes (a float RGB ratio costs three times as much)
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    y = cv2.extractChannel(ycc, 0)   # chroma stays in ``ycc``; only luma is taken out and put back
    target = y
    if lift > 0:
        # raise the deep shadows only; mid-tones and highlights keep their level
        x = np.arange(256) / 255.0
        curve = np.clip(255.0 * (x + 2.0 * lift * x * (1 - x) ** 3) + 0.5, 0, 255).astype(np.uint8)
        target = cv2.LUT(target, curve)
    contrast = None
    if strength > 0:
        # clip limit near 1 is the identity; the blend keeps the effect a touch, not a look
        clahe = cv2.createCLAHE(clipLimit=1.0 + 2.0 * strength, tileGridSize=(8, 8))
        contrast = clahe.apply(target)
    weight = None
    h, w = y.shape
    if product is not None:
        # the background is replaced later; keep the edit on the product so its rim does not glow.
        # The weight is smooth, so it is made small and scaled up.
        factor = max(1, min(h, w) // 150)  # whole blocks: OpenCV's fast area path
        small = cv2.GaussianBlur(block_mean(product, factor), (0, 0), max(0.7, 2.0 / factor))
        weight = block_upsize(small, factor, (w, h))
    # the rest is per pixel: done in bands of rows, the same values as over the whole crop
    out = np.empty_like(rgb)
    for y0 in range(0, h, _BAND):
        rows = slice(y0, y0 + _BAND)
        band = target[rows]
        if contrast is not None:
            band = cv2.addWeighted(band, 1.0 - strength, contrast[rows], strength, 0.0)
        if weight is not None:
            wf = np.multiply(weight[rows], np.float32(1 / 255), dtype=np.float32)
            band = cv2.blendLinear(band, y[rows], wf, 1.0 - wf)
        chroma = ycc[rows]
        cv2.insertChannel(band, chroma, 0)
        cv2.cvtColor(chroma, cv2.COLOR_YCrCb2RGB, dst=out[rows])
    return out


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



def _residual_cast(est: _Estimate, gains: np.ndarray, light: np.ndarray) -> float:
    """CIELAB chroma a white surface keeps after the correction (0 = neutral)."""
    white = light * gains
    white = white / white.max() * 0.9
    lab = lab_from_linear(white)
    return float(np.hypot(lab[1], lab[2]))

