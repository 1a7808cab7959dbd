"""The recipe (everything an output depends on besides the photo) and the per-photo work:
decode, model, finish; ``process_bytes`` is what a Dask worker runs.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from assistant import pipeline
from assistant.models import fast as int8, registry
from assistant.readiness import listing, verdict
from assistant.errors import AssistantError
from assistant.photo import Notice, Photo, encode_preview, open_photo
from assistant.pipeline import process, working_side
from assistant.presets import Preset


THUMB_SIDE = 200
BATCH_FORMAT = 2  # bump when the journal's meaning changes (2: the listing checks' notices)

# --------------------------------------------------------------------------- the recipe

# the modules (globs under assistant/) whose code shapes an output
_CODE_FILES = ("pipeline.py", "photo.py", "models/session.py", "models/fast.py", "readiness/listing.py",
               "stages/*.py", "imaging/*.py")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """The package version plus a hash of the modules that shape an output: a changed stage
    means changed outputs, so the journal's entries from before no longer count."""
    root = Path(__file__).resolve().parents[1]
    # The package's __version__ (read from the file: this runs while ``assistant`` is importing).
    found = re.search(r'^__version__\s*=\s*["\']([^"\']+)', (root / "__init__.py").read_text(), re.M)
    digest = hashlib.sha256(f"{found.group(1) if found else '?'}/{BATCH_FORMAT}".encode())
    for pattern in _CODE_FILES:
        for path in sorted(root.glob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Recipe:
    """Everything an output depends on besides the photo; sent to Dask workers as it is."""

    presets: tuple[Preset, ...]
    model: str
    background: str | None
    code: str
    thumb_side: int = THUMB_SIDE

    def key(self) -> str:
        model_file = registry.model_path(self.model)
        spec = {
            "code": self.code, "model": self.model,
            "model_bytes": model_file.stat().st_size if model_file.is_file() else 0,
            # the opt-in int8 file cuts differently: a batch resumed with it on or off starts over
            "int8": self._int8(),
            "background": self.background, "thumb": self.thumb_side,
            "presets": [{"name": p.name, "image": dataclasses.asdict(p.image),
                         "lighting": dataclasses.asdict(p.lighting), "shadow": dataclasses.asdict(p.shadow)}
                        for p in self.presets],
        }
        return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:24]

    def _int8(self) -> bool:
        if not int8.enabled():
            return False
        name = registry.model_info(self.model).name
        return int8.fast_path(name, registry.runtime_path(name)) is not None


# --------------------------------------------------------------------------- the per-photo work

@dataclass
class MadeOutput:
    preset: str
    extension: str
    data: bytes
    width: int
    height: int
    notices: list[Notice]
    thumb: bytes
    verdict: dict | None = None  # issue 16: readiness.verdict.to_record of this output's verdict


@dataclass
class PhotoResult:
    """What the per-photo function returns (picklable: it comes back from Dask workers)."""

    outputs: list[MadeOutput] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    before: bytes | None = None
    timings: dict[str, float] = field(default_factory=dict)
    error: tuple[str, dict] | None = None
    internal: str | None = None  # an unexpected exception: reported, never journaled
    code: str = ""


@dataclass
class Decoded:
    photo: Photo
    before: bytes
    needs_model: bool
    decode_s: float


def _thumb(image: Image.Image, side: int) -> bytes:
    """The report's thumbnail: fitted in ``side``, transparency on light grey, no metadata."""
    return encode_preview(image, side, "jpeg", 80)


def decode_stage(data: bytes, name: str, recipe: Recipe) -> Decoded:
    """Decode (JPEG draft mode, at the size the presets need) and make the 'before' thumbnail."""
    t0 = time.perf_counter()
    source = io.BytesIO(data)
    source.name = name  # open_photo's messages name the file
    photo = open_photo(source, max_side=working_side(list(recipe.presets)))
    needs_model = not pipeline.uses_file_alpha(photo)
    before = _thumb(photo.image, recipe.thumb_side)
    return Decoded(photo, before, needs_model, time.perf_counter() - t0)


def model_stage(decoded: Decoded, recipe: Recipe) -> np.ndarray | None:
    """The model's soft mask (the only stage that needs the model); None for a cut-out PNG."""
    if not decoded.needs_model:
        return None
    return pipeline.soft_mask(decoded.photo, recipe.model)


def finish_stage(decoded: Decoded, soft: np.ndarray | None, recipe: Recipe, cutout_s: float) -> PhotoResult:
    """Alpha, lighting, framing and encoding for every preset: ``pipeline.process`` after the cut."""
    t0 = time.perf_counter()
    if soft is None:
        photo = pipeline.cut_out(decoded.photo)  # the file's own alpha
    else:
        photo = pipeline.with_mask(decoded.photo, soft, recipe.model)
    cutout_s += time.perf_counter() - t0
    result = process(photo, list(recipe.presets), model=recipe.model, background=recipe.background)
    # The listing checks, as in the app: each warn or fail becomes a notice with its tip.
    checks = listing.check_outputs(result)
    verdicts = verdict.verdicts_of(result)  # the same checks, one headline per output (issue 16)
    outputs = [MadeOutput(o.preset.name, o.extension, o.data, o.size[0], o.size[1],
                          list(o.notices) + [Notice(r.tip_key, dict(r.params))
                                             for r in checks[o.preset.name]
                                             if r.status != "ok" and verdicts[o.preset.name].shows(r)],
                          _thumb(o.image, recipe.thumb_side), verdict.to_record(verdicts[o.preset.name]))
               for o in result.outputs]
    timings = {"decode": decoded.decode_s, "cutout": cutout_s + result.timings.get("cutout", 0.0),
               "lighting": result.timings.get("lighting", 0.0),
               "export": result.timings.get("framing_export", 0.0)}
    return PhotoResult(outputs, list(result.photo.notices), decoded.before, timings, code=recipe.code)


def _failure(exc: BaseException, before: bytes | None = None, code: str = "") -> PhotoResult:
    if isinstance(exc, AssistantError):
        return PhotoResult(error=(exc.code, dict(exc.params)), before=before, code=code)
    detail = _exc_detail(exc)
    return PhotoResult(internal=detail, before=before, code=code)


def process_bytes(data: bytes, name: str, recipe: Recipe) -> PhotoResult:
    """The whole per-photo function: bytes in, encoded outputs and thumbnails out.

    The Dask engine runs exactly this on its workers; the local engine runs its three stages
    on different threads so they overlap."""
    if recipe.code and recipe.code != code_version():
        return PhotoResult(error=("batch_worker_version", {"worker": code_version(), "here": recipe.code}))
    decoded = None
    try:
        decoded = decode_stage(data, name, recipe)
        t0 = time.perf_counter()
        soft = model_stage(decoded, recipe)
        return finish_stage(decoded, soft, recipe, time.perf_counter() - t0)
    except Exception as exc:  # one bad photo costs only its own rows
        return _failure(exc, decoded.before if decoded else None, recipe.code)


def _exc_detail(exc: BaseException) -> str:
    """An unexpected exception in one line for the report: its type and message, 300 characters at most."""
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


