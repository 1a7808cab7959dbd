"""Batch speed, memory and kill-safety (issue 5): ``python bench/batch_speed.py``.

1. **Throughput** against rembg's folder mode (``rembg p``) on the same 20 phone-size (12 MP)
   photos, same model, run back to back and alternated (rembg, ours, rembg, ours...) so a
   busy machine hurts both alike. rembg writes one full-size PNG per photo; we write three
   marketplace JPEGs per photo (tokopedia, shopee, lazada) plus the reports and zips.
   Targets: >= 2.5x with u2netp, >= 1.6x with ISNet.
2. **Memory**: peak RSS over a 200-photo batch (u2netp), and the peak while the first 50
   and while the last 50 photos were processed (target: <= 1.0 GB, no growth).
3. **Fast ISNet** (issue 24, the default): the same ISNet batch with the int8 file (``ETALASE_FAST_MODEL=1``;
   made by ``python -m assistant models install``, else both runs are fp32)
   and the old fp32 path (``=0``), alternated; target >= 1.6x (``--fast-photos``, default 200).
4. **Kill**: SIGKILL at a random moment, rerun; every input must end with exactly one valid
   output per preset or an error row, with nothing already journaled done again.

The photos are made once from ../shared/data (upscaled to 4032x3024 with a little noise,
JPEG q90) into ``--work``. rembg's CLI needs its ``cli`` extra (filetype, watchdog, aiohttp,
asyncer...): ``make bench`` installs those into ``.bench/rembg-cli`` and passes that folder as
``--rembg-pythonpath`` (``REMBG_CLI_PATH``), so the project's own environment stays as pinned.

Options: ``--quick`` (u2netp only, 60-photo memory run, one kill), ``--repeat N``,
``--skip speed,fast,memory,kill``, ``--json PATH``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("ETALASE_SHARED", REPO.parent / "shared" / "data"))
PRESETS = "tokopedia,shopee,lazada"
MODELS = {"u2netp": 2.5, "isnet-general-use": 1.6}  # model -> target speed-up


def make_photos(dest: Path, n: int = 20) -> list[Path]:
    """20 phone-size photos: bigbird6, DIS5K and grocery photos upscaled to 12 MP."""
    existing = sorted(dest.glob("p*.jpg"))
    if len(existing) >= n:
        return existing[:n]
    sources = (sorted((SHARED / "bigbird6" / "images").glob("*.jpg"))[:6]
               + sorted((SHARED / "dis5k_products_dev" / "images").glob("*.jpg"))[:8]
               + sorted((SHARED / "grocery_phone" / "images").glob("*.jpg"))[:6])
    if len(sources) < n:
        sys.exit(f"../shared/data is absent or incomplete ({SHARED}): the bench needs its photos")
    dest.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    out = []
    for i, src in enumerate(sources[:n]):
        im = Image.open(src).convert("RGB")
        w, h = im.size
        big_w, big_h = (4032, 3024) if w >= h else (3024, 4032)
        ratio = big_w / big_h
        if w / h > ratio:
            nw = int(h * ratio)
            im = im.crop(((w - nw) // 2, 0, (w - nw) // 2 + nw, h))
        else:
            nh = int(w / ratio)
            im = im.crop((0, (h - nh) // 2, w, (h - nh) // 2 + nh))
        im = im.resize((big_w, big_h), Image.Resampling.BICUBIC)
        noisy = np.asarray(im).astype(np.int16) + rng.normal(0, 3, (big_h, big_w, 1)).astype(np.int16)
        path = dest / f"p{i:02d}.jpg"
        Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(path, quality=90)
        out.append(path)
    return out


class Watch:
    """Run a command; sample the RSS of it and its children every 50 ms; time it (wall and CPU)."""

    def __init__(self, cmd: list[str], env: dict, on_sample=None, cwd: Path = REPO) -> None:
        self.cmd, self.env, self.on_sample, self.cwd = cmd, env, on_sample, cwd
        self.peak = 0
        self.samples: list[tuple[float, int]] = []

    def run(self, kill_when=None) -> tuple[float, float, int]:
        t0 = time.perf_counter()
        proc = subprocess.Popen(self.cmd, env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        ps = psutil.Process(proc.pid)
        cpu = 0.0
        stderr: list[bytes] = []
        reader = threading.Thread(target=lambda: stderr.append(proc.stderr.read()), daemon=True)
        reader.start()
        while proc.poll() is None:
            try:
                procs = [ps] + ps.children(recursive=True)
                rss = sum(p.memory_info().rss for p in procs)
                cpu = max(cpu, sum(sum(p.cpu_times()[:2]) for p in procs))
            except psutil.Error:
                rss = 0
            now = time.perf_counter() - t0
            self.samples.append((now, rss))
            self.peak = max(self.peak, rss)
            if self.on_sample:
                self.on_sample(now, rss)
            if kill_when is not None and kill_when(now):
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                reader.join()
                return time.perf_counter() - t0, cpu, -9
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        reader.join()
        if proc.returncode not in (0, 1):
            sys.stderr.write(b"".join(stderr).decode(errors="replace")[-3000:])
        return wall, cpu, proc.returncode


def rembg_cmd(model: str, src: Path, out: Path) -> list[str]:
    exe = [sys.executable, "-c", "from rembg.cli import main; main()", "p"]
    if model == "u2netp":
        return exe + ["-m", "u2netp", str(src), str(out)]
    model_path = Path(os.environ.get("ETALASE_MODELS", "")) / "isnet-general-use.onnx"
    return exe + ["-m", "dis_custom", "-x", json.dumps({"model_path": str(model_path)}), str(src), str(out)]


def ours_cmd(model: str, src: Path, out: Path, extra: list[str] | None = None) -> list[str]:
    return [sys.executable, "-m", "assistant", "--lang", "en", "process", str(src), "--preset", PRESETS,
            "--model", model, "--out", str(out)] + (extra or [])  # report.csv's English headers


def speed(photos: list[Path], work: Path, env: dict, rembg_env: dict, models: list[str], repeat: int) -> list[dict]:
    src = work / "speed_in"
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for p in photos:
        os.link(p, src / p.name)
    rows = []
    for model in models:
        runs = {"rembg": [], "ours": []}
        for _ in range(repeat):
            for who in ("rembg", "ours"):
                out = work / f"speed_out_{who}"
                shutil.rmtree(out, ignore_errors=True)
                cmd = rembg_cmd(model, src, out) if who == "rembg" else ours_cmd(model, src, out)
                w = Watch(cmd, rembg_env if who == "rembg" else env)
                wall, cpu, code = w.run()
                made = len(list(out.glob("*.png"))) if who == "rembg" else \
                    sum(len(list((out / p).rglob("*.jpg"))) for p in PRESETS.split(","))
                runs[who].append({"wall": wall, "cpu": cpu, "peak": w.peak, "files": made, "code": code})
                print(f"  {model:18} {who:5} {wall:7.1f} s wall {cpu:7.1f} s CPU  peak {w.peak / 1e9:.2f} GB "
                      f"{made} files", flush=True)
        ratios = [r["wall"] / o["wall"] for r, o in zip(runs["rembg"], runs["ours"])]
        cpu_ratios = [r["cpu"] / o["cpu"] for r, o in zip(runs["rembg"], runs["ours"]) if o["cpu"]]
        rows.append({"model": model, "photos": len(photos), "rembg": runs["rembg"], "ours": runs["ours"],
                     "ratio_wall": statistics.median(ratios), "ratio_cpu": statistics.median(cpu_ratios),
                     "target": MODELS[model]})
    return rows


def fast_vs_old(photos: list[Path], work: Path, env: dict, n: int, repeat: int,
                baseline: Path | None = None) -> dict:
    """Issue 24: the same n-photo ISNet batch (3 presets, checks on) with the fast ISNet (int8,
    ETALASE_FAST_MODEL=1) and the fp32 path (=0), alternated so machine load hits both alike.
    With ``baseline`` (a checkout of the code before, e.g. ``git worktree add --detach DIR REV``)
    that code's own batch takes the fp32 run's place: the fp32 run shares this tree's faster
    steps after the model, so only the old code is the fair "before" (and 200 photos twice,
    not three times, fit a quiet hour)."""
    src = work / f"fast_in_{n}"
    if not src.exists():
        src.mkdir(parents=True)
        for i in range(n):
            os.link(photos[i % len(photos)], src / f"{i:03d}_{photos[i % len(photos)].name}")
    who_runs = ("before" if baseline else "old", "fast")
    runs: dict[str, list[dict]] = {who: [] for who in who_runs}
    for _ in range(repeat):
        for who in who_runs:
            out = work / f"fast_out_{who}"
            shutil.rmtree(out, ignore_errors=True)
            run_env = dict(env, ETALASE_FAST_MODEL="1" if who == "fast" else "0")
            if who == "before":
                run_env["PYTHONPATH"] = str(baseline)
            w = Watch(ours_cmd("isnet-general-use", src, out, ["--zip", "none"]), run_env,
                      cwd=baseline if who == "before" else REPO)
            wall, cpu, code = w.run()
            runs[who].append({"wall": wall, "cpu": cpu, "peak": w.peak, "code": code,
                              "load": os.getloadavg()[0]})
            print(f"  ISNet {n} photos {who:4} {wall:7.1f} s wall {cpu:7.1f} s CPU peak {w.peak / 1e9:.2f} GB "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    def ratio(key: str, who: str) -> float:
        return statistics.median(o[key] / f[key] for o, f in zip(runs[who], runs["fast"]))

    return {"photos": n, "runs": runs, "old": who_runs[0],
            "ratio_wall": ratio("wall", who_runs[0]), "ratio_cpu": ratio("cpu", who_runs[0])}


def memory(photos: list[Path], work: Path, env: dict, n: int) -> dict:
    """n photos in n/20 vendor folders (hard links of the 20), u2netp, RSS against photos done."""
    src = work / f"mem_in_{n}"
    if not src.exists():
        for i in range(n):
            vendor = src / f"vendor{i // 20:02d}"
            vendor.mkdir(parents=True, exist_ok=True)
            os.link(photos[i % len(photos)], vendor / f"{i:03d}_{photos[i % len(photos)].name}")
    out = work / "mem_out"
    shutil.rmtree(out, ignore_errors=True)
    journal = out / ".etalase" / "journal.jsonl"
    by_done: list[tuple[int, int]] = []
    state = {"last_check": 0.0, "done": 0}

    def sample(now: float, rss: int) -> None:
        if now - state["last_check"] > 0.25:
            state["last_check"] = now
            try:
                state["done"] = journal.read_bytes().count(b"\n")
            except OSError:
                pass
        by_done.append((state["done"], rss))

    w = Watch(ours_cmd("u2netp", src, out, ["--zip", "none"]), env, sample)
    wall, cpu, code = w.run()
    first = max((r for d, r in by_done if 1 <= d <= 50), default=0)
    last = max((r for d, r in by_done if n - 50 <= d < n), default=0)
    return {"photos": n, "wall": wall, "peak": w.peak, "peak_first50": first, "peak_last50": last,
            "growth": last - first, "code": code}


def kill_check(photos: list[Path], work: Path, env: dict, tries: int, seed: int) -> list[dict]:
    from assistant import load_presets

    sizes = {p.name: p.size for p in load_presets(PRESETS)}
    src = work / "speed_in"
    rng = random.Random(seed)
    results = []
    for k in range(tries):
        out = work / "kill_out"
        shutil.rmtree(out, ignore_errors=True)
        journal = out / ".etalase" / "journal.jsonl"
        # kill inside the run: once a random number of photos are journaled, after a random
        # share of the next photo's time (so the kill lands in decoding, the model or writing)
        after = rng.randint(1, len(photos) - 2)
        delay = rng.uniform(0.0, 1.5)
        seen = {"t": None}

        def kill_when(now: float) -> bool:
            if seen["t"] is None:
                try:
                    if journal.read_bytes().count(b"\n") >= after:
                        seen["t"] = now
                except OSError:
                    pass
                return False
            return now - seen["t"] >= delay

        _, _, killed = Watch(ours_cmd("u2netp", src, out, ["--zip", "vendor,all"]), env).run(kill_when=kill_when)
        kill_at = seen["t"] + delay if seen["t"] is not None else float("nan")
        before = [json.loads(line) for line in journal.read_text().splitlines() if line.endswith("}")] \
            if journal.is_file() else []
        stamps = {o["path"]: (out / o["path"]).stat().st_mtime_ns for e in before for o in e["outputs"]}
        parts = len(list(out.rglob("*.part")))
        _, _, rerun_code = Watch(ours_cmd("u2netp", src, out, ["--zip", "vendor,all"]), env).run()
        import csv

        rows = list(csv.DictReader((out / "report.csv").open(encoding="utf-8")))
        problems = []
        per_input: dict[str, list[dict]] = {}
        for row in rows:
            per_input.setdefault(row["input"], []).append(row)
        for p in photos:
            got = per_input.get(str(src / p.name), [])
            if sorted(r["preset"] for r in got) != sorted(sizes):
                problems.append(f"{p.name}: rows {[r['preset'] for r in got]}")
            for r in got:
                if r["status"] == "ok":
                    try:
                        with Image.open(out / r["output"]) as im:
                            im.load()
                            if im.size != sizes[r["preset"]]:
                                problems.append(f"{r['output']}: size {im.size}")
                    except Exception as exc:  # noqa: BLE001 - a broken output is what we look for
                        problems.append(f"{r['output']}: {exc}")
                elif r["status"] != "error":
                    problems.append(f"{p.name}: status {r['status']}")
        redone = [path for path, stamp in stamps.items() if (out / path).stat().st_mtime_ns != stamp]
        resumed = sum(r["resumed"] == "1" for r in rows) // len(sizes)
        leftover = len(list(out.rglob("*.part")))
        results.append({"kill_at": round(kill_at, 2), "killed": killed == -9, "rerun_exit": rerun_code,
                        "done_before": len(before), "resumed": resumed,
                        "redone": len(redone), "parts_after_kill": parts, "parts_after_rerun": leftover,
                        "problems": problems, "ok": killed == -9 and rerun_code in (0, 1) and not problems and not redone
                        and resumed == len(before) and leftover == 0})
        print(f"  kill {k + 1}: at {kill_at:.1f} s ({'killed' if killed == -9 else 'ended first'}), "
              f"{len(before)} done before, {resumed} reused, "
              f"{len(redone)} redone, {len(problems)} problems", flush=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "etalase-batch-bench")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--memory-photos", type=int, default=200)
    ap.add_argument("--fast-photos", type=int, default=200, help="ISNet batch, fast int8 against fp32 (issue 24)")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="a checkout of the code before: its ISNet batch is timed beside the fast one")
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--skip", default="")
    ap.add_argument("--rembg-pythonpath", default=os.environ.get("REMBG_CLI_PATH", ""))
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.quick:
        args.models, args.memory_photos, args.kills, args.fast_photos = "u2netp", 60, 1, 20
    skip = set(args.skip.split(","))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    from assistant.models import registry as model_registry

    models_dir = model_registry.models_dir()
    env["ETALASE_MODELS"] = os.environ["ETALASE_MODELS"] = str(models_dir)
    rembg_env = dict(env, U2NET_HOME=str(models_dir),
                     PYTHONPATH=os.pathsep.join(p for p in (args.rembg_pythonpath, str(REPO)) if p))
    probe = subprocess.run(rembg_cmd("u2netp", Path("x"), Path("y"))[:4] + ["--help"], env=rembg_env,
                           capture_output=True, text=True)
    photos = make_photos(args.work / "photos")
    print(f"{len(photos)} photos of {Image.open(photos[0]).size[0]}x{Image.open(photos[0]).size[1]}, "
          f"{sum(p.stat().st_size for p in photos) / len(photos) / 1e6:.1f} MB each; "
          f"{psutil.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", flush=True)
    report: dict = {"cores": psutil.cpu_count(), "load_before": os.getloadavg()[0]}
    if "speed" not in skip:
        if probe.returncode != 0:
            sys.exit("rembg's CLI does not start here (its 'cli' extra is missing): see --rembg-pythonpath\n"
                     + probe.stderr[-500:])
        report["speed"] = speed(photos, args.work, env, rembg_env, args.models.split(","), args.repeat)
    if "fast" not in skip:
        report["fast"] = fast_vs_old(photos, args.work, env, args.fast_photos, args.repeat, args.baseline)
    if "memory" not in skip:
        report["memory"] = memory(photos, args.work, env, args.memory_photos)
        m = report["memory"]
        print(f"  memory: {m['photos']} photos in {m['wall']:.0f} s, peak {m['peak'] / 1e9:.2f} GB, "
              f"first 50 {m['peak_first50'] / 1e9:.2f} GB, last 50 {m['peak_last50'] / 1e9:.2f} GB", flush=True)
    if "kill" not in skip:
        report["kill"] = kill_check(photos, args.work, env, args.kills, args.seed)
    report["load_after"] = os.getloadavg()[0]

    print("\n| measure | rembg p | Etalase batch | ratio | target |\n|---|---|---|---|---|")
    for row in report.get("speed", []):
        r, o = row["rembg"], row["ours"]
        rw, ow = statistics.median(x["wall"] for x in r), statistics.median(x["wall"] for x in o)
        rc, oc = statistics.median(x["cpu"] for x in r), statistics.median(x["cpu"] for x in o)
        print(f"| {row['model']}, {row['photos']} photos, wall | {rw:.1f} s ({row['photos'] / rw:.2f} photos/s, "
              f"{r[0]['files']} PNG) | {ow:.1f} s ({row['photos'] / ow:.2f} photos/s, {o[0]['files']} JPEG) | "
              f"{row['ratio_wall']:.2f}x | >= {row['target']}x |")
        print(f"| {row['model']}, CPU time | {rc:.1f} s | {oc:.1f} s | {row['ratio_cpu']:.2f}x | |")
        print(f"| {row['model']}, peak RSS | {max(x['peak'] for x in r) / 1e9:.2f} GB | "
              f"{max(x['peak'] for x in o) / 1e9:.2f} GB | | |")
    if "fast" in report:
        f = report["fast"]
        old = statistics.median(x["wall"] for x in f["runs"][f["old"]])
        new = statistics.median(x["wall"] for x in f["runs"]["fast"])
        label = "the code before (fp32)" if f["old"] == "before" else "fp32 (ETALASE_FAST_MODEL=0)"
        print(f"| ISNet, {f['photos']} photos x 3 presets, {label} / now (fast int8), wall | {old:.1f} s | "
              f"{new:.1f} s | {f['ratio_wall']:.2f}x (CPU {f['ratio_cpu']:.2f}x) | >= 1.6x |")
    if "memory" in report:
        m = report["memory"]
        print(f"| {m['photos']}-photo batch (u2netp): peak RSS | | {m['peak'] / 1e9:.2f} GB | | <= 1.0 GB |")
        print(f"| peak RSS, photos 1-50 / last 50 | | {m['peak_first50'] / 1e9:.2f} / {m['peak_last50'] / 1e9:.2f} GB"
              f" ({m['growth'] / 1e6:+.0f} MB) | | no growth |")
    if "kill" in report:
        ks = report["kill"]
        print(f"| SIGKILL at a random moment, rerun ({len(ks)} tries) | | "
              f"{sum(k['ok'] for k in ks)}/{len(ks)} clean; {sum(k['resumed'] for k in ks)} photos reused, "
              f"{sum(k['redone'] for k in ks)} redone, {sum(len(k['problems']) for k in ks)} problems | | all clean |")
    print(f"\nload average {report['load_before']:.1f} before, {report['load_after']:.1f} after")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
