"""Small guards for everything a client controls: names, spreadsheet cells, special files,
text and list lengths, and stores that would otherwise grow without end.

No gradio, no image decoding: the batch runner, the web app and the CLI all call these, so
one bad name, one hostile cell or one FIFO never costs more than its own row (issue 18).

* ``as_text``: any name as text that encodes to UTF-8 (reports, messages).
* ``safe_name`` turns any file name (any encoding, any length) into a short name that is
  safe on every file system and still fits ``.{name}.etalase-XXXXXXXX.part`` within the
  255-byte limit; ``safe_relpath`` does the same for a relative path; ``unique_name`` makes
  it unique in a folder.
* ``temp_prefix`` / ``is_our_temp``: the temporary names ``photo.write_atomic`` uses, and
  the only leftovers a run may ever delete (never a file Etalase did not write).
* ``csv_cell`` / ``csv_row``: spreadsheet formula neutralising (OWASP "CSV injection").
* ``refuse_special_file`` / ``read_regular``: devices, FIFOs and sockets are refused before
  they are read; regular files are read with a byte cap.
* ``clip_text``, ``unique_limited``: text and list lengths bounded before they cost time.
* ``BoundedStore``: a dict that forgets its oldest entries past a count or byte budget.
* ``redact_paths``: server paths out of any message a web user may see.
* ``metadata_found``: which metadata a JPEG, PNG or WebP still carries (tests and checks).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator, MutableMapping
from pathlib import Path, PurePosixPath

from assistant.errors import AssistantError

NAME_MAX = 255  # bytes, ext4/XFS/btrfs/APFS (NTFS: 255 UTF-16 units, never fewer bytes)
SAFE_NAME_BYTES = 120  # room left for a preset suffix, an extension and the .part wrapping
TEMP_MARK = ".etalase-"  # in every temporary name Etalase writes: ".{name}.etalase-XXXXXXXX.part"
TEMP_SUFFIX = ".part"
_TEMP_RANDOM = 8  # tempfile.mkstemp's random part
MAX_DEPTH = 8  # folders kept from an input's relative path (the rest are joined)
MAX_PATH_BYTES = 1024  # a relative output path, all parts together

# Control characters (C0, DEL, C1), characters Windows or a shell treats specially, and the
# bidirectional overrides that make "gpj.exe" look like "exe.jpg".
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f<>:\"/\\\\|?*\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_UNSAFE_POSIX = re.compile("[\x00-\x1f\x7f-\x9f/\\\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _as_text(name: str | bytes | os.PathLike) -> str:
    """Any name as clean text: bytes in any encoding (UTF-8 when it is, else replacement
    characters), and a str carrying surrogate escapes from a non-UTF-8 file system."""
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if isinstance(name, bytes):
        return name.decode("utf-8", "replace")
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a lone surrogate that is no escape: replace it
        return _SURROGATE.sub("\ufffd", name)


def as_text(name: str | bytes | os.PathLike) -> str:
    """A name from anywhere (bytes, a non-UTF-8 file system) as text that always encodes to
    UTF-8: what a report, a CSV cell or a message may show of an input's name."""
    return _as_text(name)


def _fit(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` of UTF-8, never inside a character."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", "ignore")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def safe_name(name: str | bytes | os.PathLike, max_bytes: int = SAFE_NAME_BYTES, keep_suffix: bool = True,
              portable: bool = True) -> str:
    """One path part made safe: readable text, no separators or control characters, no
    leading dot (hidden) or trailing dot/space (Windows), no reserved device name, and at
    most ``max_bytes`` of UTF-8. A name that had to be shortened ends in ``~`` and 8 hex
    digits of its original, so two long names that share a beginning stay different.
    ``keep_suffix``: a short extension (``.jpg``) survives the shortening. ``portable=False``
    keeps the characters only Windows refuses (``<>:"|?*``, ``CON``): an input's own folder
    and file names, which stay as the vendor wrote them where the disk allows."""
    original = _as_text(name)
    text = unicodedata.normalize("NFC", original)
    text = (_UNSAFE if portable else _UNSAFE_POSIX).sub("_", text).strip().lstrip(".").rstrip(" .")
    if not text:
        text = "_"
    if portable and _WINDOWS_RESERVED.match(text):
        text = "_" + text
    max_bytes = max(16, max_bytes)
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    stem, suffix = text, ""
    if keep_suffix:
        dot = text.rfind(".")
        if 0 < dot and len(text) - dot <= 10:
            stem, suffix = text[:dot], text[dot:]
    tag = "~" + _digest(original)
    room = max_bytes - len(tag.encode()) - len(suffix.encode("utf-8"))
    return _fit(stem, max(1, room)).rstrip(" .") + tag + suffix


def safe_relpath(path: str | bytes | os.PathLike, max_bytes: int = SAFE_NAME_BYTES,
                 max_depth: int = MAX_DEPTH, max_total: int = MAX_PATH_BYTES, portable: bool = True) -> PurePosixPath:
    """A relative path (``/`` or ``\\`` separated, any encoding) as safe parts: no empty,
    ``.`` or ``..`` part, each part ``safe_name``; deeper than ``max_depth`` the middle
    folders are joined into one part, and the whole stays under ``max_total`` bytes."""
    text = _as_text(path).replace("\\", "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    parts = ["_" if p == ".." else p for p in parts] or ["_"]
    if len(parts) > max_depth:
        parts = parts[:max_depth - 2] + ["_".join(parts[max_depth - 2:-1]), parts[-1]]
    safe = [safe_name(p, max_bytes, portable=portable) for p in parts]
    while len("/".join(safe).encode("utf-8")) > max_total and len(safe) > 1:
        safe = [safe_name("_".join(safe[:2]), max_bytes, portable=portable)] + safe[2:]  # fold from the top
    return PurePosixPath(*safe)


def unique_name(name: str, taken: set[str], max_bytes: int = SAFE_NAME_BYTES) -> str:
    """``name`` (already safe), or ``name-2``, ``name-3`` ... before its extension, the first
    not in ``taken`` (compared case-insensitively: phones and Windows folders ignore case);
    adds it to ``taken``."""
    folded = {t.casefold() for t in taken}
    dot = name.rfind(".")
    stem, suffix = (name[:dot], name[dot:]) if 0 < dot and len(name) - dot <= 10 else (name, "")
    candidate, n = name, 1
    while candidate.casefold() in folded:
        n += 1
        tail = f"-{n}{suffix}"
        candidate = _fit(stem, max_bytes - len(tail.encode("utf-8"))) + tail
    taken.add(candidate)
    return candidate


def temp_prefix(final_name: str) -> str:
    """The prefix ``write_atomic`` gives ``tempfile.mkstemp``: ``.{name}.etalase-``, the name
    cut so that prefix, 8 random characters and ``.part`` stay within ``NAME_MAX`` bytes."""
    room = NAME_MAX - 1 - len(TEMP_MARK) - _TEMP_RANDOM - len(TEMP_SUFFIX) - 8  # 8 spare
    return "." + _fit(_as_text(final_name), room) + TEMP_MARK


_OUR_TEMP = re.compile(r"^\..*" + re.escape(TEMP_MARK) + r"[A-Za-z0-9_]{" + str(_TEMP_RANDOM) + r"}"
                       + re.escape(TEMP_SUFFIX) + r"$", re.DOTALL)


def is_our_temp(name: str) -> bool:
    """Whether a file name is one of Etalase's own temporary files (``temp_prefix`` +
    8 random characters + ``.part``): the only leftovers a rerun may delete."""
    return bool(_OUR_TEMP.match(name))


# --------------------------------------------------------------------------- spreadsheets

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: object) -> object:
    """A value safe to put in a CSV cell a spreadsheet will open: text that Excel, LibreOffice
    or Google Sheets would run as a formula (first character ``= + - @``, tab, CR, LF or NUL,
    or their full-width forms, also after leading spaces) gets a leading ``'``, which the
    spreadsheet shows as text. Numbers and None pass unchanged; quoting is the csv module's job."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_FORMULA_START) or value.lstrip(" ").startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(row: dict | Iterable) -> dict | list:
    """``csv_cell`` on every value of a row (a dict for ``csv.DictWriter`` or a list)."""
    if isinstance(row, dict):
        return {k: csv_cell(v) for k, v in row.items()}
    return [csv_cell(v) for v in row]


# --------------------------------------------------------------------------- files

def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISFIFO(mode):
        return "pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "other"


def refuse_special_file(path: str | os.PathLike, allow_dir: bool = False) -> os.stat_result:
    """The ``stat`` of ``path`` when it is a regular file (or a folder, with ``allow_dir``);
    an ``AssistantError`` for a device (``/dev/zero``), FIFO, socket or anything else that
    could block or never end. The message names the file, never its folder."""
    name = _as_text(Path(path).name) or "?"
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise AssistantError("photo_unreadable", name=name) from None
    except OSError:
        raise AssistantError("photo_unreadable", name=name) from None
    if stat.S_ISREG(st.st_mode) or (allow_dir and stat.S_ISDIR(st.st_mode)):
        return st
    if stat.S_ISDIR(st.st_mode):
        raise AssistantError("photo_unreadable", name=name)
    raise AssistantError("hardening_special_file", name=name, kind=_kind(st.st_mode))


def read_regular(path: str | os.PathLike, max_bytes: int) -> bytes:
    """A regular file's bytes, at most ``max_bytes`` (more is ``hardening_file_too_large``).
    Checked by ``stat`` before opening and by ``fstat`` after (opened non-blocking, so a FIFO
    swapped in between cannot hang the read)."""
    name = _as_text(Path(path).name) or "?"
    st = refuse_special_file(path)
    if st.st_size > max_bytes:
        raise AssistantError("photo_file_too_large", name=name, mb=round(st.st_size / 1e6, 1),
                             limit=max_bytes // 1_000_000)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        raise AssistantError("photo_unreadable", name=name) from None
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise AssistantError("hardening_special_file", name=name, kind=_kind(st.st_mode))
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew since the stat
        raise AssistantError("photo_file_too_large", name=name, mb=round(len(data) / 1e6, 1),
                             limit=max_bytes // 1_000_000)
    return data


# --------------------------------------------------------------------------- text and lists

def clip_text(value: object, max_chars: int) -> str:
    """Text from a client, bounded: ``str(value)`` without control characters (newlines and
    tabs become spaces), at most ``max_chars`` characters. Never raises."""
    text = "" if value is None else str(value)[: max_chars * 4]  # never scan a huge string
    text = re.sub(r"[\t\r\n]", " ", text)
    text = re.sub("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", "", text)
    return text[:max_chars]


def unique_limited(items: Iterable, limit: int, what: str = "item") -> list:
    """``items`` without repeats (first occurrence kept, order kept); an ``AssistantError``
    (``hardening_too_many``) when more than ``limit`` different ones remain. Reads at most
    ``limit * 4 + 1`` items, so a list of a million repeats costs nothing."""
    seen: dict = {}
    for n, item in enumerate(items):
        if n > limit * 4 + 1000:
            break
        seen.setdefault(item, None)
        if len(seen) > limit:
            raise AssistantError("hardening_too_many", what=what, limit=limit)
    return list(seen)


class BoundedStore(MutableMapping):
    """A dict that keeps at most ``max_items`` entries and ``max_bytes`` of values (measured
    by ``size``, ``len`` of bytes by default), forgetting the oldest first. Gradio's editor
    keeps every uploaded layer blob in a plain dict forever; this is its replacement."""

    def __init__(self, max_items: int, max_bytes: int | None = None, size=None) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._size = size or _value_bytes
        self._data: OrderedDict = OrderedDict()
        self._bytes: dict = {}
        self.total = 0

    def __getitem__(self, key):
        return self._data[key]

    def __setitem__(self, key, value) -> None:
        if key in self._data:
            del self[key]
        nbytes = self._size(value)
        self._data[key] = value
        self._bytes[key] = nbytes
        self.total += nbytes
        while self._data and (len(self._data) > self.max_items
                              or (self.max_bytes is not None and self.total > self.max_bytes)):
            oldest = next(iter(self._data))
            del self[oldest]

    def __delitem__(self, key) -> None:
        del self._data[key]
        self.total -= self._bytes.pop(key)

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _value_bytes(value: object) -> int:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value)
    total = 0
    for part in getattr(value, "__dict__", {}).values() if not isinstance(value, (list, tuple)) else value:
        if isinstance(part, (list, tuple)):
            total += sum(_value_bytes(p) for p in part)
        elif isinstance(part, (bytes, bytearray, memoryview)):
            total += len(part)
        elif part is not None and hasattr(part, "__dict__"):
            total += _value_bytes(part)
    return total


# --------------------------------------------------------------------------- messages

_ABS_PATH = re.compile(r"""(?<![\w.:/])(?:/[^\s"'<>|/]+)+/?|[A-Za-z]:\\[^\s"'<>|]*""")


def redact_paths(text: str) -> str:
    """``text`` with every absolute path (``/srv/etalase/out/x.jpg``, ``C:\\x\\y.jpg``) cut to
    its last part (``x.jpg``): what a web user sees never shows where the server keeps files."""
    def last(match: re.Match) -> str:
        parts = [p for p in re.split(r"[\\/]", match.group(0)) if p and not p.endswith(":")]
        return parts[-1] if parts else ""
    return _ABS_PATH.sub(last, text)


# --------------------------------------------------------------------------- metadata

def metadata_found(data: bytes) -> list[str]:
    """The metadata an encoded JPEG, PNG or WebP carries besides pixels and a colour profile:
    ``comment``, ``exif``, ``xmp``, ``text`` (PNG tEXt/iTXt/zTXt), ``app`` (other JPEG APPn
    segments). An empty list is a clean file."""
    found: list[str] = []
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 4 <= len(data) and data[i] == 0xFF:
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            if marker == 0xDA:  # start of scan: no metadata after this we care about
                break
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            body = data[i + 4:i + 2 + length]
            if marker == 0xFE:
                found.append("comment")
            elif marker == 0xE1:
                found.append("exif" if body.startswith(b"Exif") else "xmp" if b"ns.adobe.com/xap" in body[:40] else "app")
            elif 0xE2 <= marker <= 0xEF and not (marker == 0xE2 and body.startswith(b"ICC_PROFILE")):
                found.append("app")
            i += 2 + length
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        i = 8
        while i + 8 <= len(data):
            length, kind = struct.unpack(">I4s", data[i:i + 8])
            if kind in (b"tEXt", b"iTXt", b"zTXt"):
                found.append("xmp" if data[i + 8:i + 8 + length].startswith(b"XML:com.adobe.xmp") else "text")
            elif kind in (b"eXIf", b"exIf"):
                found.append("exif")
            if kind == b"IEND":
                break
            i += 12 + length
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        i = 12
        while i + 8 <= len(data):
            kind, length = struct.unpack("<4sI", data[i:i + 8])
            if kind == b"EXIF":
                found.append("exif")
            elif kind == b"XMP ":
                found.append("xmp")
            i += 8 + length + (length & 1)
    return sorted(set(found))
