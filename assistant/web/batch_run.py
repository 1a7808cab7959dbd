"""The "Banyak Foto" tab's work, without Gradio: stage the uploads, run the batch, hand back one zip
per vendor (and one with everything and the reports), the photos with their verdicts for the grid,
and redo one photo with other settings.

The batch's work folder (the staged uploads and the outputs) is kept in the app's cache after the
run, so one photo can be redone; the cache sweep removes it with everything else after the cache
age (``ETALASE_CACHE_MAX_AGE_S``). A redo after that says the batch is gone.
"""

from __future__ import annotations

import html
import os
import shutil
import threading
import time
from pathlib import Path, PurePosixPath

import assistant
from assistant.batch.reports import photo_headline, photo_verdict
from assistant.i18n import t
from assistant.presets import load_presets
from assistant.web import batch_worker
from assistant.web.config import OUT_ROOT, WORK_ROOT
from assistant.web.services import AppMessage, _active_lock, _active_work, new_dir, stage_batch_inputs

MARKS = {"ok": "✓", "check": "⚠", "retake": "↻", "failed": "✗"}  # batch_app_legend says what each means


def run_files(files: list[str], preset_names, model: str, background: str | None, lang: str,
              progress=None, cancel: threading.Event | None = None, listing: bool = False, listing_progress=None):
    """Stage the uploads and run the batch: returns (run, BatchResult). ``run`` is JSON-like: the
    work folder, the inputs and presets (for a redo), the downloads and the photos for the grid.
    ``listing``: also a listing set per product (``promo.batch``), in the zips under ``promosi/``;
    ``result.listing`` says what was made. The work runs in a batch worker process
    (``batch_worker``), so a single photo in the app is not held up; the work folder is this
    process's, kept from the cache sweep while the batch runs."""
    work = new_dir(WORK_ROOT)
    with _active_lock:
        _active_work.add(work)
    try:
        return batch_worker.run("run_in", {"work": str(work), "files": list(files), "preset_names": list(preset_names),
                                           "model": model, "background": background, "lang": lang,
                                           "listing": listing},
                                progress=progress, listing_progress=listing_progress, cancel=cancel)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        with _active_lock:
            _active_work.discard(work)


def run_in(work: str, files: list[str], preset_names, model: str, background: str | None, lang: str,
           progress=None, cancel: threading.Event | None = None, listing: bool = False, listing_progress=None):
    """``run_files``'s work in the folder ``work`` (in the batch worker): returns (run, BatchResult)."""
    work = Path(work)
    in_dir = work / "foto"
    load_presets(preset_names)  # an unknown preset fails before any work
    stage_batch_inputs(files, in_dir)
    # each upload given on its own: a ZIP is its vendor, loose photos are one vendor, and the
    # report names them as the vendor sent them (no staging folder in front)
    run = {"work": str(work), "inputs": [str(p) for p in sorted(in_dir.iterdir())], "presets": list(preset_names)}
    result = assistant.run_batch(run["inputs"], work / "hasil", run["presets"], model=model,
                                 background=background, lang=lang, progress=progress, cancel=cancel)
    result.listing = None
    if listing:
        from assistant.promo.batch import make_batch_listings

        result.listing = make_batch_listings(run["inputs"], work / "hasil", run["presets"], model=model,
                                             lang=lang, progress=listing_progress, cancel=cancel, result=result)
    return hand_back(run, result, lang), result


def redo_photo(run: dict, relative: str, model: str, background: str | None, lang: str, progress=None):
    """Process one photo of the batch again with these settings; the others stay as they were.
    Returns (run, BatchResult) like ``run_files``, with fresh zips."""
    work = Path(run.get("work") or "")
    inputs = run.get("inputs") or []
    if not inputs or not all(Path(p).exists() for p in inputs) or not (work / "hasil").is_dir():
        raise AppMessage("batch_app_redo_gone")
    with _active_lock:
        _active_work.add(work)
    try:
        os.utime(work)  # used again: the sweep counts its age from now
        result = assistant.run_batch(inputs, work / "hasil", run["presets"], model=model, background=background,
                                     lang=lang, progress=progress, redo_only={relative})
    finally:
        with _active_lock:
            _active_work.discard(work)
    return hand_back(run, result, lang), result


def hand_back(run: dict, result, lang: str) -> dict:
    """The downloads (vendor zips first, then everything with the reports) and the photos with
    their thumbnails, copied into a fresh download folder."""
    folder = new_dir(OUT_ROOT)
    downloads = []
    for vendor in sorted(result.vendor_zips, key=lambda v: (v == "", v.lower())):
        target = folder / result.vendor_zips[vendor].name
        shutil.copyfile(result.vendor_zips[vendor], target)
        downloads.append(str(target))
    if result.zip_path is not None:
        target = folder / f"{t('batch_app_all_zip', lang)}-{time.strftime('%Y%m%d-%H%M%S')}.zip"
        shutil.copyfile(result.zip_path, target)
        downloads.append(str(target))
    photos = []
    out_dir = result.out_dir
    for i, record in enumerate(result.records):
        thumbs = [record.thumbs[o["preset"]] for o in record.outputs if o["preset"] in record.thumbs]
        source = thumbs[0] if thumbs else record.thumbs.get("before")
        thumb = str(folder / f"foto-{i}.jpg")
        if source and (out_dir / source).is_file():
            shutil.copyfile(out_dir / source, thumb)
        else:  # a file that is no photo: a grey tile with a cross, so it still has its place in the grid
            _placeholder(Path(thumb))
        photos.append({"relative": record.relative, "vendor": record.vendor, "verdict": photo_verdict(record),
                       "headline": photo_headline(record, lang), "thumb": thumb,
                       "shared": sorted({" + ".join(o["with"]) for o in record.outputs if o.get("with")})})
    return dict(run, downloads=downloads, photos=photos)


def _placeholder(path: Path, side: int = 200) -> None:
    from PIL import Image, ImageDraw

    tile = Image.new("RGB", (side, side), (236, 236, 236))
    draw = ImageDraw.Draw(tile)
    m = side // 3
    draw.line([(m, m), (side - m, side - m)], fill=(190, 60, 60), width=8)
    draw.line([(m, side - m), (side - m, m)], fill=(190, 60, 60), width=8)
    tile.save(path, "JPEG", quality=85)


def _name(photo: dict) -> str:
    rel = PurePosixPath(photo["relative"])
    return rel.as_posix()[len(photo["vendor"]) + 1:] if photo["vendor"] and rel.parts[0] == photo["vendor"] \
        else rel.as_posix()


def shown(photos: list[dict], which: str) -> list[int]:
    """The photos the grid shows: all, or (``check``) those that want a look or failed."""
    return [i for i, p in enumerate(photos) if which != "check" or p["verdict"] != "ok"]


def grid_items(photos: list[dict], indices: list[int], lang: str) -> list[tuple[str, str]]:
    """(thumbnail, caption) per shown photo: its verdict's mark (the grid's label says what each
    means; a caption with the verdict in words covered half the picture on a phone), then its name."""
    names = [PurePosixPath(_name(p)).name for p in photos]
    twice = {n for n in names if names.count(n) > 1}  # three vendors' IMG_0001: say whose
    return [(photos[i]["thumb"], f"{MARKS[photos[i]['verdict']]} "
             + (f"{photos[i]['vendor']}/{names[i]}" if names[i] in twice and photos[i]["vendor"] else names[i]))
            for i in indices]


def photo_detail_md(photo: dict, lang: str) -> str:
    """What the vendor reads about the photo picked in the grid."""
    esc = lambda s: html.escape(s, quote=False)  # noqa: E731
    who = t("batch_app_detail_vendor", lang, vendor=esc(photo["vendor"])) if photo["vendor"] else ""
    lines = [f"**{MARKS[photo['verdict']]} {esc(_name(photo))}** {who}".rstrip(),
             t(f"batch_app_verdict_{photo['verdict']}_long", lang)]
    if photo["headline"]:
        lines.append(esc(photo["headline"]))
    for names in photo.get("shared", []):
        lines.append(t("batch_app_shared", lang, names=esc(names)))
    lines.append(t("batch_app_redo_hint", lang))
    return "\n\n".join(lines)


def filter_choices(photos: list[dict], lang: str) -> list[tuple[str, str]]:
    """The filter's two choices with their counts: "Semua (30)", "Perlu dicek (29)"."""
    return [(t("batch_app_filter_all", lang, count=len(photos)), "all"),
            (t("batch_app_filter_check", lang, count=len(shown(photos, "check"))), "check")]
