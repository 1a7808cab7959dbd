"""Issue 16's bench: real phone photos, before and after, judged against what a person saw.

Reads ``bench/realphoto_review.tsv`` (one row per photo of the review set, see
``bench/realphoto_set.py``: the photo's path under ../shared/data, its class, whether a hand
holds the product in the photo, and two looks at the output: ``label``/``reason``/``note``
before the change, ``after_label``/``after_reason``/``after_note`` after it) and the runs'
records (``bench/out/realphoto/<tag>/records.json`` from ``bench/realphoto_run.py``).

Listable: a person looking at the output (input | output contact sheets from
``bench/review_sheet.py``) would put it on a marketplace as it is: one product (or a neat
group), whole, solid, no hand, no ghost, no part torn away. Reasons when not: hand, ghost,
milky, product lost, cut off, pile, other. An output kept whole (a pile) is not listable
(reason "pile"): the verdict must say so.

It reports, for the tuning half and the held-out half separately:

- listable share;
- hand-held photos whose output still shows the hand (and of those, how many verdicts say so);
- milky or ghosted outputs;
- honesty: unlistable outputs whose verdict is not green; listable ones whose verdict is green
  (before issue 16 the app's headline was green for every output: "before (app)"; the worst
  check's colour is shown too as "before (worst check)");
- time after the model per photo (``pipeline.with_mask`` + ``process`` + the checks, CPU
  seconds of the process, which the other jobs on a shared machine disturb less than wall time).

    /work/main/.venv/bin/python bench/realphoto_quality.py            # prints the table, rewrites docs/realphoto.md's
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realphoto_set import OUT, REPO, half  # noqa: E402

TSV = REPO / "bench" / "realphoto_review.tsv"
# The other 150 grocery_phone photos, labelled once in round 12 from that round's outputs and never
# tuned on before round 13: path, class, hand_in_photo, label, reason, note (round 12's outputs),
# after_label, after_reason, after_note (round 13's: the outputs that changed looked at again).
FRESH_TSV = REPO / "bench" / "realphoto_fresh.tsv"
DOC = REPO / "docs" / "realphoto.md"
# hand_left / after_hand_left: for a hand-held photo, whether its output keeps any of the hand or arm ("yes"
# / "no"), whatever the reason the output is not listable (a display kept whole with the hand in it, an
# output that is only the hand, a thumb left on a torn carton); empty for a photo without a hand. Until
# round 14 this was read from the reason and from phrases of the free-text note; the columns were made
# from that reading (the figures did not move) and are now set with each label.
COLUMNS = ("path", "class", "hand_in_photo", "label", "reason", "note", "after_label", "after_reason", "after_note",
           "hand_left", "after_hand_left")


def read_labels(tsv: Path = TSV) -> list[dict]:
    lines = tsv.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        if line.strip():
            parts = line.split("\t") + [""] * len(head)
            rows.append(dict(zip(head, parts)))
    return rows


def read_fresh() -> list[dict]:
    """The fresh split's labels: ``label``/``reason`` judge round 12's outputs (records ``fresh12``),
    ``after_*`` the current ones (records ``fresh``), as the review set's columns do."""
    return read_labels(FRESH_TSV) if FRESH_TSV.exists() else []


def records(tag: str) -> dict[str, dict]:
    path = OUT / tag / "records.json"
    return {r["rel"]: r for r in json.loads(path.read_text())} if path.exists() else {}


def _share(n: int, d: int) -> str:
    return "–" if d == 0 else f"{n}/{d} ({100 * n / d:.0f} %)"


def score(labels: list[dict], recs: dict[str, dict], after: bool, headline_green: bool = False) -> dict:
    lab_key, why_key = ("after_label", "after_reason") if after else ("label", "reason")
    rows = [r for r in labels if r["path"] in recs and r[lab_key]]
    listable = [r for r in rows if r[lab_key] == "yes"]
    unlistable = [r for r in rows if r[lab_key] != "yes"]
    held = [r for r in rows if r["hand_in_photo"] == "yes"]
    hand_left = [r for r in held if r["after_hand_left" if after else "hand_left"] == "yes"]
    hand_said = [r for r in hand_left if recs[r["path"]].get("level") != "ready" and not headline_green]

    def green(r):
        return headline_green or recs[r["path"]].get("level") == "ready"

    def red(r):
        return not headline_green and recs[r["path"]].get("level") == "retake"
    milky = [r for r in rows if any(k in r[why_key] for k in ("milky", "ghost"))]
    # The target (<= 2 %) is about the product's own face; ghosts lie beside it: both are shown.
    milky_face = [r for r in rows if "milky" in r[why_key]]
    cpu = [recs[r["path"]].get("after_model_cpu_s") for r in rows]
    cpu = [c for c in cpu if c is not None]
    return {
        "photos": str(len(rows)),
        "listable": _share(len(listable), len(rows)),
        "hand gone (hand-held photos)": _share(len(held) - len(hand_left), len(held)),
        "hand left, verdict says so": _share(len(hand_said), len(hand_left)),
        "milky or ghosted": _share(len(milky), len(rows)),
        "... of which milky (the product's own face)": _share(len(milky_face), len(rows)),
        "unlistable not green": _share(sum(not green(r) for r in unlistable), len(unlistable)),
        "listable green": _share(sum(green(r) for r in listable), len(listable)),
        # what the vendor is told to do: a retake (red) for an output that cannot be listed, not for one that can
        "unlistable red (retake)": _share(sum(red(r) for r in unlistable), len(unlistable)),
        "listable red": _share(sum(red(r) for r in listable), len(listable)),
        "CPU s after the model (median)": f"{np.median(cpu):.3f}" if cpu else "–",
    }


def table(labels: list[dict], before: dict, after: dict) -> str:
    cols = []
    for name in ("tune", "held"):
        part = [r for r in labels if half(r["path"]) == name]
        if before:  # the base commit's run (``ETALASE_CODE``), when it has been made
            cols.append((f"{name}: before (app)", score(part, before, False, headline_green=True)))
            cols.append((f"{name}: before (worst check)", score(part, before, False)))
        cols.append((f"{name}: after", score(part, after, True)))
    fresh, fresh12 = read_fresh(), records("fresh12")
    if fresh and fresh12:  # round 12's run (``realphoto_run.py --tag fresh12 --half fresh``)
        cols.append(("fresh: round 12", score(fresh, fresh12, False)))
    if fresh:  # ``realphoto_run.py --tag fresh --half fresh``
        cols.append(("fresh: now", score(fresh, records("fresh"), True)))
    keys = list(cols[0][1])
    out = ["| measure | " + " | ".join(c[0] for c in cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for k in keys:
        out.append(f"| {k} | " + " | ".join(c[1][k] for c in cols) + " |")
    return "\n".join(out)


def reasons(labels: list[dict], after: bool) -> str:
    key = "after_reason" if after else "reason"
    lab = "after_label" if after else "label"
    counts: dict[str, int] = {}
    for r in labels:
        if r[lab] and r[lab] != "yes":
            counts[r[key] or "other"] = counts.get(r[key] or "other", 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    labels = read_labels()
    before = records("before")
    text = table(labels, before, records("after"))
    text += "\n\nWhy not listable, before: " + reasons(labels, False) + ".\nAfter: " + reasons(labels, True) + "."
    print(text)
    if not args.no_write and DOC.exists() and not before:
        print("\n(docs/realphoto.md not rewritten: its table is the before / after one, and the base "
              "commit's run, bench/out/realphoto/before, is absent)")
    elif not args.no_write and DOC.exists():
        doc = DOC.read_text(encoding="utf-8")
        mark = "<!-- table: written by bench/realphoto_quality.py -->"
        if mark in doc:
            head = doc.split(mark)[0]
            tail = doc.split(mark)[1].split("<!-- end table -->")
            DOC.write_text(head + mark + "\n\n" + text + "\n\n<!-- end table -->" + (tail[1] if len(tail) > 1 else "\n"),
                           encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
