"""The "Desain label" step of the Kemasan tab (issue 20): a short Indonesian form, the label's
rules check in plain words, the print files to download, and the label on the chosen mockups.

The Kemasan tab (``tabs/mockup.py``) offers it as one more label source (``SOURCE``); its
button then calls ``LabelStep.make``, which lays out the label, writes label.pdf, sheet.pdf and
label.png into the app's cache and hands the tab the per-template label maker
(``assistant.label.mockup_label``) for the mockups. The library does the work; this module only
turns form values into a ``LabelInfo`` and results into component updates.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import gradio as gr

from assistant import label as lib
from assistant.i18n import localized, t
from assistant.label.info import parse_info
from assistant.label.rules import rules as label_rules
from assistant.web import services
from assistant.web.config import OUT_ROOT, REPO
from assistant.web.render import lang_of
from assistant.web.widgets import PhotoInput, Texts, label_source_choices

SOURCE = "label"  # the Kemasan tab's label source that shows this step
UNITS = ("g", "kg", "ml", "L")
PERMITS = ("P-IRT", "MD", "ML")
PAPERS = {"A4": "label_web_paper_a4", "A3+": "label_web_paper_a3"}
WARNINGS = tuple(label_rules()["statements"])  # regulated statements, by key
RULES_PAGE = REPO / "docs" / "label-rules.md"


def source_choices(lang: str) -> list[tuple[str, str]]:
    """The Kemasan tab's label sources with "Desain label baru" added."""
    return label_source_choices(lang) + [(t("label_web_source", lang), SOURCE)]


def layout_choices(lang: str) -> list[tuple[str, str]]:
    return [(localized(d.title, lang), name) for name, d in lib.LAYOUTS.items()]


def layout_about(name: str | None, lang: str) -> str:
    """One line under the design choice saying what it looks like."""
    design = lib.LAYOUTS.get(name or "")
    return f"<div class='lb-note'>{html.escape(localized(design.description, lang))}</div>" if design else ""


def shape_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(f"label_shape_{s}", lang), s) for s in lib.SHAPES]


def warning_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(f"label_web_warn_{k}", lang), k) for k in WARNINGS]


def paper_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(key, lang), name) for name, key in PAPERS.items()]


@dataclass(eq=False)
class Form:
    """The form's inputs, named after the INFO.toml keys they fill."""

    merek: gr.Textbox
    nama_jenis: gr.Textbox
    bahan: gr.Textbox
    berat_bersih: gr.Textbox
    satuan: gr.Dropdown
    produsen_nama: gr.Textbox
    produsen_alamat: gr.Textbox
    izin_jenis: gr.Dropdown
    izin_nomor: gr.Textbox
    halal: gr.Textbox
    kode_produksi: gr.Textbox
    kedaluwarsa: gr.Textbox
    penyimpanan: gr.Textbox
    peringatan: gr.CheckboxGroup
    penyajian: gr.Textbox
    whatsapp: gr.Textbox
    instagram: gr.Textbox
    warna: gr.ColorPicker
    halal_logo: PhotoInput
    layout: gr.Dropdown
    shape: gr.Radio
    width: gr.Number
    height: gr.Number
    paper: gr.Radio

    def inputs(self) -> set:
        return set(vars(self).values())


@dataclass(eq=False)
class Results:
    box: gr.Column
    checks: gr.HTML
    preview: gr.Image
    downloads: list[gr.DownloadButton]  # label.pdf, sheet.pdf, label.png, label-belakang.png
    state: gr.State  # {"problems": [...], "files": {name: path}, "size": (w, h), "paper", "count"}


@dataclass(eq=False)
class LabelStep:
    """The step's components; ``make`` and ``relabel`` return {component: update}."""

    box: gr.Column
    form: Form
    about: gr.HTML  # what the chosen design looks like
    results: Results | None = field(default=None)

    def wire(self, source: gr.Radio, lang: gr.Radio) -> None:
        source.change(lambda s: gr.update(visible=s == SOURCE), source, self.box, queue=False,
                      api_visibility="private")
        self.form.layout.change(lambda name, lv: layout_about(name, lang_of(lv)), [self.form.layout, lang],
                                self.about, queue=False, api_visibility="private")

    def inputs(self) -> set:
        return self.form.inputs()

    def outputs(self) -> list:
        r = self.results
        return [r.box, r.checks, r.preview, r.state, *r.downloads]

    def info(self, values: dict):
        """The form's values as a ``LabelInfo`` (the same reader INFO.toml goes through)."""
        f = self.form
        v = {name: values[c] for name, c in vars(f).items()}
        text = {k: (x or "").strip() if isinstance(x, str) or x is None else x for k, x in v.items()}
        data = {
            "produk": {"merek": text["merek"], "nama_jenis": text["nama_jenis"], "berat_bersih": text["berat_bersih"],
                       "satuan": text["satuan"] or ""},
            "komposisi": {"bahan": text["bahan"], "fasilitas_babi": "fasilitas_babi" in (v["peringatan"] or [])},
            "produsen": {"nama": text["produsen_nama"], "alamat": text["produsen_alamat"]},
            "izin": {"jenis": text["izin_jenis"] or "", "nomor": text["izin_nomor"], "halal": text["halal"],
                     "logo_halal": v["halal_logo"] or ""},
            "tanggal": {"kode_produksi": text["kode_produksi"], "kedaluwarsa": text["kedaluwarsa"]},
            "keterangan": {"penyimpanan": text["penyimpanan"], "penyajian": text["penyajian"],
                           "peringatan": [k for k in (v["peringatan"] or []) if k in WARNINGS]},
            "kontak": {"whatsapp": text["whatsapp"], "instagram": text["instagram"]},
            "desain": {"warna": services._hex(v["warna"]) or ""},
        }
        return parse_info(data)

    def make(self, values: dict, lang: str):
        """Lay out the label and write its print files; (the mockups' label maker, updates)."""
        f = self.form
        size = _size(values[f.width], values[f.height])
        info = self.info(values)
        problems = lib.check(info)
        made = lib.make_label(info, values[f.layout], size, values[f.shape])
        files = lib.render_files(made, values[f.paper] or "A4")
        out_dir = services.new_dir(OUT_ROOT)
        paths = {}
        for name, data in files.named().items():
            (out_dir / name).write_bytes(data)
            paths[name] = str(out_dir / name)
        state = {"problems": problems, "files": paths, "size": made.size, "paper": files.plan.paper,
                 "count": files.plan.count}
        return lib.mockup_label(info, values[f.layout]), self.render(state, lang)

    def render(self, state: dict | None, lang: str) -> dict:
        r = self.results
        if not state:
            return {r.box: gr.update(visible=False)}
        files = state["files"]
        w, h = (f"{x:g}" for x in state["size"])
        texts = {"label.pdf": t("label_web_download_pdf", lang, width=w, height=h),
                 "sheet.pdf": t("label_web_download_sheet", lang, paper=state["paper"], count=state["count"]),
                 "label.png": t("label_web_download_png", lang),
                 "label-belakang.png": t("label_web_download_back", lang)}
        updates = {r.box: gr.update(visible=True), r.checks: checks_html(state["problems"], lang),
                   r.preview: gr.update(value=files["label.png"], label=t("label_web_result_title", lang)),
                   r.state: state}
        for button, name in zip(r.downloads, texts):
            updates[button] = (gr.update(value=files[name], label=texts[name], visible=True) if name in files
                               else gr.update(value=None, visible=False))
        return updates

    def relabel_inputs(self) -> set:
        return {self.results.state, self.form.layout}

    def relabel_outputs(self) -> list:
        return [*self.outputs(), self.about]

    def relabel(self, values: dict, lang: str) -> dict:
        return self.render(values[self.results.state], lang) | {self.about: layout_about(values[self.form.layout], lang)}


def _size(width, height) -> tuple[float, float]:
    try:
        w, h = float(width), float(height)
    except (TypeError, ValueError):
        raise services.AppMessage("label_web_need_size") from None
    if not (20 <= w <= 400 and 20 <= h <= 400):
        raise services.AppMessage("label_web_need_size")
    return w, h


def checks_html(problems: list, lang: str) -> str:
    """The check's problems in plain words: what must be fixed (open), then advice (folded)."""
    must = [p for p in problems if p.severity == "wajib"]
    advice = [p for p in problems if p.severity != "wajib"]

    def items(ps, kind):
        return "".join(f"<div class='etalase-check etalase-check-{kind}'>{html.escape(p.message(lang))}</div>"
                       for p in ps)

    parts = ["<div class='etalase-checks' id='lb-checks'>"]
    if must:
        parts.append(f"<div class='etalase-checks-title'>⚠ {t('label_web_must_title', lang, count=len(must))}</div>")
        parts.append(items(must, "fail"))
    else:
        parts.append(f"<div class='etalase-ok'>✓ {t('label_web_all_there', lang)}</div>")
    if advice:
        parts.append(f"<details class='etalase-check-ok'><summary>{t('label_web_advice_title', lang, count=len(advice))}"
                     f"</summary>{items(advice, 'warn')}</details>")
    parts.append(f"<div class='lb-note'>{t('label_web_not_approval', lang)}</div></div>")
    return "".join(parts)


def rules_md() -> str:
    """docs/label-rules.md for the Panduan tab, without what only developers need (its title and
    data-file paragraph, the command line, the internal keys and codes), its tables as lists so
    that they read on a phone."""
    if not RULES_PAGE.is_file():
        return ""
    blocks = RULES_PAGE.read_text("utf-8").strip().split("\n\n")[2:]
    return "\n\n".join(_table_as_list(b, ("kunci", "kode")) for b in blocks if "python -m" not in b)


def _table_as_list(block: str, hidden: tuple[str, ...]) -> str:
    """A Markdown table as a list: the first cell in bold, then the rule, then "column: value"."""
    lines = block.splitlines()
    if len(lines) < 3 or not lines[0].startswith("|"):
        return block

    def cells(line):
        return [c.strip() for c in line.strip().strip("|").split("|")]

    head = cells(lines[0])
    items = []
    for line in lines[2:]:
        row = dict(zip(head, cells(line)))
        first, *rest = [h for h in head if h not in hidden]
        parts = [row.get(h, "") if h == "aturan" else f"{h}: {row.get(h, '')}" for h in rest]
        items.append(f"- **{row.get(first, '')}** · " + " · ".join(parts))
    return "\n".join(items)


# --- Layout ---------------------------------------------------------------------------------


def build(T: Texts) -> LabelStep:
    """The form (hidden until "Desain label baru" is chosen); call ``build_results`` in the
    results column afterwards."""
    lang0 = T.lang
    with gr.Column(visible=False, elem_id="lb-form") as box:
        T(gr.Markdown(t("label_web_intro", lang0), elem_id="lb-intro"), value="label_web_intro")
        parts = _product(T) | _producer(T) | _dates_and_notes(T)
        with T(gr.Accordion(t("label_web_more", lang0), open=False, elem_id="lb-more"), label="label_web_more"):
            parts |= _more(T)
        parts |= _design(T)
        about = parts.pop("about")
    return LabelStep(box, Form(**parts), about)


def _text(T: Texts, key: str, elem: str, ph: str | None = None, info: str | None = None, lines: int = 1,
          example: str | None = None, **kw) -> gr.Textbox:
    """A registered textbox: ``ph`` is a string key for the placeholder, ``example`` a literal one."""
    lang0 = T.lang
    props = {"label": key} | ({"placeholder": ph} if ph else {}) | ({"info": info} if info else {})
    return T(gr.Textbox(label=t(key, lang0), placeholder=t(ph, lang0) if ph else example,
                        info=t(info, lang0) if info else None, lines=lines, max_lines=max(lines, 6),
                        elem_id=elem, **kw), **props)


def _product(T: Texts) -> dict:
    lang0 = T.lang
    parts = {"merek": _text(T, "label_web_brand", "lb-brand", "label_web_brand_ph", max_length=60),
             "nama_jenis": _text(T, "label_web_type", "lb-type", "label_web_type_ph", max_length=80),
             "bahan": _text(T, "label_web_ingredients", "lb-ingredients", "label_web_ingredients_ph",
                            "label_web_ingredients_info", lines=3, max_length=2000)}
    with gr.Row(equal_height=True):
        parts["berat_bersih"] = T(gr.Textbox(label=t("label_web_net", lang0), placeholder="150", max_length=12,
                                             min_width=140, scale=2, elem_id="lb-net"), label="label_web_net")
        parts["satuan"] = T(gr.Dropdown(list(UNITS), value="g", label=t("label_web_unit", lang0), filterable=False,
                                        min_width=90, scale=1, elem_id="lb-unit"), label="label_web_unit")
    return parts


def _producer(T: Texts) -> dict:
    lang0 = T.lang
    parts = {"produsen_nama": _text(T, "label_web_producer", "lb-producer", "label_web_producer_ph", max_length=80),
             "produsen_alamat": _text(T, "label_web_address", "lb-address", "label_web_address_ph", lines=2,
                                      max_length=200)}
    with gr.Row(equal_height=True):
        parts["izin_jenis"] = T(gr.Dropdown(list(PERMITS), value="P-IRT", label=t("label_web_permit_kind", lang0),
                                            filterable=False, min_width=100, scale=1, elem_id="lb-permit-kind"),
                                label="label_web_permit_kind")
        parts["izin_nomor"] = _text(T, "label_web_permit_number", "lb-permit", "label_web_permit_ph",
                                    max_length=40, min_width=180, scale=2)
    parts["halal"] = _text(T, "label_web_halal", "lb-halal", info="label_web_halal_info", max_length=40)
    return parts


def _dates_and_notes(T: Texts) -> dict:
    parts = {}
    with gr.Row(equal_height=True):
        parts["kode_produksi"] = _text(T, "label_web_code", "lb-code", info="label_web_stamp_info", max_length=30,
                                       min_width=140)
        parts["kedaluwarsa"] = _text(T, "label_web_expiry", "lb-expiry", info="label_web_stamp_info",
                                     max_length=30, min_width=140, ph="label_web_expiry_ph")
    parts["penyimpanan"] = _text(T, "label_web_storage", "lb-storage", "label_web_storage_ph", lines=2,
                                 max_length=300)
    parts["peringatan"] = T(gr.CheckboxGroup(warning_choices(T.lang), label=t("label_web_warnings", T.lang),
                                             info=t("label_web_warnings_info", T.lang), elem_id="lb-warnings"),
                            label="label_web_warnings", info="label_web_warnings_info", choices=warning_choices)
    return parts


def _more(T: Texts) -> dict:
    lang0 = T.lang
    return {"penyajian": _text(T, "label_web_serving", "lb-serving", max_length=200),
            "whatsapp": _text(T, "label_web_whatsapp", "lb-whatsapp", max_length=20, example="0812-3456-7890"),
            "instagram": _text(T, "label_web_instagram", "lb-instagram", max_length=40, example="@toko"),
            "warna": T(gr.ColorPicker("#2E5E4E", label=t("label_web_colour", lang0), elem_id="lb-colour"),
                       label="label_web_colour"),
            "halal_logo": T(PhotoInput(label=t("label_web_halal_logo", lang0), type="filepath", image_mode=None,
                                       sources=["upload"], height=120, elem_id="lb-halal-logo"),
                            label="label_web_halal_logo")}


def _design(T: Texts) -> dict:
    lang0 = T.lang
    parts = {"layout": T(gr.Radio(layout_choices(lang0), value="minimal", label=t("label_web_design", lang0),
                                  elem_id="lb-layout"),
                         label="label_web_design", choices=layout_choices),
             "about": gr.HTML(layout_about("minimal", lang0), elem_id="lb-layout-about", elem_classes=["etalase-html"]),
             "shape": T(gr.Radio(shape_choices(lang0), value="rect", label=t("label_web_shape", lang0),
                                 elem_id="lb-shape"),
                        label="label_web_shape", choices=shape_choices)}
    with gr.Row(equal_height=True):
        parts["width"] = T(gr.Number(100, label=t("label_web_width", lang0), minimum=20, maximum=400, precision=0,
                                     min_width=100, elem_id="lb-width"), label="label_web_width")
        parts["height"] = T(gr.Number(70, label=t("label_web_height", lang0), minimum=20, maximum=400, precision=0,
                                      min_width=100, elem_id="lb-height"), label="label_web_height")
    parts["paper"] = T(gr.Radio(paper_choices(lang0), value="A4", label=t("label_web_paper", lang0),
                                elem_id="lb-paper"),
                       label="label_web_paper", choices=paper_choices)
    return parts


def build_results(step: LabelStep, lang0: str) -> None:
    """The label's check, preview and print files (hidden until a label is made)."""
    with gr.Column(visible=False, elem_id="lb-results") as box:
        checks = gr.HTML("", elem_id="lb-checks-box", elem_classes=["etalase-html"])
        preview = gr.Image(label=t("label_web_result_title", lang0), show_label=False, type="filepath",
                           interactive=False, buttons=["fullscreen"], elem_id="lb-preview")
        downloads = [gr.DownloadButton("", variant="primary" if i == 0 else "secondary", visible=False,
                                       elem_id=f"lb-download-{i}") for i in range(4)]
    step.results = Results(box, checks, preview, downloads, gr.State(None))


def rules_accordion(T: Texts) -> None:
    """For the Panduan tab: the label rules and their sources (docs/label-rules.md), folded."""
    text = rules_md()
    if text:
        with T(gr.Accordion(t("label_web_rules_title", T.lang), open=False, elem_id="guide-label-rules"),
               label="label_web_rules_title"):
            gr.Markdown(text, elem_id="guide-label-rules-text")
