"""The real-photo review set of issue 16: which photos, their halves, the cached model masks.

The set is every photo of ``grocery_phone`` picked by a stable hash (150 of 300: products
held in a hand in front of shop shelves, produce piles, cartons on shelves), plus the 6
``bigbird6`` light-box photos (the other real photos there: DIS5K's are not phone photos of
products and rembg's examples are not products). Each photo goes to
the tuning half or the held-out half by the hash of its path (about half each); only the
tuning half is looked at while tuning.

The model's soft mask is the slow step (ISNet, 1-5 s on this machine), so it is computed
once per photo and cached under ``bench/out/realphoto/soft/`` (gitignored): re-runs after a
change to the refinement or the checks skip the model.

    /work/main/.venv/bin/python bench/realphoto_set.py          # fill the cache
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
# ETALASE_CODE: run another checkout's code (the "before" runs use the base commit, unpacked by
# ``git archive BASE assistant presets | tar -x -C bench/out/base``).
sys.path.insert(0, os.environ.get("ETALASE_CODE", str(REPO)))


def shared_root() -> Path:
    """``../shared/data`` beside the repository, or ``ETALASE_SHARED``; worktrees one level
    deeper look one more level up."""
    env = os.environ.get("ETALASE_SHARED")
    if env:
        return Path(env)
    for up in (REPO.parent, REPO.parent.parent):
        if (up / "shared" / "data").is_dir():
            return up / "shared" / "data"
    return REPO.parent / "shared" / "data"


SHARED = shared_root()
OUT = REPO / "bench" / "out" / "realphoto"
# ETALASE_REVIEW_SOFT: another cache (masks of another model file, e.g. the fp32 ISNet beside the int8 default)
SOFT = Path(os.environ.get("ETALASE_REVIEW_SOFT", OUT / "soft"))
MODEL = "isnet-general-use"  # the app's "Kualitas"
PRESET = "umum"
GROCERY_COUNT = 150


def _hash(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)


def half(rel: str) -> str:
    """"tune" or "held": by the hash of the photo's path, never by what is in it."""
    return "tune" if _hash("half:" + rel) % 2 == 0 else "held"


def review_set() -> list[tuple[str, str]]:
    """``[(path relative to ../shared/data, class), ...]`` in a stable order."""
    items: list[tuple[str, str]] = []
    rows = _grocery_phone()
    rows.sort(key=lambda r: _hash("pick:" + r[0]))
    items += sorted(rows[:GROCERY_COUNT])
    for p in sorted((SHARED / "bigbird6" / "images").iterdir()):
        items.append((f"bigbird6/images/{p.name}", "Lightbox"))
    return items


def _grocery_phone() -> list[tuple[str, str]]:
    """Every ``grocery_phone`` photo in its index order: ``(path relative to ../shared/data, class)``."""
    rows = []
    for line in (SHARED / "grocery_phone" / "index.csv").read_text().splitlines()[1:]:
        parts = line.split(",")
        if len(parts) >= 4:
            rows.append((f"grocery_phone/images/{parts[0]}", parts[2]))
    return rows


def fresh_set() -> list[tuple[str, str]]:
    """The other 150 ``grocery_phone`` photos. Labelled once, in round 12, from that round's outputs
    (``bench/realphoto_fresh.tsv``) before any rule was fitted to them; round 13 looked at them while
    making its hand change (docs/realphoto.md), so they are no longer unseen."""
    picked = {rel for rel, _ in review_set()}
    return sorted(r for r in _grocery_phone() if r[0] not in picked)


def stem(rel: str) -> str:
    return rel.replace("/images/", "__").replace("/", "__").rsplit(".", 1)[0]


def open_review_photo(rel: str):
    from assistant import pipeline
    from assistant.photo import open_photo
    from assistant.presets import load_presets
    return open_photo(SHARED / rel, max_side=pipeline.working_side(load_presets([PRESET])))


def soft_mask(rel: str, photo=None) -> np.ndarray:
    """The model's soft mask for ``rel``, from the cache or computed and cached."""
    path = SOFT / (stem(rel) + ".npy")
    if path.exists():
        return np.load(path).astype(np.float32)
    from assistant import pipeline
    photo = photo or open_review_photo(rel)
    soft = pipeline.soft_mask(photo, MODEL)
    SOFT.mkdir(parents=True, exist_ok=True)
    np.save(path, soft.astype(np.float16))
    return soft


def main() -> int:
    if not SHARED.is_dir():
        print(f"{SHARED} is absent: the review set needs ../shared/data", file=sys.stderr)
        return 2
    items = review_set()
    t0 = time.time()
    for i, (rel, _cls) in enumerate(items):
        soft_mask(rel)
        if i % 20 == 0:
            print(f"{i}/{len(items)} {time.time() - t0:.0f}s", flush=True)
    print(f"done {len(items)} photos in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
