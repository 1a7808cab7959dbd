"""``python -m assistant check IMAGE [--preset a,b] [--json] [--fix DIR]``: the photo checks and
"Siap tayang", the per-marketplace verdict on the image as it would be uploaded.

The photo checks (blur, light, size, hand, cut-off ...) judge the photo against the first
preset, as before; the readiness items (``overlay`` with its ``kind``, ``border``,
``collage``, ``screenshot``, one ``verdict`` per preset) judge the image itself against every
preset named, and say what the safe fix would give (``--fix DIR`` writes it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.photo import write_atomic

MARKS = {"ok": "OK  ", "warn": "!   ", "fail": "XX  "}


def add_parser(sub) -> None:
    """Register the ``check`` subcommand on the CLI's subparsers."""
    c = sub.add_parser("check", help="listing-readiness checks with advice, and a verdict per marketplace")
    c.add_argument("photo", type=Path)
    c.add_argument("--preset", default=None,
                   help="marketplace preset(s), comma-separated: judge the output and the image for each")
    c.add_argument("--model", default=None)
    c.add_argument("--json", action="store_true",
                   help="a list of {check, status, value, tip}; verdict items add preset, reasons, after")
    c.add_argument("--fix", type=Path, default=None, metavar="DIR",
                   help="write the auto-fixed image per preset into DIR (when it can be fixed)")
    c.add_argument("--photo-checks", choices=["yes", "no"], default="yes",
                   help="also run the photo checks (cutout, output) for the first preset (default yes)")
    c.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.readiness.listing import as_json, check_photo
    from assistant.readiness.ready import check_ready

    names = [n.strip() for n in (args.preset or "umum").split(",") if n.strip()]
    items: list[dict] = []
    if args.photo_checks == "yes":
        first = names[0] if args.preset else None
        items = as_json(check_photo(args.photo, preset=first, model=args.model), args.lang)
    ready = check_ready(args.photo, names, fix=True)
    items += ready.items(args.lang)
    written = []
    if args.fix is not None:
        args.fix.mkdir(parents=True, exist_ok=True)
        for fixed in ready.fixes:
            if fixed.data is not None and fixed.refused is None:
                path = args.fix / f"{args.photo.stem}_{fixed.preset.name}{fixed.preset.extension}"
                write_atomic(path, fixed.data)
                written.append(str(path))
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2, default=str))
        return 0
    for it in items:
        name = it["check"] + (f":{it['kind']}" if it.get("kind") else "") + (f" {it['preset']}" if it.get("preset") else "")
        value = it.get("value")
        value = "" if isinstance(value, list) else value
        print(f"{MARKS.get(it['status'], it['status'])}{name:<22} {value!s:<10} {it['tip']}")
        if "after" in it:
            print(f"{'':<4}{'':<22} {'':<10} {it['after']['tip']}")
    for path in written:
        print(path)
    return 0  # a verdict is advice, not a failure
