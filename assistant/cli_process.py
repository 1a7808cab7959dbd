"""``python -m assistant process``: many photos to many presets, with a report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant import i18n


def _print_err(text: str) -> None:
    print(text, file=sys.stderr)


def add_process_parser(sub) -> None:
    """Register the ``process`` subcommand on the CLI's subparsers."""
    p = sub.add_parser("process", help="photos -> marketplace images")
    p.add_argument("inputs", nargs="+", help="photo files or folders (recursive)")
    p.add_argument("--preset", required=True, help="preset names, comma-separated, e.g. tokopedia,shopee")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--model", default=None, help="isnet-general-use (default) or u2netp")
    p.add_argument("--background", default=None, help="#RRGGBB or 'transparent'")
    p.set_defaults(func=cmd_process)


def cmd_process(args: argparse.Namespace) -> int:
    from assistant.batch import run_batch

    rows = run_batch(args.inputs, args.out, args.preset, model=args.model,
                     background=args.background, lang=args.lang,
                     progress=_progress_bar() if sys.stderr.isatty() else None)
    failed = [r for r in rows if r.status == "error"]
    ok = sum(r.status == "ok" for r in rows)
    for row in failed:
        _print_err(f"{row.input} [{row.preset}]: {row.message}")
    print(i18n.t("cli_process_summary", args.lang, ok=ok, failed=len(failed),
                 report=str(Path(args.out) / "report.csv")))
    return 1 if failed else 0


def _progress_bar():
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="foto")
        bar.update(done - bar.n)
        if done == total:
            bar.close()

    return update
