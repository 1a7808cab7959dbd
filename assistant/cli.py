"""``python -m assistant ...``: the only place that prints or exits.

Exit codes: 0 everything succeeded, 1 some inputs failed (all others still written),
2 bad usage (unknown preset, model or option), 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from assistant import i18n, models, presets
from assistant.cli_check import add_parser as add_check_parser
from assistant.cli_process import add_process_parser
from assistant.errors import AssistantError


def _print_err(text: str) -> None:
    print(text, file=sys.stderr)


def cmd_models(args: argparse.Namespace) -> int:
    if args.action == "install":
        for name in args.names or list(models.MODELS):
            path, how = models.install(name, force=args.force)
            print(i18n.t("cli_model_installed", args.lang, name=name, path=str(path), how=how))
        return 0
    rows = models.describe()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(i18n.t("cli_models_device", args.lang, device=models.device()))
    for r in rows:
        state = i18n.t("cli_yes" if r["installed"] else "cli_no", args.lang)
        print(f"{r['name']:<18} {r['label']:<9} {r['bytes'] / 1e6:6.1f} MB  {r['licence']:<22} "
              f"{i18n.t('cli_installed', args.lang)}: {state}  {r['source']}")
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    if args.action == "check":
        loaded = presets.check_presets()
        print(i18n.t("cli_presets_ok", args.lang, count=len(loaded)))
        return 0
    if args.action == "show":
        if not args.name:
            raise AssistantError("cli_preset_name_needed")
        p = presets.load_preset(args.name)
        print(f"{p.name}: {p.title_in(args.lang)}\n{p.notes.get(args.lang or i18n.default_language(), '')}")
        for key, src in p.sources.items():
            print(f"  {key:<19} {src.value!s:<10} {src.kind:<11} {src.checked}  {src.source}")
        return 0
    for name in presets.list_presets():
        p = presets.load_preset(name)
        print(f"{name:<20} {p.size[0]}x{p.size[1]} {p.image.format:<5} "
              f"<= {p.image.max_bytes / 1e6:.1f} MB  {p.title_in(args.lang)}")
    return 0


def cmd_mockup(args: argparse.Namespace) -> int:
    from assistant.packaging import mockup_files

    paths = mockup_files(args.label, args.template, args.out, preset=args.preset, product=args.product,
                         label_is_photo=args.label_photo, model=args.model, badge=args.badge)
    for path in paths:
        print(path)
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    from assistant.mockups import check_templates, list_templates

    if args.action == "check":
        print(i18n.t("cli_templates_ok", args.lang, count=len(check_templates())))
    else:
        print("\n".join(list_templates()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant",
                                     description="Etalase: foto produk siap marketplace.")
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.default_language(),
                        help="bahasa pesan / message language (id, en)")
    sub = parser.add_subparsers(dest="command", required=True)

    add_process_parser(sub)

    m = sub.add_parser("models", help="list or install the background-removal models")
    m.add_argument("action", choices=["list", "install"])
    m.add_argument("names", nargs="*")
    m.add_argument("--json", action="store_true")
    m.add_argument("--force", action="store_true")
    m.set_defaults(func=cmd_models)

    add_check_parser(sub)

    k = sub.add_parser("mockup", help="packaging mockups with the vendor's label")
    k.add_argument("--label", required=True, nargs="+", type=Path, help="label image(s) (PNG/JPG)")
    k.add_argument("--template", required=True, help="template name(s), comma-separated (see: templates list)")
    k.add_argument("--out", required=True, type=Path, help="output file (one label, one template) or folder")
    k.add_argument("--preset", default="umum", help="marketplace preset giving the size (default umum)")
    k.add_argument("--product", type=Path, default=None, help="product photo for a hero shot beside the packaging")
    k.add_argument("--label-photo", action="store_true", help="the label is a phone photo of a printed sticker")
    k.add_argument("--model", default=None, help="model for the product cutout")
    k.add_argument("--badge", default=None, help="promo badge text, only where the preset allows overlays")
    k.set_defaults(func=cmd_mockup)

    tp = sub.add_parser("templates", help="list or check packaging templates")
    tp.add_argument("action", choices=["list", "check"])
    tp.set_defaults(func=cmd_templates)

    s = sub.add_parser("presets", help="list, show or check marketplace presets")
    s.add_argument("action", choices=["list", "show", "check"])
    s.add_argument("name", nargs="?")
    s.set_defaults(func=cmd_presets)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "model", None):
            models.model_info(args.model)
        if getattr(args, "preset", None):
            presets.load_presets(args.preset)
        return args.func(args)
    except AssistantError as exc:
        _print_err(exc.message(args.lang))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `... --json | head`: the reader left, nothing to say
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug of ours: say so plainly, keep the traceback for developers
        if os.environ.get("ETALASE_DEBUG"):
            raise
        _print_err(i18n.t("cli_internal_error", args.lang, kind=type(exc).__name__))
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
