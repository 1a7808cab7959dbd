"""Siap tayang for Etalase's own outputs: the photo tab's result card and the batch report.

An output is a product Etalase painted on a plain canvas, so its product zone is what is not
the canvas colour (``canvas_alpha``): no cutout model runs again (u2netp would cost ~0.3 s per
output, a batch of 100 photos for three marketplaces 1.5 minutes more). The verdict is then
``check_ready``'s own, file size and format included.

``write_readiness(out_dir, records, presets, lang)`` writes ``siap-tayang.csv`` (one row per
photo, a column per marketplace: ``siap tayang`` or the reasons) and returns the report.html
section with the same table; ``batch.reports`` calls it once.
"""

from __future__ import annotations

import csv
import html
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from assistant import safety, settings
from assistant.i18n import t
from assistant.photo import write_atomic
from assistant.presets import Preset, load_preset
from assistant.readiness.ready import check_ready
from assistant.readiness import rules
from assistant.readiness.rules import Verdict

log = logging.getLogger("etalase.readiness")

CANVAS_LEVEL = 40   # a pixel this far (any channel) from the canvas colour is product (a soft shadow is not)
CSV_NAME = "siap-tayang.csv"


def canvas_alpha(rgb: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    """The product's alpha on a plain canvas: what is off the colour of the image's edges, holes
    filled. ``alpha`` (a transparent output's own channel) wins when given."""
    if alpha is not None:
        return alpha
    h, w = rgb.shape[:2]
    edge = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.int16)
    canvas = np.median(edge, axis=0)
    # |pixel - canvas| <= CANVAS_LEVEL in every channel, as whole levels (the median may end in .5):
    # one uint8 pass instead of a float64 copy of the image (84 ms -> ~2 ms at 1200x1200, the
    # batch report judges every output).
    low = np.clip(np.ceil(canvas - CANVAS_LEVEL), 0, 255)
    high = np.clip(np.floor(canvas + CANVAS_LEVEL), 0, 255)
    near = cv2.inRange(np.ascontiguousarray(rgb), tuple(float(v) for v in low), tuple(float(v) for v in high))
    off = (near == 0).astype(np.uint8)
    k = max(3, round(0.004 * max(h, w)) | 1)
    off = cv2.morphologyEx(off, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    filled = off.copy()
    contours, _ = cv2.findContours(off, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled * 255


def _pixels(data: bytes) -> tuple[np.ndarray, np.ndarray | None, str]:
    """An output's pixels (a transparent one as shown on white), its own alpha if any, its format."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        fmt = {"mpo": "jpeg"}.get((im.format or "").lower(), (im.format or "").lower())
        if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
            rgba = np.asarray(im.convert("RGBA"))
            a = rgba[..., 3:].astype(np.float32) / 255
            rgb = (rgba[..., :3] * a + 255 * (1 - a)).round().astype(np.uint8)
            return rgb, rgba[..., 3].copy(), fmt
        return np.asarray(im.convert("RGB")), None, fmt


def output_verdict(data: bytes, preset: Preset | str) -> Verdict:
    """``preset``'s verdict on one of Etalase's finished files (``data``: its bytes)."""
    preset = load_preset(preset) if isinstance(preset, str) else preset
    rgb, own_alpha, fmt = _pixels(data)
    findings = check_ready(rgb, [preset], alpha=canvas_alpha(rgb, own_alpha), fix=False).findings
    return rules.judge(rgb, findings, preset, file_bytes=len(data), file_format=fmt or None)


@lru_cache(maxsize=256)
def _file_verdict(path: str, preset: str, mtime_ns: int, size: int) -> Verdict:
    del mtime_ns, size  # part of the cache key: a rewritten file is judged again
    return output_verdict(Path(path).read_bytes(), preset)


def file_verdict(path: str | os.PathLike, preset: str) -> Verdict | None:
    """``output_verdict`` of a file on disk, remembered per file (a language switch redraws the
    card); None when it cannot be judged (the file is gone): the caller shows nothing."""
    try:
        st = os.stat(path)
        return _file_verdict(str(path), preset, st.st_mtime_ns, st.st_size)
    except Exception:  # the readiness line is advice: never cost the vendor the result
        log.exception("readiness verdict failed for %s", preset)
        return None


def verdict_text(v: Verdict | None, lang: str | None) -> str:
    """One cell: "Siap tayang", or the reasons; "-" when it could not be judged."""
    if v is None:
        return "-"
    if v.ok:
        return t("siap_ready_short", lang)
    return "; ".join(r.text(lang) for r in v.reasons)


def write_readiness(out_dir: Path, records: list, presets: list[Preset], lang: str | None) -> str:
    """``siap-tayang.csv`` beside the report (a row per processed photo, a column per preset) and
    the same table as report.html's section (HTML, every name escaped)."""
    esc = html.escape
    head = [t("siap_col_photo", lang)] + [p.title_in(lang) for p in presets]
    jobs: list[tuple[str, list[tuple[Path, str] | None]]] = []
    for r in records:
        if r.status != "ok":
            continue
        paths = {o["preset"]: out_dir / o["path"] for o in r.outputs}
        jobs.append((r.relative, [(paths[p.name], p.name) if p.name in paths else None for p in presets]))
    # Every output of the batch is judged here, after the last photo: on as many threads as there
    # are cores (the detector is OpenCV and numpy, which let go of the GIL), not on one while the
    # others idle (600 outputs of a 200-photo batch took 100 s on one core).
    flat = [job for _, row in jobs for job in row if job is not None]
    with ThreadPoolExecutor(max_workers=max(1, min(4, settings.usable_cores()))) as pool:
        judged = dict(zip(flat, pool.map(lambda job: file_verdict(*job), flat)))
    rows: list[tuple[str, list[Verdict | None]]] = [
        (name, [judged[job] if job is not None else None for job in row]) for name, row in jobs]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(safety.csv_row(["input"] + [p.name for p in presets]))
    for name, verdicts in rows:
        writer.writerow(safety.csv_row([name] + [verdict_text(v, lang) for v in verdicts]))
    write_atomic(out_dir / CSV_NAME, buf.getvalue().encode("utf-8"))
    if not rows:
        return ""
    out = [f"<h2>{esc(t('siap_report_title', lang))}</h2><p>{esc(t('siap_report_intro', lang))}</p>",
           "<table class=\"siap\"><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>"]
    for name, verdicts in rows:
        cells = "".join(f"<td class=\"{'ok' if v is not None and v.ok else 'bad'}\">{esc(verdict_text(v, lang))}</td>"
                        for v in verdicts)
        out.append(f"<tr><td>{esc(name)}</td>{cells}</tr>")
    out.append("</table>")
    return "".join(out)
