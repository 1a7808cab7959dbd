"""How to choose an int8 ISNet recipe without looking at the quality sets: agreement with fp32 on held-out photos.

36 photos that are in neither mask set and not among the calibration photos of
bench/make_int8_ranges.py: 24 ``grocery_phone`` (evenly spaced by name) and 12
``grocery_packshots``. Each int8 file given runs on them (``--engine onnxruntime``, ``openvino``,
or ``exact``: onnxruntime with graph optimisations off, i.e. exact quantise/dequantise
arithmetic around fp32 kernels, which separates quantisation error from kernel error), and its
mask at the model's output (1024 x 1024, > 0.5) is scored against the fp32 model's: IoU,
boundary F (2 px), mean |difference| of the soft masks, CPU seconds a photo.

    .venv/bin/python bench/int8_heldout.py FILE.int8.onnx [...] [--engine openvino] [--limit 8]

Make candidate files with assistant.models.fast.quantise (or onnxruntime's quantize_static) into
a scratch folder; docs/speed.md ("Round 2") has the table this gave.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("ETALASE_SHARED", REPO.parent / "shared" / "data"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

NAME = "isnet-general-use"


def held_out() -> list[Path]:
    phone = sorted((SHARED / "grocery_phone" / "images").glob("*.jpg"))
    pack = sorted((SHARED / "grocery_packshots" / "images").glob("*.jpg"))
    calib = set(phone[3::18][:16]) | set(phone[:: len(phone) // 5][:5])  # this round's and round 1's
    rest = [p for p in phone if p not in calib]
    return rest[5:: len(rest) // 24][:24] + pack[2:: len(pack) // 12][:12]


def _session(path: Path, engine: str):
    if engine == "openvino":
        from assistant.models.fast import OpenVinoSession

        return OpenVinoSession(path, 0)
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.enable_mem_pattern = False
    if engine == "exact":
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _edge(mask: np.ndarray) -> np.ndarray:
    m = mask.astype(np.uint8)
    return (m - cv2.erode(m, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE)) > 0


def boundary_f(a: np.ndarray, b: np.ndarray, tol: int = 2) -> float:
    pa, pb = _edge(a), _edge(b)
    if not pa.any() or not pb.any():
        return float(pa.any() == pb.any())
    da = cv2.distanceTransform((~pa).astype(np.uint8), cv2.DIST_L2, 3)
    db = cv2.distanceTransform((~pb).astype(np.uint8), cv2.DIST_L2, 3)
    p, r = np.mean(db[pa] <= tol), np.mean(da[pb] <= tol)
    return 0.0 if p + r == 0 else float(2 * p * r / (p + r))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--engine", default="onnxruntime", choices=["onnxruntime", "openvino", "exact"])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--refs", type=Path, default=None,
                        help="an .npy to keep the fp32 masks in (written once, read by later runs)")
    parser.add_argument("--per-photo", action="store_true", help="also each photo's IoU")
    args = parser.parse_args()
    from assistant.models import registry, session

    seg = session.Segmenter(registry.model_info(NAME), None, ("CPUExecutionProvider",), "input", "output")
    photos = held_out()[: args.limit]
    tensors = [seg.prepare(np.asarray(Image.open(p).convert("RGB"))) for p in photos]
    if args.refs and args.refs.is_file():
        refs = list(np.load(args.refs))[: len(tensors)]
    else:
        ref_session = _session(registry.runtime_path(NAME), "onnxruntime")
        refs = [ref_session.run(None, {"input": x})[0][0, 0] for x in tensors]
        del ref_session
        if args.refs:
            np.save(args.refs, np.stack(refs))
    print("| file | engine | IoU | boundary F | mean abs diff | IoU < 0.9 | lowest IoU | mean diff, fp32 in 0.3-0.7 | CPU s / photo |\n"
          "|---|---|---|---|---|---|---|---|---|")
    for path in args.files:
        s = _session(path, args.engine)
        scores, t0 = [], time.process_time()
        for x, ref in zip(tensors, refs):
            y = s.run(None, {"input": x})[0][0, 0]
            a, b = y > 0.5, ref > 0.5
            unsure = (ref > 0.3) & (ref < 0.7)  # where the fp32 model is unsure: the cut's decisions
            scores.append((np.count_nonzero(a & b) / max(1, np.count_nonzero(a | b)),
                           boundary_f(a, b), float(np.abs(y - ref).mean()),
                           float((y - ref)[unsure].mean()) if unsure.any() else 0.0))
        cpu = (time.process_time() - t0) / len(tensors)
        m, iou = np.mean(scores, axis=0), np.array([s[0] for s in scores])
        print(f"| {path.name} | {args.engine} | {m[0]:.3f} | {m[1]:.3f} | {m[2]:.4f} | {np.count_nonzero(iou < 0.9)} "
              f"| {iou.min():.3f} | {m[3]:+.4f} | {cpu:.2f} |", flush=True)
        if args.per_photo:
            print("  per photo IoU: " + " ".join(f"{v:.3f}" for v in iou), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
