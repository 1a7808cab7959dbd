"""Many photos in, one image per photo and preset out, with a report row for each."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError
from assistant.photo import open_photo, write_atomic
from assistant.pipeline import output_path, process, refuse_output_inside, working_side
from assistant.presets import Preset, load_presets

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".avif", ".gif",
                  ".bmp", ".tif", ".tiff"}
REPORT_FIELDS = ["input", "preset", "output", "status", "message", "width", "height", "bytes"]


@dataclass(frozen=True)
class Job:
    """One input file and the path its outputs keep below each preset's folder."""

    path: Path
    relative: Path


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


def collect_jobs(inputs: Iterable[str | Path]) -> tuple[list[Job], list[ReportRow]]:
    """Files as given, folders walked recursively (hidden files skipped); non-images reported."""
    jobs: list[Job] = []
    skipped: list[ReportRow] = []
    for item in inputs:
        src = Path(item)
        if src.is_dir():
            for path in sorted(p for p in src.rglob("*") if p.is_file()):
                rel = path.relative_to(src)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if path.suffix.lower() in IMAGE_SUFFIXES:
                    jobs.append(Job(path, rel))
                else:
                    skipped.append(ReportRow(str(path), "", status="skipped", message="not_image_suffix"))
        else:
            jobs.append(Job(src, Path(src.name)))
    return jobs, skipped


def run_batch(inputs: Iterable[str | Path], out_dir: str | Path, presets: list[str] | str,
              model: str | None = None, background: str | None = None, lang: str | None = None,
              progress: Callable[[int, int], None] | None = None) -> list[ReportRow]:
    """Process every input to every preset; a bad input costs only its own rows."""
    chosen: list[Preset] = load_presets(presets)
    out_dir = Path(out_dir)
    inputs = [Path(i) for i in inputs]
    refuse_output_inside(out_dir, inputs)
    jobs, rows = collect_jobs(inputs)
    for row in rows:
        row.message = AssistantError("photo_skipped_suffix", name=Path(row.input).name).message(lang)
    side = working_side(chosen)
    for done, job in enumerate(jobs, 1):
        try:
            photo = open_photo(job.path, max_side=side)
            result = process(photo, chosen, model=model, background=background)
            for output in result.outputs:
                path = output_path(out_dir, output.preset, job.relative, output.extension)
                write_atomic(path, output.data)
                notes = " ".join(n.message(lang) for n in result.photo.notices + output.notices)
                rows.append(ReportRow(str(job.path), output.preset.name, str(path), "ok", notes,
                                      output.size[0], output.size[1], len(output.data)))
        except AssistantError as exc:
            for preset in chosen:
                rows.append(ReportRow(str(job.path), preset.name, status="error", message=exc.message(lang)))
        if progress:
            progress(done, len(jobs))
    write_report(out_dir / "report.csv", rows)
    return rows


def write_report(path: Path, rows: list[ReportRow]) -> None:
    """``report.csv``: one row per input and preset."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=REPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: getattr(row, k) for k in REPORT_FIELDS})
    write_atomic(path, buf.getvalue().encode("utf-8"))
