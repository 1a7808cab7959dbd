"""Masks: the product's bounding box, connected parts, the largest blob, contact with the
photo's edge. A mask is a bool (or 0/nonzero uint8) HxW array; an alpha is uint8 0..255."""

from __future__ import annotations

import cv2
import numpy as np

OPAQUE = 128  # alpha above this is product when measuring its box

Box = tuple[int, int, int, int]  # (x0, y0, x1, y1), exclusive end


def bounding_box(mask: np.ndarray) -> Box | None:
    """(x0, y0, x1, y1) of the mask's nonzero pixels, exclusive end; None when there are none."""
    x, y, w, h = cv2.boundingRect(mask.astype(np.uint8, copy=False))  # 30x faster than np.nonzero
    if w == 0 or h == 0:
        return None
    return x, y, x + w, y + h


def alpha_box(alpha: np.ndarray, opaque: int = OPAQUE) -> Box | None:
    """The product's box in an alpha (pixels above ``opaque``); None when there is none."""
    _, binary = cv2.threshold(alpha, opaque, 255, cv2.THRESH_BINARY)
    return bounding_box(binary)


def border_band(shape: tuple[int, int], width: int = 2) -> np.ndarray:
    """True on the ``width`` outermost pixels of a frame of ``shape``."""
    border = np.zeros(shape, dtype=bool)
    border[:width], border[-width:], border[:, :width], border[:, -width:] = True, True, True, True
    return border


def touches_border(mask: np.ndarray, width: int = 2) -> np.ndarray:
    """The mask's pixels within ``width`` of the photo's edge."""
    return border_band(mask.shape, width) & mask


def edge_contact(mask: np.ndarray) -> float:
    """Longest share of the mask's extent that lies on one photo edge (0 .. 1)."""
    return max((share for _, share in edge_shares(mask)), default=0.0)


def _sides(region: np.ndarray) -> list[np.ndarray]:
    """``region`` turned so that each photo edge in turn is its first row (top, bottom, left, right)."""
    return [region, region[::-1], region.T, region.T[::-1]]


def edge_shares(region: np.ndarray) -> list[tuple[int, float]]:
    """(side, share of the mask's extent along that photo edge lying on it) for the four sides
    (0 top, 1 bottom, 2 left, 3 right); none for an empty mask."""
    box = bounding_box(region)
    if box is None:
        return []
    extent = (box[2] - box[0], box[2] - box[0], box[3] - box[1], box[3] - box[1])
    return [(i, float(m[:2].any(axis=0).sum()) / max(extent[i], 1)) for i, m in enumerate(_sides(region))]


def clipped_share(region: np.ndarray, side: int) -> float:
    """How much of the product the photo's ``side`` (0 top, 1 bottom, 2 left, 3 right) hides,
    as a share of what is seen: its width on the edge and 5 and 10 % of its depth in, carried on
    past the edge as a straight taper (a triangle). 1.0 when it does not narrow into the edge
    (a straight cut across: how much is missing cannot be told)."""
    m = _sides(region)[side]
    w0 = float(m[:2].any(axis=0).sum())
    if w0 == 0:
        return 0.0
    depth = int(np.nonzero(m.any(axis=1))[0].max()) + 1
    area = float(region.sum())
    hidden = 0.0
    for f in (0.05, 0.1):
        t = max(2, round(f * depth))
        if t >= m.shape[0]:
            return 1.0
        grow = float(m[t].sum()) - w0
        if grow <= 0:
            return 1.0
        hidden = max(hidden, w0 * (w0 * t / grow) / 2)  # the taper's triangle beyond the edge
    return min(1.0, hidden / max(area, 1.0))


def blob_areas(mask: np.ndarray, close: int = 5) -> list[int]:
    """Areas of the separate blobs, largest first (specks merged by a ``close`` px closing)."""
    m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((close, close), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    return sorted((int(a) for a in stats[1:, cv2.CC_STAT_AREA]), reverse=True)


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """``mask``'s 8-connected parts as OpenCV labels them: (count with the background, labels,
    stats). Made once where several readers of one mask need them (``run_checks``)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return count, labels, stats


def largest_blob(mask: np.ndarray, parts: tuple | None = None) -> np.ndarray:
    """The largest connected part of ``mask`` (8-connected), bool; ``parts``: ``components(mask)``
    when already made."""
    count, labels, stats = components(mask) if parts is None else parts
    if count <= 2:
        return mask.astype(bool)
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
