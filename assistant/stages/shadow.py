"""Shadows rendered locally from the cutout's mask, on the output canvas.

``render_shadow(alpha_canvas, settings, rgb_canvas=None)``:

- ``alpha_canvas``: the placed product's alpha, uint8, canvas size (``framing.place``).
- ``settings``: ``presets.ShadowSettings`` (style none | contact | drop | reflection,
  opacity 0..1, softness = blur as a share of the product's height, angle in degrees with
  the image's y axis pointing down, so 90 = straight below).
- returns None for ``none`` (or no product); else a float32 opacity map (canvas size,
  0..opacity) that darkens the background: ``bg *= 1 - map``. For ``reflection`` with
  ``rgb_canvas`` (the placed product's colours, ``framing.place``'s ``fg``) it returns an
  RGBA overlay instead, float32 HxWx4: premultiplied colour 0..255 in ``[..., :3]`` and
  coverage 0..1 in ``[..., 3]``, to blend as ``bg = bg * (1 - o[..., 3:]) + o[..., :3]``;
  without ``rgb_canvas`` a reflection is a faint mirrored silhouette as an opacity map.

Shapes:
- contact: a footprint under the product's base (its bottom fifth squashed flat), a
  tight dark core plus a wider, lighter ambient falloff, both from the mask;
- drop: the silhouette moved along ``angle`` by 4 % of the product height, blurred by
  ``softness``;
- reflection: the product mirrored under its base, fading out over 35 % of its height.

Every map is exactly 0 within 2 % of the canvas border and tapers to it, so a white
canvas keeps pure white corners and edges whatever the settings. The product covers its
own shadow when composited (the map is not cut out under it).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from assistant.imaging.filters import gaussian_blur
from assistant.imaging.masks import alpha_box
from assistant.presets import ShadowSettings


@dataclass(frozen=True)
class Limits:
    """The shadow stage's tunables (the preset's ShadowSettings choose style, opacity, softness, angle)."""

    border: float = 0.02  # share of the canvas's short side kept shadow-free at each edge
    drop_distance: float = 0.04  # drop shadow offset, share of the product height
    reflection_length: float = 0.35  # reflection fades out over this share of the product height
    reflection_strength: float = 0.6  # reflection's coverage at the base, times the opacity setting


LIMITS = Limits()


def _border_taper(shape: tuple[int, int]) -> np.ndarray:
    """1 inside, 0 within LIMITS.border of each edge, a linear ramp of the same width between."""
    h, w = shape
    edge = max(2, int(round(LIMITS.border * min(h, w))))

    def ramp(n: int) -> np.ndarray:
        i = np.arange(n, dtype=np.float32)
        d = np.minimum(i, n - 1 - i)
        return np.clip((d - edge) / edge, 0.0, 1.0)

    return ramp(h)[:, None] * ramp(w)[None, :]


def _base(alpha: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Per column of the box: the product's lowest opaque row, and whether it has one."""
    x0, y0, x1, y1 = box
    solid = alpha[y0:y1, x0:x1] > 128
    has = solid.any(axis=0)
    lowest = y1 - 1 - np.argmax(solid[::-1], axis=0)
    return lowest, has


def _contact(a: np.ndarray, alpha: np.ndarray, box: tuple[int, int, int, int], softness: float) -> np.ndarray:
    """A footprint along the product's base: the lowest points of its columns, the ones near
    the ground weighing most (a handle's underside does not touch the table)."""
    h, w = a.shape
    x0, y0, x1, y1 = box
    bh = y1 - y0
    lowest, has = _base(alpha, box)
    weight = np.where(has, np.exp(-(y1 - 1 - lowest) / max(1.0, 0.03 * bh)), 0.0).astype(np.float32)
    foot = np.zeros((h, w), np.float32)
    cols = np.arange(x0, x1)
    rows = np.clip(lowest + max(1, int(0.005 * bh)), 0, h - 1)
    foot[rows, cols] = weight
    thick = max(1, int(round(0.012 * bh)))
    foot = cv2.dilate(foot, np.ones((2 * thick + 1, 3), np.uint8))
    core = gaussian_blur(foot, max(1.0, 0.2 * softness * bh))
    ambient = gaussian_blur(foot, max(2.0, 1.2 * softness * bh))
    core /= max(float(core.max()), 1e-6)
    ambient /= max(float(ambient.max()), 1e-6)
    return np.clip(core * 0.8 + ambient * 0.5, 0.0, 1.0)


def _drop(a: np.ndarray, box: tuple[int, int, int, int], softness: float, angle: float) -> np.ndarray:
    h, w = a.shape
    bh = box[3] - box[1]
    shift = LIMITS.drop_distance * bh
    dx, dy = shift * np.cos(np.radians(angle)), shift * np.sin(np.radians(angle))
    moved = cv2.warpAffine(a, np.float32([[1, 0, dx], [0, 1, dy]]), (w, h))
    return gaussian_blur(moved, max(1.0, softness * bh))


def _reflection(alpha: np.ndarray, box: tuple[int, int, int, int],
                images: list[np.ndarray]) -> list[np.ndarray]:
    """``images`` mirrored about each column's base and faded, canvas size (float32)."""
    h, w = alpha.shape
    x0, y0, x1, y1 = box
    bh = y1 - y0
    lowest, has = _base(alpha, box)
    length = max(1, int(LIMITS.reflection_length * bh))
    top = int(lowest[has].min()) + 1
    bottom = min(h, int(lowest[has].max()) + 1 + length)
    ys = np.arange(top, bottom)[:, None]  # destination rows
    dist = ys - lowest[None, :] - 1  # rows below each column's base
    src = np.clip(lowest[None, :] - dist, 0, h - 1)
    fade = np.where((dist >= 0) & has[None, :], np.clip(1.0 - dist / length, 0.0, 1.0) ** 1.5, 0.0)
    out = []
    for img in images:
        layer = np.zeros(img.shape[:2] + img.shape[2:], np.float32)
        cols = np.broadcast_to(np.arange(x0, x1)[None, :], src.shape)
        part = img[src, cols].astype(np.float32)
        f = fade if img.ndim == 2 else fade[..., None]
        layer[top:bottom, x0:x1] = part * f
        out.append(layer)
    return out


def render_shadow(alpha: np.ndarray, settings: ShadowSettings,
                  rgb_canvas: np.ndarray | None = None) -> np.ndarray | None:
    """The shadow for the placed product (see the module's docstring), or None for ``none``."""
    if settings.style == "none" or settings.opacity <= 0:
        return None
    box = alpha_box(alpha)
    if box is None:
        return None
    h, w = alpha.shape
    a = alpha.astype(np.float32) / 255.0
    softness = max(settings.softness, 0.002)
    taper = _border_taper((h, w))
    if settings.style == "contact":
        return (_contact(a, alpha, box, softness) * settings.opacity * taper).astype(np.float32)
    if settings.style == "drop":
        return (_drop(a, box, softness, settings.angle) * settings.opacity * taper).astype(np.float32)
    # reflection: coverage fades with distance; colour is the product's own (premultiplied)
    bh = box[3] - box[1]
    sigma = 0.1 * softness * bh
    if rgb_canvas is None:
        (cover,) = _reflection(alpha, box, [a])
        fade = LIMITS.reflection_strength * 0.5 * settings.opacity
        return (gaussian_blur(cover, sigma) * fade * taper).astype(np.float32)
    cover, colour = _reflection(alpha, box, [a, rgb_canvas.astype(np.float32) * a[..., None]])
    k = LIMITS.reflection_strength * settings.opacity * taper
    cover = gaussian_blur(cover, sigma) * k
    colour = gaussian_blur(colour, sigma) * k[..., None]
    return np.dstack([colour, cover]).astype(np.float32)


def apply(background: np.ndarray, shade: np.ndarray | None) -> np.ndarray:
    """``background`` (HxWx3 float32 0..255) with ``render_shadow``'s result laid on it."""
    if shade is None:
        return background
    if shade.ndim == 2:
        return background * (1.0 - shade[..., None])
    return background * (1.0 - shade[..., 3:]) + shade[..., :3]
