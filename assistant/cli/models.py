"""``python -m assistant models list|install``: the background-removal models."""

from __future__ import annotations

import argparse
import json

from assistant import i18n
from assistant.models import install, registry


def add_parser(sub) -> None:
    m = sub.add_parser("models", help="list or install the background-removal models")
    m.add_argument("action", choices=["list", "install"])
    m.add_argument("names", nargs="*")
    m.add_argument("--json", action="store_true")
    m.add_argument("--force", action="store_true")
    m.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "install":
        for name in args.names or list(registry.MODELS):
            path, how = install.install(name, force=args.force)
            print(i18n.t("cli_model_installed", args.lang, name=name, path=str(path), how=how))
        return 0
    rows = registry.describe()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(i18n.t("cli_models_device", args.lang, device=registry.device()))
    for r in rows:
        state = i18n.t("cli_yes" if r["installed"] else "cli_no", args.lang)
        print(f"{r['name']:<18} {r['label']:<9} {r['bytes'] / 1e6:6.1f} MB  {r['licence']:<22} "
              f"{i18n.t('cli_installed', args.lang)}: {state}  {r['source']}")
    return 0
