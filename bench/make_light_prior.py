"""Write ``assistant/data/light_prior.json``, the measured lights the lighting stage takes as plausible.

Run by hand (needs ``../shared/data``); the suite and the app only read the JSON it writes.

When an over-exposed photo's white backdrop is clipped in one or two channels, the photo alone
cannot say what light's colour the clipped channels hid. The stage then chooses among the lights
that occur in the world, weighted by how often they occur. Those lights are the measured
illuminants of the SimpleCube++ *training* split (``gt_train_full.csv``, 1773 photos, CC BY 4.0,
Ershov et al.), binned in log-chromaticity; the stage adds the Planckian locus as sRGB renders
it (a phone's own white balance leaves lamps on that curve), computed from a formula, not data.
The test split is left out so the quality harness can draw its lights from it as unseen data.

    .venv/bin/python bench/make_light_prior.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO.parent / "shared" / "data" / "simplecubepp6" / "gt_train_full.csv"
TARGET = REPO / "assistant" / "data" / "light_prior.json"
STEP = 0.02   # log-chromaticity bin: about 2 %, well inside the spread of one kind of light


def main() -> None:
    with SOURCE.open() as fh:
        rows = [[float(r["mean_r"]), float(r["mean_g"]), float(r["mean_b"])] for r in csv.DictReader(fh)]
    rgb = np.array(rows)
    chroma = np.log(rgb[:, [0, 2]] / rgb[:, 1:2])
    bins, counts = np.unique(np.round(chroma / STEP).astype(int), axis=0, return_counts=True)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps({
        "about": ("Measured light colours, log(red/green) and log(blue/green) in bins of "
                  f"{STEP}, with how many photos fell in each: SimpleCube++ training split "
                  "(gt_train_full.csv, CC BY 4.0, Ershov et al., 'The Cube++ Illumination "
                  "Estimation Dataset'). Written by bench/make_light_prior.py."),
        "step": STEP,
        "photos": int(len(rgb)),
        "lights": [[int(a), int(b), int(n)] for (a, b), n in zip(bins, counts)],
    }, separators=(",", ":")) + "\n")
    print(f"{TARGET.relative_to(REPO)}: {len(bins)} bins from {len(rgb)} lights")


if __name__ == "__main__":
    main()
