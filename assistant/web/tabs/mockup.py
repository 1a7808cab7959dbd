"""The "Kemasan" tab: a label (design file, photo of a printed label, or a brand name and
colour) on package templates, at a marketplace's size, ready to download.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import gradio as gr

from assistant.i18n import t
from assistant.web import render, services
from assistant.web.config import CONCURRENCY, static_text
from assistant.web.render import alert, lang_of
from assistant.web.services import DEFAULT_PRESET, SAMPLE_BRAND, default_model, template_names
from assistant.web.tabs import label as label_step
from assistant.web.widgets import (PhotoInput, Texts, busy_box, busy_js, clear_button, done_js, preset_choices,
                                   quality_choices)


@dataclass(eq=False)
class Brand:
    """The label made from a brand name, colour, tagline and logo."""

    box: gr.Column
    name: gr.Textbox
    colour: gr.ColorPicker
    tagline: gr.Textbox
    logo: PhotoInput


@dataclass(eq=False)
class MockupTab:
    """The tab's components; its handlers return {component: update}."""

    lang: gr.Radio
    source: gr.Radio
    hint: gr.Markdown
    label: PhotoInput
    brand: Brand
    templates: gr.HTML
    preset: gr.Dropdown
    product: PhotoInput
    quality: gr.Radio
    body_on: gr.Checkbox
    body: gr.ColorPicker
    badge: gr.Textbox
    run_btn: gr.Button
    busy: gr.HTML
    clear_btn: gr.Button
    status: gr.Markdown
    gallery: gr.Gallery
    state: gr.State
    downloads: list[gr.DownloadButton]
    designer: label_step.LabelStep  # the "Desain label baru" source's form and print files

    def wire(self) -> None:
        self.source.change(self.on_source, [self.source, self.lang], [self.label, self.brand.box, self.hint],
                           queue=False, api_visibility="private")
        self.body_on.change(lambda on: gr.update(visible=bool(on)), self.body_on, self.body, queue=False,
                            api_visibility="private")
        self.designer.wire(self.source, self.lang)
        self.run_btn.click(None, None, None, js=busy_js("mockup"), queue=False, api_visibility="private")
        self.run_btn.click(
            self.run_mockups, self.run_inputs(), [*self.outputs(), *self.designer.outputs()],
            concurrency_limit=CONCURRENCY, concurrency_id="photo", api_visibility="private", show_progress="full",
            show_progress_on=self.busy).then(
            None, None, None, js=done_js("mockup"), queue=False, api_visibility="private")
        # A new label or product: the mockups made from the old one go.
        for source in (self.label, self.product, self.brand.logo):
            source.change(self.cleared, None, self.outputs(), queue=False, api_visibility="private",
                          show_progress="hidden")
        # "Clear": the mockups and the designed label's print files alike.
        self.clear_btn.click(lambda: self.cleared() | self.designer.render(None, "id")
                             | {self.designer.results.state: None},
                             None, [*self.outputs(), *self.designer.outputs()], queue=False,
                             api_visibility="private", show_progress="hidden")

    def outputs(self) -> list:
        return [self.status, self.state, self.gallery, *self.downloads]

    def cleared(self) -> dict:
        """No mockups: the ones shown were made from another label or product (or refused)."""
        return {self.status: "", self.state: None, **self.render_mockups([], None)}

    def run_inputs(self) -> set:
        b = self.brand
        return {self.lang, self.source, self.label, b.name, b.colour, b.tagline, b.logo, self.templates, self.preset,
                self.product, self.quality, self.body_on, self.body, self.badge, self.state, *self.designer.inputs()}

    def hint_text(self, source, lang_value) -> str:
        return t(f"app_mockup_hint_{source}", lang_value) if source in ("design", "photo") else ""

    def on_source(self, source, lang_value):
        return {self.label: gr.update(visible=source in ("design", "photo")), self.brand.box: gr.update(visible=source == "brand"),
                self.hint: self.hint_text(source, lang_of(lang_value))}

    def render_mockups(self, entries, lang_value) -> dict:
        lang_value = lang_of(lang_value)
        entries = entries or []
        updates = {self.gallery: gr.update(
            value=[(e["path"], services.template_title(e["template"], lang_value)) for e in entries],
            visible=bool(entries), label=t("app_mockup_result_label", lang_value))}
        for i, button in enumerate(self.downloads):
            updates[button] = (gr.update(value=entries[i]["path"], visible=True,
                                         label=render.mockup_download_label(entries[i], lang_value))
                               if i < len(entries) else gr.update(value=None, visible=False))
        return updates

    def run_mockups(self, values, progress=gr.Progress()):
        lang_value = lang_of(values[self.lang])
        progress.lang = lang_value
        start = time.perf_counter()
        try:
            progress(0.05, desc=t("app_mockup_progress_label", lang_value))
            b = self.brand
            label, designed = (self.designer.make(values, lang_value) if values[self.source] == label_step.SOURCE else
                               (services.make_label(values[self.source], values[self.label], values[b.name],
                                                    values[b.colour], values[b.tagline], values[b.logo]), {}))
            product = values[self.product]
            with services.single_photo_running():
                entries = services.mockup_files(
                    label, values[self.templates], values[self.preset], product_path=product,
                    model=services.model_for(values[self.quality]) if product else None,
                    body_colour=values[self.body] if values[self.body_on] else None, badge=values[self.badge],
                    progress=progress)
        except Exception as exc:  # e.g. a promo text refused: the earlier mockups must not stay downloadable
            return self.cleared() | {self.status: alert(render.friendly(exc, lang_value))}
        seconds = time.perf_counter() - start
        done = t("app_mockup_done", lang_value, count=len(entries), seconds=render.num(seconds, lang_value))
        b = self.brand
        if values[self.source] == "brand" and any(services.printable_text(values[c])[1] for c in (b.name, b.tagline)):
            done += " " + t("app_mockup_emoji_dropped", lang_value)
        quality = values[self.quality] if values[self.product] else ""
        return {self.status: render.done_html(done, seconds, quality), self.state: entries,
                **self.render_mockups(entries, lang_value), **designed}

    def relabel_inputs(self) -> set:
        return {self.state, self.source} | self.designer.relabel_inputs()

    def relabel_outputs(self) -> list:
        return [self.gallery, *self.downloads, self.hint, *self.designer.relabel_outputs()]

    def relabel(self, values: dict, lang: str) -> dict:
        return (self.render_mockups(values[self.state], lang) | {self.hint: self.hint_text(values[self.source], lang)}
                | self.designer.relabel(values, lang))


# --- Layout ---------------------------------------------------------------------------------


def build(T: Texts, lang: gr.Radio) -> MockupTab:
    lang0 = T.lang
    with T(gr.Tab(t("app_tab_mockup", lang0), id="mockup", elem_id="tab-mockup"), label="app_tab_mockup"):
        T(gr.Markdown(t("app_mockup_intro", lang0)), value="app_mockup_intro")
        with gr.Row():
            with gr.Column(min_width=300):
                parts = _label_inputs(T)
                parts["designer"] = label_step.build(T)
                parts |= _templates_and_preset(T)
                with T(gr.Accordion(t("app_mockup_more", lang0), open=False, elem_id="mk-more"),
                       label="app_mockup_more"):
                    parts |= _more(T)
                parts["run_btn"] = T(gr.Button(t("app_mockup_button", lang0), variant="primary", elem_id="mk-btn",
                                               elem_classes=["etalase-big"]),
                                     value="app_mockup_button")
                parts["busy"] = busy_box("mk-busy")
                parts["clear_btn"] = clear_button("mk-clear")
            with gr.Column(min_width=300):
                parts |= _results(lang0, parts["designer"])
    tab = MockupTab(lang=lang, **parts)
    tab.wire()
    return tab


def _label_inputs(T: Texts) -> dict:
    lang0 = T.lang
    source = T(gr.Radio(label_step.source_choices(lang0), value="design", label=t("app_mockup_source_label", lang0),
                        elem_id="mk-source"),
               label="app_mockup_source_label", choices=label_step.source_choices)
    hint = gr.Markdown(t("app_mockup_hint_design", lang0), elem_id="mk-hint")
    label = T(PhotoInput(label=t("app_mockup_label_label", lang0), type="filepath", image_mode=None,
                         sources=["upload", "webcam"], height=220, elem_id="mk-label"),
              label="app_mockup_label_label")
    return {"source": source, "hint": hint, "label": label, "brand": _brand(T)}


def _brand(T: Texts) -> Brand:
    lang0 = T.lang
    with gr.Column(visible=False, elem_id="mk-brand") as box:
        name = T(gr.Textbox(label=t("app_mockup_brand_label", lang0),
                            placeholder=t("app_mockup_brand_placeholder", lang0), max_length=40,
                            elem_id="mk-brand-name"),
                 label="app_mockup_brand_label", placeholder="app_mockup_brand_placeholder")
        colour = T(gr.ColorPicker(SAMPLE_BRAND[1], label=t("app_mockup_brand_colour", lang0),
                                  elem_id="mk-brand-colour"),
                   label="app_mockup_brand_colour")
        tagline = T(gr.Textbox(label=t("app_mockup_tagline_label", lang0),
                               placeholder=t("app_mockup_tagline_placeholder", lang0), max_length=60,
                               elem_id="mk-tagline"),
                    label="app_mockup_tagline_label", placeholder="app_mockup_tagline_placeholder")
        logo = T(PhotoInput(label=t("app_mockup_logo_label", lang0), type="filepath", image_mode=None,
                            sources=["upload"], height=140, elem_id="mk-logo"),
                 label="app_mockup_logo_label")
    return Brand(box, name, colour, tagline, logo)


def _templates_and_preset(T: Texts) -> dict:
    """The package picker (a card per template, tap to choose or drop; its value is the chosen
    names, comma-separated) and the marketplace whose size the mockups take."""
    lang0 = T.lang
    T(gr.HTML(render.heading(t("app_mockup_templates_label", lang0)), elem_id="mk-templates-label"),
      value=lambda lang: render.heading(t("app_mockup_templates_label", lang)))
    default_template = "pouch" if "pouch" in template_names() else ""
    templates = T(gr.HTML(default_template, html_template=static_text("picker.html"),
                          css_template=static_text("picker.css"), js_on_load=static_text("picker.js"),
                          items=render.picker_items(lang0), elem_id="mk-templates", elem_classes=["etalase-html"]),
                  items=render.picker_items)
    preset = T(gr.Dropdown(preset_choices(lang0), value=DEFAULT_PRESET, filterable=False,
                           label=t("app_mockup_preset_label", lang0), elem_id="mk-preset"),
               label="app_mockup_preset_label", choices=preset_choices)
    return {"templates": templates, "preset": preset}


def _more(T: Texts) -> dict:
    """The product beside the package, the model's quality, the package's body colour, a badge."""
    lang0 = T.lang
    product = T(PhotoInput(label=t("app_mockup_product_label", lang0), type="filepath", image_mode=None,
                           sources=["upload", "webcam"], height=200, elem_id="mk-product"),
                label="app_mockup_product_label")
    # No step number: in Kemasan this sits under "Pilihan lain", after step 3 ("3. Mode" was a second 3.).
    quality = T(gr.Radio(quality_choices(lang0), value=default_model(), label=t("app_mockup_quality_label", lang0),
                         elem_id="mk-quality"),
                label="app_mockup_quality_label", choices=quality_choices)
    body_on = T(gr.Checkbox(False, label=t("app_mockup_body_label", lang0), info=t("app_mockup_body_info", lang0),
                            elem_id="mk-body-on"),
                label="app_mockup_body_label", info="app_mockup_body_info")
    body = T(gr.ColorPicker("#F5F5F4", label=t("app_colour_label", lang0), visible=False, elem_id="mk-body"),
             label="app_colour_label")
    badge = T(gr.Textbox(label=t("app_mockup_badge_label", lang0), info=t("app_mockup_badge_info", lang0),
                         placeholder="PROMO -20%", max_length=24, elem_id="mk-badge"),
              label="app_mockup_badge_label", info="app_mockup_badge_info")
    return {"product": product, "quality": quality, "body_on": body_on, "body": body, "badge": badge}


def _results(lang0: str, designer: label_step.LabelStep) -> dict:
    status = gr.Markdown("", elem_id="mk-status")
    label_step.build_results(designer, lang0)  # the designed label's check and print files
    gallery = gr.Gallery(label=t("app_mockup_result_label", lang0), columns=2, height="auto", object_fit="contain",
                         interactive=False, visible=False, buttons=["fullscreen"], elem_id="mk-gallery")
    state = gr.State(None)
    downloads = [gr.DownloadButton("", variant="primary", visible=False, elem_id=f"mk-download-{i}")
                 for i in range(len(template_names()))]
    return {"status": status, "gallery": gallery, "state": state, "downloads": downloads}
