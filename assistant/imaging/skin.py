"""Skin colour and THE hand detector, used by both the cutout's notice ("a hand was cut out
with the product") and the listing check ``hand``, so the two cannot disagree on one photo.

The detector is the listing check's (measured on the 100 hand-labelled phone photos of
bench/checks_quality.py with u2netp cutouts: 56 of 68 hands found, 1 false alarm in 72
photos without one; the cutout's former detector, a wider YCrCb box and a border-contact
rule, found none of the 68 and raised 7 false alarms there). Issue 15 moved it here.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from assistant.imaging.colour import lab_from_srgb8


@dataclass(frozen=True)
class HandLimits:
    """The hand detector's thresholds (docs/checks.md explains how they were set)."""

    min_share: float = 0.03  # a hand covers at least this share of the frame (0.04 before issue 15: one
    #                          more of the 68 labelled hands found, no new false alarm)
    pile_blob: float = 0.004  # skin-coloured blobs of this frame share ...
    pile_count: int = 4  # ... this many of them: a pile of fruit, no hand judged
    solidity: float = 0.5  # a hand fills at least this share of its convex hull
    product_skin: float = 0.2  # a held product is at most this share skin-coloured itself
    max_product: float = 0.6  # a "hand" covering more of the cutout than this is the product
    same_colour: float = 12.0  # ... or one this close (CIELAB a*b*) to the rest of the cutout
    edge_px: int = 3  # a hand reaches the photo's edge: within this many pixels of it
    reach: float = 0.03  # ... and comes this close (share of the shorter side) to the product


HAND = HandLimits()


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """Skin-coloured pixels: reddish (hue up to about 28 degrees), saturated, Cr/Cb in the skin box.

    Tuned on phone photos of hands in shops (light to brown skin); cream walls, white
    cartons under warm light and kraft paper (a yellower hue) stay out. Bread, peaches
    and potatoes do not: ``find_hand`` must tell them apart by shape and place.
    """
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    y, cr, cb = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    h, s = hsv[..., 0], hsv[..., 1]
    return ((y > 40) & (cr >= 145) & (cr <= 178) & (cb >= 78) & (cb <= 114)
            & ((h <= 14) | (h >= 172)) & (s >= 50))


def find_hand(rgb: np.ndarray, mask: np.ndarray, limits: HandLimits = HAND) -> np.ndarray:
    """The skin-coloured region holding the product, as a boolean mask (all False: none).

    A hand is a solid skin-coloured blob that reaches the photo's edge and touches the
    product (inside the cutout ``mask`` or just outside it). Not a hand: the speckled skin
    tones at the edges of fruit (not solid), many skin-coloured blobs (a pile of apples or
    potatoes), one that spans the frame from side to side (a loaf of bread filling the photo).
    """
    h, w = mask.shape
    skin = skin_mask(rgb).astype(np.uint8)
    skin = cv2.morphologyEx(skin, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    skin = cv2.morphologyEx(skin, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(skin, connectivity=8)
    hand = np.zeros(mask.shape, bool)
    if count <= 1:
        return hand
    # Skin-coloured blobs that are mostly product: many of them make a pile of fruit.
    inside = np.bincount(labels[mask], minlength=count)
    areas = stats[:, cv2.CC_STAT_AREA]
    pile = (areas[1:] >= limits.pile_blob * mask.size) & (inside[1:] > 0.5 * areas[1:])
    if pile.sum() >= limits.pile_count:
        return hand
    reach = max(3, int(limits.reach * min(h, w)))
    near_product = cv2.dilate(mask.astype(np.uint8), np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)) > 0
    e = limits.edge_px
    for i in range(1, count):
        area = stats[i, cv2.CC_STAT_AREA]
        if area < limits.min_share * mask.size:
            continue
        comp = labels == i
        sides = (comp[:e].any(), comp[-e:].any(), comp[:, :e].any(), comp[:, -e:].any())
        if not any(sides) or not (comp & near_product).any():
            continue
        if (sides[0] and sides[1]) or (sides[2] and sides[3]):
            continue  # spans the frame: the product itself, not a hand
        hull = cv2.convexHull(cv2.findNonZero(comp.astype(np.uint8)))
        if area < limits.solidity * cv2.contourArea(hull):
            continue  # lacy: the skin-toned edges of many fruits, not a hand
        hand |= comp
    if hand.any():
        # The held product is not skin-coloured itself: if the rest of it is, the "hand"
        # is more of the same product (a beet cut by the frame, a pile of peaches).
        # And a "hand" that is most of the cutout, or the same colour as the rest of it,
        # is the product too (a loaf, a peach cut by the frame).
        rest = mask & ~cv2.dilate(hand.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        same = False
        if rest.sum() >= 20:
            ab_hand = np.median(lab_from_srgb8(rgb[hand][None])[0][:, 1:], axis=0)
            ab_rest = np.median(lab_from_srgb8(rgb[rest][None])[0][:, 1:], axis=0)
            same = float(np.linalg.norm(ab_hand - ab_rest)) < limits.same_colour
        if same or (rest & skin.astype(bool)).sum() > limits.product_skin * rest.sum() \
                or (hand & mask).sum() > limits.max_product * mask.sum():
            return np.zeros(mask.shape, bool)
    return hand
