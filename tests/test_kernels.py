"""The compiled kernels (assistant/imaging/kernels.py) give their numpy/OpenCV twins' pixels."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from assistant.imaging import kernels
from assistant.stages import cutout
from assistant.stages.lighting import correct

pytest.importorskip("numba")


@pytest.fixture
def numpy_path():
    def run(fn, *args):
        kernels.USE = False
        try:
            return fn(*args)
        finally:
            kernels.USE = True
    return run


def _product(seed: int = 0, size: tuple[int, int] = (420, 560)) -> tuple[np.ndarray, np.ndarray]:
    """A noisy photo of a bright, partly clipped product with soft edges on a tinted backdrop."""
    rng = np.random.default_rng(seed)
    h, w = size
    rgb = np.empty((h, w, 3), np.uint8)
    rgb[:] = (150, 170, 120)
    cv2.ellipse(rgb, (w // 2, h // 2), (w // 3, h // 3), 15, 0, 360, (250, 240, 90), -1)
    cv2.rectangle(rgb, (w // 3, h // 3), (w // 2, h // 2), (255, 255, 255), -1)
    rgb = np.clip(rgb + rng.normal(0, 6, rgb.shape), 0, 255).astype(np.uint8)
    alpha = np.zeros((h, w), np.uint8)
    cv2.ellipse(alpha, (w // 2, h // 2), (w // 3, h // 3), 15, 0, 360, 255, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 4)
    alpha[: h // 6, : w // 6] = 128  # a partial corner at the crop's edge
    return rgb, alpha


def test_decontaminate_kernel_matches_the_numpy_path(numpy_path):
    for seed in range(3):
        rgb, alpha = _product(seed)
        fast = cutout.decontaminate(rgb, alpha)
        slow = numpy_path(cutout.decontaminate, rgb, alpha)
        diff = np.abs(fast.astype(int) - slow.astype(int))
        assert diff.max() <= 1, diff.max()  # float order only
        assert (diff > 0).mean() < 1e-3
        solid = (alpha == 0) | (alpha == 255)
        assert np.array_equal(fast[solid], rgb[solid])  # opaque and clear pixels untouched


def test_highlight_rebuild_kernel_is_exact(numpy_path):
    rgb, _ = _product(1)
    lut = correct._channel_luts(np.array([1.12, 1.0, 0.86]))
    out = cv2.LUT(rgb, lut.reshape(256, 1, 3))
    fast = correct._rebuild_highlights(rgb, out)
    slow = numpy_path(correct._rebuild_highlights, rgb, out)
    assert np.array_equal(fast, slow)
    assert not np.array_equal(fast, out)  # the clipped white was rebuilt


def test_output_sharpening_kernel_is_exact(numpy_path):
    from assistant.presets import LightingSettings
    from assistant.stages import framing

    rgb, _ = _product(2)
    for scale in (0.7, 1.6):
        fast = framing.sharpen_rgb(rgb, LightingSettings(sharpen=0.6), scale)
        slow = numpy_path(framing.sharpen_rgb, rgb, LightingSettings(sharpen=0.6), scale)
        assert np.array_equal(fast, slow)


def test_compose_kernel_is_exact(numpy_path):
    from assistant.stages import framing

    rgb, alpha = _product(3)
    for shadow in (None, np.clip(np.linspace(0, 0.4, alpha.size, dtype=np.float32), 0, 1).reshape(alpha.shape)):
        fast = np.asarray(framing.compose(rgb, alpha, (250, 250, 250), shadow))
        slow = np.asarray(numpy_path(framing.compose, rgb, alpha, (250, 250, 250), shadow))
        assert np.array_equal(fast, slow)
    soft = np.full_like(alpha, 100)  # a soft mask all over: the other numpy branch
    assert np.array_equal(np.asarray(framing.compose(rgb, soft, (0, 0, 0))),
                          np.asarray(numpy_path(framing.compose, rgb, soft, (0, 0, 0))))
