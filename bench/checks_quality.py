"""How well do the listing-readiness checks (assistant/stages/checks.py) find what they claim to?

Degraded variants of the ../shared/data photos are made here and labelled by construction:
Gaussian blur, under and over exposure, colour casts, crops that cut the product (and
crops that do not), downscales (a smaller camera), zoomed-out framing, two products side
by side, products recoloured white on white, and products with a known mask pasted on
shop-shelf backgrounds. Each check's precision and recall is measured over every variant
that has a label for it, recall also on its own degradation, and its false-alarm rate on
the undegraded grocery_packshots. The cutout is u2netp (fast; the pipeline's default is
ISNet), refined by the cutout stage as the pipeline does; ISNet is the second model.

    python bench/checks_quality.py [--data ../shared/data] [--out bench/out/checks] [--quick]

Writes ``results.csv`` (every variant, every check: label, status, value), ``table.md``
(the table in docs/checks.md) and a few degraded samples under ``samples/`` to look at.
The models' soft masks are cached under ``<out>/cache`` (keyed by the pixels), so a rerun
is quick; the cutout stage's refinement is redone every run.
"""

from __future__ import annotations

import argparse
import dataclasses
import csv
import hashlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.models import registry as models, session as segment  # noqa: E402
from assistant.imaging import masks  # noqa: E402
from assistant.presets import load_preset  # noqa: E402
from assistant.stages import checks, cutout  # noqa: E402

MODEL = "u2netp"
# The second model (cutout_uncertain's disagreement, and so product_size's "not judged") runs
# on every variant of a photo with a true mask (bigbird, dis5k, composites, paper without
# a cast): ISNet takes ~7 s a photo on 2 shared cores, too long for all 1169 variants.
SECOND = "isnet-general-use"
MAX_SIDE = 1024  # the working resolution the harness hands to the checks
# grocery_phone photos with a hand holding the product, labelled by eye: indices into
# sorted(grocery_phone/images/*.jpg)[::3] (100 photos). The others show no hand.
HAND_PHONE = {2, *range(15, 38), *range(39, 47), *range(49, 52), *range(53, 86)}
# A platform with a small byte cap: Etalase's own presets allow 500 KB and more (lazada is
# the smallest), which no 1200 px JPEG of a product on white reaches; the cap is what
# makes grain matter. Lazada's canvas and quality, 100 KB.
FILE_CAP = 100_000
GRAIN = (0, 10, 20, 40)  # sigma of the luma grain (levels); the chroma grain is half of it
# encode_image's quality ladder (assistant/photo.py): the preset's quality, then these.
LADDER = (85, 80, 75, 70, 60)


@dataclass
class Base:
    group: str  # pack | phone | bigbird | dis
    name: str
    rgb: np.ndarray  # at most MAX_SIDE
    original: tuple[int, int]  # (w, h) the "camera" made
    gt: np.ndarray | None  # bool mask at rgb's size
    hand: bool | None = None


@dataclass
class Variant:
    id: str
    group: str
    kind: str
    rgb: np.ndarray
    original: tuple[int, int]
    gt: np.ndarray | None
    labels: dict = field(default_factory=dict)
    preset: object = None
    note: str = ""
    second: bool = False  # also cut out with the second model (cutout_uncertain's disagreement)


# ----------------------------------------------------------------------------- data

def _fit(rgb: np.ndarray, side: int = MAX_SIDE) -> np.ndarray:
    h, w = rgb.shape[:2]
    if max(h, w) <= side:
        return rgb
    s = side / max(h, w)
    return cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)


def _load(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def packshot_mask(rgb: np.ndarray) -> np.ndarray:
    """The product on a white catalogue background: not-white pixels, holes filled."""
    not_white = (cv2.medianBlur(rgb, 3).min(axis=2) < 238).astype(np.uint8)
    not_white = cv2.morphologyEx(not_white, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    h, w = not_white.shape
    flood = np.pad(not_white, 1).copy()
    cv2.floodFill(flood, None, (0, 0), 2)
    outside = flood[1:-1, 1:-1] == 2
    return ~outside


def load_bases(data: Path, quick: bool) -> list[Base]:
    bases: list[Base] = []
    for p in sorted((data / "grocery_packshots" / "images").glob("*.jpg")):
        rgb = _load(p)
        bases.append(Base("pack", p.stem, rgb, (rgb.shape[1], rgb.shape[0]), packshot_mask(rgb), False))
    phones = sorted((data / "grocery_phone" / "images").glob("*.jpg"))[::3]
    assert len(phones) == 100, "the hand labels index sorted(grocery_phone)[::3]"
    for i, p in enumerate(phones):
        rgb = _load(p)
        bases.append(Base("phone", p.stem, rgb, (rgb.shape[1], rgb.shape[0]), None, i in HAND_PHONE))
    for group, folder in (("bigbird", "bigbird6"), ("dis", "dis5k_products_dev")):
        for p in sorted((data / folder / "images").glob("*.jpg")):
            full = _load(p)
            rgb = _fit(full)
            m = Image.open(data / folder / "masks" / (p.stem + ".png")).convert("L")
            gt = np.asarray(m.resize((rgb.shape[1], rgb.shape[0]), Image.Resampling.BILINEAR)) > 127
            bases.append(Base(group, p.stem, rgb, (full.shape[1], full.shape[0]), gt,
                              False if group == "bigbird" else None))
    if quick:
        keep = {"pack": 20, "phone": 30, "bigbird": 6, "dis": 8}
        out, seen = [], {}
        for b in bases:
            seen[b.group] = seen.get(b.group, 0) + 1
            step = {"pack": 4, "phone": 3, "bigbird": 1, "dis": 2}[b.group]
            if (seen[b.group] - 1) % step == 0 and sum(x.group == b.group for x in out) < keep[b.group]:
                out.append(b)
        bases = out
    return bases


# ----------------------------------------------------------------------------- degradations

def to_linear(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.float32) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def to_srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    c = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)
    return np.clip(c * 255.0 + 0.5, 0, 255).astype(np.uint8)


def exposure(rgb: np.ndarray, ev: float) -> np.ndarray:
    return to_srgb(to_linear(rgb) * 2.0 ** ev)


def cast(rgb: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    g = np.asarray(gains, np.float32)
    g = g / (0.2126 * g[0] + 0.7152 * g[1] + 0.0722 * g[2])  # keep the brightness
    return to_srgb(to_linear(rgb) * g)


def box_of(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    return masks.bounding_box(mask)


def blur_to(rgb: np.ndarray, box, sigma_eff: float) -> np.ndarray:
    """Gaussian blur of ``sigma_eff`` pixels at the scale the blur check measures the product."""
    long_side = max(box[2] - box[0], box[3] - box[1]) if box else max(rgb.shape[:2])
    scale = min(1.0, checks.BLUR_SIDE / long_side)
    return cv2.GaussianBlur(rgb, (0, 0), sigma_eff / scale)


def crop(rgb, gt, x0, y0, x1, y1):
    return np.ascontiguousarray(rgb[y0:y1, x0:x1]), (None if gt is None else gt[y0:y1, x0:x1])


CASTS = {"warm": (1.0, 0.78, 0.5), "cool": (0.55, 0.8, 1.0), "green": (0.8, 1.0, 0.8)}  # linear gains


def paper(size: int, rng) -> np.ndarray:
    """A sheet of white paper by a window: slightly grey, a soft gradient, a little noise."""
    y = np.linspace(0, 1, size, dtype=np.float32)[:, None, None]
    x = np.linspace(0, 1, size, dtype=np.float32)[None, :, None]
    base = np.array([236, 235, 231], np.float32) * (1 - 0.06 * y) * (1 - 0.04 * x)
    img = np.broadcast_to(base, (size, size, 3)) + rng.normal(0, 2.0, (size, size, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def paste(canvas: np.ndarray, obj: np.ndarray, m: np.ndarray, share: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """``obj`` (its mask ``m``) scaled to ``share`` of the canvas side, near the centre."""
    side = canvas.shape[0]
    s = share * side / max(obj.shape[:2])
    ow, oh = max(1, round(obj.shape[1] * s)), max(1, round(obj.shape[0] * s))
    o = cv2.resize(obj, (ow, oh), interpolation=cv2.INTER_AREA).astype(np.float32)
    a = cv2.resize(m.astype(np.float32), (ow, oh), interpolation=cv2.INTER_AREA)[..., None]
    ox = (side - ow) // 2 + int(rng.integers(-side // 30, side // 30 + 1))
    oy = (side - oh) // 2 + int(rng.integers(-side // 30, side // 30 + 1))
    out = canvas.copy()
    region = out[oy:oy + oh, ox:ox + ow].astype(np.float32)
    out[oy:oy + oh, ox:ox + ow] = np.clip(o * a + region * (1 - a), 0, 255).astype(np.uint8)
    gt = np.zeros(canvas.shape[:2], bool)
    gt[oy:oy + oh, ox:ox + ow] = a[..., 0] > 0.5
    return out, gt


# ----------------------------------------------------------------------------- labels from construction

def gt_share(gt: np.ndarray) -> float:
    b = box_of(gt)
    h, w = gt.shape
    return 0.0 if b is None else max((b[2] - b[0]) / w, (b[3] - b[1]) / h)


def gt_factor(gt: np.ndarray, original: tuple[int, int], preset) -> float:
    b = box_of(gt)
    h, w = gt.shape
    px = ((b[2] - b[0]) * original[0] / w, (b[3] - b[1]) * original[1] / h)
    canvas = preset.size if preset is not None else checks.DEFAULT_CANVAS
    fill = preset.image.fill if preset is not None else checks.DEFAULT_FILL
    return checks.upscale_factor(px, canvas, fill)


def band(value: float, lo: float, hi: float, positive_below: bool) -> bool | None:
    """A label with a tolerance band around the threshold (None inside it: not counted)."""
    if lo <= value <= hi:
        return None
    return (value < lo) if positive_below else (value > hi)


def geometry_labels(v: Variant) -> None:
    """cutoff, product_size and resolution from the ground-truth mask, where there is one."""
    if v.gt is None or not v.gt.any():
        return
    v.labels.setdefault("product_size", band(gt_share(v.gt), 0.32, 0.38, positive_below=True))
    v.labels.setdefault("resolution", band(gt_factor(v.gt, v.original, v.preset), 1.35, 1.65,
                                           positive_below=False))
    contact = masks.edge_contact(v.gt)
    v.labels.setdefault("cutoff", True if contact >= 0.15 else False if contact <= 0.03 else None)


# ----------------------------------------------------------------------------- building the set

def build(bases: list[Base]) -> list[Variant]:
    out: list[Variant] = []
    packs = [b for b in bases if b.group == "pack"]
    phones = [b for b in bases if b.group == "phone"]
    big = [b for b in bases if b.group == "bigbird"]
    dis = [b for b in bases if b.group == "dis"]

    def add(base: Base, kind: str, rgb, gt=None, original=None, **labels) -> Variant:
        if original is None:  # what the camera made, scaled as the base was
            sx = base.original[0] / base.rgb.shape[1]
            original = (round(rgb.shape[1] * sx), round(rgb.shape[0] * sx))
        v = Variant(f"{base.group}/{base.name}/{kind}", base.group, kind, rgb, original, gt, dict(labels))
        out.append(v)
        return v

    # Clean photos: nothing wrong with blur, exposure, colour (phone photos: hands by eye).
    for b in bases:
        v = add(b, "clean", b.rgb, b.gt)
        # dis5k photos are not product shots: some are low-key on purpose (exposure not labelled).
        v.labels.update(blur=False, exposure=None if b.group == "dis" else False)
        # Only a catalogue packshot's white is known to be neutral; shop light, the
        # bigbird light box and dis5k scenes carry casts of their own (not labelled).
        v.labels["color_cast"] = False if b.group == "pack" else None
        v.labels["hand"] = b.hand
        if b.group == "pack":  # bigbird scenes hold a calibration checkerboard: a second object
            v.labels["multiple_products"] = False
        v.second = b.group in ("bigbird", "dis")
        geometry_labels(v)

    # Degradations of the same photos on a mixed subset.
    sub = packs[::6] + phones[::5] + big + dis[::2]
    for b in sub:
        box = box_of(b.gt) if b.gt is not None else None
        common = dict(hand=None, multiple_products=False if b.group == "pack" else None)
        neutral = b.group == "pack"  # a cast is only known to be there on a neutral base
        for kind, sigma in (("blur1", 1.0), ("blur2", 2.0), ("blur3", 3.5)):
            v = add(b, kind, blur_to(b.rgb, box, sigma), b.gt, blur=None if sigma < 2 else True,
                    exposure=None if b.group == "dis" else False, color_cast=False if neutral else None,
                    **common)
            geometry_labels(v)
        for kind, ev in (("dark", -2.0), ("bright", 2.0)):
            v = add(b, kind, exposure(b.rgb, ev), b.gt, exposure=True, blur=False, color_cast=None, **common)
            geometry_labels(v)
        for kind, gains in CASTS.items():
            v = add(b, kind, cast(b.rgb, gains), b.gt, color_cast=True if neutral else None, blur=False,
                    exposure=None if b.group == "dis" else False, **common)
            geometry_labels(v)

    # Crops that cut the product (and crops that leave it whole) on photos with a known mask.
    sides = ("left", "top", "right", "bottom")
    for i, b in enumerate(packs + big + dis):
        box = box_of(b.gt)
        if box is None or masks.edge_contact(b.gt) > 0.03:
            continue
        x0, y0, x1, y1 = box
        h, w = b.gt.shape
        bw, bh = x1 - x0, y1 - y0
        side = sides[i % 4]
        cut = {"left": (x0 + int(0.25 * bw), 0, w, h), "right": (0, 0, x1 - int(0.25 * bw), h),
               "top": (0, y0 + int(0.25 * bh), w, h), "bottom": (0, 0, w, y1 - int(0.25 * bh))}[side]
        rgb, gt = crop(b.rgb, b.gt, *cut)
        v = add(b, f"cut_{side}", rgb, gt, cutoff=True, blur=False, exposure=False,
                multiple_products=False if b.group != "dis" else None, hand=False if b.group != "dis" else None)
        geometry_labels(v)
        mx, my = max(3, int(0.06 * bw)), max(3, int(0.06 * bh))
        rgb, gt = crop(b.rgb, b.gt, max(0, x0 - mx), max(0, y0 - my), min(w, x1 + mx), min(h, y1 + my))
        v = add(b, "crop_safe", rgb, gt, cutoff=False, blur=False, exposure=False,
                multiple_products=False if b.group != "dis" else None, hand=False if b.group != "dis" else None)
        geometry_labels(v)

    # A smaller camera: the same photo at 35 % and 15 % of its pixels, judged for "shopee" (1024 px).
    shopee = load_preset("shopee")
    for b in big + dis:
        for s in (1.0, 0.35, 0.15):
            orig = (round(b.original[0] * s), round(b.original[1] * s))
            if s < 1 and max(orig) < max(b.rgb.shape[:2]):
                rgb = cv2.resize(b.rgb, orig, interpolation=cv2.INTER_AREA)
            else:
                rgb = b.rgb  # still more pixels than the working resolution
            v = Variant(f"{b.group}/{b.name}/down{int(s * 100)}", b.group, f"down{int(s * 100)}", rgb, orig,
                        cv2.resize(b.gt.astype(np.uint8), (rgb.shape[1], rgb.shape[0]),
                                   interpolation=cv2.INTER_NEAREST) > 0,
                        dict(blur=False, exposure=False), shopee)
            geometry_labels(v)
            out.append(v)

    # Zoomed out: more background around the product (white card for packshots).
    for b in packs[1::2] + dis[1::2]:
        h, w = b.rgb.shape[:2]
        k = 3.5
        py, px = int(h * (k - 1) / 2), int(w * (k - 1) / 2)
        # White card round a packshot; round a photo, the colour of its own edge (a wall).
        edge = np.concatenate([b.rgb[0], b.rgb[-1], b.rgb[:, 0], b.rgb[:, -1]])
        fill = (255, 255, 255) if b.group == "pack" else tuple(int(c) for c in np.median(edge, axis=0))
        rgb = cv2.copyMakeBorder(b.rgb, py, py, px, px, cv2.BORDER_CONSTANT, value=fill)
        gt = cv2.copyMakeBorder(b.gt.astype(np.uint8), py, py, px, px, cv2.BORDER_CONSTANT, value=0) > 0
        rgb = _fit(rgb)
        gt = cv2.resize(gt.astype(np.uint8), rgb.shape[1::-1], interpolation=cv2.INTER_NEAREST) > 0
        v = add(b, "zoomed_out", rgb, gt, original=(round(b.original[0] * k), round(b.original[1] * k)),
                blur=False, exposure=False, multiple_products=False if b.group == "pack" else None,
                hand=False if b.group == "pack" else None)
        geometry_labels(v)

    # Two different products side by side on white, and one alone on the same canvas.
    for i in range(0, len(packs) - 1, 2):
        a, c = packs[i], packs[i + 1]
        h, w = a.rgb.shape[:2]
        canvas = np.full((h, 2 * w, 3), 255, np.uint8)
        gts = np.zeros((h, 2 * w), bool)
        canvas[:, :w], canvas[:, w:] = a.rgb, c.rgb
        gts[:, :w], gts[:, w:] = a.gt, c.gt
        v = add(a, "pair", canvas, gts, multiple_products=True, blur=False, exposure=False, hand=False)
        geometry_labels(v)
        single = np.full((h, 2 * w, 3), 255, np.uint8)
        single[:, w // 2:w // 2 + w] = a.rgb
        g1 = np.zeros((h, 2 * w), bool)
        g1[:, w // 2:w // 2 + w] = a.gt
        v = add(a, "single", single, g1, multiple_products=False, blur=False, exposure=False, hand=False)
        geometry_labels(v)

    # White on white: coloured packshot products washed to near white; the originals as controls.
    for b in packs:
        px = b.rgb[b.gt]
        lab = cv2.cvtColor(px[None].astype(np.float32) / 255, cv2.COLOR_RGB2Lab)[0]
        coloured = np.median(np.hypot(lab[:, 1], lab[:, 2])) > 20 or np.median(lab[:, 0]) < 60
        if not coloured:
            continue
        grey = cv2.cvtColor(b.rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
        washed = 255.0 - (255.0 - grey) * 0.12
        rgb = b.rgb.copy()
        rgb[b.gt] = np.clip(washed[b.gt], 0, 255).astype(np.uint8)[:, None]
        v = add(b, "washed_white", rgb, b.gt, white_on_white=True, blur=False, hand=False,
                color_cast=False)
        geometry_labels(v)
        ctl = [x for x in out if x.id == f"pack/{b.name}/clean"][0]
        ctl.labels["white_on_white"] = False

    # Known masks on shop backgrounds: is the cutout right (IoU with the truth)? And the same
    # products on white paper by a window, with and without the light's colour.
    rng = np.random.default_rng(7)
    for i, b in enumerate(big + dis):
        x0, y0, x1, y1 = box_of(b.gt)
        obj, m = b.rgb[y0:y1, x0:x1], b.gt[y0:y1, x0:x1]
        for j, bg in enumerate((phones[(7 * i) % len(phones)], phones[(7 * i + 50) % len(phones)])):
            square = cv2.resize(bg.rgb, (348, 348), interpolation=cv2.INTER_AREA)  # about as shot
            canvas, gt = paste(square, obj, m, 0.62, rng)
            # Only the cutout is judged here: the shop photo behind holds other products cut
            # by the frame and hands, which a salient-object model may rightly pick.
            v = Variant(f"{b.group}/{b.name}/composite{j}", "composite", "composite", canvas,
                        (canvas.shape[1], canvas.shape[0]), gt, dict(blur=False, exposure=False, hand=None),
                        second=True)
            out.append(v)
        sheet, gt = paste(paper(512, rng), obj, m, 0.6, rng)
        for kind, gains in {"paper": None, **{f"paper_{k}": g for k, g in CASTS.items()}}.items():
            rgb = sheet if gains is None else cast(sheet, gains)
            v = Variant(f"{b.group}/{b.name}/{kind}", "paper", kind, rgb, (512, 512), gt,
                        dict(blur=False, exposure=False, hand=False, color_cast=gains is not None,
                             multiple_products=False if b.group == "bigbird" else None),
                        second=gains is None)
            geometry_labels(v)
            out.append(v)
    return out


# ----------------------------------------------------------------------------- running

def cached_alpha(rgb: np.ndarray, cache: Path, model: str = MODEL) -> np.ndarray:
    """The pipeline's alpha (model, then ``cutout.refine_alpha``); the model's soft mask is
    cached by pixels and model, the refinement is redone each run (it follows the code)."""
    key = hashlib.sha1(rgb.tobytes() + str(rgb.shape).encode() + model.encode()).hexdigest()
    path = cache / f"{key}.soft.npy"
    if path.exists():
        soft = np.load(path).astype(np.float32)
    else:
        soft = segment.get_segmenter(model).predict(rgb)
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part.npy")
        np.save(tmp, soft.astype(np.float16))
        os.replace(tmp, path)
    return cutout.refine_alpha(soft, rgb)


def iou(alpha: np.ndarray, gt: np.ndarray) -> float:
    m = alpha > 128
    union = (m | gt).sum()
    return float((m & gt).sum() / union) if union else 1.0


def evaluate(variants: list[Variant], cache: Path) -> list[dict]:
    rows = []
    t0 = time.perf_counter()
    for n, v in enumerate(variants):
        alpha = cached_alpha(v.rgb, cache)
        v.second = v.second or v.group in ("bigbird", "dis")
        if v.second and v.gt is not None and v.gt.any():
            q = iou(alpha, v.gt)  # is u2netp's cutout actually wrong?
            label = True if q < 0.80 else False if q > 0.90 else None
            v.labels["cutout_uncertain"] = v.labels["cutout_uncertain_u2netp_only"] = label
            v.note = f"iou={q:.3f}"
        second = cached_alpha(v.rgb, cache, SECOND) if v.second and models.is_installed(SECOND) else None
        results = checks.run_checks(v.rgb, alpha, original_size=v.original, preset=v.preset,
                                    second_alpha=second)
        if second is not None:  # the same check without the second model, for comparison
            results.append(dataclasses.replace(checks.check_cutout_uncertain(alpha, None),
                                               check="cutout_uncertain_u2netp_only"))
        for r in results:
            rows.append({"id": v.id, "group": v.group, "kind": v.kind, "check": r.check,
                         "label": "" if v.labels.get(r.check) is None else int(v.labels[r.check]),
                         "status": r.status, "value": r.value, "note": v.note})
        if n % 50 == 0:
            print(f"  {n}/{len(variants)} variants, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return rows


OWN = {  # each check's own degradation (the kinds made for it)
    "blur": ("blur2", "blur3"), "exposure": ("dark", "bright"), "resolution": ("down35", "down15"),
    "cutoff": ("cut_left", "cut_top", "cut_right", "cut_bottom"), "product_size": ("zoomed_out",),
    "multiple_products": ("pair",), "cutout_uncertain": ("composite",), "white_on_white": ("washed_white",),
    "color_cast": ("warm", "cool", "green", "paper_warm", "paper_cool", "paper_green"), "hand": ("clean",),
    "cutout_uncertain_u2netp_only": ("composite",), "background": ("off_white",),
    "file_size": tuple(f"grain{s}" for s in GRAIN if s),
}


def background_rows() -> list[dict]:
    """Outputs: Etalase's own white canvas against off-white canvases a vendor might pick."""
    rows = []
    preset = load_preset("umum")
    rng = np.random.default_rng(3)
    for i in range(30):
        img = np.full((600, 600, 3), 255, np.uint8)
        colour = tuple(int(c) for c in rng.integers(20, 230, 3))
        cv2.rectangle(img, (150, 100), (450, 500), colour, -1)
        off = i % 2 == 1
        if off:
            tint = int(rng.integers(238, 250))
            img[(img == 255).all(axis=2)] = (tint, tint, min(255, tint + 3))
        enc = cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])[1]
        dec = cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1]
        r = checks.check_background(dec, preset)
        rows.append({"id": f"output/{i}", "group": "output", "kind": "off_white" if off else "white",
                     "check": "background", "label": int(off), "status": r.status, "value": r.value, "note": ""})
    return rows



def grain(rgb: np.ndarray, sigma: float, rng) -> np.ndarray:
    """High-ISO grain: luma noise of ``sigma`` levels plus chroma noise of half that."""
    if sigma == 0:
        return rgb
    noise = rng.normal(0, sigma, rgb.shape[:2])[..., None] + rng.normal(0, sigma / 2, rgb.shape)
    return np.clip(rgb + noise, 0, 255).astype(np.uint8)


def encoded_label(image: Image.Image, preset) -> tuple[bool | None, int]:
    """By construction from the encoded sizes: encode the uncapped output as ``encode_image``
    would, quality by quality, and keep the first that fits the cap. Positive: none fits (the
    pipeline must refuse); negative: it fits with 5 % to spare; the last 5 % unlabelled."""
    from assistant.photo import encode_image

    cap, q0 = preset.image.max_bytes, preset.image.quality
    size = 0
    for q in (q0, *(q for q in LADDER if q < q0)):
        size = len(encode_image(image, preset.image.format, q))
        if size <= cap:
            return (False if size <= 0.95 * cap else None), size
    return True, size


def file_size_rows(bases: list[Base], cache: Path) -> list[dict]:
    """Real photos with grain, made into outputs for a preset with a 100 KB cap through the
    runner (``readiness.listing.check_cut_photo``: the pipeline's own output and its refusal),
    and the clean packshots for the false alarms. The cutout is u2netp's on the photo
    without grain (the grain does not move the product; the cutout is not judged here)."""
    from assistant import pipeline
    from assistant.readiness.listing import check_cut_photo
    from assistant.photo import Photo

    base = load_preset("lazada")
    capped = dataclasses.replace(base, name="cap100k", image=dataclasses.replace(base.image, max_bytes=FILE_CAP))
    free = dataclasses.replace(capped, image=dataclasses.replace(capped.image, max_bytes=50_000_000))
    phones = [b for b in bases if b.group == "phone"]
    grainy = [b for b in bases if b.group in ("bigbird", "dis")] + phones[::10]
    jobs = [(b, s) for b in grainy for s in GRAIN] + [(b, 0) for b in bases if b.group == "pack"]
    rng = np.random.default_rng(11)
    rows = []
    for b, sigma in jobs:
        alpha = Image.fromarray(cached_alpha(b.rgb, cache))
        photo = Photo(image=Image.fromarray(grain(b.rgb, sigma, rng)), alpha=alpha, original_size=b.original)
        label, size = encoded_label(pipeline.process(photo, [free]).outputs[0].image, capped)
        r = {x.check: x for x in check_cut_photo(photo, capped)}["file_size"]
        rows.append({"id": f"{b.group}/{b.name}/grain{sigma}", "group": b.group,
                     "kind": "clean" if sigma == 0 and b.group == "pack" else f"grain{sigma}",
                     "check": "file_size", "label": "" if label is None else int(label),
                     "status": r.status, "value": r.value, "note": f"encoded={size}"})
    return rows


def summarise(rows: list[dict]) -> tuple[str, dict]:
    stats = {}
    lines = ["| check | labelled (pos/neg) | precision | recall (all) | recall on own degradation | "
             "false alarms, clean packshots |", "|---|---|---|---|---|---|"]
    for name in checks.CHECK_NAMES + ("cutout_uncertain_u2netp_only",):
        mine = [r for r in rows if r["check"] == name]
        lab = [r for r in mine if r["label"] != ""]
        pos = [r for r in lab if r["label"] == 1]
        neg = [r for r in lab if r["label"] == 0]
        fired = lambda r: r["status"] != "ok"  # noqa: E731
        tp = sum(fired(r) for r in pos)
        fp = sum(fired(r) for r in neg)
        own = [r for r in pos if r["kind"] in OWN.get(name, ())]
        own_tp = sum(fired(r) for r in own)
        clean = [r for r in mine if r["group"] == "pack" and r["kind"] == "clean"]
        # A false alarm is a firing on a clean packshot that is not a positive by its own
        # label (resolution: every 198 px packshot is too small, rightly; cutoff: cartons
        # cropped with no margin do reach the edge).
        clean_neg = [r for r in clean if r["label"] != 1]
        fa = sum(fired(r) for r in clean_neg)
        raw = sum(fired(r) for r in clean)
        prec = tp / (tp + fp) if tp + fp else float("nan")
        rec = tp / len(pos) if pos else float("nan")
        orec = own_tp / len(own) if own else float("nan")
        stats[name] = dict(pos=len(pos), neg=len(neg), tp=tp, fp=fp, precision=prec, recall=rec,
                           own=len(own), own_recall=orec, clean=len(clean_neg), fa=fa, raw=raw)

        def pct(x):
            return "-" if x != x else f"{x:.2f}"
        lines.append(f"| {name} | {len(pos)}/{len(neg)} | {pct(prec)} ({tp}/{tp + fp}) | {pct(rec)} | "
                     f"{pct(orec)} ({own_tp}/{len(own)}) | "
                     + (f"{fa}/{len(clean_neg)} ({100 * fa / len(clean_neg):.0f} %)" if clean_neg else "-")
                     + (f"; fires on {raw}/{len(clean)}" if clean and raw != fa else "") + " |")
    return "\n".join(lines), stats


def by_group(rows: list[dict]) -> str:
    """Precision and recall per photo set: where a check's errors come from."""
    groups = ("pack", "phone", "bigbird", "dis", "paper", "composite", "output")
    lines = ["| check | " + " | ".join(groups) + " |", "|---|" + "---|" * len(groups)]
    for name in checks.CHECK_NAMES:
        cells = []
        for g in groups:
            lab = [r for r in rows if r["check"] == name and r["group"] == g and r["label"] != ""]
            pos = [r for r in lab if r["label"] == 1]
            tp = sum(r["status"] != "ok" for r in pos)
            fp = sum(r["status"] != "ok" for r in lab if r["label"] == 0)
            if not pos:  # negatives only: its false alarms, if any
                cells.append(f"P {tp}/{tp + fp}" if tp + fp else "-")
            else:
                cells.append(f"P {tp}/{tp + fp} R {tp}/{len(pos)}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def save_samples(variants: list[Variant], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    wanted = {}
    for v in variants:
        if v.kind not in wanted and (v.group in ("phone", "pack", "dis") or v.kind.startswith("composite")):
            wanted[v.kind] = v
    for kind, v in wanted.items():
        Image.fromarray(_fit(v.rgb, 400)).save(out / f"{kind}.png")


# The photo guide's before/after pairs (checks.GUIDE_PICTURES): grocery_phone photos as
# shot, and what Etalase (default model, preset "umum") makes of them.
PANDUAN = {
    "hand": "Packages__Alpro-Shelf-Soy-Milk__Alpro-Shelf-Soy-Milk_003",
    "cut": "Packages__Arla-Natural-Yoghurt__Arla-Natural-Yoghurt_023",
    "busy": "Packages__Arla-Natural-Mild-Low-Fat-Yoghurt__Arla-Natural-Mild-Low-Fat-Yoghurt_012",
    "pile": "Fruit__Lemon__Lemon_003",
}
PANDUAN_SIDE = 320


def make_panduan(data: Path, out_dir: Path) -> None:
    """docs/panduan/<name>_before.png and <name>_after.png, each under 200 KB."""
    from assistant.photo import open_photo
    from assistant.pipeline import process

    preset = load_preset("umum")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, stem in PANDUAN.items():
        photo = open_photo(data / "grocery_phone" / "images" / f"{stem}.jpg")
        after = process(photo, [preset]).outputs[0].image
        for suffix, img in (("before", photo.image), ("after", after)):
            img = img.convert("RGB")
            img.thumbnail((PANDUAN_SIDE, PANDUAN_SIDE), Image.Resampling.LANCZOS)
            path = out_dir / f"{name}_{suffix}.png"
            img.save(path, "PNG", optimize=True)
            if path.stat().st_size >= 200_000:  # a busy photo: 256 colours are plenty at this size
                img.quantize(256, dither=Image.Dither.FLOYDSTEINBERG).save(path, "PNG", optimize=True)
            print(f"{path} {path.stat().st_size // 1000} KB", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "checks")
    parser.add_argument("--quick", action="store_true", help="a subset, for a first look")
    parser.add_argument("--panduan", action="store_true",
                        help="(re)make the photo guide's before/after pictures in docs/panduan and stop")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"{args.data} is not here: nothing to measure", file=sys.stderr)
        return 1
    if args.panduan:
        make_panduan(args.data, REPO / "docs" / "panduan")
        return 0
    t0 = time.perf_counter()
    bases = load_bases(args.data, args.quick)
    variants = build(bases)
    print(f"{len(bases)} photos, {len(variants)} variants", file=sys.stderr)
    save_samples(variants, args.out / "samples")
    rows = evaluate(variants, args.out / "cache") + background_rows() + file_size_rows(bases, args.out / "cache")
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "results.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    table, _ = summarise(rows)
    groups = by_group(rows)
    (args.out / "table.md").write_text(table + "\n\n" + groups + "\n")
    print(table + "\n\n" + groups)
    print(f"\n{len(variants)} variants in {time.perf_counter() - t0:.0f} s; details in {args.out}/results.csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
