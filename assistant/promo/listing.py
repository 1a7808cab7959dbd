"""A listing set: from one to five photos of one product, every slot for every chosen
marketplace, plus a 4:5 post and a 9:16 story; and the same for a whole shop with one look.

``make_listing`` makes one product's set; ``make_listings`` makes a shop's sets with one look:
every photo lit to neutral and a standard level by the lighting stage, one real scale where
sizes or weights are given, and one base line; ``write_listing`` writes ``<out>/<preset>/<product>/
<NN-slot>.jpg`` and ``<out>/social/<product>/`` with a report.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from assistant.errors import AssistantError
from assistant.i18n import t
from assistant.mockup.render import render_mockup
from assistant.mockup.templates import load_template
from assistant.photo import Photo, encode_image, open_photo, write_atomic
from assistant.pipeline import cut_out
from assistant.presets import Preset, load_presets, read_toml
from assistant.promo import cards
from assistant.promo.backdrops import load_backdrop
from assistant.promo.cards import Card, ProductInfo
from assistant.promo.kit import BrandKit, check_kit
from assistant.promo.product import Prepared, as_rgba, detail_image, main_image, prepare, resized
from assistant.promo.scene import median_de
from assistant.promo.text import legibility
from assistant.resources import data_dir

SLOTS_FILE = data_dir("presets") / "promo" / "slots.toml"
MAX_PHOTOS = 5
MAX_POINTS = 4
SOCIAL_QUALITY = 90
EXTRA_BACKDROPS = ("studio:krem", "linen:alami", "marmer:putih")


@dataclass(frozen=True)
class Slot:
    name: str
    kind: str
    text: bool
    title: dict[str, str]
    purpose: dict[str, str]


@dataclass(frozen=True)
class SocialFormat:
    name: str
    size: tuple[int, int]
    max_bytes: int


@functools.cache
def _slot_data() -> tuple[tuple[Slot, ...], dict[str, int], tuple[SocialFormat, ...], dict]:
    data = read_toml(SLOTS_FILE, "promo_slots_syntax")
    slots = tuple(Slot(name, s["kind"], bool(s["text"]), s["title"], s["purpose"])
                  for name, s in data["slots"].items())
    limits = {k: int(v["value"]) for k, v in data["limits"].items()}
    social = tuple(SocialFormat(k, (int(v["width"]["value"]), int(v["height"]["value"])),
                                int(v["max_bytes"]["value"])) for k, v in data["social"].items())
    return slots, limits, social, data


def list_slots() -> list[Slot]:
    """Every slot in order, with its title and what it is for (the Panduan guide reads these)."""
    return list(_slot_data()[0])


def slot_limit(preset: str) -> int:
    limits = _slot_data()[1]
    return limits.get(preset, limits["default"])


def social_formats() -> list[SocialFormat]:
    return list(_slot_data()[2])


@dataclass(frozen=True)
class Options:
    """How the set is made; everything has a sensible default."""

    backdrops: tuple[str, ...] = ()        # scenes' backdrops, in order (default: the kit's, then two more)
    slots: tuple[str, ...] = ()            # which slots (names or kinds); empty: all
    social: bool = True
    detail_zoom: float = 0.4               # the close-up's height as a share of the product's shorter side
    detail_at: tuple[float, float] | None = None  # its centre in shares of the product's box; None: automatic
    label: Image.Image | None = None       # the packaging's label; None: made from the kit's name
    measure: bool = False                  # also measure colour fidelity and legibility (slower)


@dataclass(frozen=True)
class SlotImage:
    target: str                # a preset's name, or "social"
    slot: str                  # "01-utama", "4x5-promo"
    image: Image.Image
    data: bytes
    extension: str
    colour_de: float | None = None   # median CIEDE2000 of the product vs the main image (scenes)
    texts: int = 0                   # how many texts were drawn on it (0 where overlays are forbidden)

    @property
    def filename(self) -> str:
        return f"{self.slot}{self.extension}"


@dataclass(frozen=True)
class Skipped:
    target: str
    slot: str
    code: str
    params: dict = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        return t(self.code, lang, **self.params)


@dataclass
class ListingSet:
    product: str
    images: list[SlotImage]
    skipped: list[Skipped]
    timings: dict[str, float] = field(default_factory=dict)
    legibility: list = field(default_factory=list)

    def for_target(self, target: str) -> list[SlotImage]:
        return [i for i in self.images if i.target == target]


@dataclass(frozen=True)
class ShopScale:
    """This product's real height as a share of the shop's tallest, and every product's
    (share, width/height), so that all of them fit the same room at one scale."""

    share: float
    all: tuple[tuple[float, float], ...]


def _height_for(shop: ShopScale | None):
    def height(prep: Prepared, room: tuple[float, float]) -> float:
        rw, rh = room
        if shop is None:
            return min(rh, rw / prep.aspect)
        k = min(1.0, min(rw / (rh * s * a) for s, a in shop.all))
        return rh * shop.share * k
    return height


def _pick(slots: list[Slot], wanted: tuple[str, ...]) -> list[Slot]:
    if not wanted:
        return slots
    keys = {w.strip().lower() for w in wanted if w.strip()}
    known = {s.name for s in slots} | {s.kind for s in slots} | {s.name[3:] for s in slots}
    unknown = sorted(keys - known)
    if unknown:
        raise AssistantError("promo_slot_unknown", name=", ".join(unknown),
                             known=", ".join(s.name for s in slots))
    return [s for s in slots if s.name in keys or s.kind in keys or s.name[3:] in keys]


def _check_info(info: ProductInfo) -> ProductInfo:
    points = tuple(p.strip() for p in info.points if p and p.strip())
    if len(points) > MAX_POINTS:
        raise AssistantError("promo_points_too_many", count=len(points), limit=MAX_POINTS)
    for p in points:
        if len(p) > 40:
            raise AssistantError("promo_point_too_long", text=p, limit=40)
    bad = [b for b in info.badges if b not in cards.BADGES]
    if bad:
        raise AssistantError("promo_badge_unknown", name=", ".join(bad), known=", ".join(cards.BADGES))
    if info.size_cm is not None and (len(info.size_cm) != 3 or min(info.size_cm) <= 0 or max(info.size_cm) > 300):
        raise AssistantError("promo_size_invalid", value="x".join(str(v) for v in info.size_cm))
    return dataclasses.replace(info, points=points)


def _encode_for(preset: Preset | None, image: Image.Image, fmt_cap: int | None = None) -> tuple[bytes, str]:
    if preset is None:
        return encode_image(image, "jpeg", SOCIAL_QUALITY, fmt_cap), ".jpg"
    fmt = preset.image.format if preset.image.format != "png" else "jpeg"
    ext = ".jpg" if fmt == "jpeg" else ".webp"
    return encode_image(image, fmt, preset.image.quality, preset.image.max_bytes), ext


def product_de(main: Image.Image, main_alpha: np.ndarray, other: np.ndarray, other_alpha: np.ndarray) -> float:
    """Median CIEDE2000 of the product's colours between the main image and another image
    (the product's box in each, the other resized onto the main's, inside both masks)."""
    def box(a):
        ys, xs = np.nonzero(a > 128)
        return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    mx0, my0, mx1, my1 = box(main_alpha)
    ox0, oy0, ox1, oy1 = box(other_alpha)
    m = np.asarray(main)[my0:my1, mx0:mx1]
    size = (mx1 - mx0, my1 - my0)
    o = cv2.resize(np.ascontiguousarray(other[oy0:oy1, ox0:ox1]), size, interpolation=cv2.INTER_AREA)
    oa = cv2.resize(np.ascontiguousarray(other_alpha[oy0:oy1, ox0:ox1]), size, interpolation=cv2.INTER_AREA)
    inside = cv2.erode(((main_alpha[my0:my1, mx0:mx1] > 250) & (oa > 250)).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    # flat areas only: an edge moved by a resampling step is not a colour change
    gray = cv2.cvtColor(m, cv2.COLOR_RGB2GRAY).astype(np.float32)
    flat = cv2.GaussianBlur(np.abs(cv2.Laplacian(gray, cv2.CV_32F)), (0, 0), 2) < 6
    sel = inside & flat
    if sel.sum() < 50:
        sel = inside
    a, b = m[sel], o[sel]
    step = max(1, len(a) // 4000)
    return round(median_de(a[::step].astype(np.float32), b[::step].astype(np.float32)), 2)


PHOTO_SIDE = 3200  # decoded long side: the close-up needs the photo's own pixels, a 12 MP cutout does not


def _as_photos(photos) -> list[Photo]:
    return [p if isinstance(p, Photo) else open_photo(p, max_side=PHOTO_SIDE) for p in photos]


def make_listing(photos, presets: list[Preset] | str, info: ProductInfo | None = None,
                 kit: BrandKit | None = None, options: Options | None = None, name: str = "",
                 model: str | None = None, lang: str | None = None,
                 shop: ShopScale | None = None) -> ListingSet:
    """One product's listing set from 1 to 5 photos (files, bytes or ``Photo``; cut out when
    they have no alpha yet) for each preset, plus the social posts when ``options.social``."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    presets = load_presets(presets) if isinstance(presets, str) else list(presets)
    info = _check_info(with_label_info(info or ProductInfo()))
    kit = check_kit(kit or BrandKit())
    options = options or Options()
    photos = _as_photos(photos)
    if not 1 <= len(photos) <= MAX_PHOTOS:
        raise AssistantError("promo_photo_count", count=len(photos), limit=MAX_PHOTOS)
    for b in options.backdrops:
        load_backdrop(b)
    photos = [p if p.alpha is not None else cut_out(p, model) for p in photos]
    timings["cutout"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    name = name or info.title or Path(photos[0].source).stem or "produk"
    preps = [prepare(p, presets, name=name) for p in photos]
    main = preps[0]
    timings["lighting"] = time.perf_counter() - t1
    height = _height_for(shop)
    backdrops = list(options.backdrops) or [kit.backdrop]
    for extra in EXTRA_BACKDROPS:
        if len(backdrops) >= 3:
            break
        if extra.split(":")[0] not in {b.split(":")[0] for b in backdrops}:
            backdrops.append(extra)
    slots = _pick(list_slots(), options.slots)
    images: list[SlotImage] = []
    skipped: list[Skipped] = []
    texts: list = []
    cache: dict = {}

    def card(key, make):
        if key not in cache:
            cache[key] = make()
        return cache[key]

    t2 = time.perf_counter()
    best_detail = max(preps, key=lambda p: _detail_score(p, options)) if len(preps) > 1 else main
    for preset in presets:
        size = preset.size
        allowed = preset.image.overlays_allowed
        limit = slot_limit(preset.name)
        main_img, main_bytes, main_alpha = main_image(main, preset)
        count = 0
        for slot in slots:
            if int(slot.name[:2]) > limit:
                skipped.append(Skipped(preset.name, slot.name, "promo_skip_limit",
                                       {"preset": preset.title, "limit": limit}))
                continue
            if slot.text and not allowed:
                skipped.append(Skipped(preset.name, slot.name, "promo_skip_overlays", {"preset": preset.title}))
                continue
            scene_no = {"03-suasana": 0, "08-suasana-2": 1, "09-suasana-3": 2}.get(slot.name)
            result: Card | None = None
            de = None
            if slot.kind == "main":
                images.append(SlotImage(preset.name, slot.name, main_img, main_bytes, preset.extension))
                count += 1
                continue
            if slot.kind == "packaging":
                if "pack" not in cache:
                    cache["pack"] = packaging_label(options, info, kit, lang)  # once per set
                label, body = cache["pack"]
                if label is None:
                    skipped.append(Skipped(preset.name, slot.name, "promo_skip_packaging"))
                    continue
                hero = as_rgba(resized(main, 0.7 * size[1]))
                template = load_template(kit.template)
                img = card(("pack", size), lambda: render_mockup(label(template) if callable(label) else label,
                                                                 template, size, _studio(kit), product=hero,
                                                                 body_colour=body))
                result = Card(img)
            elif slot.kind == "scene":
                prep = preps[scene_no] if scene_no is not None and scene_no < len(preps) else main
                bd = backdrops[scene_no % len(backdrops)] if scene_no is not None else backdrops[0]
                result = card(("scene", size, bd, id(prep)),
                              lambda: _scene(prep, bd, size, height))
                if options.measure and prep is main and result.placed is not None:
                    de = product_de(main_img, main_alpha, np.asarray(result.image), result.placed.alpha)
            elif slot.kind == "detail":
                img, choice = detail_image(best_detail, size, kit.rgb("paper"), options.detail_zoom, options.detail_at)
                if choice.too_small:
                    skipped.append(Skipped(preset.name, slot.name, "promo_skip_detail"))
                    continue
                result = Card(img)
            elif slot.kind == "size":
                result = card(("size", size, allowed), lambda: cards.size_card(
                    main, info, _size_backdrop(kit), size, allowed, kit.font, kit, lang))
                if result is None:
                    skipped.append(Skipped(preset.name, slot.name, "promo_skip_size"))
                    continue
            elif slot.kind == "info":
                if not (info.points or info.net or info.registration):
                    skipped.append(Skipped(preset.name, slot.name, "promo_skip_info"))
                    continue
                result = card(("info", size), lambda: _with_height(cards.info_card, main, info, kit, size, lang, height))
            elif slot.kind == "promo":
                if not info.price:
                    skipped.append(Skipped(preset.name, slot.name, "promo_skip_price"))
                    continue
                result = card(("promo", size), lambda: _with_height(cards.promo_card, main, info, kit, size, lang, height))
            assert result is not None
            data, ext = _encode_for(preset, result.image)
            images.append(SlotImage(preset.name, slot.name, result.image, data, ext, de, len(result.texts)))
            texts.append((result.image, result.texts))
            count += 1
    if options.social:
        for fmt in social_formats():
            kind = "promo" if info.price else "info" if (info.points or info.net) else "scene"
            if kind == "promo":
                result = _with_height(cards.promo_card, main, info, kit, fmt.size, lang, height)
            elif kind == "info":
                result = _with_height(cards.info_card, main, info, kit, fmt.size, lang, height)
            else:
                result = _scene(main, backdrops[0], fmt.size, height)
            data, ext = _encode_for(None, result.image, fmt.max_bytes)
            images.append(SlotImage("social", f"{fmt.name}-{kind}", result.image, data, ext, None, len(result.texts)))
            texts.append((result.image, result.texts))
    timings["slots"] = time.perf_counter() - t2
    timings["total"] = time.perf_counter() - t0
    checks = []
    seen = set()
    for image, recs in texts if options.measure else ():
        if recs and id(image) not in seen:
            seen.add(id(image))
            checks.extend(legibility(image, recs))
    return ListingSet(main.name, images, skipped, timings, checks)


def packaging_label(options: Options, info: ProductInfo, kit: BrandKit, lang: str | None):
    """The packaging slot's label and pouch colour: the label image given, else the product's
    designed label (the label designer's, in the kit's label design), else a plain label of the
    shop's name and the product's title in the kit's colours; (None, None) when there is none."""
    if options.label is not None:
        return options.label, None
    if info.label is not None:
        from assistant.label import mockup_label

        return mockup_label(info.label, kit.label_layout or "minimal"), None
    if (kit.name or kit.logo_png) and info.title:
        return cards.brand_label(kit, info.title, info.net, lang, size=(800, 600)), kit.paper  # >= 2x its size on a pack
    return None, None


def with_label_info(info: ProductInfo) -> ProductInfo:
    """The product's fields the vendor left empty, from its designed label (name, net
    contents, registration number): one source for the label and the listing."""
    label = info.label
    if label is None:
        return info
    title = info.title or " ".join(x for x in (label.nama_jenis, label.varian) if x).strip()
    net = info.net or (f"{label.berat_bersih} {label.satuan}".strip() if label.berat_bersih else "")
    grams = info.grams
    if grams is None and label.berat_bersih:
        try:
            grams = float(str(label.berat_bersih).replace(",", ".")) * (1000 if label.satuan in ("kg", "L", "l") else 1)
        except ValueError:
            grams = None
    kind = (label.izin_jenis or "").strip()
    registration = info.registration or (
        "" if not label.izin_nomor else f"BPOM RI {kind} {label.izin_nomor}" if kind in ("MD", "ML")
        else f"{kind or 'P-IRT'} {label.izin_nomor}")
    return dataclasses.replace(info, title=title, net=net, grams=grams, registration=registration)


def _with_height(fn, prep, info, kit, size, lang, height):
    return fn(prep, info, kit, size, lang, height=height)


def _scene(prep: Prepared, backdrop: str, size, height) -> Card:
    return cards.scene_card(prep, backdrop, size, height=height)


def _studio(kit: BrandKit) -> tuple[int, int, int]:
    """The packaging shot's plain background: the kit's paper, a shade darker so a pale pack shows."""
    return tuple(int(c * 0.94) for c in kit.rgb("paper"))  # type: ignore[return-value]


def _size_backdrop(kit: BrandKit) -> str:
    backdrop, _ = load_backdrop(kit.backdrop)
    return kit.backdrop if backdrop.kind in ("sweep", "flat") else "studio:krem"


def _detail_score(prep: Prepared, options: Options) -> float:
    from assistant.promo.product import find_detail

    return find_detail(prep, options.detail_zoom, options.detail_at)[1].score


# --------------------------------------------------------------------------- a shop

@dataclass(frozen=True)
class ProductInput:
    name: str
    photos: tuple
    info: ProductInfo = ProductInfo()


def shop_scales(infos: list[ProductInfo], aspects: list[float]) -> list[ShopScale | None]:
    """One real scale for a shop's products: heights in cm when every product has them, else
    the cube root of the weight or volume (same shape, same density) when every one has that."""
    if len(infos) < 2:
        return [None] * len(infos)
    if all(i.size_cm for i in infos):
        heights = [i.size_cm[1] for i in infos]  # type: ignore[index]
    elif all(i.grams for i in infos):
        heights = [float(i.grams) ** (1 / 3) for i in infos]  # type: ignore[operator]
    else:
        return [None] * len(infos)
    top = max(heights)
    shares = [h / top for h in heights]
    pairs = tuple(zip(shares, aspects))
    return [ShopScale(s, pairs) for s in shares]


def make_listings(products: list[ProductInput], presets: list[Preset] | str, kit: BrandKit | None = None,
                  options: Options | None = None, model: str | None = None, lang: str | None = None,
                  on_error=None) -> list[ListingSet]:
    """A shop's sets with one look: the lighting stage's neutral white and standard level, one
    real scale, one base line. ``on_error(name, error)`` is told about a product that failed; the others go on."""
    presets = load_presets(presets) if isinstance(presets, str) else list(presets)
    cut: list[tuple[ProductInput, list[Photo]]] = []
    for product in products:
        try:
            photos = [p if p.alpha is not None else cut_out(p, model) for p in _as_photos(product.photos)]
            cut.append((product, photos))
        except AssistantError as exc:
            if on_error is None:
                raise
            on_error(product.name, exc)
    aspects = []
    for _, photos in cut:
        a = np.asarray(photos[0].alpha) > 128
        ys, xs = np.nonzero(a)
        aspects.append((xs.max() - xs.min() + 1) / (ys.max() - ys.min() + 1) if xs.size else 1.0)
    scales = shop_scales([p.info for p, _ in cut], aspects)
    out = []
    for (product, photos), shop in zip(cut, scales):
        try:
            out.append(make_listing(photos, presets, product.info, kit, options, name=product.name, model=model,
                                    lang=lang, shop=shop))
        except AssistantError as exc:
            if on_error is None:
                raise
            on_error(product.name, exc)
    return out


# --------------------------------------------------------------------------- writing

def safe_name(name: str) -> str:
    name = re.sub(r"[^\w.-]+", "-", name.strip(), flags=re.UNICODE).strip("-.")
    return name[:80] or "produk"


def write_set(s: ListingSet, out_dir: str | os.PathLike, lang: str | None = None) -> list[dict]:
    """Write one set's images under ``out_dir``; returns its report rows (``write_report``)."""
    out = Path(out_dir)
    rows = []
    folder = safe_name(s.product)
    for img in s.images:
        path = out / img.target / folder / img.filename
        write_atomic(path, img.data)
        rows.append({"product": s.product, "target": img.target, "slot": img.slot,
                     "file": path.relative_to(out).as_posix(), "width": img.image.width,
                     "height": img.image.height, "bytes": len(img.data), "status": "ok", "message": ""})
    for sk in s.skipped:
        rows.append({"product": s.product, "target": sk.target, "slot": sk.slot, "file": "", "width": "",
                     "height": "", "bytes": "", "status": "skipped", "message": sk.message(lang)})
    return rows


def write_listing(sets: list[ListingSet], out_dir: str | os.PathLike, lang: str | None = None,
                  failed: list[tuple[str, str]] = ()) -> dict[str, Path]:
    """Write every image and ``laporan.csv`` / ``laporan.json``; returns the report paths."""
    rows = [row for s in sets for row in write_set(s, out_dir, lang)]
    return write_report(rows, out_dir, failed)


def write_report(rows: list[dict], out_dir: str | os.PathLike, failed: list[tuple[str, str]] = ()) -> dict[str, Path]:
    """``laporan.csv`` and ``laporan.json`` in ``out_dir``: the rows, then one per failed product."""
    out = Path(out_dir)
    rows = list(rows)
    for name, message in failed:
        rows.append({"product": name, "target": "", "slot": "", "file": "", "width": "", "height": "",
                     "bytes": "", "status": "error", "message": message})
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["product"])
    writer.writeheader()
    writer.writerows(rows)
    csv_path, json_path = out / "laporan.csv", out / "laporan.json"
    write_atomic(csv_path, buf.getvalue().encode("utf-8"))
    write_atomic(json_path, (json.dumps(rows, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return {"csv": csv_path, "json": json_path}


def zip_listing(sets: list[ListingSet], kit: BrandKit | None = None) -> bytes:
    """Every image of the sets (and the brand kit, to upload next time) as one zip, for the app."""
    import zipfile

    from assistant.promo.kit import kit_to_json

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for s in sets:
            for img in s.images:
                info = zipfile.ZipInfo(f"{img.target}/{safe_name(s.product)}/{img.filename}", (2026, 1, 1, 0, 0, 0))
                z.writestr(info, img.data)
        if kit is not None:
            z.writestr(zipfile.ZipInfo("merek.etalase.json", (2026, 1, 1, 0, 0, 0)), kit_to_json(kit))
    return buf.getvalue()
