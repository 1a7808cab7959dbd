"""Contact sheets of the review set: input | output, with the photo's id, half and verdict.

    /work/main/.venv/bin/python bench/review_sheet.py --tag before            # all, 20 per sheet
    /work/main/.venv/bin/python bench/review_sheet.py --tag after --half tune
    /work/main/.venv/bin/python bench/review_sheet.py --tag after --compare before --only Juice

Sheets go to ``bench/out/realphoto/<tag>/sheets/sheet_NN.jpg`` (gitignored). With
``--compare OTHER`` each cell shows input | OTHER's output | this output. Numbers on each
cell are the index in the review set (the row of bench/realphoto_review.tsv, from 0).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realphoto_set import OUT, SHARED, review_set  # noqa: E402

CELL = 200
LEVEL_COLOUR = {"ready": (40, 160, 60), "check": (230, 150, 0), "retake": (210, 40, 40)}


def _square(img: Image.Image, side: int) -> Image.Image:
    img = img.convert("RGB")
    img.thumbnail((side, side))
    canvas = Image.new("RGB", (side, side), (128, 128, 128))
    canvas.paste(img, ((side - img.width) // 2, (side - img.height) // 2))
    return canvas


def sheet(records: list[dict], index: dict[str, int], tag: str, compare: str | None, cols: int,
          cell: int = CELL, labels: dict | None = None) -> Image.Image:
    panes = 3 if compare else 2
    pair_w = panes * cell + 4 * (panes - 1)
    text_h = 28
    rows = (len(records) + cols - 1) // cols
    img = Image.new("RGB", (cols * (pair_w + 12), rows * (cell + text_h + 10)), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    for k, rec in enumerate(records):
        x = (k % cols) * (pair_w + 12)
        y = (k // cols) * (cell + text_h + 10)
        tiles = [Image.open(SHARED / rec["rel"])]
        if compare:
            other = OUT / compare / "out" / (rec["stem"] + ".jpg")
            tiles.append(Image.open(other) if other.exists() else Image.new("RGB", (8, 8), (0, 0, 0)))
        mine = OUT / tag / "out" / (rec["stem"] + ".jpg")
        tiles.append(Image.open(mine) if mine.exists() else Image.new("RGB", (8, 8), (0, 0, 0)))
        for j, tile in enumerate(tiles):
            img.paste(_square(tile, cell), (x + j * (cell + 4), y))
        level = rec.get("level", "?")
        draw.rectangle([x, y + cell + 2, x + 14, y + cell + 16], fill=LEVEL_COLOUR.get(level, (0, 0, 0)))
        name = rec["rel"].split("/")[-1][:44]
        draw.text((x + 18, y + cell + 2), f"#{index[rec['rel']]} {rec['half']} {name}", fill=(0, 0, 0), font=font)
        bad = ",".join(sorted(rec.get("checks", {}))) + " " + ",".join(
            n.replace("cutout_", "") for n in rec.get("notices", []))
        if labels and rec["rel"] in labels:
            bad = labels[rec["rel"]] + " | " + bad
        draw.text((x + 18, y + cell + 15), bad[:70], fill=(90, 90, 90), font=font)
    return img


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tag", default="after")
    ap.add_argument("--compare", default=None)
    ap.add_argument("--half", choices=("tune", "held", "all"), default="all")
    ap.add_argument("--only", default="")
    ap.add_argument("--per", type=int, default=20)
    ap.add_argument("--cols", type=int, default=4)
    ap.add_argument("--cell", type=int, default=CELL)
    ap.add_argument("--out", default=None, help="write one sheet of the chosen photos here instead")
    ap.add_argument("--pick", default="", help="comma-separated review-set indices: only these")
    args = ap.parse_args()
    index = {rel: i for i, (rel, _) in enumerate(review_set())}
    records = json.loads((OUT / args.tag / "records.json").read_text())
    records = [r for r in records if args.only in r["rel"] and (args.half == "all" or r["half"] == args.half)]
    if args.pick:
        picked = {int(i) for i in args.pick.split(",")}
        records = [r for r in records if index[r["rel"]] in picked]
    labels = None
    tsv = Path(__file__).resolve().parent / "realphoto_review.tsv"
    if tsv.exists():
        lines = [(ln.split("\t") + [""] * 9)[:9] for ln in tsv.read_text().splitlines()[1:] if ln.strip()]
        labels = {p[0]: f"{p[3]}:{p[4]} > {p[6]}:{p[7]}" for p in lines}
    if args.out:
        sheet(records, index, args.tag, args.compare, args.cols, args.cell, labels).save(args.out, quality=80)
        print(args.out)
        return 0
    dest = OUT / args.tag / "sheets"
    dest.mkdir(parents=True, exist_ok=True)
    for n in range(0, len(records), args.per):
        path = dest / f"sheet_{args.half}_{n // args.per:02d}.png"
        sheet(records[n:n + args.per], index, args.tag, args.compare, args.cols, args.cell, labels).save(path)
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
