"""The "Promosi" tab (issue 19): one product photo to a whole listing set (every slot of the
chosen marketplaces, a 4:5 post and a 9:16 story), shown as a grid and downloaded as one zip,
with the shop's brand kit to download and upload again next time.

The library (``assistant.promo``) does the work; this module turns form values into a
``ProductInfo``, a ``BrandKit`` and ``Options``, and the set into component updates.
"""

from __future__ import annotations

import dataclasses
import html
import time
from dataclasses import dataclass

import gradio as gr

from assistant import promo as lib
from assistant.promo.info import parse_net, parse_size
from assistant.i18n import localized, t
from assistant.label import read_info
from assistant.mockup.files import open_label
from assistant.presets import load_preset
from assistant.promo.listing import slot_limit
from assistant.web import render, services
from assistant.web.config import CONCURRENCY, OUT_ROOT, static_text
from assistant.web.render import alert, lang_of
from assistant.web.widgets import FileInput, PhotoInput, Texts, quality_choices

MARKETPLACES = tuple(n for n in ("shopee", "tokopedia", "tiktok-shop", "lazada", "blibli")
                     if n in services.PRESET_NAMES)
DEFAULT_MARKETPLACE = "shopee" if "shopee" in MARKETPLACES else services.DEFAULT_PRESET
KIT_FILE = "merek.etalase.json"


def preset_title(name: str, lang: str) -> str:
    return t("promo_web_social", lang) if name == "social" else load_preset(name).title_in(lang)


def marketplace_choices(lang: str) -> list[tuple[str, str]]:
    return [(preset_title(n, lang), n) for n in MARKETPLACES]


def slot_choices(lang: str) -> list[tuple[str, str]]:
    return [(localized(s.title, lang), s.name) for s in lib.list_slots()]


def backdrop_choices(lang: str) -> list[tuple[str, str]]:
    choices = []
    for name in lib.list_backdrops():
        backdrop, way = lib.load_backdrop(name)
        choices.append((f"{localized(backdrop.title, lang)} · {localized(way.title, lang)}", name))
    return choices


def badge_choices(lang: str) -> list[tuple[str, str]]:
    return [(t("promo_badge_" + b.replace("-", "_"), lang), b) for b in lib.BADGES]


def slot_title(slot: str, lang: str) -> str:
    """``03-suasana`` -> "Suasana"; a social post's name -> "Postingan 4:5" or "Story 9:16"."""
    for s in lib.list_slots():
        if s.name == slot:
            return localized(s.title, lang)
    return t("promo_web_story" if slot.startswith("9x16") else "promo_web_post", lang)


@dataclass(eq=False)
class Form:
    """What the vendor types and chooses; ``info``, ``kit`` and ``options`` read it."""

    photo: PhotoInput
    use_last: gr.Checkbox
    presets: gr.CheckboxGroup
    title: gr.Textbox
    price: gr.Textbox
    old_price: gr.Textbox
    points: gr.Textbox
    size_cm: gr.Textbox
    net: gr.Textbox
    registration: gr.Textbox
    badges: gr.CheckboxGroup
    slots: gr.CheckboxGroup
    backdrop: gr.Dropdown
    shop: gr.Textbox
    colour: gr.ColorPicker
    kit_file: FileInput
    quality: gr.Radio
    label_file: FileInput  # the designed label (Kemasan's label.png, or INFO.toml) for the packaging slot

    def inputs(self) -> set:
        return set(vars(self).values())


@dataclass(eq=False)
class PromoTab:
    """The tab's components; its handlers return {component: update}."""

    lang: gr.Radio
    last: gr.State | None  # the Foto Produk tab's last cut-out (services.park_photo), if any
    form: Form
    run_btn: gr.Button
    status: gr.HTML
    notes: gr.HTML
    gallery: gr.Gallery
    zip_btn: gr.DownloadButton
    share_btn: gr.Button  # the open photo to the phone's share sheet (static/promo-share.js), no server call
    kit_btn: gr.DownloadButton
    state: gr.State  # {"entries": [{path, target, slot}], "skipped": [...], "zip", "kit", "seconds"}

    def wire(self) -> None:
        inputs = self.form.inputs() | {self.lang} | ({self.last} if self.last is not None else set())
        self.run_btn.click(lambda: "", None, self.status, queue=False, api_visibility="private").then(
            self.make, inputs, self.outputs(), concurrency_limit=CONCURRENCY, concurrency_id="photo",
            api_visibility="private", show_progress="full", scroll_to_output=True)
        self.share_btn.click(None, None, None, js=static_text("promo-share.js"), queue=False, api_visibility="private")

    def outputs(self) -> list:
        return [self.status, self.notes, self.gallery, self.zip_btn, self.share_btn, self.kit_btn, self.state]

    # --- reading the form ----------------------------------------------------------------

    def photo(self, values: dict):
        """The uploaded photo's path, or the Foto Produk tab's last cut-out when asked for."""
        if values[self.form.use_last] and self.last is not None:
            photo = services.unpark_photo(values[self.last])
            if photo is None:
                raise services.AppMessage("promo_web_no_last")
            return photo
        if not values[self.form.photo]:
            raise services.AppMessage("promo_web_need_photo")
        return values[self.form.photo]

    def info(self, values: dict) -> lib.ProductInfo:
        f = self.form
        text = {name: (values[c] or "").strip() if isinstance(values[c], (str, type(None))) else values[c]
                for name, c in vars(f).items()}
        points = tuple(p.strip(" -•*") for p in text["points"].splitlines() if p.strip(" -•*"))
        label = values[f.label_file] or ""
        return lib.ProductInfo(title=text["title"], points=points, size_cm=parse_size(text["size_cm"]),
                               net=text["net"], grams=parse_net(text["net"]), registration=text["registration"],
                               price=lib.parse_rupiah(text["price"]), old_price=lib.parse_rupiah(text["old_price"]),
                               badges=tuple(values[f.badges] or ()),
                               label=read_info(label) if str(label).lower().endswith(".toml") else None)

    def kit(self, values: dict) -> lib.BrandKit:
        """The uploaded kit (or the default one) with what the form changes: name, colour, backdrop."""
        f = self.form
        kit = lib.load_kit(values[f.kit_file] or None)
        changes = {"backdrop": values[f.backdrop] or kit.backdrop}
        if (values[f.shop] or "").strip():
            changes["name"] = values[f.shop].strip()
        colour = services._hex(values[f.colour])
        if colour and values[f.kit_file] is None:
            changes["primary"] = colour
        return dataclasses.replace(kit, **changes)

    def options(self, values: dict) -> lib.Options:
        chosen = values[self.form.slots] or []
        if not chosen:
            raise services.AppMessage("promo_web_need_slot")
        backdrop = values[self.form.backdrop]
        label = values[self.form.label_file] or ""
        image = open_label(label) if label and not str(label).lower().endswith(".toml") else None
        return lib.Options(slots=tuple(chosen), backdrops=(backdrop,) if backdrop else (), label=image)

    # --- making the set ------------------------------------------------------------------

    def make(self, values: dict) -> dict:
        lang = lang_of(values[self.lang])
        start = time.perf_counter()
        try:
            presets = values[self.form.presets] or []
            if not presets:
                raise services.AppMessage("promo_web_need_market")
            photo = self.photo(values)
            kit, info, options = self.kit(values), self.info(values), self.options(values)
            model = services.model_for(values[self.form.quality])
            with services.single_photo_running():  # a running batch pauses between photos meanwhile
                made = lib.make_listing([photo], ",".join(presets), info, kit, options, model=model, lang=lang)
            state = _write(made, kit)
        except Exception as exc:
            return {self.status: alert(render.friendly(exc, lang))}
        state["seconds"] = time.perf_counter() - start
        return self.render(state, lang)

    def render(self, state: dict | None, lang: str) -> dict:
        if not state:
            return {self.gallery: gr.update(visible=False), self.zip_btn: gr.update(visible=False),
                    self.share_btn: gr.update(visible=False), self.kit_btn: gr.update(visible=False), self.notes: ""}
        entries = state["entries"]
        done = t("promo_web_done", lang, count=len(entries), seconds=render.num(state["seconds"], lang))
        several = len({e["target"] for e in entries} - {"social"}) > 1  # name the marketplace only then
        captions = [(e["path"], f"{preset_title(e['target'], lang)} · {slot_title(e['slot'], lang)}"
                     if several and e["target"] != "social" else slot_title(e["slot"], lang)) for e in entries]
        return {self.status: f"<div class='etalase-ok'>✓ {html.escape(done)}</div>",
                self.notes: notes_html(state["skipped"], lang),
                self.gallery: gr.update(value=captions, visible=bool(entries), label=t("promo_web_result", lang)),
                self.zip_btn: gr.update(value=state["zip"], visible=True, label=t("promo_web_download_zip", lang,
                                                                                    count=len(entries))),
                self.share_btn: gr.update(visible=True, value=t("promo_web_share", lang)),
                self.kit_btn: gr.update(value=state["kit"], visible=True, label=t("promo_web_download_kit", lang)),
                self.state: state}

    def relabel_inputs(self) -> set:
        return {self.state}

    def relabel_outputs(self) -> list:
        return self.outputs()

    def relabel(self, values: dict, lang: str) -> dict:
        state = values[self.state]
        return self.render(state, lang) if state else {}


def _write(made, kit: lib.BrandKit) -> dict:
    """The set's files, its zip and the kit file in a fresh folder of the app's cache."""
    out = services.new_dir(OUT_ROOT)
    entries = []
    for i, img in enumerate(made.images):
        path = out / f"{i:02d}-{img.target}-{img.filename}"
        path.write_bytes(img.data)
        entries.append({"path": str(path), "target": img.target, "slot": img.slot})
    zip_path = out / f"promosi-{lib.listing.safe_name(made.product)}.zip"
    zip_path.write_bytes(lib.zip_listing([made], kit))
    kit_path = out / KIT_FILE
    kit_path.write_bytes(lib.kit_to_json(kit))
    skipped = [[s.target, s.slot, s.code, s.params] for s in made.skipped]
    return {"entries": entries, "skipped": skipped, "zip": str(zip_path), "kit": str(kit_path)}


def notes_html(skipped: list, lang: str) -> str:
    """Why slots were not made: a forbidden overlay in plain sight (it was asked for), the rest folded."""
    if not skipped:
        return ""
    overlay: dict[str, list[str]] = {}  # message -> slot titles
    rest: dict[str, list[str]] = {}
    for target, slot, code, params in skipped:
        group = overlay if code == "promo_skip_overlays" else rest
        titles = group.setdefault(t(code, lang, **params), [])
        if slot_title(slot, lang) not in titles:
            titles.append(slot_title(slot, lang))

    def items(group, kind):
        return "".join(f"<div class='etalase-check etalase-check-{kind}'><b>{html.escape(', '.join(slots))}</b>: "
                       f"{html.escape(m)}</div>" for m, slots in group.items())

    parts = ["<div class='etalase-checks' id='pr-skipped'>"]
    if overlay:
        parts.append(items(overlay, "warn"))
    if rest:
        summary = html.escape(t("promo_web_skipped", lang, count=len(rest)))
        parts.append(f"<details class='etalase-check-ok'><summary>{summary}"
                     f"</summary>{items(rest, 'ok')}</details>")
    parts.append("</div>")
    return "".join(parts)


# --- Panduan: what each slot is for, per marketplace ----------------------------------------


def guide_md(lang: str) -> str:
    """Each slot's purpose, then each marketplace's photo count and overlay rule, with sources."""
    lines = [t("promo_web_guide_intro", lang), ""]
    for s in lib.list_slots():
        mark = " ✎" if s.text else ""
        lines.append(f"- **{s.name[:2]} · {html.escape(localized(s.title, lang))}**{mark}: "
                     f"{html.escape(localized(s.purpose, lang), quote=False)}")
    lines += ["", t("promo_web_guide_text_mark", lang), ""]
    limits = lib.listing._slot_data()[3]["limits"]
    numbered: dict[tuple, int] = {}
    said: dict[tuple, str] = {}  # each source as a person says it (render.source_html), address behind a link

    def ref(kind, source, checked, count=False, market="") -> int:
        """A source's number; a photo count's non-link source (a note in the data file) in plain words."""
        if count and not source.startswith("http"):
            source = t(f"promo_web_guide_src_{kind}", lang)
            said.setdefault((kind, source, checked), html.escape(t("app_guide_source_line", lang, what=source,
                                                                    date=render.date_text(checked, lang)), quote=False))
        said.setdefault((kind, source, checked), render.source_html(kind, source, checked, market, lang))
        return numbered.setdefault((kind, source, checked), len(numbered) + 1)

    for name in MARKETPLACES:
        preset = load_preset(name)
        entry = limits.get(name, limits["default"])
        src = preset.sources["overlays_allowed"]
        yes_no = t("app_yes", lang) if preset.image.overlays_allowed else t("app_no", lang)
        lines.append(t("promo_web_guide_market", lang, market=preset.title_in(lang), count=slot_limit(name),
                       ref=ref(entry["kind"], entry["source"], entry["checked"], count=True, market=preset.title_in(lang)),
                       overlays=yes_no, ref2=ref(src.kind, src.source, src.checked, market=preset.title_in(lang))))
    lines.append("")
    for key, n in numbered.items():
        lines.append(f"<small>[{n}] {said[key]}</small>  ")
    return "\n".join(lines)


def guide_accordion(T: Texts) -> None:
    """For the Panduan tab: the Promosi guide, folded."""
    with T(gr.Accordion(t("promo_web_guide_title", T.lang), open=False, elem_id="guide-promo"),
           label="promo_web_guide_title"):
        T(gr.Markdown(guide_md(T.lang), elem_id="guide-promo-text"), value=guide_md)


# --- Layout ---------------------------------------------------------------------------------


def build(T: Texts, lang: gr.Radio, last: gr.State | None = None) -> PromoTab:
    lang0 = T.lang
    with T(gr.Tab(t("promo_web_tab", lang0), id="promo", elem_id="tab-promo"), label="promo_web_tab"):
        T(gr.Markdown(t("promo_web_intro", lang0), elem_id="pr-intro"), value="promo_web_intro")
        with gr.Row():
            with gr.Column(min_width=300):
                parts = _photo(T, last is not None) | _product(T)
                with T(gr.Accordion(t("promo_web_more", lang0), open=False, elem_id="pr-more"),
                       label="promo_web_more"):
                    parts |= _more(T)
                with T(gr.Accordion(t("promo_web_kit", lang0), open=False, elem_id="pr-kit"), label="promo_web_kit"):
                    parts |= _kit(T)
                run_btn = T(gr.Button(t("promo_web_button", lang0), variant="primary", elem_id="pr-btn",
                                      elem_classes=["etalase-big"]), value="promo_web_button")
            with gr.Column(min_width=300):
                results = _results(lang0)
    tab = PromoTab(lang=lang, last=last, form=Form(**parts), run_btn=run_btn, **results)
    tab.wire()
    return tab


def _text(T: Texts, key: str, elem: str, example: str = "", info: str | None = None, lines: int = 1, **kw):
    props = {"label": key} | ({"info": info} if info else {})
    return T(gr.Textbox(label=t(key, T.lang), placeholder=example or None, info=t(info, T.lang) if info else None,
                        lines=lines, max_lines=max(lines, 6), elem_id=elem, **kw), **props)


def _photo(T: Texts, has_last: bool) -> dict:
    lang0 = T.lang
    photo = T(PhotoInput(label=t("promo_web_photo", lang0), type="filepath", image_mode=None,
                         sources=["upload", "webcam"], height=220, elem_id="pr-photo"), label="promo_web_photo")
    use_last = T(gr.Checkbox(False, label=t("promo_web_use_last", lang0), info=t("promo_web_use_last_info", lang0),
                             visible=has_last, elem_id="pr-use-last"),
                 label="promo_web_use_last", info="promo_web_use_last_info")
    presets = T(gr.CheckboxGroup(marketplace_choices(lang0), value=[DEFAULT_MARKETPLACE],
                                 label=t("promo_web_markets", lang0), elem_id="pr-markets"),
                label="promo_web_markets", choices=marketplace_choices)
    return {"photo": photo, "use_last": use_last, "presets": presets}


def _product(T: Texts) -> dict:
    parts = {"title": _text(T, "promo_web_title", "pr-title", "Keripik Singkong Balado", max_length=60)}
    with gr.Row(equal_height=True):
        parts["price"] = _text(T, "promo_web_price", "pr-price", "25000", max_length=16, min_width=140)
        parts["old_price"] = _text(T, "promo_web_old_price", "pr-old-price", "35000", max_length=16, min_width=140)
    parts["points"] = _text(T, "promo_web_points", "pr-points", "Tanpa pengawet\nPedas level 3\nHalal",
                            info="promo_web_points_info", lines=4, max_length=200)
    with gr.Row(equal_height=True):
        parts["size_cm"] = _text(T, "promo_web_size", "pr-size", "12x18x6", max_length=20, min_width=140)
        parts["net"] = _text(T, "promo_web_net", "pr-net", "250 g", max_length=12, min_width=140)
    return parts


def _more(T: Texts) -> dict:
    lang0 = T.lang
    return {
        "registration": _text(T, "promo_web_registration", "pr-registration", "P-IRT 2063404010123-29", max_length=48),
        "badges": T(gr.CheckboxGroup(badge_choices(lang0), label=t("promo_web_badges", lang0), elem_id="pr-badges"),
                    label="promo_web_badges", choices=badge_choices),
        "slots": T(gr.CheckboxGroup(slot_choices(lang0), value=[s.name for s in lib.list_slots()],
                                    label=t("promo_web_slots", lang0), info=t("promo_web_slots_info", lang0),
                                    elem_id="pr-slots"),
                   label="promo_web_slots", info="promo_web_slots_info", choices=slot_choices),
        "quality": T(gr.Radio(quality_choices(lang0), value=services.default_model(),
                              label=t("promo_web_quality", lang0), elem_id="pr-quality"),
                     label="promo_web_quality", choices=quality_choices),
    }


def _kit(T: Texts) -> dict:
    lang0 = T.lang
    T(gr.Markdown(t("promo_web_kit_intro", lang0), elem_id="pr-kit-intro"), value="promo_web_kit_intro")
    return {
        "kit_file": T(FileInput(label=t("promo_web_kit_file", lang0), file_types=[".json"], height=110,
                                elem_id="pr-kit-file"),
                      label="promo_web_kit_file"),
        "shop": _text(T, "promo_web_shop", "pr-shop", "Dapur Bu Sri", max_length=40),
        "colour": T(gr.ColorPicker(lib.BrandKit().primary, label=t("promo_web_colour", lang0), elem_id="pr-colour"),
                    label="promo_web_colour"),
        "backdrop": T(gr.Dropdown(backdrop_choices(lang0), value=lib.BrandKit().backdrop, filterable=False,
                                  label=t("promo_web_backdrop", lang0), elem_id="pr-backdrop"),
                      label="promo_web_backdrop", choices=backdrop_choices),
        "label_file": T(FileInput(label=t("promo_web_label_file", lang0), file_types=[".png", ".jpg", ".jpeg", ".toml"],
                                  height=110, elem_id="pr-label-file"), label="promo_web_label_file"),
    }


def _results(lang0: str) -> dict:
    status = gr.HTML("", elem_id="pr-status", elem_classes=["etalase-html"])
    zip_btn = gr.DownloadButton("", variant="primary", visible=False, elem_id="pr-zip")
    # the reason a card was not made, above the grid: read before looking for the card
    notes = gr.HTML("", elem_id="pr-notes", elem_classes=["etalase-html"])
    gallery = gr.Gallery(label=t("promo_web_result", lang0), columns=2, height="auto", object_fit="contain",
                         interactive=False, visible=False, buttons=["download", "fullscreen"], elem_id="pr-gallery")
    share_btn = gr.Button(t("promo_web_share", lang0), visible=False, elem_id="pr-share")
    kit_btn = gr.DownloadButton("", variant="secondary", visible=False, elem_id="pr-kit-download")
    return {"status": status, "notes": notes, "gallery": gallery, "zip_btn": zip_btn, "share_btn": share_btn,
            "kit_btn": kit_btn,
            "state": gr.State(None)}


def batch_summary(made, lang: str) -> str:
    """The Banyak Foto tab's line for its listing sets ("Buat juga set promosi"; nothing when not asked)."""
    if made is None:
        return ""
    lines = [t("promo_batch_done", lang, products=made.products, images=made.images)]
    lines += [f"- {html.escape(name, quote=False)}: {html.escape(msg, quote=False)}" for name, msg in made.failed[:10]]
    return "\n\n" + "\n".join(lines)  # a paragraph of its own under the batch's summary
