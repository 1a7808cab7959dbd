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
import base64
import dataclasses
import html
import importlib
import io
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
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from gradio import processing_utils  # noqa: E402
from gradio_client import utils as client_utils  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402

import assistant  # noqa: E402
from assistant import AssistantError, batch, pipeline  # noqa: E402
from assistant.models import registry as models, session as segment  # noqa: E402
from assistant.i18n import LANGUAGES, STRINGS, default_language, localized, t  # noqa: E402
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


# Parts that other modules provide. Each part of the UI is built only when its library
# functions exist (never an empty placeholder):
# CHECKS: listing checks beside each result (check_outputs -> CheckResult .check .status .value .tip(lang)),
#         and the photo guide in "Panduan" (GUIDE_* in assistant.stages.checks, pictures in docs/panduan/).
# PACKAGING / MOCKUP / TEMPLATES: the "Kemasan" tab, between "Banyak Foto" and "Panduan".
# TOUCH_UP: keep/remove brushes under the result; re-frames via process(photo.with_(alpha=...)).
CHECKS = _optional("assistant.readiness.listing", "check_outputs")
CHECK_GUIDE = _optional("assistant.stages.checks", "GUIDE_TITLE", "GUIDE_INTRO", "GUIDE_STEPS", "GUIDE_PICTURES")
PACKAGING = _optional("assistant.mockup.files", "open_label", "product_cutout", "render")
MOCKUP = _optional("assistant.mockup", "label_from_brand", "render_mockup")
TEMPLATES = _optional("assistant.mockup.templates", "list_templates", "load_template")
TOUCH_UP = _optional("assistant.stages.cutout", "touch_up")
HAS_MOCKUPS = bool(PACKAGING and MOCKUP and TEMPLATES)
GUIDE_PICTURES_DIR = REPO / "docs" / "panduan"

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
                        session: str | None = None, progress=None, checks: bool = False) -> tuple[dict, object]:
    """Run the library on one photo and write its outputs into the app's cache.

    Returns a small, language-free description of the result (for the UI and the API) and
    the library's Result. ``checks`` adds the listing checks of each output (``entry["checks"]``).
    """
    progress = progress or _NoProgress()
    chosen = load_presets(preset_names)
    photo = _cut_photo(path, chosen, model, session, progress)
    progress(0.8, desc=t("app_progress_finish", progress.lang))
    return _write_outputs(photo, chosen, model, background, lighting, shadow, _safe_stem(path), checks)


def _write_outputs(photo, chosen: list, model: str, background: str | None, lighting: LightingSettings | None,
                   shadow: ShadowSettings | None, stem: str, checks: bool) -> tuple[dict, object]:
    result = assistant.process(photo, chosen, model=model, background=background,
                               lighting_settings=lighting, shadow=shadow)
    found = check_result(result) if checks else {}
    out_dir = _new_dir(OUT_ROOT)
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
            "checks": found.get(preset.name, []),
        })
    return {"before": str(before), "outputs": entries}, result


def check_result(result) -> dict[str, list]:
    """The listing checks of each output (CheckResult lists by preset name); {} when unavailable."""
    if CHECKS is None:
        return {}
    try:
        return CHECKS.check_outputs(result)
    except Exception:  # a check that breaks must not cost the vendor the result
        log.exception("listing checks failed")
        return {}


# --- Touch-up brush -------------------------------------------------------------------------

TOUCH_KEEP = "#16A34A"  # "pertahankan" strokes (green)
TOUCH_REMOVE = "#DC2626"  # "hapus" strokes (red)
TOUCH_VIEW_SIDE = 800  # the editor shows the photo at most this large (touch_up works at 640 px anyway)
TOUCH_BRUSH = 20  # brush radius in the editor's pixels: about a fingertip on a phone


def _css_rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))


# "Pertahankan" / "Hapus" picks the brush and its colour in the editor's own palette, in the
# browser: a server update of the editor's brush would drop its drawing tool mid-stroke.
_TOUCH_MODE_JS = """(mode) => {
  const want = mode === 'remove' ? '%s' : '%s';
  const ed = document.querySelector('#touch-editor');
  if (!ed) return mode;
  const tool = (label, i) => ed.querySelector(`button[aria-label="${label}"]`) || ed.querySelectorAll('button.quite-round')[i];
  const brush = tool('Brush', 0), colour = tool('Color', 2);
  if (brush) brush.click();
  if (!colour) return mode;
  colour.click();
  setTimeout(() => {
    const swatch = [...ed.querySelectorAll('menu.swatch button')].find(b => b.style.backgroundColor === want);
    if (swatch) swatch.click();
    setTimeout(() => { if (ed.querySelector('menu.swatch')) colour.click(); }, 60);
  }, 60);
  return mode;
}""" % (_css_rgb(TOUCH_REMOVE), _css_rgb(TOUCH_KEEP))


def touch_view(photo) -> Image.Image:
    """What the brush editor shows: the photo, its cut-away part paled, at most TOUCH_VIEW_SIDE."""
    pale = Image.blend(photo.image, Image.new("RGB", photo.size, (255, 255, 255)), 0.72)
    view = Image.composite(photo.image, pale, photo.alpha)
    view.thumbnail((TOUCH_VIEW_SIDE, TOUCH_VIEW_SIDE))
    return view


def _touch_height(size: tuple[int, int]) -> int:
    """The brush editor's height for a photo of ``size``: tall for portrait photos, less for landscape."""
    w, h = size
    return int(min(520, max(340, 120 + 330 * h / max(1, w))))


def stroke_masks(editor_value, size: tuple[int, int]):
    """(keep, remove) boolean masks at ``size`` (width, height) from the editor's brush layers.

    Green strokes keep, red ones remove; the layers come at the editor's image size and are
    scaled to the photo's.
    """
    w, h = size
    keep = np.zeros((h, w), bool)
    remove = np.zeros((h, w), bool)
    for layer in (editor_value or {}).get("layers") or []:
        arr = np.asarray(layer)
        if arr.ndim != 3 or arr.shape[2] < 4:
            continue
        painted = arr[..., 3] > 0
        r, g = arr[..., 0].astype(int), arr[..., 1].astype(int)
        for mask, hit in ((keep, painted & (g > r)), (remove, painted & (r > g))):
            if hit.any():
                scaled = Image.fromarray(hit.astype(np.uint8) * 255).resize((w, h), Image.NEAREST)
                mask |= np.asarray(scaled) > 0
    return keep, remove


def touch_up_files(photo, keep, remove, preset_names, model: str, background: str | None = None,
                   lighting: LightingSettings | None = None, shadow: ShadowSettings | None = None,
                   stem: str = "foto", checks: bool = False) -> tuple[dict, object]:
    """Re-cut ``photo`` (which has its alpha) after the vendor's strokes and re-make its outputs;
    the model does not run again."""
    if TOUCH_UP is None or photo is None or photo.alpha is None:
        raise AppMessage("app_touch_need_result")
    if not keep.any() and not remove.any():
        raise AppMessage("app_touch_need_strokes")
    alpha = TOUCH_UP.touch_up(np.asarray(photo.image), np.asarray(photo.alpha), keep, remove)
    touched = photo.with_(alpha=Image.fromarray(alpha, "L"))
    return _write_outputs(touched, load_presets(preset_names), model, background, lighting, shadow, stem, checks)


def _remember_cutout(session: str | None, path: str | None, chosen: list, model: str, photo) -> None:
    """After a touch-up, a new colour or marketplace for the same photo keeps the touched cut-out."""
    if not session or not path:
        return
    key = (path, model, pipeline.working_side(chosen))
    with _cutouts_lock:
        hit = _cutouts.get(session)
        if hit and hit[0] == key:
            _cutouts[session] = (key, photo)


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
    lines = [f"**{html.escape(_entry_title(entry, lang))}**", verdict, *parts]
    for code, params in entry["notices"]:
        lines.append("⚠ " + html.escape(t(code, lang, **params), quote=False))
    return "  \n".join(lines)


CHECK_ICONS = {"ok": "✓", "warn": "⚠", "fail": "✖"}


def checks_md(entry: dict, lang: str) -> str:
    """One output's listing checks: each warn/fail with its tip, the checks that passed folded away."""
    found = entry.get("checks") or []
    if not found:
        return ""
    bad = sorted((c for c in found if c.status != "ok"), key=lambda c: c.status != "fail")
    good = [c for c in found if c.status == "ok"]
    parts = [f"<div class='etalase-checks'><div class='etalase-checks-title'>{html.escape(t('app_checks_title', lang))}</div>"]
    for c in bad:
        parts.append(
            f"<div class='etalase-check etalase-check-{c.status}'>"
            f"<b>{CHECK_ICONS[c.status]} {html.escape(c.label(lang))}</b> · {html.escape(t('check_status_' + c.status, lang))}"
            f"<br>{html.escape(c.tip(lang), quote=False)}</div>")
    if good:
        summary = (t("app_checks_all_ok", lang, count=len(good)) if not bad else
                   t("app_checks_ok_count", lang, count=len(good)))
        names = ", ".join(html.escape(c.label(lang)) for c in good)
        parts.append(f"<details class='etalase-check-ok'><summary>✓ {html.escape(summary)}</summary>"
                     f"<small>{names}</small></details>")
    parts.append("</div>")
    return "".join(parts)


# --- Kemasan (packaging mockups) ------------------------------------------------------------

LABEL_SOURCES = ("design", "photo", "brand")
THUMB_SIDE = 220
SAMPLE_BRAND = ("ETALASE", "#C2410C")  # the sample label on the template thumbnails (a name, not prose)
def template_names() -> list[str]:
    return TEMPLATES.list_templates() if TEMPLATES else []


def template_title(name: str, lang: str) -> str:
    """A template's friendly name in ``lang`` (its TOML title)."""
    try:
        return str(localized(TEMPLATES.load_template(name).title, lang))
    except Exception:
        return name


_thumbs: dict[str, str] = {}  # template -> a small WebP as a data: URL (no file in the swept cache)
_thumbs_lock = threading.Lock()


def template_thumbnails() -> dict[str, str]:
    """Every template rendered once, small, with a sample label (about 2 KB each)."""
    with _thumbs_lock:
        if not _thumbs and HAS_MOCKUPS:
            label = MOCKUP.label_from_brand(*SAMPLE_BRAND)
            for name in template_names():
                try:
                    image = MOCKUP.render_mockup(label, TEMPLATES.load_template(name), (THUMB_SIDE, THUMB_SIDE),
                                                 (255, 255, 255))
                except Exception:
                    log.exception("thumbnail of %s failed", name)
                    continue
                buf = io.BytesIO()
                image.save(buf, "WEBP", quality=80)
                _thumbs[name] = "data:image/webp;base64," + base64.b64encode(buf.getvalue()).decode()
        return dict(_thumbs)


def _picker_items(lang: str) -> list[dict]:
    thumbs = template_thumbnails()
    return [{"name": n, "title": html.escape(template_title(n, lang)), "src": thumbs.get(n, "")}
            for n in template_names()]


# The package picker: a card per template (thumbnail and name), tap to choose or drop;
# its value is the chosen template names, comma-separated, in the templates' order.
PICKER_HTML = """<div class="mk-picker" role="group">${items.map(i => `<button type="button" \
class="mk-card${(value || '').split(',').includes(i.name) ? ' on' : ''}" data-name="${i.name}" \
aria-pressed="${(value || '').split(',').includes(i.name)}"><img src="${i.src}" alt="" loading="lazy">\
<span>${i.title}</span></button>`).join('')}</div>"""
PICKER_CSS = """
.mk-picker { display: grid; grid-template-columns: repeat(auto-fill, minmax(100px, 1fr)); gap: 8px; }
.mk-card { position: relative; display: flex; flex-direction: column; align-items: center; gap: 4px; padding: 6px;
           border: 2px solid var(--border-color-primary); border-radius: 10px; cursor: pointer;
           background: var(--background-fill-primary); color: var(--body-text-color);
           font-size: 13px; font-weight: 400; line-height: 1.25; text-align: center; }
.mk-card img { width: 100%; aspect-ratio: 1; object-fit: contain; border-radius: 6px; background: #fff; }
.mk-card.on { border-color: var(--color-accent); box-shadow: 0 0 0 1px var(--color-accent); }
.mk-card.on span { font-weight: 600; }
.mk-card.on::after { content: "✓"; position: absolute; top: 4px; right: 4px; width: 24px; height: 24px;
                     border-radius: 50%; background: var(--color-accent); color: #fff; font-weight: 700;
                     line-height: 24px; }
"""
PICKER_JS = """element.addEventListener('click', (event) => {
  const card = event.target.closest('[data-name]');
  if (!card) return;
  const chosen = new Set((props.value || '').split(',').filter(Boolean));
  const name = card.dataset.name;
  if (chosen.has(name)) chosen.delete(name); else chosen.add(name);
  props.value = props.items.map(i => i.name).filter(n => chosen.has(n)).join(',');
  trigger('change');
});"""


def _hex(colour: str | None) -> str | None:
    """A colour picker's value as #RRGGBB (browsers may send rgb()/rgba())."""
    if not colour:
        return None
    colour = colour.strip()
    m = re.fullmatch(r"rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,[^)]*)?\)", colour)
    if m:
        return "#" + "".join(f"{max(0, min(255, round(float(v)))):02X}" for v in m.groups())
    return colour


def make_label(source: str, label_path: str | None = None, brand_name: str | None = None,
               brand_colour: str | None = None, tagline: str | None = None, logo_path: str | None = None):
    """The label image from a design file, a photo of a printed label, or a brand name and colour."""
    if source == "brand":
        name = (brand_name or "").strip()
        if not name:
            raise AppMessage("app_mockup_need_brand")
        logo = PACKAGING.open_label(logo_path) if logo_path else None
        return MOCKUP.label_from_brand(name, _hex(brand_colour) or SAMPLE_BRAND[1], logo=logo,
                                       tagline=(tagline or "").strip() or None)
    if not label_path:
        raise AppMessage("app_mockup_need_label")
    return PACKAGING.open_label(label_path, is_photo=source == "photo")


def mockup_files(label, templates, preset_name: str, product_path: str | None = None, model: str | None = None,
                 body_colour: str | None = None, badge: str | None = None, progress=None) -> list[dict]:
    """Render ``label`` on each template at the preset's size and write the files into the app's cache.

    Returns language-free entries (template, path, size, bytes) for the gallery and downloads.
    """
    progress = progress or _NoProgress()
    if isinstance(templates, str):
        templates = templates.split(",")
    names = [n.strip() for n in (templates or []) if n and n.strip()]
    if not names:
        raise AppMessage("app_mockup_need_template")
    preset = load_preset(preset_name or DEFAULT_PRESET)
    badge = (badge or "").strip() or None
    if badge and not preset.image.overlays_allowed:
        raise AssistantError("mockup_overlays_forbidden")  # say so before the slow product cutout
    product = None
    if product_path:
        progress(0.2, desc=t("app_progress_cutout", progress.lang))
        product = PACKAGING.product_cutout(product_path, preset, model)
    progress(0.6, desc=t("app_mockup_progress", progress.lang))
    made = PACKAGING.render(label, names, preset.name, product=product, body_colour=_hex(body_colour) or None,
                            badge=badge)
    out_dir = _new_dir(OUT_ROOT)
    entries = []
    for item in made:
        target = out_dir / f"kemasan-{_safe_stem(item.template)}{item.preset.extension}"
        target.write_bytes(item.data)
        entries.append({"template": item.template, "preset": item.preset.name, "path": str(target),
                        "width": item.image.size[0], "height": item.image.size[1], "bytes": len(item.data)})
    return entries


def _mockup_download_label(entry: dict, lang: str) -> str:
    fmt = Path(entry["path"]).suffix.lstrip(".").upper().replace("JPEG", "JPG")
    return t("app_mockup_download", lang, name=template_title(entry["template"], lang), format=fmt,
             size=f"{entry['width']}×{entry['height']}")


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
    lines = [f"### {html.escape(preset.title_in(lang))}"]
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


def guide_steps() -> list[str]:
    """The photo guide's step keys, in order (assistant.stages.checks, else every check_guide_ step)."""
    if CHECK_GUIDE is not None:
        return list(CHECK_GUIDE.GUIDE_STEPS)
    skip = ("check_guide_title", "check_guide_intro", "check_guide_pic_")
    return [k for k in STRINGS if k.startswith("check_guide_") and not k.startswith(skip)]


def photo_guide_md(lang: str) -> str:
    """The "Panduan foto" text: title, intro and numbered steps."""
    title = t("check_guide_title", lang) if "check_guide_title" in STRINGS else t("app_tips_title", lang)
    lines = [f"### {html.escape(title)}"]
    if "check_guide_intro" in STRINGS:
        lines += [html.escape(t("check_guide_intro", lang), quote=False), ""]
    steps = guide_steps()
    if not steps:
        return f"### {t('app_tips_title', lang)}\n{t('app_tips_body', lang)}"
    for i, key in enumerate(steps, 1):
        text = html.escape(t(key, lang), quote=False)
        head, sep, rest = text.partition(": ")
        lines.append(f"{i}. **{head}:** {rest}" if sep and len(head) < 40 else f"{i}. {text}")
    return "\n".join(lines)


def guide_pictures() -> list[tuple[str, Path, Path]]:
    """(caption key, before, after) for each before/after pair of the photo guide that is on disk."""
    if CHECK_GUIDE is None:
        return []
    pairs = []
    for key, before, after in CHECK_GUIDE.GUIDE_PICTURES:
        b, a = GUIDE_PICTURES_DIR / before, GUIDE_PICTURES_DIR / after
        if b.is_file() and a.is_file():
            pairs.append((key, b, a))
    return pairs


_guide_images: dict[Path, Image.Image] = {}


def _guide_image(path: Path) -> Image.Image:
    """A guide picture, read once and kept in memory."""
    if path not in _guide_images:
        with Image.open(path) as img:
            _guide_images[path] = img.convert("RGB")
    return _guide_images[path]


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
.etalase-html .html-container { padding: 0 !important; }
.etalase-checks { margin-top: .4em; display: flex; flex-direction: column; gap: .35em; }
.etalase-checks-title { font-weight: 600; }
.etalase-check { border-radius: 8px; padding: .45em .65em; line-height: 1.4; }
.etalase-check-warn { background: #fffbeb; border: 1px solid #fcd34d; color: #78350f; }
.etalase-check-fail { background: #fef2f2; border: 1px solid #fca5a5; color: #7f1d1d; }
.dark .etalase-check-warn { background: #451a03; color: #fde68a; }
.dark .etalase-check-fail { background: #450a0a; color: #fecaca; }
.etalase-check-ok summary { cursor: pointer; color: #15803d; }
.dark .etalase-check-ok summary { color: #86efac; }
#touch-mode label { font-weight: 600; }
#touch-mode label:first-child { border-color: #16a34a !important; }
#touch-mode label:last-child { border-color: #dc2626 !important; }
.guide-caption { min-height: 3.2em; }
.guide-pair { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px; }
.guide-image img { object-fit: contain !important; }
.etalase-heading { color: var(--block-label-text-color); font-size: var(--block-label-text-size); padding: 0 2px; }
#mk-gallery .grid-wrap { height: auto !important; max-height: none !important; overflow-y: visible !important; }
#touch-mode label:first-child span::before, #touch-mode label:last-child span::before {
  content: ""; display: inline-block; width: .8em; height: .8em; border-radius: 50%; margin-right: .4em;
  vertical-align: -.05em; background: #16a34a; }
#touch-mode label:last-child span::before { background: #dc2626; }
/* Top-level rules reach outside the app's .contain (rules in @media are scoped inside it):
   32 px side margins on a desktop, about 10 px on a phone. */
.main.fillable { padding-left: clamp(8px, 2.5vw, 32px) !important; padding-right: clamp(8px, 2.5vw, 32px) !important; }
@media (max-width: 640px) {
  #tabs .tab-container button { padding: 0 10px !important; }
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


def _heading(text: str) -> str:
    """A label above a control that is not a Gradio block (plain HTML: "2. ..." is no Markdown list)."""
    return f"<div class='etalase-heading'>{html.escape(text)}</div>"


def _touch_choices(lang: str) -> list[tuple[str, str]]:
    return [(t("app_touch_keep", lang), "keep"), (t("app_touch_remove", lang), "remove")]


def _label_source_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(f"app_mockup_source_{s}", lang), s) for s in LABEL_SOURCES]


def _entry_title(entry: dict, lang: str) -> str:
    """An output's preset name in ``lang`` (the result description keeps both languages)."""
    return str(localized(entry["title"], lang))


def _view_choices(entries: list[dict], lang: str) -> list[tuple[str, int]]:
    """The result viewer's choices: each output by its preset's name in ``lang``."""
    return [(_entry_title(e, lang), i) for i, e in enumerate(entries)]


def _preset_choices(lang: str) -> list[tuple[str, str]]:
    return [(load_preset(n).title_in(lang), n) for n in PRESET_NAMES]


def _footer(lang: str) -> str:
    model = default_model()
    device = models.device()
    return "<small>" + html.escape(t("app_footer", lang, version=assistant.__version__, model=model,
                                     device=t(f"app_device_{device}", lang),
                                     age=_duration(CACHE_MAX_AGE_S, lang))) + "</small>"


def _output_controls(T: _Texts, lang0: str, id_prefix: str) -> tuple:
    """Marketplaces, quality, background mode and colour: the same four controls on the
    photo and batch tabs (``id_prefix`` keeps their element ids apart)."""
    presets = T(gr.Dropdown(_preset_choices(lang0), value=[DEFAULT_PRESET], multiselect=True, filterable=False,
                            label=t("app_presets_label", lang0), info=t("app_presets_info", lang0),
                            elem_id=f"{id_prefix}presets"),
                label="app_presets_label", info="app_presets_info", choices=_preset_choices)
    quality = T(gr.Radio(_quality_choices(lang0), value=default_model(), label=t("app_quality_label", lang0),
                         elem_id=f"{id_prefix}quality"),
                label="app_quality_label", choices=_quality_choices)
    bg_mode = T(gr.Radio(_background_choices(lang0, [DEFAULT_PRESET]), value="white",
                         label=t("app_background_label", lang0), info=t("app_background_info", lang0),
                         elem_id=f"{id_prefix}bg-mode"),
                label="app_background_label", info="app_background_info")
    bg_colour = T(gr.ColorPicker("#FFFFFF", label=t("app_colour_label", lang0), visible=False,
                                 elem_id=f"{id_prefix}bg-colour"), label="app_colour_label")
    return presets, quality, bg_mode, bg_colour


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
                        presets, quality, bg_mode, bg_colour = _output_controls(T, lang0, id_prefix="")
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
                        cards, lines, check_boxes, downloads = [], [], [], []
                        for i in range(n_out):
                            with gr.Column(visible=False, elem_classes=["output-card"]) as card:
                                lines.append(gr.Markdown("", elem_id=f"line-{i}"))
                                check_boxes.append(gr.HTML("", elem_id=f"checks-{i}", elem_classes=["etalase-html"]))
                                downloads.append(gr.DownloadButton(t("app_download_button", lang0, format="", size=""),
                                                                   variant="primary", elem_id=f"download-{i}"))
                            cards.append(card)
                        # The library's last Result (the touch-up re-cuts its photo); gone with the cache's files.
                        last_result = gr.State(None, time_to_live=CACHE_MAX_AGE_S)
                        touch_box = touch_editor = touch_mode = touch_btn = touch_status = None
                        if TOUCH_UP is not None:
                            with T(gr.Accordion(t("app_touch_title", lang0), open=False, visible=False,
                                                elem_id="touch"), label="app_touch_title") as touch_box:
                                T(gr.Markdown(t("app_touch_help", lang0), elem_id="touch-help"), value="app_touch_help")
                                touch_mode = T(gr.Radio(_touch_choices(lang0), value="keep", show_label=False,
                                                        label=t("app_touch_mode_label", lang0), container=False,
                                                        elem_id="touch-mode"),
                                               label="app_touch_mode_label", choices=_touch_choices)
                                touch_editor = T(gr.ImageEditor(
                                    type="numpy", image_mode="RGBA", sources=(), transforms=(), layers=False,
                                    brush=gr.Brush(colors=[TOUCH_KEEP, TOUCH_REMOVE], default_color=TOUCH_KEEP,
                                                   color_mode="fixed", default_size=TOUCH_BRUSH),
                                    eraser=gr.Eraser(default_size=TOUCH_BRUSH), label=t("app_touch_editor_label", lang0), show_label=False,
                                    height=460, buttons=[], elem_id="touch-editor", format="png"),
                                    label="app_touch_editor_label")
                                touch_btn = T(gr.Button(t("app_touch_button", lang0), variant="primary",
                                                        elem_id="touch-btn"), value="app_touch_button")
                                touch_status = gr.Markdown("", elem_id="touch-status")

            # ---- Banyak Foto
            with T(gr.Tab(t("app_tab_batch", lang0), id="batch", elem_id="tab-batch"), label="app_tab_batch"):
                batch_intro = T(gr.Markdown(t("app_batch_intro", lang0)), value="app_batch_intro")
                with gr.Row():
                    with gr.Column(min_width=300):
                        b_files = T(FileInput(file_count="multiple", label=t("app_batch_files_label", lang0),
                                              file_types=["image", ".zip", ".heic", ".heif", ".avif"],
                                              elem_id="batch-files", height=160),
                                    label="app_batch_files_label")
                        b_presets, b_quality, b_bg_mode, b_bg_colour = _output_controls(T, lang0,
                                                                                        id_prefix="batch-")
                        b_run = T(gr.Button(t("app_batch_button", lang0), variant="primary", elem_id="batch-btn",
                                            elem_classes=["etalase-big"]), value="app_batch_button")
                        b_cancel = T(gr.Button(t("app_batch_cancel", lang0), variant="secondary", size="sm",
                                               elem_id="batch-cancel"), value="app_batch_cancel")
                    with gr.Column(min_width=300):
                        b_status = gr.Markdown("", elem_id="batch-status")
                        b_zip = T(gr.File(label=t("app_batch_zip_label", lang0), interactive=False, height=120,
                                          elem_id="batch-zip"), label="app_batch_zip_label")

            # ---- Kemasan (packaging mockups)
            mk = {}
            if HAS_MOCKUPS:
                with T(gr.Tab(t("app_tab_mockup", lang0), id="mockup", elem_id="tab-mockup"), label="app_tab_mockup"):
                    T(gr.Markdown(t("app_mockup_intro", lang0)), value="app_mockup_intro")
                    with gr.Row():
                        with gr.Column(min_width=300):
                            mk["source"] = T(gr.Radio(_label_source_choices(lang0), value="design",
                                                      label=t("app_mockup_source_label", lang0), elem_id="mk-source"),
                                             label="app_mockup_source_label", choices=_label_source_choices)
                            mk["hint"] = gr.Markdown(t("app_mockup_hint_design", lang0), elem_id="mk-hint")
                            mk["label"] = T(PhotoInput(label=t("app_mockup_label_label", lang0), type="filepath",
                                                       image_mode=None, sources=["upload", "webcam"], height=220,
                                                       elem_id="mk-label"),
                                            label="app_mockup_label_label")
                            with gr.Column(visible=False, elem_id="mk-brand") as mk_brand:
                                mk["brand_name"] = T(gr.Textbox(label=t("app_mockup_brand_label", lang0),
                                                                placeholder=t("app_mockup_brand_placeholder", lang0),
                                                                max_length=40, elem_id="mk-brand-name"),
                                                     label="app_mockup_brand_label",
                                                     placeholder="app_mockup_brand_placeholder")
                                mk["brand_colour"] = T(gr.ColorPicker(SAMPLE_BRAND[1],
                                                                      label=t("app_mockup_brand_colour", lang0),
                                                                      elem_id="mk-brand-colour"),
                                                       label="app_mockup_brand_colour")
                                mk["tagline"] = T(gr.Textbox(label=t("app_mockup_tagline_label", lang0),
                                                             placeholder=t("app_mockup_tagline_placeholder", lang0),
                                                             max_length=60, elem_id="mk-tagline"),
                                                  label="app_mockup_tagline_label",
                                                  placeholder="app_mockup_tagline_placeholder")
                                mk["logo"] = T(PhotoInput(label=t("app_mockup_logo_label", lang0), type="filepath",
                                                          image_mode=None, sources=["upload"], height=140,
                                                          elem_id="mk-logo"),
                                               label="app_mockup_logo_label")
                            T(gr.HTML(_heading(t("app_mockup_templates_label", lang0)), elem_id="mk-templates-label"),
                              value=lambda lang: _heading(t("app_mockup_templates_label", lang)))
                            default_template = "pouch" if "pouch" in template_names() else ""
                            mk["templates"] = T(gr.HTML(default_template, html_template=PICKER_HTML,
                                                        css_template=PICKER_CSS, js_on_load=PICKER_JS,
                                                        items=_picker_items(lang0), elem_id="mk-templates",
                                                        elem_classes=["etalase-html"]),
                                                items=_picker_items)
                            mk["preset"] = T(gr.Dropdown(_preset_choices(lang0), value=DEFAULT_PRESET, filterable=False,
                                                         label=t("app_mockup_preset_label", lang0),
                                                         elem_id="mk-preset"),
                                             label="app_mockup_preset_label", choices=_preset_choices)
                            with T(gr.Accordion(t("app_mockup_more", lang0), open=False, elem_id="mk-more"),
                                   label="app_mockup_more"):
                                mk["product"] = T(PhotoInput(label=t("app_mockup_product_label", lang0),
                                                             type="filepath", image_mode=None,
                                                             sources=["upload", "webcam"], height=200,
                                                             elem_id="mk-product"),
                                                  label="app_mockup_product_label")
                                mk["quality"] = T(gr.Radio(_quality_choices(lang0), value=default_model(),
                                                           label=t("app_quality_label", lang0),
                                                           elem_id="mk-quality"),
                                                  label="app_quality_label", choices=_quality_choices)
                                mk["body_on"] = T(gr.Checkbox(False, label=t("app_mockup_body_label", lang0),
                                                              info=t("app_mockup_body_info", lang0),
                                                              elem_id="mk-body-on"),
                                                  label="app_mockup_body_label", info="app_mockup_body_info")
                                mk["body"] = T(gr.ColorPicker("#F5F5F4", label=t("app_colour_label", lang0),
                                                              visible=False, elem_id="mk-body"),
                                               label="app_colour_label")
                                mk["badge"] = T(gr.Textbox(label=t("app_mockup_badge_label", lang0),
                                                           info=t("app_mockup_badge_info", lang0),
                                                           placeholder="PROMO -20%", max_length=24,
                                                           elem_id="mk-badge"),
                                                label="app_mockup_badge_label", info="app_mockup_badge_info")
                            mk["run"] = T(gr.Button(t("app_mockup_button", lang0), variant="primary",
                                                    elem_id="mk-btn", elem_classes=["etalase-big"]),
                                          value="app_mockup_button")
                        with gr.Column(min_width=300):
                            mk["status"] = gr.Markdown("", elem_id="mk-status")
                            mk["gallery"] = gr.Gallery(label=t("app_mockup_result_label", lang0), columns=2,
                                                       height="auto", object_fit="contain", interactive=False,
                                                       visible=False, buttons=["fullscreen"], elem_id="mk-gallery")
                            mk["state"] = gr.State(None)
                            mk["downloads"] = [gr.DownloadButton("", variant="primary", visible=False,
                                                                 elem_id=f"mk-download-{i}")
                                               for i in range(len(template_names()))]
            # ---- Panduan
            with T(gr.Tab(t("app_tab_guide", lang0), id="guide", elem_id="tab-guide"), label="app_tab_guide"):
                T(gr.Markdown(photo_guide_md(lang0), elem_id="photo-guide"), value=photo_guide_md)
                pictures = guide_pictures()
                guide_images = []
                for row in range(0, len(pictures), 2):  # two before/after pairs a row; one a row on a phone
                    with gr.Row(elem_classes=["guide-pictures"]):
                        for key, _, _ in pictures[row:row + 2]:
                            with gr.Column(min_width=280, elem_classes=["guide-pair"]):
                                T(gr.Markdown(t(key, lang0), elem_classes=["guide-caption"]), value=key)
                                with gr.Row(equal_height=True):
                                    for side in ("check_guide_pic_before", "check_guide_pic_after"):
                                        guide_images.append(T(gr.Image(
                                            label=t(side, lang0), type="pil", interactive=False, buttons=[],
                                            height=220, min_width=120, elem_classes=["guide-image"]), label=side))
                T(gr.Markdown(f"### {t('app_guide_rules_title', lang0)}\n{t('app_guide_intro', lang0)}"),
                  value=lambda lang: f"### {t('app_guide_rules_title', lang)}\n{t('app_guide_intro', lang)}")
                guide_pick = T(gr.Dropdown(_preset_choices(lang0), value=DEFAULT_PRESET, filterable=False,
                                           label=t("app_guide_select", lang0), elem_id="guide-pick"),
                               label="app_guide_select", choices=_preset_choices)
                guide_card = gr.Markdown(guide_md(DEFAULT_PRESET, lang0), elem_id="guide-card")

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

        def render_result(state, lang_value):
            lang_value = _lang(lang_value)
            updates = []
            entries = (state or {}).get("outputs", [])
            for i in range(n_out):
                if i < len(entries):
                    e = entries[i]
                    updates += [gr.update(visible=True), gr.update(value=compliance_md(e, lang_value)),
                                gr.update(value=checks_md(e, lang_value)),
                                gr.update(value=e["path"], label=_download_label(e, lang_value))]
                else:
                    updates += [gr.update(visible=False), gr.update(value=""), gr.update(value=""),
                                gr.update(value=None)]
            return updates

        out_components = [c for i in range(n_out) for c in (cards[i], lines[i], check_boxes[i], downloads[i])]
        touch_outputs = [touch_box, touch_editor, touch_status] if TOUCH_UP is not None else []
        photo_outputs = [status, slider, view, result_state, last_result] + out_components + touch_outputs

        def _settings(values) -> dict:
            return {"background": _background_for(values[bg_mode], values[bg_colour]),
                    "lighting": _lighting_for(values[light_auto], {n: values[c] for n, c in light_controls.items()}),
                    "shadow": _shadow_for(values[shadow_style], values[shadow_opacity])}

        def _show(state, result, lang_value, start, touched=False):
            entries = state["outputs"]
            done = t("app_touch_done" if touched else "app_done", lang_value,
                     seconds=_num(time.perf_counter() - start, lang_value))
            view_update = gr.update(choices=_view_choices(entries, lang_value), value=0,
                                    visible=len(entries) > 1)
            updates = ([f"<div class='etalase-ok'>✓ {done}</div>",
                        gr.update(value=(state["before"], entries[0]["path"]), visible=True), view_update, state,
                        result] + render_result(state, lang_value))
            if touch_outputs:
                view = touch_view(result.photo)
                editor = gr.update(value={"background": view, "layers": [], "composite": None},
                                   height=_touch_height(view.size))
                updates += [gr.update(visible=True), editor,
                            f"<div class='etalase-ok'>✓ {done}</div>" if touched else ""]
            return updates

        def _failed(message: str, values, touched=False):
            updates = ([gr.update() if touched else _alert(message), gr.update(), gr.update(), values[result_state],
                        values[last_result]] + [gr.update()] * len(out_components))
            if touch_outputs:
                updates += [gr.update(), gr.update(), _alert(message) if touched else gr.update()]
            return updates

        def run_photo(values, request: gr.Request, progress=gr.Progress()):
            lang_value = _lang(values[lang])
            progress.lang = lang_value
            start = time.perf_counter()
            try:
                if not values[photo]:
                    raise AppMessage("app_need_photo")
                model = _model_for(values[quality])
                state, result = process_photo_files(
                    values[photo], values[presets] or [], model, **_settings(values),
                    session=getattr(request, "session_hash", None), progress=progress, checks=True)
            except Exception as exc:  # every failure becomes a message the vendor can act on
                return _failed(_friendly(exc, lang_value), values)
            return _show(state, result, lang_value, start)

        run_inputs = {photo, presets, quality, bg_mode, bg_colour, light_auto, shadow_style, shadow_opacity, lang,
                      result_state, last_result, *light_controls.values()}
        run_btn.click(lambda: "", None, status, queue=False, api_visibility="private").then(
            run_photo, run_inputs, photo_outputs,
                      concurrency_limit=CONCURRENCY, concurrency_id="work", api_visibility="private",
                      show_progress="full", scroll_to_output=True)

        if touch_outputs:
            def run_touch(values, request: gr.Request, progress=gr.Progress()):
                lang_value = _lang(values[lang])
                start = time.perf_counter()
                try:
                    result = values[last_result]
                    if result is None:
                        raise AppMessage("app_touch_need_result")
                    keep, remove = stroke_masks(values[touch_editor], result.photo.size)
                    model = _model_for(values[quality])
                    names = values[presets] or []
                    progress(0.3, desc=t("app_touch_progress", lang_value))
                    state, touched = touch_up_files(result.photo, keep, remove, names, model, **_settings(values),
                                                    stem=_safe_stem(values[photo] or "foto"), checks=True)
                    _remember_cutout(getattr(request, "session_hash", None), values[photo], load_presets(names),
                                     model, touched.photo)
                except Exception as exc:
                    return _failed(_friendly(exc, lang_value), values, touched=True)
                return _show(state, touched, lang_value, start, touched=True)

            touch_btn.click(lambda: "", None, touch_status, queue=False, api_visibility="private").then(
                run_touch, run_inputs | {touch_editor}, photo_outputs, concurrency_limit=CONCURRENCY,
                concurrency_id="work", api_visibility="private", show_progress="minimal")
            # The brush colour is switched in the browser (no round trip, the strokes stay).
            touch_mode.change(None, touch_mode, None, js=_TOUCH_MODE_JS, queue=False, api_visibility="private")

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

            def report(done: int, total: int, info) -> None:   # a third parameter gets the ETA
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

        # ---- Kemasan
        mk_outputs = []
        if mk:
            def on_source(source, lang_value):
                lang_value = _lang(lang_value)
                hint = "" if source == "brand" else t(f"app_mockup_hint_{source}", lang_value)
                return gr.update(visible=source != "brand"), gr.update(visible=source == "brand"), hint

            mk["source"].change(on_source, [mk["source"], lang], [mk["label"], mk_brand, mk["hint"]], queue=False,
                                api_visibility="private")
            mk["body_on"].change(lambda on: gr.update(visible=bool(on)), mk["body_on"], mk["body"], queue=False,
                                 api_visibility="private")

            def render_mockups(entries, lang_value):
                lang_value = _lang(lang_value)
                entries = entries or []
                gallery = gr.update(value=[(e["path"], template_title(e["template"], lang_value)) for e in entries],
                                    visible=bool(entries), label=t("app_mockup_result_label", lang_value))
                buttons = [gr.update(value=entries[i]["path"], label=_mockup_download_label(entries[i], lang_value),
                                     visible=True) if i < len(entries) else gr.update(value=None, visible=False)
                           for i in range(len(mk["downloads"]))]
                return [gallery] + buttons

            mk_outputs = [mk["gallery"]] + mk["downloads"]

            def run_mockups(values, progress=gr.Progress()):
                lang_value = _lang(values[lang])
                progress.lang = lang_value
                start = time.perf_counter()
                try:
                    progress(0.05, desc=t("app_mockup_progress_label", lang_value))
                    label = make_label(values[mk["source"]], values[mk["label"]], values[mk["brand_name"]],
                                       values[mk["brand_colour"]], values[mk["tagline"]], values[mk["logo"]])
                    product = values[mk["product"]]
                    entries = mockup_files(label, values[mk["templates"]], values[mk["preset"]], product_path=product,
                                           model=_model_for(values[mk["quality"]]) if product else None,
                                           body_colour=values[mk["body"]] if values[mk["body_on"]] else None,
                                           badge=values[mk["badge"]], progress=progress)
                except Exception as exc:
                    return [_alert(_friendly(exc, lang_value)), values[mk["state"]]] + [gr.update()] * len(mk_outputs)
                done = t("app_mockup_done", lang_value, count=len(entries),
                         seconds=_num(time.perf_counter() - start, lang_value))
                return [f"<div class='etalase-ok'>✓ {done}</div>", entries] + render_mockups(entries, lang_value)

            mk_inputs = {lang, *(v for k, v in mk.items() if k not in ("run", "status", "gallery", "downloads",
                                                                        "hint"))}
            mk["run"].click(lambda: "", None, mk["status"], queue=False, api_visibility="private").then(
                run_mockups, mk_inputs, [mk["status"], mk["state"]] + mk_outputs, concurrency_limit=CONCURRENCY,
                concurrency_id="work", api_visibility="private", show_progress="full", scroll_to_output=True)

        def static_pictures(lang_value):
            """The guide's pictures, served from the cache (filled per visit: the cache is swept)."""
            return [_guide_image(path) for _, *pair in pictures for path in pair][:len(guide_images)]

        static_outputs = guide_images

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
        mk_extra = [mk["state"], mk["source"]] if mk else []

        def relabel(lang_value, names, b_names, mode, b_mode, guide_name, state, *extra):
            lang_value = _lang(lang_value)
            entries = (state or {}).get("outputs", [])
            updates = (T.updates(lang_value)
                       + [gr.update(choices=_background_choices(lang_value, names), value=mode),
                          gr.update(choices=_background_choices(lang_value, b_names), value=b_mode),
                          guide_md(guide_name, lang_value)]
                       + [gr.update(choices=_view_choices(entries, lang_value)) if entries else gr.update()]
                       + render_result(state, lang_value))
            if mk:
                mk_entries, source = extra
                updates += render_mockups(mk_entries, lang_value)
                updates.append("" if source == "brand" else t(f"app_mockup_hint_{source}", lang_value))
            return updates

        lang.change(relabel, [lang, presets, b_presets, bg_mode, b_bg_mode, guide_pick, result_state] + mk_extra,
                    [c for c, _ in T.entries] + [bg_mode, b_bg_mode, guide_card, view] + out_components + mk_outputs
                    + ([mk["hint"]] if mk else []),
                    queue=False, api_visibility="private")

        def from_url(request: gr.Request):
            wanted = (request.query_params.get("lang") or "").lower()[:2] if request else ""
            return wanted if wanted in LANGUAGES else gr.update()

        demo.load(from_url, None, lang, queue=False, api_visibility="private")
        if static_outputs:
            def load_pictures(lang_value):
                out = static_pictures(lang_value)
                return out[0] if len(out) == 1 else out  # one output takes its value, not a list

            demo.load(load_pictures, lang, static_outputs, queue=False, api_visibility="private")
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_MAX)
    return demo


def _blocked_paths() -> list[str]:
    """Folders never served even if someone points Gradio at them: the code and the models."""
    paths = [REPO, models.models_dir()]
    return [str(p) for p in paths if not (CACHE_DIR == p or p in CACHE_DIR.parents)]


# Gradio's bundled Source Sans Pro SemiBold is a few-glyph subset: semibold text fell back, letter by
# letter, to another font. Regular and the complete Bold only (600 then renders with Bold).
THEME_FONT = (gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif")


def launch_kwargs() -> dict:
    return {
        "theme": gr.themes.Default(primary_hue="orange", font=THEME_FONT),
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
    warm = [n.strip() for n in os.environ.get("ETALASE_WARM", ",".join(segment.WARM_ORDER)).split(",") if n.strip()]
    threading.Thread(target=_warm, args=(warm,), daemon=True, name="warm-models").start()
    threading.Thread(target=_sweeper, daemon=True, name="cache-sweeper").start()
    demo = build_app()
    demo.launch(server_name=args.host, server_port=args.port, **launch_kwargs())


if __name__ == "__main__":
    main()
