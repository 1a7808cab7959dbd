"""THE hand detector: where a hand or arm holds the product, for the cutout and the checks.

``skin_mask(rgb) -> bool``
    Skin-coloured pixels: reddish hue (up to ~28 degrees), moderately saturated, in the
    YCrCb skin box. Tuned on phone photos of hands in shops (light to brown skin); cream
    walls, white cartons under warm light, kraft paper (yellower) and orange juice packs
    (too saturated, Cr too high) stay out. Bread, peaches and potatoes do not: shape and
    place tell them apart.
``find_hand(rgb, mask) -> Hand``
    The hand and arm in or at a cutout ``mask`` (bool, same size as ``rgb``, best at
    <= 512 px). A hand is a solid skin-coloured region that reaches the frame's edge (an arm
    comes in from outside the photo) and touches the product, and is not the product:

    - not most of the cutout, and not the same colour as the rest of it (a peach, a loaf);
    - the rest of the cutout is not itself mostly skin-coloured (a beet cut by the frame);
    - not a box: a region whose outline is a near-rectangle (a beige carton touching the
      edge) is packaging, not an arm, unless it also narrows where it meets the product
      (a wrist);
    - not one of many skin-coloured blobs (a pile of apples or potatoes);
    - not the warm glow around a light: a region wrapped around a burnt-out white core (a
      ceiling lamp, a bulb at the top of the frame).

    The hand's removal (``remove_hand``) takes with it the fingers in the hand's own shadow
    beside it, which the skin box misses (too dark): judged by the found hand's own colour.

    ``Hand.mask`` is the hand (bool), ``Hand.in_cutout`` its part inside the cutout,
    ``Hand.covers`` the share of the product's own outline (its convex hull) that the hand
    lies over: fingers across the edge give a few percent, fingers over the face more.

Nothing here reads files or imports a stage.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from assistant.imaging.colour import SRGB_TO_LINEAR
from assistant.imaging.filters import ellipse as _ellipse
from assistant.imaging.filters import shrink as _shrink

HAND_MIN = 0.015  # a hand covers at least this share of the frame
PILE_BLOB = 0.004  # skin-coloured blobs of this frame share, mostly inside the cutout ...
PILE_COUNT = 4  # ... this many of them: a pile of fruit, no hand judged ...
PILE_DOMINANT = 0.5  # ... unless one of them is this share of them all (an arm among glints)
SOLIDITY = 0.45  # a hand fills at least this share of its convex hull (fruit edges are lacy)
BOX = 0.88  # a region filling this share of its rotated bounding box is a box (packaging) ...
ARM_ASPECT = 2.5  # ... unless it is this many times longer than wide (a forearm)
PRODUCT_SKIN = 0.25  # the held product is at most this share skin-coloured itself
HAND_SOLID_MAX = 0.85  # ... unless it is less solid than this (fingers) and something else is left
MAX_PRODUCT = 0.6  # a "hand" covering more of the cutout than this is the product
SAME_COLOUR = 10.0  # ... or one this close (CIELAB a*b*) to the rest of the cutout
AROUND = 0.06  # skin is looked for within this share of the short side around the cutout
EDGE = 0.03  # within this share of the short side of the frame's edge: reaches the edge
WHITE_HOT = 240  # a pixel whose every channel is at least this is burnt-out white (a light's core)
LIGHT_CORE = 0.1  # a skin-toned region wrapped around a white-hot core of this share of its size ...
LIGHT_WRAP = 0.5  # ... along this share of the core's outline is a lamp's warm glow, not a hand


@dataclass(frozen=True)
class Hand:
    mask: np.ndarray  # bool, the hand and arm (inside and just outside the cutout)
    in_cutout: float  # share of the cutout that is hand
    covers: float  # share of the product's hull (without the hand) that the hand lies over

    @property
    def found(self) -> bool:
        return bool(self.mask.any())


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """Skin-coloured pixels (bool): reddish hue, saturation 50..200, Cr/Cb in the skin box."""
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    y, cr, cb = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    h, s = hsv[..., 0], hsv[..., 1]
    return ((y > 40) & (cr >= 143) & (cr <= 178) & (cb >= 78) & (cb <= 118)
            & ((h <= 14) | (h >= 172)) & (s >= 45) & (s <= 200))


def _lab_ab(pixels: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(pixels.reshape(1, -1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)[0]
    return np.median(lab[:, 1:], axis=0)


def _box_like(comp: np.ndarray) -> bool:
    """The region's outline is a near-rectangle (straight sides) and not elongated like a
    forearm: packaging (a beige carton), not an arm."""
    pts = cv2.findNonZero(comp.astype(np.uint8))
    (_, _), (rw, rh), _ = cv2.minAreaRect(pts)
    elongated = max(rw, rh) >= ARM_ASPECT * max(min(rw, rh), 1.0)
    return float(comp.sum()) >= BOX * max(rw * rh, 1.0) and not elongated


def _covers(product: np.ndarray, hand: np.ndarray) -> float:
    """Share of the product's convex hull that the hand lies over."""
    pts = cv2.findNonZero(product.astype(np.uint8))
    if pts is None:
        return 0.0
    hull = np.zeros(product.shape, np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(pts), 1)
    area = int(hull.sum())
    return float((hull.astype(bool) & hand).sum()) / max(area, 1)


def _glow(comp: np.ndarray, hot: np.ndarray) -> bool:
    """Whether the skin-toned region ``comp`` is the warm glow around a light (a ceiling lamp, a
    bulb): it wraps a burnt-out white core (``hot``) of at least ``LIGHT_CORE`` of its size along
    ``LIGHT_WRAP`` of the core's outline. Skin is never burnt out over such an area, and a white
    carton a hand holds borders the hand along one side, not around."""
    ring = cv2.dilate(comp.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(hot.astype(np.uint8), connectivity=8)
    for j in np.unique(labels[ring & hot]):
        if j == 0 or stats[j, cv2.CC_STAT_AREA] < LIGHT_CORE * comp.sum():
            continue
        core = labels == j
        outline = (cv2.dilate(core.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~core
        if (outline & ring).sum() >= LIGHT_WRAP * max(int(outline.sum()), 1):
            return True
    return False


def find_hand(rgb: np.ndarray, mask: np.ndarray) -> Hand:
    """The hand holding the product (see the module docstring); ``Hand.mask`` all False: none."""
    h, w = mask.shape
    none = Hand(np.zeros((h, w), bool), 0.0, 0.0)
    total = int(mask.sum())
    if total == 0:
        return none
    skin = skin_mask(rgb).astype(np.uint8)
    if int(skin.sum()) < HAND_MIN * mask.size / 8:
        # Too little skin colour in the whole photo for a hand of HAND_MIN even after the
        # closing below joins its pieces: the search band's wide dilation is not made.
        return none
    # Only around the cutout: warm-lit shelves are skin-coloured too, and would join the
    # hand into one blob with the whole background.
    g = max(3, int(AROUND * min(h, w)))
    skin &= cv2.dilate(mask.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * g + 1, 2 * g + 1)))
    skin = cv2.morphologyEx(skin, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    skin = cv2.morphologyEx(skin, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(skin, connectivity=8)
    if count <= 1:
        return none
    inside = np.bincount(labels[mask], minlength=count)
    areas = stats[:, cv2.CC_STAT_AREA]
    pile = (areas[1:] >= PILE_BLOB * mask.size) & (inside[1:] > 0.5 * areas[1:])
    pile_areas = areas[1:][pile]
    if pile.sum() >= PILE_COUNT and pile_areas.max() < PILE_DOMINANT * pile_areas.sum():
        return none  # many like blobs, none dominant: fruit, not a hand among them
    e = max(2, int(EDGE * min(h, w)))
    reach = max(3, int(0.03 * min(h, w)))
    near = cv2.dilate(mask.astype(np.uint8), np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)) > 0
    hand = np.zeros((h, w), bool)
    # The edge of the search band: a skin region reaching it goes on outside (an arm).
    beyond = cv2.dilate(mask.astype(np.uint8), cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (2 * g - 3, 2 * g - 3))) == 0
    solid_of = {}
    hot = rgb.min(axis=2) >= WHITE_HOT
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        if area < HAND_MIN * mask.size or inside[i] == 0:
            continue
        comp = labels == i
        sides = (y < e, y + bh > h - e, x < e, x + bw > w - e)
        share_in = inside[i] / area
        crosses = 0.05 < share_in < 0.7 and bool((comp & beyond).any())
        if not (any(sides) or crosses) or not (comp & near).any():
            continue
        if (sides[0] and sides[1]) or (sides[2] and sides[3]):
            continue  # spans the frame: the product itself (a loaf), not a hand
        hull = cv2.convexHull(cv2.findNonZero(comp.astype(np.uint8)))
        solidity = area / max(cv2.contourArea(hull), 1.0)
        if solidity < SOLIDITY:
            continue  # lacy: the skin-toned edges of fruit
        if _box_like(comp):
            continue  # straight sides: a beige carton, a box
        if hot.any() and _glow(comp, hot):
            continue  # the warm glow around a lamp's white-hot core (issue 17: "tangan" on a ceiling lamp)
        solid_of[i] = solidity
        hand |= comp
    if not hand.any():
        return none
    rest = mask & ~(cv2.dilate(hand.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0)
    in_cut = float((hand & mask).sum()) / total
    if in_cut > MAX_PRODUCT or rest.sum() < 0.15 * total:
        # Most of the cutout: a skin-toned product (a peach, a loaf: round or boxy, solid),
        # unless it is shaped like a hand (fingers: less solid) and another part is left.
        if max(solid_of.values()) > HAND_SOLID_MAX or rest.sum() < 0.08 * total:
            return none
    if (rest & skin.astype(bool)).sum() > PRODUCT_SKIN * rest.sum():
        return none  # the rest is skin-toned too: more of the same product
    if float(np.linalg.norm(_lab_ab(rgb[hand]) - _lab_ab(rgb[rest]))) < SAME_COLOUR:
        return none  # the same colour as the rest: the product
    return Hand(hand, in_cut, _covers(rest, hand))


# --------------------------------------------------------------------------- removal

HAND_SIDE = 480  # hands are found at this long side
HELD_MIN = 0.03  # a cutout under this share of the frame is not held up to the camera: no hand removed
SLIVER = 0.04  # product parts thinner than this share of its size, by the hand, go with it
FILL_COVER = 0.05  # fingers over at most this share of the product's hull only cross its edge
FACE_COVER = FILL_COVER  # over more they cover a real part of its face: said, not restored


def search_copy(rgb: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The photo and the cutout's alpha at the ``HAND_SIDE`` long side hands are found at, and the
    scale between them and the photo (>= 1): ``(small rgb, small alpha, scale)``. The removal, the
    cutout's hand notices and the skin-tone bench all search this copy."""
    h, w = alpha.shape
    sub = max(1.0, max(h, w) / HAND_SIDE)
    size = (max(8, round(w / sub)), max(8, round(h / sub)))
    return _shrink(rgb, size), _shrink(alpha, size), sub


def remove_hand(rgb: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray, Hand | None, float]:
    """The cutout without the hand holding it: ``(alpha, rgb, hand, covers)``.

    The hand is found on a ``HAND_SIDE`` px copy (``imaging.find_hand``), grown by a
    pixel or two (its darker fringe) and by the fingers in its own shadow beside it
    (``_with_shaded_skin``) and cut from the alpha; what stays is the product's
    largest part (and parts at least a tenth of it, unless coloured as the hand and beside
    it: a piece of the hand, ``_hand_pieces``). Where fingers only cross the product's
    edge (they lie over at most ``FILL_COVER`` of its convex hull) the outline is restored
    along the hull and the finger pixels there are painted over from the product around them;
    where they cover more, nothing is invented and ``covers`` says how much they cover.
    """
    h, w = alpha.shape
    small, small_alpha, sub = search_copy(rgb, alpha)
    lh, lw = small_alpha.shape
    mask = small_alpha > 127
    if mask.mean() < HELD_MIN:
        return alpha, rgb, None, 0.0  # a product held up to the camera fills more of the frame
    hand = find_hand(small, mask)
    if not hand.found or hand.in_cutout < 0.01:
        return alpha, rgb, None, 0.0
    grown = cv2.dilate(hand.mask.astype(np.uint8), _ellipse(2, 2)) > 0
    colour = _hand_colour(small, hand.mask)  # measured once: the shadow's growth and the pieces read it
    grown = _with_shaded_skin(colour, grown, mask, hand.mask)  # fingers in its shadow go with it
    product = mask & ~grown
    count, labels, stats, _ = cv2.connectedComponentsWithStats(product.astype(np.uint8), connectivity=8)
    if count <= 1:
        return alpha, rgb, None, 0.0
    areas = stats[1:, cv2.CC_STAT_AREA]
    big = np.zeros(count, bool)
    big[1:] = areas >= 0.1 * areas.max()
    big &= ~_hand_pieces(colour, labels, count, areas, grown)
    product = big[labels]
    # Near the hand, slivers of the product seen between fingers go: open the product
    # there with a disc of a few percent of its size, so the cut runs as one clean line.
    ys, xs = np.nonzero(product)
    if xs.size:
        rr = max(2, round(SLIVER * max(xs.max() - xs.min(), ys.max() - ys.min())))
        near_hand = cv2.dilate(grown.astype(np.uint8), _ellipse(3 * rr, 3 * rr)) > 0
        opened = cv2.morphologyEx(product.astype(np.uint8), cv2.MORPH_OPEN, _ellipse(rr, rr)) > 0
        product = np.where(near_hand, opened, product)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(product.astype(np.uint8), connectivity=8)
        if count <= 1:
            return alpha, rgb, None, 0.0
        keep_parts = np.zeros(count, bool)
        keep_parts[1:] = stats[1:, cv2.CC_STAT_AREA] >= 0.1 * stats[1:, cv2.CC_STAT_AREA].max()
        product = keep_parts[labels]
    hull = np.zeros((lh, lw), np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(cv2.findNonZero(product.astype(np.uint8))), 1)
    notch = hull.astype(bool) & grown & mask
    covers = float(notch.sum()) / max(int(hull.sum()), 1)
    # The hand goes whole, its pale half-believed parts too (they would stay as a ghost).
    faint = small_alpha > 8
    gone = (mask & ~product) | (grown & faint & ~product)
    out_rgb = rgb
    restore = notch if covers <= FILL_COVER else np.zeros_like(notch)
    gone &= ~restore
    cut_soft = cv2.resize(cv2.GaussianBlur(gone.astype(np.float32), (3, 3), 0), (w, h), interpolation=cv2.INTER_LINEAR)
    out = (alpha.astype(np.float32) * (1.0 - np.clip(cut_soft * 1.5, 0, 1))).astype(np.uint8)
    if restore.any():
        big_restore = cv2.resize(restore.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
        big_restore = cv2.dilate(big_restore.astype(np.uint8), _ellipse(sub, sub)) > 0
        out[big_restore] = 255
        ys, xs = np.nonzero(big_restore)
        pad = max(4, round(3 * sub))
        y0, y1 = max(0, ys.min() - pad), min(h, ys.max() + 1 + pad)
        x0, x1 = max(0, xs.min() - pad), min(w, xs.max() + 1 + pad)
        out_rgb = rgb.copy()
        out_rgb[y0:y1, x0:x1] = cv2.inpaint(np.ascontiguousarray(rgb[y0:y1, x0:x1]),
                                            big_restore[y0:y1, x0:x1].astype(np.uint8), 3, cv2.INPAINT_TELEA)
    return _drop_pale_pieces(out), out_rgb, hand, covers


SHADE_ZONE = 0.1  # fingers in the hand's shadow are looked for this near it (share of the product's size)
SHADE_DIST = 3.0  # ... coloured like the hand: within this Mahalanobis distance of its chromaticity
SHADE_WITHIN = 0.9  # ... a region of that colour this much inside the zone: a finger, not the product's print
SHADE_MOST = 0.5  # ... at most this share of the hand's part in the cutout: more is more of what the "hand" is
SHADE_SPREAD = 0.003  # the least spread of a hand's chromaticity (a flat-lit hand, 8-bit levels in a shadow)
NOT_BLACK = 0.01  # linear-light sum under which a pixel's chromaticity is noise


def _hand_colour(rgb: np.ndarray, hand: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(each pixel's Mahalanobis distance to the hand's linear-light chromaticity (r, g), each
    pixel's linear-light sum), or None when the hand is too small to measure."""
    lin = SRGB_TO_LINEAR[rgb]
    total = lin.sum(axis=2)
    chroma = lin[..., :2] / np.maximum(total, 1e-6)[..., None]
    own = chroma[hand]
    if len(own) < 20:
        return None
    # no narrower than 8-bit levels make a shadow's chromaticity (a flat, evenly lit hand)
    cov_inv = np.linalg.inv(np.cov(own.T) + np.eye(2) * SHADE_SPREAD ** 2)
    dr, dg = (chroma - own.mean(axis=0)).transpose(2, 0, 1)
    return np.sqrt(cov_inv[0, 0] * dr * dr + 2 * cov_inv[0, 1] * dr * dg + cov_inv[1, 1] * dg * dg), total


def _touching(labels: np.ndarray, count: int, grown: np.ndarray) -> np.ndarray:
    """Which of ``labels``' regions (0..count-1) touch ``grown`` (within a pixel)."""
    touching = np.zeros(count, bool)
    touching[np.unique(labels[cv2.dilate(grown.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0])] = True
    return touching


def _with_shaded_skin(colour: tuple[np.ndarray, np.ndarray] | None, grown: np.ndarray, mask: np.ndarray,
                      hand: np.ndarray) -> np.ndarray:
    """``grown`` (the hand found, grown) with the fingers in its own shadow beside it.

    The skin box misses a finger or thumb in the hand's shadow (too dark, its chroma shrunk
    towards grey): left in the cutout, it is the piece of thumb at the carton's edge that most
    real outputs with a hand left show. Such a finger has the hand's own colour at a lower
    brightness, so it is judged by this photo's hand, whatever the skin and the light: its
    linear-light chromaticity (r, g) within ``SHADE_DIST`` of the found hand's (Mahalanobis),
    no brighter than the lit hand and not black (a black pixel's chromaticity is noise), in the
    cutout, touching the hand, and lying within ``SHADE_ZONE`` of it: a region of that colour
    that goes on away from the hand is the product's own print (a brown or black carton).
    Nothing is added when it would come to more than ``SHADE_MOST`` of the hand's part in the
    cutout: then the "hand" is likely not one (on two DIS5K photos a wooden floor around a
    chair's and a shower's base was taken for one, and the growth took the legs with it)."""
    if colour is None:
        return grown
    to_hand, total = colour
    lit = float(np.median(total[hand]))
    like = mask & ~grown & (to_hand < SHADE_DIST) & (total <= lit) & (total > NOT_BLACK)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(like.astype(np.uint8), connectivity=8)
    if count <= 1:
        return grown
    touching = _touching(labels, count, grown)
    ys, xs = np.nonzero(mask)
    z = max(2, round(SHADE_ZONE * max(xs.max() - xs.min(), ys.max() - ys.min())))
    near = cv2.distanceTransform((~grown).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= z
    within = np.bincount(labels[near & like], minlength=count)
    keep = touching & (within >= SHADE_WITHIN * stats[:, cv2.CC_STAT_AREA])
    keep[0] = False
    shaded = keep[labels]
    if shaded.sum() > SHADE_MOST * (hand & mask).sum():
        # A finger or a thumb is a part of the hand, not more of it: this much of its colour
        # beside it is more of what the "hand" is (a wooden floor around a chair's legs).
        return grown
    return grown | shaded


HAND_PIECE = 0.6  # a piece of the cutout apart from the product, beside the hand, this much hand-coloured


def _hand_pieces(colour: tuple[np.ndarray, np.ndarray] | None, labels: np.ndarray, count: int,
                 areas: np.ndarray, grown: np.ndarray) -> np.ndarray:
    """Which parts (``labels``, 1..count-1) of the cutout without the hand are a piece of the hand
    itself: not the largest part, touching the hand, and for at least ``HAND_PIECE`` of their
    pixels coloured as this hand is at any brightness (a lit thumb the skin box found too pale,
    cut apart from the product by the hand's removal)."""
    pieces = np.zeros(count, bool)
    if colour is None or count <= 2:
        return pieces
    to_hand, total = colour
    like = (to_hand < SHADE_DIST) & (total > NOT_BLACK)
    liked = np.bincount(labels[like], minlength=count)
    pieces[1:] = _touching(labels, count, grown)[1:] & (liked[1:] >= HAND_PIECE * areas)
    pieces[1 + int(np.argmax(areas))] = False  # the product itself stays
    return pieces


def _drop_pale_pieces(alpha: np.ndarray) -> np.ndarray:
    """Pieces of the cutout apart from the product with nothing solid in them (the hand's
    half-believed fringe, a pale bit of shelf it held against) go: left, they are ghosts."""
    count, labels = cv2.connectedComponents((alpha > 8).astype(np.uint8), connectivity=8)
    if count <= 2:
        return alpha
    solid = np.zeros(count, bool)
    solid[np.unique(labels[alpha > 127])] = True
    solid[0] = True
    if solid.all():
        return alpha
    return np.where(solid[labels], alpha, 0).astype(alpha.dtype)


HAND_LEFT = 0.015  # skin-coloured share of the product left by the removed hand: say so


def hand_left(rgb: np.ndarray, before: np.ndarray, after: np.ndarray, hand: Hand) -> float:
    """Share of the product (after the removal) that is skin-coloured and lies where the hand
    was (within a tenth of the frame of it): fingers the removal missed."""
    h, w = after.shape
    lh, lw = hand.mask.shape
    small = _shrink(rgb, (lw, lh))
    product = _shrink(after, (lw, lh)) > 127
    g = max(2, round(0.1 * max(lw, lh)))
    around = cv2.dilate(hand.mask.astype(np.uint8), _ellipse(g, g)) > 0
    skin_left = skin_mask(small) & product & around
    skin_left = cv2.morphologyEx(skin_left.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
    return float(skin_left.sum()) / max(int(product.sum()), 1)
