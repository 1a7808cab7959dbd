"""The pipeline and the `process` command, on the real u2netp model."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from assistant import load_presets, open_photo, process, process_file
from assistant.cli import main
from assistant.errors import AssistantError
from tests.conftest import REPO, SHARED, jpeg_bytes, product_photo

FAST = "u2netp"


def _non_background_box(img: Image.Image, background=(255, 255, 255), tol: int = 12):
    arr = np.asarray(img.convert("RGB")).astype(int)
    diff = np.abs(arr - np.array(background)).max(axis=2) > tol
    ys, xs = np.nonzero(diff)
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def _check_output(path: Path, preset_name: str) -> None:
    preset = load_presets(preset_name)[0]
    img = Image.open(path)
    assert img.size == preset.size
    assert path.stat().st_size <= preset.image.max_bytes
    rgb = np.asarray(img.convert("RGB"))
    if preset.image.background == "#FFFFFF":
        for y, x in ((0, 0), (0, -1), (-1, 0), (-1, -1)):
            assert tuple(rgb[y, x]) == (255, 255, 255), (preset_name, y, x)
    exif = img.getexif()
    assert 0x8825 not in exif and len(exif) == 0  # no GPS, no EXIF at all
    x0, y0, x1, y1 = _non_background_box(img)
    longer = max((x1 - x0) / preset.size[0], (y1 - y0) / preset.size[1])
    assert abs(longer - preset.image.fill) <= 0.02, (preset_name, longer)


def test_car_to_three_presets_via_cli(tmp_path, photo_file):
    src = SHARED / "rembg" / "examples" / "car-1.jpg"
    src = src if src.exists() else photo_file
    out = tmp_path / "OUT"
    code = subprocess.run([sys.executable, "-m", "assistant", "process", str(src), "--preset",
                           "tokopedia,shopee,umum", "--out", str(out), "--model", FAST],
                          cwd=REPO, capture_output=True, text=True)
    assert code.returncode == 0, code.stderr
    rows = list(csv.DictReader((out / "report.csv").open()))  # Indonesian headers by default
    assert [r["marketplace"] for r in rows] == ["tokopedia", "shopee", "umum"]
    assert all(r["status"] == "berhasil" for r in rows)
    assert list(rows[0])[:8] == ["foto", "marketplace", "berkas_hasil", "status", "pesan", "lebar", "tinggi",
                                 "ukuran_byte"]
    for row in rows:  # tokopedia and umum get the same bytes: one file, in "tokopedia+umum/"
        _check_output(out / row["berkas_hasil"], row["marketplace"])
    assert rows[0]["berkas_hasil"] == rows[2]["berkas_hasil"] == f"tokopedia+umum/{src.stem}.jpg"


def test_every_preset_from_one_photo_with_one_segmentation(monkeypatch, photo_file):
    from assistant.models import session as segment

    calls = []
    real = segment.Segmenter.predict
    monkeypatch.setattr(segment.Segmenter, "predict", lambda self, rgb: calls.append(1) or real(self, rgb))
    names = [p.name for p in load_presets("umum,shopee,instagram-portrait,amazon,lazada")]
    photo = open_photo(photo_file, max_side=3000)
    result = process(photo, ",".join(names), model=FAST)
    assert len(calls) == 1
    assert [o.preset.name for o in result.outputs] == names
    for output in result.outputs:
        assert output.image.size == output.preset.size
        assert len(output.data) <= output.preset.image.max_bytes


def test_generated_photo_outputs_meet_the_rules(tmp_path, photo_file):
    paths = process_file(photo_file, tmp_path, ["umum", "instagram-portrait"], model=FAST)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == ["umum/produk.jpg", "instagram-portrait/produk.jpg"]
    _check_output(paths[0], "umum")
    img = np.asarray(Image.open(paths[0]).convert("RGB")).astype(int)
    assert img[900, 600, 0] > 150 and img[900, 600, 1] < 100  # the red box below its label, still red


def test_background_colour_and_transparency(tmp_path, photo_file):
    photo = open_photo(photo_file)
    result = process(photo, "umum,etsy", model=FAST, background="#F0E0C0")
    for output in result.outputs:
        assert tuple(np.asarray(output.image)[0, 0]) == (240, 224, 192)
    result = process(photo, "umum,etsy", model=FAST, background="transparent")
    umum, etsy = result.outputs
    assert umum.image.mode == "RGB" and umum.notices[0].code == "transparent_not_allowed"
    assert etsy.image.mode == "RGBA" and etsy.extension == ".png"
    assert np.asarray(etsy.image)[0, 0, 3] == 0


def test_bad_colour_is_a_clear_error(photo_file):
    with pytest.raises(AssistantError) as err:
        process(open_photo(photo_file), "umum", model=FAST, background="putih")
    assert "#FFFFFF" in err.value.message("id")


def test_transparent_png_uses_its_own_alpha(tmp_path):
    from assistant.models import session as segment

    img = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    img.paste((30, 90, 200, 255), (100, 50, 300, 350))
    photo = open_photo(_png(img))
    result = process(photo, "umum", model="no-model-needed")  # the model is never asked for
    x0, y0, x1, y1 = _non_background_box(result.outputs[0].image)
    assert abs((y1 - y0) / 1200 - 0.85) <= 0.02
    assert segment is not None


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_folder_with_one_bad_file_keeps_the_rest(tmp_path):
    src = tmp_path / "in"
    (src / "vendor_a").mkdir(parents=True)
    (src / "vendor_b").mkdir()
    (src / "vendor_a" / "keripik.jpg").write_bytes(jpeg_bytes(product_photo(seed=1)))
    (src / "vendor_b" / "sambal.jpg").write_bytes(jpeg_bytes(product_photo(seed=2, colour=(40, 120, 200))))
    (src / "vendor_b" / "rusak.jpg").write_bytes(b"bukan foto")
    out = tmp_path / "out"
    code = main(["--lang", "id", "process", str(src), "--preset", "umum,shopee", "--out", str(out),
                 "--model", FAST])
    assert code == 1
    assert (out / "vendor_a" / "umum" / "keripik.jpg").is_file()
    assert (out / "vendor_b" / "shopee" / "sambal.jpg").is_file()
    rows = list(csv.DictReader((out / "report.csv").open()))
    bad = [r for r in rows if r["status"] == "gagal"]
    assert len(bad) == 2 and all("rusak.jpg" in r["foto"] for r in bad)
    assert "bukan foto" in bad[0]["pesan"]
    assert sum(r["status"] == "berhasil" for r in rows) == 4


def test_writing_into_an_input_folder_is_refused(tmp_path, photo_file, capsys):
    code = main(["--lang", "en", "process", str(tmp_path), "--preset", "umum", "--out", str(tmp_path / "out")])
    assert code == 2
    assert "inside the photo folder" in capsys.readouterr().err


def test_bad_usage_exits_2(tmp_path, photo_file, capsys):
    assert main(["process", str(photo_file), "--preset", "bukalapak", "--out", str(tmp_path / "o")]) == 2
    assert "bukalapak" in capsys.readouterr().err
    assert main(["process", str(photo_file), "--preset", "umum", "--out", str(tmp_path / "o"),
                 "--model", "nope"]) == 2


def test_outputs_keep_the_folder_structure(tmp_path):
    src = tmp_path / "foto"
    (src / "a" / "b").mkdir(parents=True)
    (src / "a" / "b" / "x.png").write_bytes(_png(product_photo((500, 400)).convert("RGBA")))
    shutil.copy(src / "a" / "b" / "x.png", src / "y.png")
    assert main(["process", str(src), "--preset", "umum", "--out", str(tmp_path / "o"), "--model", FAST]) == 0
    # the first folder level is the vendor: <vendor>/<marketplace>/<the rest>; loose photos: <marketplace>/
    assert (tmp_path / "o" / "a" / "umum" / "b" / "x.jpg").is_file()
    assert (tmp_path / "o" / "umum" / "y.jpg").is_file()


def test_48mp_photo_is_never_fully_decoded_for_a_1200px_output(tmp_path):
    src = tmp_path / "48mp.jpg"
    base = product_photo((800, 600), seed=5).resize((8000, 6000), Image.Resampling.NEAREST)
    base.save(src, quality=80)
    chosen = load_presets("umum")
    from assistant.pipeline import working_side

    photo = open_photo(src, max_side=working_side(chosen))
    assert photo.original_size == (8000, 6000)
    assert photo.decoded_size == (2000, 1500)  # JPEG draft mode at 1/4: 3 MP, not 48 MP
    result = process(photo, chosen, model=FAST)
    assert result.photo.decoded_size == (2000, 1500)
    assert result.outputs[0].image.size == (1200, 1200)
