"""Cutout quality: this project's cutout against rembg's, same model, same photos, same run.

For every set under ../shared/data that has masks (``bigbird6``, ``dis5k_products_dev``)
and both models (``u2netp``, ``isnet-general-use``) it measures, per photo:

- mean IoU of the alpha thresholded at 0.5 against the ground-truth mask;
- boundary F-measure with a 3 px tolerance;
- alpha MAE (alpha and mask in 0..1);
- seconds: the model's inference alone (``Segmenter.predict``: resize to the network's
  input, the network), our refinement alone (``cutout.cut``: ``refine_alpha`` with the
  scene judged and the hand removed, as the pipeline runs it), and rembg's whole
  ``remove`` call.

Photos are decoded the way the pipeline decodes them (``open_photo`` with the working
side of a 1200 px output, i.e. 1800 px long side; JPEG draft mode may leave up to 2250);
the ground-truth mask is resized to that same size and both tools are scored there.
rembg is called through its own API (``new_session`` + ``remove``) on that same decoded
photo, so it returns an alpha of the same size.

    .venv/bin/python bench/cutout_quality.py              # full run, writes docs/cutout.md
    .venv/bin/python bench/cutout_quality.py --limit 2 --sets bigbird6 --models u2netp --no-write
    .venv/bin/python bench/cutout_quality.py --figure   # only redraws docs/cutout/before_after.png

It exits with status 2 (and a message) when ../shared/data is absent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ETALASE_SHARED", REPO.parent / "shared" / "data"))
SETS = ("bigbird6", "dis5k_products_dev")
MODELS = ("u2netp", "isnet-general-use")
WORKING_SIDE = 1800  # pipeline.working_side for a 1200 px output
TOLERANCE = 3  # px, boundary F


# ----------------------------------------------------------------------------- metrics

def iou(alpha: np.ndarray, gt: np.ndarray) -> float:
    """IoU of ``alpha > 0.5`` and ``gt > 0.5`` (both uint8 0..255)."""
    a, g = alpha > 127, gt > 127
    union = np.count_nonzero(a | g)
    return 1.0 if union == 0 else np.count_nonzero(a & g) / union


def _boundary(mask: np.ndarray) -> np.ndarray:
    m = mask.astype(np.uint8)
    return (m - cv2.erode(m, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE)) > 0


def boundary_f(alpha: np.ndarray, gt: np.ndarray, tol: int = TOLERANCE) -> float:
    """F-measure of the masks' boundary pixels, a match being within ``tol`` px."""
    pb, gb = _boundary(alpha > 127), _boundary(gt > 127)
    if not pb.any() and not gb.any():
        return 1.0
    if not pb.any() or not gb.any():
        return 0.0
    dist_g = cv2.distanceTransform((~gb).astype(np.uint8), cv2.DIST_L2, 3)
    dist_p = cv2.distanceTransform((~pb).astype(np.uint8), cv2.DIST_L2, 3)
    precision = float(np.mean(dist_g[pb] <= tol))
    recall = float(np.mean(dist_p[gb] <= tol))
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def alpha_mae(alpha: np.ndarray, gt: np.ndarray) -> float:
    return float(np.mean(np.abs(alpha.astype(np.float32) - gt.astype(np.float32)))) / 255.0


def scores(alpha: np.ndarray, gt: np.ndarray) -> tuple[float, float, float]:
    return iou(alpha, gt), boundary_f(alpha, gt), alpha_mae(alpha, gt)


# ----------------------------------------------------------------------------- data

def photos(set_name: str, limit: int | None = None) -> list[tuple[Path, Path]]:
    """(image, mask) pairs of a set, sorted by name."""
    folder = SHARED / set_name
    pairs = []
    for img in sorted((folder / "images").iterdir()):
        mask = folder / "masks" / (img.stem + ".png")
        if mask.exists():
            pairs.append((img, mask))
    return pairs[:limit] if limit else pairs


def load(image: Path, mask: Path, side: int = WORKING_SIDE) -> tuple[np.ndarray, np.ndarray, float]:
    """The photo decoded as the pipeline decodes it, its mask at that size, decode seconds."""
    from assistant.photo import open_photo

    t0 = time.perf_counter()
    photo = open_photo(image, max_side=side)
    seconds = time.perf_counter() - t0
    gt = Image.open(mask).convert("L").resize(photo.size, Image.Resampling.BILINEAR)
    return np.asarray(photo.image), np.asarray(gt), seconds


# ----------------------------------------------------------------------------- runs

@dataclass
class Row:
    set_name: str
    model: str
    tool: str  # "etalase" | "rembg"
    iou: list[float] = field(default_factory=list)
    bf: list[float] = field(default_factory=list)
    mae: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    infer: list[float] = field(default_factory=list)  # ours only: model inference alone
    refine: list[float] = field(default_factory=list)  # ours only: refine_alpha alone
    names: list[str] = field(default_factory=list)

    def add(self, name: str, alpha: np.ndarray, gt: np.ndarray, seconds: float) -> None:
        i, b, m = scores(alpha, gt)
        self.names.append(name)
        self.iou.append(i)
        self.bf.append(b)
        self.mae.append(m)
        self.seconds.append(seconds)


def rembg_session(model: str, models_dir: str):
    os.environ["U2NET_HOME"] = models_dir
    from rembg import new_session

    if model == "u2netp":
        return new_session("u2netp")
    return new_session("dis_custom", model_path=os.path.join(models_dir, "isnet-general-use.onnx"))


def run(sets=SETS, models=MODELS, limit: int | None = None, side: int = WORKING_SIDE,
        verbose: bool = True, save_dir: Path | None = None) -> dict[tuple[str, str, str], Row]:
    """Score ours and rembg's on each (set, model); returns rows keyed (set, model, tool)."""
    from rembg import remove

    from assistant.models import registry as model_registry
    from assistant.models import session as segment
    from assistant.stages import cutout

    models_dir = str(model_registry.verify(models[0]).parent)
    rows: dict[tuple[str, str, str], Row] = {}
    for model in models:
        ours_seg = segment.get_segmenter(model)
        ref = rembg_session(model, models_dir)
        warm = np.zeros((64, 64, 3), np.uint8)
        ours_seg.predict(warm)
        remove(Image.fromarray(warm), session=ref)
        for set_name in sets:
            mine = rows.setdefault((set_name, model, "etalase"), Row(set_name, model, "etalase"))
            theirs = rows.setdefault((set_name, model, "rembg"), Row(set_name, model, "rembg"))
            for image, mask in photos(set_name, limit):
                rgb, gt, _ = load(image, mask, side)
                # Interleave the two tools photo by photo so load on the shared CPU hits both alike.
                t0 = time.perf_counter()
                soft = ours_seg.predict(rgb)
                t1 = time.perf_counter()
                alpha = cutout.cut(soft, rgb).alpha  # the pipeline's cut: hands, piles (issue 16)
                t2 = time.perf_counter()
                mine.add(image.stem, alpha, gt, t2 - t0)
                mine.infer.append(t1 - t0)
                mine.refine.append(t2 - t1)
                t0 = time.perf_counter()
                out = remove(Image.fromarray(rgb), session=ref)
                ref_alpha = np.asarray(out)[..., 3]
                theirs.add(image.stem, ref_alpha, gt, time.perf_counter() - t0)
                if save_dir is not None:
                    _save_pair(save_dir, f"{set_name}.{model}.{image.stem}", rgb, alpha, ref_alpha)
                if verbose:
                    print(f"{set_name:20s} {model:18s} {image.stem[:40]:40s} "
                          f"IoU {mine.iou[-1]:.3f}/{theirs.iou[-1]:.3f}  "
                          f"BF {mine.bf[-1]:.3f}/{theirs.bf[-1]:.3f}  "
                          f"MAE {mine.mae[-1]:.4f}/{theirs.mae[-1]:.4f}  "
                          f"infer {mine.infer[-1]:.2f}s refine {mine.refine[-1]:.3f}s",
                          flush=True)
    return rows


def _save_pair(folder: Path, name: str, rgb: np.ndarray, ours: np.ndarray, ref: np.ndarray) -> None:
    """rembg's cutout | ours, on white, 600 px high, for looking at."""
    folder.mkdir(parents=True, exist_ok=True)
    scale = 600 / rgb.shape[0]
    size = (round(rgb.shape[1] * scale), 600)
    tiles = []
    for alpha in (ref, ours):
        a = alpha.astype(np.float32)[..., None] / 255.0
        tiles.append(cv2.resize((255 + a * (rgb.astype(np.float32) - 255)).astype(np.uint8), size,
                                interpolation=cv2.INTER_AREA))
    Image.fromarray(np.hstack(tiles)).save(folder / f"{name}.png")


# ----------------------------------------------------------------------------- figure

FIGURE = (("honey_bunches__NP2_342", "isnet-general-use"), ("nature_valley__NP2_123", "u2netp"),
          ("mahatma_rice__NP5_348", "isnet-general-use"))  # bigbird6 only: DIS5K never goes in docs


def figure(path: Path = REPO / "docs" / "cutout" / "before_after.png", tile_w: int = 250) -> None:
    """Photo | rembg's cutout | ours, on white, one row per (bigbird6 photo, model) of FIGURE."""
    from PIL import ImageDraw
    from rembg import remove

    from assistant.models import registry as model_registry
    from assistant.models import session as segment
    from assistant.stages import cutout

    models_dir = str(model_registry.verify(FIGURE[0][1]).parent)
    rows = []
    for stem, model in FIGURE:
        image = SHARED / "bigbird6" / "images" / f"{stem}.jpg"
        rgb, _, _ = load(image, SHARED / "bigbird6" / "masks" / f"{stem}.png")
        ours = cutout.refine_alpha(segment.get_segmenter(model).predict(rgb), rgb)
        ref = np.asarray(remove(Image.fromarray(rgb), session=rembg_session(model, models_dir)))[..., 3]
        size = (tile_w, round(tile_w * rgb.shape[0] / rgb.shape[1]))
        tiles = []
        short = "ISNet" if model.startswith("isnet") else model
        for label, alpha in ((f"photo (bigbird6, {short})", None), ("rembg remove", ref), ("Etalase", ours)):
            if alpha is None:
                out = rgb
            else:
                a = alpha.astype(np.float32)[..., None] / 255.0
                out = (255 + a * (rgb.astype(np.float32) - 255) + 0.5).astype(np.uint8)
            tile = Image.fromarray(cv2.resize(out, size, interpolation=cv2.INTER_AREA))
            ImageDraw.Draw(tile).text((4, 3), label, fill=(0, 0, 0))
            tiles.append(np.asarray(tile))
        gap = np.full((size[1], 6, 3), 200, np.uint8)
        rows.append(np.hstack([tiles[0], gap, tiles[1], gap, tiles[2]]))
    bar = np.full((6, rows[0].shape[1], 3), 200, np.uint8)
    stacked = [r for row in rows for r in (row, bar)][:-1]
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.vstack(stacked)).quantize(256).save(path, optimize=True)


# ----------------------------------------------------------------------------- report

def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def table(rows: dict[tuple[str, str, str], Row]) -> str:
    """The markdown table: per set and model, ours vs rembg, plus the union of the sets."""
    models = sorted({k[1] for k in rows}, key=lambda m: MODELS.index(m) if m in MODELS else 9)
    sets = [s for s in SETS if any(k[0] == s for k in rows)]
    lines = ["| set | model | tool | photos | mean IoU | mean boundary F (3 px) | mean alpha MAE | s/photo | "
             "inference s | refine s | cutout / inference |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for model in models:
        for set_name in sets + ["all"]:
            group = [s for s in sets] if set_name == "all" else [set_name]
            for tool in ("etalase", "rembg"):
                picked = [rows[(s, model, tool)] for s in group if (s, model, tool) in rows]
                cat = lambda attr: [v for r in picked for v in getattr(r, attr)]  # noqa: E731
                n = len(cat("iou"))
                if n == 0:
                    continue
                if tool == "etalase":
                    inf, ref = _mean(cat("infer")), _mean(cat("refine"))
                    extra = f"{inf:.3f} | {ref:.3f} | {(inf + ref) / inf:.2f}x"
                else:
                    extra = "– | – | –"
                label = "**Etalase**" if tool == "etalase" else "rembg `remove`"
                lines.append(f"| {set_name} | {model} | {label} | {n} | {_mean(cat('iou')):.3f} | "
                             f"{_mean(cat('bf')):.3f} | {_mean(cat('mae')):.4f} | {_mean(cat('seconds')):.2f} | "
                             f"{extra} |")
    return "\n".join(lines)


def per_photo(rows: dict[tuple[str, str, str], Row]) -> str:
    lines = ["| set | model | photo | IoU ours / rembg | boundary F ours / rembg | MAE ours / rembg |",
             "|---|---|---|---|---|---|"]
    for (set_name, model, tool), row in rows.items():
        if tool != "etalase":
            continue
        ref = rows[(set_name, model, "rembg")]
        for k, name in enumerate(row.names):
            lines.append(f"| {set_name} | {model} | {name[:40]} | {row.iou[k]:.3f} / {ref.iou[k]:.3f} | "
                         f"{row.bf[k]:.3f} / {ref.bf[k]:.3f} | {row.mae[k]:.4f} / {ref.mae[k]:.4f} |")
    return "\n".join(lines)


DOC_MARK = "<!-- harness table: written by bench/cutout_quality.py -->"


def write_doc(rows, path: Path = REPO / "docs" / "cutout.md") -> None:
    """Replace the harness section of docs/cutout.md (everything after DOC_MARK)."""
    head = path.read_text().split(DOC_MARK)[0] if path.exists() else "# Cutout\n\n"
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    body = (f"{DOC_MARK}\n\nMeasured {stamp} by `bench/cutout_quality.py` on this machine "
            f"({os.cpu_count()} CPU threads, shared), photos decoded at the working size "
            f"(long side {WORKING_SIDE} px, draft mode may leave up to {int(WORKING_SIDE * 1.25)}), "
            f"both tools scored at that size.\n\n{table(rows)}\n\n<details><summary>Per photo</summary>\n\n"
            f"{per_photo(rows)}\n\n</details>\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--limit", type=int, default=None, help="photos per set")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/cutout.md")
    parser.add_argument("--save", type=Path, default=None, help="folder for rembg|ours pictures")
    parser.add_argument("--figure", action="store_true", help="only redraw docs/cutout/before_after.png")
    args = parser.parse_args(argv)
    if not SHARED.exists():
        print(f"{SHARED} is absent: the cutout harness needs the shared data sets.", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    if args.figure:
        figure()
        return 0
    rows = run(args.sets, args.models, args.limit, save_dir=args.save)
    print(table(rows))
    if not args.no_write:
        write_doc(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
