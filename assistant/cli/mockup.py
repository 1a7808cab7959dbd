"""``python -m assistant mockup`` and ``templates``: packaging mockups with the vendor's label."""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant import i18n


def add_parser(sub) -> None:
    k = sub.add_parser("mockup", help="packaging mockups with the vendor's label")
    k.add_argument("--label", required=True, nargs="+", type=Path, help="label image(s) (PNG/JPG)")
    k.add_argument("--template", required=True, help="template name(s), comma-separated (see: templates list)")
    k.add_argument("--out", required=True, type=Path, help="output file (one label, one template) or folder")
    k.add_argument("--preset", default="umum", help="marketplace preset giving the size (default umum)")
    k.add_argument("--product", type=Path, default=None, help="product photo for a hero shot beside the packaging")
    k.add_argument("--label-photo", action="store_true", help="the label is a phone photo of a printed sticker")
    k.add_argument("--model", default=None, help="model for the product cutout")
    k.add_argument("--badge", default=None, help="promo badge text, only where the preset allows overlays")
    k.set_defaults(func=run)

    tp = sub.add_parser("templates", help="list or check packaging templates")
    tp.add_argument("action", choices=["list", "check"])
    tp.set_defaults(func=run_templates)


def run(args: argparse.Namespace) -> int:
    from assistant.mockup.files import mockup_files

    paths = mockup_files(args.label, args.template, args.out, preset=args.preset, product=args.product,
                         label_is_photo=args.label_photo, model=args.model, badge=args.badge)
    for path in paths:
        print(path)
    return 0


def run_templates(args: argparse.Namespace) -> int:
    from assistant.mockup.templates import check_templates, list_templates

    if args.action == "check":
        print(i18n.t("cli_templates_ok", args.lang, count=len(check_templates())))
    else:
        print("\n".join(list_templates()))
    return 0
