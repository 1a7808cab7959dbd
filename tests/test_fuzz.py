"""Fuzzing: mutated JPEG, PNG and WebP bytes through intake and the pipeline; only AssistantError may escape."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from assistant import AssistantError, open_photo, process
from tests.conftest import product_photo

_BASE = product_photo((220, 160), seed=7)


def _encode(fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    _BASE.save(buf, fmt, **kw)
    return buf.getvalue()


SEEDS = [_encode("JPEG", quality=80), _encode("JPEG", quality=80, progressive=True), _encode("PNG"),
         _encode("WEBP", quality=70), _encode("WEBP", lossless=True)]


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        pos = draw(st.integers(0, len(data) - 1))
        data[pos] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        pos = draw(st.integers(0, len(data)))
        data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
    if draw(st.integers(0, 3)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(mutated())
def test_intake_raises_only_assistant_errors(data):
    try:
        photo = open_photo(data, max_side=1800)
    except AssistantError as err:
        assert err.message("id") and err.message("en")
        return
    assert photo.image.mode == "RGB"
    photo.image.load()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(mutated())
def test_pipeline_raises_only_assistant_errors(data):
    try:
        result = process(open_photo(data, max_side=1800), "umum,shopee", model="u2netp")
    except AssistantError as err:
        assert err.message("id")
        return
    for output in result.outputs:
        assert Image.open(io.BytesIO(output.data)).size == output.preset.size
