"""The `mockup` command and assistant.packaging: labels from files, hero shots, sizes from presets."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from assistant.cli import main
from assistant.mockup.files import mockup_files, open_label
from tests.conftest import jpeg_bytes, product_photo
from tests.imagegen import png_bytes


def _label(path, transparent=False):
    img = Image.new("RGBA" if transparent else "RGB", (900, 600), (0, 0, 0, 0) if transparent else "#2E7D32")
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle([40, 40, 860, 560], 40, fill="#2E7D32")
    draw.text((300, 280), "KERIPIK BU SRI", fill="white")
    path.write_bytes(png_bytes(img))
    return path


def test_mockup_command_writes_one_file_at_the_preset_size(tmp_path, capsys):
    label = _label(tmp_path / "label.png")
    out = tmp_path / "pouch.jpg"
    assert main(["mockup", "--label", str(label), "--template", "pouch", "--out", str(out), "--preset", "shopee"]) == 0
    img = Image.open(out)
    assert img.size == (1024, 1024) and img.format == "JPEG"
    assert np.asarray(img)[0, 0].tolist() == [255, 255, 255]


def test_hero_shot_with_product_photo(tmp_path):
    label = _label(tmp_path / "label.png")
    product = tmp_path / "produk.jpg"
    product.write_bytes(jpeg_bytes(product_photo(seed=4)))
    alone = mockup_files([label], "jar", tmp_path / "alone.jpg")
    hero = mockup_files([label], "jar", tmp_path / "hero.jpg", product=product, model="u2netp")
    a = np.asarray(Image.open(alone[0])).astype(int)
    b = np.asarray(Image.open(hero[0])).astype(int)
    red = (b[..., 0] > 150) & (b[..., 1] < 90) & (b[..., 2] < 90)  # the generated red box is in the scene
    assert red.sum() > 2000 and np.abs(a - b).mean() > 3


def test_many_labels_on_many_templates_go_to_a_folder(tmp_path):
    labels = [_label(tmp_path / "a.png"), _label(tmp_path / "b.png", transparent=True)]
    paths = mockup_files(labels, "box,cup-paper", tmp_path / "out")
    assert sorted(p.name for p in paths) == ["a_box.jpg", "a_cup-paper.jpg", "b_box.jpg", "b_cup-paper.jpg"]


def test_transparent_label_keeps_its_alpha(tmp_path):
    label = open_label(_label(tmp_path / "t.png", transparent=True))
    assert label.mode == "RGBA" and label.getpixel((5, 5))[3] == 0


def test_unknown_template_is_a_clear_error(tmp_path, capsys):
    label = _label(tmp_path / "label.png")
    assert main(["--lang", "en", "mockup", "--label", str(label), "--template", "tupperware",
                 "--out", str(tmp_path / "x.jpg")]) == 2
    assert "tupperware" in capsys.readouterr().err


def test_badge_only_where_the_preset_allows_overlays(tmp_path, capsys):
    label = _label(tmp_path / "label.png")
    assert main(["--lang", "id", "mockup", "--label", str(label), "--template", "box", "--out",
                 str(tmp_path / "a.jpg"), "--preset", "shopee", "--badge", "PROMO -20%"]) == 2
    assert "melarang tulisan promo" in capsys.readouterr().err
    assert not (tmp_path / "a.jpg").exists()
    assert main(["mockup", "--label", str(label), "--template", "box", "--out", str(tmp_path / "b.jpg"),
                 "--preset", "instagram-square", "--badge", "PROMO -20%"]) == 0
    img = np.asarray(Image.open(tmp_path / "b.jpg")).astype(int)
    top_right = img[:250, -250:]
    assert ((top_right[..., 0] > 180) & (top_right[..., 1] < 100)).sum() > 500  # the red badge
