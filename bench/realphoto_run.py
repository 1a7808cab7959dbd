"""Run the review set (bench/realphoto_set.py) through today's pipeline from the cached masks.

For each photo: the refinement from the cached ISNet mask (``pipeline.with_mask``), the whole
``process`` to ``umum``, the listing checks on the output, and the verdict. Writes, under
``bench/out/realphoto/<tag>/``: ``out/<stem>.jpg`` (the output, 400 px), ``records.json``
(per photo: the verdict, the checks that are not ok, the cutout's notices, the time after
the model). ``bench/review_sheet.py`` tiles them for looking; ``bench/realphoto_quality.py``
scores them against the labels.

    /work/main/.venv/bin/python bench/realphoto_run.py --tag after
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
from realphoto_set import MODEL, OUT, PRESET, fresh_set, half, open_review_photo, review_set, soft_mask, stem  # noqa: E402


def run_one(rel: str, cls: str, dest, split: str | None = None) -> dict:
    from assistant import pipeline
    from assistant.readiness.listing import check_outputs
    from assistant.readiness.verdict import verdict_of
    from assistant.errors import AssistantError
    from assistant.presets import load_presets
    photo = open_review_photo(rel)
    soft = soft_mask(rel, photo)
    rec = {"rel": rel, "class": cls, "half": split or half(rel), "stem": stem(rel)}
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        cut = pipeline.with_mask(photo, soft, MODEL)
        result = pipeline.process(cut, load_presets([PRESET]))
        checks = check_outputs(result)[PRESET]
    except AssistantError as exc:
        rec.update(error=exc.code, after_model_s=time.perf_counter() - t0, level="retake")
        return rec
    verdict = verdict_of(result)
    rec["after_model_s"] = time.perf_counter() - t0
    rec["after_model_cpu_s"] = time.process_time() - c0  # CPU seconds: less noisy on a shared machine
    rec["checks"] = {r.check: [r.status, r.value] for r in checks if r.status != "ok"}
    rec["notices"] = [n.code for n in result.photo.notices]
    if verdict is not None:
        rec["level"] = verdict.level
        rec["headline"] = verdict.headline("id")
    else:  # before issue 16: the app's headline was green; the worst check is the closest verdict
        worst = max((r.status for r in checks), key=("ok", "warn", "fail").index, default="ok")
        rec["level"] = {"ok": "ready", "warn": "check", "fail": "retake"}[worst]
        rec["headline"] = "(no verdict) worst check: " + worst
    img = result.outputs[0].image.convert("RGB")
    img.thumbnail((400, 400))
    img.save(dest / (rec["stem"] + ".jpg"), quality=88)
    rec["fill"] = result.outputs[0].fill
    return rec


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tag", default="after")
    ap.add_argument("--only", default="", help="substring of the path: run only those")
    ap.add_argument("--half", choices=("tune", "held", "all", "fresh"), default="all",
                    help="fresh: the 150 grocery_phone photos outside the review set (bench/realphoto_fresh.tsv)")
    ap.add_argument("--cached-only", action="store_true", help="skip photos whose mask is not cached yet")
    ap.add_argument("--missing-only", action="store_true", help="only photos without a record yet")
    args = ap.parse_args()
    dest = OUT / args.tag / "out"
    dest.mkdir(parents=True, exist_ok=True)
    records_path = OUT / args.tag / "records.json"
    old = {}
    if records_path.exists() and (args.only or args.missing_only or args.half not in ("all", "fresh")):
        old = {r["rel"]: r for r in json.loads(records_path.read_text())}
    photos = fresh_set() if args.half == "fresh" else review_set()
    items = [(r, c) for r, c in photos if args.only in r and args.half in ("all", "fresh", half(r))]
    if args.cached_only:
        from realphoto_set import SOFT
        items = [(r, c) for r, c in items if (SOFT / (stem(r) + ".npy")).exists()]
    if args.missing_only:
        items = [(r, c) for r, c in items if r not in old]
    for i, (rel, cls) in enumerate(items):
        old[rel] = run_one(rel, cls, dest, "fresh" if args.half == "fresh" else None)
        if i % 10 == 0:
            print(f"{i}/{len(items)}", flush=True)
            records_path.write_text(json.dumps([old[r] for r, _ in photos if r in old], indent=1, default=float))
    records = [old[r] for r, _ in photos if r in old]
    records_path.write_text(json.dumps(records, indent=1, default=float))
    times = [r["after_model_s"] for r in records]
    print(f"{len(records)} photos; after the model median {1000 * np.median(times):.0f} ms, mean {1000 * np.mean(times):.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
