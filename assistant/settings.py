"""Every ``ETALASE_*`` environment variable, declared once: name, default, help and parser.

Code reads a setting with ``value(name)``, never ``os.environ`` itself, so the README's
settings table (checked against ``SETTINGS`` by tests/test_settings.py) lists all of them.
A value that does not parse (``ETALASE_PORT=abc``) falls back to the default: a typo in
the environment never stops the app or the CLI.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default (a value, or a function of nothing for
    defaults that depend on the machine), help text, parser and who reads it."""

    name: str
    default: object
    help: str
    parse: Callable[[str], object] = str
    default_text: str = ""  # how the README shows a computed default
    group: str = "library"  # library, app or development

    def default_value(self) -> object:
        return self.default() if callable(self.default) else self.default

    def shown_default(self) -> str:
        if self.default_text:
            return self.default_text
        default = self.default_value()
        if isinstance(default, bool):
            return "off" if not default else "on"
        return "(none)" if default is None else f"`{default}`"


def _int_at_least(lo: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        return max(lo, int(text))
    return parse


def _path(text: str) -> Path:
    if not text.strip():
        raise ValueError("empty path")
    return Path(text).expanduser().resolve()


def _flag(text: str) -> bool:
    return text.strip().lower() not in ("", "0", "no", "false", "off")


def _switch(text: str) -> bool:
    """An explicit on/off; anything else does not parse (the default then holds)."""
    word = text.strip().lower()
    if word in ("1", "yes", "on", "true"):
        return True
    if word in ("0", "no", "off", "false"):
        return False
    raise ValueError(f"not on or off: {text!r}")


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _language(text: str) -> str:
    return text.strip().lower()[:2]


def usable_cores() -> int:
    """The cores this process may run on (its affinity, which a container or `taskset` narrows;
    os.cpu_count() counts the whole machine)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _models_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return (Path(base) / "etalase" / "models").resolve()


_DECLARED = (
    Setting("ETALASE_MODELS", _models_dir, "Folder the background-removal models are installed in and read from.",
            _path, default_text="`~/.cache/etalase/models` (under `$XDG_CACHE_HOME` when set)"),
    Setting("ETALASE_FAST_MODEL", True, "Quality mode runs a smaller int8 copy of its model, made by `models "
            "install`, in about half the time and memory, its cutouts as good within measuring noise "
            "(docs/speed.md). 0/no/off: the full model everywhere, and install makes no copy.", _switch),
    Setting("ETALASE_LANG", "id", "Default language of messages, reports and the app: id or en.", _language),
    Setting("ETALASE_DEBUG", False, "Any value but 0/no/false: the CLI shows a bug's traceback instead of "
            "a one-line message.", _flag),
    Setting("ETALASE_HOST", "127.0.0.1", "Address the web app listens on (app.py --host overrides it).",
            group="app"),
    Setting("ETALASE_PORT", 7860, "Port the web app listens on (app.py --port overrides it).", _int_at_least(1),
            group="app"),
    Setting("ETALASE_ACCESS_CODE", None, "Access code the app asks for once per phone (any name, the code as "
            "the password). Unset: none on 127.0.0.1; with `--lan` or any other host the app makes one up and "
            "prints it.", group="app"),
    Setting("ETALASE_SSL_CERT", None, "Certificate file (PEM) for https (`serve --cert` overrides it): phones "
            "share results to WhatsApp and install the app only from an https address. Needs ETALASE_SSL_KEY.",
            _path, group="app"),
    Setting("ETALASE_SSL_KEY", None, "Private key file (PEM) of ETALASE_SSL_CERT (`serve --key` overrides it).",
            _path, group="app"),
    Setting("ETALASE_CACHE_DIR", lambda: Path(tempfile.gettempdir()).resolve() / "etalase-app",
            "The app's own cache folder: uploads and outputs, the only folder it serves files from.", _path,
            default_text="`<tmp>/etalase-app`", group="app"),
    Setting("ETALASE_CACHE_MAX_AGE_S", 3600, "Seconds after which the app deletes uploads and outputs; keep it well "
            "above the longest queue wait.", _int_at_least(1), group="app"),
    Setting("ETALASE_CONCURRENCY", lambda: max(1, min(4, usable_cores() // 2)), "Photos the app processes at the same "
            "time; further requests wait in the queue.", _int_at_least(1),
            default_text="half the CPU cores, 1 to 4", group="app"),
    Setting("ETALASE_BATCH_CONCURRENCY", 1, "Batches the app runs at the same time, each in its own worker "
            "process below the app's CPU priority (a running batch pauses between photos while a single photo runs).", _int_at_least(1),
            group="app"),
    Setting("ETALASE_QUEUE_MAX", 64, "Requests that may wait in the app's queue.", _int_at_least(1), group="app"),
    Setting("ETALASE_MAX_BATCH_FILES", 200, "Photos per batch run in the app.", _int_at_least(1), group="app"),
    Setting("ETALASE_MAX_UPLOAD_TOTAL_MB", 1000, "Megabytes one batch upload to the app may total.",
            _int_at_least(1), group="app"),
    Setting("ETALASE_WARM", None, "Models the app loads in the background at start, comma-separated; empty "
            "loads none.", _names, default_text="both models, the better one first", group="app"),
    Setting("ETALASE_SHARED", None, "Folder of real photos the benches read.", _path,
            default_text="`../shared/data`", group="development"),
    Setting("ETALASE_SCREENSHOTS", None, "Folder the browser tests save their screenshots to.", _path,
            default_text="unset: none made", group="development"),
    Setting("ETALASE_CODE", None, "Checkout whose code the real-photo bench runs (its \"before\" runs use the "
            "base commit's).", _path, default_text="this checkout", group="development"),
    Setting("ETALASE_REVIEW_SOFT", None, "Folder of cached model masks the real-photo bench reads (another "
            "model file's, to compare).", _path, default_text="`bench/out/realphoto/soft`", group="development"),
)

SETTINGS: dict[str, Setting] = {s.name: s for s in _DECLARED}


def value(name: str) -> object:
    """The setting's parsed value from the environment now, else its default.

    ``ETALASE_WARM`` set but empty is an empty tuple (load nothing), not the default.
    """
    setting = SETTINGS[name]  # an undeclared name is a bug: KeyError
    raw = os.environ.get(name)
    if raw is None or (not raw.strip() and setting.parse is not _names):
        return setting.default_value()
    try:
        return setting.parse(raw)
    except (ValueError, OSError):
        return setting.default_value()


def markdown_table() -> str:
    """The README's settings table (under ``## Settings``), one row per declared setting."""
    rows = ["| Variable | Default | Used by | What it does |", "|---|---|---|---|"]
    rows += [f"| `{s.name}` | {s.shown_default()} | {s.group} | {s.help} |" for s in _DECLARED]
    return "\n".join(rows)
