"""Issue 16: one honest verdict per output, the same in the Python API, the batch report and report.csv."""

from __future__ import annotations

import csv

from assistant import batch
from assistant.batch import reports
from assistant.i18n import t
from assistant.presets import load_preset
from assistant.readiness.verdict import CHECK, READY, RETAKE, counts_line, to_record, verdict_for
from assistant.stages.checks import CheckResult


def _r(check, status, key=None, **params):
    return CheckResult(check, status, 0.0, key or f"check_{check}_{'ok' if status == 'ok' else 'bad'}", params)


OK_CHECKS = [_r("blur", "ok"), _r("background", "ok", colour="#FFFFFF", percent=0),
             _r("file_size", "ok", "check_file_size_ok", kb=100, cap_kb=2000)]


def test_the_three_states_and_the_marketplace_line():
    shopee = load_preset("shopee")
    ready = verdict_for(OK_CHECKS, (), shopee)
    assert ready.level == READY and ready.headline("id") == "Siap diunggah"
    assert ready.marketplace_line("id") == "Ukuran, format dan latar sesuai aturan Shopee"
    check = verdict_for(OK_CHECKS + [_r("cutoff", "warn")], (), shopee)
    assert check.level == CHECK and check.headline("id").startswith("Bisa diunggah, tapi cek dulu: ")
    assert "terpotong" in check.headline("id")
    retake = verdict_for(OK_CHECKS + [_r("hand", "fail", "realphoto_check_hand_bad", percent=12)], (), shopee)
    assert retake.level == RETAKE and retake.headline("id").startswith("Sebaiknya foto ulang: tangan")
    assert "meja" in retake.advice("id")  # what to do
    # A pile kept whole is red whatever its cutout checks say, and only the pile is the reason.
    pile = verdict_for(OK_CHECKS + [_r("cutoff", "fail")], [("realphoto_pile_uncut", {})], shopee)
    assert pile.level == RETAKE and [r.name for r in pile.reasons] == ["realphoto_pile_uncut"]
    # A quiet check (a slight colour cast) does not turn a good output amber.
    assert verdict_for(OK_CHECKS + [_r("color_cast", "warn")], (), shopee).level == READY
    assert counts_line([READY] * 24 + [CHECK] * 4 + [RETAKE] * 2, "id") == "24 siap, 4 perlu dicek, 2 foto ulang"


def _record(name, verdict, index):
    out = {"preset": "umum", "path": f"umum/{name}.jpg", "width": 1200, "height": 1200, "bytes": 1000,
           "notices": [], "verdict": to_record(verdict)}
    return batch.Record(name, f"{name}.jpg", "", "", index, name, "ok", outputs=[out], index=index)


def test_the_batch_report_carries_the_verdict(tmp_path):
    umum = load_preset("umum")
    verdicts = [verdict_for(OK_CHECKS, (), umum), verdict_for(OK_CHECKS + [_r("cutoff", "warn")], (), umum),
                verdict_for(OK_CHECKS + [_r("hand", "fail", "realphoto_check_hand_bad", percent=9)], (), umum)]
    records = [_record(n, v, i) for i, (n, v) in enumerate(zip(("siap", "cek", "ulang"), verdicts))]
    rows = [row for r in records for row in reports._rows_for(r, [umum], "id")]
    reports.write_report(tmp_path / "report.csv", rows, "en")  # English headers: the field names
    got = {r["input"]: r for r in csv.DictReader((tmp_path / "report.csv").open(encoding="utf-8"))}
    assert [got[n]["verdict"] for n in ("siap", "cek", "ulang")] == [READY, CHECK, RETAKE]
    assert got["siap"]["headline"] == "Siap diunggah"
    assert got["ulang"]["headline"].startswith("Sebaiknya foto ulang")
    reports.write_html_report(tmp_path / "report.html", records, rows, [umum], "isnet-general-use", "id")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "1 siap, 1 perlu dicek, 1 foto ulang" in page
    assert "v-ready" in page and "v-check" in page and "v-retake" in page
    assert t("realphoto_filter_attention", "id") in page  # the filter to the photos that need attention
    assert "Bisa diunggah, tapi cek dulu" in page


def test_a_quiet_check_is_a_tip_at_the_weight_the_verdict_gave_it():
    # The verdict says how much each check weighed; a quiet one (a residual colour cast) is a tip.
    from assistant.readiness.verdict import TIP, from_record

    umum = load_preset("umum")
    cast = _r("color_cast", "fail")
    ready = verdict_for(OK_CHECKS + [cast, _r("white_on_white", "warn")], (), umum)
    assert ready.level == READY and ready.weight(cast) == TIP and ready.weight(OK_CHECKS[0]) is None
    assert from_record(to_record(ready)).weight(cast) == TIP  # the batch journal keeps the weights
    amber = verdict_for(OK_CHECKS + [cast, _r("cutoff", "warn")], (), umum)
    assert amber.weight(_r("cutoff", "warn")) == CHECK and amber.weight(_r("blur", "fail")) == RETAKE
    # A pile kept whole: its cutout checks judge the whole square, so they are tips too.
    pile = verdict_for(OK_CHECKS + [_r("cutoff", "fail")], [("realphoto_pile_uncut", {})], umum)
    assert pile.weight(_r("cutoff", "fail")) == TIP


def test_the_card_draws_each_check_at_the_verdicts_weight():
    # A green headline never has a red "Sebaiknya foto ulang" line under it (issue 16: one verdict).
    from assistant.web import render

    umum = load_preset("umum")
    checks = OK_CHECKS + [_r("color_cast", "fail"), _r("cutout_uncertain", "fail", percent=30)]
    entry = {"checks": checks, "verdict": verdict_for(checks, (), umum)}
    head = render.photo_verdict([dict(entry, title="Umum")], 2.0, "u2netp", "id")
    card = render.checks_md(entry, "id")
    assert "Siap diunggah" in head
    assert "Sebaiknya foto ulang" not in card and "etalase-check-fail" not in card and "✖" not in card
    assert card.count("etalase-check-tip") == 2 and "Saran" in card and "Warna lampu" in card
    assert "Tip" in render.checks_md(entry, "en")
    # A check that counts keeps its colour: a failed blur is red in the headline and in the list.
    checks = OK_CHECKS[1:] + [_r("blur", "fail"), _r("color_cast", "fail")]
    entry = {"checks": checks, "verdict": verdict_for(checks, (), umum)}
    card = render.checks_md(entry, "id")
    assert "Sebaiknya foto ulang" in render.photo_verdict([dict(entry, title="Umum")], 2.0, "u2netp", "id")
    assert card.count("etalase-check-fail") == 1 and card.count("etalase-check-tip") == 1
    assert card.index("etalase-check-fail") < card.index("etalase-check-tip")  # what counts comes first
    # Without a verdict (it broke) the status decides, as before.
    assert "etalase-check-fail" in render.checks_md({"checks": [_r("color_cast", "fail")]}, "id")


def test_the_cards_notices_are_weighed_as_the_verdict_weighed_them():
    # "The first frame of an animation was used" is information under a green headline, not a warning sign.
    from assistant.web import render

    umum = load_preset("umum")
    notices = [("photo_first_frame", {"name": "a.gif", "frames": 3})]
    entry = {"preset": "umum", "title": "Umum", "path": "/x/a.jpg", "width": 1200, "height": 1200,
             "bytes": 1000, "want_width": 1200, "want_height": 1200, "max_bytes": 2_000_000,
             "background": "#FFFFFF", "want_background": "#FFFFFF", "transparent_allowed": False,
             "fill": 0.85, "want_fill": 0.85, "notices": notices, "checks": OK_CHECKS,
             "verdict": verdict_for(OK_CHECKS, notices, umum)}
    assert entry["verdict"].level == READY
    text = render.compliance_md(entry, "id")
    assert 'ℹ "a.gif" berisi 3 gambar' in text and '⚠ "a.gif"' not in text
    # A hand the program cut away asks for a look at the edge where it was (round 11: on photos no
    # round had used, 9 of 12 green outputs with a removed hand could not be listed).
    removed = [("realphoto_hand_removed", {})]
    amber = dict(entry, notices=removed, verdict=verdict_for(OK_CHECKS, removed, umum))
    assert amber["verdict"].level == CHECK and "tangan sudah dihapus, cek tepinya" in amber["verdict"].headline("id")
    assert ("⚠ Tangan yang memegang produk sudah dihapus otomatis. Cek tepi produk"
            in render.compliance_md(amber, "id"))
    # A notice that counts keeps its warning sign, and a damaged orientation asks for a look.
    fingers = [("realphoto_fingers_cover", {"percent": 9})]
    amber = dict(entry, notices=fingers, verdict=verdict_for(OK_CHECKS, fingers, umum))
    assert amber["verdict"].level == CHECK and "⚠ Jari menutupi" in render.compliance_md(amber, "id")
    exif = [("photo_exif_ignored", {"name": "a.jpg"})]
    assert verdict_for(OK_CHECKS, exif, umum).level == CHECK
    assert "arah foto" in verdict_for(OK_CHECKS, exif, umum).headline("id")


def test_a_photo_kept_whole_fills_the_canvas_and_does_not_claim_a_plain_background():
    """A pile or display kept whole is squared to fill the canvas (a photo padded with white would
    read as a framed picture on a white background), and nothing says its background meets the
    rules: the card's background line says it is the photo's own, the marketplace line is not a
    tick, and the headline keeps the one reason with its retake advice."""
    import numpy as np
    from PIL import Image

    from assistant.imaging.scene import uncut_alpha
    from assistant.photo import Notice, Photo
    from assistant.pipeline import SCENE, process, recut
    from assistant.readiness.verdict import RETAKE, verdict_of
    from assistant.web import render

    rng = np.random.default_rng(2)
    display = rng.integers(40, 220, (300, 400, 3), dtype=np.uint8)  # a busy scene, nothing plain
    photo = Photo(image=Image.fromarray(display), alpha=Image.fromarray(uncut_alpha((300, 400)), "L"),
                  notices=(Notice("realphoto_fragment_uncut", {}),))
    umum = load_preset("umum")
    result = process(photo, [umum])
    out = result.outputs[0]
    assert out.background == SCENE and out.fill == 1.0
    pixels = np.asarray(out.image)
    assert (np.abs(pixels.astype(int) - 255).max(axis=2) > 30).mean() > 0.9  # the scene to the edges
    verdict = verdict_of(result)
    assert verdict.level == RETAKE and [r.name for r in verdict.reasons] == ["realphoto_fragment_uncut"]
    assert not verdict.marketplace_ok and "background" in verdict.tips
    entry = {"preset": "umum", "title": "Umum", "path": "/x/a.jpg", "width": 1200, "height": 1200,
             "bytes": 1000, "want_width": 1200, "want_height": 1200, "max_bytes": 2_000_000,
             "background": SCENE, "want_background": "#FFFFFF", "transparent_allowed": False,
             "fill": 1.0, "want_fill": 0.85, "notices": [("realphoto_fragment_uncut", {})], "checks": [],
             "verdict": verdict}
    text = render.compliance_md(entry, "id")
    assert "⚠ latar masih dari foto aslinya (diminta putih polos)" in text and "✓ latar" not in text
    assert "aman untuk semua marketplace" not in text  # no tick over a scene
    assert "still the photo's own" in render.compliance_md(entry, "en")
    # The checks that only measured the kept-whole square are not on the card ("part of the product
    # cut off at the photo's edge" said of the square); the background, the hand, the enlargement are.
    checks = result.checks["umum"]
    assert any(c.check == "cutoff" and c.status != "ok" for c in checks) and "cutoff" in verdict.unmeasured
    card = render.checks_md(dict(entry, checks=checks), "id")
    assert "Produk terpotong" not in card and "Warna latar" in card
    assert render.checks_md(dict(entry, checks=checks, verdict=None), "id").count("Produk terpotong") == 1
    # Its background tip says how to retake, not to pick white and process again (which keeps the scene).
    background = next(c for c in result.checks["umum"] if c.check == "background")
    tip = render.plain(background.tip("id"), "id")
    assert background.status != "ok" and "foto ulang satu produk" in tip and "Pilih" not in tip
    assert "putih polos" in tip and "#" not in tip
    # The vendor's brush then cuts one product out of it: it is framed like any product again.
    product = np.zeros((300, 400), np.uint8)
    product[100:220, 150:260] = 255
    touched = process(recut(result.photo, product), [umum])
    assert touched.outputs[0].background != SCENE and touched.outputs[0].fill == umum.image.fill
    assert "realphoto_fragment_uncut" not in [r.name for r in verdict_of(touched).reasons]


def test_the_batch_report_weighs_notices_as_the_verdict_did(tmp_path):
    # A green photo with an information notice: no warning sign, no "warning" card, not the grid's
    # headline; fingers covering the product stay a warning.
    umum = load_preset("umum")
    removed = [("photo_first_frame", {"name": "siap.gif", "frames": 3})]
    green = _record("siap", verdict_for(OK_CHECKS, removed, umum), 0)
    green.outputs[0]["notices"] = removed
    fingers = [("realphoto_fingers_cover", {"percent": 9})]
    amber = _record("cek", verdict_for(OK_CHECKS, fingers, umum), 1)
    amber.outputs[0]["notices"] = fingers
    assert reports.photo_headline(green, "id") == ""
    assert reports.photo_headline(amber, "id") == "Bisa diunggah, tapi cek dulu: jari menutupi sebagian produk"
    rows = [row for r in (green, amber) for row in reports._rows_for(r, [umum], "id")]
    reports.write_html_report(tmp_path / "report.html", [green, amber], rows, [umum], "isnet-general-use", "id")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "msg info\">&#8505; " in page and "&#9888; Jari menutupi" in page
    assert page.count("card warning") == 1  # the amber one only


def test_the_apps_batch_summary_counts_what_the_verdict_wants_looked_at():
    from types import SimpleNamespace as NS

    from assistant.web import render

    rows = [NS(input="a.jpg", preset="umum", status="ok", warnings="photo_first_frame", verdict=READY,
               message=""),
            NS(input="b.jpg", preset="umum", status="ok", warnings="realphoto_fingers_cover", verdict=CHECK,
               message="")]
    summary = render.batch_summary_md(NS(rows=rows), 10, "id")
    assert "1 dari 2 foto yang berhasil perlu dicek" in summary  # an information notice alone is not a reason
    assert "foto ulang" not in summary
    # A red one is counted apart: "perlu dicek" alone hid that it is best taken again.
    rows.append(NS(input="c.jpg", preset="umum", status="ok", warnings="realphoto_pile_uncut", verdict=RETAKE,
                   message=""))
    summary = render.batch_summary_md(NS(rows=rows), 10, "id")
    assert "2 dari 3 foto yang berhasil perlu dicek, 1 di antaranya sebaiknya difoto ulang" in summary


def test_the_batch_grid_marks_a_photo_to_retake_apart_from_one_to_check():
    from assistant.batch.journal import Record
    from assistant.web import batch_run

    def record(level):
        return Record(input=f"{level}.jpg", relative=f"{level}.jpg", vendor="", sku="", order=0, key=level, status="ok",
                      outputs=[{"preset": "umum", "notices": [], "verdict": {"level": level, "reasons": []}}])

    assert [reports.photo_verdict(record(level)) for level in (READY, CHECK, RETAKE)] == ["ok", "check", "retake"]
    photos = [{"relative": f"{v}.jpg", "vendor": "", "verdict": v, "thumb": "x.jpg", "headline": ""}
              for v in ("ok", "check", "retake", "failed")]
    captions = [c for _, c in batch_run.grid_items(photos, batch_run.shown(photos, "all"), "id")]
    assert captions == ["✓ ok.jpg", "⚠ check.jpg", "↻ retake.jpg", "✗ failed.jpg"]
    assert batch_run.shown(photos, "check") == [1, 2, 3]  # the filter "perlu dicek" keeps all three
    assert "↻ sebaiknya foto ulang" in t("batch_app_legend", "id")
    assert "difoto ulang" in batch_run.photo_detail_md(photos[2], "id")


def test_fingers_over_a_torn_outline_ask_for_a_retake():
    """Fingers that cover part of the product are amber while the product's outline is whole;
    where the outline is torn there (product_lost), the output shows a carton with a bite out of
    it, and the notice's own advice is to retake: red. A quarter covered is red either way."""
    umum = load_preset("umum")
    fingers = [("realphoto_fingers_cover", {"percent": 8})]
    assert verdict_for(OK_CHECKS, fingers, umum).level == CHECK
    assert verdict_for(OK_CHECKS + [_r("product_lost", "ok")], fingers, umum).level == CHECK
    torn = verdict_for(OK_CHECKS + [_r("product_lost", "warn")], fingers, umum)
    assert torn.level == RETAKE and torn.headline("id").startswith("Sebaiknya foto ulang: jari menutupi")
    assert verdict_for(OK_CHECKS + [_r("product_lost", "warn")], (), umum).level == CHECK  # torn alone: amber
    assert verdict_for(OK_CHECKS, [("realphoto_fingers_cover", {"percent": 25})], umum).level == RETAKE


def test_fingers_may_show_counts_only_with_the_hands_shape():
    """Issue 16 (verdict16b): "fingers may still show" is read from skin colour by the cut line.
    Alone (the output's ``hand`` check, the hand's shape, is ok) it is information under a green
    headline: it fired on clean cartons. With the hand check warning it makes the verdict amber,
    and without the cutout checks (nothing to weigh it against) it still counts. With the hand
    check warning, the check is the reason that says so (round 12: one thing, said once)."""
    umum = load_preset("umum")
    notice = [("realphoto_hand_left", {"percent": 2})]
    alone = verdict_for(OK_CHECKS + [_r("hand", "ok")], notice, umum)
    assert alone.level == READY and not alone.counts("realphoto_hand_left")
    shaped = verdict_for(OK_CHECKS + [_r("hand", "warn", "realphoto_check_hand_bad", percent=1)], notice, umum)
    assert shaped.level == CHECK and [r.name for r in shaped.reasons] == ["hand"]
    assert verdict_for(OK_CHECKS, notice, umum).level == CHECK


def test_a_hand_left_in_the_output_is_said_once():
    """Round 12's phone walk: a carton whose removed hand left a finger read "Bisa diunggah, tapi
    cek dulu: tangan sudah dihapus, cek tepinya, sisa jari mungkin masih terlihat, tangan masih
    terlihat": the hand removed and still there, in one line. When the output's own hand check
    sees a hand, it alone says so (its tip is the advice); the removal notices are information.
    Without that check's warning, the removal still asks for a look at the edge."""
    umum = load_preset("umum")
    removed_left = [("realphoto_hand_removed", {}), ("realphoto_hand_left", {"percent": 3})]
    hand_warn = _r("hand", "warn", "realphoto_check_hand_bad", percent=2)
    v = verdict_for(OK_CHECKS + [hand_warn], removed_left, umum)
    assert v.level == CHECK and v.headline("id") == "Bisa diunggah, tapi cek dulu: tangan masih terlihat"
    assert v.advice("id").startswith("Tangan atau lengan masih ikut di hasil (2% dari potongan)")
    assert not v.counts("realphoto_hand_removed") and not v.counts("realphoto_hand_left")
    red = verdict_for(OK_CHECKS + [_r("hand", "fail", "realphoto_check_hand_bad", percent=12)], removed_left, umum)
    assert red.level == RETAKE and red.headline("id") == "Sebaiknya foto ulang: tangan masih terlihat"
    clean = verdict_for(OK_CHECKS + [_r("hand", "ok")], [("realphoto_hand_removed", {})], umum)
    assert clean.level == CHECK and clean.headline("id") == "Bisa diunggah, tapi cek dulu: tangan sudah dihapus, cek tepinya"


def test_cut_off_and_torn_read_as_two_different_things():
    """Round 12's phone walk: "produk terpotong, produknya tidak terpotong dengan benar" (the frame
    cuts the product; the cutout tore it) read as "cut, not cut properly" on a phone. Each reason
    now names where it happened."""
    umum = load_preset("umum")
    v = verdict_for(OK_CHECKS + [_r("cutoff", "fail"), _r("product_lost", "warn")], (), umum)
    assert v.headline("id") == "Sebaiknya foto ulang: produk terpotong tepi foto, pemisahan produk dari latar kurang tepat"
    assert v.headline("en") == "Better retake the photo: the product is cut off at the photo's edge, the product was not separated from its background properly"


def test_a_small_product_counts_only_through_its_enlargement():
    """Issue 16 (verdict16d): a product small in the photo is framed anew; with enough pixels
    (``resolution`` ok) its warning is a tip; when it must be enlarged too much it counts."""
    from assistant.readiness.verdict import TIP

    umum = load_preset("umum")
    small = _r("product_size", "warn", percent=26)
    sharp = verdict_for(OK_CHECKS + [_r("resolution", "ok"), small], (), umum)
    assert sharp.level == READY and sharp.weight(small) == TIP
    blurry = verdict_for(OK_CHECKS + [_r("resolution", "warn", have=150, need=1020, factor="6.8"), small], (), umum)
    assert blurry.level == CHECK and blurry.weight(small) == CHECK
    alone = verdict_for(OK_CHECKS + [small], (), umum)  # no resolution measured: it counts
    assert alone.level == CHECK
    tiny = verdict_for(OK_CHECKS + [_r("resolution", "ok"), _r("product_size", "fail", percent=12)], (), umum)
    assert tiny.level == RETAKE  # a fail still counts


def test_the_verdicts_kept_whole_notices_are_the_cutouts():
    """``verdict.UNCUT`` copies ``stages.cutout.UNCUT_NOTICES`` (the verdict imports no image code):
    a notice added to one and not the other would leave a photo kept whole judged as cut out."""
    from assistant.readiness import verdict
    from assistant.stages import cutout

    assert set(verdict.UNCUT) == set(cutout.UNCUT_NOTICES)
    assert all(verdict.NOTICE_LEVEL[code] == RETAKE for code in verdict.UNCUT)
