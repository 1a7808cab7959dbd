"""Filters: box and Gaussian blurs and the guided filter (colour and grey guide)."""

from __future__ import annotations

import threading
import weakref

import cv2
import numpy as np


def box_blur(x: np.ndarray, r: int, border: int = cv2.BORDER_REFLECT) -> np.ndarray:
    """Mean over a (2r+1)^2 window (``cv2.boxFilter``), same dtype."""
    return cv2.boxFilter(x, -1, (2 * r + 1, 2 * r + 1), borderType=border)


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; wide ones at a reduced size (for smooth results such as shadows) to stay fast."""
    if sigma < 0.5:
        return img
    h, w = img.shape[:2]
    k = int(sigma // 6)
    if k < 2:
        return cv2.GaussianBlur(img, (0, 0), sigma)
    small = cv2.resize(img, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / k)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def guided_filter_coeffs(guide: np.ndarray, p: np.ndarray, r: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Colour guided filter (He, Sun & Tang 2013): window-averaged (a, b), q = a . I + b.

    ``guide`` HxWx3 float32 0..1, ``p`` HxW float32; box filters only (cv2.boxFilter).
    """
    mean_i = box_blur(guide, r)
    mean_p = box_blur(p, r)
    cov_ip = box_blur(guide * p[..., None], r) - mean_i * mean_p[..., None]
    rr, rg, rb, gg, gb, bb = (box_blur(guide[..., j] * guide[..., k], r) - mean_i[..., j] * mean_i[..., k]
                              for j, k in ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)))
    rr, gg, bb = rr + eps, gg + eps, bb + eps
    # The 3x3 covariance's inverse by cofactors (it is symmetric).
    c00, c01, c02 = gg * bb - gb * gb, gb * rb - rg * bb, rg * gb - gg * rb
    c11, c12, c22 = rr * bb - rb * rb, rb * rg - rr * gb, rr * gg - rg * rg
    det = rr * c00 + rg * c01 + rb * c02
    det = np.where(np.abs(det) < 1e-12, 1e-12, det)
    cx, cy, cz = cov_ip[..., 0], cov_ip[..., 1], cov_ip[..., 2]
    a = np.dstack([(c00 * cx + c01 * cy + c02 * cz) / det,
                   (c01 * cx + c11 * cy + c12 * cz) / det,
                   (c02 * cx + c12 * cy + c22 * cz) / det]).astype(np.float32)
    b = (mean_p - (a * mean_i).sum(axis=2)).astype(np.float32)
    return box_blur(a, r), box_blur(b, r)


def guided_filter(guide: np.ndarray, p: np.ndarray, r: int, eps: float) -> np.ndarray:
    """The guided filter's output at the guide's size (``guide`` uint8 or float 0..1)."""
    g = guide.astype(np.float32) / (255.0 if guide.dtype == np.uint8 else 1.0)
    a, b = guided_filter_coeffs(g, p.astype(np.float32), r, eps)
    return (a * g).sum(axis=2) + b


def gray_guided_filter(guide: np.ndarray, p: np.ndarray, r: int, eps: float) -> np.ndarray:
    """The guided filter with a grey guide (HxW float32 0..1): a third of the colour one's cost."""
    mean_i, mean_p = box_blur(guide, r), box_blur(p, r)
    a = (box_blur(guide * p, r) - mean_i * mean_p) / (box_blur(guide * guide, r) - mean_i * mean_i + eps)
    b = mean_p - a * mean_i
    return box_blur(a, r) * guide + box_blur(b, r)


def ellipse(rx: float, ry: float) -> np.ndarray:
    """An elliptic structuring element of radii ``rx``, ``ry`` (at least 1)."""
    rx, ry = max(1, round(rx)), max(1, round(ry))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rx + 1, 2 * ry + 1))


def shrink(img: np.ndarray, size: tuple[int, int], last: int = cv2.INTER_AREA) -> np.ndarray:
    """Area-average downsampling to ``size`` (w, h): exact halvings first (much faster), then one
    step of less than 2x with ``last``. OpenCV's area resize takes its fast path only at
    whole-number ratios: that last step at 1000 -> 900 px costs 11 ms where INTER_LINEAR costs
    2, for a picture under one level different on average; the hand and hole detectors keep the
    area step (their decisions sit on thresholds that it moves)."""
    first = True
    while img.shape[1] >= 2 * size[0] and img.shape[0] >= 2 * size[1]:
        img = _photo_half(img) if first and not img.flags.writeable else _half(img)
        first = False
    if (img.shape[1], img.shape[0]) == tuple(size):
        return img
    return cv2.resize(img, size, interpolation=last if img.shape[1] >= size[0] and img.shape[0] >= size[1]
                      else cv2.INTER_AREA)


def _half(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.resize(img[:h // 2 * 2, :w // 2 * 2], (w // 2, h // 2), interpolation=cv2.INTER_AREA)


_last_half = threading.local()


def _photo_half(img: np.ndarray) -> np.ndarray:
    """``_half`` of a read-only array (the pipeline's photo, ``pipeline.pixels``), made once per
    thread: ``cutout.cut``'s readers of the photo (decide_alpha's colour models, the guided
    filter's guide, the hand search) each start by halving the same photo. Measured (round 10,
    58 real photos, CPU time): 32 halvings spared, 2.7 ms each, on photos at least twice as
    large as the grid they are shrunk to (none on the review set's 348 px photos). To make it
    explicit, ``cut`` would halve the photo once and hand the half to those three."""
    held = getattr(_last_half, "held", None)
    if held is not None and held[0]() is img:
        return held[1]
    half = _half(img)
    _last_half.held = (weakref.ref(img), half)
    return half


def block_mean(img: np.ndarray, factor: int) -> np.ndarray:
    """The mean of each ``factor`` x ``factor`` block, the last rows and columns that do not fill
    a block left out: an area resize at a whole-number ratio, OpenCV's fast path."""
    h, w = img.shape[:2]
    if factor <= 1:
        return img
    sh, sw = max(1, h // factor), max(1, w // factor)
    return cv2.resize(img[:sh * factor, :sw * factor], (sw, sh), interpolation=cv2.INTER_AREA)


def block_upsize(small: np.ndarray, factor: int, size: tuple[int, int]) -> np.ndarray:
    """Back from ``block_mean`` to ``size`` (w, h): bilinear over the whole blocks, the last
    row and column repeated over the pixels past them."""
    sh, sw = small.shape[:2]
    up = cv2.resize(small, (sw * factor, sh * factor), interpolation=cv2.INTER_LINEAR)
    return cv2.copyMakeBorder(up, 0, size[1] - sh * factor, 0, size[0] - sw * factor, cv2.BORDER_REPLICATE)
