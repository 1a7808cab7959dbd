"""The "Promosi" tab in a real browser, on a phone (issue 19).

A vendor opens Promosi, uploads a product photo, types a price and two selling points, makes
the set, sees it as a grid with the reason Shopee gets no promo card, and downloads the one zip:
it holds every slot's file and the brand kit. Uses the app server and browser of
tests/test_app_browser.py. The phone screenshot goes to ``$ETALASE_SCREENSHOTS`` (when
set) as promosi-phone.png.
"""

from __future__ import annotations

import zipfile

import pytest

from tests.conftest import jpeg_bytes, product_photo
from tests.test_app_browser import (PHONE, RESULT_TIMEOUT_MS, browser, download,  # noqa: F401
                                    no_horizontal_scroll, open_page, press_and_answer, save_shot, server, shots)

pytestmark = pytest.mark.browser


def _fill(page, elem: str, text: str) -> None:
    page.fill(f"#{elem} input, #{elem} textarea", text)


def make_set(page) -> str:
    return press_and_answer(page, "#pr-btn", "#pr-status")


def test_promo_set_on_a_phone_shows_a_grid_and_downloads_one_zip(browser, server, shots, tmp_path):  # noqa: F811
    photo = tmp_path / "keripik.jpg"
    photo.write_bytes(jpeg_bytes(product_photo((900, 700), seed=3)))
    context, page = open_page(browser, server, PHONE)
    for name in ("Promosi", "Panduan"):  # five tabs still fit a phone's width
        assert page.get_by_role("tab", name=name).is_visible(), name
    page.get_by_role("tab", name="Promosi").click()
    page.wait_for_selector("#pr-btn")
    no_horizontal_scroll(page)

    page.set_input_files("#pr-photo input[type=file]", str(photo))
    _fill(page, "pr-title", "Keripik Singkong Balado")
    _fill(page, "pr-price", "25.000")
    _fill(page, "pr-old-price", "35000")
    _fill(page, "pr-points", "Tanpa pengawet\nPedas level 3")
    _fill(page, "pr-net", "250 g")
    _fill(page, "pr-size", "12x18x6")
    page.locator("#pr-more").get_by_text("Pilihan lain").click()
    page.locator("#pr-quality").get_by_label("Cepat").check()
    page.locator("#pr-kit").get_by_text("Merek toko").click()
    _fill(page, "pr-shop", "Dapur Bu Sri")

    status = make_set(page)
    assert "selesai" in status, status
    page.wait_for_selector("#pr-gallery img")
    assert page.locator("#pr-gallery img").count() >= 5
    assert "melarang tulisan" in page.inner_text("#pr-notes")  # Shopee: no info or promo card, and why
    page.wait_for_selector("#pr-zip", state="visible")
    no_horizontal_scroll(page)
    save_shot(page, shots / "promosi-phone.png")

    out = download(page, "#pr-zip", tmp_path / "promosi.zip")
    z = zipfile.ZipFile(out)
    names = set(z.namelist())
    slots = {n.rsplit("/", 1)[-1] for n in names if n.startswith("shopee/")}
    assert {"01-utama.jpg", "02-kemasan.jpg", "03-suasana.jpg", "05-ukuran.jpg"} <= slots, names
    assert not {"06-info.jpg", "07-promo.jpg"} & slots
    assert any(n.startswith("social/") and n.endswith("promo.jpg") for n in names), names
    assert "merek.etalase.json" in names
    page.locator("#pr-gallery img").nth(1).click()  # open one photo; without a share sheet it downloads
    shared = download(page, "#pr-share", tmp_path / "shared.jpg").read_bytes()
    assert shared[:3] == b"\xff\xd8\xff" and shared in {z.read(n) for n in names if n.endswith(".jpg")}
    kit = download(page, "#pr-kit-download", tmp_path / "merek.etalase.json").read_bytes()
    assert b"Dapur Bu Sri" in kit
    context.close()


def test_banyak_foto_also_makes_listing_sets_into_its_zip_on_a_phone(browser, server, shots, tmp_path):  # noqa: F811
    """Banyak Foto with "Buat juga set promosi": the batch's zip holds a set per product under promosi/."""
    a, b = tmp_path / "keripik.jpg", tmp_path / "sambal.jpg"
    a.write_bytes(jpeg_bytes(product_photo((800, 640), seed=4)))
    b.write_bytes(jpeg_bytes(product_photo((800, 640), seed=5)))
    context, page = open_page(browser, server, PHONE)
    page.get_by_role("tab", name="Banyak Foto").click()
    page.wait_for_selector("#batch-btn")
    page.set_input_files("#batch-files input[type=file]", [str(a), str(b)])
    page.locator("#batch-quality").get_by_label("Cepat").check()
    page.locator("#batch-listing").get_by_label("Buat juga set promosi").check()
    no_horizontal_scroll(page)
    page.click("#batch-btn")
    page.wait_for_function("document.querySelector('#batch-status').innerText.includes('Set promosi')",
                           timeout=RESULT_TIMEOUT_MS * 2)
    assert "Set promosi: 2 produk" in page.inner_text("#batch-status")
    no_horizontal_scroll(page)
    save_shot(page, shots / "banyak-foto-promosi-phone.png")
    target = download(page, "#batch-zip a[download]", tmp_path / "hasil.zip")
    with zipfile.ZipFile(target) as z:
        names = set(z.namelist())
    assert {"promosi/laporan.csv", "promosi/umum/keripik/01-utama.jpg", "promosi/umum/sambal/03-suasana.jpg"} <= names, \
        sorted(names)
    assert any(n.startswith("promosi/social/keripik/") for n in names)
    context.close()
