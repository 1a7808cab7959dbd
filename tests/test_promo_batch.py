"""Promosi (issue 19) for a batch and across processes: the batch's listing sets are the CLI's,
per vendor, in the batch's zips; backdrops kept on disk come back the same."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from assistant.promo import backdrops
from assistant.promo.batch import batch_products, make_batch_listings
from assistant.promo.listing import Options
from tests.test_promo import product_png

FEW = ["--slots", "utama,kemasan,suasana,ukuran", "--no-social"]


def _shop(root: Path) -> Path:
    """A batch folder: two vendors; one has a product folder of two photos and a loose photo."""
    (root / "warung-a" / "keripik_balado").mkdir(parents=True)
    (root / "warung-a" / "keripik_balado" / "1.png").write_bytes(product_png(seed=1, size=(900, 900)))
    (root / "warung-a" / "keripik_balado" / "2.png").write_bytes(product_png(seed=2, size=(900, 900)))
    (root / "warung-a" / "keripik_balado" / "produk.toml").write_text('size_cm = "14x20x6"\n', encoding="utf-8")
    (root / "warung-a" / "sambal.png").write_bytes(product_png(seed=3, size=(900, 900), colour=(150, 30, 20)))
    (root / "toko-b").mkdir()
    (root / "toko-b" / "kopi.png").write_bytes(product_png(seed=5, size=(900, 900), colour=(90, 60, 40)))
    return root


def test_batch_products_follow_the_batch_and_the_cli_rules(tmp_path):
    root = _shop(tmp_path / "in")
    for i in range(7):  # more than five photos in one product folder: the rest is a product of its own
        (root / "toko-b" / "teh").mkdir(exist_ok=True)
        (root / "toko-b" / "teh" / f"{i}.png").write_bytes(b"x")
    found = {(p.vendor, p.name): (p.title, len(p.jobs)) for p in batch_products([root])}
    assert found == {("warung-a", "keripik_balado"): ("Keripik balado", 2), ("warung-a", "sambal"): ("", 1),
                     ("toko-b", "kopi"): ("", 1), ("toko-b", "teh"): ("Teh", 5), ("toko-b", "teh-2"): ("Teh", 2)}


def test_the_batch_makes_the_cli_set_per_vendor_and_adds_it_to_the_zips(tmp_path):
    from assistant.cli import main

    root = _shop(tmp_path / "in")
    out = tmp_path / "hasil"
    out.mkdir()
    for name in ("all-outputs.zip", "a.zip", "b.zip"):
        with zipfile.ZipFile(out / name, "w") as z:
            z.writestr("shopee/x.jpg", b"batch image")
    result = SimpleNamespace(zip_path=out / "all-outputs.zip",
                             vendor_zips={"warung-a": out / "a.zip", "toko-b": out / "b.zip"})
    seen = []
    made = make_batch_listings([root], out, "shopee", options=Options(slots=("utama", "kemasan", "suasana", "ukuran"),
                                                                      social=False),
                               progress=lambda done, total: seen.append((done, total)), result=result)
    assert made.products == 3 and not made.failed and seen[0] == (0, 3) and seen[-1] == (3, 3)
    shop = out / "promosi"
    assert (shop / "warung-a" / "laporan.csv").is_file() and (shop / "toko-b" / "laporan.csv").is_file()
    keripik = shop / "warung-a" / "shopee" / "keripik_balado"
    # the product folder's produk.toml gave its size: the size slot is made for it alone
    assert sorted(p.name for p in keripik.iterdir()) == ["01-utama.jpg", "03-suasana.jpg", "05-ukuran.jpg"]
    assert not (shop / "toko-b" / "shopee" / "kopi" / "05-ukuran.jpg").exists()
    # the CLI, given the same product folder and the same loose photo, writes the same bytes
    cli = tmp_path / "cli"
    assert main(["listing", str(root / "warung-a" / "keripik_balado"), str(root / "toko-b" / "kopi.png"),
                 "--preset", "shopee", "--out", str(cli), *FEW]) == 0
    for product, vendor in (("keripik_balado", "warung-a"), ("kopi", "toko-b")):
        ours = sorted((shop / vendor / "shopee" / product).iterdir())
        theirs = sorted((cli / "shopee" / product).iterdir())
        assert [p.name for p in ours] == [p.name for p in theirs]
        assert all(a.read_bytes() == b.read_bytes() for a, b in zip(ours, theirs)), product
    with zipfile.ZipFile(out / "all-outputs.zip") as z:
        names = set(z.namelist())
    assert "shopee/x.jpg" in names and "promosi/warung-a/shopee/keripik_balado/01-utama.jpg" in names
    assert "promosi/toko-b/laporan.csv" in names
    with zipfile.ZipFile(out / "b.zip") as z:
        names = set(z.namelist())
    assert "promosi/shopee/kopi/01-utama.jpg" in names and not any("keripik" in n for n in names)


def test_backdrops_kept_on_disk_come_back_the_same_in_a_fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    backdrops.texture.cache_clear()
    backdrops._render.cache_clear()
    drawn = backdrops.render_backdrop("kayu:walnut", (300, 260), 0.8)
    files = list((tmp_path / "etalase" / "promo").glob("*.npy"))
    assert len(files) == 2  # the texture and the rendered backdrop
    backdrops.texture.cache_clear()
    backdrops._render.cache_clear()
    read = backdrops.render_backdrop("kayu:walnut", (300, 260), 0.8)
    assert np.array_equal(drawn.rgb8, read.rgb8) and drawn.horizon == read.horizon
    # a damaged file is drawn again, not trusted
    for f in files:
        f.write_bytes(b"broken")
    backdrops._render.cache_clear()
    backdrops.texture.cache_clear()
    assert np.array_equal(backdrops.render_backdrop("kayu:walnut", (300, 260), 0.8).rgb8, drawn.rgb8)
    backdrops._render.cache_clear()
    backdrops.texture.cache_clear()


def test_the_packaging_slot_shows_the_designed_label_and_the_label_fills_the_product(tmp_path, monkeypatch):
    import assistant.label as label
    from assistant.cli import main
    from assistant.photo import open_photo
    from assistant.promo import listing
    from assistant.promo.cards import ProductInfo
    from assistant.promo.kit import BrandKit, kit_from_json, kit_to_json

    info = label.read_info_text(label.EXAMPLE)
    filled = listing.with_label_info(ProductInfo(label=info))
    assert filled.title.startswith(info.nama_jenis) and filled.net.startswith(info.berat_bersih)
    assert info.izin_nomor in filled.registration and filled.grams
    assert listing.with_label_info(ProductInfo(title="Nama sendiri", label=info)).title == "Nama sendiri"
    calls = []
    real = label.front_image
    monkeypatch.setattr(label, "front_image", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    photo = open_photo(product_png(seed=6, size=(900, 900)))
    only = listing.Options(slots=("kemasan",), social=False)
    kit = BrandKit(name="Dapur Bu Sri", label_layout="premium")
    designed = listing.make_listing([photo], "shopee,tokopedia", ProductInfo(label=info), kit, only)
    assert calls == ["premium"]  # one design, made once for the whole set
    plain = listing.make_listing([photo], "shopee", ProductInfo(title="Keripik"), kit, only)
    a = np.asarray(designed.for_target("shopee")[0].image, np.int16)
    b = np.asarray(plain.for_target("shopee")[0].image, np.int16)
    assert designed.for_target("shopee")[0].slot == "02-kemasan" and np.abs(a - b).mean() > 3
    assert kit_from_json(kit_to_json(kit)) == kit and b"label_layout" not in kit_to_json(BrandKit())
    # the CLI: a product folder's own INFO.toml, no kit needed for the packaging slot
    folder = tmp_path / "keripik"
    folder.mkdir()
    (folder / "1.png").write_bytes(product_png(seed=6, size=(900, 900)))
    (folder / "INFO.toml").write_text(label.EXAMPLE, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["listing", str(folder), "--preset", "shopee", "--out", str(out), "--slots", "kemasan",
                 "--no-social", "--label-layout", "ceria"]) == 0
    assert (out / "shopee" / "keripik" / "02-kemasan.jpg").is_file()
    assert calls[-1] == "ceria"


def test_the_public_api_exposes_the_listing_sets():
    import assistant
    from assistant.promo import batch, listing

    assert assistant.make_listing is listing.make_listing and assistant.make_listings is listing.make_listings
    assert assistant.make_batch_listings is batch.make_batch_listings
