"""The "Cek Foto" tab in a real browser, on a phone (issue 22).

A vendor opens "Cek Foto", picks a listing image she already has and presses "Cek foto": a
clean image reads "Siap tayang" for each marketplace; one with promo text added beside the
product reads why (in plain Indonesian, with what to do), shows Etalase's fix before and after
side by side, and the fixed image downloads and is itself ready. Uses the app server and
browser of tests/test_app_browser.py; the screenshot goes to ``$ETALASE_SCREENSHOTS`` (when set)
as cek-foto-phone.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.test_app_browser import (PHONE, browser, download, no_horizontal_scroll,  # noqa: F401
                                    open_page, press_and_answer, save_shot, server, shots)
from tests.test_readiness import packshot, with_text

pytestmark = pytest.mark.browser


def _images(tmp: Path) -> tuple[Path, Path]:
    """A carton with dense printed text filling the frame (clean), and a smaller one with
    "PROMO 50%" added above it (the vendor's own promo image)."""
    clean, promo = tmp / "kemasan-bersih.jpg", tmp / "kemasan-promo.jpg"
    packshot(box=(200, 120, 1000, 1100))[0].save(clean, quality=90)
    with_text(packshot(box=(300, 260, 900, 1100))[0], text="PROMO 50%", xy=(40, 40), size=80).save(promo, quality=90)
    return clean, promo


def _check(page, path: Path) -> str:
    remove = page.locator("#ck-photo button[aria-label='Remove Image'], #ck-photo button[aria-label='Hapus foto']")
    if remove.count():
        remove.first.click()
    page.set_input_files("#ck-photo input[type=file]", str(path))
    page.wait_for_selector("#ck-photo img", timeout=30_000)
    return press_and_answer(page, "#ck-btn", "#ck-status")


def test_check_tab_on_a_phone_says_ready_or_why_and_fixes(browser, server, shots, tmp_path):  # noqa: F811
    from assistant.readiness.ready import check_ready

    clean, promo = _images(tmp_path)
    context, page = open_page(browser, server, PHONE)
    page.get_by_role("tab", name="Cek Foto").click()
    page.wait_for_selector("#ck-btn", state="visible")
    no_horizontal_scroll(page)

    status = _check(page, clean)
    assert "siap tayang" in status.lower(), status
    cards = [page.inner_text(f"#ck-verdict-{i}") for i in range(3)]
    assert all("Siap tayang" in c for c in cards), cards
    assert not page.locator("#ck-fix-0").is_visible()
    save_shot(page, shots / "cek-foto-phone-siap.png")

    status = _check(page, promo)
    assert "kemungkinan menolak" in status and "unduh" in status, status
    shopee = page.inner_text("#ck-verdict-0")
    assert "Shopee" in shopee and "Kemungkinan ditolak" in shopee, shopee
    assert "Ada tulisan tambahan" in shopee and "Hapus tulisan" in shopee, shopee  # why, and what to do
    assert "Produk terlalu kecil" in shopee, shopee
    assert "Sesudah dirapikan: siap tayang di Shopee" in shopee, shopee
    before, after = (page.locator(f"#ck-{w}-0 img") for w in ("before", "after"))
    before.wait_for(state="visible")
    after.wait_for(state="visible")
    b, a = before.bounding_box(), after.bounding_box()
    assert a["x"] > b["x"] + b["width"] / 2 and abs(a["y"] - b["y"]) < 40, (b, a)  # side by side
    assert a["x"] + a["width"] <= 390 and b["width"] > 100
    no_horizontal_scroll(page)
    page.locator("#ck-card-0").scroll_into_view_if_needed()
    save_shot(page, shots / "cek-foto-phone.png")

    fixed = download(page, "#ck-download-0", tmp_path / "rapi-shopee.jpg")
    with Image.open(fixed) as im:
        assert im.format == "JPEG" and min(im.size) >= 500
    assert check_ready(fixed, ["shopee"], fix=False).ok  # the download is itself ready to list
    context.close()
