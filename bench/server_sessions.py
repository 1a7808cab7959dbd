"""A running server's memory after N browser sessions and after they expire, and a single
photo's time while another client hammers the queue (issue 18's targets).

Starts ``app.py`` (its own cache folder, a short ``ETALASE_CACHE_MAX_AGE_S`` so expiry comes
within the run) and drives it over plain HTTP as the page does (``bench/webclient.py``), each
simulated phone from its own source address:

1. **Memory**: RSS of the server (the process and its children) idle after start-up, after one
   warm-up session, after ``--sessions`` concurrent sessions of ordinary use (a phone-sized photo,
   8 to 15 MP, to three marketplaces in the Photo tab, and a touch-up stroke on every other one), and once the
   cache age has passed and the sweeper has run. Targets: <= 1.2 GB after the sessions, after
   expiry within 10 % of idle (``rss_fresh_mb``: model loaded, no session yet; the warm-up
   session, whose one-off allocations ``rss_idle_mb`` includes, expires with the others).
2. **Fairness**: one phone's single photo (the Photo tab, one marketplace) alone, then while a
   second address keeps as many ``/process_photo`` jobs queued as the server lets it (six
   sessions on one address: the per-address job limit refuses the rest). Target: the loaded
   time within 2x the idle one.

Run: ``python bench/server_sessions.py [--sessions 20] [--cache-age 300] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.webclient import Phone, Refused  # noqa: E402
from tests.appserver import server_rss, start_app, stop_app  # noqa: E402

# Phone-sized real photos (8 to 15 MP) from ../shared's DIS5K products; generated 12 MP ones without it.
SHARED = Path(os.environ.get("ETALASE_SHARED", REPO.parent / "shared" / "data")) / "dis5k_products_dev" / "images"
PHONE_SIZED = ["DIS-TE1_1_Accessories_3_Eyeglasses_3530574307_5df2551eb7_o.jpg",
               "DIS-TE3_16_Music_Instrument_1_Drum_2568563453_d2b5cfd55a_o.jpg",
               "DIS-TE4_21_Tool_17_Tripod_6882032659_4edefe231c_o.jpg",
               "DIS-TE4_9_Entertainment_6_Trampoline_3548411507_6d5e2e9e30_o.jpg",
               "DIS-TE1_11_Furniture_2_Bench_22653754305_7d7153fb50_o.jpg"]
PRESETS = ["umum", "shopee", "tokopedia"]
RSS_TARGET = 1.2e9


def photos(tmp: Path) -> list[Path]:
    found = [SHARED / name for name in PHONE_SIZED if (SHARED / name).is_file()]
    if len(found) == len(PHONE_SIZED):
        return found
    from tests.conftest import jpeg_bytes, product_photo

    made = []
    for i in range(5):
        path = tmp / f"produk-{i}.jpg"
        path.write_bytes(jpeg_bytes(product_photo((3000, 4000), seed=i, colour=(40 * i + 60, 80, 160 - 20 * i))))
        made.append(path)
    return made


def settle(server: psutil.Process, seconds: float = 4) -> int:
    time.sleep(seconds)
    return server_rss(server)


def session(url: str, n: int, photo: Path, touch: bool, errors: list) -> None:
    phone = Phone(url, n)
    try:
        tab = phone.photo_tab(photo, PRESETS)
        if "Selesai" not in json.dumps(tab.get("status"), ensure_ascii=False):
            errors.append(f"session {n}: {str(tab.get('status'))[:120]}")
        elif touch:
            phone.touch_up(tab, PRESETS)
    except Exception as exc:
        errors.append(f"session {n}: {type(exc).__name__}: {exc}")
    finally:
        phone.close()


def single_photo(url: str, n: int, photo: Path) -> float:
    phone = Phone(url, n)
    try:
        t0 = time.perf_counter()
        tab = phone.photo_tab(photo, ["umum"])
        took = time.perf_counter() - t0
        assert "Selesai" in json.dumps(tab.get("status"), ensure_ascii=False), tab.get("status")
        return took
    finally:
        phone.close()


def hammer(url: str, inputs: list[Path], stop: threading.Event, counts: dict, lock: threading.Lock) -> None:
    """Six sessions from one address (127.0.0.250), each re-queueing /process_photo at once."""
    def one(k: int) -> None:
        phone = Phone(url, 248, address="127.0.0.250")
        i = 0
        while not stop.is_set():
            try:
                phone.process_photo_api(inputs[(k + i) % len(inputs)], "umum", "cepat")
                key = "done"
            except Refused as exc:
                key = f"refused {exc.status}"
                time.sleep(0.2)
            except Exception as exc:  # noqa: BLE001
                key = type(exc).__name__
            with lock:
                counts[key] = counts.get(key, 0) + 1
            i += 1
        phone.close()
    threads = [threading.Thread(target=one, args=(k,), daemon=True) for k in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--cache-age", type=int, default=300,
                        help="longer than the sessions take together, or queued uploads expire before their turn")
    parser.add_argument("--repeat", type=int, default=5, help="single photos timed, idle and loaded")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-fairness", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="etalase-sessions-"))
    proc, url, cache = start_app(tmp, timeout_s=300, ETALASE_CACHE_MAX_AGE_S=str(args.cache_age))
    server = psutil.Process(proc.pid)
    report: dict = {"load_average_start": [round(x, 1) for x in os.getloadavg()], "sessions": args.sessions,
                    "presets": PRESETS, "cache_age_s": args.cache_age}
    inputs = photos(tmp)
    ok = True
    try:
        deadline = time.time() + 300
        while "models warmed" not in (tmp / "app.log").read_text(errors="replace") and time.time() < deadline:
            time.sleep(0.5)
        report["rss_fresh_mb"] = round(settle(server) / 2**20)
        errors: list[str] = []
        session(url, 0, inputs[0], True, errors)  # warm-up: the first request's one-off allocations
        report["rss_idle_mb"] = idle = round(settle(server) / 2**20)
        if not args.skip_memory:
            peak = [0]
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    peak[0] = max(peak[0], server_rss(server))
                    time.sleep(0.2)
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            t0 = time.perf_counter()
            threads = [threading.Thread(target=session, args=(url, n, inputs[n % len(inputs)], n % 2 == 0, errors))
                       for n in range(1, args.sessions + 1)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            report["sessions_wall_s"] = round(time.perf_counter() - t0, 1)
            report["rss_after_sessions_mb"] = after = round(settle(server) / 2**20)
            stop.set()
            sampler.join()
            report["rss_peak_mb"] = round(peak[0] / 2**20)
            report["session_errors"] = errors[:5]
            out = cache / "etalase-out"
            report["result_folders_after_sessions"] = len(list(out.iterdir())) if out.is_dir() else 0
            deadline = time.time() + args.cache_age * 2 + 60
            while out.is_dir() and any(out.iterdir()) and time.time() < deadline:
                time.sleep(2)
            report["result_folders_after_expiry"] = len(list(out.iterdir())) if out.is_dir() else 0
            expired = round(settle(server, 3 + max(1, min(300, args.cache_age // 4))) / 2**20)
            report["rss_after_expiry_mb"] = expired
            report["expiry_vs_idle_pct"] = round(100 * (expired - idle) / idle, 1)
            report["expiry_vs_fresh_pct"] = round(100 * (expired - report["rss_fresh_mb"]) / report["rss_fresh_mb"], 1)
            # Idle = the server with its model loaded and no session: the warm-up session expires too.
            ok &= not errors and after * 2**20 <= RSS_TARGET and expired <= 1.1 * report["rss_fresh_mb"]
        if not args.skip_fairness:
            idle_times = [single_photo(url, 100 + i, inputs[i % len(inputs)]) for i in range(args.repeat)]
            stop, lock, counts = threading.Event(), threading.Lock(), {}
            hammering = threading.Thread(target=hammer, args=(url, inputs, stop, counts, lock), daemon=True)
            hammering.start()
            time.sleep(8)  # the hammer's jobs fill its share of the queue first
            loaded_times = []
            for i in range(args.repeat):
                loaded_times.append(single_photo(url, 110 + i, inputs[i % len(inputs)]))
                time.sleep(1.5)  # arrive at a different point of the hammer's current job
            stop.set()
            hammering.join(timeout=600)
            ratio = statistics.median(loaded_times) / statistics.median(idle_times)
            report.update({"single_photo_idle_s": [round(x, 1) for x in idle_times],
                           "single_photo_loaded_s": [round(x, 1) for x in loaded_times],
                           "loaded_vs_idle_median": round(ratio, 2),
                           "loaded_vs_idle_worst": round(max(loaded_times) / statistics.median(idle_times), 2),
                           "hammer": counts})
            ok &= ratio <= 2.0
        report["load_average_end"] = [round(x, 1) for x in os.getloadavg()]
    finally:
        stop_app(proc)
    print(json.dumps(report, indent=1, ensure_ascii=False))
    print("OK" if ok else "NOT OK")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
