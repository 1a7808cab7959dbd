"""``python -m assistant label ...``: make, check, example, layouts (issue 20)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant import i18n


def add_parser(sub) -> None:
    """Register the ``label`` subcommand on the CLI's subparsers."""
    p = sub.add_parser("label", help="packaging label designer: print-ready PDF, sheet, PNG and a rules check",
                       description="Design a packaging label from INFO.toml (see: label example), check it "
                                   "against Indonesia's labelling rules, write print files. The check helps; "
                                   "BPOM decides.")
    act = p.add_subparsers(dest="label_action", required=True)
    m = act.add_parser("make", help="write DIR/label.pdf, DIR/label.png and DIR/sheet.pdf")
    m.add_argument("--info", required=True, type=Path, help="INFO.toml (see: label example)")
    m.add_argument("--layout", default="minimal", help="design name (see: label layouts)")
    m.add_argument("--size", default="100x70", help="WxH in millimetres, e.g. 100x70")
    m.add_argument("--shape", default="rect", help="rect (one sticker), band (wrap-around), panels (front + back)")
    m.add_argument("--paper", default="A4", help="sheet paper: A4 or A3+")
    m.add_argument("--count", type=int, default=None, help="labels on the sheet (default: as many as fit)")
    m.add_argument("--out", required=True, type=Path, help="output folder")
    m.add_argument("--mockups", default="", metavar="TEMPLATES",
                   help="also write the label on these mockup templates, comma-separated (e.g. pouch,jar,box)")
    m.set_defaults(func=run)
    c = act.add_parser("check", help="list the label's problems (field, code, message); exit 1 if a must is missing")
    c.add_argument("--info", required=True, type=Path)
    c.add_argument("--json", action="store_true", help="a list of {field, code, message, severity, kind, source}")
    c.add_argument("--layout", default=None, help="also check that the text fits this design ...")
    c.add_argument("--size", default=None, help="... at this size (WxH mm)")
    c.add_argument("--shape", default="rect")
    c.set_defaults(func=run)
    e = act.add_parser("example", help="print a complete INFO.toml to start from")
    e.set_defaults(func=run)
    ly = act.add_parser("layouts", help="list the designs")
    ly.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant import label

    lang = args.lang
    if args.label_action == "example":
        sys.stdout.write(label.EXAMPLE)
        return 0
    if args.label_action == "layouts":
        for name, d in label.LAYOUTS.items():
            print(f"{name:<12} {i18n.localized(d.title, lang):<18} {i18n.localized(d.description, lang)}")
        return 0
    info = label.read_info(args.info)
    if args.label_action == "check":
        if args.layout or args.size:
            problems = label.check_fit(info, args.layout or "minimal", args.size or "100x70", args.shape)
        else:
            problems = label.check(info)
        if args.json:
            print(json.dumps([p.as_dict(lang) for p in problems], ensure_ascii=False, indent=2))
        else:
            for p in problems:
                sev = i18n.t(f"label_severity_{p.severity}", lang)
                print(f"{sev:<6} {p.field:<22} {p.code}\n       {p.message(lang)}")
            blocking = sum(p.severity == "wajib" for p in problems)
            print(i18n.t("label_cli_blocking", lang, count=blocking) if blocking else i18n.t("label_cli_ok", lang))
        return 1 if label.has_blocking(problems) else 0
    # make
    problems = label.check(info)
    lab = label.make_label(info, args.layout, args.size, args.shape)
    files = label.render_files(lab, args.paper, args.count)
    paths = label.write_files(files, args.out)
    if args.mockups:
        from assistant.mockup.files import render

        for item in render(label.mockup_label(info, args.layout), args.mockups):
            path = args.out / f"mockup_{item.template}{item.preset.extension}"
            from assistant.photo import write_atomic

            write_atomic(path, item.data)
            paths.append(path)
    for path in paths:
        print(path)
    body = min(p.body_size for p in lab.panels)
    print(i18n.t("label_cli_fit", lang, size=f"{body:.1f}", min=f"{lab.front.min_size:.1f}"))
    plan = files.plan
    n = plan.count if args.count is None else max(1, min(args.count, plan.count))
    print(i18n.t("label_cli_sheet", lang, paper=plan.paper, count=n, columns=plan.columns, rows=plan.rows))
    for p in problems:
        if p.severity == "wajib":
            print(f"{i18n.t('label_severity_wajib', lang)}: {p.message(lang)}", file=sys.stderr)
    return 1 if label.has_blocking(problems) else 0
