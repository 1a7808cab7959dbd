"""Siap tayang in the app and the batch report (issue 22): the "Cek Foto" tab's rendering, the
photo card's readiness line and the batch report's column per marketplace. The tab in a real
browser: tests/test_check_browser.py."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest
from PIL import Image, ImageFilter

from assistant.batch.journal import Record
from assistant.i18n import STRINGS
from assistant.presets import load_preset, load_presets
from assistant.readiness import ready, report
from tests.test_readiness import packshot, with_text

pytest.importorskip("gradio")
from assistant.web.tabs import check  # noqa: E402

JARGON = re.compile(r"#[0-9A-Fa-f]{6}|u2net|isnet|onnx|alpha|preset|/tmp/|\.py\b", re.I)


def _shadowed(img: Image.Image, box) -> Image.Image:
    """A soft grey shadow under the product, as Etalase's outputs have."""
    shadow = Image.new("L", img.size, 0)
    x0, y0, x1, y1 = box
    shadow.paste(70, (x0 + 20, y1 - 10, x1 + 40, y1 + 30))
    shadow = shadow.filter(ImageFilter.GaussianBlur(18))
    grey = Image.new("RGB", img.size, (150, 150, 150))
    out = Image.composite(grey, img, shadow)
    out.paste(img.crop(box), box[:2])
    return out


def test_canvas_alpha_is_the_product_not_its_soft_shadow():
    box = (300, 150, 900, 1100)
    img, alpha = packshot(box=box)
    found = report.canvas_alpha(np.asarray(_shadowed(img, box))) > 127
    ys, xs = np.nonzero(found)
    assert (xs.min(), ys.min(), xs.max(), ys.max()) == (300, 150, 900, 1100)
    assert found[alpha > 0].all()  # the packaging's print is inside, holes filled


def test_result_card_line_says_ready_or_why(tmp_path):
    clean, promo = tmp_path / "umum.jpg", tmp_path / "promo.jpg"
    img, _ = packshot()
    img.save(clean, quality=90)
    with_text(img, xy=(30, 30), size=60).save(promo, quality=90)
    line = check.ready_md({"path": str(clean), "preset": "umum"}, "id")
    assert line.startswith("  \n✓ Siap tayang di ") and not JARGON.search(line), line
    assert "Ready to list on" in check.ready_md({"path": str(clean), "preset": "umum"}, "en")
    line = check.ready_md({"path": str(promo), "preset": "umum"}, "id")
    assert line.startswith("  \n⚠ ") and "kemungkinan menolak" in line and "tulisan" in line, line
    # a file that is gone: no line, no error (the card stays as it was)
    assert check.ready_md({"path": str(tmp_path / "hilang.jpg"), "preset": "umum"}, "id") == ""


def test_output_verdict_judges_the_file_as_uploaded(tmp_path):
    img, _ = packshot()
    png = tmp_path / "umum.png"
    img.save(png)
    assert report.output_verdict(png.read_bytes(), "umum").ok
    small = packshot(box=(100, 160, 1100, 1140))[0].resize((400, 400))
    v = report.output_verdict(_jpeg(small), "shopee")
    assert [r.code for r in v.reasons] == ["min_size"]


def _jpeg(img: Image.Image) -> bytes:
    import io
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _record(tmp_path, name: str, image: Image.Image, presets: list[str], status="ok") -> Record:
    outputs = []
    for p in presets:
        rel = f"{name}-{p}.jpg"
        image.save(tmp_path / rel, quality=90)
        outputs.append({"preset": p, "path": rel, "width": image.width, "height": image.height, "bytes": 0,
                        "notices": []})
    return Record(input=f"/in/{name}.jpg", relative=f"{name}.jpg", vendor="", sku="", order=0, key="k",
                  status=status, outputs=outputs if status == "ok" else [])


def test_batch_report_has_a_column_per_marketplace(tmp_path):
    img, _ = packshot(box=(100, 160, 1100, 1140))  # fills 82 %: Shopee wants 80 %
    names = ["umum", "shopee"]
    records = [_record(tmp_path, "bersih", img, names),
               _record(tmp_path, "=promo<b>", with_text(img, xy=(30, 30), size=60), names),
               _record(tmp_path, "rusak", img, names, status="error")]
    section = report.write_readiness(tmp_path, records, load_presets(names), "id")
    rows = list(csv.reader((tmp_path / report.CSV_NAME).open(encoding="utf-8")))
    assert rows[0] == ["input", "umum", "shopee"]
    assert rows[1][0] == "bersih.jpg" and rows[1][1:] == ["Siap tayang", "Siap tayang"]
    assert rows[2][0].startswith("'=")  # a name never runs as a spreadsheet formula
    assert all("tulisan" in cell for cell in rows[2][1:])
    assert len(rows) == 3  # the failed photo has no output to judge
    assert "Siap tayang per marketplace" in section and "<b>" not in section and "&lt;b&gt;" in section
    assert section.count("<th>") == 3 and "class=\"bad\"" in section


def test_batch_report_html_carries_the_section(tmp_path):
    from assistant.batch.reports import write_html_report

    img, _ = packshot()
    records = [_record(tmp_path, "bersih", img, ["umum"])]
    write_html_report(tmp_path / "report.html", records, [], load_presets(["umum"]), "u2netp", "id")
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Siap tayang per marketplace" in text and (tmp_path / "siap-tayang.csv").is_file()


def _ready(tmp_path, image: Image.Image, alpha: np.ndarray, names: list[str], monkeypatch):
    monkeypatch.setattr(ready, "product_alpha", lambda rgb, model=None: alpha)
    path = tmp_path / "jualan.jpg"
    image.save(path, quality=92)
    return check.describe(ready.check_ready(path, names), names, tmp_path, "jualan")


def test_tab_cards_say_why_what_to_do_and_the_fix(tmp_path, monkeypatch):
    img, alpha = packshot(box=(100, 160, 1100, 1140))
    state = _ready(tmp_path, with_text(img, xy=(30, 30), size=60), alpha, ["shopee", "instagram-square"],
                   monkeypatch)
    shopee, insta = state["cards"]
    assert shopee["fix"] and (tmp_path / "jualan-shopee-rapi.jpg").is_file() and shopee["after"] == []
    assert insta["reasons"] == [] and insta["fix"] is None  # Instagram allows text on the photo
    for lang, words in (("id", ("Kemungkinan ditolak", "Ada tulisan tambahan", "Hapus tulisan",
                                "Sesudah dirapikan: siap tayang di Shopee", "dicek")),
                        ("en", ("Likely to be refused", "Added text", "Remove the added text",
                                "After tidying: ready to list on Shopee", "checked"))):
        text = check.card_html(shopee, lang)
        assert all(w in text for w in words), (lang, text)
        assert not JARGON.search(re.sub(r"<a href='[^']*'", "", text)), text
        assert "✓" in check.card_html(insta, lang)
    summary = check.summary_html(state, 1.2, "id")
    assert "etalase-alert" in summary and "1 dari 2 marketplace" in summary and "unduh" in summary


def test_tab_card_for_a_collage_refuses_with_advice(tmp_path, monkeypatch):
    from tests.test_readiness import _collage

    img, alpha = _collage(gutter=16)
    state = _ready(tmp_path, img, alpha, ["shopee"], monkeypatch)
    card = state["cards"][0]
    assert card["refused"] == "collage" and card["fix"] is None
    text = check.card_html(card, "id")
    assert "kolase" in text.lower() and "sendiri-sendiri" in text
    assert "Shopee kemungkinan menolak" in check.summary_html(state, 1.0, "id")


def test_clean_image_summary_is_green(tmp_path, monkeypatch):
    img, alpha = packshot()
    state = _ready(tmp_path, img, alpha, ["umum", "tokopedia"], monkeypatch)
    assert all(not c["reasons"] for c in state["cards"])
    assert "etalase-ok" in check.summary_html(state, 0.8, "id") and "Siap tayang" in check.card_html(
        state["cards"][0], "id")


def test_every_reason_has_what_to_do_in_both_languages():
    from assistant.readiness.rules import REASONS

    for code in REASONS:
        assert {"id", "en"} <= set(STRINGS[f"siap_do_{code}"]), code
    for key, texts in STRINGS.items():
        if key.startswith("siap_"):
            words = re.sub(r"\{\w+\}", "", texts["id"] + " " + texts["en"])  # placeholders are no words
            assert not JARGON.search(words), key


def test_default_marketplaces_exist():
    assert check.DEFAULT_CHECK and all(load_preset(n) for n in check.DEFAULT_CHECK)
