"""Siap tayang (issue 22): overlay detection, per-preset verdicts and the safe auto-fix.

Generated images with a known product mask (no model), each threshold tried on both sides;
the packaging-text case; real packshots with the ``shared`` marker.
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from assistant.models import registry as models
from assistant.cli import main
from assistant.errors import AssistantError
from assistant.i18n import STRINGS
from assistant.presets import ImageRules, PRESETS_DIR, list_presets, load_preset, parse_preset
from assistant.readiness import autofix, overlay, ready, rules
from assistant.readiness.overlay import LIMITS

REPO = Path(__file__).resolve().parent.parent
FONT = next((p for p in (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
                         Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf")) if p.is_file()), None)
SIDE = 1200
BOX = (300, 150, 900, 1100)   # the product: 600 x 950 on 1200 x 1200 (fill 0.79)


def _font(size: int):
    return ImageFont.truetype(str(FONT), size) if FONT else ImageFont.load_default(size)


def packshot(bg=(255, 255, 255), box=BOX, side=SIDE, dense_text=True) -> tuple[Image.Image, np.ndarray]:
    """A carton on a plain background, its front covered in small printed text (packaging)."""
    img = Image.new("RGB", (side, side), bg)
    d = ImageDraw.Draw(img)
    x0, y0, x1, y1 = box
    d.rectangle([x0, y0, x1, y1], fill=(200, 40, 40))
    d.rectangle([x0 + 40, y0 + 120, x1 - 40, y1 - 120], fill=(245, 240, 225))
    if dense_text:
        lines = ["KERIPIK SINGKONG", "PEDAS MANIS 250 g", "Komposisi: singkong, minyak", "sawit, gula, garam, cabai",
                 "Nilai gizi per sajian", "Energi 140 kkal  Lemak 7 g", "BPOM RI MD 123456789", "Halal  Exp 12/2027"]
        for i in range(int((y1 - y0 - 260) / 40)):
            d.text((x0 + 60, y0 + 140 + i * 40), lines[i % len(lines)], font=_font(26), fill=(25, 25, 25))
    alpha = np.zeros((side, side), np.uint8)
    alpha[y0:y1 + 1, x0:x1 + 1] = 255
    return img, alpha


def detect(img: Image.Image, alpha: np.ndarray) -> overlay.Findings:
    return overlay.detect(np.asarray(img), alpha)


def with_text(img: Image.Image, text="PROMO 50%", xy=(30, 40), size=56, fill=(220, 30, 30, 255)) -> Image.Image:
    out = img.convert("RGBA")
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).text(xy, text, font=_font(size), fill=fill)
    out.alpha_composite(layer)
    return out.convert("RGB")


# --------------------------------------------------------------------------- marks

def test_packaging_text_on_the_product_is_not_an_overlay():
    img, alpha = packshot()
    f = detect(img, alpha)
    assert f.marks == () and not (f.border or f.collage or f.screenshot)
    assert f.plain and f.canvas == (255, 255, 255)


def test_promo_text_beside_the_product_is_text_and_removable():
    img, alpha = packshot()
    f = detect(with_text(img), alpha)
    assert f.kinds == ("text",) and f.removable


def test_text_crossing_the_products_edge_is_flagged_and_not_removable():
    img, alpha = packshot()
    f = detect(with_text(img, "GRATIS ONGKIR", xy=(760, 520), size=60), alpha)
    assert "text" in f.kinds and not f.removable
    fixed = autofix.fix(np.asarray(img), alpha, f, load_preset("shopee"))
    assert fixed.refused == "mark_on_product"


@pytest.mark.parametrize("grey,kind", [(255 - int(LIMITS.watermark_contrast) + 25, "watermark"),
                                       (255 - int(LIMITS.watermark_contrast) - 40, "text")])
def test_faint_marks_are_watermarks_and_strong_ones_text(grey, kind):
    img, alpha = packshot()
    f = detect(with_text(img, "Toko Berkah Jaya", fill=(grey, grey, grey, 255)), alpha)
    assert f.kinds == (kind,)


def test_tiled_semi_transparent_watermark():
    img, alpha = packshot(dense_text=False)
    out = img.convert("RGBA")
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    for y in range(20, SIDE, 260):
        for x in range(0, SIDE, 420):
            d.text((x, y), "@tokosaya", font=_font(48), fill=(0, 0, 0, 70))
    out.alpha_composite(layer)
    f = detect(out.convert("RGB"), alpha)
    assert f.kinds == ("watermark",)
    assert not f.removable  # it crosses the product: the fix refuses


@pytest.mark.parametrize("share,kind", [(LIMITS.sticker_side * 0.6, "logo"), (LIMITS.sticker_side * 1.5, "sticker")])
def test_small_solid_badges_are_logos_and_big_ones_stickers(share, kind):
    img, alpha = packshot(box=(420, 420, 1000, 1150), dense_text=False)
    d = ImageDraw.Draw(img)
    r = int(share * SIDE)
    d.ellipse([20, 20, 20 + r, 20 + r], fill=(240, 110, 0))
    d.text((20 + r // 4, 20 + r // 3), "PROMO", font=_font(max(10, r // 6)), fill=(255, 255, 255))
    f = detect(img, alpha)
    assert f.kinds == (kind,)


def _blob(img: Image.Image, box, colour, shade: int = 0, ellipse: bool = True) -> Image.Image:
    """A filled shape in ``box``: flat (``shade`` 0, an added badge) or lit from one side
    (``shade`` levels of gradient across it, like a real object's part)."""
    arr = np.asarray(img).copy()
    x0, y0, x1, y1 = box
    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = (((xx - (x0 + x1) / 2) / ((x1 - x0) / 2)) ** 2 + ((yy - (y0 + y1) / 2) / ((y1 - y0) / 2)) ** 2 <= 1) \
        if ellipse else np.ones(xx.shape, bool)
    ramp = (xx - x0) / max(1, x1 - x0 - 1) * shade
    px = np.clip(np.array(colour, np.float32)[None, None] - ramp[..., None], 0, 255).astype(np.uint8)
    arr[y0:y1, x0:x1][inside] = px[inside]
    return Image.fromarray(arr)


GAP = 14  # px at 1200: clear of the product, inside its zone's margin (2 % of the long side)


@pytest.mark.parametrize("shade,near,flagged", [
    (0, True, True),                                  # a flat badge against the product: added
    (int(LIMITS.flat_level * 8), True, False),        # a shaded part against it: the product's own
    (int(LIMITS.flat_level * 8), False, True),        # the same shaded shape apart from it: added
])
def test_a_shape_against_the_product_is_a_badge_only_when_flat(shade, near, flagged):
    img, alpha = packshot(box=(300, 150, 900, 1100), dense_text=False)
    x0 = 900 + GAP if near else 1060
    img = _blob(img, (x0, 500, x0 + 90, 590), (30, 90, 200), shade)
    f = detect(img, alpha)
    assert bool(f.marks) == flagged, f.marks
    if flagged and near:
        assert f.marks[0].touches_product


@pytest.mark.parametrize("shade,flagged", [(0, True), (int(LIMITS.flat_level * 8), False)])
def test_a_blob_the_cutout_took_for_product_is_a_sticker_only_when_flat(shade, flagged):
    """The cutout model often takes a sticker apart from the product for an object of its own: a
    flat-coloured blob beside the product is a sticker; a shaded one is a second product."""
    img, alpha = packshot(box=(500, 450, 1000, 1150), dense_text=False)
    img = _blob(img, (40, 40, 300, 300), (30, 90, 200), shade)  # big enough to count as an object
    d = ImageDraw.Draw(img)
    d.text((90, 150), "PROMO", font=_font(44), fill=(255, 255, 255))
    alpha = alpha.copy()
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    alpha[((xx - 170) / 130) ** 2 + ((yy - 170) / 130) ** 2 <= 1] = 255  # the model's blob
    f = detect(img, alpha)
    assert (f.kinds == ("sticker",)) == flagged, f.marks
    assert bool(f.marks) == flagged


@pytest.mark.parametrize("aspect,flagged", [(1.0, True), (LIMITS.badge_aspect * 2, False)])
def test_a_flat_shape_against_the_product_is_a_badge_only_when_compact(aspect, flagged):
    img, alpha = packshot(box=(300, 150, 900, 1100), dense_text=False)
    h = 60
    img = _blob(img, (900 + GAP, 500, 900 + GAP + h, 500 + int(h * aspect)), (30, 90, 200), ellipse=False)
    assert bool(detect(img, alpha).marks) == flagged


@pytest.mark.parametrize("text,kind", [("PROMO HEMAT", "text"), ("K", "logo")])
def test_outlined_lettering_is_text_and_a_single_outlined_letter_a_logo(text, kind):
    img, alpha = packshot(box=(300, 300, 900, 1150), dense_text=False)
    out = img.convert("RGBA")
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((40, 60), text, font=_font(90), fill=(255, 255, 255, 255), stroke_width=5,
                               stroke_fill=(20, 40, 140, 255))
    out.alpha_composite(layer)
    assert detect(out.convert("RGB"), alpha).kinds == (kind,)


def test_a_speck_below_the_noise_floor_is_ignored_and_a_mark_above_it_is_not():
    img, alpha = packshot()
    d = ImageDraw.Draw(img)
    d.rectangle([40, 40, 42, 42], fill=(0, 0, 0))   # 3x3 px: dust
    assert detect(img, alpha).marks == ()
    d.rectangle([40, 40, 100, 100], fill=(0, 0, 0))  # a solid square: a mark
    assert detect(img, alpha).marks != ()


@pytest.mark.parametrize("size,dx", [(80, 0.9), (100, 0.9), (100, 1.6)])
@pytest.mark.parametrize("colour", [(20, 20, 20, 255), (30, 90, 220, 255), (20, 160, 60, 255)])
def test_a_word_across_the_products_edge_is_text_whatever_part_lies_outside(size, dx, colour):
    """"PROMO 50%" across the carton's left edge: when only two or three letters lie outside, they
    looked like an elongated shape against the product (a part the cutout missed) and the word went
    unflagged (round 10's walk: "Siap tayang" under a promo across a cereal box). Read on across the
    product, their flat paint is a word."""
    img, alpha = packshot()
    img = with_text(img, xy=(BOX[0] - int(dx * size), 600), size=size, fill=colour)
    assert "text" in detect(img, alpha).kinds


# --------------------------------------------------------------------------- frames, screenshots, collages

@pytest.mark.parametrize("width,framed", [(4, False), (30, True)])
def test_border_width_both_sides(width, framed):
    img, alpha = packshot()
    d = ImageDraw.Draw(img)
    for i in range(width):
        d.rectangle([i, i, SIDE - 1 - i, SIDE - 1 - i], outline=(20, 40, 140))
    f = detect(img, alpha)
    assert f.border is framed
    if framed:
        assert f.content[0] >= width - 2 and f.content[2] <= SIDE - width + 2


def _phone(img: Image.Image, alpha: np.ndarray, height: int) -> tuple[Image.Image, np.ndarray]:
    w = 1080
    shot = Image.new("RGB", (w, height), (0, 0, 0))
    y = (height - w) // 2
    shot.paste(img.resize((w, w)), (0, y))
    d = ImageDraw.Draw(shot)
    d.text((50, 14), "9:41", font=_font(40), fill=(255, 255, 255))
    d.rectangle([950, 22, 1020, 50], fill=(255, 255, 255))
    a = np.zeros((height, w), np.uint8)
    a[y:y + w] = np.asarray(Image.fromarray(alpha).resize((w, w)))
    return shot, a


def test_phone_screenshot_is_found_and_cropped():
    img, alpha = packshot()
    shot, a = _phone(img, alpha, 2340)
    f = detect(shot, a)
    assert f.screenshot and not f.border
    y0, y1 = f.content[1], f.content[3]
    assert abs(y0 - (2340 - 1080) // 2) <= 8 and abs(y1 - (2340 + 1080) // 2) <= 8
    fixed = autofix.fix(np.asarray(shot), a, f, load_preset("shopee"))
    assert fixed.refused is None and "cropped" in fixed.steps


def test_corner_text_on_a_square_image_is_not_a_screenshot():
    img, alpha = packshot()
    d = ImageDraw.Draw(img)
    d.text((50, 14), "9:41", font=_font(40), fill=(0, 0, 0))
    d.rectangle([950, 22, 1020, 50], fill=(0, 0, 0))
    f = detect(img, alpha)
    assert not f.screenshot and f.marks


def _collage(gutter: int, colour=(224, 224, 224)) -> tuple[Image.Image, np.ndarray]:
    img, alpha = packshot()
    out = Image.new("RGB", (SIDE, SIDE), colour)
    a = np.zeros((SIDE, SIDE), np.uint8)
    cell = (SIDE - 3 * gutter) // 2
    small, small_a = img.resize((cell, cell)), np.asarray(Image.fromarray(alpha).resize((cell, cell)))
    for r in range(2):
        for c in range(2):
            x, y = gutter + c * (cell + gutter), gutter + r * (cell + gutter)
            out.paste(small, (x, y))
            a[y:y + cell, x:x + cell] = small_a
    return out, a


def test_collage_is_found_and_refused_with_advice():
    img, a = _collage(12)
    f = detect(img, a)
    assert f.collage
    fixed = autofix.fix(np.asarray(img), a, f, load_preset("lazada"))
    assert fixed.refused == "collage"
    assert "sendiri" in ready.fix_dict(fixed, None, "id")["tip"]


def test_a_single_product_photo_is_not_a_collage():
    img, alpha = packshot()
    assert not detect(img, alpha).collage


# --------------------------------------------------------------------------- verdicts

def _verdict(img, alpha, preset, **kw) -> rules.Verdict:
    rgb = np.asarray(img)
    return rules.judge(rgb, overlay.detect(rgb, alpha), preset, **kw)


def _with(preset_name: str, **changes):
    p = load_preset(preset_name)
    return dataclasses.replace(p, image=dataclasses.replace(p.image, **changes))


def test_clean_packshot_is_siap_tayang_everywhere_it_fits():
    img, alpha = packshot(box=(100, 60, 1100, 1140))   # fill 0.9
    for name in ("shopee", "lazada", "tokopedia", "umum", "amazon"):
        v = _verdict(img, alpha, load_preset(name), file_bytes=300_000, file_format="jpeg")
        assert v.ok, (name, [r.code for r in v.reasons])
        assert "siap tayang" in v.headline("id")


@pytest.mark.parametrize("fill,ok", [(0.78, False), (0.82, True)])
def test_min_fill_both_sides(fill, ok):
    h = int(fill * SIDE)
    img, alpha = packshot(box=(300, (SIDE - h) // 2, 900, (SIDE - h) // 2 + h - 1))
    v = _verdict(img, alpha, _with("shopee", min_fill=0.8))
    assert ("fill" not in [r.code for r in v.reasons]) is ok


@pytest.mark.parametrize("level,ok", [(250, True), (238, False)])
def test_background_tolerance_both_sides(level, ok):
    img, alpha = packshot(bg=(level, level, level), box=(100, 60, 1100, 1140))
    v = _verdict(img, alpha, _with("amazon", background_tolerance=8))
    assert ("background" not in [r.code for r in v.reasons]) is ok
    # a preset without a background rule never objects
    assert "background" not in [r.code for r in _verdict(img, alpha, load_preset("instagram-square")).reasons]


def test_a_busy_background_is_named_without_quoting_an_edge_share():
    """A display photo kept whole fills the canvas: no pixel of it is background to measure, yet
    the background is not plain. The reason says so, not "not plain white (0% of the edge ...)"."""
    rng = np.random.default_rng(4)
    scene = np.zeros((SIDE, SIDE, 3), np.uint8)
    for _ in range(120):  # fruit in a crate, to the edges
        x, y = (int(v) for v in rng.integers(0, SIDE, 2))
        colour = tuple(int(c) for c in rng.integers(40, 230, 3))
        cv2.circle(scene, (x, y), int(rng.integers(40, 90)), colour, -1)
    whole = np.full((SIDE, SIDE), 255, np.uint8)
    v = _verdict(Image.fromarray(scene), whole, load_preset("shopee"))
    codes = [r.code for r in v.reasons]
    assert "background_busy" in codes and "background" not in codes
    text = next(r for r in v.reasons if r.code == "background_busy").text("id")
    assert "%" not in text and "tidak polos" in text


@pytest.mark.parametrize("side,ok", [(499, False), (500, True)])
def test_min_size_both_sides(side, ok):
    k = side / SIDE
    img, alpha = packshot(box=(100, 60, 1100, 1140))
    img = img.resize((side, side))
    alpha = np.asarray(Image.fromarray(alpha).resize((side, side)))
    v = _verdict(img, alpha, _with("shopee", min_side=500))
    assert ("min_size" not in [r.code for r in v.reasons]) is ok, k


@pytest.mark.parametrize("nbytes,ok", [(2_000_000, True), (2_000_001, False)])
def test_file_size_both_sides(nbytes, ok):
    img, alpha = packshot(box=(100, 60, 1100, 1140))
    v = _verdict(img, alpha, load_preset("shopee"), file_bytes=nbytes, file_format="jpeg")
    assert v.ok is ok


@pytest.mark.parametrize("fmt,ok", [("png", True), ("webp", False)])
def test_upload_format_both_sides(fmt, ok):
    img, alpha = packshot(box=(100, 60, 1100, 1140))
    v = _verdict(img, alpha, load_preset("shopee"), file_format=fmt)
    assert v.ok is ok


def test_overlays_allowed_preset_keeps_its_verdict_on_added_text():
    img, alpha = packshot(box=(100, 160, 1100, 1140))
    text = with_text(img, xy=(30, 30), size=60)
    assert "overlay" in [r.code for r in _verdict(text, alpha, load_preset("shopee")).reasons]
    assert "overlay" not in [r.code for r in _verdict(text, alpha, load_preset("instagram-square")).reasons]


def test_every_reason_names_a_sourced_rule_and_reads_in_both_languages():
    p = load_preset("lazada")
    for code in rules.REASONS:
        assert rules.REASON_RULES[code] in p.sources, code
        for lang in ("id", "en"):
            assert f"readiness_reason_{code}" in STRINGS


# --------------------------------------------------------------------------- the fix

def test_fix_removes_marks_without_touching_the_product():
    img, alpha = packshot(box=(100, 160, 1100, 1140))
    marked = with_text(img, xy=(30, 30), size=60)
    d = ImageDraw.Draw(marked)
    d.ellipse([1120, 20, 1190, 90], fill=(30, 90, 200))   # a logo in the corner
    rgb = np.asarray(marked)
    f = overlay.detect(rgb, alpha)
    assert set(f.kinds) >= {"text"}
    p = load_preset("shopee")
    before = rules.judge(rgb, f, p)
    fixed = autofix.fix(rgb, alpha, f, p)
    assert not before.ok and fixed.refused is None and fixed.rgb.shape == rgb.shape
    product = alpha > 0
    assert np.array_equal(fixed.rgb[product], rgb[product])          # not one product pixel changed
    assert np.array_equal(fixed.rgb[product], np.asarray(img)[product])
    f2 = overlay.detect(fixed.rgb, fixed.alpha)
    assert rules.judge(fixed.rgb, f2, p, file_bytes=len(fixed.data), file_format=fixed.format).ok
    assert Image.open(io.BytesIO(fixed.data)).format == "JPEG"


def test_fix_crops_a_border_and_pads_to_the_presets_shape():
    img, alpha = packshot(box=(100, 160, 1100, 1140))
    d = ImageDraw.Draw(img)
    for i in range(40):
        d.rectangle([i, i, SIDE - 1 - i, SIDE - 1 - i], outline=(190, 150, 60))
    rgb = np.asarray(img)
    f = overlay.detect(rgb, alpha)
    fixed = autofix.fix(rgb, alpha, f, load_preset("lazada"))
    assert fixed.refused is None and "cropped" in fixed.steps
    h, w = fixed.rgb.shape[:2]
    assert w == h and w <= SIDE - 70
    # every product pixel lands, unchanged, where the crop and the padding put it
    x0, y0, x1, y1 = f.content
    px, py = (w - (x1 - x0)) // 2, (h - (y1 - y0)) // 2
    oy, ox = np.nonzero(alpha > 0)
    assert np.array_equal(fixed.rgb[oy - y0 + py, ox - x0 + px], rgb[oy, ox])


def test_check_ready_gives_items_and_after_fix(tmp_path, monkeypatch):
    img, alpha = packshot(box=(100, 160, 1100, 1140))
    path = tmp_path / "jualan.jpg"
    with_text(img, xy=(30, 30), size=60).save(path, quality=92)
    monkeypatch.setattr(ready, "product_alpha", lambda rgb, model=None: alpha)
    r = ready.check_ready(path, "shopee,instagram-square")
    items = r.items("id")
    checks = [i["check"] for i in items]
    assert checks[:1] == ["overlay"] and {"border", "collage", "screenshot"} <= set(checks)
    verdicts = [i for i in items if i["check"] == "verdict"]
    assert [v["preset"] for v in verdicts] == ["shopee", "instagram-square"]
    assert verdicts[0]["status"] == "fail" and verdicts[0]["after"]["status"] == "ok"
    assert verdicts[1]["status"] == "ok" and "after" not in verdicts[1]
    assert {"source", "source_kind", "checked"} <= set(verdicts[0]["reasons"][0])
    json.dumps(items)


def test_cli_check_json_and_fix(tmp_path, monkeypatch, capsys):
    img, alpha = packshot(box=(100, 160, 1100, 1140))
    path = tmp_path / "jualan.png"
    with_text(img, xy=(30, 30), size=60).save(path)
    monkeypatch.setattr(ready, "product_alpha", lambda rgb, model=None: alpha)
    out = tmp_path / "rapi"
    assert main(["--lang", "en", "check", str(path), "--preset", "shopee,lazada", "--photo-checks", "no",
                 "--json", "--fix", str(out)]) == 0
    items = json.loads(capsys.readouterr().out)
    kinds = [i.get("kind") for i in items if i["check"] == "overlay"]
    assert kinds == ["text"]
    assert sorted(p.name for p in out.iterdir()) == ["jualan_lazada.jpg", "jualan_shopee.jpg"]
    assert main(["check", str(path), "--preset", "shopee", "--photo-checks", "no"]) == 0
    text = capsys.readouterr().out
    assert "verdict shopee" in text and "Sesudah dirapikan" in text


# --------------------------------------------------------------------------- presets and strings

def test_every_preset_has_the_readiness_rules_with_sources():
    for name in list_presets():
        p = load_preset(name)
        for key in ("min_fill", "background_tolerance", "upload_formats"):
            src = p.sources[key]
            assert src.source and src.kind in ("official", "third-party", "default") and src.checked
        assert p.image.min_fill <= p.image.fill


def test_unknown_upload_format_is_refused(tmp_path):
    text = (PRESETS_DIR / "shopee.toml").read_text()
    path = tmp_path / "shopee.toml"
    path.write_text(text.replace('value = "jpeg,png"', 'value = "jpeg,gif"', 1))
    with pytest.raises(AssistantError, match="upload_formats"):
        parse_preset(path)


def test_readiness_strings_have_no_jargon():
    for key, texts in STRINGS.items():
        if key.startswith("readiness_"):
            for text in texts.values():
                assert "alpha" not in text.lower() and "#" not in text and "mask" not in text.lower(), key


def test_fields_are_declared_once():
    names = [f.name for f in dataclasses.fields(ImageRules)]
    assert {"min_fill", "background_tolerance", "upload_formats"} <= set(names)


# --------------------------------------------------------------------------- real photos

def _shared() -> Path:
    for root in (REPO.parent / "shared" / "data", REPO.parent.parent / "shared" / "data"):
        if (root / "grocery_packshots" / "images").is_dir():
            return root
    pytest.skip("../shared/data is absent here: real-photo test skipped")


@pytest.mark.shared
@pytest.mark.skipif(not models.is_installed("u2netp"), reason="u2netp is not installed")
def test_real_packshots_with_packaging_text_raise_no_overlay_and_promo_text_does():
    root = _shared()
    names = ["Packages__Alpro-Fresh-Soy-Milk_Iconic.jpg", "Packages__Arla-Medium-Fat-Milk_Iconic.jpg",
             "Packages__Bravo-Apple-Juice_Iconic.jpg", "Packages__Oatly-Natural-Oatghurt_Iconic.jpg"]
    paths = [root / "grocery_packshots" / "images" / n for n in names]
    paths = [p for p in paths if p.is_file()] or sorted((root / "grocery_packshots" / "images").glob("Packages__*"))[:4]
    for path in paths:
        img = Image.open(path).convert("RGB").resize((SIDE, SIDE), Image.Resampling.LANCZOS)
        r = ready.check_ready(img, "umum", fix=False)
        assert r.findings.marks == (), (path.name, r.findings.marks)
        promo = with_text(img, "DISKON 50%", xy=(20, 20), size=48)
        assert "text" in ready.check_ready(promo, "umum", fix=False).findings.kinds or \
            ready.check_ready(promo, "umum", fix=False).findings.marks, path.name


# --------------------------------------------------------------------------- what the cutout gets wrong (round 3)

def _merged_badge(box, shade: int = 0, ellipse: bool = True):
    """A carton with a badge pasted over its corner, which the cutout model took for product
    (the alpha covers both): flat paint (``shade`` 0) or lit like a real object's part."""
    img, alpha = packshot(box=(300, 300, 900, 1150), dense_text=False)
    img = _blob(img, box, (30, 90, 200), shade, ellipse)
    alpha = alpha.copy()
    alpha[box[1]:box[3], box[0]:box[2]] = 255
    return img, alpha


@pytest.mark.parametrize("shade,kinds", [(0, ("sticker",)), (int(LIMITS.paint_level * 8), ())])
def test_a_badge_inside_the_cutout_is_a_sticker_only_when_painted_flat(shade, kinds):
    img, alpha = _merged_badge((800, 180, 1030, 410), shade)
    f = detect(img, alpha)
    assert f.kinds == kinds, f.marks
    if kinds:
        assert f.marks[0].touches_product  # over the product: the fix refuses


@pytest.mark.parametrize("size,kinds", [(int(SIDE * LIMITS.paint_min ** 0.5 * 0.7), ()),
                                        (int(SIDE * LIMITS.paint_min ** 0.5 * 1.6), ("logo",))])
def test_a_painted_region_inside_the_cutout_counts_from_its_size(size, kinds):
    img, alpha = _merged_badge((850, 250, 850 + size, 250 + size))
    assert detect(img, alpha).kinds == kinds


@pytest.mark.parametrize("aspect,kinds", [(1.5, ("sticker",)), (LIMITS.paint_aspect * 1.5, ())])
def test_a_painted_region_inside_the_cutout_is_a_badge_only_when_compact(aspect, kinds):
    h = 140
    img, alpha = _merged_badge((640, 230, 640 + int(h * aspect), 230 + h), ellipse=False)
    assert detect(img, alpha).kinds == kinds


@pytest.mark.parametrize("paper,collage", [((250, 243, 228), True), ((255, 255, 255), False)])
def test_panels_without_a_gutter_are_a_collage_when_cut_straight_through_the_product(paper, collage):
    """Two panels meeting at x=600, each product reaching the seam: the cut runs through the
    products and the papers alike. On one paper it is two products side by side, not a cut."""
    img = Image.new("RGB", (SIDE, SIDE), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle([600, 0, SIDE, SIDE], fill=paper)
    d.rectangle([150, 300, 599, 900], fill=(200, 40, 40))
    d.rectangle([600, 400, 1000, 1000], fill=(30, 90, 200))
    alpha = np.zeros((SIDE, SIDE), np.uint8)
    alpha[300:901, 150:600] = 255
    alpha[400:1001, 600:1001] = 255
    assert detect(img, alpha).collage == collage


def _against(img: Image.Image, box, grey: int = 210) -> Image.Image:
    d = ImageDraw.Draw(img)
    d.rectangle(box, fill=(grey, grey, grey))
    return img


@pytest.mark.parametrize("width,flagged", [(6, False), (30, True)])
def test_a_faint_sliver_along_the_product_is_its_edge_and_a_faint_bar_a_mark(width, flagged):
    img, alpha = packshot(box=(300, 150, 900, 1100), dense_text=False)
    img = _against(img, (900 + GAP, 500, 900 + GAP + width, 640))
    assert bool(detect(img, alpha).marks) == flagged


@pytest.mark.parametrize("size,flagged", [(int(LIMITS.blot * SIDE * 0.6), False), (int(LIMITS.blot * SIDE * 1.6), True)])
def test_a_faint_blot_against_the_product_is_its_shadow_and_a_faint_patch_a_mark(size, flagged):
    img, alpha = packshot(box=(300, 150, 900, 1100), dense_text=False)
    img = _against(img, (900 + GAP, 500, 900 + GAP + size, 500 + size // 2))
    assert bool(detect(img, alpha).marks) == flagged


def _lettered(img: Image.Image, at: tuple[int, int], text: str, font, ramp: tuple[int, int], shade: int) -> Image.Image:
    """``img`` with dark blue ``text`` painted at ``at``, its ink lightening by up to ``shade``
    levels from x = ramp[0] over ramp[1] px (0: one flat paint, as an app adds it)."""
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).text(at, text, font=font, fill=255)
    m = np.asarray(mask).astype(np.float32)[..., None] / 255
    xx = np.mgrid[0:SIDE, 0:SIDE][1].astype(np.float32)
    lift = np.clip((xx - ramp[0]) / ramp[1], 0, 1)[..., None] * shade
    ink = np.clip(np.array([20, 40, 140], np.float32) + lift, 0, 255)
    return Image.fromarray((np.asarray(img).astype(np.float32) * (1 - m) + ink * m).astype(np.uint8))


@pytest.mark.parametrize("shade,flagged", [(0, True), (int(LIMITS.flat_level * 10), False)])
def test_lettering_against_the_product_is_a_mark_only_when_its_strokes_are_flat(shade, flagged):
    """Added text is one flat paint; strokes that shade across (a part of the product the cutout
    missed, its print or its edge) are the product's."""
    img, alpha = packshot(box=(300, 150, 900, 1100), dense_text=False)
    f = detect(_lettered(img, (900 + GAP, 520), "Rp25.000", _font(70), (914, 260), shade), alpha)
    assert bool(f.marks) == flagged, f.marks


def test_a_frame_the_product_touches_is_a_frame_not_a_collage():
    """The product stands against a grey frame's inner edge: the ring around it is half frame,
    so the canvas is taken from everything outside the product (the photo's white)."""
    img, alpha = packshot(box=(72, 150, 700, 1128), dense_text=False)
    d = ImageDraw.Draw(img)
    for i in range(72):
        d.rectangle([i, i, SIDE - 1 - i, SIDE - 1 - i], outline=(200, 200, 200))
    alpha = alpha.copy()
    alpha[:, :72] = 0
    f = detect(img, alpha)
    assert f.border and not f.collage
    assert f.canvas == (255, 255, 255)


THIN = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.skipif(not THIN.is_file(), reason="DejaVuSans (regular) not installed")
@pytest.mark.parametrize("shade,flagged", [(0, True), (int(LIMITS.flat_level * 10), False)])
def test_thin_lettering_crossing_the_product_is_judged_at_full_resolution(shade, flagged):
    """Small regular-weight promo text running into the product: at the work size (640 px) its
    2 px strokes blend with the paper and look shaded; read at the image's own resolution they
    are one flat paint (an added mark). Lettering shaded at full resolution stays the product's."""
    img, alpha = packshot(box=(400, 300, 800, 900), dense_text=False)
    f = detect(_lettered(img, (250, 600), "GRATIS ONGKIR", ImageFont.truetype(str(THIN), 30), (250, 150), shade),
               alpha)
    assert bool(f.marks) == flagged, f.marks
    if flagged:
        assert f.kinds == ("text",) and f.marks[0].touches_product


@pytest.mark.parametrize("paint_share,band", [(LIMITS.band_share + 0.05, True), (LIMITS.band_share - 0.2, False)])
def test_a_band_is_one_paint_along_its_length(paint_share, band):
    """A frame, mat, gutter or app bar is one colour along the row (its text apart); a row that is
    off the canvas because it runs through something printed (a carton's side) is not a band."""
    row = np.empty((1, 640, 3), np.uint8)
    row[:] = (0, 150, 70)
    n = int(640 * (1 - paint_share))
    row[0, :n] = np.array([(180, 60 + 7 * (i % 20), 40) for i in range(n)], np.uint8)  # printed, varied
    assert bool(overlay._bands(row, np.array([True]), LIMITS)[0]) == band


def test_a_frame_around_a_carton_whose_printed_side_the_cutout_missed_is_a_frame_not_a_collage():
    """The cutout found only the carton's front picture; its printed side panel with the frame above
    and below it makes columns off the canvas from top to bottom, but they are no band (not one
    paint): no panel boundary there, so what lies beyond it is not a second panel."""
    img = Image.new("RGB", (SIDE, SIDE), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle([300, 160, 640, 1040], fill=(235, 235, 232))            # the carton's pale front
    d.rectangle([380, 300, 600, 700], fill=(200, 40, 40))              # the picture the cutout found
    for y in range(160, 1040, 12):                                       # its printed green side
        d.rectangle([641, y, 780, y + 11], fill=(60 + (y * 7) % 120, 150 + (y * 3) % 60, 40))
    d.rectangle([950, 500, 1050, 540], fill=(0, 0, 0))                   # something beyond it
    for i in range(72):
        d.rectangle([i, i, SIDE - 1 - i, SIDE - 1 - i], outline=(0, 150, 70))
    alpha = np.zeros((SIDE, SIDE), np.uint8)
    alpha[300:701, 380:601] = 255
    f = detect(img, alpha)
    assert not f.collage and f.border


def _ring(shade: int, jpeg: int | None = None) -> tuple[Image.Image, np.ndarray]:
    """A carton and, apart from it, a ring (a key ring's loose ring, or a vendor's outlined mark):
    painted in one grey (``shade`` 0) or lit across like metal."""
    img, alpha = packshot(box=(400, 300, 800, 900), dense_text=False)
    ring = Image.new("L", img.size, 0)
    ImageDraw.Draw(ring).ellipse([900, 960, 1080, 1140], outline=255, width=12)
    m = np.asarray(ring).astype(np.float32)[..., None] / 255
    xx = np.mgrid[0:SIDE, 0:SIDE][1].astype(np.float32)
    grey = 90 + np.clip((xx - 900) / 180, 0, 1)[..., None] * shade
    arr = (np.asarray(img).astype(np.float32) * (1 - m) + grey * m).astype(np.uint8)
    out = Image.fromarray(arr)
    if jpeg:
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=jpeg)
        out = Image.open(buf).convert("RGB")
    return out, alpha


@pytest.mark.parametrize("shade,jpeg,kinds", [(0, None, ("logo",)), (0, 80, ("logo",)),
                                              (int(LIMITS.flat_level * 10), None, ())])
def test_loose_curves_apart_from_the_product_are_a_mark_only_when_painted_flat(shade, jpeg, kinds):
    """Read in light at the image's own resolution (a JPEG's colour is coarser than its light):
    a flat ring is an added mark, a ring shaded like metal is a thing the camera saw. (A solid
    shaded shape apart from the product stays a mark: test_a_shape_against_the_product_...)"""
    img, alpha = _ring(shade, jpeg)
    assert detect(img, alpha).kinds == kinds


@pytest.mark.parametrize("width,kinds", [(12, ()), (70, ("logo",))])
def test_a_shaded_ring_apart_from_the_product_is_loose_curves_only_when_thin(width, kinds):
    """The other side of ``curve_fill``: a shaded ring whose stroke fills much of its box is a
    solid shape, judged as one (a mark), not a loose curve."""
    img, alpha = packshot(box=(400, 300, 800, 900), dense_text=False)
    ring = Image.new("L", img.size, 0)
    ImageDraw.Draw(ring).ellipse([900, 960, 1080, 1140], outline=255, width=width)
    m = np.asarray(ring).astype(np.float32)[..., None] / 255
    xx = np.mgrid[0:SIDE, 0:SIDE][1].astype(np.float32)
    grey = 90 + np.clip((xx - 900) / 180, 0, 1)[..., None] * LIMITS.flat_level * 10
    img = Image.fromarray((np.asarray(img).astype(np.float32) * (1 - m) + grey * m).astype(np.uint8))
    assert detect(img, alpha).kinds == kinds


LEFT = 900 + int(0.03 * SIDE)  # beside the product (its right edge at 900), clear of its zone's margin


@pytest.mark.parametrize("x0,shade,drawn,flagged", [
    (LEFT, int(LIMITS.flat_level * 8), False, False),                   # a shaded blot beside it: the photo's
    (LEFT, 0, False, True),                                             # the same blot painted flat: added
    (LEFT, (LIMITS.blot_stray + 1) * 4 + 2, False, False),              # a ramp whose cores stray just over
    (LEFT, LIMITS.blot_stray * 4 - 2, False, True),                     # ... and just under blot_stray
    (LEFT, int(LIMITS.flat_level * 8), True, True),                     # a shaded badge with a letter in it: added
    (900 + int((LIMITS.leftover_gap + LIMITS.margin + 0.02) * SIDE), int(LIMITS.flat_level * 8), False, True),
])                                                                      # the shaded blot far from it: added
def test_a_shaded_blot_beside_the_product_is_a_leftover_of_the_photo(x0, shade, drawn, flagged):
    """What the cutout of a phone photo leaves beside the product (a piece of the hand, the shelf):
    one shaded piece with nothing drawn in it, next to the product. A designed mark is flat paint
    or carries a letter or symbol; a shaded shape far from the product stays a mark."""
    img, alpha = packshot(box=(300, 150, 900, 1100), dense_text=False)
    img = _blob(img, (x0, 500, x0 + 90, 590), (30, 90, 200), shade)
    if drawn:
        ImageDraw.Draw(img).text((x0 + 22, 512), "K", font=_font(60), fill=(255, 255, 255))
    f = detect(img, alpha)
    assert bool(f.marks) == flagged, f.marks


def _two_tone(img: Image.Image, box, step: int) -> Image.Image:
    """A solid square, its left half one grey and its right half ``step`` levels lighter: painted
    flat (``step`` 0) or lit and shaded as a photographed object is."""
    arr = np.asarray(img).copy()
    x0, y0, x1, y1 = box
    arr[y0:y1, x0:x1] = 40
    arr[y0:y1, (x0 + x1) // 2:x1] = 40 + step
    return Image.fromarray(arr)


@pytest.mark.parametrize("step,jpeg,kinds", [(0, None, ("logo",)), (0, 80, ("logo",)),
                                             (2 * (LIMITS.shade_level - 3), None, ("logo",)),
                                             (2 * (LIMITS.shade_level + 3), None, ())])
def test_a_solid_shape_apart_from_the_product_is_a_mark_unless_shaded_in_light(step, jpeg, kinds):
    """A solid shape far from the product whose stroke cores stray over ``shade_level`` in light
    (half lit, half in shadow: a key ring's brooch the cutout left out) is a thing the camera saw;
    a flat one, also saved as JPEG, is an added mark."""
    img, alpha = packshot(box=(400, 300, 800, 900), dense_text=False)
    img = _two_tone(img, (1000, 1000, 1120, 1120), step)
    if jpeg:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=jpeg)
        img = Image.open(buf).convert("RGB")
    assert detect(img, alpha).kinds == kinds


@pytest.mark.parametrize("swallowed,kinds", [(True, ("sticker",)), (False, ("logo",))])
def test_a_flat_mark_the_cutout_partly_took_for_product_is_judged_on_its_whole_paint(swallowed, kinds):
    """A sticker pasted over the product's edge that the cutout mostly took for product leaves a
    small corner outside: its paint, read into the product, is the whole sticker (its box many
    times the corner's, over ``whole_grow``), so it is a sticker, not a logo. A small badge against
    the product whose paint stops at its own edge (the ratio 1) stays a logo."""
    img, alpha = packshot(box=(300, 150, 900, 1100), dense_text=False)
    d = ImageDraw.Draw(img)
    corner = (1000, 300, 1110, 410)
    if swallowed:
        d.rectangle([870, 300, 1130, 560], fill=(20, 40, 140))
        alpha[300:561, 870:1131] = 255
        alpha[corner[1]:corner[3], corner[0]:1131] = 0       # the cutout left the sticker's corner out
    else:
        d.rectangle([928, 300, 1023, 395], fill=(20, 40, 140))  # a small badge at the product's margin
    f = detect(img, alpha)
    assert f.kinds == kinds, f.marks
    assert all(m.touches_product for m in f.marks)


@pytest.mark.parametrize("shade,flagged", [(0, True), (int(LIMITS.swallow_flat * 30), False)])
def test_letters_the_cutout_took_for_product_are_added_text_when_one_flat_paint(shade, flagged):
    """Promo text crossing the carton's right edge, the cutout's alpha following the letters out
    (the model took the whole word for product: nothing lies outside the product to flag). The
    letters beyond the carton's straight edge, one flat paint whose whole paint runs into the carton
    as a row of letters, are added text against the product (round 10); the same letters shaded
    across (a camera's surface) are the product's and stay unflagged."""
    img, alpha = packshot(box=(300, 150, 900, 1100), dense_text=False)
    at, font = (480, 520), _font(90)
    img = _lettered(img, at, "DISKON 50%", font, (900, 120), shade)
    letters = Image.new("L", img.size, 0)
    ImageDraw.Draw(letters).text(at, "DISKON 50%", font=font, fill=255)
    # the model's alpha follows the letters, joined to the carton by a faint run along their foot
    soft = cv2.dilate(np.asarray(letters), np.ones((3, 3), np.uint8))
    soft[599:604, 880:1140] = 255
    alpha = np.maximum(alpha, soft)
    beyond = np.asarray(letters)[:, 920:] > 127
    assert beyond.sum() > 500 and overlay.product_mask(alpha)[:, 920:][beyond].mean() > 0.8  # taken for product
    f = detect(img, alpha)
    assert ("text" in f.kinds) == flagged, f.marks
    if flagged:
        assert not f.removable  # it crosses the product: the fix refuses


@pytest.mark.parametrize("sliver,flagged", [(LIMITS.sliver, False), (0.0, True)])
def test_a_lines_pieces_the_cutout_took_for_product_are_no_letters(sliver, flagged):
    """Flat 6 px dashes in a row beside the carton, the cutout's alpha running out along them: a frame
    line's pieces the product stands in front of (left after the fix paints the frame over). They
    are as flat as paint and their whole paint is a row of pieces, but thinner than ``sliver`` of the
    long side and 4 times longer: a line, no word (without that limit they read as text)."""
    img, alpha = packshot(box=(300, 150, 900, 1100), dense_text=False)
    d = ImageDraw.Draw(img)
    pieces = Image.new("L", img.size, 0)
    dp = ImageDraw.Draw(pieces)
    for x in range(860, 1140, 56):
        d.rectangle([x, 597, x + 36, 602], fill=(250, 200, 0))
        dp.rectangle([x, 597, x + 36, 602], fill=255)
    soft = cv2.dilate(np.asarray(pieces), np.ones((3, 3), np.uint8))
    soft[600:604, 880:1140] = 255  # joined to the carton along their foot
    f = overlay.detect(np.asarray(img), np.maximum(alpha, soft), dataclasses.replace(LIMITS, sliver=sliver))
    assert ("text" in f.kinds) == flagged, f.marks


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, subsampling=2)
    return Image.open(buf).convert("RGB")


@pytest.mark.parametrize("quality,step", [(None, 0), (96, 0), (85, 3), (80, 4), (70, 7)])
def test_the_jpeg_step_is_read_from_the_images_own_pixels(quality, step):
    """A JPEG keeps its blocks' cosine coefficients as multiples of its quantisation step (3 at quality
    85, 7 at 70): read back from the pixels; a lossless image (and a JPEG of quality 94 or more, whose
    steps are 1) has none."""
    from assistant.readiness.ink import jpeg_step
    img, _ = packshot()
    img = with_text(img)
    if quality:
        img = _jpeg(img, quality)
    assert jpeg_step(np.asarray(img)) == step


def _badge_with_word(img: Image.Image, x0: int) -> Image.Image:
    """A yellow round badge with a black word in it, as promo stickers are: flat paint whose JPEG
    rings around the letters (its cores then stray a few levels)."""
    img = _blob(img, (x0, 470, x0 + 150, 620), (250, 200, 0))
    ImageDraw.Draw(img).text((x0 + 18, 520), "50%", font=_font(46), fill=(0, 0, 0))
    return img


@pytest.mark.parametrize("quality", [None, 85, 75])
def test_a_flat_badge_beside_the_product_saved_as_jpeg_is_still_a_mark(quality):
    """Its cores stray 0 levels lossless and a few levels as a JPEG: within ``blot_stray`` plus the
    JPEG's own stray (``jpeg_stray`` per quantisation step), so still an added mark."""
    img, alpha = packshot(box=(300, 150, 900, 1100))
    img = _badge_with_word(img, LEFT)
    if quality:
        img = _jpeg(img, quality)
    assert detect(img, alpha).marks


@pytest.mark.parametrize("extra,flagged", [(+1.5, False), (-1.5, True)])
def test_a_shaded_blot_beside_the_product_saved_as_jpeg_is_judged_beyond_the_jpegs_own_stray(extra, flagged):
    """Saved at quality 75 (step 6: the JPEG allowance at its cap, ``jpeg_stray_max``), a ramp whose
    cores stray just over ``blot_stray`` + the allowance is a leftover of the photo, just under an
    added mark."""
    from assistant.readiness.ink import jpeg_step
    img, alpha = packshot(box=(300, 150, 900, 1100))
    allow = min(LIMITS.jpeg_stray_max, LIMITS.jpeg_stray * 6)
    img = _blob(img, (LEFT, 500, LEFT + 90, 590), (30, 90, 200), int(round((LIMITS.blot_stray + allow + extra) * 4)))
    img = _jpeg(img, 75)
    assert jpeg_step(np.asarray(img)) == 6
    assert bool(detect(img, alpha).marks) == flagged


@pytest.mark.skipif(not THIN.is_file(), reason="DejaVuSans (regular) not installed")
@pytest.mark.parametrize("shade,flagged", [(0, True), (int(LIMITS.flat_level * 10), False)])
def test_thin_lettering_crossing_the_product_saved_as_jpeg_is_read_in_light(shade, flagged):
    """In a JPEG (its step read from the image) a mark against the product is read in light: its colour
    is stored at half resolution, so a thin blue stroke beside the red carton takes the carton's colour.
    Flat lettering stays an added mark; lettering shaded in light stays the product's."""
    img, alpha = packshot(box=(400, 300, 800, 900), dense_text=False)
    arr = np.asarray(img).astype(np.int16)  # the carton photographed: a little grain, so its blocks carry texture
    arr[300:901, 400:801] += np.random.default_rng(5).integers(-8, 9, (601, 401, 1))
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    img = _lettered(img, (250, 600), "GRATIS ONGKIR", ImageFont.truetype(str(THIN), 30), (250, 150), shade)
    img = _jpeg(img, 80)
    from assistant.readiness.ink import jpeg_step
    assert jpeg_step(np.asarray(img)) == 4
    f = detect(img, alpha)
    assert bool(f.marks) == flagged, f.marks


def _grained(img: Image.Image, box) -> Image.Image:
    """The carton photographed: a little grain (6 levels), so its blocks carry texture for ``jpeg_step``."""
    arr = np.asarray(img).astype(np.int16)
    x0, y0, x1, y1 = box
    arr[y0:y1 + 1, x0:x1 + 1] += np.random.default_rng(5).integers(-6, 7, (y1 - y0 + 1, x1 - x0 + 1, 1))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _swallowed_word(shade: int, quality: int) -> tuple[Image.Image, np.ndarray]:
    """test_letters_the_cutout_took_for_product's word crossing the carton's right edge (the cutout's alpha
    following its letters out), on a grained carton, saved as a JPEG of ``quality``."""
    box = (300, 150, 900, 1100)
    img, alpha = packshot(box=box, dense_text=False)
    at, font = (480, 520), _font(90)
    img = _lettered(_grained(img, box), at, "DISKON 50%", font, (900, 120), shade)
    letters = Image.new("L", img.size, 0)
    ImageDraw.Draw(letters).text(at, "DISKON 50%", font=font, fill=255)
    soft = cv2.dilate(np.asarray(letters), np.ones((3, 3), np.uint8))
    soft[599:604, 880:1140] = 255
    return _jpeg(img, quality), np.maximum(alpha, soft)


@pytest.mark.parametrize("quality,step", [(80, 4), (85, 3)])
@pytest.mark.parametrize("shade,flagged", [(0, True), (int(LIMITS.swallow_flat * 30), False)])
def test_letters_the_cutout_took_for_product_saved_as_jpeg_are_read_in_light(monkeypatch, quality, step, shade,
                                                                             flagged):
    """Round 12: saved as a JPEG (its step given: this drawn carton's blocks are too few to read it), the
    swallowed word's fragments and the whole word are read in light, less the JPEG's allowance (its colour
    is stored at half resolution: the blue letters beside the red carton stray in colour though painted
    flat; main's colour reading missed them). Flat paint is still added text against the product; the same
    letters shaded across stay the product's."""
    img, alpha = _swallowed_word(shade, quality)
    monkeypatch.setattr(overlay, "jpeg_step", lambda rgb: float(step))
    f = detect(img, alpha)
    assert ("text" in f.kinds) == flagged, f.marks
    if flagged:
        assert not f.removable


@pytest.mark.parametrize("quality", [75, 80, 85])
def test_packaging_text_saved_as_jpeg_is_not_an_overlay(quality):
    """The carton's own dense print, the image saved as a JPEG (its allowances in force): still the
    product's, nothing flagged."""
    from assistant.readiness.ink import jpeg_step
    img, alpha = packshot()
    img = _jpeg(_grained(img, BOX), quality)
    assert jpeg_step(np.asarray(img)) > 0
    f = detect(img, alpha)
    assert f.marks == () and not (f.border or f.collage or f.screenshot)


@pytest.mark.parametrize("level,allowed", [(200, True), (40, False)])
def test_the_jpeg_allowance_is_not_taken_off_dark_cores(level, allowed):
    """A JPEG flattens a camera's dark surfaces as much as paint (a drum's black rim, a pair of tongs the
    cutout left out: flat to 3-5 levels in a JPEG): a blot's stray is judged less the JPEG's allowance
    only when its cores are not dark (``colour_dark``)."""
    from assistant.readiness.ink import FullImage, structure
    rng = np.random.default_rng(3)
    rgb = np.full((100, 100, 3), 255, np.uint8)
    blot = np.clip(level + rng.integers(-4, 5, (40, 40, 1)), 0, 255)  # strays 2 levels (median)
    rgb[30:70, 30:70] = blot.astype(np.uint8)
    region = np.zeros((100, 100), bool)
    region[30:70, 30:70] = True
    full = FullImage(rgb, (255, 255, 255), 2.0)
    _, _, stray = structure(full, region, (0, 0), 1.0, LIMITS)
    _, _, lossless = structure(FullImage(rgb, (255, 255, 255), 0.0), region, (0, 0), 1.0, LIMITS)
    assert lossless >= 2
    assert stray == (lossless - 2 if allowed else lossless)
