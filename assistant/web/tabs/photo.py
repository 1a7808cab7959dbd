"""The "Foto Produk" tab: one photo in, one listing image per marketplace out, with the
compliance line and listing checks beside each, and the touch-up brush under the result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from assistant.i18n import t
from assistant.presets import ShadowSettings, load_presets
from assistant.web import render, services
from assistant.web.config import CACHE_MAX_AGE_S, CONCURRENCY, static_text
from assistant.web.render import alert, lang_of
from assistant.web.tabs import check
from assistant.web.services import (LIGHT_DEFAULTS, LIGHT_FIELDS, PRESET_NAMES, TOUCH_BRUSH, TOUCH_KEEP,
                                    TOUCH_REMOVE, AppMessage)
from assistant.web.editor import bounded_image_editor
from assistant.web.widgets import (OutputControls, PhotoInput, Texts, busy_box, busy_js, clear_button, done_js,
                                   output_controls, shadow_choices, touch_choices)


def _css_rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))


def touch_mode_js() -> str:
    """"Pertahankan" / "Hapus" picks the brush and its colour in the editor's own palette, in the
    browser: a server update of the editor's brush would drop its drawing tool mid-stroke."""
    return (static_text("touch-mode.js").replace("__REMOVE__", _css_rgb(TOUCH_REMOVE))
            .replace("__KEEP__", _css_rgb(TOUCH_KEEP)))


@dataclass(eq=False)
class OutputCard:
    """One marketplace's result: its compliance line, its checks and its download."""

    card: gr.Column
    line: gr.Markdown
    checks: gr.HTML
    download: gr.DownloadButton


@dataclass(eq=False)
class Touch:
    """The keep/remove brush under the result (present when the library has ``touch_up``)."""

    box: gr.Accordion
    mode: gr.Radio
    editor: gr.ImageEditor
    button: gr.Button
    busy: gr.HTML
    status: gr.Markdown
    preview_box: gr.Column
    preview: gr.Image
    apply_btn: gr.Button
    discard_btn: gr.Button
    undo_btn: gr.Button
    redo_btn: gr.Button
    pending: gr.State  # (description, parked cut-out) of a touch-up shown as a preview, not applied yet
    history: gr.State  # {"undo": [(description, parked cut-out), ...], "redo": [...]} of applied touch-ups


HISTORY_MAX = 3  # touch-ups that can be undone (each keeps a cut-out on disk, a few hundred bytes in the session)


@dataclass(eq=False)
class PhotoTab:
    """The tab's components; its handlers return {component: update}."""

    lang: gr.Radio
    photo: PhotoInput
    controls: OutputControls
    run_btn: gr.Button
    busy: gr.HTML
    clear_btn: gr.Button
    light_auto: gr.Checkbox
    light_box: gr.Column
    light_controls: dict
    shadow_style: gr.Radio
    shadow_opacity: gr.Slider
    status: gr.Markdown
    slider: gr.ImageSlider
    view: gr.Radio
    cards: list[OutputCard]
    result_state: gr.State
    last_result: gr.State
    touch: Touch

    # --- Wiring -------------------------------------------------------------------------------

    def wire(self) -> None:
        self.controls.wire(self.lang)
        self.light_auto.change(lambda a: gr.update(visible=not a), self.light_auto, self.light_box, queue=False,
                               api_visibility="private")
        self.shadow_style.change(lambda s: gr.update(visible=s not in ("preset", "none")), self.shadow_style,
                                 self.shadow_opacity, queue=False, api_visibility="private")
        # At once, in the browser: the button says what is happening (no round trip).
        self.run_btn.click(None, None, None, js=busy_js("photo"), queue=False, api_visibility="private")
        self.run_btn.click(self.run_photo, self.run_inputs(), self.outputs(), concurrency_limit=CONCURRENCY,
                           concurrency_id="photo", api_visibility="private", show_progress="full",
                           show_progress_on=self.busy).then(None, None, None, js=done_js("photo"), queue=False,
                                                            api_visibility="private")
        # A new photo (or none): the last product's result and downloads go.
        self.photo.input(self.on_new_photo, [self.photo, self.lang], [self.photo, *self.outputs()], queue=False,
                         api_visibility="private", show_progress="hidden")
        self.clear_btn.click(self.cleared, None, self.outputs(), queue=False, api_visibility="private",
                             show_progress="hidden")
        self.touch.button.click(None, None, None, js=busy_js("touch"), queue=False, api_visibility="private")
        tc = self.touch
        steps = self.run_inputs() | {tc.pending, tc.history}
        tc.apply_btn.click(self.apply_touch, steps, self.outputs(), api_visibility="private",
                           concurrency_limit=CONCURRENCY, concurrency_id="photo", show_progress="hidden")
        tc.discard_btn.click(self.discard_touch, None, [tc.preview_box, tc.pending, tc.status], queue=False,
                             api_visibility="private", show_progress="hidden")
        tc.undo_btn.click(self.undo_touch, steps, self.outputs(), api_visibility="private",
                          concurrency_limit=CONCURRENCY, concurrency_id="photo", show_progress="hidden")
        tc.redo_btn.click(self.redo_touch, steps, self.outputs(), api_visibility="private",
                          concurrency_limit=CONCURRENCY, concurrency_id="photo", show_progress="hidden")
        self.touch.button.click(
            self.run_touch, self.run_inputs() | {self.touch.editor}, self.outputs(),
            concurrency_limit=CONCURRENCY, concurrency_id="photo", api_visibility="private",
            show_progress="full", show_progress_on=self.touch.busy).then(
            None, None, None, js=done_js("touch"), queue=False, api_visibility="private")
        # The brush colour is switched in the browser (no round trip, the strokes stay).
        self.touch.mode.change(None, self.touch.mode, None, js=touch_mode_js(), queue=False,
                               api_visibility="private")
        self.view.change(self.on_view, [self.view, self.result_state], self.slider, queue=False,
                         api_visibility="private")

    def run_inputs(self) -> set:
        c = self.controls
        return {self.photo, c.presets, c.quality, c.bg_mode, c.bg_colour, self.light_auto, self.shadow_style,
                self.shadow_opacity, self.lang, self.result_state, self.last_result, *self.light_controls.values()}

    def outputs(self) -> list:
        out = [self.status, self.slider, self.view, self.result_state, self.last_result]
        out += self.card_components()
        tc = self.touch
        out += [tc.box, tc.editor, tc.status, tc.preview_box, tc.preview, tc.pending, tc.history, tc.undo_btn,
                tc.redo_btn]
        return out

    def card_components(self) -> list:
        return [c for card in self.cards for c in (card.card, card.line, card.checks, card.download)]

    # --- Handlers -----------------------------------------------------------------------------

    def settings(self, values: dict) -> dict:
        return {"background": services.background_for(values[self.controls.bg_mode], values[self.controls.bg_colour]),
                "lighting": services.lighting_for(values[self.light_auto],
                                                  {n: values[c] for n, c in self.light_controls.items()}),
                "shadow": services.shadow_for(values[self.shadow_style], values[self.shadow_opacity])}

    def run_photo(self, values, request: gr.Request, progress=gr.Progress()):
        lang_value = lang_of(values[self.lang])
        progress.lang = lang_value
        start = time.perf_counter()
        try:
            if not values[self.photo]:
                raise AppMessage("app_need_photo")
            model = services.model_for(values[self.controls.quality])
            with services.single_photo_running():
                state, result = services.process_photo_files(
                    values[self.photo], values[self.controls.presets] or [], model, **self.settings(values),
                    session=getattr(request, "session_hash", None), progress=progress, checks=True)
        except Exception as exc:  # every failure becomes a message the vendor can act on
            return self.failed(render.friendly(exc, lang_value))
        return self.show(state, result.photo, lang_value, start)

    def run_touch(self, values, request: gr.Request, progress=gr.Progress()):
        lang_value = lang_of(values[self.lang])
        start = time.perf_counter()
        try:
            photo = services.unpark_photo(values[self.last_result])
            if photo is None:
                raise AppMessage("app_touch_need_result")
            keep, remove = services.stroke_masks(values[self.touch.editor], photo.size)
            model = services.model_for(values[self.controls.quality])
            names = values[self.controls.presets] or []
            progress(0.3, desc=t("app_touch_progress", lang_value))
            with services.single_photo_running():
                state, touched = services.touch_up_files(photo, keep, remove, names, model,
                                                         **self.settings(values),
                                                         stem=services.safe_stem(values[self.photo] or "foto"),
                                                         checks=True)
        except Exception as exc:
            return self.failed(render.friendly(exc, lang_value), touched=True)
        # A preview first: the cut the vendor has now stays until "Pakai hasil ini".
        tc = self.touch
        text = t("app_touch_preview_ready", lang_value, seconds=render.num(time.perf_counter() - start, lang_value))
        parked = services.park_photo(touched.photo, Path(state["before"]).parent)  # on disk, as the result's
        return {tc.preview_box: gr.update(visible=True), tc.preview: services.touch_view(touched.photo),
                tc.pending: (state, parked), tc.status: render.done_html(text)}

    def apply_touch(self, values, request: gr.Request):
        """The previewed touch-up replaces the cut; the one before it can be brought back (undo)."""
        lang_value = lang_of(values[self.lang])
        pending, tc = values[self.touch.pending], self.touch
        if not pending or values[self.last_result] is None:
            return {tc.preview_box: gr.update(visible=False), tc.pending: None}
        state, parked = pending
        photo = services.unpark_photo(parked)
        if photo is None:  # swept with the cache
            return self.failed(t("app_touch_need_result", lang_value), touched=True)
        history = values[tc.history] or {"undo": [], "redo": []}
        history = {"undo": (history["undo"] + [(values[self.result_state], values[self.last_result])])[-HISTORY_MAX:],
                   "redo": []}
        names = values[self.controls.presets] or []
        services.remember_cutout(getattr(request, "session_hash", None), values[self.photo], load_presets(names),
                                 services.model_for(values[self.controls.quality]), photo)
        return (self.show(state, photo, lang_value, None, touched=True, parked=parked)
                | self.history_updates(history))

    def discard_touch(self):
        return {self.touch.preview_box: gr.update(visible=False), self.touch.pending: None, self.touch.status: ""}

    def undo_touch(self, values, request: gr.Request):
        return self.step_history(values, request, back=True)

    def redo_touch(self, values, request: gr.Request):
        return self.step_history(values, request, back=False)

    def step_history(self, values, request, back: bool):
        """Undo (``back``) or redo an applied touch-up: the cut-out and its downloads as they were."""
        lang_value = lang_of(values[self.lang])
        tc = self.touch
        history = values[tc.history] or {"undo": [], "redo": []}
        source, target = ("undo", "redo") if back else ("redo", "undo")
        if not history[source] or values[self.last_result] is None:
            return self.history_updates(history)
        state, parked = history[source][-1]
        photo = services.unpark_photo(parked)
        if photo is None:  # swept with the cache
            return self.failed(t("app_touch_need_result", lang_value), touched=True)
        history = {source: history[source][:-1],
                   target: (history[target] + [(values[self.result_state], values[self.last_result])])[-HISTORY_MAX:]}
        names = values[self.controls.presets] or []
        services.remember_cutout(getattr(request, "session_hash", None), values[self.photo], load_presets(names),
                                 services.model_for(values[self.controls.quality]), photo)
        key = "app_touch_undone" if back else "app_touch_redone"
        return (self.show(state, photo, lang_value, None, touched=True, message=t(key, lang_value), parked=parked)
                | self.history_updates(history))

    def history_updates(self, history: dict) -> dict:
        tc = self.touch
        return {tc.history: history, tc.undo_btn: gr.update(visible=bool(history["undo"])),
                tc.redo_btn: gr.update(visible=bool(history["redo"]))}

    def show(self, state, photo, lang_value, start, touched=False, message: str | None = None,
             parked: dict | None = None) -> dict:
        """The result on screen; the session keeps ``parked`` (the cut-out's record on disk, made here
        when not given), never the photo itself."""
        entries = state["outputs"]
        seconds = time.perf_counter() - start if start is not None else None
        done = message or (t("app_touch_applied", lang_value) if touched else
                           t("app_done", lang_value, seconds=render.num(seconds, lang_value)))
        updates = {
            self.status: render.photo_verdict(entries, seconds, state.get("model"), lang_value,
                                              note=done if touched or message else None),
            self.slider: gr.update(value=(entries[0].get("before", state["before"]), entries[0]["path"]), visible=True),
            self.view: gr.update(choices=render.view_choices(entries, lang_value), value=0, visible=len(entries) > 1),
            self.result_state: state,
            self.last_result: parked or services.park_photo(photo, Path(state["before"]).parent),
            **self.render_result(state, lang_value),
        }
        view = services.touch_view(photo)
        updates[self.touch.box] = gr.update(visible=True)
        updates[self.touch.editor] = gr.update(value={"background": view, "layers": [], "composite": None},
                                               height=services.touch_height(view.size))
        updates[self.touch.status] = render.done_html(done) if touched else ""
        updates[self.touch.preview_box] = gr.update(visible=False)
        updates[self.touch.pending] = None
        if not touched:  # a new photo: nothing to undo
            updates |= self.history_updates({"undo": [], "redo": []})
        return updates

    def failed(self, message: str, touched: bool = False) -> dict:
        """The message where the vendor is looking. A failed photo leaves no earlier result to
        download as if it were this one's; a failed touch-up keeps the result it started from."""
        if touched and self.touch:
            return {self.touch.status: alert(message)}
        return self.cleared() | {self.status: alert(message)}

    def on_new_photo(self, path, lang_value) -> dict:
        """A new photo (or none): the last product's result goes; a photo the browser cannot
        show (HEIC) gets a JPEG preview, a file that is no photo is said so at once."""
        updates = self.cleared()
        if not path:
            return updates
        try:
            viewable = services.viewable_upload(path)
        except Exception as exc:
            return updates | {self.photo: None, self.status: alert(render.friendly(exc, lang_of(lang_value)))}
        return updates | ({self.photo: viewable} if viewable != path else {})

    def cleared(self) -> dict:
        """No result: what was shown belonged to another photo (or to none)."""
        updates = {self.status: "", self.slider: gr.update(value=None, visible=False),
                   self.view: gr.update(choices=[], value=None, visible=False), self.result_state: None,
                   self.last_result: None, **self.render_result(None, None)}
        updates |= {self.touch.box: gr.update(visible=False, open=False),
                    self.touch.editor: gr.update(value=None), self.touch.status: "",
                    self.touch.preview_box: gr.update(visible=False), self.touch.pending: None,
                    **self.history_updates({"undo": [], "redo": []})}
        return updates

    def render_result(self, state, lang_value) -> dict:
        lang_value = lang_of(lang_value)
        entries = (state or {}).get("outputs", [])
        shared = render.shared_checks(entries, lang_value)
        first = render.entry_title(entries[0], lang_value) if entries else None
        updates = {}
        for i, card in enumerate(self.cards):
            if i < len(entries):
                e = entries[i]
                checks = (render.checks_md(e, lang_value) if i == 0 else
                          render.checks_md(e, lang_value, shared=shared, first=first))
                updates |= {card.card: gr.update(visible=True),
                            card.line: gr.update(value=render.compliance_md(e, lang_value)
                                                 + check.ready_md(e, lang_value)),  # issue 22
                            card.checks: gr.update(value=checks),
                            card.download: gr.update(value=e["path"], label=render.download_label(e, lang_value))}
            else:
                updates |= {card.card: gr.update(visible=False), card.line: gr.update(value=""),
                            card.checks: gr.update(value=""), card.download: gr.update(value=None)}
        return updates

    @staticmethod
    def on_view(index, state):
        entries = (state or {}).get("outputs", [])
        if index is None or not entries or index >= len(entries):
            return gr.update()
        return (entries[index].get("before", state["before"]), entries[index]["path"])

    # --- Language -----------------------------------------------------------------------------

    def relabel_inputs(self) -> set:
        return {self.controls.presets, self.controls.bg_mode, self.result_state}

    def relabel_outputs(self) -> list:
        return [self.controls.bg_mode, self.view, *self.card_components()]

    def relabel(self, values: dict, lang: str) -> dict:
        """The results already shown, in ``lang``."""
        state = values[self.result_state]
        entries = (state or {}).get("outputs", [])
        updates = self.controls.relabel(values, lang) | self.render_result(state, lang)
        updates[self.view] = gr.update(choices=render.view_choices(entries, lang)) if entries else gr.update()
        return updates


# --- Layout ---------------------------------------------------------------------------------


def build(T: Texts, lang: gr.Radio) -> PhotoTab:
    lang0 = T.lang
    with T(gr.Tab(t("app_tab_photo", lang0), id="photo", elem_id="tab-photo"), label="app_tab_photo"):
        result_state = gr.State(None)
        with gr.Row():
            with gr.Column(min_width=300):
                inputs = _input_column(T)
            with gr.Column(min_width=300):
                results = _result_column(T)
    tab = PhotoTab(lang=lang, result_state=result_state, **inputs, **results)
    tab.wire()
    return tab


def _input_column(T: Texts) -> dict:
    lang0 = T.lang
    photo = T(PhotoInput(label=t("app_photo_label", lang0), type="filepath", image_mode=None,
                         sources=["upload", "webcam"], height=300, elem_id="photo-input",
                         placeholder=t("app_photo_placeholder", lang0)),
              label="app_photo_label", placeholder="app_photo_placeholder")
    controls = output_controls(T, lang0, id_prefix="")
    run_btn = T(gr.Button(t("app_process_button", lang0), variant="primary", elem_id="process-btn",
                          elem_classes=["etalase-big"]),
                value="app_process_button")
    busy = busy_box("photo-busy")
    clear_btn = clear_button("photo-clear")
    with T(gr.Accordion(t("app_advanced_label", lang0), open=False, elem_id="advanced"), label="app_advanced_label"):
        advanced = _advanced(T)
    return {"photo": photo, "controls": controls, "run_btn": run_btn, "busy": busy, "clear_btn": clear_btn, **advanced}


def _advanced(T: Texts) -> dict:
    """Lighting (automatic, or each setting by hand) and the shadow."""
    lang0 = T.lang
    light_auto = T(gr.Checkbox(True, label=t("app_light_auto_label", lang0), info=t("app_light_auto_info", lang0),
                               elem_id="light-auto"),
                   label="app_light_auto_label", info="app_light_auto_info")
    light_controls = {}
    with gr.Column(visible=False) as light_box:
        for name, meta in LIGHT_FIELDS.items():
            default = getattr(LIGHT_DEFAULTS, name)
            keys = {"label": f"app_light_{name}_label", "info": f"app_light_{name}_info"}
            if isinstance(default, bool):
                comp = gr.Checkbox(default, label=t(keys["label"], lang0), info=t(keys["info"], lang0))
            else:
                comp = gr.Slider(meta["min"], meta["max"], value=default, step=0.05, label=t(keys["label"], lang0),
                                 info=t(keys["info"], lang0))
            light_controls[name] = T(comp, **keys)
    shadow_style = T(gr.Radio(shadow_choices(lang0), value="preset", label=t("app_shadow_label", lang0),
                              info=t("app_shadow_info", lang0), elem_id="shadow"),
                     label="app_shadow_label", info="app_shadow_info", choices=shadow_choices)
    shadow_opacity = T(gr.Slider(0.0, 1.0, value=ShadowSettings().opacity, step=0.05,
                                 label=t("app_shadow_opacity_label", lang0), visible=False),
                       label="app_shadow_opacity_label")
    return {"light_auto": light_auto, "light_box": light_box, "light_controls": light_controls,
            "shadow_style": shadow_style, "shadow_opacity": shadow_opacity}


def _result_column(T: Texts) -> dict:
    lang0 = T.lang
    status = gr.Markdown("", elem_id="status")
    slider = T(gr.ImageSlider(label=t("app_result_label", lang0), type="filepath", interactive=False,
                              elem_id="slider", max_height=520, visible=False, buttons=["fullscreen"]),
               label="app_result_label")
    view = T(gr.Radio([], label=t("app_view_label", lang0), visible=False, elem_id="view"), label="app_view_label")
    cards = [_output_card(i, lang0) for i in range(len(PRESET_NAMES))]
    # Where the last cut-out photo was put (the touch-up re-cuts it); gone with the cache's files.
    last_result = gr.State(None, time_to_live=CACHE_MAX_AGE_S)
    touch = _touch_box(T)
    return {"status": status, "slider": slider, "view": view, "cards": cards, "last_result": last_result,
            "touch": touch}


def _output_card(i: int, lang0: str) -> OutputCard:
    with gr.Column(visible=False, elem_classes=["output-card"]) as card:
        line = gr.Markdown("", elem_id=f"line-{i}")
        checks = gr.HTML("", elem_id=f"checks-{i}", elem_classes=["etalase-html"])
        download = gr.DownloadButton(t("app_ui_download", lang0), variant="primary",
                                     elem_id=f"download-{i}")
    return OutputCard(card, line, checks, download)


def _touch_box(T: Texts) -> Touch:
    lang0 = T.lang
    with T(gr.Accordion(t("app_touch_title", lang0), open=False, visible=False, elem_id="touch"),
           label="app_touch_title") as box:
        T(gr.Markdown(t("app_touch_help", lang0), elem_id="touch-help"), value="app_touch_help")
        mode = T(gr.Radio(touch_choices(lang0), value="keep", show_label=False, label=t("app_touch_mode_label", lang0),
                          container=False, elem_id="touch-mode"),
                 label="app_touch_mode_label", choices=touch_choices)
        editor = T(bounded_image_editor(gr)(  # layers, blobs and their sizes bounded (issue 18)
            type="numpy", image_mode="RGBA", sources=(), transforms=(), layers=False,
            brush=gr.Brush(colors=[TOUCH_KEEP, TOUCH_REMOVE], default_color=TOUCH_KEEP, color_mode="fixed",
                           default_size=TOUCH_BRUSH),
            eraser=gr.Eraser(default_size=TOUCH_BRUSH), label=t("app_touch_editor_label", lang0), show_label=False,
            height=460, buttons=[], elem_id="touch-editor", format="png"),
            label="app_touch_editor_label")
        button = T(gr.Button(t("app_touch_button", lang0), variant="primary", elem_id="touch-btn"),
                   value="app_touch_button")
        busy = busy_box("touch-busy")
        status = gr.Markdown("", elem_id="touch-status")
        with gr.Column(visible=False, elem_id="touch-preview-box") as preview_box:
            preview = T(gr.Image(label=t("app_touch_preview_label", lang0), type="pil", interactive=False,
                                 buttons=[], height=320, elem_id="touch-preview"), label="app_touch_preview_label")
            with gr.Row():
                apply_btn = T(gr.Button(t("app_touch_apply", lang0), variant="primary", elem_id="touch-apply"),
                              value="app_touch_apply")
                discard_btn = T(gr.Button(t("app_touch_discard", lang0), variant="secondary", elem_id="touch-discard"),
                                value="app_touch_discard")
        with gr.Row():
            undo_btn = T(gr.Button(t("app_touch_undo", lang0), variant="secondary", size="sm", visible=False,
                                   elem_id="touch-undo"), value="app_touch_undo")
            redo_btn = T(gr.Button(t("app_touch_redo", lang0), variant="secondary", size="sm", visible=False,
                                   elem_id="touch-redo"), value="app_touch_redo")
    return Touch(box, mode, editor, button, busy, status, preview_box, preview, apply_btn, discard_btn, undo_btn,
                 redo_btn, gr.State(None, time_to_live=CACHE_MAX_AGE_S), gr.State(None, time_to_live=CACHE_MAX_AGE_S))
