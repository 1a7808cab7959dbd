"""Reading a mark at the image's own resolution: how far its paint strays (a camera's shading
against an app's flat paint), its pieces and holes, and the whole paint of a mark the cutout
partly took for product. Pure numpy/cv2; used by ``overlay``."""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np


class FullImage(NamedTuple):
    """The image at its own resolution as the mark readers need it: its pixels, the canvas colour
    around the product, ``jpeg_stray``: how many levels the image's own JPEG encoding makes flat
    paint stray (overlay's ``jpeg_stray`` per quantisation step; 0 for a lossless image), taken off
    the strays read here, and ``luma``: marks against the product are read in light (a JPEG, whose
    colour is stored at half resolution: a thin stroke's colour is its neighbours')."""

    rgb: np.ndarray
    canvas: tuple
    jpeg_stray: float = 0.0
    luma: bool = False


def chmax(img: np.ndarray) -> np.ndarray:
    """The largest channel of an HxWx3 uint8 image (numpy's max over a length-3 axis is 10x slower)."""
    c0, c1, c2 = cv2.split(img)
    return cv2.max(cv2.max(c0, c1), c2)


def full_box(box: tuple, scale: float, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """A box (x0, y0, x1, y1) at the work size, in the image's own pixels (``size`` = its w, h)."""
    inv = 1.0 / scale
    x0, y0, x1, y1 = box
    return int(x0 * inv), int(y0 * inv), min(size[0], int(round(x1 * inv))), min(size[1], int(round(y1 * inv)))


def _dct8() -> np.ndarray:
    k, i = np.arange(8)[:, None], np.arange(8)[None, :]
    m = np.sqrt(2 / 8) * np.cos(np.pi * (2 * i + 1) * k / 16)
    m[0] /= np.sqrt(2)
    return m.astype(np.float32)


_D8 = _dct8()


def jpeg_step(rgb: np.ndarray, blocks: int = 1024, tol: float = 0.3, share: float = 0.8) -> float:
    """The quantisation step of the image's JPEG encoding, read from its own pixels (0: none found,
    a lossless image or a JPEG of quality 94 or more). A JPEG keeps each 8x8 block's cosine
    coefficients as multiples of a step (about 2 at quality 90, 3 at 85, 4 at 80, 7 at 70): the two
    lowest AC coefficients of up to ``blocks`` textured blocks on the JPEG grid (every other block),
    recomputed from the decoded light, lie within ``tol`` of a step's multiples (``share`` of their
    distinct values, at least 12) for that step and its divisors only; a lossless image's lie anywhere.
    The step is the largest that fits, the smaller of the two coefficients' (round 11)."""
    h, w = rgb.shape[0] // 16 * 16, rgb.shape[1] // 16 * 16
    if h < 64 or w < 64:
        return 0.0
    g = cv2.cvtColor(np.ascontiguousarray(rgb[:h, :w, :3]), cv2.COLOR_RGB2GRAY)
    bl = g.reshape(h // 16, 16, w // 16, 16)[:, :8, :, :8]
    lo, hi = bl.min(axis=(1, 3)), bl.max(axis=(1, 3))
    # textured (a flat block's coefficients are all 0) and unclipped (clipping breaks the multiples)
    ok = np.flatnonzero(((hi.astype(np.int16) - lo >= 6) & (lo > 2) & (hi < 253)).ravel())
    if len(ok) < 64:
        return 0.0
    ok = ok[np.linspace(0, len(ok) - 1, min(blocks, len(ok))).astype(int)]
    by, bx = np.divmod(ok, w // 16)
    px = rgb[:h, :w, :3].reshape(h // 16, 16, w // 16, 16, 3)[by, :8, bx, :8].astype(np.float32)
    c = _D8 @ (px @ np.array([0.299, 0.587, 0.114], np.float32) - 128) @ _D8.T
    steps = []
    for x in (np.abs(c[:, 0, 1]), np.abs(c[:, 1, 0])):
        x = np.unique(np.round(x[x > 1.0], 1))  # each value once: drawn images repeat their blocks
        best = 0.0
        if len(x) >= 12:
            for q in range(2, 17):
                r = x / q
                if np.mean(np.abs(r - np.round(r)) < tol) >= share:
                    best = float(q)
        steps.append(best)
    return min(steps)


def flatness(px: np.ndarray) -> float:
    """How far a mark's solid pixels stray from their median colour (median over pixels, worst
    channel): a few levels for a printed-on badge, more for a real object's shading and texture."""
    if len(px) < 10:
        return 255.0
    px = px.astype(np.int16)
    return float(np.median(np.abs(px - np.median(px, axis=0)).max(axis=1)))


def _mark_ink(full: FullImage, region: np.ndarray, at: tuple[int, int], scale: float,
              limits) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A mark at the image's own resolution: (its crop, its ink, its stroke cores: the ink at
    ``core_share`` of its contrast or more), or None when it holds under 10 pixels of ink."""
    rgb, canvas = full.rgb, full.canvas
    x0, y0, x1, y1 = full_box((at[0], at[1], at[0] + region.shape[1], at[1] + region.shape[0]), scale,
                              (rgb.shape[1], rgb.shape[0]))
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    if crop.size == 0:
        return None
    canvas_img = np.empty_like(crop)
    canvas_img[:] = np.asarray(canvas, np.uint8)
    d = chmax(cv2.absdiff(crop, canvas_img))
    inside = cv2.resize(region.astype(np.uint8), (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST).astype(bool)
    ink = inside & (d > limits.edge_level)
    if ink.sum() < 10:
        return None
    return crop, ink, ink & (d >= limits.core_share * float(np.percentile(d[ink], 95)))


def _beyond_jpeg(stray: float, jpeg_stray: float) -> float:
    """A stray less what the image's JPEG encoding itself makes flat paint stray (none read: 255)."""
    return stray if stray >= 255.0 else max(0.0, stray - jpeg_stray)


def core_flatness(full: FullImage, region: np.ndarray, at: tuple[int, int], scale: float,
                  limits, luma: bool = False, less_jpeg: bool = True) -> float:
    """``flatness`` of a mark's stroke cores, read at the image's own resolution: at the work size
    a thin stroke blends into its neighbours and looks shaded although it was painted in one colour.
    The JPEG's own stray (``full.jpeg_stray``) is taken off unless ``less_jpeg`` is False."""
    found = _mark_ink(full, region, at, scale, limits)
    if found is None:
        return 255.0
    crop, _, core = found
    # a JPEG's colour is coarser than its light: a thin coloured stroke strays in colour only
    px = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)[core][:, None] if luma else crop[core]
    return _beyond_jpeg(flatness(px), full.jpeg_stray if less_jpeg else 0.0)


def structure(full: FullImage, region: np.ndarray, at: tuple[int, int], scale: float,
              limits) -> tuple[int, int, float]:
    """A mark read at the image's own resolution: its ink's separate pieces and holes (each at
    least 2 % of the ink; letters, a symbol, a ring) and how far its stroke cores stray in colour, less
    the JPEG's own stray unless the cores are dark (under ``colour_dark`` in every channel: a JPEG
    flattens a camera's dark surfaces as much as paint, round 12)."""
    found = _mark_ink(full, region, at, scale, limits)
    if found is None:
        return 0, 0, 255.0
    crop, ink, core = found
    contours, hier = cv2.findContours(ink.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    least = max(4.0, 0.02 * int(ink.sum()))
    parts = holes = 0
    for c, hr in zip(contours, hier[0]):
        if cv2.contourArea(c) >= least:
            if hr[3] < 0:
                parts += 1
            else:
                holes += 1
    px = crop[core]
    dark = len(px) >= 10 and float(np.median(px.max(axis=1))) < limits.colour_dark
    return parts, holes, _beyond_jpeg(flatness(px), 0.0 if dark else full.jpeg_stray)


def whole_paint(small: np.ndarray, colour: np.ndarray, box: tuple[int, int, int, int], seed: np.ndarray,
                join: tuple[int, int], level: int, flat: int) -> dict | None:
    """The whole of a mark's paint, the part the cutout took for product included: pieces of the
    mark's colour (within ``level``; each piece flat, at most ``flat`` levels, as paint is) around
    its box (x0, y0, x1, y1; ``seed`` its pixels there), joined as letters are (``join``) to the
    mark. Its box, pieces, solid share and the largest piece's span (and its pixels: ``mask`` over the
    window read, whose corner is ``at``), or None when there is none."""
    h, w = small.shape[:2]
    x0, y0, x1, y1 = box
    grow = 2 * max(x1 - x0, y1 - y0)
    wx0, wy0, wx1, wy1 = max(0, x0 - grow), max(0, y0 - grow), min(w, x1 + grow), min(h, y1 + grow)
    win = np.ascontiguousarray(small[wy0:wy1, wx0:wx1])
    ref = np.empty_like(win)
    ref[:] = np.asarray(colour, np.uint8)
    paint = (chmax(cv2.absdiff(win, ref)) <= level).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(paint, connectivity=8)
    keep = np.zeros(n, bool)
    for i in range(1, n):
        keep[i] = stats[i, cv2.CC_STAT_AREA] >= 4 and flatness(win[labels == i]) <= flat
    paint = keep[labels]
    paint[y0 - wy0:y1 - wy0, x0 - wx0:x1 - wx0] |= seed
    joined = cv2.morphologyEx(paint.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, join))
    m, jl = cv2.connectedComponents(joined, connectivity=8)
    ids = np.unique(jl[y0 - wy0:y1 - wy0, x0 - wx0:x1 - wx0][seed])
    ids = ids[ids > 0]
    if not ids.size:
        return None
    whole = np.isin(jl, ids) & paint
    ys, xs = np.nonzero(whole)
    bw, bh = int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)
    k, _, st, _ = cv2.connectedComponentsWithStats(whole.astype(np.uint8), connectivity=8)
    big = st[1:][st[1:, cv2.CC_STAT_AREA] >= 4]
    span = float((big[:, cv2.CC_STAT_WIDTH] * big[:, cv2.CC_STAT_HEIGHT]).max()) / (bw * bh) if len(big) else 0.0
    return dict(bw=bw, bh=bh, parts=len(big), solid=float(whole.sum()) / (bw * bh), span=span, mask=whole,
                at=(wx0, wy0))
