"""Decided alpha and the scene's judgement, for the cutout (issue 16).

``decide_alpha`` turns the model's broad half-transparent regions into product or
background (a carton never comes out milky, ghosts of the shelf are dropped, glass stays
see-through). ``scene_stats`` / ``scene_kind`` tell one product from a pile or display whose
outline the model is unsure of; ``uncut_alpha`` keeps such a photo whole, cropped square.
Pure numpy/OpenCV on the model's grid; nothing here reads files or imports a stage.
"""

from __future__ import annotations

import cv2
import numpy as np

from assistant.imaging.filters import ellipse as _ellipse
from assistant.imaging.filters import shrink as _shrink

BROAD = 0.008  # uncertain regions wider than this share of the grid are judged, not kept soft
SEE_THROUGH = 0.2  # a region enclosed by the product whose colours are at most this product-like is see-through
GHOST_LIKE = 0.5  # a region outside the product's outline at most this product-like is a ghost
DECIDE_SIDE = 320  # the colour models are built at most this size
NARROW = 0.012  # doubt narrower than this share of the grid inside the product is a crevice: opaque ...
NARROW_SOLID = 0.75  # ... where at least this share around it (4x as wide) is solid (not a cart's mesh)
NARROW_INSIDE = 0.9  # ... or, away from a region decided opaque, this share
ROUND_SOLID = 0.95  # a part filling this share of its convex hull ...
ROUND_BOX = 0.835  # ... and at most this share of its rotated box (a disc: pi/4 = 0.785, a box: 1) is round
ROUND_PART = 0.1  # parts of a group count from this share of it


def _hist3(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    hist = cv2.calcHist([rgb], [0, 1, 2], mask.astype(np.uint8), [16, 16, 16], [0, 256] * 3)
    return hist / max(float(hist.sum()), 1.0)


def decide_alpha(out: np.ndarray, s: np.ndarray, keep: np.ndarray, rgb: np.ndarray,
                 edge: np.ndarray) -> np.ndarray:
    """Decided alpha: broad half-transparent regions become product or background
    (``_decide_broad``), and narrow doubt inside the product, the crevices of a pile and the
    folds of a carton, becomes product (``close_narrow``): left soft, they came out as pale
    lines through the product. Regions judged see-through keep the model's alpha."""
    out, clear, opaque = _decide_broad(out, s, keep, rgb, edge)
    return close_narrow(out, keep, edge, clear, opaque)


def close_narrow(out: np.ndarray, keep: np.ndarray, edge: np.ndarray, clear: np.ndarray | None = None,
                 opaque: np.ndarray | None = None) -> np.ndarray:
    """Half-transparent alpha inside the product (what is kept or decided opaque, closed over
    gaps narrower than ``NARROW`` of the grid, away from its outer edge, where the model's ramp
    is the real edge), not in a see-through region (``clear``), becomes opaque: the seams where
    a decided region meets the kept core, the crevices of a pile."""
    gh, gw = out.shape
    r = max(2, round(NARROW * max(gh, gw) / 2))
    solid = (keep | (out >= 0.5)).astype(np.uint8)
    closed = cv2.morphologyEx(solid, cv2.MORPH_CLOSE, _ellipse(r, r))
    narrow = (cv2.erode(closed, edge) > 0) & (out > 0.02) & (out < 0.98)
    # Thin structures (a chair's legs, a cart's mesh) have narrow gaps too: only where the
    # product around is solid (the seams of a carton, a pile's crevices).
    density = cv2.blur(solid.astype(np.float32), (8 * r + 1, 8 * r + 1))
    inside = narrow & (density >= NARROW_INSIDE)
    maybe = narrow & ~inside & (density >= NARROW_SOLID)  # solid enough only beside a decided region
    narrow = inside
    if opaque is not None and maybe.any():
        ys, xs = np.nonzero(maybe)  # the decided region's neighbourhood, only where it matters
        m = 2 * r + 1
        y0, y1, x0, x1 = max(0, ys.min() - m), ys.max() + m + 1, max(0, xs.min() - m), xs.max() + m + 1
        near = cv2.dilate(opaque[y0:y1, x0:x1].astype(np.uint8), _ellipse(2 * r, 2 * r)) > 0
        narrow[y0:y1, x0:x1] |= maybe[y0:y1, x0:x1] & near
    if clear is not None:
        narrow &= ~clear
    if not narrow.any():
        return out
    out = out.copy()
    out[narrow] = 1.0
    return out


def round_parts(blob: np.ndarray) -> list[np.ndarray] | None:
    """The parts of a group of round things (bool masks), or None when ``blob`` is not one.

    The blob's cores (where it is deepest: its distance transform above a share of its
    maximum) split it into parts, each the blob's pixels nearest to one core; it is a group
    of round things when at least two parts of ``ROUND_PART`` of it are left and every one is
    solid (``ROUND_SOLID``) and round rather than boxy (``ROUND_BOX`` of its rotated box): two
    melons side by side, not a carton pinched where fingers held it. The notch between
    them is where they meet, not a part torn away."""
    b8 = blob.astype(np.uint8)
    total = int(b8.sum())
    if total == 0:
        return None
    dist = cv2.distanceTransform(b8, cv2.DIST_L2, 5)
    for share in (0.4, 0.5, 0.6, 0.7, 0.8):
        core = (dist > share * float(dist.max())).astype(np.uint8)
        count, cores = cv2.connectedComponents(core, connectivity=8)
        if count <= 2:
            continue
        _, nearest = cv2.distanceTransformWithLabels(1 - core, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_CCOMP)
        # nearest labels the zero pixels of (1 - core), i.e. the cores: map them to the core's id
        lut = np.zeros(int(nearest.max()) + 1, np.int32)
        lut[nearest[core > 0]] = cores[core > 0]
        owner = np.where(blob, lut[nearest], 0)
        sizes = np.bincount(owner.ravel(), minlength=count)
        big = [j for j in range(1, count) if sizes[j] >= ROUND_PART * total]
        if len(big) < 2:
            continue
        parts = [owner == j for j in big]
        return parts if all(_round(p) for p in parts) else None
    return None


def _round(part: np.ndarray) -> bool:
    pts = cv2.findNonZero(part.astype(np.uint8))
    hull = cv2.contourArea(cv2.convexHull(pts))
    (_, _), (rw, rh), _ = cv2.minAreaRect(pts)
    return float(part.sum()) >= ROUND_SOLID * max(hull, 1.0) and hull <= ROUND_BOX * max(rw * rh, 1.0)


def _decide_broad(out: np.ndarray, s: np.ndarray, keep: np.ndarray, rgb: np.ndarray,
                  edge: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Broad half-transparent regions become product or background; returns the alpha, the
    regions judged see-through and those made opaque (None: nothing decided).

    Soft values stay along the product's edge (the model's ramp, within ``edge``) and in
    thin parts. A broad uncertain region (wider than ``BROAD`` of the grid) is the model's
    doubt, not transparency, unless it really is see-through. It is judged by colour
    (16^3 histograms of the sure product and the sure background) on a grid of at most
    ``DECIDE_SIDE`` px: product-coloured -> opaque (a carton never comes out milky);
    background-coloured and enclosed by the product -> see-through (glass, clear plastic:
    the model's alpha stays); background-coloured elsewhere -> a ghost, dropped.
    """
    gh, gw = out.shape
    k8 = keep.astype(np.uint8)
    inner_full = cv2.erode(k8, edge)
    undecided_full = (out > 0.02) & (out < 0.98) & ~((cv2.dilate(k8, edge) > 0) & (inner_full == 0))
    if not undecided_full.any():
        return out, None, None
    sub = max(1.0, max(gh, gw) / DECIDE_SIDE)
    lw, lh = max(8, round(gw / sub)), max(8, round(gh / sub))

    def small(m: np.ndarray) -> np.ndarray:
        return cv2.resize(m.astype(np.uint8), (lw, lh), interpolation=cv2.INTER_NEAREST) > 0

    undecided = small(undecided_full)
    r = max(1, round(BROAD * max(lw, lh) / 2))
    broad = cv2.morphologyEx(undecided.astype(np.uint8), cv2.MORPH_OPEN, _ellipse(r, r))
    if not broad.any():
        return out, None, None
    s_small = cv2.resize(s, (lw, lh), interpolation=cv2.INTER_AREA)
    keep_small = small(keep)
    small_rgb = _shrink(rgb, (lw, lh)) if rgb.shape[0] >= lh and rgb.shape[1] >= lw \
        else cv2.resize(rgb, (lw, lh), interpolation=cv2.INTER_LINEAR)
    e = max(1, round(r))
    sure_fg = small(inner_full) | (s_small > 0.95)
    sure_bg = (s_small < 0.05) & ~(cv2.dilate(keep_small.astype(np.uint8), _ellipse(e, e)) > 0)
    if sure_fg.sum() < 20 or sure_bg.sum() < 20:
        return out, cv2.resize(broad, (gw, gh), interpolation=cv2.INTER_NEAREST) > 0, None
    fg_h, bg_h = _hist3(small_rgb, sure_fg), _hist3(small_rgb, sure_bg)
    idx = (small_rgb // 16).astype(np.intp)
    product_like = fg_h[idx[..., 0], idx[..., 1], idx[..., 2]] > bg_h[idx[..., 0], idx[..., 1], idx[..., 2]]
    filled = np.zeros((lh, lw), np.uint8)
    contours, _ = cv2.findContours(keep_small.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    count, labels = cv2.connectedComponents(broad, connectivity=8)
    sizes = np.maximum(np.bincount(labels.ravel(), minlength=count), 1)
    like = np.bincount(labels.ravel(), weights=product_like.ravel().astype(np.float64), minlength=count) / sizes
    enclosed = np.bincount(labels.ravel(), weights=filled.ravel().astype(np.float64), minlength=count) / sizes
    decision = np.zeros(count, np.uint8)  # 0 leave, 1 opaque, 2 ghost
    inside = enclosed[1:] >= 0.9
    # Products are rarely see-through: inside the outline a region is opaque unless its
    # colours are clearly the background's; outside it is a ghost unless clearly product.
    decision[1:][np.where(inside, like[1:] > SEE_THROUGH, like[1:] > GHOST_LIKE)] = 1
    decision[1:][~inside & (like[1:] <= GHOST_LIKE)] = 2
    # Each region with the soft fringe around it (grown by r), back on the model's grid.
    grown = cv2.dilate(decision[labels], _ellipse(r + 1, r + 1))
    grown = np.maximum(decision[labels], grown).astype(np.uint8)
    full = cv2.resize(grown, (gw, gh), interpolation=cv2.INTER_NEAREST)
    out = out.copy()
    # An opaque region takes the soft ring along the product's inside with it (not the
    # product's outer edge: that ramp is the model's real edge).
    outline = np.zeros((gh, gw), np.uint8)
    contours, _ = cv2.findContours(k8, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(outline, contours, -1, 1, thickness=cv2.FILLED)
    inner_ring = (out > 0.02) & (out < 0.98) & (cv2.erode(outline, edge) > 0)
    out[(full == 1) & (undecided_full | inner_ring)] = 1.0
    out[(full == 2) & undecided_full] = 0.0
    left = cv2.dilate(((decision[labels] == 0) & (labels > 0)).astype(np.uint8), _ellipse(r + 1, r + 1))
    return out, cv2.resize(left, (gw, gh), interpolation=cv2.INTER_NEAREST) > 0, full == 1


PILE_UNSURE = 0.35  # broad uncertain model mass beyond the edge, as a share of the kept product ...
PILE_FRAGMENTS = 3  # ... or this many sizeable kept parts ...
PILE_SIDES = 2  # ... with the product touching this many sides of the frame: a pile, a display
FRAGMENT_SHARE = 0.12  # a kept product smaller than this share of the frame ...
FRAGMENT_UNSURE = 0.25  # ... with this much doubt around it, while the model is unsure of it
FRAGMENT_CONF = 0.85  # (its mean confidence below this), is a fragment of something larger;
FRAGMENT_DOUBT = 1.0  # so is one with more doubt around it than itself, however sure
PILE_CONF = 0.75  # a large kept region with a mean confidence below this is a display ...
PILE_CONF_UNSURE = 0.8  # ... or below this with FRAGMENT_UNSURE doubt around it


def scene_stats(soft: np.ndarray, keep: np.ndarray) -> dict:
    """How sure the model is of one product (on a grid of at most ``DECIDE_SIDE`` px):
    ``kept`` (share of the frame), ``unsure`` (broad uncertain mass beyond the product's
    edge, per kept pixel), ``parts`` (kept parts of at least 3 % of the product), ``sides``
    (frame sides the product touches)."""
    gh, gw = soft.shape
    sub = max(1.0, max(gh, gw) / DECIDE_SIDE)
    lw, lh = max(8, round(gw / sub)), max(8, round(gh / sub))
    soft = cv2.resize(soft, (lw, lh), interpolation=cv2.INTER_AREA)
    keep = cv2.resize(keep.astype(np.uint8), (lw, lh), interpolation=cv2.INTER_NEAREST) > 0
    n = max(lw, lh)
    kept = int(keep.sum())
    if kept == 0:
        return {"kept": 0.0, "unsure": 1.0, "parts": 0, "sides": 0}
    r = max(1, round(0.006 * n))
    near = cv2.dilate(keep.astype(np.uint8), _ellipse(r, r)) > 0
    # Inside the product's own outline it is the product's (see-through glass), not doubt.
    filled = np.zeros(keep.shape, np.uint8)
    contours, _ = cv2.findContours(keep.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    doubt = (soft > 0.15) & (soft < 0.85) & ~near & (filled == 0)
    doubt = cv2.morphologyEx(doubt.astype(np.uint8), cv2.MORPH_OPEN, _ellipse(r, r)) > 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(keep.astype(np.uint8), connectivity=8)
    parts = int((stats[1:, cv2.CC_STAT_AREA] >= 0.03 * kept).sum())
    e = max(1, round(0.01 * n))
    sides = int(keep[:e].any()) + int(keep[-e:].any()) + int(keep[:, :e].any()) + int(keep[:, -e:].any())
    doubt_sides = int(doubt[:e].any()) + int(doubt[-e:].any()) + int(doubt[:, :e].any()) + int(doubt[:, -e:].any())
    return {"kept": kept / keep.size, "unsure": float(soft[doubt].sum()) / kept, "parts": parts, "sides": sides,
            "conf": float(soft[keep].mean()), "doubt_sides": doubt_sides}


def scene_kind(stats: dict) -> str | None:
    """"pile" (many things or a display, outline not reliable), "fragment" (a small unsure
    part of something larger) or None (one product, or a group with a reliable outline)."""
    if stats["kept"] == 0:
        return None
    conf = stats.get("conf", 1.0)
    if stats["sides"] >= PILE_SIDES and (stats["unsure"] >= PILE_UNSURE or stats["parts"] >= PILE_FRAGMENTS):
        return "pile"
    if stats["kept"] >= FRAGMENT_SHARE and (conf < PILE_CONF or (conf < PILE_CONF_UNSURE
                                                                 and stats["unsure"] >= FRAGMENT_UNSURE)):
        return "pile"  # a large region the model is not sure of inside: a display, not one product
    if stats["kept"] < FRAGMENT_SHARE and stats.get("doubt_sides", 4) >= 1 and (
            stats["unsure"] >= FRAGMENT_DOUBT or (stats["unsure"] >= FRAGMENT_UNSURE and conf < FRAGMENT_CONF)):
        return "fragment"  # the doubt spreads to the frame's edge: a display, not a prop beside the product
    return None


def uncut_alpha(shape: tuple[int, int]) -> np.ndarray:
    """The photo kept whole: alpha 255 over its centred largest square, 0 outside."""
    h, w = shape
    side = min(h, w)
    alpha = np.zeros((h, w), np.uint8)
    y0, x0 = (h - side) // 2, (w - side) // 2
    alpha[y0:y0 + side, x0:x0 + side] = 255
    return alpha
