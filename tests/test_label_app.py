"""The label step of the Kemasan tab without a browser: form values -> LabelInfo, the check's
problems in plain words, the print files and the mockups' label maker, the rules page for the
Panduan tab (issue 20). The browser test is tests/test_label_browser.py."""

from __future__ import annotations

import importlib

import pytest

from tests.test_app import app  # noqa: F401  (the app imported with its own cache folder)


@pytest.fixture(scope="module")
def step(app):  # noqa: F811
    return importlib.import_module("assistant.web.tabs.label")


def _filled(step, **changes):
    form = step.Form(**{name: object() for name in step.Form.__dataclass_fields__})
    values = {c: "" for c in vars(form).values()}
    given = {"merek": "Dapur Bu Sri", "nama_jenis": "Keripik Singkong", "berat_bersih": "150", "satuan": "g",
             "bahan": "singkong (70%), minyak sawit, bumbu (cabai, bawang), sukralosa",
             "produsen_nama": "UD Dapur Bu Sri", "produsen_alamat": "Jl. Melati 12, Sleman 55281",
             "izin_jenis": "P-IRT", "izin_nomor": "2063404010123-29", "peringatan": ["fasilitas_babi"],
             "warna": "rgb(200, 40, 30)", "halal_logo": None, "width": 90, "height": 80, "layout": "kraft",
             "shape": "rect", "paper": "A4"} | changes
    for name, value in given.items():
        values[getattr(form, name)] = value
    return step.LabelStep(box=None, form=form, about=None), values


def test_the_form_fills_the_label_record(step):
    s, values = _filled(step)
    info = s.info(values)
    assert info.bahan == ["singkong (70%)", "minyak sawit", "bumbu (cabai, bawang)", "sukralosa"]
    assert info.fasilitas_babi and info.peringatan == ["fasilitas_babi"]
    assert info.warna == "#C8281E" and info.izin_jenis == "P-IRT" and info.halal_logo is None


def test_problems_are_told_in_plain_indonesian_and_nothing_is_approved(step):
    from assistant import label

    s, values = _filled(step, izin_nomor="", bahan="gula, aspartam")
    html = step.checks_html(label.check(s.info(values)), "id")
    assert "Wajib diperbaiki sebelum dicetak (1)" in html and "Nomor izin edar belum diisi" in html
    assert "pemanis buatan" in html and "keputusannya tetap di BPOM" in html
    assert "label_" not in html  # no internal codes


def test_make_writes_the_print_files_and_gives_the_mockups_a_label_maker(step):
    from assistant.mockup.templates import load_template

    s, values = _filled(step)
    s.results = step.Results(*(object() for _ in range(3)), [object() for _ in range(4)], object())
    maker, updates = s.make(values, "id")
    state = updates[s.results.state]
    assert sorted(state["files"]) == ["label.pdf", "label.png", "sheet.pdf"]
    assert state["size"] == (90.0, 80.0) and state["count"] >= 1
    assert maker(load_template("jar")).size[0] > 0
    values[s.form.width] = 10
    with pytest.raises(step.services.AppMessage) as refused:
        s.make(values, "id")
    assert "milimeter" in refused.value.message("id")


def test_the_guide_shows_the_rules_and_their_sources_without_codes(step):
    text = step.rules_md()
    assert "Peraturan BPOM No. 31 Tahun 2018" in text and "2026-12-06" in text and "tidak pernah menyetujui" in text
    assert "label_" not in text and "python -m" not in text and "presets/" not in text
