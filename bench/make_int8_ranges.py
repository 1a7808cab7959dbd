"""Calibrate ISNet's int8 activation ranges on real photos and write them into the package.

The opt-in fast ISNet (assistant/models/fast.py, ETALASE_FAST_MODEL=1) is made at install
from the widened runtime file and these ranges, so a vendor's machine needs no photos and runs no calibration. The ranges
come from photos that are in neither quality set (``grocery_phone`` of ../shared/data: phone
photos of products, often held in a hand), so the quality bench measures held-out photos.

    .venv/bin/python bench/make_int8_ranges.py [--photos 5]

Writes assistant/data/isnet-general-use.int8-ranges.json (onnxruntime's calibration cache
format, Percentile ``fast.CALIB_PERCENTILE``). Re-run it only when the model or the quantisation recipe changes, and bump
assistant.models.fast.FAST_FORMAT with it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("ETALASE_SHARED", REPO.parent / "shared" / "data"))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from assistant.models import fast as models_fast, registry as models, session as segment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=16, help="grocery_phone photos (evenly spaced, from the 4th)")
    parser.add_argument("--sharp", type=int, default=0,
                        help="also rembg's larger example photos (sharp detail, up to 4)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    folder = SHARED / "grocery_phone" / "images"
    if not folder.is_dir():
        sys.exit(f"{folder} is absent: calibration needs ../shared/data's grocery_phone photos.")
    files = sorted(folder.glob("*.jpg"))
    files = files[3:: max(1, len(files) // args.photos)][: args.photos]
    sharp = [SHARED / "rembg" / p for p in ("examples/animal-3.jpg", "examples/plants-1.jpg",
                                            "examples/car-2.jpg", "fixtures/cloth-1.jpg")]
    files += [p for p in sharp if p.is_file()][: args.sharp]
    info = models.model_info(models_fast.FAST_MODELS[0])
    seg = segment.Segmenter(info, None, ("CPUExecutionProvider",), "input", "output")
    tensors = [seg.prepare(np.asarray(Image.open(f).convert("RGB"))) for f in files]

    from onnxruntime.quantization import CalibrationDataReader

    class Reader(CalibrationDataReader):
        """One photo at a time (the quantiser's strided calibration): the histograms are merged
        photo by photo instead of holding every photo's activations at once."""

        def __init__(self) -> None:
            self.set_range(0, len(tensors))

        def __len__(self) -> int:
            return len(tensors)

        def set_range(self, start_index: int, end_index: int) -> None:
            self._it = iter([{"input": t} for t in tensors[start_index:end_index]])

        def get_next(self):
            return next(self._it, None)

    target = args.out or models_fast.ranges_path(info.name)
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        models_fast.quantise(models.runtime_path(info.name), Path(tmp) / "q.onnx", target, Reader())
    print(f"wrote {target} from {len(files)} photos: {', '.join(f.name for f in files)}")


if __name__ == "__main__":
    main()
