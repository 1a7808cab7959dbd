"""``python -m assistant presets list|show|check``: the marketplace presets."""

from __future__ import annotations

import argparse

from assistant import i18n, presets
from assistant.errors import AssistantError


def add_parser(sub) -> None:
    s = sub.add_parser("presets", help="list, show or check marketplace presets")
    s.add_argument("action", choices=["list", "show", "check"])
    s.add_argument("name", nargs="?")
    s.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
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
