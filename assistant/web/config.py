"""The web app's settings from the environment, read once at import; no Gradio here.

Importing this module sets GRADIO_TEMP_DIR to the app's own cache folder, so it must come
before any Gradio import (``assistant/web/__init__.py`` imports it first). Each ``ETALASE_*``
variable is declared, with its default and help, in ``assistant/settings.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

from assistant.settings import value
from assistant.resources import data_dir

REPO = Path(__file__).resolve().parents[2]


# The app's cache must be its own folder, chosen before Gradio reads GRADIO_TEMP_DIR:
# Gradio serves uploaded and generated files from there and from nowhere else.
CACHE_DIR = Path(value("ETALASE_CACHE_DIR")).resolve()
CACHE_DIR.mkdir(parents=True, exist_ok=True)
os.environ["GRADIO_TEMP_DIR"] = str(CACHE_DIR)
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: no telemetry calls

CACHE_MAX_AGE_S = value("ETALASE_CACHE_MAX_AGE_S")
CACHE_SWEEP_S = max(1, min(300, CACHE_MAX_AGE_S // 4))
MAX_UPLOAD_MB = 25
MAX_UPLOAD_TOTAL_MB = value("ETALASE_MAX_UPLOAD_TOTAL_MB")
MAX_BATCH_FILES = value("ETALASE_MAX_BATCH_FILES")
CONCURRENCY = value("ETALASE_CONCURRENCY")
# Batches have their own lane (Gradio concurrency_id "batch"), so a single photo never waits
# behind someone's whole batch: photos, touch-ups, mockups and the API share "photo".
BATCH_CONCURRENCY = value("ETALASE_BATCH_CONCURRENCY")
QUEUE_MAX = value("ETALASE_QUEUE_MAX")
OUT_ROOT = CACHE_DIR / "etalase-out"  # finished images, served for download
WORK_ROOT = CACHE_DIR / "etalase-work"  # batch inputs and outputs while a batch runs
GUIDE_PICTURES_DIR = data_dir("docs/panduan")
STATIC_DIR = Path(__file__).resolve().parent / "static"


def static_text(name: str) -> str:
    """A CSS/JS/HTML file of ``assistant/web/static``, read when the app is built."""
    return (STATIC_DIR / name).read_text(encoding="utf-8").rstrip("\n")
