"""The "Banyak Foto" tab: many photos (or ZIPs) in; out one ZIP per vendor (and one with everything and
the reports), a grid of the photos with their verdicts and a "perlu dicek" filter, and one photo redone."""

from __future__ import annotations

import html
import threading
import time
import uuid
from dataclasses import dataclass, field

import gradio as gr
from gradio.context import LocalContext

from assistant.i18n import t
from assistant.web import batch_run, batch_worker, render, services
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
    filter: gr.Radio
    grid: gr.Gallery
    detail: gr.Markdown
    redo_btn: gr.Button
    state: gr.State  # the last run: work folder, downloads, photos; "shown" and "picked" for the grid
    listing: gr.Checkbox  # "Buat juga set promosi": a listing set per product (promo.batch)
    cancels: dict[str, threading.Event] = field(default_factory=dict)  # session -> its running batch

    def wire(self) -> None:
        self.controls.wire(self.lang)
        c = self.controls
        settings = [c.quality, c.bg_mode, c.bg_colour, self.lang]
        results = [self.status, self.zip, self.state, self.grid, self.filter, self.detail, self.redo_btn]
        self.run_btn.click(None, None, None, js=busy_js("batch"), queue=False, api_visibility="private")
        # Its own lane: a batch never holds up someone's single photo (config.BATCH_CONCURRENCY).
        # One progress display, under the button (not one per output).
        self.run_btn.click(
            self.run_batch, [self.files, c.presets] + settings + [self.listing], results, concurrency_limit=BATCH_CONCURRENCY,
            concurrency_id="batch", api_visibility="private", show_progress="full",
            show_progress_on=self.busy).then(None, None, None, js=done_js("batch"), queue=False,
                                             api_visibility="private")
        self.redo_btn.click(
            self.redo_photo, [self.state] + settings, results, concurrency_limit=BATCH_CONCURRENCY,
            concurrency_id="batch", api_visibility="private", show_progress="full", show_progress_on=self.busy)
        # New photos: the last batch's summary, grid and ZIPs no longer match them.
        self.files.change(self.new_files, [self.files, c.quality], results, queue=False, api_visibility="private",
                          show_progress="hidden")
        c.quality.input(self.prepare_worker, [self.files, c.quality], None, queue=False, api_visibility="private",
                         show_progress="hidden")
        self.cancel_btn.click(self.cancel_batch, None, None, queue=False, api_visibility="private")
        self.filter.input(self.show, [self.state, self.filter, self.lang], [self.state, self.grid, self.detail,
                                                                              self.redo_btn],
                           queue=False, api_visibility="private", show_progress="hidden")
        self.grid.select(self.pick, [self.state, self.lang], [self.state, self.detail, self.redo_btn], queue=False,
                         api_visibility="private", show_progress="hidden")

    def new_files(self, files, quality_value) -> dict:
        """New photos: the last run's results go, and the batch's worker starts loading its model."""
        self.prepare_worker(files, quality_value)
        return self.cleared()

    def prepare_worker(self, files, quality_value) -> None:
        if files:
            try:
                batch_worker.prepare(services.model_for(quality_value))
            except services.AppMessage:  # a quality nobody offers: the batch itself says so
                pass

    def cleared(self) -> dict:
        return {self.status: "", self.zip: None, self.state: None, self.grid: gr.update(value=None, visible=False),
                self.filter: gr.update(visible=False), self.detail: "", self.redo_btn: gr.update(visible=False)}

    def _reporter(self, progress, cancel: threading.Event, lang_value: str):
        def report(done: int, total: int, info) -> None:   # a third parameter gets the ETA
            if client_gone():
                cancel.set()  # the tab was closed: the photos in flight finish, the rest are skipped
            eta = getattr(info, "eta_s", None)
            if total and done >= total:
                desc = t("app_batch_progress_zip", lang_value, done=done, total=total)
            else:
                left = render.duration(eta, lang_value) if eta is not None else "…"
                desc = t("app_batch_progress", lang_value, done=done, total=total, left=left)
            progress((done, total), unit="foto" if lang_value == "id" else "photos", desc=desc)
        return report

    def _results(self, run: dict, status: str, lang_value: str) -> dict:
        """The summary, the ZIPs, and the grid of every photo with its verdict."""
        photos = run["photos"]
        run = dict(run, shown=batch_run.shown(photos, "all"), picked=None, which="all")
        return {self.status: status, self.zip: run["downloads"] or None, self.state: run,
                self.grid: gr.update(value=batch_run.grid_items(photos, run["shown"], lang_value) or None,
                                     visible=bool(photos), selected_index=None),
                self.filter: gr.update(choices=batch_run.filter_choices(photos, lang_value), value="all",
                                       visible=bool(photos)),
                self.detail: "", self.redo_btn: gr.update(visible=False)}

    def run_batch(self, files, names, quality_value, mode, colour, lang_value, listing_value, request: gr.Request,
                  progress=gr.Progress()):
        lang_value = lang_of(lang_value)
        start = time.perf_counter()
        cancel = threading.Event()
        session = getattr(request, "session_hash", None) or uuid.uuid4().hex
        self.cancels[session] = cancel
        try:
            progress(0, desc=t("app_batch_progress_start", lang_value, total=len(files or [])))
            run, result = batch_run.run_files(
                files or [], names or [], services.model_for(quality_value), services.background_for(mode, colour),
                lang_value, progress=self._reporter(progress, cancel, lang_value), cancel=cancel,
                listing=bool(listing_value), listing_progress=lambda done, total: progress(
                    (done, total), desc=t("promo_batch_progress", lang_value, done=done, total=total)))
        except Exception as exc:
            return self.cleared() | {self.status: alert(render.friendly(exc, lang_value))}
        finally:
            self.cancels.pop(session, None)
        summary = render.batch_summary_md(result, time.perf_counter() - start, lang_value)
        return self._results(run, summary + promo_summary(getattr(result, "listing", None), lang_value), lang_value)

    def redo_photo(self, run, quality_value, mode, colour, lang_value, progress=gr.Progress()):
        """The picked photo again with the settings now chosen; the others stay as they were."""
        lang_value = lang_of(lang_value)
        if not run or run.get("picked") is None:
            return {self.detail: gr.update()}
        photo = run["photos"][run["picked"]]
        try:
            progress(0, desc=t("app_batch_progress_start", lang_value, total=1))
            new_run, result = batch_run.redo_photo(
                run, photo["relative"], services.model_for(quality_value), services.background_for(mode, colour),
                lang_value, progress=self._reporter(progress, threading.Event(), lang_value))
        except Exception as exc:
            return {self.detail: alert(render.friendly(exc, lang_value))}
        summary = render.batch_summary_md(result, result.seconds, lang_value)
        done = t("batch_app_redo_done", lang_value, name=html.escape(photo["relative"].rsplit("/", 1)[-1]))
        return self._results(new_run, done + "\n\n" + summary, lang_value)

    def show(self, run, which, lang_value) -> dict:
        """The filter: every photo, or only those that want a look ("perlu dicek") or failed."""
        if not run:
            return {self.state: run, self.grid: gr.update(), self.detail: "", self.redo_btn: gr.update(visible=False)}
        lang_value = lang_of(lang_value)
        run = dict(run, shown=batch_run.shown(run["photos"], which), picked=None, which=which)
        return {self.state: run, self.grid: gr.update(value=batch_run.grid_items(run["photos"], run["shown"],
                                                                                 lang_value) or None,
                                                      selected_index=None),
                self.detail: "", self.redo_btn: gr.update(visible=False)}

    def pick(self, run, lang_value, evt: gr.SelectData) -> dict:
        """A photo tapped in the grid: its verdict and messages, and the button to redo it."""
        shown_ = (run or {}).get("shown") or []
        if evt.index is None or not isinstance(evt.index, int) or evt.index >= len(shown_):
            return {self.state: run, self.detail: "", self.redo_btn: gr.update(visible=False)}
        index = shown_[evt.index]
        run = dict(run, picked=index)
        return {self.state: run, self.detail: batch_run.photo_detail_md(run["photos"][index], lang_of(lang_value)),
                self.redo_btn: gr.update(visible=True)}

    def cancel_batch(self, request: gr.Request):
        event = self.cancels.get(getattr(request, "session_hash", None) or "")
        if event is not None:
            event.set()

    def relabel_inputs(self) -> set:
        return {self.controls.presets, self.controls.bg_mode, self.state}  # not the filter: before a batch it
        # has no choices, and Gradio refuses a Radio's value outside them (the whole switch would fail)

    def relabel_outputs(self) -> list:
        return [self.controls.bg_mode, self.filter, self.detail]

    def relabel(self, values: dict, lang: str) -> dict:
        """The background choices, and after a batch the filter's choices and the picked photo's
        detail in ``lang`` (the grid's captions are marks and names: no words to change)."""
        updates = self.controls.relabel(values, lang)
        run = values.get(self.state)
        if run and run.get("photos"):
            updates[self.filter] = gr.update(choices=batch_run.filter_choices(run["photos"], lang),
                                             value=run.get("which") or "all")
            picked = run.get("picked")
            updates[self.detail] = batch_run.photo_detail_md(run["photos"][picked], lang) if picked is not None else ""
        return updates


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
                zip_file = T(gr.File(label=t("batch_app_zips_label", lang0), file_count="multiple", interactive=False,
                                     elem_id="batch-zip"), label="batch_app_zips_label")
                filter_ = T(gr.Radio([], value=None, label=t("batch_app_filter_label", lang0), elem_id="batch-filter",
                                     info=t("batch_app_legend", lang0), visible=False),
                            label="batch_app_filter_label", info="batch_app_legend")
                # no label over the pictures: the filter above says what the marks mean
                grid = T(gr.Gallery(label=t("batch_app_grid_label", lang0), show_label=False, columns=3,
                                    height="auto", allow_preview=False, object_fit="contain", buttons=[],
                                    visible=False, elem_id="batch-grid"), label="batch_app_grid_label")
                detail = gr.Markdown("", elem_id="batch-detail")
                redo_btn = T(gr.Button(t("batch_app_redo_button", lang0), variant="secondary", visible=False,
                                       elem_id="batch-redo"), value="batch_app_redo_button")
        state = gr.State(None)  # inside the tab: a component placed among the tabs shifts their labels
    tab = BatchTab(lang, files, controls, run_btn, cancel_btn, busy, status, zip_file, filter_, grid, detail,
                   redo_btn, state, listing)
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
