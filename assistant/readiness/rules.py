"""Per-marketplace verdict: "Siap tayang", or the reasons the preset's rules give for a likely rejection.

``judge(rgb, findings, preset, file_bytes=None, file_format=None)`` compares what
``overlay.detect`` found and the image's own numbers with one preset's ``[image]`` rules.
Each reason names the rule (the preset field) it comes from, so a front end can show the
rule's source and whether it is official or third-party (``Reason.source(preset)``).
No I/O, no model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from assistant.i18n import LANGUAGES, t
from assistant.presets import Preset, Sourced
from assistant.readiness.overlay import Findings

# reason code -> the preset rule (ImageRules field) that carries its source
REASON_RULES = {
    "overlay": "overlays_allowed",
    "border": "overlays_allowed",
    "collage": "overlays_allowed",
    "screenshot": "overlays_allowed",
    "no_product": "fill",
    "background": "background_tolerance",
    "background_busy": "background_tolerance",  # its edge may be the colour, but things stand behind the product
    "fill": "min_fill",
    "aspect": "width",
    "min_size": "min_side",
    "file_size": "max_bytes",
    "format": "upload_formats",
}
REASONS = tuple(REASON_RULES)
BACKGROUND_RING = 0.03    # the outer band of the image the background is judged on
BACKGROUND_SHARE = 0.02   # a larger share of that band off the preset's colour fails
ASPECT_TOLERANCE = 0.03   # |log(image ratio / preset ratio)| above this: wrong shape
FIXABLE = {"overlay", "border", "screenshot", "background", "background_busy", "fill", "aspect", "min_size",
           "file_size", "format"}


@dataclass(frozen=True)
class Reason:
    """Why a marketplace would likely refuse the image, and the rule behind it."""

    code: str                      # one of REASONS
    params: dict = field(default_factory=dict)

    @property
    def rule(self) -> str:
        return REASON_RULES[self.code]

    def text(self, lang: str | None = None) -> str:
        return t(f"readiness_reason_{self.code}", lang, **self.params)

    def source(self, preset: Preset) -> Sourced | None:
        return preset.sources.get(self.rule)

    def as_dict(self, preset: Preset, lang: str | None = None) -> dict:
        src = self.source(preset)
        out = {"code": self.code, "rule": self.rule, "text": self.text(lang)}
        if src is not None:
            out.update(source=src.source, source_kind=src.kind, checked=src.checked.isoformat())
        return out


@dataclass(frozen=True)
class Verdict:
    """One preset's verdict on one image."""

    preset: Preset
    reasons: tuple[Reason, ...]

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def status(self) -> str:
        return "ok" if self.ok else "fail"

    def headline(self, lang: str | None = None) -> str:
        if self.ok:
            return t("readiness_verdict_ok", lang, preset=self.preset.title)
        return t("readiness_verdict_fail", lang, preset=self.preset.title,
                 reasons="; ".join(r.text(lang) for r in self.reasons))

    def as_dict(self, lang: str | None = None) -> dict:
        return {"check": "verdict", "preset": self.preset.name, "status": self.status,
                "value": [r.code for r in self.reasons], "tip": self.headline(lang),
                "reasons": [r.as_dict(self.preset, lang) for r in self.reasons]}


def kind_name(kind: str) -> dict[str, str]:
    """What a mark kind is called, in every language (``t`` picks the reader's)."""
    return {lang: t(f"readiness_kind_{kind}", lang) for lang in LANGUAGES}


def fill_of(findings: Findings) -> float:
    """The product's longer side as a share of the image's matching side (0 without a product)."""
    if findings.product_box is None:
        return 0.0
    x0, y0, x1, y1 = findings.product_box
    w, h = findings.size
    return max((x1 - x0) / w, (y1 - y0) / h)


def _strip_kept(findings: Findings, strip: tuple[int, int, int, int]) -> np.ndarray:
    """Which pixels of ``strip`` (x0, y0, x1, y1) lie outside the product zone and every mark's box."""
    x0, y0, x1, y1 = strip
    kept = ~findings.zone[y0:y1, x0:x1]
    for m in findings.marks:
        mx0, my0, mx1, my1 = m.box
        kept[max(0, my0 - y0):max(0, my1 - y0), max(0, mx0 - x0):max(0, mx1 - x0)] = False
    return kept


def background_off_share(rgb: np.ndarray, findings: Findings, colour: tuple[int, int, int], tolerance: int) -> float:
    """Share of the image's outer band (product zone and marks left out) off ``colour`` by more
    than ``tolerance`` levels in any channel."""
    h, w = rgb.shape[:2]
    e = max(2, int(BACKGROUND_RING * min(w, h)))
    want = np.array(colour, np.int16)
    off = total = 0
    # the four strips (corners once), every other pixel: plenty for a share
    for (y0, y1), (x0, x1) in (((0, e), (0, w)), ((h - e, h), (0, w)), ((e, h - e), (0, e)), ((e, h - e), (w - e, w))):
        ys, xs = slice(y0, y1), slice(x0, x1)
        sel = _strip_kept(findings, (x0, y0, x1, y1))[::2, ::2]
        px = rgb[ys, xs][::2, ::2][sel].astype(np.int16)
        if len(px):
            off += int((np.abs(px - want).max(axis=1) > tolerance).sum())
            total += len(px)
    return off / total if total else 0.0


def judge(rgb: np.ndarray, findings: Findings, preset: Preset, file_bytes: int | None = None,
          file_format: str | None = None) -> Verdict:
    """``preset``'s verdict on the image ``rgb`` (HxWx3) with ``findings`` from ``overlay.detect``.
    ``file_bytes`` / ``file_format`` (jpeg, png, webp, ...): the file as it would be uploaded;
    left out, the file rules are not judged."""
    rules = preset.image
    reasons: list[Reason] = []
    if not rules.overlays_allowed:
        for kind in findings.kinds:
            n = sum(1 for m in findings.marks if m.kind == kind)
            reasons.append(Reason("overlay", {"kind": kind_name(kind), "count": n}))
        if findings.border:
            reasons.append(Reason("border"))
        if findings.screenshot:
            reasons.append(Reason("screenshot"))
        if findings.collage:
            reasons.append(Reason("collage"))
    fill = fill_of(findings)
    if findings.product_box is None:
        reasons.append(Reason("no_product"))
    elif fill < rules.min_fill:
        reasons.append(Reason("fill", {"percent": round(100 * fill), "min_percent": round(100 * rules.min_fill)}))
    framed = findings.border or findings.screenshot or findings.collage
    if rules.background_tolerance < 255 and not framed:
        off = background_off_share(rgb, findings, preset.background_rgb, rules.background_tolerance)
        if off > BACKGROUND_SHARE:
            reasons.append(Reason("background", {"colour": rules.background, "percent": round(100 * off)}))
        elif not findings.plain:  # the edge passes, but the background is not plain: no share to quote
            reasons.append(Reason("background_busy", {"colour": rules.background}))
    h, w = rgb.shape[:2]
    if abs(math.log((w / h) / (rules.width / rules.height))) > ASPECT_TOLERANCE:
        reasons.append(Reason("aspect", {"width": w, "height": h, "want_w": rules.width, "want_h": rules.height}))
    if min(w, h) < rules.min_side:
        reasons.append(Reason("min_size", {"side": min(w, h), "min_side": rules.min_side}))
    if file_bytes is not None and file_bytes > rules.max_bytes:
        reasons.append(Reason("file_size", {"kb": round(file_bytes / 1000), "cap_kb": round(rules.max_bytes / 1000)}))
    allowed = [f.strip() for f in rules.upload_formats.split(",")]
    if file_format is not None and file_format not in allowed:
        reasons.append(Reason("format", {"format": file_format.upper(),
                                         "allowed": ", ".join(f.upper() for f in allowed)}))
    return Verdict(preset, tuple(reasons))
