"""The fast (int8) ISNet against the fp32 one, same run: quality on both mask sets and inference time.

For every photo of ``bigbird6`` and ``dis5k_products_dev`` (decoded as the pipeline decodes them,
bench/cutout_quality.load) both segmenters run, interleaved, and the pipeline's cut
(``cutout.cut``) of each mask is scored against the ground truth (IoU, boundary F 3 px, alpha MAE).
Inference is timed as CPU time of ``predict`` (the machine is shared: CPU time is what load
distorts least). The fast file is made in a private models folder from the installed ISNet, with
the recipe of assistant/models/fast.py; the user's models folder is not written.

    .venv/bin/python bench/int8_quality.py [--limit N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402

NAME = "isnet-general-use"


def _private_models(folder: Path, src: Path) -> None:
    for name in (f"{NAME}.onnx", f"{NAME}.runtime.onnx"):
        os.symlink(src / name, folder / name)
        (folder / f".{name}.verified").write_bytes((src / f".{name}.verified").read_bytes())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    import cutout_quality as cq

    from assistant.models import fast, registry, session

    src = registry.model_path(NAME).parent
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ETALASE_MODELS"] = tmp
        _private_models(Path(tmp), src)
        from assistant.stages import cutout

        made, reason = fast.make(NAME, registry.runtime_path(NAME))
        if made is None:
            print(f"fast file not made: {reason}")
            return 1
        segs = {"old": session.get_segmenter(NAME, fast=False), "kept": session.get_segmenter(NAME, fast=True)}
        print(f"engines: old {segs['old'].providers[0]}, kept {segs['kept'].providers[0]}")
        rows: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        cpu = {"old": 0.0, "kept": 0.0}
        for set_name in cq.SETS:
            for image, mask in cq.photos(set_name, args.limit):
                rgb, gt, _ = cq.load(image, mask)
                line = []
                for tag, seg in segs.items():
                    t0 = time.process_time()
                    soft = seg.predict(rgb)
                    cpu[tag] += time.process_time() - t0
                    score = cq.scores(cutout.cut(soft, rgb).alpha, gt)
                    rows.setdefault((set_name, tag), []).append(score)
                    line.append(f"{tag} IoU {score[0]:.3f} BF {score[1]:.3f}")
                print(f"{set_name:20s} {image.stem[:36]:36s} " + "  ".join(line), flush=True)
        print("\n| set | IoU old / kept | boundary F old / kept | alpha MAE old / kept |\n|---|---|---|---|")
        for set_name in cq.SETS:
            old, kept = np.array(rows[(set_name, "old")]), np.array(rows[(set_name, "kept")])
            o, k = old.mean(0), kept.mean(0)
            print(f"| {set_name} ({len(old)}) | {o[0]:.4f} / {k[0]:.4f} ({k[0] - o[0]:+.4f}) | "
                  f"{o[1]:.4f} / {k[1]:.4f} ({k[1] - o[1]:+.4f}) | {o[2]:.4f} / {k[2]:.4f} |")
        print(f"\ninference CPU time, kept / old: {cpu['kept'] / cpu['old']:.3f} "
              f"({cpu['kept']:.1f} s / {cpu['old']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
