"""``python -m assistant listing``: photos of products to whole listing sets and social posts.

Each loose photo is one product; a folder of photos is one product (up to 5 photos, in name
order); a folder of such folders is a shop, made with one look. A ``produk.toml`` in a
product's folder may give that product's own title, points, size, contents, registration
number and prices (the options below apply to the others). Exit codes as ``process``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant import i18n
from assistant.errors import AssistantError

PHOTO_EXT = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".bmp", ".tif", ".tiff"}


def add_parser(sub) -> None:
    p = sub.add_parser("listing", help="photos -> a whole listing set and social posts",
                       description="Makes DIR/<preset>/<product>/<NN-slot>.jpg for every slot the preset "
                                   "allows, DIR/social/<product>/ (4:5 and 9:16) and laporan.csv/json.")
    p.add_argument("inputs", nargs="+", type=Path, help="photos (one product each) or folders (one product, "
                                                          "or a shop of product folders)")
    p.add_argument("--preset", required=True, help="presets, comma-separated, e.g. shopee,tokopedia")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--kit", type=Path, default=None, help="brand kit file (.json) downloaded from Etalase")
    p.add_argument("--backdrop", default=None, help="scene backdrops, comma-separated, e.g. kayu:jati,marmer:putih")
    p.add_argument("--title", default=None, help="product name on the cards")
    p.add_argument("--price", default=None, help="price in Rupiah, e.g. 25000")
    p.add_argument("--old-price", default=None, help="price before the discount (shown crossed out)")
    p.add_argument("--points", default=None, help="up to 4 short points, separated by ';'")
    p.add_argument("--size-cm", default=None, metavar="WxHxD", help="width x height x depth in cm, e.g. 12x18x6")
    p.add_argument("--net", default=None, help="net contents, e.g. '250 g' or '500 ml'")
    p.add_argument("--registration", default=None, help="P-IRT or BPOM number, as text")
    p.add_argument("--badges", default=None, help="gratis-ongkir, diskon, baru, terlaris, pre-order (comma-separated)")
    p.add_argument("--cta", default=None, help="call to action (default 'Beli sekarang')")
    p.add_argument("--slots", default=None, help="only these slots, e.g. utama,suasana,promo")
    p.add_argument("--no-social", action="store_true", help="no 4:5 and 9:16 posts")
    p.add_argument("--detail-zoom", type=float, default=0.4, help="close-up height as a share of the product (0.1-1)")
    p.add_argument("--label", type=Path, default=None, help="label image for the packaging slot")
    p.add_argument("--label-info", type=Path, default=None,
                   help="the label designer's INFO.toml: the packaging slot shows the designed label (a product "
                        "folder's own INFO.toml wins)")
    p.add_argument("--label-layout", default=None, help="label design for --label-info (default: the kit's, else minimal)")
    p.add_argument("--model", default=None, help="background-removal model")
    p.set_defaults(func=run)


def _photos_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_EXT
                  and not p.name.startswith("."))


def gather(inputs: list[Path]) -> list[tuple[str, list[Path], Path | None]]:
    """(product name, photos, its folder or None) for every product in ``inputs``."""
    products = []
    for src in inputs:
        if src.is_file():
            products.append((src.stem, [src], None))
        elif src.is_dir():
            photos = _photos_in(src)
            if photos:
                products.append((src.name, photos[:5], src))
            subs = sorted(d for d in src.iterdir() if d.is_dir() and _photos_in(d))
            products += [(d.name, _photos_in(d)[:5], d) for d in subs]
            if not photos and not subs:
                raise AssistantError("promo_cli_no_photos", path=str(src))
        else:
            raise AssistantError("photo_unreadable", name=str(src))
    return products


def info_from(args: argparse.Namespace, folder: Path | None):
    """The options' product facts, with a product folder's own produk.toml and INFO.toml over them."""
    from assistant.promo.info import INFO_KEYS, product_info  # the CLI starts without the promo package

    values = {k: getattr(args, k) for k in INFO_KEYS}
    return product_info(values, folder.name if folder is not None else "", folder, getattr(args, "label_info", None))


def run(args: argparse.Namespace) -> int:
    from assistant.pipeline import refuse_output_inside
    from assistant.promo.kit import load_kit
    from assistant.promo.listing import Options, ProductInput, make_listings, write_listing
    from assistant.mockup.files import open_label

    refuse_output_inside(args.out, list(args.inputs))
    kit = load_kit(args.kit)
    if args.label_layout:
        from dataclasses import replace

        from assistant.promo.kit import check_kit

        kit = check_kit(replace(kit, label_layout=args.label_layout))
    options = Options(backdrops=tuple(b.strip() for b in (args.backdrop or "").split(",") if b.strip()),
                      slots=tuple(s.strip() for s in (args.slots or "").split(",") if s.strip()),
                      social=not args.no_social, detail_zoom=args.detail_zoom,
                      label=open_label(args.label) if args.label else None)
    products = [ProductInput(name, tuple(photos), info_from(args, folder))
                for name, photos, folder in gather(list(args.inputs))]
    failed: list[tuple[str, str]] = []
    sets = make_listings(products, args.preset, kit, options, model=args.model, lang=args.lang,
                         on_error=lambda name, exc: failed.append((name, exc.message(args.lang))))
    report = write_listing(sets, args.out, args.lang, failed)
    for name, message in failed:
        print(f"{name}: {message}", file=sys.stderr)
    ok = sum(len(s.images) for s in sets)
    skipped = sum(len(s.skipped) for s in sets)
    print(i18n.t("promo_cli_summary", args.lang, ok=ok, products=len(sets), skipped=skipped, failed=len(failed),
                 report=str(report["csv"])))
    return 1 if failed else 0
