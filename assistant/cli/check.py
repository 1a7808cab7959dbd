"""``python -m assistant check PHOTO``: listing-readiness checks with advice."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(sub) -> None:
    c = sub.add_parser("check", help="listing-readiness checks with advice")
    c.add_argument("photo", type=Path)
    c.add_argument("--preset", default=None, help="judge the output for this marketplace too")
    c.add_argument("--model", default=None)
    c.add_argument("--json", action="store_true", help="a list of {check, status, value, tip}")
    c.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.readiness.listing import as_json, check_photo

    results = check_photo(args.photo, preset=args.preset, model=args.model)
    if args.json:
        print(json.dumps(as_json(results, args.lang), ensure_ascii=False, indent=2))
        return 0
    marks = {"ok": "OK  ", "warn": "!   ", "fail": "XX  "}
    for r in results:
        print(f"{marks.get(r.status, r.status)}{r.check:<18} {r.value!s:<10} {r.tip(args.lang)}")
    return 0  # warnings are advice, not failure
