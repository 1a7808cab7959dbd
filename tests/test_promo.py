"""Promosi (issue 19): listing sets, backdrops, cards, brand kit, one look per shop."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from assistant.errors import AssistantError
from assistant.photo import open_photo
from assistant.pipeline import process
from assistant.presets import load_preset, load_presets
from assistant.promo import backdrops, kit as kits, listing, money
from assistant.promo.cards import ProductInfo

INFO = ProductInfo(title="Keripik Singkong Balado", points=("Tanpa pengawet", "Pedas level 3", "Halal"),
                   size_cm=(14.0, 20.0, 6.0), net="250 g", grams=250, registration="2063201010123-27",
                   price=25000, old_price=35000, badges=("gratis-ongkir", "terlaris"))


def product_png(seed: int = 0, size=(1800, 1800), box=(0.3, 0.16, 0.7, 0.86), colour=(196, 60, 40)) -> bytes:
    """A transparent PNG of a packaged product: a shaded pouch with a label and a textured patch."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    x0, y0, x1, y1 = int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)
    d.rounded_rectangle([x0, y0, x1, y1], 30, fill=colour + (255,))
    d.rectangle([x0 + 40, y0 + (y1 - y0) // 3, x1 - 40, y0 + 2 * (y1 - y0) // 3], fill=(245, 236, 214, 255))
    d.text((x0 + 60, y0 + (y1 - y0) // 2), "KERIPIK", fill=(30, 30, 30, 255))
    arr = np.array(img)
    # a textured patch (the "chips") high on the left: what the close-up should find
    py0, px0 = y0 + 30, x0 + 30
    patch = rng.integers(0, 255, (160, 160, 1)).repeat(3, 2)
    arr[py0:py0 + 160, px0:px0 + 160, :3] = (patch * 0.6 + np.array(colour) * 0.4).astype(np.uint8)
    shade = np.linspace(0.85, 1.05, w)[None, :, None]
    arr[..., :3] = np.clip(arr[..., :3] * shade, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr, "RGBA").save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def made():
    photo = open_photo(product_png())
    k = kits.BrandKit(name="Dapur Bu Sri", backdrop="kayu:jati")
    return listing.make_listing([photo], "shopee,instagram-square", INFO, k, listing.Options(measure=True),
                                name="keripik")


def test_every_slot_has_its_exact_size_format_and_fits_its_cap(made):
    sizes = {"shopee": (1024, 1024), "instagram-square": (1080, 1080)}
    social = {f.name: f for f in listing.social_formats()}
    seen = set()
    for img in made.images:
        decoded = Image.open(io.BytesIO(img.data))
        assert decoded.format == "JPEG", img.slot
        if img.target == "social":
            fmt = social[img.slot.split("-")[0]]
            assert decoded.size == fmt.size and len(img.data) <= fmt.max_bytes
        else:
            preset = load_preset(img.target)
            assert decoded.size == sizes[img.target], img.slot
            assert len(img.data) <= preset.image.max_bytes
        seen.add((img.target, img.slot))
    square = {s for t, s in seen if t == "instagram-square"}
    assert {"01-utama", "02-kemasan", "03-suasana", "04-detail", "05-ukuran", "06-info", "07-promo",
            "08-suasana-2", "09-suasana-3"} <= square
    assert {s.split("-")[0] for t, s in seen if t == "social"} == {"4x5", "9x16"}


def test_a_preset_that_forbids_overlays_never_gets_text_and_says_so(made):
    shopee = made.for_target("shopee")
    assert shopee and all(i.texts == 0 for i in shopee)
    assert not {"06-info", "07-promo"} & {i.slot for i in shopee}
    said = {s.slot: s.message("id") for s in made.skipped if s.target == "shopee"}
    assert set(said) == {"06-info", "07-promo"}
    assert all("Shopee" in m and "melarang tulisan" in m for m in said.values())
    # asking for the promo slot alone on such a preset gives no image, and the reason
    only = listing.make_listing([open_photo(product_png())], "tokopedia", INFO, None,
                                listing.Options(slots=("promo",), social=False))
    assert only.images == [] and only.skipped[0].code == "promo_skip_overlays"
    # where overlays are allowed, the cards carry their text
    square = {i.slot: i for i in made.for_target("instagram-square")}
    assert square["07-promo"].texts >= 4 and square["06-info"].texts >= 4


def test_main_image_is_exactly_what_process_makes():
    photo = open_photo(product_png(seed=3))
    preset = load_presets("shopee")
    expected = process(photo, preset).outputs[0].data
    got = listing.make_listing([photo], preset, options=listing.Options(slots=("utama",), social=False))
    assert got.images[0].data == expected


def test_brand_kit_round_trips_to_the_same_bytes_and_images(tmp_path):
    logo = Image.new("RGBA", (120, 60), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse([5, 5, 55, 55], fill=(20, 90, 60, 255))
    k = kits.with_logo(kits.BrandKit(name="Toko Sari", primary="#1E6B52", accent="#F2C14E",
                                     backdrop="terazo:klasik", badge_style="tag"), logo)
    path = kits.save_kit(k, tmp_path / "merek.json")
    loaded = kits.load_kit(path)
    assert loaded == k
    assert kits.kit_to_json(loaded) == path.read_bytes()
    photo = open_photo(product_png(seed=1))
    opts = listing.Options(slots=("promo", "info"), social=False)
    a = listing.make_listing([photo], "instagram-square", INFO, k, opts)
    b = listing.make_listing([photo], "instagram-square", INFO, loaded, opts)
    assert [i.data for i in a.images] == [i.data for i in b.images] and len(a.images) == 2
    with pytest.raises(AssistantError):
        kits.load_kit(b'{"format": "something-else"}')


def test_prices_are_written_the_indonesian_way():
    assert money.format_rupiah(25000) == "Rp25.000"
    assert money.format_rupiah(1500000) == "Rp1.500.000"
    assert money.format_rupiah(999) == "Rp999"
    assert money.parse_rupiah("Rp 25.000") == 25000
    assert money.parse_rupiah("25000") == 25000
    assert money.parse_rupiah("25rb") == 25000
    assert money.parse_rupiah("1,5jt") == 1500000
    assert money.discount_percent(25000, 35000) == 28
    assert money.discount_percent(25000, 20000) is None
    with pytest.raises(AssistantError):
        money.parse_rupiah("dua puluh ribu")


def _box_height(image: Image.Image, background: np.ndarray) -> int:
    diff = np.abs(np.asarray(image, np.float32) - background).max(axis=2) > 40
    rows = np.flatnonzero(diff.any(axis=1))
    return int(rows[-1] - rows[0] + 1)


def test_a_250g_and_a_1kg_product_keep_their_size_ratio():
    # the same pouch shape photographed at different distances: only the weights tell the sizes
    small = listing.ProductInput("250g", (open_photo(product_png(5, box=(0.4, 0.3, 0.6, 0.62))),),
                                 ProductInfo(net="250 g", grams=250))
    big = listing.ProductInput("1kg", (open_photo(product_png(6, box=(0.25, 0.1, 0.75, 0.9))),),
                               ProductInfo(net="1 kg", grams=1000))
    opts = listing.Options(slots=("03-suasana",), social=False, backdrops=("polos:pasir",))
    sets = listing.make_listings([small, big], "instagram-square", None, opts)
    bg = np.asarray(backdrops.render_backdrop("polos:pasir", (1080, 1080), 0.83).rgb)
    heights = [_box_height(s.images[0].image, bg) for s in sets]
    expected = (250 / 1000) ** (1 / 3)
    assert abs(heights[0] / heights[1] - expected) / expected <= 0.03, heights


def test_product_colours_stay_true_in_scenes_and_text_is_legible(made):
    des = [i.colour_de for i in made.images if i.colour_de is not None]
    assert des and max(des) <= 2.0, des
    assert made.legibility
    for item in made.legibility:
        assert item.contrast >= 4.5, item
        assert item.ssim >= 0.8, item


def test_the_close_up_finds_the_textured_part():
    from assistant.promo.product import find_detail, prepare

    photo = open_photo(product_png(seed=2))
    from assistant.pipeline import cut_out

    prep = prepare(cut_out(photo), load_presets("shopee"))
    _, choice = find_detail(prep, zoom=0.3)
    # the patch sits at the top-left of the pouch
    assert choice.centre[0] < 0.5 and choice.centre[1] < 0.4, choice


def test_every_backdrop_loads_and_renders_the_same_twice():
    names = backdrops.list_backdrops()
    kinds = {backdrops.load_backdrop(n)[0].kind for n in names}
    assert set(backdrops.KINDS) <= kinds
    for name in names:
        a = backdrops.render_backdrop(name, (240, 200))
        assert a.rgb8.shape == (200, 240, 3)
    backdrops._render.cache_clear()
    assert np.array_equal(backdrops.render_backdrop("batik:soga", (240, 200)).rgb8,
                          backdrops.render_backdrop("batik:soga", (240, 200)).rgb8)
    with pytest.raises(AssistantError):
        backdrops.load_backdrop("kayu:plastik")


def test_cli_writes_the_set_and_the_report(tmp_path):
    from assistant.cli import main

    src = tmp_path / "in" / "keripik.png"
    src.parent.mkdir()
    src.write_bytes(product_png(seed=4))
    out = tmp_path / "out"
    rc = main(["listing", str(src), "--preset", "shopee", "--out", str(out), "--price", "25.000",
               "--points", "Tanpa pengawet;Halal", "--size-cm", "14x20x6", "--slots", "utama,ukuran,promo"])
    assert rc == 0
    assert (out / "shopee" / "keripik" / "01-utama.jpg").is_file()
    assert (out / "shopee" / "keripik" / "05-ukuran.jpg").is_file()
    assert not (out / "shopee" / "keripik" / "07-promo.jpg").exists()
    assert sorted(p.name for p in (out / "social" / "keripik").iterdir()) == ["4x5-promo.jpg", "9x16-promo.jpg"]
    report = (out / "laporan.csv").read_text(encoding="utf-8")
    assert "promo" in report and "skipped" in report
    assert main(["listing", str(src), "--preset", "shopee", "--out", str(out), "--price", "murah"]) == 2
