"""Listing sets for a batch (the "Banyak Foto" tab's "Buat juga set promosi", ``make_batch_listings``).

The batch's own rule for its inputs holds here too: files, folders and zips, the first folder
level below an input folder is the *vendor*. Each photo is one product, as the batch makes one
image per photo, except photos that share a folder below the vendor (``vendor/keripik/1.jpg``,
``vendor/keripik/2.jpg``): they are one product's photos (up to 5), as ``python -m assistant
listing`` takes a product folder, and the folder's name is its title (its own ``produk.toml``
and ``INFO.toml``, read as the CLI reads them, give its facts and its designed label). Each product becomes
exactly the set ``make_listing`` (and so the CLI) makes for it; they are written under
``<out>/promosi/<vendor>/<preset>/<product>/<NN-slot>.jpg`` and ``.../social/<product>/``, with a
``laporan.csv`` per vendor, and added to the batch's zips (``all-outputs.zip`` and the vendor's
own) under ``promosi/``.

Products are made one at a time and written at once, so memory stays flat however big the
batch; the photos are cut out again (the batch keeps no cut-outs), which is most of the time.
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from assistant.batch.inputs import collect_jobs
from assistant.errors import AssistantError
from assistant.photo import open_photo
from assistant.presets import Preset, load_presets
from assistant.promo.cards import ProductInfo
from assistant.promo.info import product_info, title_from
from assistant.promo.kit import BrandKit
from assistant.promo.listing import (MAX_PHOTOS, PHOTO_SIDE, Options, make_listing, safe_name, write_report,
                                     write_set)

FOLDER = "promosi"


@dataclass(frozen=True)
class BatchProduct:
    vendor: str
    name: str
    title: str
    jobs: tuple  # the batch's Jobs (1 to 5), in name order


@dataclass
class BatchListings:
    """What ``make_batch_listings`` made: counts, per-vendor reports and the files' folder."""

    folder: Path
    products: int = 0
    images: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)   # (product, message)
    reports: dict[str, Path] = field(default_factory=dict)        # vendor -> laporan.csv
    files: list[Path] = field(default_factory=list)


def batch_products(inputs: Iterable[str | Path]) -> list[BatchProduct]:
    """The batch's photos grouped into products, vendor by vendor, in the batch's order."""
    jobs, _ = collect_jobs(inputs)
    groups: dict[tuple[str, str], list] = {}
    for job in jobs:
        parts = PurePosixPath(job.relative.as_posix()).parts
        below = parts[1:] if job.vendor else parts
        folder = "/".join(below[:-1])
        key = (job.vendor, folder) if folder else (job.vendor, "\0" + job.relative.as_posix())
        groups.setdefault(key, []).append(job)
    out = []
    for (vendor, folder), members in groups.items():
        if folder.startswith("\0"):
            stem = PurePosixPath(members[0].relative.as_posix()).stem
            out.append(BatchProduct(vendor, stem, "", (members[0],)))
            continue
        members.sort(key=lambda j: j.relative.as_posix())
        name = folder.replace("/", "-")
        for i in range(0, len(members), MAX_PHOTOS):  # more than 5 photos: the next ones are a product of their own
            chunk = members[i:i + MAX_PHOTOS]
            out.append(BatchProduct(vendor, name if i == 0 else f"{name}-{i // MAX_PHOTOS + 1}",
                                    title_from(PurePosixPath(folder).name), tuple(chunk)))
    return _unique(out)


def _unique(products: list[BatchProduct]) -> list[BatchProduct]:
    """Two products of one vendor never share an output folder (``a.jpg`` and ``a.png``)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for p in products:
        name, k = p.name, 1
        while (p.vendor, safe_name(name).lower()) in seen:
            k += 1
            name = f"{p.name}-{k}"
        seen.add((p.vendor, safe_name(name).lower()))
        out.append(p if name == p.name else BatchProduct(p.vendor, name, p.title, p.jobs))
    return out


def _info(product: BatchProduct) -> ProductInfo:
    """A product's facts as the CLI reads them: a product folder's name as its title, and on disk
    its own produk.toml and INFO.toml (the designed label); a loose photo has none."""
    job = product.jobs[0]
    folder = job.path.parent if product.title and job.member is None else None  # a folder inside a zip: its name only
    return product_info({}, PurePosixPath(job.relative.as_posix()).parent.name if product.title else "", folder)


def make_batch_listings(inputs: Iterable[str | Path], out_dir: str | Path, presets: list[Preset] | str,
                        kit: BrandKit | None = None, options: Options | None = None, model: str | None = None,
                        lang: str | None = None, progress: Callable[[int, int], None] | None = None,
                        cancel: threading.Event | None = None, result=None) -> BatchListings:
    """A listing set for every product of a batch's ``inputs``, written under ``<out_dir>/promosi``.

    ``result`` (the batch's ``BatchResult``): the sets are also added to its zips. A product
    that fails costs only itself (``failed``); ``cancel`` stops before the next product."""
    chosen = list(presets) if all(isinstance(p, Preset) for p in presets) else load_presets(presets)
    root = Path(out_dir) / FOLDER
    products = batch_products(inputs)
    made = BatchListings(root)
    rows: dict[str, list[dict]] = {}
    failed: dict[str, list[tuple[str, str]]] = {}
    if progress:
        progress(0, len(products))
    for n, product in enumerate(products, 1):
        if cancel is not None and cancel.is_set():
            break
        where = root / safe_name(product.vendor) if product.vendor else root
        rows.setdefault(product.vendor, [])
        try:
            photos = [open_photo(job.read(), max_side=PHOTO_SIDE) for job in product.jobs]
            s = make_listing(photos, chosen, _info(product), kit, options, name=product.name, model=model,
                             lang=lang)
        except AssistantError as exc:
            failed.setdefault(product.vendor, []).append((product.name, exc.message(lang)))
            made.failed.append((product.name, exc.message(lang)))
        else:
            rows[product.vendor] += write_set(s, where, lang)
            made.products += 1
            made.images += len(s.images)
            made.skipped += len(s.skipped)
            made.files += [where / img.target / safe_name(s.product) / img.filename for img in s.images]
        if progress:
            progress(n, len(products))
    for vendor, vendor_rows in rows.items():
        where = root / safe_name(vendor) if vendor else root
        report = write_report(vendor_rows, where, failed.get(vendor, ()))
        made.reports[vendor] = report["csv"]
        made.files += [report["csv"], report["json"]]
    if result is not None:
        add_to_zips(made, Path(out_dir), result)
    return made


def add_to_zips(made: BatchListings, out_dir: Path, result) -> None:
    """The sets into the batch's ``all-outputs.zip`` and each vendor's own zip, under ``promosi/``."""
    all_zip = getattr(result, "zip_path", None)
    if all_zip is not None and Path(all_zip).is_file():
        _append(Path(all_zip), [(f.relative_to(out_dir).as_posix(), f) for f in made.files])
    vendor_zips = getattr(result, "vendor_zips", None) or {}
    for vendor, path in vendor_zips.items():
        mine = made.folder / safe_name(vendor) if vendor else made.folder
        members = [(f"{FOLDER}/{f.relative_to(mine).as_posix()}", f) for f in made.files
                   if mine in f.parents and (vendor or not any(f.relative_to(mine).parts[0] == safe_name(v)
                                                               for v in vendor_zips if v))]
        if members and Path(path).is_file():
            _append(Path(path), members)


def _append(path: Path, members: list[tuple[str, Path]]) -> None:
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as z:
        have = set(z.namelist())
        for name, file in members:
            if name not in have:
                z.write(file, name)
