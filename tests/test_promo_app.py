"""The "Promosi" tab without a browser (issue 19): form values -> a listing set, its files, its
zip and brand kit, the message when text was asked for a marketplace that forbids it, the
language switch, and the slot guide for the Panduan tab. The browser test is
tests/test_promo_browser.py."""

from __future__ import annotations

import importlib
import io
import json
import zipfile

import pytest

from tests.test_app import app  # noqa: F401  (the app imported with its own cache folder)
from tests.test_promo import product_png


@pytest.fixture(scope="module")
def tab(app):  # noqa: F811
    return importlib.import_module("assistant.web.tabs.promo")


def _tab(tab, **changes):
    """A PromoTab over stand-in components, and its values with ``changes``."""
    form = tab.Form(**{name: object() for name in tab.Form.__dataclass_fields__})
    t = tab.PromoTab(lang=object(), last=object(), form=form, run_btn=None,
                     **{k: object() for k in ("status", "notes", "gallery", "zip_btn", "share_btn", "kit_btn", "state")})
    values = {c: "" for c in vars(form).values()}
    given = {"photo": None, "use_last": False, "presets": ["shopee"], "title": "Keripik Balado",
             "price": "25.000", "old_price": "35000", "points": "Tanpa pengawet\n- Halal\n", "size_cm": "14x20x6",
             "net": "250 g", "badges": ["gratis-ongkir"], "slots": ["01-utama", "03-suasana", "06-info", "07-promo"],
             "backdrop": "marmer:putih", "shop": "Dapur Bu Sri", "colour": "#2E5E4E", "kit_file": None,
             "quality": "u2netp"} | changes
    for name, value in given.items():
        values[getattr(form, name)] = value
    values[t.lang] = "id"
    values[t.last] = None
    return t, values


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    path = tmp_path_factory.mktemp("promo-app") / "keripik.png"
    path.write_bytes(product_png(size=(900, 900)))  # already cut out: no model needed
    return path


def test_the_form_fills_the_product_and_the_brand_kit(tab):
    t, values = _tab(tab)
    info = t.info(values)
    assert info.points == ("Tanpa pengawet", "Halal") and info.price == 25000 and info.old_price == 35000
    assert info.size_cm == (14.0, 20.0, 6.0) and info.grams == 250 and info.badges == ("gratis-ongkir",)
    kit = t.kit(values)
    assert kit.name == "Dapur Bu Sri" and kit.primary == "#2E5E4E" and kit.backdrop == "marmer:putih"
    assert info.label is None and t.options(values).label is None


def test_the_designed_label_goes_on_the_packaging_photo(tab, product, tmp_path):
    """Kemasan's label.png (or the label designer's INFO.toml) for the packaging slot."""
    import assistant.label as label

    toml = tmp_path / "INFO.toml"
    toml.write_text(label.EXAMPLE, encoding="utf-8")
    t, values = _tab(tab, label_file=str(toml))
    assert t.info(values).label.nama_jenis and t.options(values).label is None
    t, values = _tab(tab, label_file=str(product))
    assert t.info(values).label is None and t.options(values).label.size == (900, 900)


def test_make_gives_the_grid_one_zip_the_kit_and_says_why_text_was_left_off(tab, product, tmp_path):
    t, values = _tab(tab, photo=str(product))
    updates = t.make(values)
    state = updates[t.state]
    slots = [(e["target"], e["slot"]) for e in state["entries"]]
    assert ("shopee", "01-utama") in slots and ("shopee", "03-suasana") in slots
    assert ("shopee", "07-promo") not in slots  # Shopee forbids text on its photos
    assert any(target == "social" and slot.endswith("promo") for target, slot in slots)
    notes = updates[t.notes]
    assert "melarang tulisan" in notes and "Promo" in notes and "promo_" not in notes
    assert "selesai" in updates[t.status]
    with zipfile.ZipFile(state["zip"]) as z:
        names = z.namelist()
    assert "shopee/Keripik-Balado/01-utama.jpg" in names and "merek.etalase.json" in names
    assert len([n for n in names if n.endswith(".jpg")]) == len(state["entries"])
    kit = json.loads(open(state["kit"], "rb").read())
    assert "Dapur Bu Sri" in json.dumps(kit)
    gallery = updates[t.gallery]
    assert gallery["visible"] and gallery["value"][0][1] == "Foto utama"

    english = t.relabel({t.state: state}, "en")
    assert english[t.gallery]["value"][0][1] == "Main photo" and english[t.gallery]["value"][-1][1] == "9:16 story"
    assert "forbid text" in english[t.notes] and "photos done" in english[t.status]


def test_the_last_result_is_used_as_it_is_and_problems_are_told_plainly(tab, product, app):  # noqa: F811
    from assistant.photo import open_photo

    services = importlib.import_module("assistant.web.services")
    t, values = _tab(tab, use_last=True, slots=["01-utama"], price="")
    values[t.last] = services.park_photo(open_photo(product.read_bytes()))
    state = t.make(values)[t.state]
    assert [e["slot"] for e in state["entries"]][0] == "01-utama"

    t, values = _tab(tab, use_last=True)
    assert "sudah tidak ada" in t.make(values)[t.status]  # no last result in this session
    t, values = _tab(tab)
    assert "Pilih dulu foto" in t.make(values)[t.status]
    t, values = _tab(tab, photo=str(product), price="dua puluh ribu")
    assert "tidak bisa dibaca" in t.make(values)[t.status]


def test_the_guide_says_what_each_slot_is_for_per_marketplace_with_sources(tab):
    text = tab.guide_md("id")
    assert "Foto utama" in text and "Shopee" in text and "paling banyak 9 foto" in text
    assert "Lazada**: paling banyak 8 foto" in text and "https://" in text
    assert "issue 19" not in text and "promo_" not in text
    assert "Lifestyle" in tab.guide_md("en")


def test_the_batch_tab_also_makes_listing_sets_into_its_zip(tab, app, tmp_path):  # noqa: F811
    """"Buat juga set promosi" in Banyak Foto: a set per product under promosi/ in the batch's zip."""
    batch_run = importlib.import_module("assistant.web.batch_run")
    batch_tab = importlib.import_module("assistant.web.tabs.batch")
    a, b = tmp_path / "keripik.png", tmp_path / "sambal.png"
    a.write_bytes(product_png(seed=1, size=(700, 700)))
    b.write_bytes(product_png(seed=3, size=(700, 700), colour=(150, 30, 20)))
    seen = []
    run, result = batch_run.run_files([str(a), str(b)], ["shopee"], "u2netp", None, "id", listing=True,
                                      listing_progress=lambda done, total: seen.append((done, total)))
    zip_path = run["downloads"][-1]  # the zip with everything (vendor zips come first)
    assert seen[-1] == (2, 2) and result.listing.products == 2
    with zipfile.ZipFile(zip_path) as z:
        names = set(z.namelist())
    assert {"promosi/shopee/keripik/01-utama.jpg", "promosi/shopee/sambal/03-suasana.jpg",
            "promosi/social/keripik/4x5-scene.jpg", "promosi/laporan.csv"} <= names, sorted(names)
    assert any(n.startswith("shopee/keripik") for n in names), sorted(names)  # the batch's own images stay
    summary = batch_tab.promo_summary(result.listing, "id")
    assert "Set promosi: 2 produk" in summary
    assert batch_tab.promo_summary(None, "id") == ""
    _, plain = batch_run.run_files([str(a)], ["shopee"], "u2netp", None, "id")
    assert plain.listing is None
