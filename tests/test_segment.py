"""The project's models reproduce rembg's own reference outputs for its test fixture."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from assistant import remove_background
from tests.conftest import product_photo, shared_path


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


@pytest.mark.parametrize("model", ["isnet-general-use", "u2netp"])
def test_matches_rembg_reference_on_its_fixture(model):
    photo = Image.open(shared_path("rembg", "fixtures", "anime-girl-1.jpg"))
    reference = Image.open(shared_path("rembg", "results", f"anime-girl-1.{model}.png"))
    out = remove_background(photo, model=model)
    assert out.mode == "RGBA" and out.size == photo.size
    ours = np.asarray(out.getchannel("A")) > 127
    theirs = np.asarray(reference.getchannel("A")) > 127
    assert _iou(ours, theirs) >= 0.99


def test_u2netp_finds_a_generated_product():
    photo = product_photo((640, 480))
    alpha = np.asarray(remove_background(photo, model="u2netp").getchannel("A")) > 127
    box = np.zeros_like(alpha)
    box[int(480 * 0.8) - int(480 * 0.55):int(480 * 0.8), 320 - 102:320 + 102] = True  # the box's front
    assert _iou(alpha, box) > 0.6
    assert not alpha[:20, :20].any() and not alpha[-20:, -20:].any()
