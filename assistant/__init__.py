"""Etalase: phone photos to marketplace-ready listing images, offline.

The public API; every front end (app.py, the CLI, the batch runner) goes through it.
"""

from __future__ import annotations

from assistant.batch import run_batch
from assistant.errors import AssistantError
from assistant.photo import Notice, Photo, open_photo
from assistant.pipeline import Output, Result, process, process_file, remove_background, standardize_lighting
from assistant.presets import Preset, list_presets, load_preset, load_presets
from assistant.readiness.ready import Readiness, check_ready
from assistant.readiness.verdict import Verdict, verdict_of, verdicts_of

__version__ = "0.1.0"

_PROMO = {"make_listing": "assistant.promo.listing", "make_listings": "assistant.promo.listing",
          "make_batch_listings": "assistant.promo.batch"}


def __getattr__(name: str):
    """The listing sets (issue 19), imported on first use: ``import assistant`` stays as quick."""
    if name in _PROMO:
        import importlib

        return getattr(importlib.import_module(_PROMO[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")

__all__ = [
    "AssistantError", "Notice", "Output", "Photo", "Preset", "Readiness", "Result", "check_ready", "list_presets", "load_preset",
    "load_presets", "open_photo", "process", "process_file", "remove_background", "run_batch",
    "standardize_lighting", "Verdict", "verdict_of", "verdicts_of", "__version__",
    "make_listing", "make_listings", "make_batch_listings",
]
