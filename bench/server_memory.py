"""Server memory per browser session (issue 18): N sessions of ordinary use, the process's RSS
after each, and after the sessions expire.

Each "session" is what the Photo tab does for one vendor: one phone-sized photo, three
marketplaces, the listing checks, and what the session then keeps until its touch-up (the
``last_result`` state). ``--keep result`` keeps the library's whole Result, as the app did
before issue 18; ``--keep parked`` (the default) keeps ``services.park_photo``'s few hundred
bytes. Expiry: the kept states dropped, the cut-out cache emptied, ``services.release_memory``.

Run: ``python bench/server_memory.py [--sessions 20] [--keep parked|result] [--model u2netp]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--keep", choices=("parked", "result"), default="parked")
    parser.add_argument("--model", default="u2netp")
    parser.add_argument("--presets", default="umum,shopee,tokopedia")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="etalase-mem-"))
    import os
    os.environ.setdefault("ETALASE_CACHE_DIR", str(tmp / "cache"))
    from assistant.web import services
    from tests.conftest import jpeg_bytes, product_photo

    photos = []
    for i in range(4):
        path = tmp / f"produk-{i}.jpg"
        path.write_bytes(jpeg_bytes(product_photo((4000, 3000), seed=i, colour=(40 * i + 60, 80, 160 - 20 * i))))
        photos.append(str(path))
    presets = args.presets.split(",")

    services.process_photo_files(photos[0], presets, args.model, session="warm-up")  # model loaded once
    services.release_memory()
    idle = rss_mb()
    kept: dict[str, object] = {}
    after: list[float] = []
    started = time.perf_counter()
    for n in range(args.sessions):
        session = f"session-{n}"
        state, result = services.process_photo_files(photos[n % len(photos)], presets, args.model,
                                                     session=session, checks=True)
        kept[session] = (result if args.keep == "result"
                         else services.park_photo(result.photo, Path(state["before"]).parent))
        del result, state
        gc.collect()
        after.append(rss_mb())
    wall = time.perf_counter() - started
    kept.clear()
    services.release_memory(all_sessions=True)
    expired = rss_mb()
    print(json.dumps({"keep": args.keep, "sessions": args.sessions, "presets": presets, "idle_mb": round(idle),
                      "after_each_mb": [round(x) for x in after], "peak_mb": round(max(after)),
                      "after_expiry_mb": round(expired),
                      "expiry_vs_idle_pct": round(100 * (expired - idle) / idle, 1),
                      "seconds": round(wall, 1)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
