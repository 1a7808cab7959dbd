"""Cutout: from the model's low-resolution soft mask to a clean alpha at working resolution.

API (``rgb`` is HxWx3 uint8, ``alpha`` HxW uint8 0..255, masks HxW bool):

``refine_alpha(soft, rgb) -> alpha``
    The pipeline's entry point. ``soft`` is the model's mask at its own square input size
    (320 for u2netp, 1024 for ISNet), float32 0..1. ``clean_mask`` keeps the product and
    drops the rest on the model's grid; the mask is then brought to the photo's size: where
    one model pixel covers more than 2.5 photo pixels (u2netp) by a colour guided filter
    computed at a reduced scale (He et al.'s "fast guided filter", box filters only), else
    (ISNet, whose edges are already finer than a guided filter's window) by a bicubic
    resize whose edge ramps a 3x3 grey guided filter at full size pulls onto the photo's
    own edges. A contrast curve around 0.5 then narrows the model's blur to the photo's edge
    width, so alpha is decided (0 or 1) away from real edges while a soft edge keeps a ramp.
``clean_mask(soft, rgb=None) -> (mask, keep)``
    On the model's grid: the main component (model mass x solidity x nearness to the centre)
    and what belongs with it: components touching it or joined to it through the model's
    confidence, like-coloured ones (a set of items), near-equal ones, small bits close to
    it, on u2netp's coarse grid the pieces of a thin product, and speck-sized lines close to
    it (a thin part the model broke). Dropped: other salient
    things (props, a rig's clamps), thin frames around the product (a turntable's ring),
    specks, and uncertain regions not joined to the product (ghosts). Tiny holes where the
    model was unsure are filled; larger holes (a ring's middle, a handle) stay background.
``decontaminate(rgb, alpha) -> rgb``
    Foreground colours for partly transparent pixels (blur-fusion estimate, Forte & Pitie
    2021), so the old background does not fringe the product on a new canvas. Opaque and
    fully transparent pixels come back unchanged; the narrow pass runs in the edge band only.
``touch_up(rgb, alpha, keep, remove) -> alpha``
    Re-cut after the user's brush strokes (``keep`` = "pertahankan", ``remove`` = "hapus",
    HxW bool, any may be empty): GrabCut at a reduced scale seeded by the current alpha
    (probable) and the strokes (certain); a separate part the user struck out goes whole;
    changed edges are re-fitted to the photo with the guided filter; unchanged pixels keep
    their alpha; strokes always win where drawn.
``hand_score(rgb, alpha) -> float`` (0..1), ``detect_hand(rgb, alpha) -> bool``, ``hand_mask``
    The hand ``assistant.imaging.skin.find_hand`` finds (the same detector as the listing
    check ``hand``) where it is part of the cutout and reaches the photo's border. It is
    detected and reported, not removed (``touch_up`` with a "hapus" stroke
    removes it). ``notices(rgb, alpha)`` gives ``(key, params)`` pairs for
    ``assistant.i18n.t`` (keys ``cutout_*`` in ``assistant/strings/cutout.toml``).

Nothing here reads or writes files or imports another stage or the model code.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from assistant.imaging import skin
from assistant.imaging.filters import box_blur, gray_guided_filter, guided_filter_coeffs
from assistant.imaging.filters import ellipse as _ellipse
from assistant.imaging.filters import block_mean, shrink as _shrink
from assistant.imaging.scene import decide_alpha, drop_pale_leftovers, fill_pale_holes, scene_kind, scene_stats
from assistant.imaging.scene import drop_unsure_fringe, uncut_alpha
from assistant.imaging.skin import FACE_COVER, HAND_LEFT, hand_left, remove_hand

# --------------------------------------------------------------------------- parameters
# Shares are of the photo's long side or of the frame unless said otherwise. Tuned on
# ../shared/data (bench/cutout_quality.py); see docs/cutout.md.

CORE = 0.5  # model confidence that makes a pixel part of a component
SPECK = 0.0008  # components smaller than this share of the frame are specks
TWIN = 0.85  # a component scoring this share of the main one's score: too close to call, kept
ALIKE = 0.85  # colour likeness (Bhattacharyya, RGB 8x8x8) that makes it one of a set ...
ALIKE_SCORE = 0.1  # ... when it also scores at least this share of the main one
BIT = 0.2  # a component scoring at most this share of the main one ...
BIT_GAP = 0.04  # ... and this close to a kept one is a detached bit of it (a cap, a tag)
PIECE = 0.12  # coarse grid (< 512 px): pieces scoring this share are parts of a thin product
TOUCH = 0.006  # components closer than this touch
LINK = 0.25  # components joined through model confidence above this are one object
FRAME_SOLIDITY = 0.3  # a thin component whose hull holds 25 % of the product is a frame/ring
FAINT = 0.1  # faint model mask joined to the product stays soft (thin parts, edges)
EDGE = 0.006  # soft values stay within this distance of the kept core
LINE = 0.05  # a speck at least this long (share of the grid) ...
LINE_WIDTH = 0.005  # ... and at most this wide on average is a piece of a thin part
PINHOLE = 0.002  # holes below this share of the product ...
PINHOLE_PX = 8  # ... and below this many pixels of a 320 px grid ...
PINHOLE_SOFT = 0.42  # ... where the model's mean confidence is above this are filled
GUIDED_FROM = 2.5  # photo pixels per model pixel from which the guided filter pays
FINE_RESIZE = cv2.INTER_CUBIC  # below it: resize the model's own (finer) edges
GF_SIDE = 900  # the guided filter's coefficients are computed at most this size
GF_R = 2.0  # guided filter radius, in model pixels
GF_DENSITY = 1.0  # guided filter samples per model pixel
GF_EPS = 3e-4  # guided filter regularisation (colours in 0..1)
SPUR = 0.8  # one-pixel hairlines of the kept mask below this confidence are dropped
CONTRAST = 2.0  # alpha contrast around 0.5 after the upsampling
PIVOT = 0.5  # the contrast curve's fixed point (alpha 0.5)
PIVOT_COARSE = 0.4  # ... on a coarse grid (u2netp), whose 0.5 line runs inside thin parts


# --------------------------------------------------------------------------- clean-up

def _grow(mask: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``cv2.dilate(mask, kernel) > 0`` (bool or 0/1 uint8 ``mask``, odd kernel), dilated only in
    the box of its set pixels plus the kernel's reach: the same pixels, much less work where
    the mask is a small part of the grid or empty (a dropped prop, a hairline)."""
    m = mask.view(np.uint8) if mask.dtype == bool else mask
    x, y, bw, bh = cv2.boundingRect(m)
    out = np.zeros(mask.shape, bool)
    if bw == 0:
        return out
    ry, rx = kernel.shape[0] // 2, kernel.shape[1] // 2
    h, w = mask.shape
    box = np.s_[max(0, y - ry):min(h, y + bh + ry), max(0, x - rx):min(w, x + bw + rx)]
    out[box] = cv2.dilate(m[box], kernel) > 0
    return out


def _colours(grid_rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    hist = cv2.calcHist([grid_rgb], [0, 1, 2], mask.astype(np.uint8), [8, 8, 8], [0, 256] * 3).ravel()
    return hist / max(float(hist.sum()), 1.0)


def _select(soft: np.ndarray, aspect: float, rgb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Bool masks of the kept and the dropped components of ``soft > CORE`` (model grid).

    ``aspect`` is the photo's width / height, so that distances are measured as in the
    photo; ``rgb`` is the photo (for colour likeness; resized to the grid when needed).
    """
    h, w = soft.shape
    binary = (soft > CORE).astype(np.uint8)
    none = np.zeros((h, w), bool)
    count, labels, stats, centres = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return none, none
    frame = h * w
    sx, sy = min(1.0, aspect), min(1.0, 1.0 / aspect)  # grid axis -> share of the long side
    cands, specks = [], []
    for i in range(1, count):
        area = stats[i, cv2.CC_STAT_AREA]
        if area < SPECK * frame:
            specks.append(i)
            continue
        x, y, bw, bh = stats[i, :4]
        comp = labels[y:y + bh, x:x + bw] == i
        contours, _ = cv2.findContours(comp.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        hull = cv2.convexHull(np.vstack(contours)) + np.array([x, y], np.int32)
        solidity = min(1.0, area / max(cv2.contourArea(hull), 1.0))
        mass = float(soft[y:y + bh, x:x + bw][comp].sum()) / frame
        d = np.hypot((centres[i][0] / w - 0.5) * sx, (centres[i][1] / h - 0.5) * sy)
        cands.append((mass * solidity * np.exp(-(d / 0.4) ** 2), i, hull, solidity))
    if not cands:
        return none, labels > 0
    cands.sort(key=lambda c: -c[0])
    best, main = cands[0][0], cands[0][1]
    keep = labels == main
    dropped = none.copy()
    x, y, bw, bh, main_area = stats[main]
    main_box = np.s_[y:y + bh, x:x + bw]
    main_mask = keep[main_box]

    # Thin frames around the product (a turntable's ring) go first: nothing joins through them.
    rest = []
    for score, i, hull, solidity in cands[1:]:
        if solidity < FRAME_SOLIDITY:
            inside = np.zeros((h, w), np.uint8)
            cv2.fillConvexPoly(inside, hull, 1)
            if np.count_nonzero(inside[main_box] & main_mask) >= 0.25 * main_area:
                dropped |= labels == i
                continue
        rest.append((score, i))

    touch = _ellipse(TOUCH * w / sx, TOUCH * h / sy)

    def joined_to_keep() -> np.ndarray:
        """Per pixel: joined to a kept component through model confidence > LINK, or touching."""
        near = _grow(keep, touch)
        _, bridges = cv2.connectedComponents((((soft > LINK) & ~dropped) | near).astype(np.uint8),
                                             connectivity=8)
        linked = np.zeros(int(bridges.max()) + 1, bool)
        linked[bridges[keep]] = True
        linked[0] = False
        return linked[bridges]

    joined = joined_to_keep()
    # Distance to the kept components (grid px, both axes scaled to the long side's share).
    gap = BIT_GAP * np.sqrt((w / sx) * (h / sy))
    dist = cv2.distanceTransform((~keep).astype(np.uint8), cv2.DIST_L2, 3)
    coarse = max(h, w) < 512
    main_colours = grid_rgb = None
    for score, i in rest:
        comp = labels == i
        alike = False
        if rgb is not None and score >= ALIKE_SCORE * best:
            if main_colours is None:
                grid_rgb = _shrink(rgb, (w, h))
                main_colours = _colours(grid_rgb, labels == main)
            alike = float(np.sqrt(_colours(grid_rgb, comp) * main_colours).sum()) >= ALIKE
        piece = (coarse and score >= PIECE * best) or (score <= BIT * best and float(dist[comp].min()) <= gap)
        if score >= TWIN * best or alike or piece or joined[comp].any():
            keep |= comp
            dist = np.minimum(dist, cv2.distanceTransform((~comp).astype(np.uint8), cv2.DIST_L2, 3))
        else:
            dropped |= comp
    # Specks stay only where the model joins them to the product (a thin part's pieces).
    if specks:
        is_speck = np.zeros(count, bool)
        is_speck[specks] = True
        # ... but not those touching a dropped thing (the rest of a ring passing behind).
        if dropped.any():
            by_dropped = _grow(dropped, touch)
            is_speck[labels[by_dropped]] = False
        speck = is_speck[labels]
        stays = speck & joined_to_keep()
        # A speck-sized line close to the product is a piece of a thin part (a tripod's leg
        # the model broke), not a speck.
        n = max(h, w)
        for i in np.flatnonzero(is_speck):
            x, y, bw, bh, area = stats[i]
            long_side = max(bw, bh)
            if long_side < LINE * n or area > LINE_WIDTH * n * long_side:
                continue
            box = np.s_[y:y + bh, x:x + bw]   # the speck's own box, not the whole grid
            comp = labels[box] == i
            if float(dist[box][comp].min()) <= gap:
                stays[box] |= comp
        keep |= stays
        dropped |= (labels > 0) & ~keep
    return keep, dropped


def _pinholes(soft: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Tiny holes of the kept mask where the model was unsure (a logo, a glint).

    Real holes (a ring's middle, a handle, a chair's back) are larger or the model is sure
    of them, and stay.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats((~keep).astype(np.uint8), connectivity=4)
    h, w = keep.shape
    limit = min(PINHOLE * max(int(keep.sum()), 1), PINHOLE_PX * h * w / 320 ** 2)
    out = np.zeros_like(keep)
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        if x == 0 or y == 0 or x + bw == w or y + bh == h or area > limit:
            continue
        region = labels[y:y + bh, x:x + bw] == i
        if float(soft[y:y + bh, x:x + bw][region].mean()) > PINHOLE_SOFT:
            out[y:y + bh, x:x + bw] |= region
    return out


def clean_mask(soft: np.ndarray, rgb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The model's mask with only the product: (soft float32, kept-core bool), model grid.

    ``rgb`` is the photo (for its aspect and colours; None: a square photo, no colours).
    Soft values stay where they are joined to the kept core through the model's faint mask
    (thin parts, edges); dropped things and unjoined uncertain regions (ghosts) become 0;
    pinholes become 1.
    """
    s = soft.astype(np.float32)
    aspect = 1.0 if rgb is None else rgb.shape[1] / rgb.shape[0]
    keep, dropped = _select(s, aspect, rgb)
    if not keep.any():
        return np.zeros_like(s), keep
    # Hairlines the model was unsure of, sticking out of the product towards a dropped thing
    # (the back of a turntable's ring passing behind the product).
    spur = np.zeros_like(keep)
    if dropped.any():
        opened = cv2.morphologyEx(keep.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
        spur = keep & ~opened & (s < SPUR)
        if spur.any():
            n = max(s.shape)
            spur &= _grow(dropped, _ellipse(0.02 * n / min(1.0, aspect), 0.02 * n / min(1.0, 1.0 / aspect)))
            keep &= ~spur
    holes = _pinholes(s, keep)
    keep |= holes
    n = max(s.shape)
    sx, sy = min(1.0, aspect), min(1.0, 1.0 / aspect)
    edge = _ellipse(max(2.0, EDGE * n / sx), max(2.0, EDGE * n / sy))
    # Dropped things, their holes included (a checkerboard's dark squares), and a margin.
    filled = np.zeros(s.shape, np.uint8)
    if dropped.any():
        contours, _ = cv2.findContours(dropped.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    near_dropped = _grow(filled, edge)
    faint = ((s > FAINT) & ~near_dropped) | keep
    count, labels = cv2.connectedComponents(faint.astype(np.uint8), connectivity=8)
    attached = np.zeros(count, bool)
    attached[labels[keep]] = True
    attached[0] = False
    band = attached[labels] | _grow(keep, edge)
    band &= keep | ~_grow(dropped, np.ones((3, 3), np.uint8))
    out = np.where(band, s, 0.0).astype(np.float32)
    out[_grow(spur, np.ones((3, 3), np.uint8)) & ~keep] = 0.0
    out[keep] = np.maximum(out[keep], 0.5)
    out[holes] = 1.0
    out[cv2.erode(keep.astype(np.uint8), edge) > 0] = 1.0  # inside the product: decided
    if DECIDE and rgb is not None and max(s.shape) >= DECIDE_GRID:
        out = decide_alpha(out, s, keep, rgb, edge)  # imaging.scene: broad doubt decided
    return out, keep


DECIDE = True
DECIDE_GRID = 512  # only on a fine grid (ISNet): on u2netp's 320 px grid it cost bigbird6 IoU
# --------------------------------------------------------------------------- edges

def _to_alpha(mask: np.ndarray, pivot: float = PIVOT) -> np.ndarray:
    """Soft mask (float32) to uint8 alpha through the contrast curve (``pivot`` -> 0.5)."""
    return cv2.addWeighted(mask, CONTRAST * 255.0, mask, 0.0, 128.0 - CONTRAST * 255.0 * pivot, dtype=cv2.CV_8U)


TILE = 16  # guided filter coefficients are applied at full size in tiles of this many samples


def _guided_upsample(mask: np.ndarray, rgb: np.ndarray, radius_px: float, pivot: float = PIVOT) -> np.ndarray:
    """``mask`` (any grid, float32) to uint8 alpha at the photo's size along the photo's edges.

    The coefficients are computed at a reduced scale (GF_DENSITY samples per ``radius_px /
    GF_R``, at most GF_SIDE), and evaluated at full size only in the tiles where the mask is
    not already certain; elsewhere the mask is simply resized.
    """
    h, w = rgb.shape[:2]
    sub = max(1.0, radius_px / (GF_DENSITY * GF_R), max(h, w) / GF_SIDE)
    lw, lh = max(8, round(w / sub)), max(8, round(h / sub))
    # the guide only steers the edge: its last step bilinear, not area (11 -> 2 ms at 3 MP)
    small_rgb = _shrink(rgb, (lw, lh), cv2.INTER_LINEAR).astype(np.float32) / 255.0
    small_p = cv2.resize(mask.astype(np.float32), (lw, lh), interpolation=cv2.INTER_AREA)
    r = max(2, round(radius_px / sub))
    a, b = guided_filter_coeffs(small_rgb, small_p, r, GF_EPS)
    out = cv2.resize(_to_alpha(mask.astype(np.float32), pivot), (w, h), interpolation=cv2.INTER_LINEAR)
    unsure = (small_p > 0.02) & (small_p < 0.98)
    unsure = cv2.dilate(unsure.astype(np.uint8), np.ones((2 * r + 3, 2 * r + 3), np.uint8))
    fx, fy = w / lw, h / lh  # full-size pixels per sample
    ones = np.ones((1, 3), np.float32)
    for x0, x1, y0, y1 in _unsure_windows(unsure, TILE, (w, h)):
        # Resize (a, b) straight into this window of the photo.
        m = np.float32([[fx, 0, 0.5 * fx - 0.5 - x0], [0, fy, 0.5 * fy - 0.5 - y0]])
        size = (x1 - x0, y1 - y0)
        a_t = cv2.warpAffine(a, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        b_t = cv2.warpAffine(b, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        q = cv2.transform(cv2.multiply(a_t, rgb[y0:y1, x0:x1], scale=1 / 255.0, dtype=cv2.CV_32F), ones)
        out[y0:y1, x0:x1] = _to_alpha(q + b_t, pivot)
    return out


def _unsure_windows(unsure: np.ndarray, tile: int, size: tuple[int, int]):
    """Photo windows (x0, x1, y0, y1), photo size ``size`` (w, h), over the tiles of the
    grid ``unsure`` in which the mask is not yet decided: one window per run of such tiles
    along a tile row (every step in a window is per pixel, so a run gives exactly its tiles'
    pixels, in a fifth of the OpenCV calls)."""
    gh, gw = unsure.shape
    w, h = size
    fx, fy = w / gw, h / gh
    for j, s, e in _tile_runs(unsure, tile):
        ty = j * tile
        yield (round(s * tile * fx), min(w, round(e * tile * fx)),
               round(ty * fy), min(h, round((ty + tile) * fy)))


def refine_alpha(soft: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """The model's soft mask, cleaned and brought to the photo's size along its edges (uint8)."""
    h, w = rgb.shape[:2]
    mask, keep = clean_mask(soft, rgb)
    if not keep.any():
        return np.zeros((h, w), np.uint8)
    return _upsample(mask, rgb)


def _upsample(mask: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = max(h, w) / max(mask.shape)  # photo pixels per model pixel
    if scale >= GUIDED_FROM:
        return _guided_upsample(mask, rgb, GF_R * scale, PIVOT_COARSE)
    return _fine_upsample(mask, rgb)


FINE_R = 1  # photo px: the guided filter's radius on a fine grid's resized edges
FINE_EPS = 1e-3
FINE_TILE = 48  # model px per tile in which the edges are fitted


def _fine_upsample(mask: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """A fine grid's mask (ISNet) to uint8 alpha: resized, then fitted to the photo's edges.

    The model's own edges are finer than a guided filter computed at a reduced scale (that
    cost thin DIS5K structures), so the mask is resized (bicubic) and a guided filter of
    radius FINE_R (3x3 windows, grey guide) at full size then pulls each edge's ramp onto
    the photo's own edge where one lies within a pixel; flat regions keep the resized mask.
    It runs only in the tiles where the mask is not already decided.
    """
    h, w = rgb.shape[:2]
    up = cv2.resize(mask, (w, h), interpolation=FINE_RESIZE)
    out = _to_alpha(up, PIVOT)
    unsure = ((mask > 0.02) & (mask < 0.98)).astype(np.uint8)
    pad = 2 * FINE_R + 2
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) * (1.0 / 255.0)
    for x0, x1, y0, y1 in _unsure_windows(unsure, FINE_TILE, (w, h)):
        py0, py1, px0, px1 = max(0, y0 - pad), min(h, y1 + pad), max(0, x0 - pad), min(w, x1 + pad)
        q = gray_guided_filter(gray[py0:py1, px0:px1], up[py0:py1, px0:px1], FINE_R, FINE_EPS)
        out[y0:y1, x0:x1] = _to_alpha(q[y0 - py0:y1 - py0, x0 - px0:x1 - px0].astype(np.float32, copy=False), PIVOT)
    return out


# --------------------------------------------------------------------------- colour


def _tile_flags(mask: np.ndarray, tile: int) -> np.ndarray:
    """Which ``tile`` x ``tile`` tiles of ``mask`` (HxW, bool or uint8) hold a set pixel, as a
    bool grid (the last row and column of tiles may be partial): all at once, a max over each
    tile's rows, then over its columns."""
    h, w = mask.shape
    ny, nx = -(-h // tile), -(-w // tile)
    padded = np.zeros((ny * tile, nx * tile), np.uint8)
    padded[:h, :w] = mask
    return padded.reshape(ny, tile, nx * tile).max(axis=1).reshape(ny, nx, tile).max(axis=2) > 0


def _tile_runs(mask: np.ndarray, tile: int):
    """(tile row, first tile, tile past the last) for each run of ``_tile_flags`` tiles along a
    tile row: a run starts where a tile is marked and its left neighbour is not."""
    for j, row in enumerate(_tile_flags(mask, tile)):
        if not row.any():
            continue
        edges = np.diff(np.concatenate(([0], row.view(np.int8), [0])))
        for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
            yield j, int(s), int(e)


DECON_TILE = 32  # photo px: the narrow pass runs only in tiles holding partial alpha
_UNIT = np.float32(1.0 / 255.0)


def _unit(x: np.ndarray) -> np.ndarray:
    """uint8 to float32 0..1 in one pass (``x.astype(np.float32) * (1 / 255)``, the same values)."""
    return np.multiply(x, _UNIT, dtype=np.float32)


def _partial_windows(partial: np.ndarray, tile: int, pad: int):
    """Windows over the tiles of ``partial`` (uint8 HxW) that hold a partial pixel, one per run
    of such tiles along a tile row: ((y0, y1, x0, x1) the run, (py0, py1, px0, px1) the run
    with ``pad`` around it, clipped to the array)."""
    h, w = partial.shape
    for ty, s, e in _tile_runs(partial, tile):
        y0, y1 = ty * tile, min(h, (ty + 1) * tile)
        x0, x1 = s * tile, min(w, e * tile)
        yield (y0, y1, x0, x1), (max(0, y0 - pad), min(h, y1 + pad), max(0, x0 - pad), min(w, x1 + pad))


def decontaminate(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The photo with foreground colours estimated where alpha is partial (uint8 RGB).

    Blur-fusion (Forte & Pitie 2021): a wide pass (done at a quarter size) estimates the
    local foreground and background colours, a narrow pass at full size refines them, and
    each edge pixel's colour becomes F from I = aF + (1 - a)B. Pixels with alpha 0 or 255
    are returned unchanged, so the product's body is never altered. The narrow pass runs
    only in the tiles that hold partial pixels (their radius around them): the edge band,
    not the whole crop.
    """
    partial = cv2.inRange(alpha, 1, 254)
    bx, by, bw, bh = cv2.boundingRect(partial)
    if bw == 0:
        return rgb.copy()
    h, w = alpha.shape
    wide = max(8, round(0.04 * max(h, w)))
    pad = wide + 8
    y0, y1 = max(0, by - pad), min(h, by + bh + pad)
    x0, x1 = max(0, bx - pad), min(w, bx + bw + pad)
    crop_rgb, crop_a = rgb[y0:y1, x0:x1], alpha[y0:y1, x0:x1]
    ch, cw = crop_a.shape
    # Wide pass at a quarter size: local mean colours of the product and of the background.
    # Whole 4x4 blocks (OpenCV's fast area path; the rows and columns past the last block take
    # the edge's means): at the ratio cw / (cw // 4) the two resizes took 11 ms a photo.
    k = 4 if min(ch, cw) >= 4 else 1
    small_i = _unit(block_mean(crop_rgb, k))
    small_a = _unit(block_mean(crop_a, k))
    r1 = max(2, wide // k)
    blur_a = box_blur(small_a, r1, cv2.BORDER_REPLICATE)[..., None]
    mean_f = box_blur(small_i * small_a[..., None], r1, cv2.BORDER_REPLICATE) / (blur_a + 1e-5)
    mean_b = box_blur(small_i * (1 - small_a[..., None]), r1, cv2.BORDER_REPLICATE) / (1 - blur_a + 1e-5)
    # Narrow pass at full size, in the edge band only. Where alpha is 1, F is the photo;
    # where 0, F*a is 0.
    r2 = 3
    edge = cv2.BORDER_REPLICATE
    out = rgb.copy()
    rgb_flat, alpha_flat, out_flat = rgb.reshape(h * w, 3), alpha.reshape(h * w), out.reshape(h * w, 3)
    crop_partial = partial[y0:y1, x0:x1]
    for (ty0, ty1, tx0, tx1), (py0, py1, px0, px1) in _partial_windows(crop_partial, DECON_TILE, r2):
        ww, ww_h = px1 - px0, py1 - py0
        # the wide pass's means, brought to full size in this window only (a bilinear upsize
        # of the whole crop cost more than the narrow pass): the resize's sample positions
        m = np.float32([[k, 0, 0.5 * k - 0.5 - px0], [0, k, 0.5 * k - 0.5 - py0]])
        mf_w, mb_w = (cv2.warpAffine(mean, m, (ww, ww_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                      for mean in (mean_f, mean_b))
        # The window's partial pixels by flat index (gathers by index are several times faster
        # than boolean masks): in the window, in the crop and in the photo.
        idx = np.flatnonzero(crop_partial[py0:py1, px0:px1])
        iy, ix = np.divmod(idx, ww)
        in_photo = (iy + (py0 + y0)) * w + (ix + (px0 + x0))
        a_p = np.take(alpha_flat, in_photo).astype(np.float32)[:, None] * (1.0 / 255.0)
        i_p = np.take(rgb_flat, in_photo, axis=0).astype(np.float32) * (1.0 / 255.0)
        mf_p = np.take(mf_w.reshape(-1, 3), idx, axis=0)
        f_p = np.clip(mf_p + a_p * (i_p - a_p * mf_p - (1 - a_p) * np.take(mb_w.reshape(-1, 3), idx, axis=0)), 0, 1)
        # Narrow pass in the window. Where alpha is 1, F is the photo; where 0, F*a is 0.
        i_w = _unit(rgb[y0 + py0:y0 + py1, x0 + px0:x0 + px1])
        a_w = _unit(alpha[y0 + py0:y0 + py1, x0 + px0:x0 + px1])
        fa = cv2.multiply(i_w, cv2.merge([a_w, a_w, a_w]))
        fa.reshape(-1, 3)[idx] = f_p * a_p
        inv = 1.0 - a_w
        ba = cv2.multiply(mb_w, cv2.merge([inv, inv, inv]))
        # Only the pixels in the window's own tiles (its margin is there for the blur's radius).
        inner = np.flatnonzero((iy >= ty0 - py0) & (iy < ty1 - py0) & (ix >= tx0 - px0) & (ix < tx1 - px0))
        at = idx[inner]
        near_f = (np.take(box_blur(fa, r2, edge).reshape(ww_h * ww, 3), at, axis=0)
                  / (np.take(box_blur(a_w, r2, edge).reshape(-1), at)[:, None] + 1e-5))
        near_b = (np.take(box_blur(ba, r2, edge).reshape(ww_h * ww, 3), at, axis=0)
                  / (np.take(box_blur(inv, r2, edge).reshape(-1), at)[:, None] + 1e-5))
        a_p, i_p = a_p[inner], i_p[inner]
        f_p = np.clip(near_f + a_p * (i_p - a_p * near_f - (1 - a_p) * near_b), 0, 1)
        out_flat[in_photo[inner]] = (f_p * 255.0 + 0.5).astype(np.uint8)
    return out


# --------------------------------------------------------------------------- touch-up

TOUCH_SIDE = 512  # GrabCut runs at most this size
TOUCH_ITERATIONS = 3
# A stroke changes the cut only this near it (share of the photo's longer side), besides a separate
# part it strikes out whole: one stroke cannot pull in (or drop) a region far from where it was drawn.
TOUCH_REACH = 0.12


def touch_up(rgb: np.ndarray, alpha: np.ndarray, keep: np.ndarray | None = None,
             remove: np.ndarray | None = None) -> np.ndarray:
    """A new alpha after the user's "keep" (pertahankan) and "remove" (hapus) strokes.

    GrabCut at a reduced scale, seeded with the current cutout as probable labels and the
    strokes as certain ones. A separate part of the cutout that a "remove" stroke touches
    (and no "keep" stroke) goes whole, however little of it was brushed. Where the new cut
    agrees with the old one the old alpha is kept (soft edges stay); changed regions get
    their edges fitted to the photo again. Stroke pixels are 255 / 0 in any case. Nothing
    farther than ``TOUCH_REACH`` from a stroke changes (but a struck-out separate part).
    """
    h, w = alpha.shape
    keep = np.zeros((h, w), bool) if keep is None else keep.astype(bool)
    remove = np.zeros((h, w), bool) if remove is None else remove.astype(bool) & ~keep
    if not keep.any() and not remove.any():
        return alpha.copy()
    sub = max(1.0, max(h, w) / TOUCH_SIDE)
    lw, lh = max(8, round(w / sub)), max(8, round(h / sub))
    small = _shrink(rgb, (lw, lh))
    a = cv2.resize(alpha, (lw, lh), interpolation=cv2.INTER_AREA)
    k = cv2.resize(keep.astype(np.uint8), (lw, lh), interpolation=cv2.INTER_NEAREST) > 0
    k |= cv2.resize(keep.astype(np.uint8) * 255, (lw, lh), interpolation=cv2.INTER_AREA) > 0
    rm = cv2.resize(remove.astype(np.uint8) * 255, (lw, lh), interpolation=cv2.INTER_AREA) > 0
    rm &= ~k
    fg = a > 127
    # A separate part struck out goes whole.
    count, labels = cv2.connectedComponents(fg.astype(np.uint8), connectivity=8)
    if count > 2 and rm.any():
        struck = np.zeros(count, bool)
        struck[labels[rm & fg]] = True
        kept = np.zeros(count, bool)
        kept[labels[k & fg]] = True
        areas = np.bincount(labels.ravel(), minlength=count)
        areas[0] = 0
        whole = struck & ~kept
        whole[0] = False
        whole[int(np.argmax(areas))] = False  # the main part is cut by colour, not dropped
        fg &= ~whole[labels]
    gc = np.where(fg, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    margin = max(2, round(0.03 * max(lw, lh)))
    ring = _ellipse(margin, margin)
    stroke_zone = cv2.dilate((k | rm).astype(np.uint8), _ellipse(3 * margin, 3 * margin)) > 0
    sure_fg = (cv2.erode((a > 250).astype(np.uint8), ring) > 0) & fg & ~stroke_zone
    sure_bg = (cv2.dilate(fg.astype(np.uint8), _ellipse(2 * margin, 2 * margin)) == 0) & ~stroke_zone
    gc[sure_fg] = cv2.GC_FGD
    gc[sure_bg] = cv2.GC_BGD
    gc[k] = cv2.GC_FGD
    gc[rm] = cv2.GC_BGD
    if (gc == cv2.GC_FGD).any() or (gc == cv2.GC_PR_FGD).any():
        try:
            cv2.grabCut(np.ascontiguousarray(small[..., ::-1]), gc, None, np.zeros((1, 65)), np.zeros((1, 65)),
                        TOUCH_ITERATIONS, cv2.GC_INIT_WITH_MASK)
        except cv2.error:  # one of the classes is empty: nothing for GrabCut to learn from
            pass
    new = ((gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)).astype(np.float32)
    new = cv2.morphologyEx(new, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    reach_r = max(2 * margin, round(TOUCH_REACH * max(lw, lh)))
    reach = cv2.dilate((k | rm).astype(np.uint8), _ellipse(reach_r, reach_r)) > 0
    new = np.where(reach, new, fg.astype(np.float32))  # far from every stroke: the cut as it was
    # Edges of the new cut, fitted to the photo; the old alpha where nothing changed.
    refit = _guided_upsample(new, rgb, max(2.0, 2.0 * sub))
    changed = cv2.resize((new > 0.5) != (a > 127).astype(bool), (w, h), interpolation=cv2.INTER_NEAREST)
    changed = cv2.dilate(changed.astype(np.uint8), _ellipse(2 * sub, 2 * sub)) > 0
    out = np.where(changed, refit, alpha).astype(np.uint8)
    out[keep] = 255
    out[remove] = 0
    return out


# --------------------------------------------------------------------------- hands

HAND_SCORE = 0.5  # detect_hand's threshold on hand_score
HAND_FULL = 0.15  # hand_score is 1 when the hand is this share of the cutout

def hand_mask(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The hand or arm in the cutout (bool, photo size): ``imaging.skin.find_hand``."""
    h, w = alpha.shape
    hand, _ = _hand_small(rgb, alpha)
    return cv2.resize(hand.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0


def _hand_small(rgb: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``hand_mask`` and the product's mask at the scale the search runs at (``skin.search_copy``)."""
    small, small_alpha, _ = skin.search_copy(rgb, alpha)
    product = small_alpha > 127
    found = skin.find_hand(small, product)
    return found.mask & product, product


def hand_score(rgb: np.ndarray, alpha: np.ndarray) -> float:
    """0..1: how much the cutout looks like it includes a hand holding the product.

    The part of the cutout that ``imaging.skin.find_hand`` calls a hand, full score at
    15 % of the cutout. It is a hint to check, not a verdict.
    """
    hand, product = _hand_small(rgb, alpha)  # measured where it is found: no full-size masks
    total = int(product.sum())
    if total == 0:
        return 0.0
    share = float(hand.sum()) / total
    return float(np.clip(share / HAND_FULL, 0.0, 1.0))


def detect_hand(rgb: np.ndarray, alpha: np.ndarray) -> bool:
    """Whether ``hand_score`` reaches ``HAND_SCORE``."""
    return hand_score(rgb, alpha) >= HAND_SCORE


def notices(rgb: np.ndarray, alpha: np.ndarray) -> list[tuple[str, dict]]:
    """User-facing findings about a cutout: ``(string key, params)`` for ``assistant.i18n.t``."""
    found = []
    if not (alpha > 127).any():
        found.append(("cutout_empty", {}))
        return found
    score = hand_score(rgb, alpha)
    if score >= HAND_SCORE:
        found.append(("cutout_hand_detected", {"percent": round(100 * score)}))
    return found


# --------------------------------------------------------------------------- the whole cut

HELD_OVERRULES = True  # a hand found holding the product overrules the pile / display judgement
# What ``cut`` says when it keeps the photo whole (``scene_kind``'s two kinds; ``busy_scene``'s too)
UNCUT_NOTICES = ("realphoto_pile_uncut", "realphoto_fragment_uncut")

BUSY_SIDE = 256  # the photo's long side at which its edges are counted
BUSY_STEP = 40  # a Sobel gradient of this many levels is an edge (a step of about 10 levels)
BUSY_EDGES = 0.1  # a photo with at least this share of edge pixels shows a scene, not a blank


def busy_scene(rgb: np.ndarray) -> bool:
    """Whether the photo shows a scene (shelves, a display, a pile) rather than a blank: the
    share of its pixels on an edge. 300 grocery_phone shop photos measure 0.27-0.82 (the three
    displays in which the model found nothing 0.63-0.82); a plain wall, paper or a dark frame,
    JPEG noise and a gradient included, measures 0."""
    h, w = rgb.shape[:2]
    s = BUSY_SIDE / max(h, w)
    small = _shrink(rgb, (max(1, round(w * s)), max(1, round(h * s)))) if s < 1 else rgb
    grey = cv2.GaussianBlur(cv2.cvtColor(np.ascontiguousarray(small), cv2.COLOR_RGB2GRAY), (3, 3), 0)
    gx, gy = cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)
    return float((cv2.magnitude(gx, gy) > BUSY_STEP).mean()) >= BUSY_EDGES


@dataclass(frozen=True)
class Cut:
    """What ``cut`` made of one photo: the alpha, the photo (fingers at the product's edge
    painted over, or the same array), findings as ``(i18n key, params)``, and ``uncut``: the
    scene is a pile or display whose outline is not reliable, so the photo is kept whole."""

    alpha: np.ndarray
    rgb: np.ndarray
    notices: tuple[tuple[str, dict], ...]
    uncut: bool = False
    scene: dict | None = None
    hand: np.ndarray | None = None  # uint8, 255 where the hand holding the product was found


def cut(soft: np.ndarray, rgb: np.ndarray) -> Cut:
    """The pipeline's cut: ``refine_alpha`` with the scene judged and the hand taken away.

    A pile or display whose outline the model is unsure of (``scene_kind``), a small
    unsure fragment of something larger, or a busy photo in which the model keeps nothing
    (``busy_scene``: a display filling the frame) is not cut: the photo is kept whole, cropped to a
    square (``uncut_alpha``), and a notice says why and how to retake it. Otherwise the
    hand holding the product is removed (``remove_hand``); notices say that it was, or that
    fingers cover part of the product, or that one is left.
    """
    h, w = rgb.shape[:2]
    mask, keep = clean_mask(soft, rgb)
    if not keep.any():
        if busy_scene(rgb):  # a display filling the frame: nothing in it stands out as one product
            return Cut(uncut_alpha((h, w)), rgb, (("realphoto_fragment_uncut", {}),), uncut=True)
        return Cut(np.zeros((h, w), np.uint8), rgb, (("cutout_empty", {}),))
    stats = scene_stats(soft.astype(np.float32), keep)
    # Judged on ISNet's fine grid only: u2netp's confidence on thin products (a tripod, a cart,
    # a dental chair in DIS5K) is as low as a display's, and those were kept whole.
    kind = scene_kind(dict(stats, busy=busy_scene(rgb))) if max(soft.shape) >= DECIDE_GRID else None
    alpha = _upsample(mask, rgb)
    found: list[tuple[str, dict]] = []
    before = alpha
    cut_alpha, cut_rgb, hand, covers = remove_hand(rgb, alpha)
    if kind is not None and (hand is None or not HELD_OVERRULES):
        return Cut(uncut_alpha((h, w)), rgb, ((f"realphoto_{kind}_uncut", {}),), uncut=True, scene=stats)
    # A product held up in a hand is one product, however unsure the model is of it: not a display.
    alpha, rgb = cut_alpha, cut_rgb
    if hand is not None:
        if covers > FACE_COVER:
            found.append(("realphoto_fingers_cover", {"percent": round(100 * covers)}))
        else:
            found.append(("realphoto_hand_removed", {}))
        left = hand_left(rgb, before, alpha, hand)
        if left >= HAND_LEFT:
            found.append(("realphoto_hand_left", {"percent": round(100 * left)}))
    alpha = fill_pale_holes(alpha, rgb)  # imaging.scene: the model's doubt inside the product, decided
    if max(soft.shape) >= DECIDE_GRID:  # ... and the pale leftovers by its edge (on u2netp's coarse
        alpha = drop_unsure_fringe(drop_pale_leftovers(alpha), soft, rgb)  # grid a cart's or a trolley's thin parts: DIS5K IoU fell)
    return Cut(alpha, rgb, tuple(found), scene=stats, hand=None if hand is None else hand_at(hand, (w, h)))


def hand_at(hand: skin.Hand, size: tuple[int, int]) -> np.ndarray:
    """The hand ``find_hand`` found on the search copy, with its fringe (two pixels there), at the
    photo's ``size`` (w, h): uint8, 255 = hand."""
    grown = cv2.dilate(hand.mask.astype(np.uint8), np.ones((5, 5), np.uint8))
    return cv2.resize(grown * 255, size, interpolation=cv2.INTER_NEAREST)
