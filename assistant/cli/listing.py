"""``python -m assistant listing``: photos of products to whole listing sets and social posts.

Each loose photo is one product; a folder of photos is one product (up to 5 photos, in name
order); a folder of such folders is a shop, made with one look. A ``produk.toml`` in a
product's folder may give that product's own title, points, size, contents, registration
number and prices (the options below apply to the others). Exit codes as ``process``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

from assistant import i18n
from assistant.errors import AssistantError

PHOTO_EXT = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".bmp", ".tif", ".tiff"}
LABEL_FILE = "INFO.toml"  # the label designer's file (python -m assistant label)
_INFO_KEYS = {"title", "points", "size_cm", "net", "registration", "price", "old_price", "badges", "cta"}


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


def parse_size(text: str | None) -> tuple[float, float, float] | None:
    if not text:
        return None
    parts = re.split(r"\s*[x×*]\s*", text.strip().lower().replace("cm", "").replace(",", "."))
    try:
        values = tuple(float(v) for v in parts)
    except ValueError:
        raise AssistantError("promo_size_invalid", value=text) from None
    if len(values) == 2:
        values = values + (values[0] * 0.5,)
    if len(values) != 3 or min(values) <= 0:
        raise AssistantError("promo_size_invalid", value=text)
    return values  # type: ignore[return-value]


def parse_net(text: str | None) -> float | None:
    """``250 g`` / ``1 kg`` / ``500 ml`` / ``1,5 l`` to grams (or ml), for a shop's one scale."""
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*(g|gr|gram|kg|ml|l|liter|litre)\s*", text.lower())
    if not m:
        raise AssistantError("promo_weight_invalid", value=text)
    value = float(m.group(1).replace(",", "."))
    return value * (1000 if m.group(2) in ("kg", "l", "liter", "litre") else 1)


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
    from assistant.promo.cards import ProductInfo
    from assistant.promo.money import parse_rupiah

    values = {"title": args.title, "points": args.points, "size_cm": args.size_cm, "net": args.net,
              "registration": args.registration, "price": args.price, "old_price": args.old_price,
              "badges": args.badges, "cta": args.cta}
    own = folder / "produk.toml" if folder is not None else None
    if own is not None and own.is_file():
        try:
            data = tomllib.loads(own.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise AssistantError("promo_product_file_invalid", file=str(own), detail=str(exc)) from None
        values.update({k: v for k, v in data.items() if k in _INFO_KEYS})
    points = values["points"]
    if isinstance(points, str):
        points = [p for p in points.split(";")]
    badges = values["badges"]
    if isinstance(badges, str):
        badges = [b.strip().lower() for b in badges.split(",") if b.strip()]
    size = values["size_cm"]
    size = parse_size(size) if isinstance(size, str) else (tuple(float(v) for v in size) if size else None)
    net = str(values["net"] or "")
    title = values["title"] or (_title_from(folder.name) if folder is not None else "")
    label = label_info_for(folder, getattr(args, "label_info", None))
    return ProductInfo(label=label, title=str(title), points=tuple(points or ()), size_cm=size, net=net,
                       grams=parse_net(net), registration=str(values["registration"] or ""),
                       price=parse_rupiah(values["price"]), old_price=parse_rupiah(values["old_price"]),
                       badges=tuple(badges or ()), cta=str(values["cta"] or ""))


def label_info_for(folder: Path | None, default: Path | None = None):
    """The product's designed label: its folder's own INFO.toml, else ``--label-info``'s."""
    from assistant.label import read_info

    own = folder / LABEL_FILE if folder is not None else None
    if own is not None and own.is_file():
        return read_info(own)
    return read_info(default) if default is not None else None


def _title_from(folder: str) -> str:
    """A product folder's name as a card title: ``keripik_balado-pedas`` -> ``Keripik balado pedas``."""
    text = re.sub(r"[_\-]+", " ", folder).strip()
    return text[:1].upper() + text[1:]


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
