"""What a batch is given: files, folders (the first level below an input folder is the vendor)
and zip archives (opened by ``archive``: bad entries are refused one by one), as ``Job``s;
inputs that cannot be used become report rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from assistant import safety
from assistant.batch import archive
from assistant.errors import AssistantError
from assistant.photo import MAX_BYTES


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".avif", ".gif",
                  ".bmp", ".tif", ".tiff"}


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
    shown: str = ""  # the input as the report names it: from the given folder's name down

    @property
    def display(self) -> str:
        """How the report names the input: ``folder/vendor/a.jpg``, ``a.jpg`` or
        ``archive.zip!entry``, from the name of what was given down (never the server's
        folders above it), as text that always encodes."""
        shown = self.shown or self.path.name
        return safety.as_text(f"{shown}!{self.member}" if self.member else shown)

    def read(self) -> bytes:
        """The input's bytes, capped like ``open_photo`` caps a file."""
        if self.listing is not None and self.entry is not None:
            return self.listing.read(self.entry)
        return safety.read_regular(self.path, MAX_BYTES)  # a device or FIFO is refused, not read


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


def _safe(relative: Path | PurePosixPath | str) -> Path:
    """An input's path below the output folder, every part a safe short name whatever its
    length, depth or encoding (``safety.safe_relpath``): no name can stop the batch."""
    return Path(safety.safe_relpath(relative.as_posix() if not isinstance(relative, str) else relative,
                                    portable=False))


def _vendor_of(relative: Path) -> str:
    return relative.parts[0] if len(relative.parts) > 1 else ""


def _skip_row(display: str, relative: Path, code: str, params: dict, status: str, index: int) -> ReportRow:
    return ReportRow(display, "", status=status, vendor=_vendor_of(relative), code=code, params=params,
                     index=index)


def _archive_jobs(path: Path, base: Path, jobs: list[Job], rows: list[ReportRow], counter: list[int],
                  shown: str = "") -> None:
    """A zip is read as a folder named after it at its place (``base``); a zip given on its own
    is read like an input folder, with photos at its top level under its name."""
    try:
        listing = archive.list_archive(path, IMAGE_SUFFIXES)
    except AssistantError as exc:
        rows.append(_skip_row(safety.as_text(shown or path.name), _safe(base / path.stem), exc.code, exc.params,
                              "error", counter[0]))
        counter[0] += 1
        return
    names = [e.name for e in listing.entries] + [p.name for p in listing.problems]
    strip = bool(names) and all(n.split("/")[0] == path.stem and "/" in n for n in names)

    def rel(name: str) -> Path:
        inner = PurePosixPath(name)
        if strip:
            inner = PurePosixPath(*inner.parts[1:])
        if base == Path() and len(inner.parts) > 1 and not strip:
            return _safe(Path(*inner.parts))
        return _safe(base / path.stem / Path(*inner.parts))

    for entry in listing.entries:
        r = rel(entry.name)
        jobs.append(Job(path, r, entry.name, _vendor_of(r), counter[0], listing, entry, shown or path.name))
        counter[0] += 1
    for problem in listing.problems:
        safe_rel = base / path.stem / "x" if problem.code in ("batch_zip_traversal", "batch_zip_absolute") \
            else rel(problem.name)
        rows.append(_skip_row(safety.as_text(f"{shown or path.name}!{problem.name}"), safe_rel, problem.code,
                              problem.params,
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
                if any(part.startswith(".") for part in path.relative_to(src).parts):
                    continue
                rel = _safe(path.relative_to(src))
                shown = f"{src.name}/{path.relative_to(src).as_posix()}"
                suffix = path.suffix.lower()
                if suffix in archive.ARCHIVE_SUFFIXES:
                    _archive_jobs(path, rel.parent, jobs, rows, counter, shown)
                    continue
                if suffix in IMAGE_SUFFIXES:
                    jobs.append(Job(path, rel, vendor=_vendor_of(rel), index=counter[0], shown=shown))
                else:
                    rows.append(_skip_row(safety.as_text(shown), rel, "photo_skipped_suffix",
                                          {"name": safety.as_text(path.name)},
                                          "skipped", counter[0]))
                counter[0] += 1
        elif src.suffix.lower() in archive.ARCHIVE_SUFFIXES and src.is_file():
            _archive_jobs(src, Path(), jobs, rows, counter)
        else:
            jobs.append(Job(src, _safe(src.name), index=counter[0]))
            counter[0] += 1
    return jobs, rows

