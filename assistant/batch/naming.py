"""Output names: the ``--name`` pattern and its fields, the SKU map, and one ``Plan`` (output
paths per preset) per photo; two photos that would write the same file are a clash.
"""

from __future__ import annotations

import csv
import functools
import io
import string
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from assistant import pipeline, safety
from assistant.batch.inputs import Job
from assistant.errors import AssistantError
from assistant.presets import Preset


DEFAULT_NAME = "{vendor}/{preset}/{path}"  # one folder per vendor, in it one folder per marketplace
NAME_FIELDS = ("preset", "path", "dir", "vendor", "stem", "name", "sku", "n")

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


def render_name(pattern: str, **values: object) -> PurePosixPath:
    """The pattern filled in, as a safe relative path: no empty, ``.`` or ``..`` parts, each
    part a short safe name (``safety.safe_relpath``) whatever the pattern or the input's name."""
    return safety.safe_relpath(pattern.format(**values))


def _numbered(rel: str, n: int) -> str:
    """``umum/IMG_0001.jpg`` -> ``umum/IMG_0001-2.jpg``."""
    path = PurePosixPath(rel)
    return str(path.with_name(f"{path.stem}-{n}{path.suffix}"))


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


def default_path(job: Job, folder: str, ext: str) -> str:
    """``<vendor>/<marketplace>/<path below the vendor>``; a photo without a vendor (a flat
    upload, a single file) goes straight into ``<marketplace>/``. ``folder`` is a preset's name,
    or ``umum+tokopedia`` for one file that serves both."""
    rel = job.relative.with_suffix(ext)
    if job.vendor and len(rel.parts) > 1 and rel.parts[0] == job.vendor:
        return PurePosixPath(job.vendor, folder, *rel.parts[1:]).as_posix()
    return PurePosixPath(folder, *rel.parts).as_posix()


def shared_folder(presets: list[str] | tuple[str, ...]) -> str:
    """The folder of one file that serves several marketplaces: their names joined by ``+``."""
    return "+".join(presets)


@dataclass(frozen=True)
class Plan:
    """Where one job's outputs go, and its SKU."""

    job: Job
    sku: str
    order: int
    paths: dict[str, str]  # preset name -> path relative to the output folder (posix)
    renamed_after: str = ""  # the input whose output name this one's would have taken
    place: Callable[[str, str], str] = field(default=None, compare=False, repr=False)  # (folder, ext) -> path

    def path_for(self, presets: list[str] | tuple[str, ...]) -> str:
        """Where the output for ``presets`` goes: one preset's own path, or, for one file that
        serves several marketplaces (byte-identical outputs), the path named after all of them
        (``warung/umum+tokopedia/keripik.jpg``)."""
        if len(presets) == 1:
            return self.paths[presets[0]]
        return self.place(shared_folder(presets), PurePosixPath(self.paths[presets[0]]).suffix)


def _place(job: Job, pattern: str, sku: str, n: int, renumber: int, folder: str, ext: str) -> str:
    """One output's path: ``folder`` is a preset's name (or several joined, ``shared_folder``)."""
    if pattern == DEFAULT_NAME:
        rel = default_path(job, folder, ext)
        return _numbered(rel, renumber) if renumber else rel
    rel_dir = job.relative.parent.as_posix()
    return str(render_name(pattern, preset=folder, path=job.relative.with_suffix("").as_posix(),
                           dir="" if rel_dir == "." else rel_dir, vendor=job.vendor, stem=job.relative.stem,
                           name=job.relative.name, sku=sku or job.relative.stem, n=n)) + ext


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
        place = functools.partial(_place, job, pattern, sku, number[job.index], 0)
        for preset in presets:
            rel = place(preset.name, pipeline.output_extension(preset, background))
            key = rel.lower()
            if key in taken and clash is None:
                clash = taken[key].display
            paths[preset.name] = rel
        if clash is not None and pattern == DEFAULT_NAME:
            # IMG_0001.HEIC beside IMG_0001.JPG: the second becomes IMG_0001-2.jpg (a notice
            # says so); only a pattern the user wrote is theirs to fix
            n = 2
            while any(_numbered(rel, n).lower() in taken for rel in paths.values()):
                n += 1
            paths = {p: _numbered(rel, n) for p, rel in paths.items()}
            place = functools.partial(_place, job, pattern, sku, number[job.index], n)
        elif clash is not None:
            clashes.append((job, clash))
            continue
        for rel in paths.values():
            taken[rel.lower()] = job
        plans.append(Plan(job, sku, entry.order if entry else job.index, paths, clash or "", place))
    return plans, clashes

