"""What a batch is given: files, folders (the first level below an input folder is the vendor)
and zip archives (opened by ``archive``: bad entries are refused one by one), as ``Job``s;
inputs that cannot be used become report rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

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

