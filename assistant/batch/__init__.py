"""Many photos in, one image per photo and preset out, with a report row for each.

``run_batch`` is what ``python -m assistant process`` and the app's Batch tab call:

* **Inputs**: files, folders (recursive) and zip archives (opened by ``archive``: bad entries
  are refused one by one, the good ones processed). The first folder level below an input
  folder is the *vendor*; it stays in the output paths, the contact sheet and the zips.
* **One photo, one segmentation**, however many presets.
* **Stages overlap** (local engine): worker threads read, hash and decode the next photos and
  encode and write the finished ones while the model runs on the current one; bounded
  queues keep memory flat whatever the batch size.
* **Resumable**: ``<out>/.etalase/journal.jsonl`` holds one line per finished photo, keyed by
  the input's content hash and the recipe (presets, model, background, code version). A
  rerun reuses what is done and still on disk and redoes what changed. Outputs are written
  under a temporary name and renamed (``write_atomic``), so a kill never leaves half an image.
* **Layout, shaped for handing back**: ``<vendor>/<marketplace>/<photo>`` (a photo without a
  vendor: ``<marketplace>/<photo>``); marketplaces that get byte-identical images share one
  file in a folder named after both (``umum+tokopedia/``). ``<vendor>/upload/<preset>.csv`` are
  the vendor's bulk-upload sheets (SKU and images in order). ``zips/<vendor>.zip`` is the
  vendor's folder, nothing else; ``all-outputs.zip`` holds every folder and the reports.
* **Report**: ``report.csv`` (one row per input and preset; headers and status words in the
  report's language, the check codes in their own column, no timings, no server folders),
  ``report.html`` (a contact sheet per vendor, thumbnails in ``thumbs/``, inlined in the zip).
* **Scale-out**: ``engine="dask"`` sends the same per-photo function (``process_bytes``) to a
  Dask cluster; outputs and journal stay on this machine.
"""


from __future__ import annotations

import errno
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.batch.engines import (BatchProgress, _Tracker, _opencv_single_threaded, progress_caller, _run_dask,
                                     _run_local, default_jobs)
from assistant.batch.inputs import ReportRow, _skip_row, collect_jobs
from assistant.batch.journal import Journal, Record, _record_from_entry, _still_valid
from assistant.batch.naming import (DEFAULT_NAME, Plan, check_name_pattern, load_sku_map, plan_outputs,
                                    render_name)
from assistant.batch.recipe import Recipe, code_version
from assistant.batch.reports import (_clean_thumbs, _rows_for, write_all_zip, write_html_report,
                                     write_report, write_upload_sheets, write_vendor_zips)
from assistant import safety
from assistant.errors import AssistantError
from assistant.i18n import t
from assistant.models import registry
from assistant.pipeline import refuse_output_inside
from assistant.presets import Preset, load_presets


__all__ = ["BatchProgress", "BatchResult", "check_name_pattern", "collect_jobs", "default_jobs", "render_name",
           "run_batch"]

# photo errors that are the machine's (internal errors are Record.internal; the scheduler and
# Dask errors stop the whole run before any photo)
_MACHINE_ERRORS = ("model_", "batch_worker_", "batch_cluster")

# --------------------------------------------------------------------------- the batch

@dataclass
class BatchResult:
    """What ``run_batch`` made. Iterating it (or ``len``/indexing) gives the report rows."""

    rows: list[ReportRow]
    out_dir: Path
    report_csv: Path
    report_html: Path
    zip_path: Path | None  # all outputs, the report and the upload sheets in one zip
    vendor_zips: dict[str, Path]
    upload_sheets: dict[str, dict[str, Path]]  # vendor -> preset -> <vendor>/upload/<preset>.csv
    photos: int
    processed: int  # photos run through the pipeline this time
    resumed: int  # photos the journal said were done
    failed: int  # photos (not rows) with an error
    seconds: float
    records: list[Record] = field(default_factory=list)  # one per photo: thumbnails, outputs, notices

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def _clean_parts(out_dir: Path) -> None:
    """Temporary ``.name.etalase-XXXXXXXX.part`` files a killed run left behind: only ours
    (``safety.is_our_temp``), never someone's ``.draft.doc.part``."""
    if not out_dir.is_dir():
        return
    for path in out_dir.rglob(".*.part"):
        if path.is_file() and safety.is_our_temp(path.name):
            try:
                path.unlink()
            except OSError:
                pass


def _refuse_input_inside_output(out_dir: Path, inputs: list[Path]) -> None:
    out = Path(os.path.realpath(out_dir))
    for src in inputs:
        real = Path(os.path.realpath(src))
        if src.exists() and (real == out or out in real.parents):
            raise AssistantError("batch_input_inside_output", out=str(out_dir), input=str(src))


def run_batch(inputs: Iterable[str | Path], out_dir: str | Path, presets: list[str] | str,
              model: str | None = None, background: str | None = None, lang: str | None = None,
              progress: Callable[..., None] | None = None, *, jobs: int | None = None,
              name: str | None = None, sku_map: str | Path | None = None, engine: str = "local",
              scheduler=None, zips: str | Iterable[str] = ("vendor", "all"), redo: bool = False,
              cancel: threading.Event | None = None, redo_only: Iterable[str] | None = None) -> BatchResult:
    """Process every input to every preset; a bad input costs only its own rows.

    ``progress(done, total)`` is called after each photo (and once with 0 at the start); a
    callback taking a third argument also gets a ``BatchProgress`` (rate, time left).
    ``name``: output path pattern (fields: {preset} {path} {dir} {vendor} {stem} {name} {sku} {n}),
    default ``{preset}/{path}``. ``sku_map``: CSV of file name to SKU. ``engine``: ``local`` or
    ``dask`` (``scheduler``: an address such as ``tcp://10.0.0.5:8786`` or a ``distributed.Client``).
    ``zips``: ``vendor`` and/or ``all``. ``redo``: ignore the journal. ``cancel``: an event
    that stops the batch after the photos in flight (the rest are reported as skipped).
    ``redo_only``: the inputs (``ReportRow``/``Record`` relative paths) to process again with this
    call's settings; every other photo is kept as the journal has it, whatever settings made it
    (the app's "redo this photo" after switching to the careful cut).
    """
    started = time.perf_counter()
    chosen: list[Preset] = load_presets(presets)
    model_name = registry.model_info(model).name
    pattern = check_name_pattern(name) if name else DEFAULT_NAME
    skus = load_sku_map(sku_map) if sku_map else None
    if engine not in ("local", "dask"):
        raise AssistantError("batch_engine_unknown", engine=engine)
    if engine == "dask" and not scheduler:
        raise AssistantError("batch_scheduler_needed")
    zip_kinds = {z.strip() for z in (zips.split(",") if isinstance(zips, str) else zips) if z.strip()}
    if zip_kinds - {"vendor", "all", "none"}:
        raise AssistantError("batch_zip_kind", value=",".join(sorted(zip_kinds)))
    out_dir = Path(out_dir)
    inputs = [Path(i) for i in inputs]
    refuse_output_inside(out_dir, inputs)
    _refuse_input_inside_output(out_dir, inputs)
    jobs_n = max(1, int(jobs or default_jobs()))
    if engine == "local":  # one clear message (missing or corrupt), not one per photo
        registry.verify(model_name)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".etalase-write-test.{os.getpid()}"  # read-only or full: say so now
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise AssistantError("hardening_out_unwritable", name=safety.as_text(out_dir.name or str(out_dir)),
                             reason=errno.errorcode.get(exc.errno or 0, "")) from None
    _clean_parts(out_dir)

    found, extra_rows = collect_jobs(inputs)
    plans, clashes = plan_outputs(found, chosen, pattern, background, skus)
    recipe = Recipe(tuple(chosen), model_name, background, code_version())
    recipe_key = recipe.key()
    journal = Journal(out_dir)
    again = None if redo_only is None else {str(r) for r in redo_only}
    records: list[Record] = []
    for job, other in clashes:
        records.append(Record(job.display, job.relative.as_posix(), job.vendor, "", job.index, "", "error",
                              ["batch_name_clash", {"name": job.relative.as_posix(), "other": other,
                                                    "pattern": pattern}], index=job.index))
    tracker = _Tracker(len(found), progress_caller(progress))
    tracker.emit()
    for record in records:
        tracker.step(record)

    def done(record: Record) -> None:
        """One photo finished (on the calling thread): journal it, count it, report progress.
        An error that is the machine's, not the photo's (a model, a worker, a bug), is not
        journaled: the next run tries that photo again."""
        machine_error = record.internal or (record.error and record.error[0].startswith(_MACHINE_ERRORS))
        if record.key and not record.resumed and not machine_error:
            journal.add(record)
        records.append(record)
        tracker.step(record)

    def prepare(plan: Plan) -> tuple[str, bytes] | Record:
        """Read and hash an input: its bytes and journal key, or a Record when the journal
        says it is done (or it cannot be read)."""
        job = plan.job
        try:
            data = job.read()
        except AssistantError as exc:
            return Record(job.display, job.relative.as_posix(), job.vendor, plan.sku, plan.order, "",
                          "error", [exc.code, dict(exc.params)], index=job.index)
        key = hashlib.sha256(data).hexdigest()[:32] + ":" + recipe_key
        if again is not None:  # redo these, keep the others as they were made
            entry = None if job.relative.as_posix() in again else journal.latest(job.relative.as_posix())
        else:
            entry = None if redo else journal.find(job.relative.as_posix(), key)
        if entry is not None and _still_valid(entry, plan, out_dir):
            return _record_from_entry(entry, plan, out_dir)
        return key, data

    try:
        if engine == "local":
            with _opencv_single_threaded():
                _run_local(plans, prepare, recipe, out_dir, jobs_n, done, cancel)
        else:
            _run_dask(plans, prepare, recipe, out_dir, scheduler, jobs, done, cancel)
    finally:
        for listing in {id(j.listing): j.listing for j in found if j.listing}.values():
            listing.close()
        journal.close(keep={(r.relative, r.key) for r in records if r.key})

    finished = {r.index for r in records}
    for plan in plans:  # cancelled before they started
        if plan.job.index not in finished:
            extra_rows.append(_skip_row(plan.job.display, plan.job.relative, "batch_cancelled", {}, "skipped",
                                        plan.job.index))
    order = {p.name: i for i, p in enumerate(chosen)}
    rows: list[ReportRow] = []
    for record in records:
        rows.extend(_rows_for(record, chosen, lang))
    for row in extra_rows:
        row.message = t(row.code, lang, **row.params)
        row.warnings = row.code
        rows.append(row)
    rows.sort(key=lambda r: (r.index, order.get(r.preset, -1)))
    records.sort(key=lambda r: r.index)

    try:
        write_report(out_dir / "report.csv", rows, lang)
        sheets = write_upload_sheets(out_dir, records, chosen)
        _clean_thumbs(out_dir, records)
        report_html = out_dir / "report.html"
        write_html_report(report_html, records, rows, chosen, model_name, lang)
        vendor_zips, all_zip = {}, None
        if "vendor" in zip_kinds:
            vendor_zips = write_vendor_zips(out_dir, records, chosen)
        if "all" in zip_kinds:
            all_zip = write_all_zip(out_dir, records, sheets)
    except OSError as exc:  # the disk filled up at the end: a message, not "unexpected error"
        raise AssistantError("hardening_out_unwritable", name=safety.as_text(out_dir.name or str(out_dir)),
                             reason=errno.errorcode.get(exc.errno or 0, "")) from None
    return BatchResult(rows, out_dir, out_dir / "report.csv", report_html, all_zip, vendor_zips, sheets,
                       photos=len(found), processed=tracker.processed, resumed=tracker.resumed,
                       failed=sum(r.status != "ok" for r in records), seconds=time.perf_counter() - started,
                       records=records)


code_version()  # at import, right after the stages were loaded: the hash describes the code running here
