"""Lighting stage quality harness (run by hand): casts and exposure shifts on clean packshots.

The 81 packshots of ``../shared/data/grocery_packshots`` (198x198, on white) are the clean
references. Each gets ``--per-image`` (default 3) degradations with a fixed seed: a light
colour drawn from the 2234 measured illuminants of SimpleCube++ (``gt_*_full.csv``),
normalised to green and applied in linear RGB, an exposure shift uniform in [-1.5, +1] EV,
clipping, and a JPEG at quality 85 (4:2:0, as a phone saves). Each method's output is
compared with the clean reference by CIEDE2000.

Metrics (per case, then median and 95th percentile over the cases):

* ``prod S`` (the headline): mean CIEDE2000 over the product (the reference thresholded
  below 245, holes filled), after a Gaussian of sigma 2 px in linear light on both images,
  in the spirit of S-CIELAB: the eye does not see the 4:2:0 chroma blocks of a 198 px
  JPEG, and no lighting stage can undo them;
* ``prod``: the same without the filter (JPEG alone already costs a median of ~2 here);
* ``all``: whole image, unfiltered (the white background counts too).

Floors: the JPEG alone; the true cast and exposure inverted (clipped channels filled as
white); and the stage with its estimate replaced by the true light and exposure, which leaves
what the correction itself costs (local contrast, the highlight rebuild, 8-bit rounding), so
the gap between that row and the stage's is the estimate's.

Also measured: invariance on varied scenes (DIS5K product photos downscaled to 1000 px:
the corrected cast photo against the corrected original), do-no-harm on the clean
packshots, and the time per 1200x1200 photo against a fixed baseline operation.

    .venv/bin/python bench/lighting_quality.py            # everything, prints markdown
    .venv/bin/python bench/lighting_quality.py --pictures # also writes docs/lighting/*.png
    PYTHONPATH=/path/to/opencv-contrib .venv/bin/python bench/lighting_quality.py  # + xphoto rows
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageOps
from scipy import ndimage
from skimage.color import deltaE_ciede2000, rgb2lab

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# the stage is loaded after the path is set, so the harness runs as a plain script
_stage = importlib.import_module("assistant.stages.lighting")
_estimate_module = importlib.import_module("assistant.stages.lighting.estimate")
LightingSettings = importlib.import_module("assistant.presets").LightingSettings
analyse_lighting, standardize_lighting = _stage.analyse_lighting, _stage.standardize_lighting

DATA = REPO.parent / "shared" / "data"
PACKSHOTS = DATA / "grocery_packshots" / "images"
CUBE = DATA / "simplecubepp6"
DIS = DATA / "dis5k_products_dev"
PHONE = DATA / "grocery_phone" / "images"
PICTURES = REPO / "docs" / "lighting"

_I = np.arange(256) / 255.0
DECODE = np.where(_I <= 0.04045, _I / 12.92, ((_I + 0.055) / 1.055) ** 2.4)


def encode(lin: np.ndarray) -> np.ndarray:
    x = np.clip(lin, 0, 1)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def to8(lin: np.ndarray) -> np.ndarray:
    return np.round(encode(lin) * 255).astype(np.uint8)


def jpeg(rgb: np.ndarray, quality: int = 85) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(buf).convert("RGB"))


def illuminants(pattern: str = "gt_*_full.csv") -> np.ndarray:
    rows = []
    for path in sorted(CUBE.glob(pattern)):
        with path.open() as fh:
            rows += [[float(r["mean_r"]), float(r["mean_g"]), float(r["mean_b"])] for r in csv.DictReader(fh)]
    ill = np.array(rows)
    return ill / ill[:, 1:2]


def degrade(rgb: np.ndarray, light: np.ndarray, ev: float) -> np.ndarray:
    return jpeg(to8(DECODE[rgb] * light * 2.0 ** ev))


def packshot_mask(ref: np.ndarray) -> np.ndarray:
    m = ref.min(axis=2) < 245
    return ndimage.binary_fill_holes(ndimage.binary_closing(m, iterations=2))


def s_filter(rgb: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    return to8(cv2.GaussianBlur(DECODE[rgb].astype(np.float32), (0, 0), sigma))


# --- baselines -------------------------------------------------------------------------------

def m_none(x, mask):
    return x


def m_greyworld(x, mask):
    lin = DECODE[x]
    mean = lin.reshape(-1, 3).mean(axis=0)
    return to8(lin * (mean.mean() / mean))


def m_whitepatch(x, mask):
    lin = DECODE[x]
    top = np.percentile(lin.reshape(-1, 3), 99, axis=0)
    return to8(lin / top)


def m_autocontrast(x, mask):
    return np.asarray(ImageOps.autocontrast(Image.fromarray(x)))


def xphoto_methods() -> dict:
    if not hasattr(cv2, "xphoto"):
        return {}
    out = {}
    for name, make in (("xphoto SimpleWB", cv2.xphoto.createSimpleWB),
                       ("xphoto GrayworldWB", cv2.xphoto.createGrayworldWB),
                       ("xphoto LearningBasedWB", cv2.xphoto.createLearningBasedWB)):
        wb = make()

        def run(x, mask, wb=wb):
            return cv2.cvtColor(wb.balanceWhite(cv2.cvtColor(x, cv2.COLOR_RGB2BGR)), cv2.COLOR_BGR2RGB)
        out[name] = run
    return out


def m_stage_mask(x, mask):
    return np.asarray(standardize_lighting(Image.fromarray(x), Image.fromarray(mask.astype(np.uint8) * 255)))


def m_stage_nomask(x, mask):
    return np.asarray(standardize_lighting(Image.fromarray(x)))


def m_stage_true_light(x, mask, light, ev):
    """The stage with its estimate replaced by the true light and exposure: what is left is the correction's own cost."""
    estimate = _stage._estimate
    # given as a measured white reference ("background"), which is what the true light is
    _stage._estimate = lambda st: _estimate_module._Estimate(light * 2.0 ** ev, True, "background", 1.0, {}, False)
    try:
        return m_stage_mask(x, mask)
    finally:
        _stage._estimate = estimate


# --- experiments -----------------------------------------------------------------------------

def packshot_cases(per_image: int, seed: int, ill: np.ndarray | None = None):
    rng = np.random.default_rng(seed)
    ill = illuminants() if ill is None else ill
    cases = []
    for path in sorted(PACKSHOTS.glob("*.jpg")):
        ref = np.asarray(Image.open(path).convert("RGB"))
        for _ in range(per_image):
            cases.append((path.stem, ref, ill[rng.integers(len(ill))], float(rng.uniform(-1.5, 1.0))))
    return cases


def other_lights(per_image: int, seed: int) -> list[str]:
    """The same harness under lights the stage's prior has not seen, and under phone-like lamps."""
    planck = _estimate_module._planck_srgb(np.geomspace(2700, 10000, 200)) / _estimate_module._planck_srgb(np.array([6504.0]))
    sets = {"SimpleCube++ test split only (463 lights; the prior holds the training split)":
            illuminants("gt_test_full.csv"),
            "Planckian lamps 2700-10000 K as sRGB casts (what a phone's white balance leaves)": planck}
    methods = {"no correction": m_none, "grey-world": m_greyworld, "this stage, with mask": m_stage_mask}
    lines = ["", ("Other lights, same packshots and exposure shifts (prod S, median / 95th percentile; "
                  "EV > 0 in brackets)."), "",
             "| lights | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for label, ill in sets.items():
        res, evs = score_cases(packshot_cases(per_image, seed, ill), methods)
        cells = [f"{summarise(v[:, 0])} ({summarise(v[evs > 0, 0])})" for v in res.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def scores(ref, out, mask, ref_lab=None, ref_s_lab=None):
    ref_lab = rgb2lab(ref) if ref_lab is None else ref_lab
    ref_s_lab = rgb2lab(s_filter(ref)) if ref_s_lab is None else ref_s_lab
    d = deltaE_ciede2000(ref_lab, rgb2lab(out))
    ds = deltaE_ciede2000(ref_s_lab, rgb2lab(s_filter(out)))
    return ds[mask].mean(), d[mask].mean(), d.mean()


def invert_true_cast(x, mask, ref, light, ev):
    """The floor that knows the cast and exposure: divided out, clipped channels filled as white."""
    lin = DECODE[x] / (light * 2.0 ** ev)
    lin = np.where(x >= 250, np.maximum(lin, lin.max(axis=2, keepdims=True)), lin)
    return to8(lin)


def score_cases(cases, methods: dict, floors: dict | None = None) -> tuple[dict, np.ndarray]:
    """Each method's (and floor's) scores per case, as arrays, and the cases' exposure shifts.

    A method sees what the stage sees, ``fn(x, mask)``; a floor also knows the truth,
    ``fn(x, mask, ref, light, ev)``.
    """
    floors = floors or {}
    res: dict[str, list] = {k: [] for k in [*methods, *floors]}
    for _, ref, light, ev in cases:
        mask = packshot_mask(ref)
        x = degrade(ref, light, ev)
        rl, rsl = rgb2lab(ref), rgb2lab(s_filter(ref))
        for name, fn in methods.items():
            res[name].append(scores(ref, fn(x, mask), mask, rl, rsl))
        for name, fn in floors.items():
            res[name].append(scores(ref, fn(x, mask, ref, light, ev), mask, rl, rsl))
    return {k: np.array(v) for k, v in res.items()}, np.array([ev for *_, ev in cases])


def summarise(values) -> str:
    v = np.asarray(values)
    return f"{np.median(v):.2f} / {np.percentile(v, 95):.2f}"


def harness(per_image: int, seed: int) -> list[str]:
    methods = {"no correction": m_none, "grey-world (linear)": m_greyworld,
               "white-patch (99th pct, linear)": m_whitepatch, "Pillow autocontrast": m_autocontrast}
    methods.update(xphoto_methods())
    methods["**this stage, with mask**"] = m_stage_mask
    methods["**this stage, mask=None**"] = m_stage_nomask
    floors = {"floor: JPEG only (no cast, EV 0)": lambda x, mask, ref, light, ev: jpeg(ref),
              "floor: true cast and EV inverted": invert_true_cast,
              "floor: true light and EV through this stage":
                  lambda x, mask, ref, light, ev: m_stage_true_light(x, mask, light, ev)}
    cases = packshot_cases(per_image, seed)
    res, evs = score_cases(cases, methods, floors)
    lines = [(f"Packshot harness: {len(cases)} cases ({per_image} per packshot, seed {seed}); "
              "CIEDE2000, median / 95th percentile over the cases."), "",
             "| method | prod S (headline) | prod S, EV <= 0 | prod S, EV > 0 | prod (unfiltered) | all (unfiltered) |",
             "|---|---|---|---|---|---|"]
    for name, a in res.items():
        lines.append(f"| {name} | {summarise(a[:, 0])} | {summarise(a[evs <= 0, 0])} | "
                     f"{summarise(a[evs > 0, 0])} | {summarise(a[:, 1])} | {summarise(a[:, 2])} |")
    if not xphoto_methods():
        lines.append("| OpenCV xphoto | n/a: cv2.xphoto absent (opencv-contrib not installed) | | | | |")
    return lines


def invariance(per_image: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed + 1)
    ill = illuminants()
    keys = [(ev_on, key) for ev_on in (False, True) for key in ("with mask", "mask=None")]
    rows: dict = {k: [] for k in keys}
    none: dict = {False: [], True: []}
    for path in sorted((DIS / "images").glob("*.jpg")):
        img = Image.open(path).convert("RGB")
        img.thumbnail((1000, 1000), Image.Resampling.LANCZOS)
        orig = jpeg(np.asarray(img))
        mpath = DIS / "masks" / (path.stem + ".png")
        mask = Image.open(mpath).convert("L").resize(img.size, Image.Resampling.BILINEAR) if mpath.exists() else None
        base = {"with mask": np.asarray(standardize_lighting(Image.fromarray(orig), mask)),
                "mask=None": np.asarray(standardize_lighting(Image.fromarray(orig)))}
        base_s = {k: rgb2lab(s_filter(v)) for k, v in base.items()}
        orig_s = rgb2lab(s_filter(orig))
        for _ in range(per_image):
            light, ev = ill[rng.integers(len(ill))], float(rng.uniform(-1.5, 1.0))
            for ev_on in (False, True):
                x = degrade(np.asarray(img), light, ev if ev_on else 0.0)
                none[ev_on].append(deltaE_ciede2000(orig_s, rgb2lab(s_filter(x))).mean())
                for key in ("with mask", "mask=None"):
                    out = np.asarray(standardize_lighting(Image.fromarray(x), mask if key == "with mask" else None))
                    rows[(ev_on, key)].append(deltaE_ciede2000(base_s[key], rgb2lab(s_filter(out))).mean())
    n = len(none[False])
    lines = ["", (f"Invariance on DIS5K scenes ({n} cases: {per_image} SimpleCube++ lights per photo, downscaled "
                  "to 1000 px, JPEG 85): CIEDE2000 (sigma-2 filtered, whole image) between the corrected cast photo "
                  "and the corrected original, median / 95th percentile."), "",
             "| | light colour only | light colour and EV in [-1.5, +1] |", "|---|---|---|",
             f"| no correction (cast photo vs original) | {summarise(none[False])} | {summarise(none[True])} |"]
    for key in ("with mask", "mask=None"):
        lines.append(f"| this stage, {key} | {summarise(rows[(False, key)])} | {summarise(rows[(True, key)])} |")
    return lines


def do_no_harm() -> list[str]:
    rows = {"with mask": [], "mask=None": []}
    for path in sorted(PACKSHOTS.glob("*.jpg")):
        ref = np.asarray(Image.open(path).convert("RGB"))
        mask = packshot_mask(ref)
        for key, found in rows.items():
            out = m_stage_mask(ref, mask) if key == "with mask" else m_stage_nomask(ref, mask)
            s, d, _ = scores(ref, out, mask)
            found.append((d, s))
    lines = ["", ("Do no harm: the 81 clean packshots through the stage (CIEDE2000 against the input, "
                  "product region, median / 95th percentile)."), "", "| | unfiltered | sigma-2 filtered |",
             "|---|---|---|"]
    for k, v in rows.items():
        a = np.array(v)
        lines.append(f"| this stage, {k} | {summarise(a[:, 0])} | {summarise(a[:, 1])} |")
    return lines


def timing(runs: int = 15) -> list[str]:
    src = min((DIS / "images").glob("*.jpg"))
    img = Image.open(src).convert("RGB").resize((1200, 1200), Image.Resampling.LANCZOS)
    rgb = np.asarray(img)
    mask = Image.fromarray(np.where(np.hypot(*np.meshgrid(np.linspace(-1, 1, 1200), np.linspace(-1, 1, 1200))) < 0.7,
                                    255, 0).astype(np.uint8))
    dark = Image.fromarray(to8(DECODE[rgb] * 2.0 ** -2.5))

    def median_ms(fn) -> float:
        fn()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return 1000 * float(np.median(times))

    base = median_ms(lambda: cv2.GaussianBlur(rgb, (0, 0), 3.0))
    lines = ["", (f"Timing, 1200x1200, median of {runs} runs; baseline = cv2.GaussianBlur(sigma 3) of the same "
                  "image in the same run."), "", "| call | ms | x baseline |", "|---|---|---|",
             f"| baseline GaussianBlur | {base:.1f} | 1.0 |"]
    for name, fn in (("standardize_lighting(photo, mask)", lambda: standardize_lighting(img, mask)),
                     ("standardize_lighting(photo)", lambda: standardize_lighting(img)),
                     ("standardize_lighting(dark photo, mask) (denoise on)", lambda: standardize_lighting(dark, mask)),
                     ("sharpen_for_output(photo, scale 1)",
                      lambda: _stage.sharpen_for_output(img, LightingSettings(), 1.0))):
        ms = median_ms(fn)
        lines.append(f"| {name} | {ms:.1f} | {ms / base:.1f} |")
    return lines


def pictures(names: list[str]) -> list[str]:
    PICTURES.mkdir(parents=True, exist_ok=True)
    lines = ["", ("Before / after pictures (docs/lighting/): left the phone photo, right the stage's output "
                  "(mask=None)."), ""]
    for name in names:
        src = PHONE / name
        img = Image.open(src).convert("RGB")
        res = analyse_lighting(img)
        # shown at 260 px so each PNG stays well under 300 KB
        small = (260, round(260 * img.height / img.width))
        img, res_image = img.resize(small, Image.Resampling.LANCZOS), res.image.resize(small, Image.Resampling.LANCZOS)
        pair = Image.new("RGB", (img.width * 2 + 8, img.height + 22), "white")
        pair.paste(img, (0, 22))
        pair.paste(res_image, (img.width + 8, 22))
        draw = ImageDraw.Draw(pair)
        draw.text((4, 4), "before", fill=(0, 0, 0))
        draw.text((img.width + 12, 4), f"after: {res.exposure_ev:+.2f} EV, dE {res.delta_e:.1f}", fill=(0, 0, 0))
        out = PICTURES / (Path(name).stem.split("__")[-1] + ".png")
        pair.save(out, optimize=True)
        lines.append(f"- `{out.relative_to(REPO)}`: {res.estimator}, light {res.illuminant}, "
                     f"{res.exposure_ev:+.2f} EV, product dE {res.delta_e:.1f}, notes {list(res.notes)}")
    return lines


def cast_strip(seed: int) -> list[str]:
    """Harness cases side by side: clean reference, cast and exposure shifted, corrected."""
    cases = packshot_cases(1, seed)[::9][:6]
    tiles = []
    for _, ref, light, ev in cases:
        x = degrade(ref, light, ev)
        out = m_stage_mask(x, packshot_mask(ref))
        tiles.append(np.concatenate([ref, x, out], axis=0))
    strip = Image.fromarray(np.concatenate(tiles, axis=1))
    strip = strip.resize((strip.width // 2, strip.height // 2), Image.Resampling.LANCZOS)
    out_path = PICTURES / "harness_cases.png"
    strip.save(out_path, optimize=True)
    evs = ", ".join(f"{ev:+.1f} EV" for _, _, _, ev in cases)
    return [(f"- `{out_path.relative_to(REPO)}`: top the clean packshot, middle cast and shifted ({evs}), "
             "bottom this stage's output (with mask)")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-image", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pictures", action="store_true", help="write before/after PNGs to docs/lighting/")
    parser.add_argument("--only", choices=("harness", "lights", "invariance", "harm", "timing"), default=None)
    args = parser.parse_args()
    if not PACKSHOTS.exists():
        raise SystemExit(f"../shared/data not found ({PACKSHOTS}): nothing to measure")
    parts = {"harness": lambda: harness(args.per_image, args.seed),
             "lights": lambda: other_lights(args.per_image, args.seed),
             "invariance": lambda: invariance(args.per_image, args.seed),
             "harm": do_no_harm, "timing": timing}
    for key, fn in parts.items():
        if args.only in (None, key):
            print("\n".join(fn()), flush=True)
    if args.pictures:
        names = ["Fruit__Galia-Melon__Galia-Melon_005.jpg",
                 "Packages__Arla-Ecological-Sour-Cream__Arla-Ecological-Sour-Cream_004.jpg",
                 "Fruit__Lemon__Lemon_004.jpg",
                 "Packages__Arla-Lactose-Medium-Fat-Milk__Arla-Lactose-Medium-Fat-Milk_013.jpg"]
        print("\n".join(pictures(names)))
        print("\n".join(cast_strip(args.seed)))


if __name__ == "__main__":
    main()
