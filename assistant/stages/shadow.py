"""Shadows rendered locally from the cutout's mask."""

from __future__ import annotations

import cv2
import numpy as np

from assistant.presets import ShadowSettings


def _box(alpha: np.ndarray) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(alpha > 128)
    if xs.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def render_shadow(alpha: np.ndarray, settings: ShadowSettings) -> np.ndarray | None:
    """An opacity map (float32, 0..1, canvas size) for the shadow, or None for ``none``."""
    box = _box(alpha)
    if box is None or settings.style == "none":
        return None
    h, w = alpha.shape
    out = np.zeros((h, w), np.float32)
    bw, bh = box[2] - box[0], box[3] - box[1]
    blur = max(1.0, settings.softness * bh)
    if settings.style == "contact":
        centre = ((box[0] + box[2]) // 2, box[3] - max(1, int(bh * 0.01)))
        axes = (max(1, int(bw * 0.45)), max(1, int(bh * 0.035)))
        cv2.ellipse(out, centre, axes, 0, 0, 360, 1.0, -1, cv2.LINE_AA)
    else:  # drop and reflection both start from the silhouette
        shift = 0.03 * bh
        dx, dy = shift * np.cos(np.radians(settings.angle)), shift * np.sin(np.radians(settings.angle))
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        out = cv2.warpAffine(alpha.astype(np.float32) / 255.0, m, (w, h))
    out = cv2.GaussianBlur(out, (0, 0), blur)
    # Keep a clean border so the canvas's corners stay exactly the background colour.
    edge = max(2, int(0.02 * min(w, h)))
    out[:edge], out[-edge:], out[:, :edge], out[:, -edge:] = 0, 0, 0, 0
    return out * settings.opacity
