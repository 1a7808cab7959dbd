"""The project's models reproduce rembg's own reference outputs for its test fixture, and the public
``remove_background`` gives the pipeline's cutout (issue 15)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from assistant import open_photo, remove_background, standardize_lighting
from assistant.pipeline import cut_out
from tests.conftest import product_photo, shared_path


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


@pytest.mark.parametrize("model", ["isnet-general-use", "u2netp"])
def test_matches_rembg_reference_on_its_fixture(model):
    photo = Image.open(shared_path("rembg", "fixtures", "anime-girl-1.jpg"))
    reference = Image.open(shared_path("rembg", "results", f"anime-girl-1.{model}.png"))
    out = remove_background(photo, model=model, raw=True)  # the model's own mask, as rembg gives it
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


@pytest.mark.parametrize("model", ["isnet-general-use", "u2netp"])
@pytest.mark.parametrize("size", [(1999, 1499), (1100, 825), (4000, 3000), (4000, 3)])
def test_the_model_input_is_exactly_rembgs(model, size):
    """The documented preparation, pixel for pixel: rembg's LANCZOS to the input size (box-reduced
    first past twice that size), (x / max - mean) / std, NCHW; whatever shortcuts prepare takes
    (a resize split over two threads, OpenCV's blob maker)."""
    from assistant.models import session as segment

    rgb = np.random.default_rng(7).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    seg = segment.get_segmenter(model)
    side = seg.info.input_size
    small = Image.fromarray(rgb).resize((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    x = np.asarray(small, np.float32)
    x = (x / x.max() - np.asarray(seg.info.mean, np.float32)) / np.asarray(seg.info.std, np.float32)
    expected = x.transpose(2, 0, 1)[None]
    got = seg.prepare(rgb)
    assert got.shape == expected.shape and got.dtype == np.float32
    assert float(np.abs(got - expected).max()) < 1e-5


def _same_cut_as_the_pipeline(photo, model: str | None) -> None:
    out = remove_background(photo.image, model=model)
    assert out.mode == "RGBA" and out.size == photo.image.size
    ours = np.asarray(out.getchannel("A"))
    pipeline = np.asarray(cut_out(photo, model).alpha)
    assert np.array_equal(ours, pipeline)
    raw = np.asarray(remove_background(photo.image, model=model, raw=True).getchannel("A"))
    assert raw.shape == ours.shape and not np.array_equal(raw, ours)  # refined, not the model's mask


def test_remove_background_is_the_pipelines_cutout_on_a_real_photo():
    path = shared_path("grocery_phone", "images", "Packages__Alpro-Shelf-Soy-Milk__Alpro-Shelf-Soy-Milk_003.jpg")
    _same_cut_as_the_pipeline(open_photo(path), None)


def test_remove_background_is_the_pipelines_cutout_on_a_generated_photo():
    buf = io.BytesIO()
    product_photo((640, 480)).save(buf, "PNG")
    _same_cut_as_the_pipeline(open_photo(buf.getvalue()), "u2netp")


def test_standardize_lighting_without_a_mask_uses_the_cutout(monkeypatch):
    from assistant.stages import lighting

    photo = product_photo((480, 360))
    seen = []
    real = lighting.standardize_lighting
    monkeypatch.setattr(lighting, "standardize_lighting", lambda image, mask, settings=None, ignore=None:
                        seen.append((mask, ignore)) or real(image, mask, settings, ignore))
    out = standardize_lighting(photo, model="u2netp")
    assert out.size == photo.size and out.mode == "RGB"
    expected = remove_background(photo, model="u2netp").getchannel("A")
    assert seen and np.array_equal(np.asarray(seen[0][0]), np.asarray(expected))
    assert seen[0][1] is None  # no hand in this photo: nothing left out of the light
