"""The "Banyak Foto" tab: many photos (or ZIPs) in, one ZIP with every image and the reports out."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import gradio as gr
from gradio.context import LocalContext

from assistant.i18n import t
from assistant.web import render, services
from assistant.web.config import BATCH_CONCURRENCY
from assistant.web.render import alert, lang_of
from assistant.web.tabs.promo import batch_summary as promo_summary
from assistant.web.widgets import FileInput, OutputControls, Texts, busy_box, busy_js, done_js, output_controls


@dataclass(eq=False)
class BatchTab:
    """The tab's components; its handlers return {component: update}."""

    lang: gr.Radio
    files: FileInput
    controls: OutputControls
    run_btn: gr.Button
    cancel_btn: gr.Button
    busy: gr.HTML
    status: gr.Markdown
    zip: gr.File
    listing: gr.Checkbox | None = None  # "Buat juga set promosi": a listing set per product (promo.batch)
    cancels: dict[str, threading.Event] = field(default_factory=dict)  # session -> its running batch

    def wire(self) -> None:
        self.controls.wire(self.lang)
        c = self.controls
        self.run_btn.click(None, None, None, js=busy_js("batch"), queue=False, api_visibility="private")
        # Its own lane: a batch never holds up someone's single photo (config.BATCH_CONCURRENCY).
        # One progress display, under the button (not one per output).
        self.run_btn.click(
            self.run_batch, [self.files, c.presets, c.quality, c.bg_mode, c.bg_colour, self.lang, self.listing],
            [self.status, self.zip], concurrency_limit=BATCH_CONCURRENCY, concurrency_id="batch",
            api_visibility="private", show_progress="full", show_progress_on=self.busy).then(
            None, None, None, js=done_js("batch"), queue=False, api_visibility="private")
        # New photos: the last batch's summary and ZIP no longer match them.
        self.files.change(lambda: {self.status: "", self.zip: None}, None, [self.status, self.zip], queue=False,
                          api_visibility="private", show_progress="hidden")
        self.cancel_btn.click(self.cancel_batch, None, None, queue=False, api_visibility="private")

    def run_batch(self, files, names, quality_value, mode, colour, lang_value, listing_value, request: gr.Request,
                  progress=gr.Progress()):
        lang_value = lang_of(lang_value)
        start = time.perf_counter()
        cancel = threading.Event()
        session = getattr(request, "session_hash", None) or uuid.uuid4().hex
        self.cancels[session] = cancel

        def report(done: int, total: int, info) -> None:   # a third parameter gets the ETA
            if client_gone():
                cancel.set()  # the tab was closed: the photos in flight finish, the rest are skipped
            services.yield_to_single_photos(cancel)  # between two photos: someone's single photo first
            eta = getattr(info, "eta_s", None)
            if total and done >= total:
                desc = t("app_batch_progress_zip", lang_value, done=done, total=total)
            else:
                left = render.duration(eta, lang_value) if eta is not None else "…"
                desc = t("app_batch_progress", lang_value, done=done, total=total, left=left)
            progress((done, total), unit="foto" if lang_value == "id" else "photos", desc=desc)

        try:
            progress(0, desc=t("app_batch_progress_start", lang_value, total=len(files or [])))
            zip_path, result = services.run_batch_files(
                files or [], names or [], services.model_for(quality_value), services.background_for(mode, colour),
                lang_value, progress=report, cancel=cancel, listing=bool(listing_value),
                listing_progress=lambda done, total: progress(
                    (done, total), desc=t("promo_batch_progress", lang_value, done=done, total=total)))
        except Exception as exc:
            return {self.status: alert(render.friendly(exc, lang_value)), self.zip: None}
        finally:
            self.cancels.pop(session, None)
        summary = render.batch_summary_md(result, time.perf_counter() - start, lang_value)
        return {self.status: summary + promo_summary(getattr(result, "listing", None), lang_value), self.zip: zip_path}

    def cancel_batch(self, request: gr.Request):
        event = self.cancels.get(getattr(request, "session_hash", None) or "")
        if event is not None:
            event.set()

    def relabel_inputs(self) -> set:
        return {self.controls.presets, self.controls.bg_mode}

    def relabel_outputs(self) -> list:
        return [self.controls.bg_mode]

    def relabel(self, values: dict, lang: str) -> dict:
        return self.controls.relabel(values, lang)


def build(T: Texts, lang: gr.Radio) -> BatchTab:
    lang0 = T.lang
    with T(gr.Tab(t("app_tab_batch", lang0), id="batch", elem_id="tab-batch"), label="app_tab_batch"):
        T(gr.Markdown(t("app_batch_intro", lang0)), value="app_batch_intro")
        with gr.Row():
            with gr.Column(min_width=300):
                files = T(FileInput(file_count="multiple", label=t("app_batch_files_label", lang0),
                                    file_types=["image", ".zip", ".heic", ".heif", ".avif"],
                                    elem_id="batch-files", height=160),
                          label="app_batch_files_label")
                controls = output_controls(T, lang0, id_prefix="batch-")
                listing = T(gr.Checkbox(False, label=t("promo_batch_option", lang0), elem_id="batch-listing",
                                        info=t("promo_batch_option_info", lang0)),
                            label="promo_batch_option", info="promo_batch_option_info")
                run_btn = T(gr.Button(t("app_batch_button", lang0), variant="primary", elem_id="batch-btn",
                                      elem_classes=["etalase-big"]), value="app_batch_button")
                cancel_btn = T(gr.Button(t("app_batch_cancel", lang0), variant="secondary", size="sm",
                                         elem_id="batch-cancel"), value="app_batch_cancel")
                busy = busy_box("batch-busy")
            with gr.Column(min_width=300):
                status = gr.Markdown("", elem_id="batch-status")
                zip_file = T(gr.File(label=t("app_batch_zip_label", lang0), interactive=False, height=120,
                                     elem_id="batch-zip"), label="app_batch_zip_label")
    tab = BatchTab(lang, files, controls, run_btn, cancel_btn, busy, status, zip_file, listing)
    tab.wire()
    return tab


def client_gone() -> bool:
    """Whether the browser that started the running event went away (gradio marks the job
    dead when its stream closes, but lets the function run on): a long handler checks this
    between photos and stops, so a closed tab does not hold the worker (issue 18)."""
    blocks, event_id = LocalContext.blocks.get(None), LocalContext.event_id.get(None)
    queue = getattr(blocks, "_queue", None)
    if queue is None or not event_id:
        return False
    for jobs in list(getattr(queue, "active_jobs", ()) or ()):
        for job in list(jobs or ()):
            if getattr(job, "_id", None) == event_id:
                return not job.alive
    return False
