"""The "Panduan" tab: the photo guide (steps and before/after pictures) and each
marketplace's numbers with their sources."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from assistant.i18n import t
from assistant.web import render, services
from assistant.web.render import lang_of
from assistant.web.services import DEFAULT_PRESET
from assistant.web.tabs import label as label_step, promo
from assistant.web.widgets import Texts, preset_choices


@dataclass(eq=False)
class GuideTab:
    """The tab's components; its handlers return {component: update}."""

    lang: gr.Radio
    pictures: list  # (caption key, before, after) on disk
    images: list[gr.Image]  # before, after, before, after, ...
    pick: gr.Dropdown
    card: gr.Markdown

    def wire(self, demo: gr.Blocks) -> None:
        self.pick.change(lambda name, lv: render.guide_md(name, lang_of(lv)), [self.pick, self.lang], self.card,
                         queue=False, api_visibility="private")
        if self.images:
            demo.load(self.load_pictures, None, self.images, queue=False, api_visibility="private")

    def load_pictures(self) -> dict:
        """The guide's pictures, served from the cache (filled per visit: the cache is swept).
        They come in before/after pairs, so there are always at least two outputs."""
        paths = [path for _, *pair in self.pictures for path in pair]
        return {image: services.guide_image(path) for image, path in zip(self.images, paths)}

    def relabel_inputs(self) -> set:
        return {self.pick}

    def relabel_outputs(self) -> list:
        return [self.card]

    def relabel(self, values: dict, lang: str) -> dict:
        return {self.card: render.guide_md(values[self.pick], lang)}


def build(T: Texts, lang: gr.Radio, demo: gr.Blocks) -> GuideTab:
    lang0 = T.lang
    with T(gr.Tab(t("app_tab_guide", lang0), id="guide", elem_id="tab-guide"), label="app_tab_guide"):
        T(gr.Markdown(render.photo_guide_md(lang0), elem_id="photo-guide"), value=render.photo_guide_md)
        pictures = services.guide_pictures()
        images = _picture_rows(T, pictures)
        T(gr.Markdown(f"### {t('app_guide_rules_title', lang0)}\n{t('app_guide_intro', lang0)}"),
          value=lambda lang: f"### {t('app_guide_rules_title', lang)}\n{t('app_guide_intro', lang)}")
        pick = T(gr.Dropdown(preset_choices(lang0), value=DEFAULT_PRESET, filterable=False,
                             label=t("app_guide_select", lang0), elem_id="guide-pick"),
                 label="app_guide_select", choices=preset_choices)
        card = gr.Markdown(render.guide_md(DEFAULT_PRESET, lang0), elem_id="guide-card")
        label_step.rules_accordion(T)  # the food label rules and their sources (issue 20)
        promo.guide_accordion(T)  # the listing photos per marketplace (issue 19)
    tab = GuideTab(lang, pictures, images, pick, card)
    tab.wire(demo)
    return tab


def _picture_rows(T: Texts, pictures: list) -> list[gr.Image]:
    """Two before/after pairs a row (one a row on a phone); the images are filled on load."""
    images = []
    for row in range(0, len(pictures), 2):
        with gr.Row(elem_classes=["guide-pictures"]):
            for key, _, _ in pictures[row:row + 2]:
                with gr.Column(min_width=280, elem_classes=["guide-pair"]):
                    T(gr.Markdown(t(key, T.lang), elem_classes=["guide-caption"]), value=key)
                    with gr.Row(equal_height=True):
                        for side in ("check_guide_pic_before", "check_guide_pic_after"):
                            images.append(T(gr.Image(label=t(side, T.lang), type="pil", interactive=False,
                                                     buttons=[], height=220, min_width=120,
                                                     elem_classes=["guide-image"]),
                                            label=side))
    return images
