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
* **Report**: ``report.csv`` (one row per input and preset), ``report.html`` (a contact sheet
  per vendor, thumbnails in ``thumbs/``), ``upload/<preset>.csv`` (bulk-upload sheets: SKU
  and image file names in order), ``zips/<vendor>.zip`` and ``all-outputs.zip`` for hand-over.
* **Scale-out**: ``engine="dask"`` sends the same per-photo function (``process_bytes``) to a
  Dask cluster; outputs and journal stay on this machine.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import hashlib
import html
import inspect
import io
import json
import os
import re
import string
import threading
import time
import zipfile
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import cv2
import numpy as np
from PIL import Image

from assistant import archive, checks_runner, models, pipeline
from assistant.errors import AssistantError
from assistant.i18n import t
from assistant.photo import MAX_BYTES, Notice, Photo, open_photo, write_atomic
from assistant.pipeline import output_path, process, refuse_output_inside, working_side
from assistant.presets import Preset, load_presets

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".avif", ".gif",
                  ".bmp", ".tif", ".tiff"}
REPORT_FIELDS = ["input", "preset", "output", "status", "message", "width", "height", "bytes",
                 "vendor", "sku", "warnings", "decode_s", "cutout_s", "lighting_s", "export_s", "resumed",
                 "verdict", "headline"]
DEFAULT_NAME = "{preset}/{path}"
NAME_FIELDS = ("preset", "path", "dir", "vendor", "stem", "name", "sku", "n")
JOURNAL = Path(".etalase") / "journal.jsonl"
THUMB_SIDE = 200
BATCH_FORMAT = 2  # bump when the journal's meaning changes (2: the listing checks' notices)
# photo errors that are the machine's (internal errors are Record.internal; the scheduler and
# Dask errors stop the whole run before any photo)
_MACHINE_ERRORS = ("model_", "batch_worker_", "batch_cluster")


# --------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class Job:
    """One input photo: a file, or an entry of a zip (``member``), and its path below each
    preset's folder (``relative``, vendor first)."""

    path: Path
    relative: Path
    member: str | None = None
    vendor: str = ""
    index: int = 0
    listing: archive.Listing | None = field(default=None, compare=False, repr=False)
    entry: archive.Entry | None = field(default=None, compare=False, repr=False)

    @property
    def display(self) -> str:
        """How the report names the input: its path, or ``archive.zip!entry``."""
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    def read(self) -> bytes:
        """The input's bytes, capped like ``open_photo`` caps a file."""
        if self.listing is not None and self.entry is not None:
            return self.listing.read(self.entry)
        try:
            size = self.path.stat().st_size
            if size > MAX_BYTES:
                raise AssistantError("photo_file_too_large", name=self.path.name, mb=round(size / 1e6, 1),
                                     limit=MAX_BYTES // 1_000_000)
            return self.path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
            raise AssistantError("photo_unreadable", name=self.path.name) from None


@dataclass
class ReportRow:
    input: str
    preset: str
    output: str = ""
    status: str = "ok"  # ok | error | skipped
    message: str = ""
    width: int | str = ""
    height: int | str = ""
    bytes: int | str = ""
    vendor: str = ""
    sku: str = ""
    warnings: str = ""  # notice codes, ';'-separated
    decode_s: float | str = ""
    cutout_s: float | str = ""
    lighting_s: float | str = ""
    export_s: float | str = ""
    resumed: str = ""  # "1" when the journal said it was already done
    verdict: str = ""  # issue 16: ready | check | retake (assistant.readiness.verdict)
    headline: str = ""  # the verdict's headline in the report's language
    code: str = field(default="", repr=False)  # the error's or skip's i18n key
    params: dict = field(default_factory=dict, repr=False)
    index: int = field(default=0, repr=False)


def _vendor_of(relative: Path) -> str:
    return relative.parts[0] if len(relative.parts) > 1 else ""


def _skip_row(display: str, relative: Path, code: str, params: dict, status: str, index: int) -> ReportRow:
    return ReportRow(display, "", status=status, vendor=_vendor_of(relative), code=code, params=params,
                     index=index)


def _archive_jobs(path: Path, base: Path, jobs: list[Job], rows: list[ReportRow], counter: list[int]) -> None:
    """A zip is read as a folder named after it at its place (``base``); a zip given on its own
    is read like an input folder, with photos at its top level under its name."""
    try:
        listing = archive.list_archive(path, IMAGE_SUFFIXES)
    except AssistantError as exc:
        rows.append(_skip_row(str(path), base / path.stem, exc.code, exc.params, "error", counter[0]))
        counter[0] += 1
        return
    names = [e.name for e in listing.entries] + [p.name for p in listing.problems]
    strip = bool(names) and all(n.split("/")[0] == path.stem and "/" in n for n in names)

    def rel(name: str) -> Path:
        inner = PurePosixPath(name)
        if strip:
            inner = PurePosixPath(*inner.parts[1:])
        if base == Path() and len(inner.parts) > 1 and not strip:
            return Path(*inner.parts)
        return base / path.stem / Path(*inner.parts)

    for entry in listing.entries:
        r = rel(entry.name)
        jobs.append(Job(path, r, entry.name, _vendor_of(r), counter[0], listing, entry))
        counter[0] += 1
    for problem in listing.problems:
        safe_rel = base / path.stem / "x" if problem.code in ("batch_zip_traversal", "batch_zip_absolute") \
            else rel(problem.name)
        rows.append(_skip_row(f"{path}!{problem.name}", safe_rel, problem.code, problem.params,
                              problem.status, counter[0]))
        counter[0] += 1


def collect_jobs(inputs: Iterable[str | Path]) -> tuple[list[Job], list[ReportRow]]:
    """Files as given, folders walked recursively (hidden files skipped), zips opened safely;
    non-images and refused zip entries come back as report rows."""
    jobs: list[Job] = []
    rows: list[ReportRow] = []
    counter = [0]
    for item in inputs:
        src = Path(item)
        if src.is_dir():
            for path in sorted(p for p in src.rglob("*") if p.is_file()):
                rel = path.relative_to(src)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                suffix = path.suffix.lower()
                if suffix in archive.ARCHIVE_SUFFIXES:
                    _archive_jobs(path, rel.parent, jobs, rows, counter)
                    continue
                if suffix in IMAGE_SUFFIXES:
                    jobs.append(Job(path, rel, vendor=_vendor_of(rel), index=counter[0]))
                else:
                    rows.append(_skip_row(str(path), rel, "photo_skipped_suffix", {"name": path.name},
                                          "skipped", counter[0]))
                counter[0] += 1
        elif src.suffix.lower() in archive.ARCHIVE_SUFFIXES and src.is_file():
            _archive_jobs(src, Path(), jobs, rows, counter)
        else:
            jobs.append(Job(src, Path(src.name), index=counter[0]))
            counter[0] += 1
    return jobs, rows


# --------------------------------------------------------------------------- naming and SKUs

def check_name_pattern(pattern: str) -> str:
    """The pattern when every ``{field}`` in it is known; an ``AssistantError`` otherwise."""
    try:
        fields = [f for _, f, spec, conv in string.Formatter().parse(pattern) if f is not None]
    except ValueError:
        raise AssistantError("batch_name_bad", pattern=pattern, fields=", ".join(NAME_FIELDS)) from None
    bad = [f for f in fields if f not in NAME_FIELDS]
    if bad or not fields:
        raise AssistantError("batch_name_bad", pattern=pattern, fields=", ".join(NAME_FIELDS))
    return pattern


_UNSAFE = re.compile(r'[\x00-\x1f<>:"|?*]')


def render_name(pattern: str, **values: object) -> PurePosixPath:
    """The pattern filled in, as a safe relative path: no empty, ``.`` or ``..`` parts."""
    text = pattern.format(**values).replace("\\", "/")
    parts = []
    for part in text.split("/"):
        part = _UNSAFE.sub("_", part).strip()
        if part in ("", "."):
            continue
        parts.append("_" if part == ".." else part)
    return PurePosixPath(*parts) if parts else PurePosixPath("_")


@dataclass(frozen=True)
class SkuEntry:
    sku: str
    order: int


def load_sku_map(path: str | Path) -> dict[str, SkuEntry]:
    """A CSV of ``file,sku[,order]`` (a header row is recognised and skipped): keys are the file
    name, its stem and its relative path, lower-case."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise AssistantError("batch_sku_map_unreadable", path=str(path)) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    out: dict[str, SkuEntry] = {}
    for line_no, row in enumerate(csv.reader(io.StringIO(text), dialect), 1):
        row = [c.strip() for c in row]
        if not any(row):
            continue
        if line_no == 1 and row[0].lower() in ("file", "berkas", "nama", "name", "filename", "foto", "photo"):
            continue
        if len(row) < 2 or not row[0] or not row[1]:
            raise AssistantError("batch_sku_map_bad", path=path.name, line=line_no)
        try:
            order = int(row[2]) if len(row) > 2 and row[2] else line_no
        except ValueError:
            raise AssistantError("batch_sku_map_bad", path=path.name, line=line_no) from None
        key = row[0].replace("\\", "/").lower()
        entry = SkuEntry(row[1], order)
        out.setdefault(key, entry)
        out.setdefault(PurePosixPath(key).name, entry)
        out.setdefault(PurePosixPath(key).stem, entry)
    return out


def _sku_for(job: Job, skus: dict[str, SkuEntry] | None) -> SkuEntry | None:
    if not skus:
        return None
    rel = job.relative.as_posix().lower()
    for key in (rel, PurePosixPath(rel).name, PurePosixPath(rel).stem):
        if key in skus:
            return skus[key]
    return None


@dataclass(frozen=True)
class Plan:
    """Where one job's outputs go, and its SKU."""

    job: Job
    sku: str
    order: int
    paths: dict[str, str]  # preset name -> path relative to the output folder (posix)


def plan_outputs(jobs: list[Job], presets: list[Preset], pattern: str, background: str | None,
                 skus: dict[str, SkuEntry] | None) -> tuple[list[Plan], list[tuple[Job, str]]]:
    """Each job's output paths; a job whose name clashes with an earlier one's comes back apart."""
    sku_of = {job.index: _sku_for(job, skus) for job in jobs}
    # {n}: the photo's place among its SKU's photos (SKU map order, then input order).
    groups: dict[tuple[str, str], list[Job]] = defaultdict(list)
    for job in jobs:
        entry = sku_of[job.index]
        groups[(job.vendor, entry.sku if entry else job.relative.stem)].append(job)
    number: dict[int, int] = {}
    for members in groups.values():
        members.sort(key=lambda j: (sku_of[j.index].order if sku_of[j.index] else 0, j.index))
        for n, job in enumerate(members, 1):
            number[job.index] = n
    plans: list[Plan] = []
    clashes: list[tuple[Job, str]] = []
    taken: dict[str, Job] = {}
    for job in jobs:
        entry = sku_of[job.index]
        sku = entry.sku if entry else ""
        paths: dict[str, str] = {}
        clash = None
        for preset in presets:
            ext = pipeline.output_extension(preset, background)
            rel_dir = job.relative.parent.as_posix()
            if pattern == DEFAULT_NAME:
                rel = output_path(Path(), preset, job.relative, ext).as_posix()
            else:
                rel = str(render_name(pattern, preset=preset.name, path=job.relative.with_suffix("").as_posix(),
                                      dir="" if rel_dir == "." else rel_dir, vendor=job.vendor,
                                      stem=job.relative.stem, name=job.relative.name,
                                      sku=sku or job.relative.stem, n=number[job.index])) + ext
            key = rel.lower()
            if key in taken and clash is None:
                clash = taken[key].display
            paths[preset.name] = rel
        if clash is not None:
            clashes.append((job, clash))
            continue
        for rel in paths.values():
            taken[rel.lower()] = job
        plans.append(Plan(job, sku, entry.order if entry else job.index, paths))
    return plans, clashes


# --------------------------------------------------------------------------- the recipe

_CODE_FILES = ("pipeline.py", "photo.py", "segment.py", "checks_runner.py", "stages/checks.py",
               "stages/cutout.py", "stages/framing.py", "stages/lighting.py", "stages/shadow.py")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """The package version plus a hash of the modules that shape an output: a changed stage
    means changed outputs, so the journal's entries from before no longer count."""
    root = Path(__file__).resolve().parent
    # The package's __version__ (read from the file: this runs while ``assistant`` is importing).
    found = re.search(r'^__version__\s*=\s*["\']([^"\']+)', (root / "__init__.py").read_text(), re.M)
    digest = hashlib.sha256(f"{found.group(1) if found else '?'}/{BATCH_FORMAT}".encode())
    for name in _CODE_FILES:
        path = root / name
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Recipe:
    """Everything an output depends on besides the photo; sent to Dask workers as it is."""

    presets: tuple[Preset, ...]
    model: str
    background: str | None
    code: str
    thumb_side: int = THUMB_SIDE

    def key(self) -> str:
        model_file = models.model_path(self.model)
        spec = {
            "code": self.code, "model": self.model,
            "model_bytes": model_file.stat().st_size if model_file.is_file() else 0,
            "background": self.background, "thumb": self.thumb_side,
            "presets": [{"name": p.name, "image": dataclasses.asdict(p.image),
                         "lighting": dataclasses.asdict(p.lighting), "shadow": dataclasses.asdict(p.shadow)}
                        for p in self.presets],
        }
        return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:24]


# --------------------------------------------------------------------------- the per-photo work

@dataclass
class MadeOutput:
    preset: str
    extension: str
    data: bytes
    width: int
    height: int
    notices: list[Notice]
    thumb: bytes
    verdict: dict | None = None  # issue 16: {"level", "reasons": [[code, params], ...]}


@dataclass
class PhotoResult:
    """What the per-photo function returns (picklable: it comes back from Dask workers)."""

    outputs: list[MadeOutput] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    before: bytes | None = None
    timings: dict[str, float] = field(default_factory=dict)
    error: tuple[str, dict] | None = None
    internal: str | None = None  # an unexpected exception: reported, never journaled
    code: str = ""


@dataclass
class Decoded:
    photo: Photo
    before: bytes
    needs_model: bool
    decode_s: float


def _thumb(image: Image.Image, side: int) -> bytes:
    img = image.copy()
    img.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    if img.mode != "RGB":
        bg = Image.new("RGB", img.size, (236, 236, 236))  # a light grey shows transparency
        bg.paste(img, mask=img.getchannel("A") if img.mode == "RGBA" else None)
        img = bg
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def decode_stage(data: bytes, name: str, recipe: Recipe) -> Decoded:
    """Decode (JPEG draft mode, at the size the presets need) and make the 'before' thumbnail."""
    t0 = time.perf_counter()
    source = io.BytesIO(data)
    source.name = name  # open_photo's messages name the file
    photo = open_photo(source, max_side=working_side(list(recipe.presets)))
    needs_model = not pipeline.uses_file_alpha(photo)
    before = _thumb(photo.image, recipe.thumb_side)
    return Decoded(photo, before, needs_model, time.perf_counter() - t0)


def model_stage(decoded: Decoded, recipe: Recipe) -> np.ndarray | None:
    """The model's soft mask (the only stage that needs the model); None for a cut-out PNG."""
    if not decoded.needs_model:
        return None
    return pipeline.soft_mask(decoded.photo, recipe.model)


def finish_stage(decoded: Decoded, soft: np.ndarray | None, recipe: Recipe, cutout_s: float) -> PhotoResult:
    """Alpha, lighting, framing and encoding for every preset: ``pipeline.process`` after the cut."""
    t0 = time.perf_counter()
    if soft is None:
        photo = pipeline.cut_out(decoded.photo)  # the file's own alpha
    else:
        photo = pipeline.with_mask(decoded.photo, soft, recipe.model)
    cutout_s += time.perf_counter() - t0
    result = process(photo, list(recipe.presets), model=recipe.model, background=recipe.background)
    # The listing checks, as in the app: each warn or fail becomes a notice with its tip.
    checks = checks_runner.check_outputs(result)
    outputs = [MadeOutput(o.preset.name, o.extension, o.data, o.size[0], o.size[1],
                          list(o.notices) + [Notice(r.tip_key, dict(r.params))
                                             for r in checks[o.preset.name] if r.status != "ok"],
                          _thumb(o.image, recipe.thumb_side), _verdict_json(result.verdicts[o.preset.name]))
               for o in result.outputs]
    timings = {"decode": decoded.decode_s, "cutout": cutout_s + result.timings.get("cutout", 0.0),
               "lighting": result.timings.get("lighting", 0.0),
               "export": result.timings.get("framing_export", 0.0)}
    return PhotoResult(outputs, list(result.photo.notices), decoded.before, timings, code=recipe.code)


def _failure(exc: BaseException, before: bytes | None = None, code: str = "") -> PhotoResult:
    if isinstance(exc, AssistantError):
        return PhotoResult(error=(exc.code, dict(exc.params)), before=before, code=code)
    detail = _exc_detail(exc)
    return PhotoResult(internal=detail, before=before, code=code)


def process_bytes(data: bytes, name: str, recipe: Recipe) -> PhotoResult:
    """The whole per-photo function: bytes in, encoded outputs and thumbnails out.

    The Dask engine runs exactly this on its workers; the local engine runs its three stages
    on different threads so they overlap."""
    if recipe.code and recipe.code != code_version():
        return PhotoResult(error=("batch_worker_version", {"worker": code_version(), "here": recipe.code}))
    decoded = None
    try:
        decoded = decode_stage(data, name, recipe)
        t0 = time.perf_counter()
        soft = model_stage(decoded, recipe)
        return finish_stage(decoded, soft, recipe, time.perf_counter() - t0)
    except Exception as exc:  # one bad photo costs only its own rows
        return _failure(exc, decoded.before if decoded else None, recipe.code)


# --------------------------------------------------------------------------- journal

@dataclass
class Record:
    """One photo's outcome, as journaled: the report rows are built from it."""

    input: str
    relative: str
    vendor: str
    sku: str
    order: int
    key: str
    status: str  # ok | error
    error: list | None = None  # [code, params]
    notices: list = field(default_factory=list)  # [[code, params], ...]
    outputs: list = field(default_factory=list)  # [{preset, path, width, height, bytes, notices}]
    thumbs: dict = field(default_factory=dict)  # "before" / preset name -> path below out
    timings: dict = field(default_factory=dict)
    resumed: bool = False
    index: int = 0
    internal: str | None = None

    def to_json(self) -> str:
        d = dataclasses.asdict(self)
        for k in ("resumed", "index", "internal", "input", "order"):
            d.pop(k)
        return json.dumps(d, ensure_ascii=False, default=str)


class Journal:
    """``<out>/.etalase/journal.jsonl``: append-only, one line per finished photo; a torn last
    line (a kill mid-write) is ignored on reading."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / JOURNAL
        self.entries: dict[tuple[str, str], dict] = {}
        if self.path.is_file():
            for line in self.path.read_text("utf-8", errors="replace").splitlines():
                try:
                    d = json.loads(line)
                    self.entries[(d["relative"], d["key"])] = d
                except (ValueError, KeyError, TypeError):
                    continue
        self._handle = None

    def find(self, relative: str, key: str) -> dict | None:
        return self.entries.get((relative, key))

    def add(self, record: Record) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        line = record.to_json()
        self._handle.write(line + "\n")
        self._handle.flush()
        self.entries[(record.relative, record.key)] = json.loads(line)

    def close(self, keep: set[tuple[str, str]] | None = None) -> None:
        """Close; with ``keep``, rewrite the file with only the newest entry per input kept."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if keep is not None and self.path.is_file():
            latest = {rel: (rel, key) for rel, key in self.entries}  # insertion order: newest last
            for rel, key in keep:
                latest[rel] = (rel, key)
            lines = [json.dumps(self.entries[k], ensure_ascii=False) for k in latest.values() if k in self.entries]
            write_atomic(self.path, ("\n".join(lines) + "\n").encode("utf-8") if lines else b"")


def _still_valid(entry: dict, plan: Plan, out_dir: Path) -> bool:
    """A journaled photo counts as done when its outputs are where this run would put them,
    with the sizes recorded (a deleted or truncated output is redone)."""
    if entry.get("status") == "error":
        return True
    outs = {o["preset"]: o for o in entry.get("outputs", [])}
    if set(outs) != set(plan.paths):
        return False
    for preset, rel in plan.paths.items():
        o = outs[preset]
        if o["path"] != rel:
            return False
        try:
            if (out_dir / rel).stat().st_size != o["bytes"]:
                return False
        except OSError:
            return False
    return True


# --------------------------------------------------------------------------- progress

@dataclass(frozen=True)
class BatchProgress:
    """What the progress callback's third argument carries: counts, rate and time left."""

    done: int
    total: int
    ok: int
    failed: int
    resumed: int
    elapsed_s: float
    rate: float  # photos processed per second (reused ones not counted)
    eta_s: float | None
    current: str = ""


def _exc_detail(exc: BaseException) -> str:
    """An unexpected exception in one line for the report: its type and message, 300 characters at most."""
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


_opencv_lock = threading.Lock()
_opencv_users = 0
_opencv_saved = 0


@contextlib.contextmanager
def _opencv_single_threaded():
    """OpenCV without its own worker threads while a local batch runs.

    The local engine's parallelism is its overlapping stages (decode, model, finish threads).
    OpenCV's own worker threads on top only contend with them: 20 ISNet photos took 89.6 s of
    CPU with them and 80.3 s without (47.3 -> 42.1 s wall). The setting is process-wide and the
    app may run batches side by side, so the first batch in saves it and the last one out
    puts it back.
    """
    global _opencv_users, _opencv_saved
    with _opencv_lock:
        if _opencv_users == 0:
            _opencv_saved = cv2.getNumThreads()
            cv2.setNumThreads(1)
        _opencv_users += 1
    try:
        yield
    finally:
        with _opencv_lock:
            _opencv_users -= 1
            if _opencv_users == 0:
                cv2.setNumThreads(_opencv_saved)


def _progress_caller(cb: Callable | None) -> Callable[[BatchProgress], None]:
    if cb is None:
        return lambda info: None
    try:
        params = inspect.signature(cb).parameters.values()
        # only a third positional parameter without a default asks for the details
        n = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty for p in params)
        three = n >= 3 or any(p.kind == p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):
        three = False
    if three:
        return lambda info: cb(info.done, info.total, info)
    return lambda info: cb(info.done, info.total)


class _Tracker:
    def __init__(self, total: int, callback: Callable[[BatchProgress], None]) -> None:
        self.total, self.callback = total, callback
        self.done = self.ok = self.failed = self.resumed = self.processed = 0
        self.t0 = time.perf_counter()
        self.first_t: float | None = None

    def step(self, record: Record) -> None:
        self.done += 1
        self.ok += record.status == "ok"
        self.failed += record.status != "ok"
        if record.resumed:
            self.resumed += 1
        else:
            self.processed += 1
        self.emit(record.input)

    def emit(self, current: str = "") -> None:
        elapsed = time.perf_counter() - self.t0
        rate = self.processed / elapsed if elapsed > 0 and self.processed else 0.0
        left = self.total - self.done
        eta = left / rate if rate > 0 else (0.0 if left == 0 else None)
        self.callback(BatchProgress(self.done, self.total, self.ok, self.failed, self.resumed,
                                    round(elapsed, 3), round(rate, 4), None if eta is None else round(eta, 1),
                                    current))


# --------------------------------------------------------------------------- writing results

def _thumb_name(record_key: str, relative: str, what: str) -> str:
    h = hashlib.sha256(f"{relative}\0{record_key}".encode()).hexdigest()[:20]
    return f"thumbs/{h}-{re.sub(r'[^A-Za-z0-9_-]', '_', what)}.jpg"


def _write_result(plan: Plan, key: str, result: PhotoResult, out_dir: Path) -> Record:
    """Write one photo's outputs and thumbnails (each atomically) and describe them."""
    job = plan.job
    rel = job.relative.as_posix()
    record = Record(job.display, rel, job.vendor, plan.sku, plan.order, key,
                    "error" if (result.error or result.internal) else "ok",
                    list(result.error) if result.error else None,
                    [[n.code, n.params] for n in result.notices], timings=dict(result.timings),
                    index=job.index, internal=result.internal)
    if result.before:
        name = _thumb_name(key, rel, "before")
        write_atomic(out_dir / name, result.before)
        record.thumbs["before"] = name
    if record.status == "ok":
        for made in result.outputs:
            path = plan.paths[made.preset]   # named by pipeline.output_extension, as process() encodes
            write_atomic(out_dir / path, made.data)
            name = _thumb_name(key, rel, made.preset)
            write_atomic(out_dir / name, made.thumb)
            record.thumbs[made.preset] = name
            record.outputs.append({"preset": made.preset, "path": path, "width": made.width,
                                   "height": made.height, "bytes": len(made.data),
                                   "notices": [[n.code, n.params] for n in made.notices],
                                   "verdict": made.verdict})
    return record


def _record_from_entry(entry: dict, plan: Plan, out_dir: Path) -> Record:
    names = {f.name for f in dataclasses.fields(Record)}
    record = Record(**{k: v for k, v in entry.items() if k in names and k not in ("input", "order")},
                    input=plan.job.display, order=plan.order)
    record.resumed, record.index, record.sku, record.vendor = True, plan.job.index, plan.sku, plan.job.vendor
    record.thumbs = {k: v for k, v in record.thumbs.items() if (out_dir / v).is_file()}
    return record


def _rows_for(record: Record, presets: list[Preset], lang: str | None) -> list[ReportRow]:
    timing = {f"{k}_s": round(float(record.timings.get(k, 0.0)), 3) for k in ("decode", "cutout", "lighting", "export")}
    common = dict(vendor=record.vendor, sku=record.sku, resumed="1" if record.resumed else "", index=record.index)
    if record.status != "ok":
        if record.internal:
            code, params = "batch_internal_error", {"name": record.relative, "detail": record.internal}
        else:
            code, params = record.error[0], record.error[1]
        message = t(code, lang, **params)
        return [ReportRow(record.input, p.name, status="error", message=message, warnings=code, code=code,
                          params=params, **common) for p in presets]
    rows = []
    photo_notices = [Notice(c, p) for c, p in record.notices]
    for o in record.outputs:
        notices = photo_notices + [Notice(c, p) for c, p in o["notices"]]
        level, headline = _verdict_text(o.get("verdict"), lang)
        rows.append(ReportRow(record.input, o["preset"], o["path"], "ok",
                              " ".join(n.message(lang) for n in notices), o["width"], o["height"], o["bytes"],
                              warnings=";".join(n.code for n in notices), verdict=level, headline=headline,
                              **timing, **common))
    return rows


def _verdict_json(v) -> dict:
    """A verdict as the journal keeps it (issue 16)."""
    return {"level": v.level, "reasons": [[r.name, r.level, r.tip_key, r.params] for r in v.reasons],
            "marketplace_ok": v.marketplace_ok, "preset": v.preset_title}


def _verdict_of(data: dict | None):
    from assistant.readiness.verdict import Reason, Verdict
    if not data:
        return None
    return Verdict(data["level"], tuple(Reason(*r) for r in data["reasons"]), data.get("preset"),
                   data.get("marketplace_ok", True), True)


def _verdict_text(data: dict | None, lang: str | None) -> tuple[str, str]:
    v = _verdict_of(data)
    return ("", "") if v is None else (v.level, v.headline(lang))


# --------------------------------------------------------------------------- engines

def _run_local(plans: list[Plan], prepare: Callable[[Plan], tuple[str, bytes] | Record], recipe: Recipe,
               out_dir: Path, jobs: int, done: Callable[[Record], None],
               cancel: threading.Event | None) -> None:
    """Three overlapping stages: ``jobs`` threads read, hash and decode ahead, the model runs
    on this thread, ``jobs`` threads finish, encode and write. At most ``max(2, jobs)``
    photos are decoded ahead and ``jobs`` finishing, so memory does not grow with the batch."""
    decode_pool = ThreadPoolExecutor(jobs, thread_name_prefix="etalase-decode")
    finish_pool = ThreadPoolExecutor(jobs, thread_name_prefix="etalase-finish")
    pending: deque[tuple[Plan, Future]] = deque()
    finishing: set[Future] = set()
    todo = iter(plans)

    def decode(plan: Plan):
        ready = prepare(plan)
        if isinstance(ready, Record):
            return ready
        key, data = ready
        try:
            return key, decode_stage(data, plan.job.relative.name, recipe)
        except Exception as exc:
            return key, _failure(exc, code=recipe.code)

    def finish(plan: Plan, key: str, item: Decoded | PhotoResult, soft, cutout_s: float) -> Record:
        if isinstance(item, Decoded):
            try:
                item = finish_stage(item, soft, recipe, cutout_s)
            except Exception as exc:
                item = _failure(exc, item.before, recipe.code)
        return _write_result(plan, key, item, out_dir)

    def feed() -> None:
        while len(pending) < max(2, jobs) and not (cancel and cancel.is_set()):
            plan = next(todo, None)
            if plan is None:
                return
            pending.append((plan, decode_pool.submit(decode, plan)))

    def harvest(block: bool) -> None:
        if finishing:
            ready, _ = wait(finishing, timeout=None if block else 0, return_when=FIRST_COMPLETED)
            for fut in ready:
                finishing.discard(fut)
                done(fut.result())

    try:
        feed()
        while pending:
            plan, fut = pending.popleft()
            feed()
            got = fut.result()
            if isinstance(got, Record):
                done(got)
                continue
            key, item = got
            soft, cutout_s = None, 0.0
            if isinstance(item, Decoded):
                t0 = time.perf_counter()
                try:
                    soft = model_stage(item, recipe)
                except Exception as exc:
                    item = _failure(exc, item.before, recipe.code)
                cutout_s = time.perf_counter() - t0
            while len(finishing) >= jobs:
                harvest(block=True)
            finishing.add(finish_pool.submit(finish, plan, key, item, soft, cutout_s))
            harvest(block=False)
        while finishing:
            harvest(block=True)
    finally:
        decode_pool.shutdown(wait=True, cancel_futures=True)
        finish_pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(plans: list[Plan], prepare: Callable[[Plan], tuple[str, bytes] | Record], recipe: Recipe,
              out_dir: Path, scheduler, in_flight: int | None, done: Callable[[Record], None],
              cancel: threading.Event | None) -> None:
    """``process_bytes`` on the cluster's workers: the photo's bytes go there, the encoded
    outputs and thumbnails come back and are written here, so workers need no shared folder."""
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - dask[distributed] is in requirements.txt
        raise AssistantError("batch_dask_missing") from None
    own = not hasattr(scheduler, "submit")
    try:
        client = Client(scheduler, timeout="20s") if own else scheduler
    except (OSError, TimeoutError, ValueError) as exc:
        raise AssistantError("batch_scheduler_unreachable", address=str(scheduler), detail=str(exc)) from None
    try:
        limit = in_flight or 2 * max(1, sum(client.nthreads().values()))
        todo = iter(plans)
        meta: dict[str, tuple[Plan, str]] = {}
        queue = as_completed()

        def submit() -> bool:
            """Send the next photo that needs work; False when there is none left."""
            while not (cancel and cancel.is_set()):
                plan = next(todo, None)
                if plan is None:
                    return False
                ready = prepare(plan)
                if isinstance(ready, Record):
                    done(ready)
                    continue
                key, data = ready
                fut = client.submit(process_bytes, data, plan.job.relative.name, recipe, pure=False)
                meta[fut.key] = (plan, key)
                queue.add(fut)
                return True
            return False

        for _ in range(limit):
            if not submit():
                break
        for fut in queue:
            plan, key = meta.pop(fut.key)
            try:
                result = fut.result()
            except Exception as exc:  # a worker died, or the cluster cannot import Etalase
                detail = _exc_detail(exc)
                result = PhotoResult(error=("batch_cluster_failed", {"detail": detail}), code=recipe.code)
            fut.release()
            done(_write_result(plan, key, result, out_dir))
            submit()
    finally:
        if own:
            client.close()



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
    upload_sheets: dict[str, Path]
    photos: int
    processed: int  # photos run through the pipeline this time
    resumed: int  # photos the journal said were done
    failed: int  # photos (not rows) with an error
    seconds: float

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def default_jobs() -> int:
    """Worker threads per stage: one per core, at most 4 (the model already uses every core
    for one photo; more threads only hold more photos in memory)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(4, cores))


def _clean_parts(out_dir: Path) -> None:
    """Temporary ``.name.XXXX.part`` files a killed run left behind (only ours)."""
    if not out_dir.is_dir():
        return
    for path in out_dir.rglob(".*.part"):
        if path.is_file() and re.match(r"^\..+\.[^.]+\.part$", path.name):
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
              cancel: threading.Event | None = None) -> BatchResult:
    """Process every input to every preset; a bad input costs only its own rows.

    ``progress(done, total)`` is called after each photo (and once with 0 at the start); a
    callback taking a third argument also gets a ``BatchProgress`` (rate, time left).
    ``name``: output path pattern (fields: {preset} {path} {dir} {vendor} {stem} {name} {sku} {n}),
    default ``{preset}/{path}``. ``sku_map``: CSV of file name to SKU. ``engine``: ``local`` or
    ``dask`` (``scheduler``: an address such as ``tcp://10.0.0.5:8786`` or a ``distributed.Client``).
    ``zips``: ``vendor`` and/or ``all``. ``redo``: ignore the journal. ``cancel``: an event
    that stops the batch after the photos in flight (the rest are reported as skipped).
    """
    started = time.perf_counter()
    chosen: list[Preset] = load_presets(presets)
    model_name = models.model_info(model).name
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
        models.verify(model_name)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean_parts(out_dir)

    found, extra_rows = collect_jobs(inputs)
    plans, clashes = plan_outputs(found, chosen, pattern, background, skus)
    recipe = Recipe(tuple(chosen), model_name, background, code_version())
    recipe_key = recipe.key()
    journal = Journal(out_dir)
    records: list[Record] = []
    for job, other in clashes:
        records.append(Record(job.display, job.relative.as_posix(), job.vendor, "", job.index, "", "error",
                              ["batch_name_clash", {"name": job.relative.as_posix(), "other": other,
                                                    "pattern": pattern}], index=job.index))
    tracker = _Tracker(len(found), _progress_caller(progress))
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

    write_report(out_dir / "report.csv", rows)
    sheets = write_upload_sheets(out_dir, records, chosen)
    _clean_thumbs(out_dir, records)
    report_html = out_dir / "report.html"
    write_html_report(report_html, records, rows, chosen, model_name, lang)
    vendor_zips, all_zip = {}, None
    if "vendor" in zip_kinds:
        vendor_zips = write_vendor_zips(out_dir, records, chosen)
    if "all" in zip_kinds:
        all_zip = write_all_zip(out_dir, records, sheets)
    return BatchResult(rows, out_dir, out_dir / "report.csv", report_html, all_zip, vendor_zips, sheets,
                       photos=len(found), processed=tracker.processed, resumed=tracker.resumed,
                       failed=sum(r.status != "ok" for r in records), seconds=time.perf_counter() - started)


# --------------------------------------------------------------------------- reports and hand-over

def write_report(path: Path, rows: list[ReportRow]) -> None:
    """``report.csv``: one row per input and preset."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=REPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: getattr(row, k) for k in REPORT_FIELDS})
    write_atomic(path, buf.getvalue().encode("utf-8"))


def _sheet_rows(records: list[Record], preset: str) -> list[list[str]]:
    groups: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for r in records:
        if r.status != "ok":
            continue
        for o in r.outputs:
            if o["preset"] == preset:
                sku = r.sku or PurePosixPath(r.relative).stem
                groups[(r.vendor, sku)].append((r.order, r.index, PurePosixPath(o["path"]).name))
    width = max((len(v) for v in groups.values()), default=1)
    out = [["sku", "vendor"] + [f"image_{i}" for i in range(1, width + 1)]]
    for (vendor, sku), images in groups.items():
        out.append([sku, vendor] + [name for _, _, name in sorted(images)])
    return out


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_upload_sheets(out_dir: Path, records: list[Record], presets: list[Preset]) -> dict[str, Path]:
    """``upload/<preset>.csv``: per SKU its vendor and image file names in order, for bulk upload."""
    sheets = {}
    for preset in presets:
        path = out_dir / "upload" / f"{preset.name}.csv"
        write_atomic(path, _csv_bytes(_sheet_rows(records, preset.name)))
        sheets[preset.name] = path
    return sheets


def _vendor_file(vendor: str) -> str:
    name = re.sub(r'[\x00-\x1f<>:"/\\|?*]', "_", vendor).strip(" .") or "_tanpa-vendor"
    return name + ".zip"


def _write_zip(path: Path, members: list[tuple[str, Path | bytes]]) -> None:
    """A zip written under a temporary name and renamed; photos are stored (already compressed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
            for arcname, src in members:
                if isinstance(src, bytes):
                    zf.writestr(zipfile.ZipInfo(arcname, time.localtime()[:6]), src, zipfile.ZIP_DEFLATED)
                elif src.is_file():
                    zf.write(src, arcname)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_vendor_zips(out_dir: Path, records: list[Record], presets: list[Preset]) -> dict[str, Path]:
    """``zips/<vendor>.zip``: the vendor's outputs and its own upload sheets, for hand-over."""
    by_vendor: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        if r.status == "ok":
            by_vendor[r.vendor].append(r)
    made = {}
    for vendor, recs in by_vendor.items():
        members: list[tuple[str, Path | bytes]] = [(o["path"], out_dir / o["path"]) for r in recs for o in r.outputs]
        members += [(f"upload/{p.name}.csv", _csv_bytes(_sheet_rows(recs, p.name))) for p in presets]
        path = out_dir / "zips" / _vendor_file(vendor)
        _write_zip(path, members)
        made[vendor] = path
    return made


def write_all_zip(out_dir: Path, records: list[Record], sheets: dict[str, Path]) -> Path:
    """``all-outputs.zip``: every output, the reports, thumbnails and upload sheets."""
    members: list[tuple[str, Path | bytes]] = [(o["path"], out_dir / o["path"]) for r in records for o in r.outputs]
    members += [(name, out_dir / name) for r in records for name in r.thumbs.values()]
    members += [("report.csv", out_dir / "report.csv"), ("report.html", out_dir / "report.html")]
    members += [(f"upload/{p.name}", p) for p in sheets.values()]
    path = out_dir / "all-outputs.zip"
    _write_zip(path, members)
    return path


def _clean_thumbs(out_dir: Path, records: list[Record]) -> None:
    keep = {out_dir / name for r in records for name in r.thumbs.values()}
    folder = out_dir / "thumbs"
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path not in keep:
                path.unlink()


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d232a;background:#f6f7f9}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid #d8dde3}
.meta{color:#5b6670;font-size:13px;margin-bottom:10px}
.summary span{display:inline-block;margin-right:14px;font-weight:600}
.ok{color:#1a7f37}.bad{color:#c62828}.warn{color:#8a5a00}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:12px}
.card{background:#fff;border:1px solid #d8dde3;border-radius:8px;padding:10px;min-width:0}
.card.warning{border:2px solid #e0a100;background:#fff8e1}
.card.error{border:2px solid #d32f2f;background:#fdecea}
.name{font-weight:600;font-size:13px;word-break:break-all;margin-bottom:6px}
.pics{display:flex;gap:6px;flex-wrap:wrap;align-items:flex-start}
figure{margin:0;text-align:center;font-size:11px;color:#5b6670;width:80px}
figure figcaption{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
figure img{display:block;width:78px;height:78px;object-fit:contain;background:#fff;border:1px solid #d8dde3;border-radius:4px}
figure.before{width:112px} figure.before img{width:110px;height:110px;background:#eee}
.arrow{align-self:center;color:#9aa5b1;font-size:18px;margin-top:-14px}
.msg{font-size:12px;margin-top:6px;word-break:break-word}
.card.warning .msg{color:#6b4500}.card.error .msg{color:#b71c1c;font-weight:600}
.tag{display:inline-block;font-size:11px;padding:1px 6px;border-radius:8px;background:#e8eef5;color:#3b4a5a;margin-left:4px}
.noimg{width:110px;height:110px;display:flex;align-items:center;justify-content:center;background:#eee;border:1px dashed #bbb;border-radius:4px;color:#999;font-size:11px}
table{border-collapse:collapse;font-size:12px;margin-top:8px;background:#fff}
td,th{border:1px solid #d8dde3;padding:4px 8px;text-align:left;vertical-align:top;word-break:break-all}
.verdict{font-weight:700;margin:4px 0}.verdict.ready{color:#1b7f3b}.verdict.check{color:#8a5a00}.verdict.retake{color:#b71c1c}
.verdicts{font-size:15px;font-weight:700;margin:8px 0}#vf-attn:checked ~ .grid .card.v-ready{display:none}
"""


def _card(r: Record, vendor: str, titles: dict[str, str], lang: str | None) -> str:
    """One photo on the contact sheet: name, before, after per preset, its messages."""
    esc = html.escape
    warnings = _warnings(r, lang)
    cls = "error" if r.status != "ok" else ("warning" if warnings else "")
    levels = [o.get("verdict", {}).get("level") for o in r.outputs if o.get("verdict")]
    level = "retake" if r.status != "ok" else max(levels, key=("ready", "check", "retake").index, default="")
    cls += f" v-{level}" if level else ""
    shown = r.relative[len(vendor) + 1:] if vendor and r.relative.startswith(vendor + "/") else r.relative
    tags = f"<span class=\"tag\">SKU {esc(r.sku)}</span>" if r.sku else ""
    if r.resumed:
        tags += f"<span class=\"tag\">{esc(t('batch_html_resumed_tag', lang))}</span>"
    out = [f"<div class=\"card {cls}\"><div class=\"name\" title=\"{esc(r.input)}\">{esc(shown)}{tags}</div>",
           "<div class=\"pics\">"]
    before = r.thumbs.get("before")
    if before:
        out.append(f"<figure class=\"before\"><img src=\"{esc(quote(before))}\" alt=\"\" loading=\"lazy\">"
                   f"<figcaption>{esc(t('batch_html_before', lang))}</figcaption></figure>")
    else:
        out.append(f"<div class=\"noimg\">{esc(t('batch_html_no_thumb', lang))}</div>")
    if r.outputs:
        out.append("<div class=\"arrow\">&#8594;</div>")
    for o in r.outputs:
        thumb = r.thumbs.get(o["preset"])
        if thumb:
            out.append(f"<figure><a href=\"{esc(quote(o['path']))}\"><img src=\"{esc(quote(thumb))}\" alt=\"\" "
                       f"loading=\"lazy\"></a><figcaption title=\"{esc(titles.get(o['preset'], ''))}\">"
                       f"{esc(o['preset'])}</figcaption></figure>")
    out.append("</div>")
    if r.status != "ok":
        code, params = (("batch_internal_error", {"name": r.relative, "detail": r.internal})
                        if r.internal else (r.error[0], r.error[1]))
        warnings = [t(code, lang, **params)]
    for o in r.outputs:  # issue 16: the verdict's headline first, the same as in the app
        level, headline = _verdict_text(o.get("verdict"), lang)
        if headline:
            out.append(f"<div class=\"verdict {level}\">{esc(headline)}</div>")
    out.extend(f"<div class=\"msg\">&#9888; {esc(message)}</div>" for message in warnings)
    out.append("</div>")
    return "".join(out)


def write_html_report(path: Path, records: list[Record], rows: list[ReportRow], presets: list[Preset],
                      model: str, lang: str | None) -> None:
    """``report.html``: a contact sheet per vendor, before and after, warnings and errors marked.
    Every name from the inputs is escaped; thumbnails are files in ``thumbs/`` beside it."""
    esc = html.escape
    by_vendor: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_vendor[r.vendor].append(r)
    others: dict[str, list[ReportRow]] = defaultdict(list)
    for row in rows:
        if row.status == "skipped" or (row.status == "error" and not row.preset):
            others[row.vendor].append(row)
    ok = sum(r.status == "ok" for r in records)
    counts = {"batch_html_ok": ("ok", ok), "batch_html_warned": ("warn", sum(
                  1 for r in records if r.status == "ok" and _warnings(r, lang))),
              "batch_html_failed": ("bad", len(records) - ok),
              "batch_html_skipped": ("", sum(len(v) for v in others.values())),
              "batch_html_resumed": ("", sum(r.resumed for r in records))}
    title = t("batch_html_title", lang)
    meta = t("batch_html_meta", lang, presets=", ".join(p.title_in(lang) for p in presets), model=model,
             when=time.strftime("%Y-%m-%d %H:%M"))
    out = [f"<!DOCTYPE html><html lang=\"{esc(lang or 'id')}\"><head><meta charset=\"utf-8\">",
           "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
           f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{esc(title)}</h1><div class=\"meta\">{esc(meta)}</div><div class=\"summary\">"]
    out += [f"<span class=\"{cls}\">{esc(t(key, lang, count=n))}</span>" for key, (cls, n) in counts.items()]
    out.append("</div>")
    out.append(_verdict_summary(records, lang))
    titles = {p.name: p.title_in(lang) for p in presets}
    for vendor in sorted(set(by_vendor) | set(others), key=lambda v: (v == "", v.lower())):
        recs = by_vendor.get(vendor, [])
        label = vendor or t("batch_html_no_vendor", lang)
        tag = t("batch_html_count", lang, count=len(recs), failed=sum(r.status != "ok" for r in recs))
        out.append(f"<h2>{esc(label)} <span class=\"tag\">{esc(tag)}</span></h2><div class=\"grid\">")
        out.extend(_card(r, vendor, titles, lang) for r in recs)
        out.append("</div>")
        if others.get(vendor):
            out.append(f"<table><tr><th>{esc(t('batch_html_not_processed', lang))}</th>"
                       f"<th>{esc(t('batch_html_reason', lang))}</th></tr>")
            for row in others[vendor]:
                cls = "bad" if row.status == "error" else ""
                out.append(f"<tr><td>{esc(row.input)}</td><td class=\"{cls}\">{esc(row.message)}</td></tr>")
            out.append("</table>")
    out.append("</body></html>")
    write_atomic(path, "\n".join(out).encode("utf-8"))


def verdict_levels(records: list[Record]) -> list[str]:
    """Each processed photo's worst verdict level (a failed photo is "retake")."""
    found = []
    for r in records:
        levels = [o["verdict"]["level"] for o in r.outputs if o.get("verdict")]
        if r.status != "ok":
            found.append("retake")
        elif levels:
            found.append(max(levels, key=("ready", "check", "retake").index))
    return found


def _verdict_summary(records: list[Record], lang: str | None) -> str:
    """Issue 16: "24 siap, 4 perlu dicek, 2 foto ulang" and a filter to the photos that need
    attention (CSS only: the radio buttons sit before the vendors' grids)."""
    from assistant.readiness.verdict import counts_line
    esc = html.escape
    line = counts_line(verdict_levels(records), lang)
    return (f"<div class=\"verdicts\">{esc(line)}</div>"
            f"<input type=\"radio\" name=\"vf\" id=\"vf-all\" checked><label for=\"vf-all\">"
            f"{esc(t('realphoto_filter_all', lang))}</label> "
            f"<input type=\"radio\" name=\"vf\" id=\"vf-attn\"><label for=\"vf-attn\">"
            f"{esc(t('realphoto_filter_attention', lang))}</label>")


def _warnings(record: Record, lang: str | None) -> list[str]:
    seen: list[str] = []
    for code, params in record.notices + [n for o in record.outputs for n in o["notices"]]:
        message = t(code, lang, **params)
        if message not in seen:
            seen.append(message)
    return seen


code_version()  # at import, right after the stages were loaded: the hash describes the code running here
