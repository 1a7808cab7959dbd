"""Photo intake: every kind of phone photo comes in upright 8-bit sRGB; bad files get their own message."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageCms

from assistant.errors import AssistantError
from assistant.photo import MAX_PIXELS, MIN_SIDE, encode_image, open_photo
from tests.conftest import jpeg_bytes, product_photo
from tests.imagegen import display_p3_profile, png_bytes, quadrant_image, rotated_jpeg


def _code(data: bytes, **kwargs) -> AssistantError:
    with pytest.raises(AssistantError) as err:
        open_photo(data, **kwargs)
    return err.value


# --- bad inputs: each with its own message, in Bahasa Indonesia and English ---

def test_empty_file():
    err = _code(b"")
    assert err.code == "photo_empty"
    assert "kosong" in err.message("id") and "empty" in err.message("en")


def test_not_an_image():
    err = _code(b"Ini bukan foto, hanya catatan harga.\n" * 20)
    assert err.code == "photo_not_image"
    assert "bukan foto" in err.message("id") and "not a photo" in err.message("en")


def test_truncated_jpeg():
    data = jpeg_bytes(product_photo((400, 300)))
    err = _code(data[: len(data) // 2])
    assert err.code == "photo_truncated"
    assert "terpotong" in err.message("id") and "cut short" in err.message("en")


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions (a decompression bomb's trick)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding():
    data = _png_header_only(20000, 20000)
    assert len(data) < 200
    err = _code(data)
    assert err.code == "photo_too_many_pixels"
    assert str(MAX_PIXELS // 1_000_000) in err.message("en") and "megapiksel" in err.message("id")


def test_too_small():
    err = _code(png_bytes(Image.new("RGB", (60, 40), "white")))
    assert err.code == "photo_too_small"
    assert str(MIN_SIDE) in err.message("id") and "too small" in err.message("en")


def test_messages_differ_per_case():
    codes = {_code(b"").code, _code(b"hello world" * 10).code, _code(_png_header_only(20000, 20000)).code,
             _code(png_bytes(Image.new("RGB", (10, 10)))).code}
    assert len(codes) == 4


# --- orientation, colour, modes ---

@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_comes_out_upright(orientation):
    upright = quadrant_image()
    photo = open_photo(rotated_jpeg(orientation, upright))
    assert photo.size == upright.size
    arr, ref = np.asarray(photo.image).astype(int), np.asarray(upright).astype(int)
    w, h = upright.size
    for x, y in ((w // 4, h // 4), (3 * w // 4, h // 4), (w // 4, 3 * h // 4), (3 * w // 4, 3 * h // 4)):
        assert np.abs(arr[y, x] - ref[y, x]).max() < 25, (orientation, x, y)


def test_display_p3_is_converted_to_srgb():
    icc = display_p3_profile()
    img = Image.new("RGB", (200, 200), (40, 180, 60))
    photo = open_photo(png_bytes(img, icc_profile=icc))
    expected = ImageCms.profileToProfile(img, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                         ImageCms.createProfile("sRGB"), outputMode="RGB")
    got = np.asarray(photo.image)[100, 100].astype(int)
    assert np.abs(got - np.asarray(expected)[100, 100]).max() <= 1
    assert np.abs(got - np.array([40, 180, 60])).max() >= 5  # it really changed
    assert any("sRGB" in h for h in photo.history)


@pytest.mark.parametrize("mode", ["P", "L", "LA", "CMYK", "I;16", "RGBA"])
def test_modes_become_8bit_rgb(mode):
    base = Image.new("RGB", (160, 120), (200, 120, 40))
    if mode == "I;16":
        arr = np.full((120, 160), 40000, np.uint16)
        img, fmt = Image.fromarray(arr), "PNG"
    elif mode == "CMYK":
        img, fmt = base.convert("CMYK"), "JPEG"
    else:
        img, fmt = base.convert(mode), "PNG"
    buf = io.BytesIO()
    img.save(buf, fmt)
    photo = open_photo(buf.getvalue())
    assert photo.image.mode == "RGB" and photo.size == (160, 120)
    if mode == "I;16":
        assert abs(int(np.asarray(photo.image)[0, 0, 0]) - round(40000 / 257)) <= 1


def test_transparent_png_keeps_alpha_as_hint():
    img = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    img.paste((10, 120, 200, 255), (50, 50, 150, 150))
    photo = open_photo(png_bytes(img))
    assert photo.hint_alpha is not None
    a = np.asarray(photo.hint_alpha)
    assert a[0, 0] == 0 and a[100, 100] == 255


def test_palette_with_transparency_keeps_alpha():
    img = Image.new("P", (150, 150), 0)
    img.putpalette([255, 255, 255, 200, 30, 30] + [0] * 762)
    img.paste(1, (40, 40, 110, 110))
    img.info["transparency"] = 0
    photo = open_photo(png_bytes(img, transparency=0))
    assert photo.hint_alpha is not None and np.asarray(photo.hint_alpha)[0, 0] == 0


def test_heic_photo_opens():
    pillow_heif = pytest.importorskip("pillow_heif")
    buf = io.BytesIO()
    product_photo((320, 240)).save(buf, "HEIF", quality=90)
    assert pillow_heif is not None
    photo = open_photo(buf.getvalue())
    assert photo.size == (320, 240) and photo.image.mode == "RGB"


def test_large_jpeg_is_decoded_in_draft_mode():
    big = Image.new("RGB", (4000, 3000), (200, 200, 200))
    data = jpeg_bytes(big)
    photo = open_photo(data, max_side=1800)
    assert photo.original_size == (4000, 3000)
    assert photo.decoded_size == (2000, 1500)  # 1/2 scale: the smallest that covers 1800
    assert max(photo.size) <= 2000


def test_export_strips_gps_and_device_metadata():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"
    exif[0x0132] = "2026:11:28 10:00:00"
    exif[0x8825] = {1: "S", 2: (6.0, 59.0, 0.0)}  # GPS
    photo = open_photo(jpeg_bytes(product_photo((300, 300)), exif=exif.tobytes()))
    data = encode_image(photo.image, "jpeg", 90)
    out = Image.open(io.BytesIO(data))
    assert len(out.getexif()) == 0
    assert b"PhoneMaker" not in data and b"GPS" not in data
    assert out.info.get("icc_profile")  # sRGB is stated


def test_the_same_image_encodes_to_the_same_bytes_in_every_process():
    # The embedded sRGB profile must not carry the time the process made it.
    import subprocess
    import sys
    import time

    from tests.conftest import REPO

    code = ("import hashlib, numpy as np; from PIL import Image; from assistant.photo import encode_image; "
            "img = Image.fromarray(np.arange(64 * 64 * 3, dtype=np.uint8).reshape(64, 64, 3)); "
            "print(hashlib.sha256(encode_image(img, 'jpeg', 90)).hexdigest())")
    digests = set()
    for _ in range(2):
        digests.add(subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                                   check=True).stdout.strip())
        time.sleep(1.1)  # the profile's date has whole seconds
    assert len(digests) == 1 and len(next(iter(digests))) == 64
