"""The web app's settings from the environment, read once at import; no Gradio here.

Importing this module sets GRADIO_TEMP_DIR to the app's own cache folder, so it must come
before any Gradio import (``assistant/web/__init__.py`` imports it first). Each ``ETALASE_*``
variable is described in ``app.py``'s docstring.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


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
# Batches have their own lane (Gradio concurrency_id "batch"), so a single photo never waits
# behind someone's whole batch: photos, touch-ups, mockups and the API share "photo".
BATCH_CONCURRENCY = _env_int("ETALASE_BATCH_CONCURRENCY", 1)
QUEUE_MAX = _env_int("ETALASE_QUEUE_MAX", 64)
OUT_ROOT = CACHE_DIR / "etalase-out"  # finished images, served for download
WORK_ROOT = CACHE_DIR / "etalase-work"  # batch inputs and outputs while a batch runs
GUIDE_PICTURES_DIR = REPO / "docs" / "panduan"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def static_text(name: str) -> str:
    """A CSS/JS/HTML file of ``assistant/web/static``, read when the app is built."""
    return (STATIC_DIR / name).read_text(encoding="utf-8").rstrip("\n")
