"""Harness for issue 22: does the overlay detector see what vendors add, and leave packaging text alone?

Cases are built from ../shared/data (never copied into the repository):

- negatives: clean listing images, i.e. what Etalase outputs: the 81 grocery packshots
  (white background, many with dense printed packaging text) scaled to 1200x1200, and
  DIS5K / BigBIRD products cut out with their ground-truth masks onto a white 1200x1200
  canvas at the pipeline's fill;
- positives, each from one clean image: Indonesian promo text (several fonts, sizes,
  colours, positions), semi-transparent watermarks (single or tiled), logos, stickers,
  borders/frames, phone-screenshot chrome and collages of 2-4 panels, each at several
  strengths (size, opacity, width, style).

Every case gets its cutout from the model (``--model``, default the fast u2netp that
``assistant.readiness`` uses), cached under ``--cache`` so a rerun costs seconds. The
photos are split in two halves by photo (a hash of the file name): thresholds were set
looking at the ``tune`` half only; the table reports the ``held-out`` half (``--half``).

    python bench/readiness_quality.py                 # held-out half, table + contact sheets
    python bench/readiness_quality.py --half tune     # the half the thresholds were set on
    python bench/readiness_quality.py --sheet out/    # contact sheets of every miss / false alarm
    python bench/readiness_quality.py --half fresh    # round 5's validation split (new seed, new photos)
    python bench/readiness_quality.py --half phone-tune  # round 6's tuning cases: Etalase's outputs of
                                                         # other phone photos, and more collages
    python bench/readiness_quality.py --half fresh7   # round 7's validation split: seed 7007, phone
                                                      # photos no other split uses
    python bench/readiness_quality.py --half frame-tune  # round 8's tuning cases: frames the product
                                                         # crosses, seamless collages, padded photos
    python bench/readiness_quality.py --half fresh8   # round 8's validation split: seed 8008
    python bench/readiness_quality.py --half screen-tune  # round 9's tuning cases: app screenshots whose
                                                          # product crosses the app bar's lower edge
    python bench/readiness_quality.py --half fresh9   # round 10's validation split: seed 9009, new fonts,
                                                      # held-out and unused phone photos, more crossing text
    python bench/readiness_quality.py --half fresh11  # round 11's validation split: seed 11011, new fonts,
                                                      # held-out and unused phone photos
    python bench/readiness_quality.py --lossless      # the images as built, no JPEG step (rounds 1-10's figures)
    python bench/readiness_quality.py --jpeg 85       # every case a JPEG of quality 85

Every case is judged as a JPEG, as vendors' images arrive (phones, chat apps, marketplace apps): its
quality drawn per case in ``JPEG_RANGE`` (70-95, seeded by the case's name: reproducible), 4:2:0 chroma.
Clean images go through the same step, so false alarms are counted on JPEGs too. The cutouts are the
lossless images' (cached; u2netp works at 320 px, where a JPEG's blocks are gone).

Reports precision / recall per kind, false alarms on clean products (packshots with
packaging text apart), after-fix pass rate of the fixable positives and how much the fix
changed the product's pixels (against the clean image, where the geometry is the same),
and the time per image of the whole verdict (detector, verdicts for 3 presets, the cutout
not included: it is the pipeline's, timed separately).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import json
import os
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.readiness import overlay  # noqa: E402

# ../shared/data beside the checkout (a worktree under wt/ looks one level further up)
DATA = next((d for d in (REPO.parent / "shared" / "data", REPO.parent.parent / "shared" / "data") if d.is_dir()),
            REPO.parent / "shared" / "data")
SIDE = 1200
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONT_NAMES = ("DejaVuSans-Bold.ttf", "LiberationSerif-Bold.ttf", "LiberationSans-Regular.ttf",
              "DejaVuSansCondensed.ttf", "LiberationSansNarrow-Bold.ttf", "DejaVuSerif-Italic.ttf",
              "LiberationSans-BoldItalic.ttf", "DejaVuSans.ttf")
PROMO = ("PROMO!", "DISKON 50%", "Rp 25.000", "GRATIS ONGKIR", "Toko Berkah Jaya", "BELI 2 GRATIS 1",
         "Stok Terbatas", "Harga Grosir", "Original 100%", "Siap Kirim", "Rp 149.900", "Hemat 30%",
         "Best Seller", "Ready Stok", "COD Bisa")
SHOPS = ("@tokosaya", "TOKO MAJU", "Berkah Shop", "contoh", "@warung.bunda", "KEDAI 88")
STICKER_TEXT = (("DISKON", "50%"), ("PROMO",), ("BEST", "SELLER"), ("NEW",), ("GRATIS", "ONGKIR"), ("HOT",),
                ("-30%",), ("SALE",))
COLOURS = ((0, 0, 0), (220, 30, 30), (20, 40, 140), (240, 120, 0), (0, 140, 60), (120, 0, 140))
BADGE = ((220, 30, 30), (250, 200, 0), (240, 110, 0), (0, 150, 70), (30, 90, 200), (0, 0, 0))
KINDS = ("text", "watermark", "logo", "sticker", "border", "screenshot", "collage")


def _fonts() -> list[Path]:
    found = []
    for name in FONT_NAMES:
        for d in FONT_DIRS:
            if (d / name).is_file():
                found.append(d / name)
                break
    return found


FONTS = _fonts()


def font(rng: np.random.Generator, size: int) -> ImageFont.FreeTypeFont:
    if not FONTS:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(FONTS[rng.integers(len(FONTS))]), size)


def half_of(name: str) -> str:
    return "tune" if zlib.crc32(name.encode()) % 2 == 0 else "held-out"


# --------------------------------------------------------------------------- clean bases

@dataclass
class Base:
    name: str
    rgb: np.ndarray
    mask: np.ndarray | None  # ground truth at 1200 (None for the packshots: no ground truth)
    group: str               # packshot-packages, packshot-produce, dis5k, bigbird


def _on_canvas(rgb: np.ndarray, mask: np.ndarray, fill: float = 0.85) -> tuple[np.ndarray, np.ndarray]:
    from assistant.imaging import masks
    from assistant.stages import framing
    alpha = (mask > 127).astype(np.uint8) * 255
    box = masks.alpha_box(alpha)
    scale = framing.fit_scale(box, (SIDE, SIDE), fill)
    c_rgb, c_a, off = framing.crop_scaled(rgb, alpha, box, scale)
    fg, a = framing.place(c_rgb, c_a, off, ((box[2] - box[0]) * scale, (box[3] - box[1]) * scale), (SIDE, SIDE))
    return np.asarray(framing.compose(fg, a, (255, 255, 255))), a


def load_bases(cache: Path) -> list[Base]:
    bases: list[Base] = []
    index = {}
    csv = DATA / "grocery_packshots" / "index.csv"
    if csv.is_file():
        for line in csv.read_text().splitlines()[1:]:
            parts = line.split(",")
            index[parts[0]] = parts[-1]
    for path in sorted((DATA / "grocery_packshots" / "images").glob("*.jpg")):
        img = Image.open(path).convert("RGB").resize((SIDE, SIDE), Image.Resampling.LANCZOS)
        grp = "packshot-packages" if index.get(path.name) == "Packages" else "packshot-produce"
        bases.append(Base(path.stem, np.asarray(img), None, grp))
    for folder, grp in (("dis5k_products_dev", "dis5k"), ("bigbird6", "bigbird")):
        for path in sorted((DATA / folder / "images").glob("*.jpg")):
            mpath = DATA / folder / "masks" / (path.stem + ".png")
            if not mpath.is_file():
                continue
            key = cache / "bases" / f"{path.stem}.png"
            kmask = cache / "bases" / f"{path.stem}.mask.png"
            if key.is_file() and kmask.is_file():
                bases.append(Base(path.stem, np.asarray(Image.open(key).convert("RGB")),
                                  np.asarray(Image.open(kmask)), grp))
                continue
            img = Image.open(path)
            img.draft("RGB", (1600, 1600))
            img = img.convert("RGB")
            m = Image.open(mpath).convert("L").resize(img.size, Image.Resampling.NEAREST)
            rgb, a = _on_canvas(np.asarray(img), np.asarray(m))
            key.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rgb).save(key)
            Image.fromarray(a).save(kmask)
            bases.append(Base(path.stem, rgb, a, grp))
    return bases


# --------------------------------------------------------------------------- overlays

def _free_spot(occupied: np.ndarray, w: int, h: int, rng: np.random.Generator, tries: int = 200,
               clear: bool = True) -> tuple[int, int] | None:
    """A top-left corner where a w x h box lies on the image and (``clear``) off ``occupied``."""
    H, W = occupied.shape
    if w >= W - 8 or h >= H - 8:
        return None
    integ = cv2.integral(occupied.astype(np.uint8))
    for _ in range(tries):
        x, y = int(rng.integers(4, W - w - 4)), int(rng.integers(4, H - h - 4))
        s = integ[y + h, x + w] - integ[y, x + w] - integ[y + h, x] + integ[y, x]
        if (s == 0) == clear:
            return x, y
    return None


def _text_layer(text: str, fnt, fill, stroke=0, stroke_fill=None) -> Image.Image:
    box = fnt.getbbox(text, stroke_width=stroke)
    w, h = box[2] - box[0] + 4, box[3] - box[1] + 4
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((2 - box[0], 2 - box[1]), text, font=fnt, fill=fill, stroke_width=stroke,
                               stroke_fill=stroke_fill)
    return layer


def _paste(img: Image.Image, layer: Image.Image, xy: tuple[int, int]) -> None:
    img.alpha_composite(layer, xy)


def _zone(mask: np.ndarray, grow: float = 0.035) -> np.ndarray:
    r = int(grow * SIDE)
    return cv2.dilate((mask > 127).astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2)) > 0


# Vendors' images arrive as JPEGs (phones, chat apps, marketplace apps), so every case is judged as a
# JPEG by default: its quality drawn per case (from its name: reproducible) in JPEG_RANGE, 4:2:0 chroma.
# ``--lossless`` judges the images as built; ``--jpeg Q`` at one quality for every case.
JPEG_RANGE = (70, 95)
JPEG_SEED = 2212


def jpeg_quality(name: str) -> int:
    """The JPEG quality a case is saved at: drawn in JPEG_RANGE, seeded by the case's name."""
    return int(np.random.default_rng(zlib.crc32(name.encode()) + JPEG_SEED).integers(JPEG_RANGE[0],
                                                                                       JPEG_RANGE[1] + 1))


def _as_jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    """``rgb`` saved as a JPEG with 4:2:0 chroma (as phones and apps save them) and read back."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, subsampling=2)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def add_text(rgb, mask, rng, sizes=(30, 44, 64, 90), cross_share=0.2):
    """Promo text in one of ``sizes`` (px), over the product's edge in ``cross_share`` of the cases."""
    size = int(rng.choice(list(sizes)))
    colour = COLOURS[rng.integers(len(COLOURS))]
    outline = rng.random() < 0.2
    fill = (255, 255, 255, 255) if outline else colour + (255,)
    layer = _text_layer(str(rng.choice(PROMO)), font(rng, size), fill, stroke=3 if outline else 0,
                        stroke_fill=(0, 0, 0, 255) if outline else None)
    img = Image.fromarray(rgb).convert("RGBA")
    cross = rng.random() < cross_share
    spot = None if cross else _free_spot(_zone(mask), *layer.size, rng)
    fixable = spot is not None
    if spot is None:  # over the product's edge
        spot = _free_spot(_zone(mask, 0.0), *layer.size, rng, clear=False) or (20, 20)
    _paste(img, layer, spot)
    return np.asarray(img.convert("RGB")), fixable, f"{size}px{'/outline' if outline else ''}{'/cross' if not fixable else ''}"


def add_watermark(rgb, mask, rng):
    opacity = float(rng.choice([0.15, 0.25, 0.4]))
    grey = int(rng.choice([0, 90, 140]))
    size = int(rng.choice([40, 60, 90]))
    text = str(rng.choice(SHOPS))
    layer = _text_layer(text, font(rng, size), (grey, grey, grey, int(255 * opacity)))
    img = Image.fromarray(rgb).convert("RGBA")
    tiled = rng.random() < 0.5
    if tiled:
        angle = float(rng.choice([0, 20, 30, 45]))
        tile = layer.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
        over = Image.new("RGBA", img.size, (0, 0, 0, 0))
        step_x, step_y = tile.size[0] + int(0.12 * SIDE), tile.size[1] + int(0.12 * SIDE)
        for row, y in enumerate(range(-tile.size[1] // 2, SIDE, step_y)):
            for x in range(-tile.size[0] // 2 + (row % 2) * step_x // 2, SIDE, step_x):
                over.alpha_composite(tile, (max(0, x), max(0, y))) if x >= 0 and y >= 0 else over.paste(
                    tile, (x, y), tile)
        img.alpha_composite(over)
        return np.asarray(img.convert("RGB")), False, f"tiled/{opacity:.2f}/{angle:.0f}deg"
    spot = _free_spot(_zone(mask), *layer.size, rng)
    fixable = spot is not None
    if spot is None:
        spot = ((SIDE - layer.size[0]) // 2, (SIDE - layer.size[1]) // 2)
    _paste(img, layer, spot)
    return np.asarray(img.convert("RGB")), fixable, f"single/{opacity:.2f}"


def _logo(rng, d: int) -> Image.Image:
    layer = Image.new("RGBA", (d, d), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    colour = BADGE[rng.integers(len(BADGE))] + (255,)
    style = rng.integers(3)
    letters = "".join(rng.choice(list("ABDKMSTW"), size=int(rng.integers(1, 3))))
    fnt = font(rng, int(d * 0.45))
    if style == 0:
        draw.ellipse([1, 1, d - 2, d - 2], fill=colour)
        ink = (255, 255, 255, 255)
    elif style == 1:
        draw.rounded_rectangle([1, 1, d - 2, d - 2], radius=d // 5, fill=colour)
        ink = (255, 255, 255, 255)
    else:
        draw.ellipse([2, 2, d - 3, d - 3], outline=colour, width=max(2, d // 14))
        ink = colour
    box = draw.textbbox((0, 0), letters, font=fnt)
    draw.text(((d - box[2] - box[0]) / 2, (d - box[3] - box[1]) / 2), letters, font=fnt, fill=ink)
    return layer


def add_logo(rgb, mask, rng):
    d = int(rng.choice([0.06, 0.09, 0.12]) * SIDE)
    layer = _logo(rng, d)
    opacity = float(rng.choice([1.0, 0.8]))
    if opacity < 1:
        layer.putalpha(layer.getchannel("A").point(lambda v: int(v * opacity)))
    img = Image.fromarray(rgb).convert("RGBA")
    spot = _free_spot(_zone(mask), d, d, rng)
    fixable = spot is not None
    _paste(img, layer, spot or (20, 20))
    return np.asarray(img.convert("RGB")), fixable, f"{d}px/{opacity:.1f}"


def add_sticker(rgb, mask, rng):
    d = int(rng.choice([0.17, 0.22, 0.28]) * SIDE)
    layer = Image.new("RGBA", (d, d), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    colour = BADGE[rng.integers(len(BADGE))] + (255,)
    shape = rng.integers(3)
    if shape == 0:  # starburst
        pts = []
        for i in range(32):
            r = (d / 2 - 2) * (1.0 if i % 2 == 0 else 0.8)
            a = np.pi * i / 16
            pts.append((d / 2 + r * np.cos(a), d / 2 + r * np.sin(a)))
        draw.polygon(pts, fill=colour)
    elif shape == 1:
        draw.ellipse([2, 2, d - 3, d - 3], fill=colour)
    else:
        draw.rounded_rectangle([2, d // 5, d - 3, d - d // 5], radius=d // 8, fill=colour)
    lines = STICKER_TEXT[rng.integers(len(STICKER_TEXT))]
    ink = (0, 0, 0, 255) if colour[:3] == (250, 200, 0) else (255, 255, 255, 255)
    fnt = font(rng, int(d / (2.2 + 1.4 * len(lines))))
    total = len(lines) * fnt.size * 1.1
    for i, line in enumerate(lines):
        box = draw.textbbox((0, 0), line, font=fnt)
        draw.text(((d - box[2]) / 2, (d - total) / 2 + i * fnt.size * 1.1), line, font=fnt, fill=ink)
    img = Image.fromarray(rgb).convert("RGBA")
    spot = _free_spot(_zone(mask), d, d, rng)
    fixable = spot is not None
    if spot is None:  # in a corner, over the product
        spot = (int(rng.choice([10, SIDE - d - 10])), int(rng.choice([10, SIDE - d - 10])))
    _paste(img, layer, spot)
    return np.asarray(img.convert("RGB")), fixable, f"{d}px/{['star', 'circle', 'ribbon'][shape]}"


def add_border(rgb, mask, rng):
    width = int(rng.choice([0.01, 0.03, 0.06]) * SIDE)
    colour = tuple(int(c) for c in (BADGE + ((40, 40, 40), (200, 200, 200), (190, 150, 60)))[rng.integers(9)])
    style = rng.integers(3)
    img = Image.fromarray(rgb.copy())
    draw = ImageDraw.Draw(img)
    if style == 0:   # solid frame over the outer band
        for i in range(width):
            draw.rectangle([i, i, SIDE - 1 - i, SIDE - 1 - i], outline=colour)
        what = "solid"
    elif style == 1:  # the photo shrunk onto a coloured mat
        small = img.resize((SIDE - 2 * width, SIDE - 2 * width), Image.Resampling.LANCZOS)
        img = Image.new("RGB", (SIDE, SIDE), colour)
        img.paste(small, (width, width))
        what = "mat"
    else:            # a thin inset line
        inset = width + 6
        draw.rectangle([inset, inset, SIDE - 1 - inset, SIDE - 1 - inset], outline=colour, width=max(3, width // 4))
        what = "inset-line"
    return np.asarray(img), True, f"{width}px/{what}"


def _status_bar(draw: ImageDraw.ImageDraw, w: int, h: int, ink, rng) -> None:
    fnt = font(rng, int(h * 0.55))
    draw.text((int(0.05 * w), int(h * 0.2)), str(rng.choice(["9:41", "13:07", "08:15", "21:30"])), font=fnt, fill=ink)
    x = int(0.80 * w)
    for i in range(4):  # signal bars
        bh = int(h * (0.2 + 0.12 * i))
        draw.rectangle([x + i * 9, int(h * 0.75) - bh, x + i * 9 + 5, int(h * 0.75)], fill=ink)
    draw.rounded_rectangle([int(0.89 * w), int(h * 0.3), int(0.95 * w), int(h * 0.72)], radius=4, outline=ink, width=3)
    draw.rectangle([int(0.895 * w), int(h * 0.36), int(0.93 * w), int(h * 0.66)], fill=ink)


def add_screenshot(rgb, mask, rng, style: str | None = None, shift: int = 0):
    """A phone screenshot of the picture: a photo viewer, an app's product page or its top only.
    ``shift`` (px of the 1080 px screen, app styles): the picture is scrolled up under the app bar by
    that much, the bar drawn over it (``add_screenshot_under_bar``)."""
    style = style or ["viewer", "app", "app-crop"][rng.integers(3)]
    W = 1080
    content = Image.fromarray(rgb).resize((W, W), Image.Resampling.LANCZOS)
    status_h = 70
    if style == "viewer":
        H = int(rng.choice([1920, 2340]))
        img = Image.new("RGB", (W, H), (0, 0, 0))
        draw = ImageDraw.Draw(img)
        _status_bar(draw, W, status_h, (255, 255, 255), rng)
        img.paste(content, (0, (H - W) // 2))
    else:
        bar = ((255, 255, 255), (238, 77, 45), (0, 170, 90))[rng.integers(3)]
        ink = (0, 0, 0) if bar == (255, 255, 255) else (255, 255, 255)
        app_h = 140
        H = int(rng.choice([1920, 2340])) if style == "app" else status_h + app_h + W  # the screen's top
        img = Image.new("RGB", (W, H), (255, 255, 255))
        if shift:  # scrolled under the bar: the bar is drawn over the picture's top
            img.paste(content, (0, status_h + app_h - shift))
        draw = ImageDraw.Draw(img)
        draw.rectangle([0, 0, W, status_h + app_h], fill=bar)
        _status_bar(draw, W, status_h, ink, rng)
        fnt = font(rng, 48)
        draw.text((30, status_h + 40), "<", font=fnt, fill=ink)
        draw.text((110, status_h + 40), "Detail Produk", font=fnt, fill=ink)
        if not shift:
            img.paste(content, (0, status_h + app_h))
        if style == "app":
            y = status_h + app_h + W + 30 - shift
            draw.text((30, y), "Rp 45.000", font=font(rng, 64), fill=(238, 77, 45))
            draw.text((30, y + 90), "Keripik Singkong Pedas 250 g", font=font(rng, 40), fill=(30, 30, 30))
            draw.rectangle([0, H - 150, W, H], fill=(250, 250, 250))
            draw.line([0, H - 150, W, H - 150], fill=(200, 200, 200), width=3)
            for i in range(4):
                cx = int((i + 0.5) * W / 4)
                draw.ellipse([cx - 28, H - 110, cx + 28, H - 54], outline=(90, 90, 90), width=4)
    return np.asarray(img), True, style if not shift else f"{style}/under-bar{shift}"


def add_screenshot_under_bar(rgb, mask, rng):
    """An app screenshot (product page or its top) whose picture is scrolled up under the app bar so
    that the product's top runs 0-3 % of the screen's width under the bar's lower edge: the product
    crosses the edge of the screen's chrome (round 9: such an edge was read as a frame line)."""
    ys = np.nonzero(mask > 127)[0]
    gap = int(ys.min()) if len(ys) else 0
    W = 1080
    shift = max(1, int(gap * W / SIDE) + int(rng.integers(0, int(0.03 * W) + 1)))
    return add_screenshot(rgb, mask, rng, ["app", "app-crop"][rng.integers(2)], shift)


def make_collage(bases: list[np.ndarray], rng):
    layout = [(1, 2), (2, 1), (2, 2)][rng.integers(3)]
    gutter = int(rng.choice([0, 6, 16]))
    g_colour = ((255, 255, 255), (224, 224, 224), (240, 120, 0))[rng.integers(3)]
    rows, cols = layout
    img = Image.new("RGB", (SIDE, SIDE), g_colour)
    cw, ch = (SIDE - gutter * (cols + 1)) // cols, (SIDE - gutter * (rows + 1)) // rows
    tints = ((255, 255, 255), (255, 236, 236), (232, 240, 255), (240, 248, 232), (250, 245, 230))
    k = 0
    for r in range(rows):
        for c in range(cols):
            panel = bases[k % len(bases)]
            k += 1
            p = Image.fromarray(panel).resize((cw, ch), Image.Resampling.LANCZOS)
            tint = tints[rng.integers(len(tints))]
            if tint != (255, 255, 255):  # the panel's own background colour (white paper tinted)
                arr = np.asarray(p).astype(np.float32)
                white = (arr.min(axis=2, keepdims=True) > 235).astype(np.float32)
                arr = arr * (1 - white) + white * np.array(tint, np.float32) * (arr / 255.0)
                p = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
            img.paste(p, (gutter + c * (cw + gutter), gutter + r * (ch + gutter)))
    img = img.resize((SIDE, SIDE))
    return np.asarray(img), False, f"{rows}x{cols}/gutter{gutter}"


ADDERS = {"text": add_text, "watermark": add_watermark, "logo": add_logo, "sticker": add_sticker,
          "border": add_border, "screenshot": add_screenshot}


@dataclass
class Case:
    name: str
    base: str
    half: str
    group: str
    kind: str | None     # None: clean
    detail: str
    fixable: bool
    rgb: np.ndarray = field(repr=False)
    base_rgb: np.ndarray | None = field(default=None, repr=False)


def build_cases_cached(bases: list[Base], cache: Path, seed: int = 22) -> list[Case]:
    """``build_cases``, the images kept as PNG under ``cache/cases`` (generation is the slow part)."""
    return _cases_in(cache / f"cases-{seed}", {b.name: b for b in bases}, lambda: build_cases(bases, seed))


def _cases_in(folder: Path, by_name: dict[str, Base], build) -> list[Case]:
    """The cases in ``folder`` when it holds them, else ``build()``'s, written there."""
    meta = folder / "cases.json"
    if meta.is_file():
        cases = []
        for m in json.loads(meta.read_text()):
            rgb = np.asarray(Image.open(folder / f"{m['name']}.png").convert("RGB"))
            base = by_name.get(m["base"])
            base_rgb = base.rgb if base is not None and m["kind"] != "collage" else None
            cases.append(Case(m["name"], m["base"], m["half"], m["group"], m["kind"], m["detail"], m["fixable"],
                              rgb, base_rgb))
        return cases
    cases = build()
    folder.mkdir(parents=True, exist_ok=True)
    for c in cases:
        Image.fromarray(c.rgb).save(folder / f"{c.name}.png", compress_level=1)
    meta.write_text(json.dumps([dict(name=c.name, base=c.base, half=c.half, group=c.group, kind=c.kind,
                                     detail=c.detail, fixable=c.fixable) for c in cases]))
    return cases


def build_cases(bases: list[Base], seed: int = 22) -> list[Case]:
    cases: list[Case] = []
    for i, b in enumerate(bases):
        h = half_of(b.name)
        cases.append(Case(f"{b.name}__clean", b.name, h, b.group, None, "", False, b.rgb, b.rgb))
        rng = np.random.default_rng(zlib.crc32(b.name.encode()) + seed)
        kinds = list(ADDERS)
        chosen = [kinds[(i + j) % len(kinds)] for j in range(0, len(kinds), 2)]  # 3 of the 6 kinds per photo
        mask = b.mask if b.mask is not None else _white_mask(b.rgb)
        for kind in chosen:
            rgb, fixable, detail = ADDERS[kind](b.rgb, mask, rng)
            cases.append(Case(f"{b.name}__{kind}", b.name, h, b.group, kind, detail, fixable, rgb, b.rgb))
    for h in ("tune", "held-out"):
        pool = [b for b in bases if half_of(b.name) == h]
        rng = np.random.default_rng(seed + (0 if h == "tune" else 1))
        for j in range(len(pool) // 3):
            picks = rng.choice(len(pool), size=4, replace=False)
            rgb, fixable, detail = make_collage([pool[p].rgb for p in picks], rng)
            cases.append(Case(f"collage{j}_{h}", pool[picks[0]].name, h, "collage", "collage", detail, False, rgb))
    return cases


# The fresh split (round 5): cases no rule was set or checked on. New overlays (seed FRESH_SEED)
# on every photo of the two halves (their clean images are the old ones, so they are not
# repeated as negatives), and photos the harness never used: Etalase's own outputs (the umum
# preset, default model) of the grocery_phone photos without a hand (checks_quality's labels),
# as clean negatives and as bases for overlays. Collages from a pool of both.
FRESH_SEED = 2611
# bench/checks_quality.py's hand labels: indices into sorted(grocery_phone)[::3] of photos with a hand
HAND_PHONE = {2, *range(15, 38), *range(39, 47), *range(49, 52), *range(53, 86)}


def load_phone_bases(cache: Path, start: int = 0, count: int | None = None, skip=HAND_PHONE,
                     folder: str = "phone-bases", prefix: str = "phone_") -> list[Base]:
    """Etalase's umum outputs of the hand-free grocery_phone photos, cached under ``cache``
    (``start`` 1: the phone-tune split's photos, every third from the second, none of the fresh's)."""
    phones = sorted((DATA / "grocery_phone" / "images").glob("*.jpg"))[start::3][:count]
    out = []
    for i, path in enumerate(phones):
        if i in skip:
            continue
        key = cache / folder / f"{path.stem}.png"
        if not key.is_file():
            from assistant.photo import open_photo
            from assistant.pipeline import process
            try:
                image = process(open_photo(path), "umum").outputs[0].image
            except Exception as exc:  # a photo the pipeline refuses is no listing image
                print(f"  {path.name}: {exc}", file=sys.stderr)
                continue
            key.parent.mkdir(parents=True, exist_ok=True)
            image.convert("RGB").resize((SIDE, SIDE), Image.Resampling.LANCZOS).save(key)
        rgb = np.asarray(Image.open(key).convert("RGB"))
        out.append(Base(prefix + path.stem, rgb, None, "phone-output"))
    return out


# The phone-tune split (round 6): Etalase's umum outputs of other grocery_phone photos (every third
# from the second: none is in the fresh split), clean and with overlays (seed 22's parity), to set
# rules on phone outputs without looking at the fresh split. Hands are not screened out: the
# pipeline's output is what a vendor would check.
PHONE_TUNE = 36


def build_phone_tune_cached(cache: Path, seed: int = 22) -> list[Case]:
    phones = load_phone_bases(cache, 1, PHONE_TUNE, set(), "phone-tune-bases", "phonet_")

    def build() -> list[Case]:
        cases: list[Case] = []
        kinds = list(ADDERS)
        for i, b in enumerate(phones):
            cases.append(Case(f"{b.name}__clean", b.name, "phone-tune", b.group, None, "", False, b.rgb, b.rgb))
            rng = np.random.default_rng(zlib.crc32(b.name.encode()) + seed)
            for kind in [kinds[(i + j) % len(kinds)] for j in range(0, len(kinds), 2)]:
                rgb, fixable, detail = ADDERS[kind](b.rgb, _white_mask(b.rgb), rng)
                cases.append(Case(f"{b.name}__{kind}", b.name, "phone-tune", b.group, kind, detail, fixable, rgb, b.rgb))
        return cases
    cases = _cases_in(cache / f"cases-phonetune-{seed}", {b.name: b for b in phones}, build)
    # more collages, from the tune half's photos and these (a new seed: the old tune collages are kept)
    pool = [b for b in load_bases(cache) if half_of(b.name) == "tune"] + phones

    def collages() -> list[Case]:
        rng = np.random.default_rng(seed + 1000)
        out = []
        for j in range(30):
            picks = rng.choice(len(pool), size=4, replace=False)
            rgb, fixable, detail = make_collage([pool[p].rgb for p in picks], rng)
            out.append(Case(f"collage{j}_phonetune", pool[picks[0]].name, "phone-tune", "collage", "collage",
                            detail, False, rgb))
        return out
    return cases + _cases_in(cache / f"cases-collagetune-{seed}", {}, collages)


def build_fresh(bases: list[Base], phones: list[Base], seed: int = FRESH_SEED, half: str = "fresh") -> list[Case]:
    cases: list[Case] = []
    kinds = list(ADDERS)
    for i, b in enumerate(bases + phones):
        if b.group == "phone-output":
            cases.append(Case(f"{b.name}__clean", b.name, half, b.group, None, "", False, b.rgb, b.rgb))
        rng = np.random.default_rng(zlib.crc32(b.name.encode()) + seed)
        chosen = [kinds[(i + j + 1) % len(kinds)] for j in range(0, len(kinds), 2)]  # the other parity
        mask = b.mask if b.mask is not None else _white_mask(b.rgb)
        for kind in chosen:
            rgb, fixable, detail = ADDERS[kind](b.rgb, mask, rng)
            cases.append(Case(f"{b.name}__{kind}__f", b.name, half, b.group, kind, detail, fixable, rgb, b.rgb))
    pool = bases + phones
    rng = np.random.default_rng(seed)
    for j in range(len(pool) // 6):
        picks = rng.choice(len(pool), size=4, replace=False)
        rgb, fixable, detail = make_collage([pool[p].rgb for p in picks], rng)
        cases.append(Case(f"collage{j}_{half}", pool[picks[0]].name, half, "collage", "collage", detail, False, rgb))
    return cases


def build_fresh_cached(bases: list[Base], cache: Path, seed: int = FRESH_SEED) -> list[Case]:
    phones = load_phone_bases(cache)
    return _cases_in(cache / f"cases-fresh-{seed}", {b.name: b for b in bases + phones},
                   lambda: build_fresh(bases, phones, seed))


# The fresh7 split (round 7): a validation split no rule has seen, built by build_fresh's recipe with a
# new seed and photos no other split uses: Etalase's umum outputs of grocery_phone photos every third
# from the third (the fresh split has [::3], phone-tune [1::3]); hands not screened out, as in
# phone-tune (there are no hand labels for these photos, and the output is what a vendor would check).
FRESH7_SEED = 7007
FRESH7_PHONES = 40


def build_fresh7_cached(bases: list[Base], cache: Path, seed: int = FRESH7_SEED) -> list[Case]:
    phones = load_phone_bases(cache, 2, FRESH7_PHONES, set(), "fresh7-bases", "phone7_")
    return _cases_in(cache / f"cases-fresh7-{seed}", {b.name: b for b in bases + phones},
                     lambda: build_fresh(bases, phones, seed, "fresh7"))


# The frame-tune cases (round 8): what the validation splits showed and no tuning split had. Frames the
# product crosses or touches (an inset line drawn over the product or behind it, a solid frame reaching
# the product), collages of panels on one white paper with no gutter and no tint (no seam at all), and
# whole shelf / crate photos padded onto white (what the pipeline outputs when its cutout takes the whole
# photo: a clean image, the white is the canvas). Tuning cases: rules may be set on them.
def add_frame_crossed(rgb, mask, rng):
    """A frame that the product crosses or touches: the frame's inset is the product's nearest gap
    to an edge plus up to 4 % of the side (so the line runs into the product on that side)."""
    ys, xs = np.nonzero(mask > 127)
    gap = min(int(xs.min()), int(ys.min()), SIDE - 1 - int(xs.max()), SIDE - 1 - int(ys.max())) if len(xs) else 40
    colour = tuple(int(c) for c in (BADGE + ((40, 40, 40), (200, 200, 200), (190, 150, 60)))[rng.integers(9)])
    style = ["line-over", "line-behind", "solid-touch"][rng.integers(3)]
    img = Image.fromarray(rgb.copy())
    draw = ImageDraw.Draw(img)
    if style == "solid-touch":  # a solid frame whose inner edge reaches the product (0-1 % into it)
        width = max(6, gap + int(rng.integers(0, int(0.01 * SIDE) + 1)))
        for i in range(width):
            draw.rectangle([i, i, SIDE - 1 - i, SIDE - 1 - i], outline=colour)
    else:
        inset = max(8, gap + int(rng.integers(int(0.005 * SIDE), int(0.04 * SIDE))))
        lw = int(rng.choice([3, 5, 8]))
        draw.rectangle([inset, inset, SIDE - 1 - inset, SIDE - 1 - inset], outline=colour, width=lw)
        if style == "line-behind":  # the product stands in front of the line
            arr = np.asarray(img).copy()
            m = mask > 127
            arr[m] = rgb[m]
            img = Image.fromarray(arr)
    return np.asarray(img), True, f"{style}/gap{gap}"


def seamless_collage(bases: list[np.ndarray], rng):
    """Panels on one white paper, no gutter, no tint: the seam is not in the pixels."""
    rows, cols = [(1, 2), (2, 1), (2, 2)][rng.integers(3)]
    img = Image.new("RGB", (SIDE, SIDE), (255, 255, 255))
    cw, ch = SIDE // cols, SIDE // rows
    for k in range(rows * cols):
        p = Image.fromarray(bases[k % len(bases)]).resize((cw, ch), Image.Resampling.LANCZOS)
        img.paste(p, ((k % cols) * cw, (k // cols) * ch))
    return np.asarray(img), False, f"{rows}x{cols}/seamless"


def padded_photo(path: Path, rng) -> np.ndarray:
    """A whole phone photo (a shelf, a crate) scaled to 80-100 % of the side and padded onto white,
    as the pipeline outputs it when its cutout takes the whole photo."""
    img = Image.open(path)
    img.draft("RGB", (1600, 1600))
    img = img.convert("RGB")
    k = float(rng.uniform(0.8, 1.0)) * SIDE / max(img.size)
    small = img.resize((max(1, int(img.size[0] * k)), max(1, int(img.size[1] * k))), Image.Resampling.LANCZOS)
    out = Image.new("RGB", (SIDE, SIDE), (255, 255, 255))
    out.paste(small, ((SIDE - small.size[0]) // 2, (SIDE - small.size[1]) // 2))
    return np.asarray(out)


def build_frames(bases: list[Base], phone_paths: list[Path], seed: int, half: str) -> list[Case]:
    """Crossed / touching frames on every base, seamless collages (one per 6 bases), and padded
    phone photos (clean, and with one overlay each of the six kinds in turn)."""
    cases: list[Case] = []
    for b in bases:
        rng = np.random.default_rng(zlib.crc32(b.name.encode()) + seed + 88)
        mask = b.mask if b.mask is not None else _white_mask(b.rgb)
        rgb, fixable, detail = add_frame_crossed(b.rgb, mask, rng)
        cases.append(Case(f"{b.name}__frame__x", b.name, half, b.group, "border", detail, fixable, rgb, b.rgb))
    rng = np.random.default_rng(seed + 88)
    for j in range(max(1, len(bases) // 6)):
        picks = rng.choice(len(bases), size=4, replace=False)
        rgb, fixable, detail = seamless_collage([bases[p].rgb for p in picks], rng)
        cases.append(Case(f"seamless{j}_{half}", bases[picks[0]].name, half, "collage", "collage", detail, False, rgb))
    kinds = list(ADDERS)
    for i, path in enumerate(phone_paths):
        rng = np.random.default_rng(zlib.crc32(path.name.encode()) + seed + 88)
        rgb = padded_photo(path, rng)
        name = f"padded_{path.stem}"
        cases.append(Case(f"{name}__clean", name, half, "phone-padded", None, "", False, rgb, rgb))
        kind = kinds[i % len(kinds)]
        out, fixable, detail = ADDERS[kind](rgb, _white_mask(rgb), rng)
        cases.append(Case(f"{name}__{kind}", name, half, "phone-padded", kind, detail, fixable, out, rgb))
    return cases


def build_frametune_cached(bases: list[Base], cache: Path, seed: int = 22) -> list[Case]:
    """Round 8's tuning cases: the tune half's photos, and grocery_phone photos [1::3][36:60]
    (phone-tune's own third, beyond the 36 it uses)."""
    tune = [b for b in bases if half_of(b.name) == "tune"]
    phones = sorted((DATA / "grocery_phone" / "images").glob("*.jpg"))[1::3][PHONE_TUNE:PHONE_TUNE + 24]
    return _cases_in(cache / f"cases-frametune-{seed}", {b.name: b for b in tune},
                     lambda: build_frames(tune, phones, seed, "frame-tune"))


# The fresh8 split (round 8): a validation split no rule has seen, built before any round-8 rule was
# measured: build_fresh's recipe with seed 8008 on every photo and Etalase's umum outputs of grocery_phone
# photos [2::3][40:80] (fresh7 has [2::3][:40]), plus build_frames' cases (same seed) on the held-out
# half's photos and grocery_phone photos [2::3][80:] padded onto white.
FRESH8_SEED = 8008


def build_fresh8_cached(bases: list[Base], cache: Path, seed: int = FRESH8_SEED) -> list[Case]:
    phones = load_phone_bases(cache, 2, 80, set(range(40)), "fresh8-bases", "phone8_")
    held = [b for b in bases if half_of(b.name) == "held-out"]
    padded = sorted((DATA / "grocery_phone" / "images").glob("*.jpg"))[2::3][80:]
    by_name = {b.name: b for b in bases + phones}
    return (_cases_in(cache / f"cases-fresh8-{seed}", by_name, lambda: build_fresh(bases, phones, seed, "fresh8"))
            + _cases_in(cache / f"cases-fresh8frames-{seed}", by_name,
                        lambda: build_frames(held, padded, seed, "fresh8")))


# The screen-tune cases (round 9): what fresh / fresh8 showed and no tuning split had: app screenshots
# whose product crosses the app bar's lower edge (the picture scrolled under the bar, and the plain
# recipe on the same photos, where a product reaching its picture's top touches the bar's edge). The
# tune half's photos and phone-tune's phone outputs; a new seed. Tuning cases: rules may be set on them.
def build_screentune_cached(bases: list[Base], cache: Path, seed: int = 22) -> list[Case]:
    tune = [b for b in bases if half_of(b.name) == "tune"]
    phones = load_phone_bases(cache, 1, PHONE_TUNE, set(), "phone-tune-bases", "phonet_")

    def build() -> list[Case]:
        cases: list[Case] = []
        for b in tune + phones:
            rng = np.random.default_rng(zlib.crc32(b.name.encode()) + seed + 99)
            mask = b.mask if b.mask is not None else _white_mask(b.rgb)
            rgb, fixable, detail = add_screenshot_under_bar(b.rgb, mask, rng)
            cases.append(Case(f"{b.name}__screen__u", b.name, "screen-tune", b.group, "screenshot", detail,
                              fixable, rgb, b.rgb))
            rgb, fixable, detail = add_screenshot(b.rgb, mask, rng, ["app", "app-crop"][rng.integers(2)])
            cases.append(Case(f"{b.name}__screen__p", b.name, "screen-tune", b.group, "screenshot", detail,
                              fixable, rgb, b.rgb))
        return cases
    return _cases_in(cache / f"cases-screentune-{seed}", {b.name: b for b in tune + phones}, build)


# The fresh9 split (round 10): a validation split no rule has seen, built before any round-10 rule was
# measured on it: build_fresh's recipe with seed 9009 and fonts no other split uses (FRESH9_FONTS), on the
# held-out half's photos only (none of the tuning photos) and Etalase's umum outputs of grocery_phone photos
# [1::3][60:] (phone-tune has [1::3][:36], frame-tune [1::3][36:60]); plus one more text case per photo in
# new sizes, half of them crossing the product's edge (the case round 9's figures were short on).
FRESH9_SEED = 9009
FRESH9_FONTS = ("DejaVuSansCondensed-Bold.ttf", "DejaVuSerif-Bold.ttf", "LiberationMono-Bold.ttf",
                "LiberationSans-Bold.ttf", "LiberationSansNarrow-Regular.ttf", "DejaVuSans-BoldOblique.ttf",
                "LiberationSerif-Regular.ttf", "DejaVuSansMono-Bold.ttf")


def add_text9(rgb, mask, rng):
    """add_text with other sizes and half of the texts placed over the product's edge."""
    return add_text(rgb, mask, rng, sizes=(34, 50, 72), cross_share=0.5)


def _text_split_cached(bases: list[Base], cache: Path, split: str, seed: int, fonts: tuple, phones: list[Base],
                       letter: str, salt: int) -> list[Case]:
    """A validation split of build_fresh's recipe in ``fonts`` on the held-out half's photos and
    ``phones``, plus one more text case per photo (``add_text9``: half over the product's edge)."""
    held = [b for b in bases if half_of(b.name) == "held-out"]

    def build() -> list[Case]:
        global FONTS
        kept = FONTS
        FONTS = [d / n for n in fonts for d in FONT_DIRS if (d / n).is_file()] or kept
        try:
            cases = build_fresh(held, phones, seed, split)
            for b in held + phones:
                rng = np.random.default_rng(zlib.crc32(b.name.encode()) + seed + salt)
                mask = b.mask if b.mask is not None else _white_mask(b.rgb)
                rgb, fixable, detail = add_text9(b.rgb, mask, rng)
                cases.append(Case(f"{b.name}__text__{letter}", b.name, split, b.group, "text", detail, fixable,
                                  rgb, b.rgb))
        finally:
            FONTS = kept
        return cases
    return _cases_in(cache / f"cases-{split}-{seed}", {b.name: b for b in held + phones}, build)


def build_fresh9_cached(bases: list[Base], cache: Path, seed: int = FRESH9_SEED) -> list[Case]:
    phones = load_phone_bases(cache, 1, 100, set(range(60)), "fresh9-bases", "phone9_")
    return _text_split_cached(bases, cache, "fresh9", seed, FRESH9_FONTS, phones, "g", 9)


# The fresh11 split (round 11): validation cases for the JPEG round, built (and cut out) before any rule of
# that round was measured on them: build_fresh's recipe with seed 11011 and eight fonts no other split uses,
# on the held-out half's photos and Etalase's umum outputs of grocery_phone [2::3][40:100] (no split used
# them), plus one more text case per photo (half over the product's edge). Judged as JPEGs like every split.
FRESH11_SEED = 11011
FRESH11_FONTS = ("DejaVuSerifCondensed-Bold.ttf", "LiberationSans-Italic.ttf", "DejaVuSansMono.ttf",
                 "LiberationSerif-BoldItalic.ttf", "DejaVuSansCondensed-BoldOblique.ttf", "LiberationMono-Regular.ttf",
                 "DejaVuSerif.ttf", "LiberationSansNarrow-BoldItalic.ttf")


def build_fresh11_cached(bases: list[Base], cache: Path, seed: int = FRESH11_SEED) -> list[Case]:
    phones = load_phone_bases(cache, 2, 100, set(range(40)), "fresh11-bases", "phone11_")
    return _text_split_cached(bases, cache, "fresh11", seed, FRESH11_FONTS, phones, "h", 11)


def _white_mask(rgb: np.ndarray) -> np.ndarray:
    """A packshot's product, roughly: what is not the white paper (only to place overlays beside it)."""
    off = (np.abs(rgb.astype(np.int16) - 255).max(axis=2) > 12).astype(np.uint8)
    off = cv2.morphologyEx(off, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    return off * 255


# --------------------------------------------------------------------------- cutouts, cached

def _key(case: Case, model: str, cache: Path) -> Path:
    return cache / model / (hashlib.sha1(case.rgb.tobytes()).hexdigest()[:16] + ".png")


def _cached(case: Case, model: str, cache: Path) -> bool:
    return _key(case, model, cache).is_file()


def cutout(case: Case, model: str, cache: Path) -> np.ndarray:
    key = _key(case, model, cache)
    if key.is_file():
        return np.asarray(Image.open(key))
    from assistant.readiness.ready import product_alpha
    alpha = product_alpha(case.rgb, model)
    key.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(alpha).save(key)
    return alpha


# --------------------------------------------------------------------------- the learned alternative

class PPOCRText:
    """PP-OCRv4's text detector (the DB model inside rapidocr-onnxruntime's wheel, Apache-2.0),
    run on the whole image at ``side`` px: its text regions outside the product zone are marks.
    Only to compare with ``overlay.detect``'s OpenCV rules; Etalase does not ship it."""

    def __init__(self, model_path: Path, side: int = 480, threads: int = 2):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])
        self.side = side

    def marks(self, rgb: np.ndarray, zone: np.ndarray) -> int:
        h, w = rgb.shape[:2]
        k = self.side / max(h, w)
        sw, sh = max(32, int(round(w * k / 32)) * 32), max(32, int(round(h * k / 32)) * 32)
        x = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        x = ((x - 0.5) / 0.5).transpose(2, 0, 1)[None]
        prob = self.session.run(None, {self.session.get_inputs()[0].name: x})[0][0, 0]
        text = (prob > 0.3).astype(np.uint8)
        z = cv2.resize(zone.astype(np.uint8), (sw, sh), interpolation=cv2.INTER_NEAREST) > 0
        n, labels, stats, _ = cv2.connectedComponentsWithStats(text, connectivity=8)
        count = 0
        for i in range(1, n):
            x0, y0, bw, bh, area = stats[i]
            if area < 12:
                continue
            inside = z[y0:y0 + bh, x0:x0 + bw][labels[y0:y0 + bh, x0:x0 + bw] == i].mean()
            if inside < 0.5:
                count += 1
        return count


# --------------------------------------------------------------------------- evaluation

def _on_product(c: Case) -> bool:
    """The overlay lies (almost) entirely on the product: from the pixels it changed and the
    clean image's product (what is not white paper). Such a mark cannot be told from the
    packaging's own print, which must not be flagged; it is reported apart, not in recall."""
    if c.kind not in ("text", "watermark", "logo", "sticker") or c.base_rgb is None:
        return False
    changed = np.abs(c.rgb.astype(np.int16) - c.base_rgb).max(axis=2) > 16
    if not changed.any():
        return False
    product = _white_mask(c.base_rgb) > 0
    product = cv2.dilate(product.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    return float((changed & ~product).sum()) / changed.sum() < 0.10


def predicted(f: overlay.Findings) -> set[str]:
    out = set(f.kinds)
    if f.border:
        out.add("border")
    if f.screenshot:
        out.add("screenshot")
    if f.collage:
        out.add("collage")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--half", choices=["tune", "held-out", "all", "fresh", "phone-tune", "fresh7", "frame-tune", "fresh8",
                                       "screen-tune", "fresh9", "fresh11"], default="held-out",
                    help="fresh: the round-5 validation split (new seed, new photos), kept apart from both halves; "
                         "phone-tune: round 6's tuning cases on Etalase's outputs of other phone photos; "
                         "fresh7: round 7's validation split (seed 7007, phone photos no other split uses); "
                         "frame-tune: round 8's tuning cases (frames the product crosses, seamless collages, "
                         "phone photos padded onto white); fresh8: round 8's validation split (seed 8008); "
                         "screen-tune: round 9's tuning cases (app screenshots whose product crosses the app "
                         "bar's lower edge); fresh9: round 10's validation split (seed 9009, new fonts, held-out "
                         "photos and phone photos no other split uses, one more text case per photo); fresh11: round 11's "
                         "validation split (seed 11011, new fonts, held-out photos and unused phone photos)")
    ap.add_argument("--model", default="u2netp")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/etalase_readiness_cache"))
    ap.add_argument("--sheet", type=Path, default=None, help="folder for contact sheets of misses and false alarms")
    ap.add_argument("--presets", default="umum,shopee,lazada")
    ap.add_argument("--cutouts-only", action="store_true", help="fill the cutout cache and stop")
    ap.add_argument("--cached-only", action="store_true", help="only the cases whose cutout is cached (while tuning)")
    ap.add_argument("--reverse", action="store_true", help="fill the cache from the last case (a second worker)")
    ap.add_argument("--ppocr", type=Path, default=None, metavar="ONNX",
                    help="also measure PP-OCRv4's text detector (ch_PP-OCRv4_det_infer.onnx from the "
                         "rapidocr-onnxruntime wheel) on the same cases")
    ap.add_argument("--ppocr-side", type=int, default=480)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--jpeg", type=int, default=None, metavar="Q",
                    help="judge every image as a JPEG of this one quality (default: each case's own quality, "
                         "drawn in JPEG_RANGE; 4:2:0, as phones and apps save them)")
    ap.add_argument("--lossless", action="store_true",
                    help="judge the images as built (no JPEG step): the figures of rounds 1-10")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"../shared/data is absent ({DATA}): nothing to measure", file=sys.stderr)
        return 0
    t0 = time.perf_counter()
    bases = load_bases(args.cache)
    if args.half == "phone-tune":
        cases = build_phone_tune_cached(args.cache)
    elif args.half == "fresh":
        cases = build_fresh_cached(bases, args.cache)
    elif args.half == "fresh7":
        cases = build_fresh7_cached(bases, args.cache)
    elif args.half == "frame-tune":
        cases = build_frametune_cached(bases, args.cache)
    elif args.half == "fresh8":
        cases = build_fresh8_cached(bases, args.cache)
    elif args.half == "screen-tune":
        cases = build_screentune_cached(bases, args.cache)
    elif args.half == "fresh9":
        cases = build_fresh9_cached(bases, args.cache)
    elif args.half == "fresh11":
        cases = build_fresh11_cached(bases, args.cache)
    else:
        cases = build_cases_cached(bases, args.cache)
    if args.half not in ("all", "fresh", "phone-tune", "fresh7", "frame-tune", "fresh8", "screen-tune",
                         "fresh9", "fresh11"):
        cases = [c for c in cases if c.half == args.half]
    print(f"{len(bases)} photos, {len(cases)} cases ({args.half}), built in {time.perf_counter() - t0:.1f}s",
          file=sys.stderr)
    t0 = time.perf_counter()
    alphas = {}
    for i, c in enumerate(reversed(cases) if args.reverse else cases):
        if args.cached_only and not _cached(c, args.model, args.cache):
            continue
        alphas[c.name] = cutout(c, args.model, args.cache)
        if (i + 1) % 50 == 0:
            print(f"  cutouts {i + 1}/{len(cases)} {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    if args.cutouts_only:
        return 0
    cases = [c for c in cases if c.name in alphas]
    # the JPEG step of the recipe (the cutouts stay the lossless images': cached)
    quality = {c.name: None if args.lossless else (args.jpeg or jpeg_quality(c.name)) for c in cases}
    cases = [dataclasses.replace(c, rgb=_as_jpeg(c.rgb, quality[c.name])) if quality[c.name] else c for c in cases]
    from assistant.presets import load_presets
    from assistant.readiness import autofix, rules
    presets = load_presets(args.presets)
    rows = []
    times, cpu_times = [], []
    ocr = PPOCRText(args.ppocr, args.ppocr_side) if args.ppocr else None
    ocr_times = []
    for c in cases:
        alpha = alphas[c.name]
        t, cpu = time.perf_counter(), time.process_time()
        f = overlay.detect(c.rgb, alpha)
        verdicts = [rules.judge(c.rgb, f, p) for p in presets]
        times.append((time.perf_counter() - t) * 1000)
        cpu_times.append((time.process_time() - cpu) * 1000)
        row = dict(name=c.name, half=c.half, group=c.group, kind=c.kind, detail=c.detail, fixable=c.fixable,
                   on_product=bool(_on_product(c)), jpeg=quality[c.name],
                   pred=sorted(predicted(f)), marks=[(m.kind, m.box, m.contrast, m.touches_product) for m in f.marks],
                   ok={v.preset.name: v.ok for v in verdicts},
                   reasons={v.preset.name: [r.code for r in v.reasons] for v in verdicts})
        if ocr is not None:
            t = time.perf_counter()
            row["ppocr_marks"] = ocr.marks(c.rgb, f.zone)
            ocr_times.append((time.perf_counter() - t) * 1000)
        if c.kind is not None and c.fixable:
            fixed = autofix.fix(c.rgb, alpha, f, presets[0])
            row["fix_refused"] = fixed.refused
            if fixed.refused is None:
                f2 = overlay.detect(fixed.rgb, fixed.alpha)
                v2 = rules.judge(fixed.rgb, f2, presets[0], file_bytes=len(fixed.data), file_format=fixed.format)
                row["after_ok"] = v2.ok
                row["after_reasons"] = [r.code for r in v2.reasons]
                if c.kind in ("text", "watermark", "logo", "sticker") and c.base_rgb is not None \
                        and fixed.rgb.shape == c.base_rgb.shape:
                    # the product's pixels as the fix left them, against the image it was given (the
                    # clean image's where no overlay is; a JPEG's own noise is not the fix's doing):
                    # where the fix kept product, less the pixels the overlay itself changed (a sticker
                    # the model took for product is the overlay's doing, not the fix's)
                    by_overlay = cv2.dilate((np.abs(c.rgb.astype(np.int16) - c.base_rgb).max(axis=2) > 16)
                                            .astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
                    keep = (cv2.erode(fixed.alpha, np.ones((5, 5), np.uint8)) > 127) & ~by_overlay
                    d = np.abs(fixed.rgb.astype(np.int16) - c.rgb)[keep].max(axis=1) if keep.any() else np.zeros(1)
                    row["product_change_mean"] = float(d.mean())
                    row["product_changed_share"] = float((d > 8).mean())
            else:
                row["after_ok"] = False
        rows.append(row)
    report(rows, times, args)
    ct = np.array(cpu_times)
    print(f"CPU time per image (all threads): median {np.median(ct):.0f} ms, p95 {np.percentile(ct, 95):.0f} ms; "
          f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if ocr is not None:
        report_ppocr(rows, ocr_times, args)
    if args.sheet:
        sheets(cases, rows, alphas, args.sheet)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


def _pr(tp: int, fp: int, fn: int) -> tuple[float, float]:
    return (tp / (tp + fp) if tp + fp else float("nan")), (tp / (tp + fn) if tp + fn else float("nan"))


def report(rows: list[dict], times: list[float], args) -> None:
    qs = [r["jpeg"] for r in rows if r.get("jpeg")]
    saved = (f"JPEG 4:2:0, quality {min(qs)}-{max(qs)} (median {int(np.median(qs))})" if qs else "lossless")
    print(f"\n### Overlay detection, {args.half} half ({len(rows)} cases, {saved}, cutout: {args.model})\n")
    onp = [r for r in rows if r.get("on_product")]
    rows = [r for r in rows if not r.get("on_product")]
    print("| kind | cases | precision | recall | missed | false alarms |")
    print("|---|---|---|---|---|---|")
    for k in KINDS:
        tp = sum(1 for r in rows if r["kind"] == k and k in r["pred"])
        fn = sum(1 for r in rows if r["kind"] == k and k not in r["pred"])
        fp = sum(1 for r in rows if r["kind"] != k and k in r["pred"])
        p, rc = _pr(tp, fp, fn)
        print(f"| {k} | {tp + fn} | {p:.3f} | {rc:.3f} | {fn} | {fp} |")
    pos = [r for r in rows if r["kind"] is not None]
    neg = [r for r in rows if r["kind"] is None]
    any_tp = sum(1 for r in pos if r["pred"])
    any_fp = sum(1 for r in neg if r["pred"])
    print(f"| any (flagged at all) | {len(pos)} | {(any_tp / max(1, any_tp + any_fp)):.3f} | "
          f"{any_tp / max(1, len(pos)):.3f} | {len(pos) - any_tp} | {any_fp} |")
    print(f"\nMarks lying entirely on the product (left out above: they cannot be told from the packaging's "
          f"own print): {len(onp)} cases, flagged anyway: {sum(1 for r in onp if r['pred'])}")
    print("\n| clean images | n | flagged | share |")
    print("|---|---|---|---|")
    for grp in ("packshot-packages", "packshot-produce", "dis5k", "bigbird", "phone-output", "phone-padded"):
        g = [r for r in neg if r["group"] == grp]
        if g:
            fl = sum(1 for r in g if r["pred"])
            print(f"| {grp} | {len(g)} | {fl} | {fl / len(g):.1%} |")
    fl = sum(1 for r in neg if r["pred"])
    print(f"| all clean | {len(neg)} | {fl} | {fl / max(1, len(neg)):.1%} |")
    fixable = [r for r in pos if r["fixable"]]
    passed = sum(1 for r in fixable if r.get("after_ok"))
    print(f"\nAfter auto-fix ({args.presets.split(',')[0]}): {passed}/{len(fixable)} fixable positives pass "
          f"({passed / max(1, len(fixable)):.1%})")
    for k in KINDS:
        fk = [r for r in fixable if r["kind"] == k]
        if fk:
            print(f"  {k}: {sum(1 for r in fk if r.get('after_ok'))}/{len(fk)}")
    ch = [r["product_change_mean"] for r in fixable if "product_change_mean" in r]
    sh = [r["product_changed_share"] for r in fixable if "product_changed_share" in r]
    if ch:
        print(f"Product pixels after the fix vs the clean image ({len(ch)} overlay cases): mean |diff| "
              f"{np.mean(ch):.2f} levels, worst case {max(ch):.2f}; share changed by > 8 levels: mean "
              f"{np.mean(sh):.4f}, worst {max(sh):.4f}")
    neg_ok = {p: sum(1 for r in neg if r["ok"][p]) for p in args.presets.split(",")}
    print("Clean images passing each preset's verdict: " + ", ".join(f"{p} {n}/{len(neg)}" for p, n in neg_ok.items()))
    ts = np.array(times)
    print(f"\nTime per image (detector + {len(args.presets.split(','))} verdicts, cutout excluded): "
          f"median {np.median(ts):.0f} ms, p95 {np.percentile(ts, 95):.0f} ms, max {ts.max():.0f} ms")


def report_ppocr(rows: list[dict], times: list[float], args) -> None:
    marks_kinds = ("text", "watermark", "logo", "sticker")
    print(f"\n### Added marks (text, watermark, logo, sticker): OpenCV rules vs PP-OCRv4 det at {args.ppocr_side} px\n")
    print("| detector | kind | cases | found | recall | false alarms on clean |")
    print("|---|---|---|---|---|---|")
    neg = [r for r in rows if r["kind"] is None]
    for k in marks_kinds:
        pos = [r for r in rows if r["kind"] == k]
        ours = sum(1 for r in pos if set(r["pred"]) & set(marks_kinds))
        theirs = sum(1 for r in pos if r["ppocr_marks"] > 0)
        print(f"| OpenCV rules | {k} | {len(pos)} | {ours} | {ours / max(1, len(pos)):.3f} | "
              f"{sum(1 for r in neg if set(r['pred']) & set(marks_kinds))}/{len(neg)} |")
        print(f"| PP-OCRv4 det | {k} | {len(pos)} | {theirs} | {theirs / max(1, len(pos)):.3f} | "
              f"{sum(1 for r in neg if r['ppocr_marks'] > 0)}/{len(neg)} |")
    ts = np.array(times)
    print(f"\nPP-OCRv4 det time per image (model + post-processing): median {np.median(ts):.0f} ms, "
          f"p95 {np.percentile(ts, 95):.0f} ms")


def sheets(cases: list[Case], rows: list[dict], alphas: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    by = {c.name: c for c in cases}
    misses = [r for r in rows if r["kind"] is not None and r["kind"] not in r["pred"]]
    alarms = [r for r in rows if (r["kind"] is None and r["pred"]) or
              (r["kind"] is not None and set(r["pred"]) - {r["kind"]})]
    for name, group in (("misses", misses), ("false_alarms", alarms)):
        tiles = []
        for r in group:
            c = by[r["name"]]
            img = Image.fromarray(c.rgb).convert("RGB")
            img.thumbnail((300, 300))
            tile = Image.new("RGB", (300, 340), (255, 255, 255))
            tile.paste(img, (0, 0))
            a = Image.fromarray(alphas[c.name]).resize(img.size)
            tint = Image.new("RGB", img.size, (0, 120, 255))
            over = Image.composite(tint, img, a.point(lambda v: 70 if v > 127 else 0))
            tile.paste(over, (0, 0))
            draw = ImageDraw.Draw(tile)
            for m in r["marks"]:
                k = 300 / max(c.rgb.shape[:2])
                x0, y0, x1, y1 = (v * k for v in m[1])
                draw.rectangle([x0, y0, x1, y1], outline=(255, 0, 0), width=2)
                draw.text((x0, max(0, y0 - 10)), m[0][:4], fill=(255, 0, 0))
            draw.text((4, 302), f"{r['name'][:44]}", fill=(0, 0, 0))
            draw.text((4, 318), f"{r['kind']} {r['detail'][:20]} -> {','.join(r['pred'])}"[:50], fill=(200, 0, 0))
            tiles.append(tile)
        if not tiles:
            continue
        cols = 6
        sheet = Image.new("RGB", (300 * cols, 340 * ((len(tiles) + cols - 1) // cols)), (200, 200, 200))
        for i, t in enumerate(tiles):
            sheet.paste(t, ((i % cols) * 300, (i // cols) * 340))
        sheet.save(out / f"{name}.png")
        print(f"{len(tiles)} {name} -> {out / (name + '.png')}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
