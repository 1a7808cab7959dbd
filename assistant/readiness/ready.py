"""Siap tayang: is this image ready to be a marketplace's main image, and can Etalase fix it?

``check_ready(src, presets)`` is what ``python -m assistant check IMAGE --preset ...``, the
app's "Cek foto sebelum unggah" and the batch report call: it opens the image as the
vendor would upload it, finds the product (the fast cutout model's mask, or an ``alpha``
the caller already has), runs ``overlay.detect`` once, judges it against every preset
(``rules.judge``) and, with ``fix=True``, makes the safe fix per preset (``autofix.fix``)
and judges the fixed image again. ``Readiness.items(lang)`` gives the JSON items:
``overlay`` (one per kind found, with ``kind``), ``border``, ``collage``, ``screenshot``
and one ``verdict`` per preset (``ok`` / ``fail`` with reasons, and ``after`` the fix).
"""

from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
from PIL import Image

from assistant.models import session as segment
from assistant.i18n import t
from assistant.photo import open_photo
from assistant.presets import Preset, load_presets
from assistant.readiness import autofix, overlay, rules
from assistant.readiness.overlay import KINDS, Findings
from assistant.readiness.rules import Verdict

CHECK_MODEL = "u2netp"  # the fast model: the verdict needs the product's zone, not its fine edge
MAX_SIDE = 4096         # larger images are judged at this long side (their file is judged as it is)
FRAME_CHECKS = ("border", "collage", "screenshot")


def product_alpha(rgb: np.ndarray, model: str | None = CHECK_MODEL) -> np.ndarray:
    """The product's alpha (HxW uint8) from the model's soft mask, scaled to the image."""
    h, w = rgb.shape[:2]
    soft = segment.get_segmenter(model).predict(Image.fromarray(np.ascontiguousarray(rgb[..., :3])))
    return np.clip(cv2.resize(soft, (w, h), interpolation=cv2.INTER_LINEAR) * 255 + 0.5, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Readiness:
    """Everything ``check_ready`` found for one image."""

    findings: Findings
    verdicts: tuple[Verdict, ...]
    fixes: tuple[autofix.Fixed, ...] = ()          # per preset, when asked for (refusals included)
    after: tuple[Verdict | None, ...] = ()         # the verdict on each fix (None: refused)
    timings: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every preset's verdict is "Siap tayang"."""
        return all(v.ok for v in self.verdicts)

    def verdict(self, preset: str) -> Verdict:
        return next(v for v in self.verdicts if v.preset.name == preset)

    def fixed(self, preset: str) -> autofix.Fixed | None:
        return next((f for f in self.fixes if f.preset.name == preset), None)

    def items(self, lang: str | None = None) -> list[dict]:
        """``[{"check", "status", "value", "tip", ...}]``: overlay (one per kind found, with ``kind``
        and ``boxes``), border, collage, screenshot, then one ``verdict`` per preset."""
        f = self.findings
        out: list[dict] = []
        if not f.marks:
            out.append({"check": "overlay", "status": "ok", "value": 0, "kind": None,
                        "tip": t("readiness_overlay_ok", lang)})
        for kind in KINDS:
            marks = [m for m in f.marks if m.kind == kind]
            if marks:
                out.append({"check": "overlay", "status": "fail", "value": len(marks), "kind": kind,
                            "boxes": [list(m.box) for m in marks],
                            "on_product": any(m.touches_product for m in marks),
                            "tip": t("readiness_overlay_bad", lang, kind=rules.kind_name(kind), count=len(marks))})
        for name in FRAME_CHECKS:
            found = bool(getattr(f, name))
            item = {"check": name, "status": "fail" if found else "ok", "value": found,
                    "tip": t(f"readiness_{name}_{'bad' if found else 'ok'}", lang)}
            if found and name != "collage":
                item["keep"] = list(f.content)
            out.append(item)
        for i, v in enumerate(self.verdicts):
            item = v.as_dict(lang)
            if i < len(self.fixes) and self.fixes[i].refused != "not_needed":
                item["after"] = fix_dict(self.fixes[i], self.after[i], lang)
            out.append(item)
        return out


def fix_dict(fixed: autofix.Fixed, after: Verdict | None, lang: str | None = None) -> dict:
    """The fix and the verdict after it, for ``items``."""
    if fixed.refused is not None or after is None:
        return {"fixed": False, "refused": fixed.refused,
                "tip": t(f"readiness_fix_refused_{fixed.refused}", lang)}
    steps = "; ".join(t(f"readiness_fix_step_{s}", lang) for s in fixed.steps)
    return {"fixed": True, "steps": list(fixed.steps), "status": after.status,
            "reasons": [r.as_dict(after.preset, lang) for r in after.reasons],
            "resampled": fixed.resampled,
            "tip": (t("readiness_fix_done", lang, steps=steps) + " " if fixed.steps else "")
            + t("readiness_fix_after", lang, verdict=after.headline(lang))}


def _file_facts(src) -> tuple[np.ndarray, int | None, str | None]:
    """The image's pixels (upright RGB), its file size in bytes and its format, as uploaded."""
    if isinstance(src, np.ndarray):
        return np.ascontiguousarray(src[..., :3]), None, None
    if isinstance(src, Image.Image):
        return np.asarray(src.convert("RGB")), None, None
    if isinstance(src, (str, os.PathLike)):
        data = Path(src).read_bytes()
    elif isinstance(src, bytes):
        data = src
    else:
        data = src.read()
    photo = open_photo(data, max_side=MAX_SIDE)
    try:
        fmt = (Image.open(io.BytesIO(data)).format or "").lower() or None
    except Exception:  # open_photo already read it; a header Pillow cannot name is just unnamed
        fmt = None
    fmt = {"mpo": "jpeg"}.get(fmt, fmt)
    return np.asarray(photo.image), len(data), fmt


def check_ready(src: str | os.PathLike | bytes | BinaryIO | np.ndarray | Image.Image,
                presets: str | list[str] | list[Preset] = "umum", alpha: np.ndarray | None = None,
                model: str | None = CHECK_MODEL, fix: bool = True) -> Readiness:
    """Is the image ``src`` ready to list on each of ``presets``, and what the safe fix gives.

    ``src``: a file (path, bytes, open file: its size and format are judged too) or pixels
    (an RGB array or a PIL image: the file rules are then left out). ``alpha``: the
    product's alpha when the caller has it (an Etalase output's own cutout); otherwise the
    cutout model ``model`` finds it (the fast u2netp by default, ~0.3 s on two cores).
    """
    chosen = presets if isinstance(presets, list) and presets and isinstance(presets[0], Preset) \
        else load_presets(presets)
    timings: dict[str, float] = {}
    rgb, nbytes, fmt = _file_facts(src)
    t0 = time.perf_counter()
    if alpha is None:
        alpha = product_alpha(rgb, model)
    elif alpha.shape != rgb.shape[:2]:
        alpha = cv2.resize(alpha, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
    timings["cutout"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    findings = overlay.detect(rgb, alpha)
    verdicts = tuple(rules.judge(rgb, findings, p, file_bytes=nbytes, file_format=fmt) for p in chosen)
    timings["verdict"] = time.perf_counter() - t0
    fixes: list[autofix.Fixed] = []
    after: list[Verdict | None] = []
    if fix:
        t0 = time.perf_counter()
        for p, v in zip(chosen, verdicts):
            if v.ok:
                fixes.append(autofix.Fixed(p, "not_needed"))
                after.append(None)
                continue
            fixed = autofix.fix(rgb, alpha, findings, p)
            fixes.append(fixed)
            if fixed.refused is None:
                f2 = overlay.detect(fixed.rgb, fixed.alpha)
                after.append(rules.judge(fixed.rgb, f2, p, file_bytes=len(fixed.data), file_format=fixed.format))
            else:
                after.append(None)
        timings["fix"] = time.perf_counter() - t0
    return Readiness(findings, verdicts, tuple(fixes), tuple(after), timings)
