"""Output names: the ``--name`` pattern and its fields, the SKU map, and one ``Plan`` (output
paths per preset) per photo; two photos that would write the same file are a clash.
"""

from __future__ import annotations

import csv
import io
import re
import string
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assistant import pipeline
from assistant.batch.inputs import Job
from assistant.errors import AssistantError
from assistant.pipeline import output_path
from assistant.presets import Preset


DEFAULT_NAME = "{preset}/{path}"
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

