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
from assistant.imaging.masks import components
from assistant.imaging.skin import skin_mask

BROAD = 0.008  # uncertain regions wider than this share of the grid are judged, not kept soft
SEE_THROUGH = 0.2  # a region enclosed by the product whose colours are at most this product-like is see-through
GHOST_LIKE = 0.5  # a region outside the product's outline at most this product-like is a ghost
DECIDE_SIDE = 320  # the colour models are built at most this size
NARROW = 0.012  # doubt narrower than this share of the grid inside the product is a crevice: opaque ...
NARROW_SOLID = 0.75  # ... where at least this share around it (4x as wide) is solid (not a cart's mesh)
NARROW_INSIDE = 0.9  # ... or, away from a region decided opaque, this share
HOLE_LEVELS = (128, 250)  # a hole: less opaque than this, enclosed by the product (holes, then specks)
HOLE_PRODUCT = 0.95  # only in a solid product: this share of its outline opaque (a chair, a cart: < 0.93)
HOLE_MAX = 0.03  # a hole in the product up to this share of it, half-believed, is the model's doubt: filled ...
HOLE_CLEAR = 1 / 3  # ... unless this share of it is clear (alpha < 5 %: a real gap, between fruit, a handle)
HOLE_RIM = 0.006  # ... with its soft rim this share of the photo wide
HOLE_SAME = 8.0  # ... or clear but within this CIELAB distance of the product's colour around it
HOLE_DENSE = 0.9  # ... where this share of the ring around it is solid product (not a mesh)
HOLE_SKIN = 0.3  # ... or this share of it is skin-coloured (fingers over the face: not shown again)
HOLE_SIDE = 640  # holes are judged on a copy at most this long (a 3 MP alpha took 70-660 ms a photo)
ROUND_SOLID = 0.95  # a part filling this share of its convex hull ...
ROUND_BOX = 0.835  # ... and at most this share of its rotated box (a disc: pi/4 = 0.785, a box: 1) is round
ROUND_PART = 0.1  # parts of a group count from this share of it
STRAY_SHARE = 0.03  # a separate solid piece of the cutout this share of the product (a shelf's bit) ...
STRAY_APART = 0.06  # ... or one from STRAY_MIN lying this far from it (share of the long side; the
STRAY_MIN = 0.005  # selection keeps a cap or a tag within 0.04, cutout.BIT_GAP) is not part of it
STRAY_OTHER = 1 / 3  # a piece this share of the product is a second product (checks' multiple_products)


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


def fill_pale_holes(alpha: np.ndarray, rgb: np.ndarray | None = None) -> np.ndarray:
    """Holes in the product (uint8 ``alpha``) that are the model's doubt become opaque. A hole
    enclosed by the solid product and at most ``HOLE_MAX`` of it (a glass's window is larger)
    is doubt when it is mostly pale (under ``HOLE_CLEAR`` of it below 5 % alpha), or, with the
    photo (``rgb``, same size), when it is clear but coloured like the product around it
    (within ``HOLE_SAME`` CIELAB: a patch of ginger the model dropped; the gap between two
    melons shows the shelf). A hole mostly skin-coloured (``HOLE_SKIN``: fingers that lay over
    the face) stays a hole: nothing is shown that the hand hid. Only in a solid product
    (``HOLE_PRODUCT`` of its outline opaque): a chair's back, a cart's mesh or a glass keep
    their holes."""
    h, w = alpha.shape
    scale = HOLE_SIDE / max(h, w)
    if scale >= 1:
        return _fill_pale_holes_here(alpha, rgb)
    # Judged on a small copy, applied at full size: the holes are blobs of doubt tens of pixels
    # wide, every threshold is a share of the product or the photo, and the cost at 3 MP was
    # most of the time after the model. The fill is written only inside the product's outline.
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = _shrink(alpha, size)
    filled = _fill_pale_holes_here(small, rgb)  # the photo at full size: see _fill_holes
    if filled is small:
        return alpha
    fill = cv2.resize((filled > small).astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    out = alpha.copy()
    out[fill & (_outline(alpha) > 0)] = 255
    return out


def _fill_pale_holes_here(alpha: np.ndarray, rgb: np.ndarray | None) -> np.ndarray:
    """``fill_pale_holes`` at the alpha's own size (``alpha`` itself when nothing is filled);
    ``rgb`` is the photo at that size or larger, or None."""
    if _solid_share(alpha) < HOLE_PRODUCT:
        return alpha  # a frame, a mesh, a glass: its holes are real
    out = alpha
    for level in HOLE_LEVELS:  # the holes, then the pale specks left in the product
        out, rgb = _fill_holes(out, rgb, level)
    return out


def _outline(alpha: np.ndarray) -> np.ndarray:
    """The largest outline of the solid product (alpha > 50 %), filled (uint8, 0 or 1)."""
    solid = (alpha >= HOLE_LEVELS[0]).astype(np.uint8)
    contours, _ = cv2.findContours(solid, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    outline = np.zeros_like(solid)
    if contours:
        cv2.drawContours(outline, [max(contours, key=cv2.contourArea)], -1, 1, thickness=cv2.FILLED)
    return outline


def _solid_share(alpha: np.ndarray, outline: np.ndarray | None = None) -> float:
    """Share of the largest outline (filled; ``_outline(alpha)`` unless given) that is solid (alpha > 50 %)."""
    outline = _outline(alpha) if outline is None else outline
    if not outline.any():
        return 0.0
    return float((alpha[outline > 0] >= HOLE_LEVELS[0]).mean())


def _fill_holes(alpha: np.ndarray, rgb: np.ndarray | None, level: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The holes below ``level`` filled (``alpha`` itself when none is), and the photo: resized
    to ``alpha``'s size once a hole is judged on its colours (most cuts have none), so the next
    level reads it without resizing again."""
    solid = (alpha >= level).astype(np.uint8)
    n_solid = int(solid.sum())
    if n_solid == 0:
        return alpha, rgb
    count, labels, stats, _ = cv2.connectedComponentsWithStats(1 - solid, connectivity=4)
    if count <= 2:
        return alpha, rgb
    h, w = alpha.shape
    x, y, bw, bh, area = (stats[:, i] for i in range(5))
    enclosed = (x > 0) & (y > 0) & (x + bw < w) & (y + bh < h) & (area <= HOLE_MAX * n_solid)
    enclosed[0] = False
    if not enclosed.any():
        return alpha, rgb
    r = max(2, round(HOLE_RIM * max(h, w)))
    holes = enclosed[labels]
    clear = np.bincount(labels[holes & (alpha < 13)], minlength=count)
    fill = enclosed & (clear < HOLE_CLEAR * area)
    if rgb is not None and rgb.shape[:2] != (h, w):
        rgb = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR)
    fill = _judge_holes(rgb, labels, enclosed, fill, solid, area, r)
    if not fill.any():
        return alpha, rgb
    # With the soft rim around each hole (the model's ramp into it), never beyond the product.
    grown = cv2.dilate(fill[labels].astype(np.uint8), _ellipse(r, r)) > 0
    out = alpha.copy()
    out[grown & ((solid > 0) | holes)] = 255
    return out, rgb


def _judge_holes(rgb: np.ndarray | None, labels: np.ndarray, enclosed: np.ndarray, pale: np.ndarray,
                 solid: np.ndarray, area: np.ndarray, r: int) -> np.ndarray:
    """``fill_pale_holes``' tests on the crop around the enclosed holes: a hole is filled only
    where the product around it is solid (``HOLE_DENSE`` of a ring twice its rim wide: not the
    mesh of a cart or a chair's back); with the photo, clear holes coloured like the product
    around them join the pale ones and skin-coloured ones stay."""
    count = len(enclosed)
    ys, xs = np.nonzero(enclosed[labels])
    m = 2 * r + 1
    y0, y1, x0, x1 = max(0, ys.min() - m), ys.max() + m + 1, max(0, xs.min() - m), xs.max() + m + 1
    own = labels[y0:y1, x0:x1]
    lab_ = np.where(enclosed[own], own, 0).astype(np.int32)
    sol = solid[y0:y1, x0:x1] > 0
    wide = cv2.dilate(lab_.astype(np.float32), _ellipse(2 * r, 2 * r)).astype(np.int32)  # max label nearby
    ring = (wide > 0) & (own != wide)
    dense = np.bincount(wide[ring & sol], minlength=count) >= HOLE_DENSE * np.bincount(wide[ring], minlength=count)
    if rgb is None:
        return pale & dense
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    near = cv2.dilate(lab_.astype(np.float32), _ellipse(r, r)).astype(np.int32)
    rim = np.where(sol & (lab_ == 0), near, 0)
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2Lab).astype(np.float64)
    n_hole = np.maximum(np.bincount(lab_.ravel(), minlength=count), 1)
    n_rim = np.bincount(rim.ravel(), minlength=count)
    gap = np.zeros(count)
    for c in range(3):  # the hole's mean colour against its rim's (8-bit CIELAB, L scaled)
        ch = lab[..., c] * (100 / 255 if c == 0 else 1)
        mean_hole = np.bincount(lab_.ravel(), weights=ch.ravel(), minlength=count) / n_hole
        mean_rim = np.bincount(rim.ravel(), weights=ch.ravel(), minlength=count) / np.maximum(n_rim, 1)
        gap += (mean_hole - mean_rim) ** 2
    like = enclosed & (n_rim > 0) & (np.sqrt(gap) <= HOLE_SAME)
    skin = np.bincount(lab_[skin_mask(crop)], minlength=count)
    return (pale | like) & dense & (skin < HOLE_SKIN * area)


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


def stray_piece(mask: np.ndarray, parts: tuple | None = None) -> float:
    """The largest separate piece of the cutout ``mask`` (bool) that is not part of the product
    (its largest blob), as a share of the product: 0 when there is none. A piece counts from
    ``STRAY_SHARE`` of the product, or from ``STRAY_MIN`` when it lies more than ``STRAY_APART``
    of the long side away (farther than the cap or tag the selection keeps), below
    ``STRAY_OTHER`` (a second product). A listing photo shows one product: a solid piece
    standing apart from it is a leftover of the scene (a bit of shelf, the light box's
    calibration board, half a fruit from the pile), which ``ghosts``' faint parts do not see.
    ``parts``: ``masks.components(mask)`` when already made."""
    count, labels, stats = components(mask) if parts is None else parts
    if count <= 2:
        return 0.0
    order = np.argsort(-stats[1:, cv2.CC_STAT_AREA]) + 1
    area = float(stats[order[0], cv2.CC_STAT_AREA])
    away = cv2.distanceTransform((labels != order[0]).astype(np.uint8), cv2.DIST_L2, 3)
    for i in order[1:]:
        share = stats[i, cv2.CC_STAT_AREA] / area
        if share < STRAY_MIN:
            break
        if share >= STRAY_OTHER:
            continue
        x, y, w, h = stats[i, :4]
        apart = float(away[y:y + h, x:x + w][labels[y:y + h, x:x + w] == i].min()) / max(mask.shape)
        if share >= STRAY_SHARE or apart > STRAY_APART:
            return float(share)
    return 0.0


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
# A speck: a kept region under SPECK_SHARE of a busy photo (a shop scene), of which the model is
# sure (above SURE_LEVEL) of less than SPECK_SURE, is not the vendor's product but a scrap of the
# display, a cap, a price sign; framed, it would be a blur enlarged many times. Measured on the 150
# grocery_phone photos outside the review set: every output cut from such a speck (0.4-1.7 % of
# the frame, sure of 2-32 % of it; the review set's three: 0.1-0.4 %, 0-41 %) was a blurred scrap.
# The smallest real products of the mask sets: a rice bag on a light box, far from the camera,
# keeps 2.7 % of its frame; a shower's thin hose and head 1.4 %, sure of 74 % of it (a thin
# product's mean confidence is low: it is mostly edge).
SPECK_SHARE = 0.02
SPECK_SURE = 0.5
SURE_LEVEL = 0.9


def scene_stats(soft: np.ndarray, keep: np.ndarray) -> dict:
    """How sure the model is of one product (on a grid of at most ``DECIDE_SIDE`` px):
    ``kept`` (share of the frame), ``unsure`` (broad uncertain mass beyond the product's
    edge, per kept pixel), ``parts`` (kept parts of at least 3 % of the product), ``sides``
    (frame sides the product touches), ``conf`` (mean confidence over the kept product), ``sure``
    (its share the model is sure of), ``doubt_sides`` (frame sides the doubt reaches)."""
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
            "conf": float(soft[keep].mean()), "sure": float((soft[keep] > SURE_LEVEL).mean()),
            "doubt_sides": doubt_sides}


def scene_kind(stats: dict) -> str | None:
    """"pile" (many things or a display, outline not reliable), "fragment" (a small unsure
    part of something larger) or None (one product, or a group with a reliable outline).
    ``stats`` from ``scene_stats``, with ``busy`` (``cutout.busy_scene``) where the photo is known."""
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
    if stats["kept"] < SPECK_SHARE and stats["sure"] < SPECK_SURE and stats.get("busy", False):
        return "fragment"  # a speck of a busy scene: kept whole, never blown up to fill the canvas
    return None


def uncut_alpha(shape: tuple[int, int]) -> np.ndarray:
    """The photo kept whole: alpha 255 over its centred largest square, 0 outside."""
    h, w = shape
    side = min(h, w)
    alpha = np.zeros((h, w), np.uint8)
    y0, x0 = (h - side) // 2, (w - side) // 2
    alpha[y0:y0 + side, x0:x0 + side] = 255
    return alpha


LEFTOVER_PALE = 160  # alpha below this (63 %) outside the solid product is a ghost's, or the ramp's
LEFTOVER_REACH = 0.012  # pale alpha farther than this share of the long side from the solid product: a ghost
LEFTOVER_WIDE = 0.01  # a pale patch at the product's edge at least this thick (share of the long side): a ghost
LEFTOVER_BIT = 0.02  # a detached bit smaller than this share of the product ...
LEFTOVER_BIT_SOLID = 0.75  # ... less than this share of it solid: a ghost (a cap or a tag is solid)
LEFTOVER_SIDE = 400  # leftovers are judged on every n-th pixel, at most this long


def drop_pale_leftovers(alpha: np.ndarray) -> np.ndarray:
    """Pale leftovers of the background at or beside a solid product's edge are dropped (uint8
    ``alpha``): half-transparent alpha farther than ``LEFTOVER_REACH`` from the solid product
    (alpha > 50 %); pale patches outside its outline thicker than ``LEFTOVER_WIDE`` (the
    model's ramp along the real edge is thinner), with their fringe; and small detached bits
    (``LEFTOVER_BIT`` of the product) that are mostly not solid (a cap or a tag is). Only in a
    solid product (``HOLE_PRODUCT``, as ``fill_pale_holes``): a glass, a chair or a mesh keeps
    its soft parts. Judged on every n-th pixel (at most ``LEFTOVER_SIDE`` long: a 3 MP alpha's
    area resize alone cost 10 ms CPU); written at full size only in the box of what was found,
    where a pale leftover loses only its pale pixels."""
    h, w = alpha.shape
    step = max(1, -(-max(h, w) // LEFTOVER_SIDE))
    small = alpha[::step, ::step]
    found = _pale_leftovers(small)
    if found is None:
        return alpha
    pale, bits = found
    if step > 1:  # a sampled pixel stands for its step x step block: one more around, at full size
        pale, bits = (cv2.dilate(m.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0 for m in (pale, bits))
    ys, xs = np.nonzero(pale | bits)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    box = (slice(y0 * step, min(h, y1 * step)), slice(x0 * step, min(w, x1 * step)))
    crop = alpha[box]
    size = (crop.shape[1], crop.shape[0])

    def up(m: np.ndarray) -> np.ndarray:
        m = m[y0:y1, x0:x1].astype(np.uint8)
        return m > 0 if step == 1 else cv2.resize(m, size, interpolation=cv2.INTER_NEAREST) > 0
    drop = (up(pale) & (crop < LEFTOVER_PALE)) | up(bits)
    if not drop.any():
        return alpha
    out = alpha.copy()
    out[box][drop] = 0
    return out


def _pale_leftovers(a: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """What ``drop_pale_leftovers`` drops at ``a``'s size: (pale parts, whole bits), or None."""
    outline = _outline(a)
    if _solid_share(a, outline) < HOLE_PRODUCT:
        return None
    solid = (a >= HOLE_LEVELS[0]).astype(np.uint8)
    pale = (a > 0) & (a < LEFTOVER_PALE)
    n = max(a.shape)
    reach = max(2, round(LEFTOVER_REACH * n))
    far = pale & (cv2.dilate(solid, _ellipse(reach, reach)) == 0)
    k = max(2, round(LEFTOVER_WIDE * n / 2))
    thick = cv2.morphologyEx(pale.astype(np.uint8), cv2.MORPH_OPEN, _ellipse(k, k))
    thick &= 1 - outline
    if thick.any():
        far |= pale & (cv2.dilate(thick, _ellipse(k, k)) > 0)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((a >= 13).astype(np.uint8), connectivity=8)
    bits = np.zeros(a.shape, bool)
    if count > 2:
        area = stats[1:, cv2.CC_STAT_AREA]
        solid_n = np.bincount(labels[solid > 0], minlength=count)[1:]
        small_bit = (area < LEFTOVER_BIT * area.max()) & (solid_n < LEFTOVER_BIT_SOLID * area)
        if small_bit.any():
            bits = np.concatenate([[False], small_bit])[labels]
    if not far.any() and not bits.any():
        return None
    return far, bits


FRINGE_BODY = 0.05  # the product's body: its solid part opened by a disc this share of the long side wide
FRINGE_UNSURE = 0.7  # a piece of solid alpha outside the body where the model's mean confidence is below this ...
FRINGE_BIT = 0.05  # ... and at most this share of the product is a ragged leftover (a larger one is a part)
FRINGE_FILL = (0.6, 1.5)  # a piece filling this share of what it adds to the body's hull is its corner or side
FRINGE_LIKE = 0.5  # a piece with this share of its pixels coloured more like the body than the scene is the product's
FRINGE_THIN = 5.0  # a piece this many times longer than wide is a thin part (a bow, a strap), not a leftover


def drop_unsure_fringe(alpha: np.ndarray, soft: np.ndarray, rgb: np.ndarray | None = None) -> np.ndarray:
    """Ragged leftovers the model was unsure of, hanging at a solid product's edge, are dropped
    (uint8 ``alpha``; ``soft`` the model's mask over the whole photo, any grid). The product's
    body is its solid part opened by a disc ``FRINGE_BODY`` of the long side wide: a carton's
    face, a fruit, a bottle. What sticks out of it in pieces up to ``FRINGE_BIT`` of the product
    is either the product's own (a part the model is sure of, a corner, a thin part, a side
    coloured like it: kept) or, where the model's mean confidence is below ``FRINGE_UNSURE``, it
    is ragged and coloured like the scene, the torn fringe of something else: the bits of shelf,
    hand or floor the cut kept beside a carton's bottom where the hand was, which came out as
    pale, ragged ghosts. Dropped with the pale ramp around them. Only in a solid product
    (``HOLE_PRODUCT``, as ``drop_pale_leftovers``): a chair, a cart or a glass is left alone.
    Judged on every n-th pixel (at most ``LEFTOVER_SIDE`` long)."""
    h, w = alpha.shape
    step = max(1, -(-max(h, w) // LEFTOVER_SIDE))
    a = alpha[::step, ::step]
    if _solid_share(a) < HOLE_PRODUCT:
        return alpha
    solid = (a >= HOLE_LEVELS[0]).astype(np.uint8)
    k = max(1, round(FRINGE_BODY * max(a.shape) / 2))
    body = cv2.morphologyEx(solid, cv2.MORPH_OPEN, _ellipse(k, k))
    fringe = solid & (1 - body)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fringe, connectivity=8)
    if count <= 1:
        return alpha
    s = cv2.resize(np.asarray(soft, np.float32), (a.shape[1], a.shape[0]), interpolation=cv2.INTER_LINEAR)
    sizes = np.maximum(stats[:, cv2.CC_STAT_AREA], 1)
    conf = np.bincount(labels.ravel(), weights=s.ravel(), minlength=count) / sizes
    torn = (conf < FRINGE_UNSURE) & (sizes <= FRINGE_BIT * int(solid.sum()))
    # Only what hangs on the body: a piece standing apart is ``stray_piece``'s to say (a cap
    # the hand's removal cut off is the product's, and its absence would go unsaid).
    near_body = cv2.dilate(body, np.ones((3, 3), np.uint8)) > 0
    torn &= np.bincount(labels[near_body], minlength=count) > 0
    # ... and not at the frame's edge: the product goes on beyond it (the cut-off check reads it).
    edge = np.zeros(a.shape, bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    torn[labels[edge]] = False
    torn[0] = False
    torn &= ~_product_edge(body, labels, stats, torn)
    if rgb is not None and torn.any():  # coloured like the product, not the scene: its own side
        small_rgb = cv2.resize(rgb, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_NEAREST)
        torn &= _scene_coloured(small_rgb, body, (a == 0) & (s < 0.05), labels, sizes)
    if not torn.any():
        return alpha
    drop = cv2.dilate(torn[labels].astype(np.uint8), np.ones((3, 3), np.uint8), iterations=2) > 0
    drop &= (body == 0) & ((a < LEFTOVER_PALE) | torn[labels])
    if not drop.any():
        return alpha
    if step > 1:  # a sampled pixel at the body's edge stands for a block that straddles it
        drop &= ~near_body
        if not drop.any():
            return alpha
    ys, xs = np.nonzero(drop)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    box = (slice(y0 * step, min(h, y1 * step)), slice(x0 * step, min(w, x1 * step)))
    crop = alpha[box]
    m = drop[y0:y1, x0:x1].astype(np.uint8)
    if step > 1:
        m = cv2.resize(m, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_NEAREST)
    out = alpha.copy()
    out[box][m > 0] = 0
    return out


def _product_edge(body: np.ndarray, labels: np.ndarray, stats: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Of the pieces ``which`` (bool per label) outside the ``body``: those that are the product's
    own outline, a box's corner or side the opening rounded off (each fills ``FRINGE_FILL`` of what
    it adds to the body's convex hull: ragged leftovers add far more than they fill), or a thin
    part (``FRINGE_THIN`` times longer than wide)."""
    keep = np.zeros(len(which), bool)
    body_pts = cv2.findNonZero(body)
    if body_pts is None:
        return keep
    hull = cv2.convexHull(body_pts).reshape(-1, 2)
    base = cv2.contourArea(hull)
    for j in np.flatnonzero(which):
        x, y, bw, bh, area = stats[j]
        pts = cv2.findNonZero((labels[y:y + bh, x:x + bw] == j).astype(np.uint8)).reshape(-1, 2) + np.int32([x, y])
        added = cv2.contourArea(cv2.convexHull(np.vstack([hull, pts]))) - base
        (_, _), (rw, rh), _ = cv2.minAreaRect(pts)
        fill = area / max(added, 1.0)
        keep[j] = FRINGE_FILL[0] <= fill <= FRINGE_FILL[1] or max(rw, rh) >= FRINGE_THIN * max(1.0, min(rw, rh))
    return keep


def _scene_coloured(rgb: np.ndarray, body: np.ndarray, scene: np.ndarray, labels: np.ndarray,
                    sizes: np.ndarray) -> np.ndarray:
    """Per piece of ``labels``: under ``FRINGE_LIKE`` of its pixels coloured more like the product's
    ``body`` than the sure ``scene`` around it (16^3 colour histograms, as ``_decide_broad``): a bit
    of shelf, hand or floor, not the product's own side panel. All True without enough scene."""
    if int(scene.sum()) < 20:
        return np.ones(len(sizes), bool)
    fg_h, bg_h = _hist3(rgb, body > 0), _hist3(rgb, scene)
    idx = (rgb // 16).astype(np.intp)
    like = fg_h[idx[..., 0], idx[..., 1], idx[..., 2]] > bg_h[idx[..., 0], idx[..., 1], idx[..., 2]]
    share = np.bincount(labels.ravel(), weights=like.ravel().astype(np.float64), minlength=len(sizes)) / sizes
    return share < FRINGE_LIKE
