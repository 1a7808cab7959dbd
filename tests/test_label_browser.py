"""The label step of the Kemasan tab in a real browser, on a phone (issue 20).

A vendor picks "Desain label baru", fills the short form, presses the tab's button, reads what
is still missing in plain Indonesian, fixes it, and downloads the print PDF; the PDF's trim box
is the size asked for. Uses the app server and browser of tests/test_app_browser.py. The phone
screenshot goes to ``$ETALASE_SCREENSHOTS`` (when set) as label-phone.png.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.test_app_browser import (PHONE, browser, download, make_mockups, no_horizontal_scroll,  # noqa: F401
                                    open_page, save_shot, server, shots)

pytestmark = pytest.mark.browser

MM = 72 / 25.4  # PDF points per millimetre


def _fill(page, elem: str, text: str) -> None:
    page.fill(f"#{elem} input, #{elem} textarea", text)


def _trim_mm(pdf: bytes) -> tuple[float, float]:
    import pdfplumber
    from pdfminer.pdftypes import resolve1

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        x0, y0, x1, y1 = (float(v) for v in resolve1(doc.pages[0].page_obj.attrs["TrimBox"]))
    return (x1 - x0) / MM, (y1 - y0) / MM


def test_label_form_on_a_phone_makes_a_print_pdf(browser, server, shots, tmp_path):  # noqa: F811
    context, page = open_page(browser, server, PHONE)
    page.get_by_role("tab", name="Kemasan").click()
    page.locator("#mk-source").get_by_label("Desain label baru").check()
    page.wait_for_selector("#lb-form", state="visible")
    assert not page.locator("#mk-label").is_visible()  # the design-file upload is for the other sources

    _fill(page, "lb-brand", "Dapur Bu Sri")
    _fill(page, "lb-type", "Keripik Singkong Balado")
    _fill(page, "lb-ingredients", "singkong (70%), minyak sawit, cabai merah, gula pasir, garam, aspartam")
    _fill(page, "lb-net", "150")
    _fill(page, "lb-producer", "UD Dapur Bu Sri")
    _fill(page, "lb-address", "Jl. Melati No. 12, Sleman, D.I. Yogyakarta 55281")
    _fill(page, "lb-permit", "2063404010123")  # two digits short
    _fill(page, "lb-storage", "Simpan di tempat sejuk dan kering.")
    _fill(page, "lb-width", "90")
    _fill(page, "lb-height", "80")
    no_horizontal_scroll(page)

    make_mockups(page)
    checks = page.inner_text("#lb-checks-box")
    assert "Wajib diperbaiki" in checks and "tidak sesuai format" in checks, checks
    page.locator("#lb-checks-box summary").click()  # the advice, folded
    assert "pemanis buatan" in page.inner_text("#lb-checks-box")  # aspartam -> its regulated statement

    _fill(page, "lb-permit", "2063404010123-29")
    make_mockups(page)
    assert "selesai" in page.inner_text("#mk-status"), page.inner_text("#mk-status")
    page.wait_for_selector("#lb-checks-box .etalase-ok")
    page.wait_for_selector("#lb-preview img")
    page.wait_for_selector("#mk-gallery img")
    no_horizontal_scroll(page)
    save_shot(page, shots / "label-phone.png")

    pdf = download(page, "#lb-download-0", tmp_path / "label.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    w, h = _trim_mm(pdf)
    assert abs(w - 90) <= 0.1 and abs(h - 80) <= 0.1, (w, h)
    sheet = download(page, "#lb-download-1", tmp_path / "sheet.pdf").read_bytes()
    assert sheet.startswith(b"%PDF")
    png = download(page, "#lb-download-2", tmp_path / "label.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert "90 × 80 mm" in page.inner_text("#lb-download-0")
    context.close()
