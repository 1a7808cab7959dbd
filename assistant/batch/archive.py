"""Zip archives from vendors, opened safely: every entry is checked before a byte of it is used.

A zip that a vendor sends over WhatsApp is input we do not control. Entries are read
into memory (never extracted under a name the archive chose), and each one is refused,
with its own message, when it

- climbs out of the archive (``../evil.jpg``) or is an absolute path (``/etc/x``, ``C:/x``),
- is a symbolic link, a device or anything else that is not a plain file,
- is encrypted, a duplicate name, larger than a photo may be, or compresses suspiciously
  well (a zip bomb: a real photo barely compresses),
- is itself an archive (a zip inside a zip is reported, never opened).

The whole archive is refused when it has more entries than ``MAX_ENTRIES`` or declares
more than ``MAX_TOTAL_BYTES`` in all. Reading an entry is capped at its declared size
(``zipfile`` stops there and checks the CRC), so a lying header cannot inflate memory.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from assistant.errors import AssistantError
from assistant.photo import MAX_BYTES

MAX_ENTRIES = 5_000  # a workshop zip holds hundreds of photos; 10,000 tiny entries is an attack
MAX_TOTAL_BYTES = 4_000_000_000  # declared uncompressed size of all entries together
MAX_ENTRY_BYTES = MAX_BYTES  # the same cap as a single photo file
MAX_RATIO = 100.0  # JPEG/PNG/HEIC compress ~1:1, an uncompressed BMP of a product maybe 30:1
RATIO_MIN_BYTES = 1_000_000  # tiny entries may compress well without harm
ARCHIVE_SUFFIXES = {".zip"}
NESTED_SUFFIXES = {".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst"}
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Entry:
    """A good entry: its checked posix name and the name ``zipfile`` knows it by."""

    name: str
    raw_name: str
    size: int
    compressed: int


@dataclass(frozen=True)
class Problem:
    """An entry not used: ``status`` is ``error`` (refused) or ``skipped`` (not a photo)."""

    name: str
    code: str
    params: dict = field(default_factory=dict)
    status: str = "error"


@dataclass
class Listing:
    """What an archive holds: entries safe to read, and those refused or skipped, in order."""

    path: Path
    entries: list[Entry]
    problems: list[Problem]
    _zip: zipfile.ZipFile | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def read(self, entry: Entry) -> bytes:
        """The entry's bytes (thread-safe); a damaged entry is an ``AssistantError``."""
        with self._lock:
            if self._zip is None:
                self._zip = zipfile.ZipFile(self.path)
            try:
                with self._zip.open(entry.raw_name) as handle:
                    data = handle.read(MAX_ENTRY_BYTES + 1)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
                    RuntimeError):
                raise AssistantError("batch_zip_damaged", name=entry.name, archive=self.path.name) from None
        if len(data) > MAX_ENTRY_BYTES:
            raise AssistantError("photo_file_too_large", name=entry.name, mb=round(len(data) / 1e6, 1),
                                 limit=MAX_ENTRY_BYTES // 1_000_000)
        return data

    def close(self) -> None:
        with self._lock:
            if self._zip is not None:
                self._zip.close()
                self._zip = None


def _hidden(parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def check_name(raw: str) -> tuple[str, str | None]:
    """(posix name, refusal code or None) for an entry name as the archive wrote it."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        return name, "batch_zip_absolute"
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        return name, "batch_zip_traversal"
    if any(ord(c) < 32 for c in name):
        return name, "batch_zip_bad_name"
    return "/".join(parts), None


def _file_type(info: zipfile.ZipInfo) -> str:
    """``file``, ``dir``, ``symlink`` or ``special`` from the entry's Unix mode bits (when set)."""
    if info.is_dir():
        return "dir"
    mode = info.external_attr >> 16
    if info.create_system == 3 and mode:  # made on Unix: the mode bits are meaningful
        kind = stat.S_IFMT(mode)
        if kind == stat.S_IFLNK:
            return "symlink"
        if kind not in (0, stat.S_IFREG):
            return "dir" if kind == stat.S_IFDIR else "special"
    return "file"


def list_archive(path: str | os.PathLike, suffixes: set[str] | None = None) -> Listing:
    """Check every entry of the zip at ``path``; ``suffixes`` (lower-case, with the dot) are the
    photo types kept, others are reported as skipped. A refused archive is an ``AssistantError``."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise AssistantError("batch_zip_unreadable", archive=path.name) from None
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        zf.close()
        raise AssistantError("batch_zip_too_many", archive=path.name, count=len(infos), limit=MAX_ENTRIES)
    declared = sum(i.file_size for i in infos)
    if declared > MAX_TOTAL_BYTES:
        zf.close()
        raise AssistantError("batch_zip_too_big", archive=path.name, gb=round(declared / 1e9, 1),
                             limit=MAX_TOTAL_BYTES // 1_000_000_000)
    entries: list[Entry] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for info in infos:
        name, refusal = check_name(info.filename)
        kind = _file_type(info)
        if kind == "dir":
            continue
        shown = name or info.filename
        if refusal:
            problems.append(Problem(shown, refusal, {"name": shown, "archive": path.name}))
            continue
        parts = tuple(PurePosixPath(name).parts)
        if not parts or _hidden(parts):
            continue  # macOS resource forks, .DS_Store: not the vendor's photos
        if kind == "symlink":
            problems.append(Problem(name, "batch_zip_symlink", {"name": name, "archive": path.name}))
            continue
        if kind == "special":
            problems.append(Problem(name, "batch_zip_special", {"name": name, "archive": path.name}))
            continue
        if name.lower() in seen:
            problems.append(Problem(name, "batch_zip_duplicate", {"name": name, "archive": path.name}))
            continue
        seen.add(name.lower())
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in NESTED_SUFFIXES:
            problems.append(Problem(name, "batch_zip_nested", {"name": name, "archive": path.name}, "skipped"))
            continue
        if suffixes is not None and suffix not in suffixes:
            problems.append(Problem(name, "photo_skipped_suffix", {"name": name}, "skipped"))
            continue
        if info.flag_bits & 0x1:
            problems.append(Problem(name, "batch_zip_encrypted", {"name": name, "archive": path.name}))
            continue
        if info.file_size > MAX_ENTRY_BYTES:
            problems.append(Problem(name, "photo_file_too_large", {
                "name": name, "mb": round(info.file_size / 1e6, 1), "limit": MAX_ENTRY_BYTES // 1_000_000}))
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_MIN_BYTES and ratio > MAX_RATIO:
            problems.append(Problem(name, "batch_zip_ratio", {
                "name": name, "archive": path.name, "ratio": round(ratio), "limit": round(MAX_RATIO)}))
            continue
        entries.append(Entry(name, info.filename, info.file_size, info.compress_size))
    return Listing(path, entries, problems, _zip=zf)

