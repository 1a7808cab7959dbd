"""Etalase's web app: phone photos in, marketplace-ready listing images out.

UI only: every widget maps to a call into the ``assistant`` API, and every
``AssistantError`` becomes a friendly message in the vendor's language. No image logic
lives here.

Run: ``python app.py [--host 127.0.0.1] [--port 7860]`` (or ``ETALASE_HOST`` /
``ETALASE_PORT``). Other settings, all optional, from the environment:

- ``ETALASE_CACHE_DIR``: the app's own cache folder (uploads and outputs; the only
  folder the server serves files from). Default: ``<tmp>/etalase-app``.
- ``ETALASE_CACHE_MAX_AGE_S``: uploads and outputs are deleted this long after they
  were written (default 3600). Keep it well above the longest queue wait, or an upload
  can expire while its request is still queued.
- ``ETALASE_CONCURRENCY``: photos processed at the same time (default: half the CPU
  cores, 1 to 4); further requests wait in the queue and see their position.
- ``ETALASE_QUEUE_MAX``: requests that may wait (default 64).
- ``ETALASE_MAX_BATCH_FILES``: photos per batch run (default 200).
- ``ETALASE_WARM``: models loaded in the background at start (default: both).
- ``ETALASE_LANG``: the default language (``id`` or ``en``; default ``id``).
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import importlib
import logging
import math
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent


def _env_int(name: str, default: int, lo: int = 1) -> int:
    try:
        return max(lo, int(os.environ.get(name, default)))
    except ValueError:
        return default


# The app's cache must be its own folder, chosen before Gradio reads GRADIO_TEMP_DIR:
# Gradio serves uploaded and generated files from there and from nowhere else.
CACHE_DIR = Path(os.environ.get("ETALASE_CACHE_DIR")
                 or Path(tempfile.gettempdir()) / "etalase-app").resolve()
CACHE_DIR.mkdir(parents=True, exist_ok=True)
os.environ["GRADIO_TEMP_DIR"] = str(CACHE_DIR)
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: no telemetry calls

CACHE_MAX_AGE_S = _env_int("ETALASE_CACHE_MAX_AGE_S", 3600)
CACHE_SWEEP_S = max(1, min(300, CACHE_MAX_AGE_S // 4))
MAX_UPLOAD_MB = 25
MAX_UPLOAD_TOTAL_MB = _env_int("ETALASE_MAX_UPLOAD_TOTAL_MB", 1000)
MAX_BATCH_FILES = _env_int("ETALASE_MAX_BATCH_FILES", 200)
_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
CONCURRENCY = _env_int("ETALASE_CONCURRENCY", max(1, min(4, _CPUS // 2)))
QUEUE_MAX = _env_int("ETALASE_QUEUE_MAX", 64)
OUT_ROOT = CACHE_DIR / "etalase-out"  # finished images, served for download
WORK_ROOT = CACHE_DIR / "etalase-work"  # batch inputs and outputs while a batch runs

import gradio as gr  # noqa: E402  (after GRADIO_TEMP_DIR is set)
from gradio import processing_utils  # noqa: E402
from gradio_client import utils as client_utils  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402

import assistant  # noqa: E402
from assistant import AssistantError, batch, models, pipeline, segment  # noqa: E402
from assistant.i18n import LANGUAGES, default_language, t  # noqa: E402
from assistant.presets import LightingSettings, ShadowSettings, field_help, list_presets, load_preset, load_presets  # noqa: E402

log = logging.getLogger("etalase.app")


def _optional(module: str, *names: str):
    """The module when it exists and has ``names``; None otherwise (its tab stays out)."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    except Exception:  # a module that is there but broken must not take the app down
        log.exception("optional module %s failed to import", module)
        return None
    return mod if all(hasattr(mod, n) for n in names) else None


# Features that land later. Each part of the UI is built only when its function exists
# (never an empty placeholder); the hooks in build_app say where each one goes:
# CHECKS: a photo-quality line per result (check_photo results: .check .status .value .tip(lang)).
# MOCKUP: the "Kemasan" tab, between "Banyak Foto" and "Panduan".
# TOUCH_UP: keep/remove brushes under the result; re-frames via process(photo.with_(alpha=...)),
#           the cut-out photo is already kept per session in _cutouts.
CHECKS = _optional("assistant.checks_runner", "check_photo")
MOCKUP = _optional("assistant.stages.mockup", "render_mockup", "label_from_photo", "label_from_brand", "add_badge")
TOUCH_UP = _optional("assistant.stages.cutout", "touch_up")

PRESET_NAMES = list_presets()
DEFAULT_PRESET = "umum" if "umum" in PRESET_NAMES else PRESET_NAMES[0]
QUALITY = {"isnet-general-use": "app_quality_best", "u2netp": "app_quality_fast"}
QUALITY_ALIASES = {"kualitas": "isnet-general-use", "quality": "isnet-general-use", "isnet": "isnet-general-use",
                   "isnet-general-use": "isnet-general-use", "cepat": "u2netp", "fast": "u2netp", "u2netp": "u2netp"}
SHADOW_CHOICES = ("preset",) + ShadowSettings.__dataclass_fields__["style"].metadata["choices"]
LIGHT_FIELDS = field_help(LightingSettings)
LIGHT_DEFAULTS = LightingSettings()
GUIDE_FIELDS = ("size", "format", "max_bytes", "min_side", "background", "fill", "transparent_allowed",
                "overlays_allowed", "shadow_allowed")


def default_model() -> str:
    """ISNet ("Kualitas") when installed, else u2netp ("Cepat")."""
    for name in (models.DEFAULT_MODEL, models.FAST_MODEL):
        if models.is_installed(name):
            return name
    return models.DEFAULT_MODEL


# --- Small helpers: language, numbers, messages ----------------------------------------------


def _lang(lang: str | None) -> str:
    return lang if lang in LANGUAGES else default_language()


def _num(x: float, lang: str, digits: int = 1) -> str:
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else str(round(x))
    return text.replace(".", ",") if lang == "id" else text


def _bytes(n: int, lang: str) -> str:
    if n >= 1_000_000:
        return f"{_num(n / 1e6, lang)} MB"
    if n >= 1_000:
        return f"{round(n / 1e3)} KB"
    return f"{n} B"


def _duration(seconds: float, lang: str) -> str:
    if seconds < 60:
        return t("app_time_seconds", lang, n=max(1, round(seconds)))
    if seconds < 3600:
        return t("app_time_minutes", lang, n=math.ceil(seconds / 60))
    return t("app_time_hours", lang, n=_num(seconds / 3600, lang))


class AppMessage(Exception):
    """A problem found by the app itself (not the library), shown like an AssistantError."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(key)

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.params)


def _friendly(exc: BaseException, lang: str) -> str:
    """The vendor-facing message for any failure, HTML-escaped (file names are user input)."""
    if isinstance(exc, (AssistantError, AppMessage)):
        text = exc.message(lang)
    else:
        log.exception("unexpected error", exc_info=exc)
        text = t("app_unexpected_error", lang)
    return html.escape(text, quote=False)


def _alert(text: str) -> str:
    return f"<div class='etalase-alert' role='alert'>⚠ {text}</div>"


def _safe_stem(path: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(path).stem).strip("-")[:40]
    return stem or "foto"


def _new_dir(root: Path) -> Path:
    path = root / uuid.uuid4().hex
    path.mkdir(parents=True)
    return path


# --- Inputs that take files only ------------------------------------------------------------


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


class _Guard:
    """ASGI middleware: no URL fetching through /file= or /proxy=, bounded upload requests."""

    _PROTOCOL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|\\\\)")

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope.get("path", "")
            refuse = None
            for marker in ("/file=", "/proxy="):
                if marker in path and self._PROTOCOL.match(path.split(marker, 1)[1]):
                    refuse = (403, "File not allowed.")
            if path.endswith("/upload") and scope.get("method") == "POST":
                headers = dict(scope.get("headers") or [])
                length = headers.get(b"content-length")
                if length is None or not length.isdigit():
                    refuse = (411, "Content-Length required.")
                elif int(length) > MAX_UPLOAD_TOTAL_MB * 1_000_000:
                    refuse = (413, "Upload too large.")
            if refuse:
                response = PlainTextResponse(refuse[1], status_code=refuse[0])
                return await response(scope, receive, send)
        return await self.app(scope, receive, send)


# --- The cache: every upload and output leaves after CACHE_MAX_AGE_S -------------------------

_active_work: set[Path] = set()
_active_lock = threading.Lock()


def sweep_cache(now: float | None = None) -> int:
    """Delete files in the app's cache older than the age limit and the empty folders left.

    Gradio's own ``delete_cache`` covers the files it registered; this also covers what an
    interrupted request left behind. A running batch's folder is kept.
    """
    now = time.time() if now is None else now
    removed = 0
    with _active_lock:
        active = set(_active_work)
    for root, dirs, files in os.walk(CACHE_DIR, topdown=False):
        here = Path(root)
        if any(here == a or a in here.parents for a in active):
            continue
        for name in files:
            path = here / name
            try:
                if now - path.lstat().st_mtime > CACHE_MAX_AGE_S:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        if here != CACHE_DIR and here not in (OUT_ROOT, WORK_ROOT):
            try:
                here.rmdir()  # only succeeds when empty
            except OSError:
                pass
    return removed


def _sweeper() -> None:
    while True:
        try:
            sweep_cache()
        except Exception:  # never let the sweeper die
            log.exception("cache sweep failed")
        time.sleep(CACHE_SWEEP_S)


# --- Foto Produk ---------------------------------------------------------------------------

_cutouts: dict[str, tuple[tuple, object]] = {}  # session -> (key, Photo with alpha); a few only
_cutouts_lock = threading.Lock()
_CUTOUTS_MAX = 16


def _cut_photo(path: str, chosen: list, model: str, session: str | None, progress):
    """The photo with its alpha; the same photo and mode again (a new colour) skips the model."""
    side = pipeline.working_side(chosen)
    key = (path, model, side)
    if session:
        with _cutouts_lock:
            hit = _cutouts.get(session)
        if hit and hit[0] == key:
            return hit[1]
    progress(0.05, desc=t("app_progress_open", progress.lang))
    photo = assistant.open_photo(path, max_side=side)
    progress(0.2, desc=t("app_progress_cutout", progress.lang))
    photo = pipeline.cut_out(photo, model)
    if session:
        with _cutouts_lock:
            _cutouts.pop(session, None)
            _cutouts[session] = (key, photo)
            while len(_cutouts) > _CUTOUTS_MAX:
                _cutouts.pop(next(iter(_cutouts)))
    return photo


def _model_for(quality: str | None) -> str:
    value = (quality or "").strip().lower()
    if not value:
        return default_model()
    if value not in QUALITY_ALIASES:
        raise AppMessage("app_quality_unknown", value=quality)
    return QUALITY_ALIASES[value]


def _background_for(mode: str | None, colour: str | None) -> str | None:
    if mode == "custom":
        return (colour or "#FFFFFF").strip()
    if mode == "transparent":
        return pipeline.TRANSPARENT
    return None  # each marketplace's own background (white for all of them)


def _lighting_for(auto: bool, values: dict) -> LightingSettings | None:
    if auto:
        return None
    fields = {}
    for name, meta in LIGHT_FIELDS.items():
        value = values[name]
        default = getattr(LIGHT_DEFAULTS, name)
        fields[name] = bool(value) if isinstance(default, bool) else float(value)
    return LightingSettings(**fields)


def _shadow_for(style: str | None, opacity: float | None) -> ShadowSettings | None:
    if not style or style == "preset":
        return None
    return dataclasses.replace(ShadowSettings(), style=style, opacity=float(opacity or 0.0))


def process_photo_files(path: str, preset_names, model: str, background: str | None = None,
                        lighting: LightingSettings | None = None, shadow: ShadowSettings | None = None,
                        session: str | None = None, progress=None) -> tuple[dict, object]:
    """Run the library on one photo and write its outputs into the app's cache.

    Returns a small, language-free description of the result (for the UI and the API) and
    the library's Result.
    """
    progress = progress or _NoProgress()
    chosen = load_presets(preset_names)
    photo = _cut_photo(path, chosen, model, session, progress)
    progress(0.8, desc=t("app_progress_finish", progress.lang))
    result = assistant.process(photo, chosen, model=model, background=background,
                               lighting_settings=lighting, shadow=shadow)
    out_dir = _new_dir(OUT_ROOT)
    stem = _safe_stem(path)
    before = out_dir / f"{stem}-asli.jpg"
    result.photo.image.save(before, "JPEG", quality=85)  # the upright photo, no metadata
    entries = []
    for output in result.outputs:
        target = out_dir / f"{stem}-{output.preset.name}{output.extension}"
        target.write_bytes(output.data)
        preset = output.preset
        entries.append({
            "preset": preset.name, "title": preset.title, "path": str(target),
            "width": output.size[0], "height": output.size[1], "bytes": len(output.data),
            "want_width": preset.size[0], "want_height": preset.size[1], "max_bytes": preset.image.max_bytes,
            "background": output.background, "want_background": preset.image.background.upper(),
            "transparent_allowed": preset.image.transparent_allowed,
            "fill": output.fill, "want_fill": preset.image.fill,
            "notices": [(n.code, n.params) for n in result.photo.notices + output.notices],
        })
    return {"before": str(before), "outputs": entries}, result


class _NoProgress:
    lang = None

    def __call__(self, *args, **kwargs):
        return None


def _download_label(entry: dict, lang: str) -> str:
    fmt = Path(entry["path"]).suffix.lstrip(".").upper().replace("JPEG", "JPG")
    return t("app_download_button", lang, format=fmt, size=f"{entry['width']}×{entry['height']}")


def compliance_md(entry: dict, lang: str) -> str:
    """One output's compliance line: pixel size, file size against the cap, background, fill."""
    def mark(ok: bool) -> str:
        return "✓" if ok else "⚠"

    size_ok = (entry["width"], entry["height"]) == (entry["want_width"], entry["want_height"])
    bytes_ok = entry["bytes"] <= entry["max_bytes"]
    if entry["background"] == pipeline.TRANSPARENT:
        bg_ok = entry["transparent_allowed"]
        bg_text = t("app_line_transparent", lang)
    else:
        bg_ok = entry["background"].upper() == entry["want_background"]
        bg_text = (t("app_line_background", lang, colour=entry["background"]) if bg_ok else
                   t("app_line_background_expected", lang, colour=entry["background"],
                     expected=entry["want_background"]))
    fill_ok = entry["fill"] >= entry["want_fill"] - 0.02
    parts = [
        f"{mark(size_ok)} " + t("app_line_size", lang, width=entry["width"], height=entry["height"]),
        f"{mark(bytes_ok)} " + t("app_line_bytes", lang, size=_bytes(entry["bytes"], lang),
                                   limit=_bytes(entry["max_bytes"], lang)),
        f"{mark(bg_ok)} " + bg_text,
        f"{mark(fill_ok)} " + t("app_line_fill", lang, fill=round(entry["fill"] * 100),
                                  target=round(entry["want_fill"] * 100)),
    ]
    all_ok = size_ok and bytes_ok and bg_ok and fill_ok
    verdict = f"<span class='etalase-verdict-{'ok' if all_ok else 'bad'}'>" + (
        f"✓ {t('app_ok', lang)}" if all_ok else f"⚠ {t('app_not_ok', lang)}") + "</span>"
    lines = [f"**{html.escape(entry['title'])}**", verdict, *parts]
    for code, params in entry["notices"]:
        lines.append("⚠ " + html.escape(t(code, lang, **params), quote=False))
    return "  \n".join(lines)


# --- Banyak Foto (batch) --------------------------------------------------------------------


def _unique(path: Path) -> Path:
    if not path.exists():
        return path
    for i in range(2, 100_000):
        candidate = path.with_name(f"{path.stem}-{i}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise AppMessage("app_unexpected_error")


def _safe_name(name: str) -> str:
    clean = re.sub(r"[^\w.\- ]+", "_", name, flags=re.UNICODE).strip(" .")[:100]
    return clean if clean and not clean.startswith(".") else "_" + clean


def stage_batch_inputs(files: list[str], in_dir: Path) -> int:
    """Put the uploads (photos and ZIPs) in one folder, names kept and made unique, and
    count the photos in them; more than ``MAX_BATCH_FILES`` is refused before any work.
    ZIPs are opened by the batch runner (``assistant.archive``), not here."""
    if not files:
        raise AppMessage("app_batch_need_files")
    if len(files) > MAX_BATCH_FILES:
        raise AppMessage("app_batch_too_many", count=len(files), limit=MAX_BATCH_FILES)
    in_dir.mkdir(parents=True, exist_ok=True)
    for f in files:
        src = Path(f)
        target = _unique(in_dir / _safe_name(src.name))
        try:
            os.link(src, target)  # same file system (the app's cache): no copy
        except OSError:
            shutil.copyfile(src, target)
    jobs, _ = batch.collect_jobs([in_dir])
    for listing in {id(j.listing): j.listing for j in jobs if j.listing is not None}.values():
        listing.close()
    if len(jobs) > MAX_BATCH_FILES:
        raise AppMessage("app_batch_too_many", count=len(jobs), limit=MAX_BATCH_FILES)
    return len(jobs)


def run_batch_files(files: list[str], preset_names, model: str, background: str | None, lang: str,
                    progress=None, cancel: threading.Event | None = None):
    """Stage the uploads and call the batch runner; returns (zip in the cache, BatchResult).

    The zip is the runner's ``all-outputs.zip``: every image, report.csv, report.html and the
    bulk-upload sheets. The work folder is removed afterwards.
    """
    work = _new_dir(WORK_ROOT)
    with _active_lock:
        _active_work.add(work)
    try:
        in_dir, out_dir = work / "foto", work / "hasil"
        load_presets(preset_names)  # an unknown preset fails before any work
        stage_batch_inputs(files, in_dir)
        result = assistant.run_batch([in_dir], out_dir, preset_names, model=model, background=background,
                                     lang=lang, progress=progress, zips="all", cancel=cancel)
        zip_path = _new_dir(OUT_ROOT) / f"etalase-hasil-{time.strftime('%Y%m%d-%H%M%S')}.zip"
        os.replace(result.zip_path, zip_path)
        return str(zip_path), result
    finally:
        with _active_lock:
            _active_work.discard(work)
        shutil.rmtree(work, ignore_errors=True)


def batch_summary_md(result, seconds: float, lang: str) -> str:
    """What the vendor needs after a batch: counts and the photos with problems."""
    by_input: dict[str, list] = {}
    for row in result.rows:
        by_input.setdefault(row.input, []).append(row)
    ok = sum(all(r.status == "ok" for r in rows) for rows in by_input.values())
    skipped = sum(all(r.status == "skipped" for r in rows) for rows in by_input.values())
    failed = len(by_input) - ok - skipped
    lines = [("✓ " if failed == 0 and skipped == 0 else "⚠ ") + t(
        "app_batch_summary", lang, time=_duration(seconds, lang), ok=ok, failed=failed, skipped=skipped)]
    problems = [(name, rows[0].message) for name, rows in by_input.items() if any(r.status != "ok" for r in rows)]
    if problems:
        lines += ["", t("app_batch_problems", lang)]
        for name, msg in problems[:10]:
            name, msg = Path(name.split("!")[-1]).name, msg or ""
            text = msg if name in msg else f"{name}: {msg}"  # most messages name the file already
            lines.append(f"- {html.escape(text, quote=False)}")
        if len(problems) > 10:
            lines.append(t("app_batch_more", lang, count=len(problems) - 10))
    return "\n".join(lines)


# --- Panduan (guide) ------------------------------------------------------------------------


def guide_md(name: str, lang: str) -> str:
    """One marketplace's numbers with their sources (numbered) and the dates they were checked."""
    try:
        preset = load_preset(name or DEFAULT_PRESET)
    except AssistantError as exc:
        return _alert(_friendly(exc, lang))
    rules, src = preset.image, preset.sources
    yes_no = {True: t("app_yes", lang), False: t("app_no", lang)}
    values = {
        "size": (f"{rules.width}×{rules.height} px", "width"),
        "format": (rules.format.upper(), "format"),
        "max_bytes": (_bytes(rules.max_bytes, lang), "max_bytes"),
        "min_side": (f"{rules.min_side} px", "min_side"),
        "background": (rules.background.upper(), "background"),
        "fill": (f"{round(rules.fill * 100)}%", "fill"),
        "transparent_allowed": (yes_no[rules.transparent_allowed], "transparent_allowed"),
        "overlays_allowed": (yes_no[rules.overlays_allowed], "overlays_allowed"),
        "shadow_allowed": (yes_no[rules.shadow_allowed], "shadow_allowed"),
    }
    numbered: dict[tuple, int] = {}
    lines = [f"### {html.escape(preset.title)}"]
    note = preset.notes.get(lang) or preset.notes.get("en")
    if note:
        lines.append(html.escape(note, quote=False))
        lines.append("")
    for field in GUIDE_FIELDS:
        text, key = values[field]
        s = src[key]
        ref = numbered.setdefault((s.kind, s.source, s.checked), len(numbered) + 1)
        lines.append(f"- **{t('app_guide_' + field, lang)}:** {html.escape(text)} <sup>[{ref}]</sup>")
    lines.append("")
    for (kind, source, checked), ref in numbered.items():
        # "@" + a word joiner: "shopee-client@1.2.2" is a package version, not an e-mail address to link.
        text = t("app_guide_source", lang, kind=t(f"app_guide_kind_{kind}", lang), date=checked.isoformat(),
                 source=source.replace("@", "@\u2060"))
        lines.append(f"<small>[{ref}] {html.escape(text, quote=False)}</small>  ")
    return "\n".join(lines)


# --- The UI -------------------------------------------------------------------------------

CSS = """
.gradio-container { width: 100% !important; max-width: 1120px !important; margin: 0 auto !important; }
.prose, .prose * { overflow-wrap: anywhere; }
#header h1 { margin: 0 0 .1em 0; }
#header p { margin: 0; }
.etalase-alert { border: 1px solid #f59e0b; background: #fffbeb; color: #78350f;
                 border-radius: 8px; padding: .6em .8em; }
.etalase-ok { border: 1px solid #16a34a; background: #f0fdf4; color: #14532d;
              border-radius: 8px; padding: .6em .8em; }
.dark .etalase-ok { background: #052e16; color: #bbf7d0; }
.dark .etalase-alert { background: #451a03; color: #fde68a; }
.etalase-big { min-height: 52px !important; font-size: 1.1rem !important; }
#lang-row { align-items: center; }
#slider .slider-wrap img { width: 100% !important; height: auto !important; aspect-ratio: 1 / 1;
                          max-height: none !important; object-fit: contain; background: #f4f4f5; }
.prose strong, .prose b, .prose h1, .prose h2, .prose h3 { font-weight: 600 !important; }
#batch-status { min-height: 3em; }
.etalase-verdict-ok { color: #15803d; font-weight: 600; }
.etalase-verdict-bad { color: #b45309; font-weight: 600; }
.dark .etalase-verdict-ok { color: #86efac; }
.dark .etalase-verdict-bad { color: #fcd34d; }
.output-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px; }
@media (max-width: 640px) {
  .gradio-container { padding-left: 6px !important; padding-right: 6px !important; }
  #header h1 { font-size: 1.5rem; }
}
"""


class _Texts:
    """Components whose labels are strings; on a language change each gets its new text."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.entries: list[tuple[object, dict]] = []

    def __call__(self, component, **props):
        self.entries.append((component, props))
        return component

    def t(self, key: str, **params) -> str:
        return t(key, self.lang, **params)

    def updates(self, lang: str) -> list:
        out = []
        for _, props in self.entries:
            out.append(gr.update(**{p: (v(lang) if callable(v) else t(v, lang)) for p, v in props.items()}))
        return out


def _quality_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(key, lang), name) for name, key in QUALITY.items()]


def _background_choices(lang: str, preset_names) -> list[tuple[str, str]]:
    choices = [(t("app_background_white", lang), "white"), (t("app_background_custom", lang), "custom")]
    try:
        allows = any(load_preset(n).image.transparent_allowed for n in preset_names or [])
    except AssistantError:
        allows = False
    if allows:
        choices.append((t("app_background_transparent", lang), "transparent"))
    return choices


def _shadow_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(f"app_shadow_{style}", lang), style) for style in SHADOW_CHOICES]


def _preset_choices() -> list[tuple[str, str]]:
    return [(load_preset(n).title, n) for n in PRESET_NAMES]


def _footer(lang: str) -> str:
    model = default_model()
    device = models.device()
    return "<small>" + html.escape(t("app_footer", lang, version=assistant.__version__, model=model,
                                     device=t(f"app_device_{device}", lang),
                                     age=_duration(CACHE_MAX_AGE_S, lang))) + "</small>"


def build_app() -> gr.Blocks:
    lang0 = default_language()
    T = _Texts(lang0)
    n_out = len(PRESET_NAMES)
    demo = gr.Blocks(title=t("app_title", lang0), delete_cache=(CACHE_SWEEP_S, CACHE_MAX_AGE_S))
    with demo:
        with gr.Row(elem_id="lang-row"):
            with gr.Column(scale=4, min_width=240):
                T(gr.Markdown(f"# {t('app_title', lang0)}\n{t('app_tagline', lang0)}", elem_id="header"),
                  value=lambda lang: f"# {t('app_title', lang)}\n{t('app_tagline', lang)}")
            with gr.Column(scale=1, min_width=270):
                lang = T(gr.Radio([("Bahasa Indonesia", "id"), ("English", "en")], value=lang0,
                                  label=t("app_language_label", lang0), show_label=False, container=False,
                                  elem_id="lang"),
                         label="app_language_label")

        with gr.Tabs(elem_id="tabs"):
            # ---- Foto Produk
            with T(gr.Tab(t("app_tab_photo", lang0), id="photo", elem_id="tab-photo"), label="app_tab_photo"):
                result_state = gr.State(None)
                with gr.Row():
                    with gr.Column(min_width=300):
                        photo = T(PhotoInput(label=t("app_photo_label", lang0), type="filepath", image_mode=None,
                                             sources=["upload", "webcam"], height=300, elem_id="photo-input",
                                             placeholder=t("app_photo_placeholder", lang0)),
                                  label="app_photo_label", placeholder="app_photo_placeholder")
                        presets = T(gr.Dropdown(_preset_choices(), value=[DEFAULT_PRESET], multiselect=True,
                                                filterable=False, label=t("app_presets_label", lang0),
                                                info=t("app_presets_info", lang0), elem_id="presets"),
                                    label="app_presets_label", info="app_presets_info")
                        quality = T(gr.Radio(_quality_choices(lang0), value=default_model(),
                                             label=t("app_quality_label", lang0), elem_id="quality"),
                                    label="app_quality_label", choices=_quality_choices)
                        bg_mode = T(gr.Radio(_background_choices(lang0, [DEFAULT_PRESET]), value="white",
                                             label=t("app_background_label", lang0),
                                             info=t("app_background_info", lang0), elem_id="bg-mode"),
                                    label="app_background_label", info="app_background_info")
                        bg_colour = T(gr.ColorPicker("#FFFFFF", label=t("app_colour_label", lang0),
                                                     visible=False, elem_id="bg-colour"), label="app_colour_label")
                        run_btn = T(gr.Button(t("app_process_button", lang0), variant="primary",
                                              elem_id="process-btn", elem_classes=["etalase-big"]),
                                    value="app_process_button")
                        with T(gr.Accordion(t("app_advanced_label", lang0), open=False, elem_id="advanced"),
                               label="app_advanced_label"):
                            light_auto = T(gr.Checkbox(True, label=t("app_light_auto_label", lang0),
                                                       info=t("app_light_auto_info", lang0), elem_id="light-auto"),
                                           label="app_light_auto_label", info="app_light_auto_info")
                            light_controls = {}
                            with gr.Column(visible=False) as light_box:
                                for name, meta in LIGHT_FIELDS.items():
                                    default = getattr(LIGHT_DEFAULTS, name)
                                    keys = {"label": f"app_light_{name}_label", "info": f"app_light_{name}_info"}
                                    if isinstance(default, bool):
                                        comp = gr.Checkbox(default, label=t(keys["label"], lang0),
                                                           info=t(keys["info"], lang0))
                                    else:
                                        comp = gr.Slider(meta["min"], meta["max"], value=default, step=0.05,
                                                         label=t(keys["label"], lang0), info=t(keys["info"], lang0))
                                    light_controls[name] = T(comp, **keys)
                            shadow_style = T(gr.Radio(_shadow_choices(lang0), value="preset",
                                                      label=t("app_shadow_label", lang0),
                                                      info=t("app_shadow_info", lang0), elem_id="shadow"),
                                             label="app_shadow_label", info="app_shadow_info",
                                             choices=_shadow_choices)
                            shadow_opacity = T(gr.Slider(0.0, 1.0, value=ShadowSettings().opacity, step=0.05,
                                                         label=t("app_shadow_opacity_label", lang0), visible=False),
                                               label="app_shadow_opacity_label")
                    with gr.Column(min_width=300):
                        status = gr.Markdown("", elem_id="status")
                        slider = T(gr.ImageSlider(label=t("app_result_label", lang0), type="filepath",
                                                  interactive=False, elem_id="slider", max_height=520, visible=False,
                                                  buttons=["fullscreen"]),
                                   label="app_result_label")
                        view = T(gr.Radio([], label=t("app_view_label", lang0), visible=False, elem_id="view"),
                                 label="app_view_label")
                        cards, lines, downloads = [], [], []
                        for i in range(n_out):
                            with gr.Column(visible=False, elem_classes=["output-card"]) as card:
                                lines.append(gr.Markdown("", elem_id=f"line-{i}"))
                                downloads.append(gr.DownloadButton(t("app_download_button", lang0, format="", size=""),
                                                                   variant="primary", elem_id=f"download-{i}"))
                            cards.append(card)

            # ---- Banyak Foto
            with T(gr.Tab(t("app_tab_batch", lang0), id="batch", elem_id="tab-batch"), label="app_tab_batch"):
                batch_intro = T(gr.Markdown(t("app_batch_intro", lang0)), value="app_batch_intro")
                with gr.Row():
                    with gr.Column(min_width=300):
                        b_files = T(FileInput(file_count="multiple", label=t("app_batch_files_label", lang0),
                                              file_types=["image", ".zip", ".heic", ".heif", ".avif"],
                                              elem_id="batch-files", height=160),
                                    label="app_batch_files_label")
                        b_presets = T(gr.Dropdown(_preset_choices(), value=[DEFAULT_PRESET], multiselect=True,
                                                  filterable=False, label=t("app_presets_label", lang0),
                                                  info=t("app_presets_info", lang0), elem_id="batch-presets"),
                                      label="app_presets_label", info="app_presets_info")
                        b_quality = T(gr.Radio(_quality_choices(lang0), value=default_model(),
                                               label=t("app_quality_label", lang0), elem_id="batch-quality"),
                                      label="app_quality_label", choices=_quality_choices)
                        b_bg_mode = T(gr.Radio(_background_choices(lang0, [DEFAULT_PRESET]), value="white",
                                               label=t("app_background_label", lang0),
                                               info=t("app_background_info", lang0), elem_id="batch-bg-mode"),
                                      label="app_background_label", info="app_background_info")
                        b_bg_colour = T(gr.ColorPicker("#FFFFFF", label=t("app_colour_label", lang0), visible=False),
                                        label="app_colour_label")
                        b_run = T(gr.Button(t("app_batch_button", lang0), variant="primary", elem_id="batch-btn",
                                            elem_classes=["etalase-big"]), value="app_batch_button")
                        b_cancel = T(gr.Button(t("app_batch_cancel", lang0), variant="secondary", size="sm",
                                               elem_id="batch-cancel"), value="app_batch_cancel")
                    with gr.Column(min_width=300):
                        b_status = gr.Markdown("", elem_id="batch-status")
                        b_zip = T(gr.File(label=t("app_batch_zip_label", lang0), interactive=False, height=120,
                                          elem_id="batch-zip"), label="app_batch_zip_label")

            # ---- Kemasan (packaging mockups): built when assistant.stages.mockup lands.
            # ---- Panduan
            with T(gr.Tab(t("app_tab_guide", lang0), id="guide", elem_id="tab-guide"), label="app_tab_guide"):
                guide_intro = T(gr.Markdown(t("app_guide_intro", lang0)), value="app_guide_intro")
                guide_pick = T(gr.Dropdown(_preset_choices(), value=DEFAULT_PRESET, filterable=False,
                                           label=t("app_guide_select", lang0), elem_id="guide-pick"),
                               label="app_guide_select")
                guide_card = gr.Markdown(guide_md(DEFAULT_PRESET, lang0), elem_id="guide-card")
                tips = T(gr.Markdown(f"### {t('app_tips_title', lang0)}\n{t('app_tips_body', lang0)}",
                                     elem_id="tips"),
                         value=lambda lang: f"### {t('app_tips_title', lang)}\n{t('app_tips_body', lang)}")

        footer = T(gr.Markdown(_footer(lang0), elem_id="footer"), value=_footer)

        # ---- API: (photo file, preset names) -> output files. Optional: mode, language.
        with gr.Column(visible=False):
            api_image = FileInput(label="image")
            api_presets = gr.Textbox(DEFAULT_PRESET, label="presets")
            api_quality = gr.Textbox("", label="quality")
            api_lang = gr.Textbox(lang0, label="lang")
            api_out = gr.File(file_count="multiple", label="outputs")
            api_btn = gr.Button("process_photo")

        # ---- Events
        def on_presets(names, mode, lang_value):
            choices = _background_choices(_lang(lang_value), names)
            values = [v for _, v in choices]
            return gr.update(choices=choices, value=mode if mode in values else "white")

        presets.change(on_presets, [presets, bg_mode, lang], bg_mode, queue=False, api_visibility="private")
        b_presets.change(on_presets, [b_presets, b_bg_mode, lang], b_bg_mode, queue=False,
                         api_visibility="private")
        for mode_comp, colour_comp in ((bg_mode, bg_colour), (b_bg_mode, b_bg_colour)):
            mode_comp.change(lambda m: gr.update(visible=m == "custom"), mode_comp, colour_comp, queue=False,
                             api_visibility="private")
        light_auto.change(lambda a: gr.update(visible=not a), light_auto, light_box, queue=False,
                          api_visibility="private")
        shadow_style.change(lambda s: gr.update(visible=s not in ("preset", "none")), shadow_style, shadow_opacity,
                            queue=False, api_visibility="private")

        def render_result(state, lang_value, index=0):
            lang_value = _lang(lang_value)
            updates = []
            entries = (state or {}).get("outputs", [])
            for i in range(n_out):
                if i < len(entries):
                    e = entries[i]
                    updates += [gr.update(visible=True), gr.update(value=compliance_md(e, lang_value)),
                                gr.update(value=e["path"], label=_download_label(e, lang_value))]
                else:
                    updates += [gr.update(visible=False), gr.update(value=""), gr.update(value=None)]
            return updates

        out_components = [c for i in range(n_out) for c in (cards[i], lines[i], downloads[i])]

        def run_photo(values, request: gr.Request, progress=gr.Progress()):
            lang_value = _lang(values[lang])
            progress.lang = lang_value
            start = time.perf_counter()
            try:
                if not values[photo]:
                    raise AppMessage("app_need_photo")
                model = _model_for(values[quality])
                state, _ = process_photo_files(
                    values[photo], values[presets] or [], model,
                    background=_background_for(values[bg_mode], values[bg_colour]),
                    lighting=_lighting_for(values[light_auto], {n: values[c] for n, c in light_controls.items()}),
                    shadow=_shadow_for(values[shadow_style], values[shadow_opacity]),
                    session=getattr(request, "session_hash", None), progress=progress)
            except Exception as exc:  # every failure becomes a message the vendor can act on
                message = _friendly(exc, lang_value)
                return ([_alert(message), gr.update(), gr.update(), values[result_state]]
                        + [gr.update()] * len(out_components))
            entries = state["outputs"]
            done = t("app_done", lang_value, seconds=_num(time.perf_counter() - start, lang_value))
            view_update = gr.update(choices=[(e["title"], i) for i, e in enumerate(entries)], value=0,
                                    visible=len(entries) > 1)
            return ([f"<div class='etalase-ok'>✓ {done}</div>",
                     gr.update(value=(state["before"], entries[0]["path"]), visible=True), view_update, state]
                    + render_result(state, lang_value))

        run_inputs = {photo, presets, quality, bg_mode, bg_colour, light_auto, shadow_style, shadow_opacity, lang,
                      result_state, *light_controls.values()}
        run_btn.click(lambda: "", None, status, queue=False, api_visibility="private").then(
            run_photo, run_inputs, [status, slider, view, result_state] + out_components,
                      concurrency_limit=CONCURRENCY, concurrency_id="work", api_visibility="private",
                      show_progress="full", scroll_to_output=True)

        def on_view(index, state):
            entries = (state or {}).get("outputs", [])
            if index is None or not entries or index >= len(entries):
                return gr.update()
            return (state["before"], entries[index]["path"])

        view.change(on_view, [view, result_state], slider, queue=False, api_visibility="private")

        cancels: dict[str, threading.Event] = {}

        def run_batch_ui(files, names, quality_value, mode, colour, lang_value, request: gr.Request,
                         progress=gr.Progress()):
            lang_value = _lang(lang_value)
            start = time.perf_counter()
            cancel = threading.Event()
            session = getattr(request, "session_hash", None) or uuid.uuid4().hex
            cancels[session] = cancel

            def report(done: int, total: int, info=None) -> None:
                eta = getattr(info, "eta_s", None)
                if total and done >= total:
                    desc = t("app_batch_progress_zip", lang_value, done=done, total=total)
                else:
                    left = _duration(eta, lang_value) if eta is not None else "…"
                    desc = t("app_batch_progress", lang_value, done=done, total=total, left=left)
                progress((done, total), unit="foto" if lang_value == "id" else "photos", desc=desc)

            try:
                progress(0, desc=t("app_batch_progress_start", lang_value, total=len(files or [])))
                zip_path, result = run_batch_files(files or [], names or [], _model_for(quality_value),
                                                   _background_for(mode, colour), lang_value, progress=report,
                                                   cancel=cancel)
            except Exception as exc:
                message = _friendly(exc, lang_value)
                return _alert(message), None
            finally:
                cancels.pop(session, None)
            return batch_summary_md(result, time.perf_counter() - start, lang_value), zip_path

        b_run.click(lambda: "", None, b_status, queue=False, api_visibility="private").then(
            run_batch_ui, [b_files, b_presets, b_quality, b_bg_mode, b_bg_colour, lang],
                    [b_status, b_zip], concurrency_limit=CONCURRENCY, concurrency_id="work",
                    api_visibility="private", show_progress="full", scroll_to_output=True)

        def cancel_batch(request: gr.Request):
            event = cancels.get(getattr(request, "session_hash", None) or "")
            if event is not None:
                event.set()

        b_cancel.click(cancel_batch, None, None, queue=False, api_visibility="private")

        guide_pick.change(lambda name, lv: guide_md(name, _lang(lv)), [guide_pick, lang], guide_card, queue=False,
                          api_visibility="private")

        def api_process_photo(image, preset_names, quality_value, lang_value):
            """Process one photo for the given marketplaces (comma-separated, e.g. "umum,shopee");
            returns one image file per marketplace. Optional: quality "kualitas" (default) or
            "cepat"; lang "id" or "en" for error messages."""
            lang_value = _lang(lang_value)
            try:
                if not image:
                    raise AppMessage("app_need_photo")
                state, _ = process_photo_files(image, preset_names or DEFAULT_PRESET, _model_for(quality_value))
            except Exception as exc:
                raise gr.Error(_friendly(exc, lang_value), title=t("app_error_title", lang_value),
                               print_exception=False) from None
            return [e["path"] for e in state["outputs"]]

        api_btn.click(api_process_photo, [api_image, api_presets, api_quality, api_lang], api_out,
                      api_name="process_photo", concurrency_limit=CONCURRENCY, concurrency_id="work")

        # ---- Language: every label, then the results already shown, in the new language.
        def relabel(lang_value, names, b_names, mode, b_mode, guide_name, state):
            lang_value = _lang(lang_value)
            return (T.updates(lang_value)
                    + [gr.update(choices=_background_choices(lang_value, names), value=mode),
                       gr.update(choices=_background_choices(lang_value, b_names), value=b_mode),
                       guide_md(guide_name, lang_value)]
                    + render_result(state, lang_value))

        lang.change(relabel, [lang, presets, b_presets, bg_mode, b_bg_mode, guide_pick, result_state],
                    [c for c, _ in T.entries] + [bg_mode, b_bg_mode, guide_card] + out_components,
                    queue=False, api_visibility="private")

        def from_url(request: gr.Request):
            wanted = (request.query_params.get("lang") or "").lower()[:2] if request else ""
            return wanted if wanted in LANGUAGES else gr.update()

        demo.load(from_url, None, lang, queue=False, api_visibility="private")
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_MAX)
    return demo


def _blocked_paths() -> list[str]:
    """Folders never served even if someone points Gradio at them: the code and the models."""
    paths = [REPO, models.models_dir()]
    return [str(p) for p in paths if not (CACHE_DIR == p or p in CACHE_DIR.parents)]


def launch_kwargs() -> dict:
    return {
        "theme": gr.themes.Default(primary_hue="orange"),
        "css": CSS,
        "max_file_size": f"{MAX_UPLOAD_MB}mb",
        "allowed_paths": [],
        "blocked_paths": _blocked_paths(),
        "app_kwargs": {"middleware": [Middleware(_Guard)]},
        "footer_links": ["api"],
        "show_error": False,
    }


def _warm(names: list[str]) -> None:
    try:
        segment.warm(tuple(n for n in names if n in models.MODELS))
        log.info("models warmed: %s", ", ".join(names))
    except Exception:
        log.exception("warming the models failed; they load on first use")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Etalase web app")
    parser.add_argument("--host", default=os.environ.get("ETALASE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ETALASE_PORT", "7860")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    warm = [n.strip() for n in os.environ.get("ETALASE_WARM", ",".join(models.MODELS)).split(",") if n.strip()]
    threading.Thread(target=_warm, args=(warm,), daemon=True, name="warm-models").start()
    threading.Thread(target=_sweeper, daemon=True, name="cache-sweeper").start()
    demo = build_app()
    demo.launch(server_name=args.host, server_port=args.port, **launch_kwargs())


if __name__ == "__main__":
    main()
