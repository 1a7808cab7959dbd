"""Load test of the web app: 20 concurrent phones x 5 photos each.

Starts ``app.py`` on a free port with its own cache folder, runs the phones against the
``process_photo`` API (``bench/webclient.py``: plain HTTP as gradio_client does it, each
phone from its own source address 127.0.0.(N+2), so the server's per-address limits count
each phone on its own, as on a workshop's Wi-Fi) with the fast model (u2netp, "Cepat": ISNet on a small CPU machine
would take hours for 100 photos), and reports:

- whether every request succeeded, and how many were refused (429: a per-client limit),
- p50 / p95 latency per request (queue wait included: the queue is the point),
- the server's peak RSS (psutil, the app process and its children), which must stay under
  2.5 GB,
- that the app's cache is empty again once the cache age has passed (``--cache-age``, 120 s).

Run: ``python bench/load_app.py [--users 20] [--photos 5] [--quality cepat]``.
"""

from __future__ import annotations

import argparse
import io
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

from tests.appserver import server_rss, start_app  # noqa: E402

SHARED = Path(os.environ.get("ETALASE_SHARED", REPO.parent / "shared" / "data")) / "rembg" / "examples"
RSS_LIMIT = 2.5e9


def photos(tmp: Path) -> list[Path]:
    """The real example photos from ../shared when present, else generated ones."""
    found = sorted(p for p in SHARED.glob("*.jpg")) if SHARED.is_dir() else []
    if found:
        return found[:5]
    from tests.conftest import jpeg_bytes, product_photo

    made = []
    for i in range(5):
        path = tmp / f"produk-{i}.jpg"
        path.write_bytes(jpeg_bytes(product_photo(seed=i, colour=(40 * i + 60, 80, 160 - 20 * i))))
        made.append(path)
    return made


def cache_files(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--photos", type=int, default=5)
    parser.add_argument("--quality", default="cepat", help="cepat (u2netp) or kualitas (ISNet)")
    parser.add_argument("--code", default="", help="access code: the app asks every user for it (workshop mode)")
    parser.add_argument("--cache-age", type=int, default=120,
                        help="ETALASE_CACHE_MAX_AGE_S: longer than the longest queue wait, or uploads expire while queued")
    args = parser.parse_args()
    CACHE_AGE_S = args.cache_age

    from bench.webclient import Phone, Refused

    tmp = Path(tempfile.mkdtemp(prefix="etalase-load-"))
    env = {"ETALASE_ACCESS_CODE": args.code} if args.code else {}
    proc, url, cache = start_app(tmp, timeout_s=300, ETALASE_CACHE_MAX_AGE_S=str(CACHE_AGE_S), **env)
    server = psutil.Process(proc.pid)
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], server_rss(server))
            time.sleep(0.1)

    rss_idle = server_rss(server)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    inputs = photos(tmp)
    latencies: list[float] = []
    failures: list[str] = []
    refused: list[int] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(args.users)

    def user(n: int) -> None:
        from PIL import Image

        phone = Phone(url, n, code=args.code or None)  # one login per phone, as in a workshop
        start_gate.wait()
        for i in range(args.photos):
            photo = inputs[(n + i) % len(inputs)]
            t0 = time.perf_counter()
            try:
                files = phone.process_photo_api(photo, "umum", args.quality)
                assert Image.open(io.BytesIO(phone.fetch(files[0]))).size == (1200, 1200)
                with lock:
                    latencies.append(time.perf_counter() - t0)
            except Exception as exc:  # count it, keep going
                with lock:
                    if isinstance(exc, Refused):
                        refused.append(exc.status)
                    failures.append(f"user {n} photo {i}: {type(exc).__name__}: {exc}")
        phone.close()

    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    t0 = time.perf_counter()
    threads = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0

    rss_after = server_rss(server)
    in_cache = len(cache_files(cache))
    deadline = time.time() + CACHE_AGE_S + 20
    while cache_files(cache) and time.time() < deadline:
        time.sleep(1)
    left = cache_files(cache)
    time.sleep(5)  # the sweeper's memory release follows the file sweep
    rss_expired = server_rss(server)
    stop.set()
    sampler.join()
    proc.terminate()
    proc.wait(timeout=20)

    total = args.users * args.photos
    q = statistics.quantiles(latencies, n=20) if len(latencies) >= 2 else latencies * 19
    print(f"access code: {'on' if args.code else 'off'}  load average before: {load_before}")
    print(f"model: {args.quality} (u2netp = Cepat)  users: {args.users} x {args.photos} photos = {total} requests")
    print(f"succeeded: {len(latencies)}/{total}  wall: {wall:.1f} s  throughput: {len(latencies) / wall:.2f} photos/s")
    print(f"latency p50: {statistics.median(latencies):.1f} s  p95: {q[18]:.1f} s  max: {max(latencies):.1f} s")
    print(f"refused by a per-client limit: {len(refused)} ({', '.join(sorted(set(map(str, refused)))) or '-'})")
    print(f"server RSS: idle {rss_idle / 1e9:.2f} GB, peak {peak[0] / 1e9:.2f} GB (limit {RSS_LIMIT / 1e9:.1f} GB), "
          f"right after {rss_after / 1e9:.2f} GB, after the cache age {rss_expired / 1e9:.2f} GB")
    print(f"cache files right after the run: {in_cache}; {CACHE_AGE_S + 20} s later: {len(left)}")
    for line in failures[:10]:
        print("FAILED", line)
    ok = not failures and peak[0] < RSS_LIMIT and not left
    shutil.rmtree(tmp, ignore_errors=True)
    print("OK" if ok else "NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
