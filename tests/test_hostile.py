"""Hostile input: a generated corpus of broken and odd files, each with a clear message and no crash."""

from __future__ import annotations

import csv
import gzip
import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from assistant import AssistantError, open_photo, run_batch
from tests.conftest import jpeg_bytes, product_photo
from tests.imagegen import png_bytes

GOOD = product_photo((400, 300), seed=3)


def _chunk(kind: bytes, body: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + body) if crc is None else crc
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _png_raw(width: int, height: int, bad_crc: bool = False) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\0" + b"\x80" * (3 * width) for _ in range(min(height, 4)))
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr, 1234 if bad_crc else None)
            + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b""))


def _jpeg_with_dims(width: int, height: int) -> bytes:
    data = bytearray(jpeg_bytes(Image.new("RGB", (16, 16), "white")))
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _exif_jpeg(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return jpeg_bytes(GOOD, exif=exif.tobytes())


def _corrupt_exif_jpeg() -> bytes:
    data = jpeg_bytes(GOOD)
    app1 = b"Exif\0\0" + b"MM\0*" + b"\xff\xff\xff\xf0" + os.urandom(40)
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + data[2:]


def _animated(fmt: str) -> bytes:
    frames = [product_photo((240, 200), seed=i, colour=c) for i, c in enumerate(((200, 40, 40), (40, 160, 60), (40, 60, 200)))]
    buf = io.BytesIO()
    frames[0].save(buf, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _palette_transparent() -> bytes:
    img = Image.new("P", (200, 200), 0)
    img.putpalette([255, 255, 255, 200, 30, 30] + [0] * 762)
    img.paste(1, (50, 50, 150, 150))
    return png_bytes(img, transparency=0)


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.jpg", jpeg_bytes(GOOD))
    return buf.getvalue()


# name -> (file name, bytes, expected: an error code, or "ok")
CORPUS: dict[str, tuple[str, bytes, str]] = {
    "zero_bytes": ("kosong.jpg", b"", "photo_empty"),
    "random_bytes": ("acak.jpg", np.random.default_rng(1).integers(0, 256, 5000, np.uint8).tobytes(), "photo_not_image"),
    "text_as_jpg": ("catatan.jpg", "Harga keripik: Rp 15.000\n".encode() * 30, "photo_not_image"),
    "html_as_jpg": ("halaman.jpg", b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>", "photo_not_image"),
    "svg_as_png": ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg" width="500" height="500"><rect width="500" height="500"/></svg>', "photo_not_image"),
    "pdf_as_jpg": ("katalog.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "photo_not_image"),
    "gzip_as_jpg": ("arsip.jpg", gzip.compress(jpeg_bytes(GOOD)), "photo_not_image"),
    "zip_as_jpg": ("paket.jpg", _zip_bytes(), "photo_not_image"),
    "truncated_jpeg": ("potong.jpg", jpeg_bytes(GOOD)[:3000], "photo_truncated"),
    "truncated_progressive_jpeg": ("potong2.jpg", jpeg_bytes(GOOD, progressive=True)[:4000], "photo_truncated"),
    "jpeg_soi_eoi_only": ("kosong2.jpg", b"\xff\xd8\xff\xd9", "photo_not_image|photo_truncated"),
    "truncated_png": ("potong.png", png_bytes(GOOD)[:2000], "photo_truncated"),
    "png_signature_only": ("sig.png", b"\x89PNG\r\n\x1a\n", "photo_truncated|photo_not_image"),
    "png_bad_crc": ("crc.png", _png_raw(300, 300, bad_crc=True), "photo_truncated|photo_not_image"),
    "one_by_one": ("titik.png", png_bytes(Image.new("RGB", (1, 1), "red")), "photo_too_small"),
    "hundred_thousand_by_one": ("garis.png", png_bytes(Image.new("RGB", (100000, 1), "red")), "photo_too_small"),
    "bomb_png_header": ("bom.png", _png_raw(30000, 30000), "photo_too_many_pixels"),
    "bomb_jpeg_header": ("bom.jpg", _jpeg_with_dims(60000, 60000), "photo_too_many_pixels"),
    "zero_dims_jpeg": ("nol.jpg", _jpeg_with_dims(0, 0), "photo_truncated|photo_not_image|photo_too_small"),
    "animated_gif": ("animasi.gif", _animated("GIF"), "ok:photo_first_frame"),
    "animated_webp": ("animasi_webp.webp", _animated("WEBP"), "ok:photo_first_frame"),
    "png_16bit_rgb": ("enambelas.png", cv2.imencode(".png", np.asarray(GOOD).astype(np.uint16) * 257)[1].tobytes(), "ok"),
    "png_16bit_grey": ("abu16.png", png_bytes(Image.fromarray(np.asarray(GOOD.convert("L")).astype(np.uint16) * 257)), "ok"),
    "cmyk_jpeg": ("cmyk.jpg", jpeg_bytes(GOOD.convert("CMYK")), "ok"),
    "grey_alpha": ("abu_alpha.png", png_bytes(GOOD.convert("LA")), "ok"),
    "palette_transparency": ("palet.png", _palette_transparent(), "ok"),
    "exif_orientation_0": ("orient0.jpg", _exif_jpeg(0), "ok:photo_exif_ignored"),
    "exif_orientation_9": ("orient9.jpg", _exif_jpeg(9), "ok:photo_exif_ignored"),
    "exif_orientation_65535": ("orient_max.jpg", _exif_jpeg(65535), "ok:photo_exif_ignored"),
    "corrupt_exif": ("exif_rusak.jpg", _corrupt_exif_jpeg(), "ok:photo_exif_ignored"),
    "empty_heic": ("kosong.heic", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", "photo_not_image|photo_truncated"),
    "bmp": ("foto.bmp", _encode(GOOD, "BMP"), "ok"),
    "tiff_two_pages": ("dua.tiff", _encode(GOOD, "TIFF", save_all=True, append_images=[GOOD]), "ok:photo_first_frame"),
    "webp_lossless_alpha": ("alpha.webp", _encode(GOOD.convert("RGBA"), "WEBP", lossless=True), "ok"),
    "jpeg_trailing_garbage": ("ekor.jpg", jpeg_bytes(GOOD) + b"\0garbage" * 100, "ok"),
    "ico_as_png": ("ikon.png", _encode(Image.new("RGB", (64, 64), "blue"), "ICO"), "photo_not_image|photo_too_small"),
    "png_text_bomb": ("teks.png", _png_raw(200, 200)[:-12] + _chunk(b"zTXt", b"k\0\0" + zlib.compress(b"A" * 20_000_000)) + _chunk(b"IEND", b""), "photo_truncated|ok|photo_not_image"),
    "heic_valid": ("iphone.heic", _encode(GOOD, "HEIF"), "ok"),
    "greyscale_jpeg": ("abu.jpg", jpeg_bytes(GOOD.convert("L")), "ok"),
    "tiny_but_allowed": ("kecil.png", png_bytes(GOOD.resize((100, 100))), "ok"),
}

NAMES_ODD = ["kue lapis legit ñ 漢字.jpg", "foto\nbaris.jpg", "$(touch pwned);`id`&.jpg", "-rf --help.jpg", "'quote\".jpg"]


def test_corpus_is_big_enough():
    assert len(CORPUS) + len(NAMES_ODD) >= 40


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_each_case_opens_or_says_why(case):
    name, data, expected = CORPUS[case]
    try:
        photo = open_photo(data, max_side=1800)
    except AssistantError as err:
        assert err.code in expected.split("|"), (case, err.code)
        for lang in ("id", "en"):
            text = err.message(lang)
            assert text and "Traceback" not in text and "{" not in text
        assert err.message("id") != err.message("en")
        return
    assert any(e.startswith("ok") for e in expected.split("|")), (case, "opened but expected", expected)
    assert photo.image.mode == "RGB" and min(photo.size) >= 1
    if ":" in expected:
        assert expected.split(":")[1] in [n.code for n in photo.notices], case


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "besar.jpg"
    with path.open("wb") as handle:
        handle.truncate(200_000_000)  # sparse: costs no disk
    with pytest.raises(AssistantError) as err:
        open_photo(path)
    assert err.value.code == "photo_file_too_large"


def test_whole_corpus_in_one_folder_costs_only_its_own_rows(tmp_path):
    src = tmp_path / "masuk"
    src.mkdir()
    for name, data, _ in CORPUS.values():
        (src / name).write_bytes(data)
    for odd in NAMES_ODD:
        (src / odd).write_bytes(jpeg_bytes(GOOD))
    (src / "folder.jpg").mkdir()  # a folder with a photo's name
    out = tmp_path / "hasil"
    rows = run_batch([src], out, "umum", model="u2netp", lang="id")
    by_input = {Path(r.input).name: r for r in rows}
    assert set(by_input) >= {n for n, _, _ in CORPUS.values()} | set(NAMES_ODD)
    for name, _, expected in CORPUS.values():
        row = by_input[name]
        if expected.startswith("ok") and "|" not in expected:
            assert row.status == "ok", (name, row.message)
            assert (out / row.output).is_file()
        if row.status == "error":
            assert row.message and "Traceback" not in row.message
    for odd in NAMES_ODD:
        assert by_input[odd].status == "ok"
        assert (out / by_input[odd].output).is_file()
    assert not (Path.cwd() / "pwned").exists()
    report = list(csv.DictReader((out / "report.csv").open(encoding="utf-8")))
    assert len(report) == len(rows)
