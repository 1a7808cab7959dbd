"""Cutout: from the model's low-resolution soft mask to an alpha at working resolution."""

from __future__ import annotations

import cv2
import numpy as np


def clean_mask(soft: np.ndarray) -> np.ndarray:
    """Drop specks: keep components of at least 2 % of the largest one (at model resolution)."""
    binary = (soft > 0.5).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 2:
        return soft
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(count, bool)
    keep[1:] = areas >= 0.02 * areas.max()
    # Soft pixels near kept components stay soft; those near dropped specks go.
    grown = cv2.dilate(keep[labels].astype(np.uint8), np.ones((5, 5), np.uint8))
    near_speck = cv2.dilate((~keep[labels] & (labels > 0)).astype(np.uint8), np.ones((5, 5), np.uint8))
    out = soft.copy()
    out[(near_speck > 0) & (grown == 0)] = 0.0
    return out


def refine_alpha(soft: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """The model's soft mask, cleaned and upsampled to the photo's size, as uint8 alpha."""
    h, w = rgb.shape[:2]
    mask = cv2.resize(clean_mask(soft), (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(mask * 255.0 + 0.5, 0, 255).astype(np.uint8)
