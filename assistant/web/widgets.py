"""Building blocks the tabs share: inputs that take files only, the relabel registry
(``Texts``), the choice lists in the vendor's language and the four output controls.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from gradio_client import utils as client_utils

from assistant import AssistantError
from assistant.i18n import STRINGS, default_language, t
from assistant.presets import load_preset
from assistant.web.render import lang_of
from assistant.web.services import DEFAULT_PRESET, LABEL_SOURCES, PRESET_NAMES, QUALITY, SHADOW_CHOICES, default_model

class _FilesOnly:
    """Refuses a URL where a file is expected: the server never fetches what a user names."""

    def _refuse_url(self, path) -> None:
        if path is not None and (client_utils.is_http_url_like(str(path)) or "://" in str(path)):
            raise gr.Error(t("app_url_refused", default_language()), title=t("app_error_title", default_language()))

    def move_resource_to_block_cache(self, url_or_file_path):
        self._refuse_url(url_or_file_path)
        return super().move_resource_to_block_cache(url_or_file_path)

    async def async_move_resource_to_block_cache(self, url_or_file_path):
        self._refuse_url(url_or_file_path)
        return await super().async_move_resource_to_block_cache(url_or_file_path)


class PhotoInput(_FilesOnly, gr.Image):
    """gr.Image that hands over the uploaded file untouched.

    gr.Image would open the upload with Pillow before our code runs, so a broken or
    non-image file would fail inside Gradio with an untranslated error; the library's
    ``open_photo`` checks it instead and says what is wrong in the vendor's language.
    """

    is_template = True  # rendered by the frontend's Image component

    def get_block_name(self) -> str:
        return "image"

    def get_block_class(self) -> str:
        return "image"

    def preprocess(self, payload):
        if payload is None:
            return None
        if payload.url and payload.url.startswith("data:"):  # a webcam frame sent inline
            return super().preprocess(payload)
        return payload.path


class FileInput(_FilesOnly, gr.File):
    """gr.File without Gradio's own type check (the library reports bad files in the
    vendor's language) and without the empty temporary file Gradio leaves per upload."""

    is_template = True

    def get_block_name(self) -> str:
        return "file"

    def get_block_class(self) -> str:
        return "file"

    def _process_single_file(self, f):
        return str(f.path)


class Texts:
    """Components whose labels are strings; on a language change each gets its new text."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.entries: list[tuple[object, dict]] = []

    def __call__(self, component, **props):
        self.entries.append((component, props))
        return component

    def t(self, key: str, **params) -> str:
        return t(key, self.lang, **params)

    def updates(self, lang: str) -> dict:
        """{component: update} with every registered text in ``lang``."""
        return {component: gr.update(**{p: (v(lang) if callable(v) else t(v, lang)) for p, v in props.items()})
                for component, props in self.entries}


def quality_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(key, lang), name) for name, key in QUALITY.items()]


def background_choices(lang: str, preset_names) -> list[tuple[str, str]]:
    choices = [(t("app_background_white", lang), "white"), (t("app_background_custom", lang), "custom")]
    try:
        allows = any(load_preset(n).image.transparent_allowed for n in preset_names or [])
    except AssistantError:
        allows = False
    if allows:
        choices.append((t("app_background_transparent", lang), "transparent"))
    return choices


def shadow_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(f"app_shadow_{style}", lang), style) for style in SHADOW_CHOICES]


def touch_choices(lang: str) -> list[tuple[str, str]]:
    return [(t("app_touch_keep", lang), "keep"), (t("app_touch_remove", lang), "remove")]


def label_source_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(f"app_mockup_source_{s}", lang), s) for s in LABEL_SOURCES]


def preset_choices(lang: str) -> list[tuple[str, str]]:
    """Each marketplace with a one-line hint ("Shopee · pembeli terbanyak"), in the sellers' order."""
    def label(name: str) -> str:
        title, key = load_preset(name).title_in(lang), f"app_preset_hint_{name}"
        return f"{title} · {t(key, lang)}" if key in STRINGS else title

    return [(label(n), n) for n in PRESET_NAMES]


@dataclass(eq=False)
class OutputControls:
    """Marketplaces, quality, background mode and colour (photo and batch tabs)."""

    presets: gr.Dropdown
    quality: gr.Radio
    bg_mode: gr.Radio
    bg_colour: gr.ColorPicker

    def wire(self, lang: gr.Radio) -> None:
        """Transparent is offered only where a chosen marketplace allows it; a custom colour shows its picker."""
        self.presets.change(self.on_presets, [self.presets, self.bg_mode, lang], self.bg_mode, queue=False,
                            api_visibility="private")
        self.bg_mode.change(lambda m: gr.update(visible=m == "custom"), self.bg_mode, self.bg_colour, queue=False,
                            api_visibility="private")

    @staticmethod
    def on_presets(names, mode, lang_value):
        choices = background_choices(lang_of(lang_value), names)
        values = [v for _, v in choices]
        return gr.update(choices=choices, value=mode if mode in values else "white")

    def relabel(self, values: dict, lang: str) -> dict:
        """The background choices in ``lang`` (they depend on the chosen marketplaces)."""
        return {self.bg_mode: gr.update(choices=background_choices(lang, values[self.presets]),
                                        value=values[self.bg_mode])}


def merge(updates: dict, more: dict) -> dict:
    """``updates`` with ``more`` added; two updates of one component become one."""
    for component, update in more.items():
        old = updates.get(component)
        both = isinstance(old, dict) and isinstance(update, dict) and "__type__" in old and "__type__" in update
        updates[component] = {**old, **update} if both else update
    return updates


def output_controls(T: Texts, lang0: str, id_prefix: str) -> OutputControls:
    """Marketplaces, quality, background mode and colour: the same four controls on the
    photo and batch tabs (``id_prefix`` keeps their element ids apart)."""
    presets = T(gr.Dropdown(preset_choices(lang0), value=[DEFAULT_PRESET], multiselect=True, filterable=False,
                            label=t("app_presets_label", lang0), info=t("app_presets_info", lang0),
                            elem_id=f"{id_prefix}presets"),
                label="app_presets_label", info="app_presets_info", choices=preset_choices)
    quality = T(gr.Radio(quality_choices(lang0), value=default_model(), label=t("app_quality_label", lang0),
                         elem_id=f"{id_prefix}quality"),
                label="app_quality_label", choices=quality_choices)
    bg_mode = T(gr.Radio(background_choices(lang0, [DEFAULT_PRESET]), value="white",
                         label=t("app_background_label", lang0), info=t("app_background_info", lang0),
                         elem_id=f"{id_prefix}bg-mode"),
                label="app_background_label", info="app_background_info")
    bg_colour = T(gr.ColorPicker("#FFFFFF", label=t("app_colour_label", lang0), visible=False,
                                 elem_id=f"{id_prefix}bg-colour"), label="app_colour_label")
    return OutputControls(presets, quality, bg_mode, bg_colour)


def busy_js(kind: str) -> str:
    """The js= of a button's first listener: disable it and say what is happening, at once."""
    return f"() => window.etalase && window.etalase.busy({kind!r})"


def done_js(kind: str) -> str:
    """The js= after the work: the button back, the answer scrolled into view."""
    return f"() => window.etalase && window.etalase.done({kind!r})"


def busy_box(elem_id: str) -> gr.HTML:
    """Under an action's button: where its queue place and progress show while it runs."""
    return gr.HTML("", elem_id=elem_id, elem_classes=["etalase-busy", "etalase-html"], container=False)


def clear_button(elem_id: str) -> gr.Button:
    """Hidden; the page script clicks it when the browser refused an upload (too large)."""
    return gr.Button("", elem_id=elem_id, elem_classes=["etalase-hidden"])
