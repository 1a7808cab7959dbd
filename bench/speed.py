"""Speed: this project's process_file against the model alone and against rembg's shortest path.

One run, the same 12 MP JPEGs (made by upscaling ../shared/data photos) and the same model:
  (a) the model's inference alone (our onnxruntime session on the prepared tensor; rembg's own
      session on the same tensor is printed beside it: ours runs the fp16 ISNet widened to fp32);
  (b) ``process_file`` to one preset (decode, cutout, lighting, framing, JPEG export);
  (c) ``rembg.remove()`` on the opened Pillow image with a cached session, then a Pillow crop
      to the alpha's box, resize, pad and JPEG save to the same preset.
Prints medians, b/a and c/b per model, and the peak RSS of process_file on a 48 MP JPEG.
Run by hand: `make bench` or `.venv/bin/python bench/speed.py [--photos N]`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("ETALASE_SHARED", REPO.parent / "shared" / "data"))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from assistant import load_preset, process_file  # noqa: E402
from assistant.models import fast as models_fast, registry as models, session as segment  # noqa: E402
from assistant.photo import open_photo  # noqa: E402
from assistant.pipeline import working_side  # noqa: E402

PRESET = "tokopedia"


def make_photos(folder: Path, count: int) -> list[Path]:
    sources = sorted((SHARED / "dis5k_products_dev" / "images").glob("*.jpg"))[:count // 2]
    sources += sorted((SHARED / "bigbird6" / "images").glob("*.jpg"))[: count - len(sources)]
    paths = []
    for i, src in enumerate(sources):
        img = Image.open(src).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
        path = folder / f"phone_{i:02d}.jpg"
        img.save(path, quality=92)
        paths.append(path)
    return paths


def rembg_path(photo: Path, session, out: Path) -> None:
    """What a rembg user writes to get a marketplace JPEG: remove, crop, resize, pad, save."""
    from rembg import remove

    preset = load_preset(PRESET)
    cut = remove(Image.open(photo), session=session)
    cut = cut.crop(cut.getchannel("A").getbbox())
    side = round(preset.size[0] * preset.image.fill)
    cut.thumbnail((side, side), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", preset.size, preset.image.background)
    canvas.paste(cut, ((preset.size[0] - cut.width) // 2, (preset.size[1] - cut.height) // 2), cut)
    canvas.save(out, "JPEG", quality=preset.image.quality)


def rembg_session(name: str):
    from rembg import new_session

    os.environ["U2NET_HOME"] = str(models.models_dir())
    if name == "u2netp":
        return new_session("u2netp")
    return new_session("dis_custom", model_path=str(models.model_path(name)))


def median_time(fn, items) -> float:
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextlib.contextmanager
def fast_setting(on: bool):
    """ETALASE_FAST_MODEL for the block: 1 the default int8 ISNet, 0 the fp32 file (the old path)."""
    old = os.environ.get("ETALASE_FAST_MODEL")
    os.environ["ETALASE_FAST_MODEL"] = "1" if on else "0"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("ETALASE_FAST_MODEL", None)
        else:
            os.environ["ETALASE_FAST_MODEL"] = old


def bench_model(name: str, photos: list[Path], out: Path) -> list[dict]:
    """One row per path: for a model that has one, the fast (int8, default) path, then the old
    fp32 path (ETALASE_FAST_MODEL=0), measured interleaved photo by photo in the same run. The int8
    file must have been made (`python -m assistant models install`), else both rows are fp32."""
    ref = segment.get_segmenter(name, fast=False)
    paths = {}
    if name in models_fast.FAST_MODELS:
        paths["fast (int8, default)"] = (segment.get_segmenter(name, fast=True), lambda: fast_setting(True))
    old = "old (fp32, ETALASE_FAST_MODEL=0)" if name in models_fast.FAST_MODELS else "default"
    paths[old] = (ref, lambda: fast_setting(False))
    seg = ref
    side = working_side([load_preset(PRESET)])
    tensors = [seg.prepare(np.asarray(open_photo(p, max_side=side).image)) for p in photos]

    def infer_with(s):  # what Segmenter.predict runs, without the preparation
        return lambda tensor: s.session.run([s.output_name], {s.input_name: tensor})

    session = rembg_session(name)
    rembg_path(photos[0], session, out / "warm.jpg")
    for s, ctx in paths.values():
        infer_with(s)(tensors[0])  # warm
        with ctx():
            process_file(photos[0], out / "warm", [PRESET], model=name)
    # Interleave everything so machine noise hits all alike.
    inner = session.inner_session  # rembg's own onnxruntime session on the installed file

    def infer_rembg(tensor: np.ndarray) -> None:
        inner.run(None, {inner.get_inputs()[0].name: tensor})

    times = {k: {"a": [], "b": []} for k in paths}
    a_rembg, c = [], []
    for i, photo in enumerate(photos):
        for k, (s, ctx) in paths.items():
            times[k]["a"].append(median_time(infer_with(s), [tensors[i]]))
            with ctx():
                times[k]["b"].append(median_time(lambda p: process_file(p, out / "ours", [PRESET], model=name),
                                                 [photo]))
        a_rembg.append(median_time(infer_rembg, [tensors[i]]))
        c.append(median_time(lambda p: rembg_path(p, session, out / f"rembg_{p.stem}.jpg"), [photo]))
    mc = statistics.median(c)
    rows = []
    for k, (s, _) in paths.items():
        ma, mb = statistics.median(times[k]["a"]), statistics.median(times[k]["b"])
        rows.append({"model": name, "path": k, "engine": s.providers[0], "a": ma,
                     "a_rembg": statistics.median(a_rembg), "b": mb, "c": mc, "b/a": mb / ma, "c/b": mc / mb})
    if len(rows) == 2:  # same-run ratios of the fast path to the default one
        rows[0]["vs_old"] = (rows[0]["a"] / rows[1]["a"], rows[0]["b"] / rows[1]["b"])
    return rows


def peak_rss_48mp(model: str, fast: bool = False) -> float:
    """Peak RSS (MB) of a fresh process running process_file on one 48 MP JPEG."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "48mp.jpg"
        base = sorted((SHARED / "dis5k_products_dev" / "images").glob("*.jpg"))[1]
        Image.open(base).convert("RGB").resize((8000, 6000), Image.Resampling.BILINEAR).save(src, quality=90)
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec from this (large) parent.
        code = ("import sys; sys.path.insert(0, %r); from assistant import process_file; "
                "process_file(%r, %r, ['%s'], model=%r); "
                "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])") % (
            str(REPO), str(src), str(Path(tmp) / "out"), PRESET, model)
        env = dict(os.environ, ETALASE_FAST_MODEL="1" if fast else "0")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=8)
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit("../shared/data is absent: the speed bench needs its real photos.")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        photos = make_photos(tmp, args.photos)
        rows = [r for m in ("isnet-general-use", "u2netp") for r in bench_model(m, photos, tmp)]
    print(f"\n{len(photos)} photos of 4000x3000 (12 MP), preset {PRESET}, device {models.device()}, "
          f"{os.cpu_count()} cores\n")
    print("| model | path (engine) | (a) inference alone | rembg's session, inference alone | (b) process_file "
          "| (c) rembg.remove + Pillow | b/a | c/b | fast / old: (a), (b) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        vs = f"{r['vs_old'][0]:.2f}x, {r['vs_old'][1]:.2f}x" if "vs_old" in r else ""
        print(f"| {r['model']} | {r['path']} ({r['engine']}) | {r['a']:.3f} s | {r['a_rembg']:.3f} s | {r['b']:.3f} s "
              f"| {r['c']:.3f} s | {r['b/a']:.2f} | {r['c/b']:.2f} | {vs} |")
    print(f"load average during the run (1/5/15 min): {os.getloadavg()}")
    print(f"\npeak RSS of this bench (rembg's path included): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"peak RSS of process_file on a 48 MP JPEG (u2netp): {peak_rss_48mp('u2netp'):.0f} MB")
    print(f"peak RSS of process_file on a 48 MP JPEG (isnet-general-use, the default int8 path): "
          f"{peak_rss_48mp('isnet-general-use', fast=True):.0f} MB")
    print(f"peak RSS of process_file on a 48 MP JPEG (isnet-general-use, fp32, ETALASE_FAST_MODEL=0): "
          f"{peak_rss_48mp('isnet-general-use'):.0f} MB")


if __name__ == "__main__":
    main()
