"""``python -m assistant process``: many photos to many presets, with a report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant import i18n
from assistant.cli.common import print_err
from assistant.readiness.verdict import counts_line


def add_parser(sub) -> None:
    """Register the ``process`` subcommand on the CLI's subparsers."""
    p = sub.add_parser("process", help="photos -> marketplace images",
                       description="Photos, folders (the first folder level is the vendor) and zip "
                                   "archives to one image per preset: a folder per vendor with a folder per "
                                   "marketplace inside (identical images shared), report.csv, report.html, "
                                   "upload sheets and a zip per vendor. A rerun into the same --out "
                                   "skips what is already done.")
    p.add_argument("inputs", nargs="+", help="photo files, folders (recursive) or .zip archives")
    p.add_argument("--preset", required=True, help="preset names, comma-separated, e.g. tokopedia,shopee")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--model", default=None, help="isnet-general-use (default) or u2netp")
    p.add_argument("--background", default=None, help="#RRGGBB or 'transparent'")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker threads for decoding and encoding (default: one per CPU core, at most 4)")
    p.add_argument("--name", default=None, metavar="PATTERN",
                   help="output names, e.g. '{vendor}/{stem}_{preset}'; fields: {preset} {path} {dir} "
                        "{vendor} {stem} {name} {sku} {n}; default: <vendor>/<preset>/<path below the vendor>")
    p.add_argument("--sku-map", default=None, type=Path, metavar="CSV",
                   help="CSV of file name,SKU[,order]: fills {sku} and the upload sheets")
    p.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="local (default) or dask (needs --scheduler)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address for --engine dask, e.g. tcp://192.168.1.10:8786")
    p.add_argument("--zip", default="vendor,all", metavar="KINDS",
                   help="zips for hand-over, comma-separated: vendor, all (default 'vendor,all') or none")
    p.add_argument("--redo", action="store_true", help="ignore the journal and process everything again")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.batch import run_batch

    bar = _progress_bar() if sys.stderr.isatty() else None
    try:
        result = run_batch(args.inputs, args.out, args.preset, model=args.model,
                           background=args.background, lang=args.lang, progress=bar,
                           jobs=args.jobs, name=args.name, sku_map=args.sku_map, engine=args.engine,
                           scheduler=args.scheduler, zips=args.zip, redo=args.redo)
    finally:
        if bar is not None:
            bar.close()
    failed = [r for r in result if r.status == "error"]
    ok = sum(r.status == "ok" for r in result)
    for row in failed:
        print_err(f"{row.input} [{row.preset or '-'}]: {row.message}")
    if result.resumed:
        print(i18n.t("batch_cli_resumed", args.lang, count=result.resumed))
    print(i18n.t("cli_process_summary", args.lang, ok=ok, failed=len(failed), report=str(result.report_csv)))
    print(i18n.t("batch_cli_html", args.lang, path=str(result.report_html)))
    levels = [r.verdict for r in result if r.verdict] + ["retake"] * len(failed)
    if levels:  # issue 16: "24 siap, 4 perlu dicek, 2 foto ulang" (per output)
        print(counts_line(levels, args.lang))
    if result.vendor_zips or result.zip_path:
        where = result.zip_path or next(iter(result.vendor_zips.values())).parent
        print(i18n.t("batch_cli_handover", args.lang, path=str(where)))
    return 1 if failed else 0


class _progress_bar:
    """A tqdm bar fed by ``run_batch``'s callback (count, rate and time left are tqdm's own)."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, done: int, total: int, info) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, unit="foto", dynamic_ncols=True)
        self.bar.set_postfix(ok=info.ok, gagal=info.failed, lewat=info.resumed, refresh=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
