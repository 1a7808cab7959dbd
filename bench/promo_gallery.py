"""The Promosi gallery in docs/promo/: listing sets made from real photos of ../shared/data.

Each product gets one contact sheet (its nine marketplace slots, its 4:5 post and 9:16 story)
written small (JPEG, ~1500 px wide); the photos themselves never enter the repository. The
bigbird6 photos were shot on a turntable whose ring the cutout model keeps, so their cutout is
limited to the dataset's own mask, widened a little (the mask's edges are approximate).

    python bench/promo_gallery.py            # writes docs/promo/*.jpg
    python bench/promo_gallery.py --out /tmp/gallery --full   # also every image at full size
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.photo import open_photo  # noqa: E402
from assistant.pipeline import cut_out  # noqa: E402
from assistant.promo import listing  # noqa: E402
from assistant.promo.cards import ProductInfo  # noqa: E402
from assistant.promo.kit import BrandKit  # noqa: E402
from assistant.promo.text import font  # noqa: E402

# ../shared/data beside the repository (a worktree one level deeper looks one level up)
DATA = next((p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "data").exists()),
            ROOT.parent / "shared" / "data")

KITS = {
    "bu-sri": BrandKit(name="Dapur Bu Sri", primary="#B5452B", accent="#F2B33D", paper="#FBF7F1",
                       backdrop="kayu:jati", badge_style="pill", template="box", label_layout="tradisional"),
    "sari": BrandKit(name="Toko Sari", primary="#1E6B52", accent="#F2C14E", paper="#F7F5EF",
                     backdrop="terazo:klasik", badge_style="tag", template="pouch"),
    "kebun": BrandKit(name="Kebun Pak Darto", primary="#2F6B2A", accent="#F4B942", paper="#FAF7EE",
                      backdrop="daun-pisang:segar", badge_style="pill", template="bag-kraft"),
    "lumbung": BrandKit(name="Lumbung Pangan", primary="#243A5E", accent="#E9A23B", paper="#F6F3EC",
                        backdrop="linen:alami", badge_style="round", template="bag-kraft"),
}

def designed_label(**changes):
    """The label designer's INFO for a product (its example, with this product's own facts):
    the packaging slot shows that designed label, as a vendor's INFO.toml would."""
    import tomllib

    from assistant.label import EXAMPLE
    from assistant.label.info import parse_info

    data = tomllib.loads(EXAMPLE)
    for key, value in changes.items():
        section, field = key.split("__")
        data[section][field] = value
    return parse_info(data)


PRODUCTS = [
    # (name, source, kit, info)
    ("sereal-madu", ("bigbird6", "honey_bunches__NP2_342.jpg", "honey_bunches__NP1_123.jpg"), "bu-sri",
     ProductInfo(title="Sereal Madu Renyah", points=("Gandum utuh", "Renyah sampai suapan terakhir",
                                                     "Tanpa pewarna", "Halal"),
                 size_cm=(19.5, 28.0, 7.0), net="411 g", grams=411, registration="BPOM RI MD 123456789012",
                 price=54900, old_price=64900, badges=("gratis-ongkir", "terlaris"),
                 label=designed_label(produk__nama_jenis="Sereal Gandum Renyah", produk__varian="Madu & Almond",
                                      produk__berat_bersih=411, komposisi__bahan=[
                                          "gandum utuh (45%)", "beras", "gula", "almond (6%)", "madu (2%)",
                                          "minyak nabati", "garam"], komposisi__alergen=["kacang almond"],
                                      izin__jenis="MD", izin__nomor="123456789012"))),
    ("granola-oat", ("bigbird6", "nature_valley__NP1_234.jpg"), "bu-sri",
     ProductInfo(title="Granola Bar Madu & Oat", points=("Isi 12 batang", "Oat utuh", "Bekal praktis"),
                 size_cm=(19.0, 15.0, 5.0), net="253 g", grams=253, price=42000, badges=("baru",))),
    ("beras-pulen", ("bigbird6", "mahatma_rice__NP5_348.jpg"), "lumbung",
     ProductInfo(title="Beras Melati Pulen", points=("Pulen dan wangi", "Tanpa pemutih", "Panen baru"),
                 size_cm=(20.0, 30.0, 8.0), net="2 kg", grams=2000, registration="2063201010123-27",
                 price=38500, old_price=42000, badges=("diskon", "gratis-ongkir"))),
    ("jus-apel", ("grocery_phone", "Tropicana-Apple-Juice_001"), "sari",
     ProductInfo(title="Jus Apel Tanpa Gula", points=("100% buah", "Tanpa gula tambahan"),
                 size_cm=(7.0, 19.5, 7.0), net="1 l", grams=1000, price=24000, old_price=30000,
                 badges=("diskon",))),
    ("mangga", ("grocery_packshots", "Mango_Iconic"), "kebun",
     ProductInfo(title="Mangga Harum Manis", points=("Petik matang pohon", "Manis, tidak berserat"),
                 net="1 kg", price=32000, badges=("baru", "pre-order"))),
]


def first_of(folder: str, word: str) -> Path:
    import csv

    index = DATA / folder / "index.csv"
    with index.open() as handle:
        for row in csv.DictReader(handle):
            if word.lower() in row["file"].lower():
                return DATA / folder / "images" / row["file"]
    raise SystemExit(f"no {word} in {folder}")


def load(source: tuple, name: str) -> list:
    folder, *files = source
    return [load_one(folder, f) for f in files]


def load_one(folder: str, file: str):
    if folder == "bigbird6":
        path = DATA / folder / "images" / file
        photo = cut_out(open_photo(path, max_side=2400))
        mask = np.asarray(Image.open(DATA / folder / "masks" / (Path(file).stem + ".png")).convert("L"))
        mask = cv2.resize(mask, photo.size, interpolation=cv2.INTER_NEAREST)
        keep = cv2.GaussianBlur(cv2.dilate(mask, np.ones((9, 9), np.uint8)).astype(np.float32), (0, 0), 4) / 255
        alpha = (np.asarray(photo.alpha, np.float32) * keep).astype(np.uint8)
        return photo.with_(alpha=Image.fromarray(alpha, "L"))
    return cut_out(open_photo(first_of(folder, file)))


def tile_for_skip(size: int, slot: str, message: str) -> Image.Image:
    img = Image.new("RGB", (size, size), (236, 234, 230))
    d = ImageDraw.Draw(img)
    d.text((14, 14), slot, fill=(90, 90, 90), font=font(18, 700))
    import textwrap

    y = 48
    for line in textwrap.wrap(message, 34)[:8]:
        d.text((14, y), line, fill=(90, 90, 90), font=font(14, 500))
        y += 20
    return img


def sheet(s: listing.ListingSet, target: str, lang: str = "id") -> Image.Image:
    t = 270
    grid = Image.new("RGB", (3 * t + 2 * 6, 3 * t + 2 * 6), "white")
    by_slot = {i.slot: i for i in s.for_target(target)}
    skipped = {k.slot: k for k in s.skipped if k.target == target}
    for n, slot in enumerate(sl.name for sl in listing.list_slots()):
        x, y = (n % 3) * (t + 6), (n // 3) * (t + 6)
        if slot in by_slot:
            grid.paste(by_slot[slot].image.resize((t, t), Image.LANCZOS), (x, y))
        elif slot in skipped:
            grid.paste(tile_for_skip(t, slot, skipped[slot].message(lang)), (x, y))
    social = s.for_target("social")
    h = grid.height
    parts = [i.image.resize((int(i.image.width * h / i.image.height), h), Image.LANCZOS) for i in social]
    out = Image.new("RGB", (grid.width + sum(p.width + 10 for p in parts) + 4, h), "white")
    out.paste(grid, (0, 0))
    x = grid.width + 10
    for p in parts:
        out.paste(p, (x, 0))
        x += p.width + 10
    return out


def backdrop_sheet() -> Image.Image:
    """Every backdrop and colourway, 7 to a row, named."""
    from assistant.promo.backdrops import list_backdrops, render_backdrop

    names = list_backdrops()
    t, cols = 200, 7
    rows = -(-len(names) // cols)
    out = Image.new("RGB", (cols * (t + 4), rows * (t + 30)), "white")
    d = ImageDraw.Draw(out)
    for i, name in enumerate(names):
        x, y = (i % cols) * (t + 4), (i // cols) * (t + 30)
        out.paste(Image.fromarray(render_backdrop(name, (t * 2, t * 2)).rgb8).resize((t, t), Image.LANCZOS), (x, y))
        d.text((x + 4, y + t + 6), name, fill=(40, 40, 40), font=font(15, 600))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "promo")
    ap.add_argument("--full", action="store_true", help="also write every image at full size")
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    if not DATA.exists():
        print("../shared/data is absent: the gallery needs its real photos", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    backdrop_sheet().save(args.out / "backdrops.jpg", quality=72, optimize=True)
    for name, source, kit_name, info in PRODUCTS:
        if args.only and args.only != name:
            continue
        photos = load(source, name)
        # the text-free marketplace set and the full set where overlays are allowed
        s = listing.make_listing(photos, "shopee,instagram-square", info, KITS[kit_name],
                                 listing.Options(measure=True), name=name)
        for target in ("shopee", "instagram-square"):
            sheet(s, target).save(args.out / f"{name}-{target}.jpg", quality=72, optimize=True)
        if args.full:
            for img in s.images:
                (args.out / "full").mkdir(exist_ok=True)
                img.image.save(args.out / "full" / f"{name}_{img.target}_{img.slot}.png")
        des = [i.colour_de for i in s.images if i.colour_de is not None]
        print(name, f"{s.timings['total']:.1f}s", "dE max", max(des) if des else None,
              "contrast min", min((x.contrast for x in s.legibility), default=None),
              "skipped", [(k.target, k.slot) for k in s.skipped])
    return 0


if __name__ == "__main__":
    sys.exit(main())
