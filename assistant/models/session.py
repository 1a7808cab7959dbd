"""Segmentation: one cached onnxruntime session per model, fed the way rembg feeds it.

The models are rembg's (u2netp and ISNet general-use, the same files rembg verifies) and the
input is prepared exactly as rembg prepares it (LANCZOS to the model's size, rembg's mean and
std), so the masks match rembg's own reference outputs (tests/test_segment.py). The session is
onnxruntime's own: importing rembg costs 1.5-2 s per process (it loads pymatting and numba),
which every CLI run and every app start would pay for nothing but a session wrapper. rembg is
still used to download models where it can (install.py) and as the baseline in the benches.

rembg's ``predict`` also resizes the mask back to the full photo with LANCZOS, which on a
12 MP phone photo costs more than the model; here the model's own low-resolution prediction
comes back as it is, and the cutout stage upsamples it only where the output needs it.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from assistant import settings
from assistant.models import fast as int8, registry
from assistant.errors import AssistantError

_sessions: dict[str, Segmenter] = {}
_lock = threading.Lock()


@dataclass
class Segmenter:
    """A loaded model: ``predict`` maps an RGB array to the model's soft mask in [0, 1]."""

    info: registry.ModelInfo
    session: object  # onnxruntime.InferenceSession
    providers: tuple[str, ...]
    input_name: str
    output_name: str  # the final mask; the side outputs of the deep supervision are not fetched

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def device(self) -> str:
        return "cuda" if "CUDAExecutionProvider" in self.providers else "cpu"

    def prepare(self, rgb: np.ndarray | Image.Image) -> np.ndarray:
        """The network's input tensor for an RGB uint8 array or RGB image (rembg's normalisation).

        The resize is Pillow's LANCZOS, as in rembg: u2netp's mask moves measurably with
        other filters (IoU 0.96 against rembg's reference with OpenCV's INTER_AREA, 1.0
        with this). ``reducing_gap`` lets Pillow box-reduce large photos first, which
        halves the cost on a 2000 px photo and leaves photos under twice the input size alone.
        """
        size = self.info.input_size
        # an image is resized as it is: a photo's array and back would be two full-size copies
        image = rgb if isinstance(rgb, Image.Image) else Image.fromarray(rgb)
        small = np.asarray(_lanczos_square(image, size))
        # rembg: (x / max - mean) / std per channel, as NCHW float32. OpenCV's blob maker does
        # it in one pass as (x - mean * max) / (max * std): 2.7 ms instead of 11 at 1024x1024.
        top = max(float(small.max()), 1e-6)
        params = cv2.dnn.Image2BlobParams()
        params.scalefactor = tuple(1.0 / (top * s) for s in self.info.std) + (0.0,)
        params.mean = tuple(m * top for m in self.info.mean) + (0.0,)
        params.ddepth = cv2.CV_32F
        params.datalayout = cv2.DNN_LAYOUT_NCHW
        return cv2.dnn.blobFromImageWithParams(small, params)

    def predict(self, rgb: np.ndarray | Image.Image) -> np.ndarray:
        """The model's mask at its own input size (square), min-max scaled to [0, 1] as rembg does."""
        out = self.session.run([self.output_name], {self.input_name: self.prepare(rgb)})[0][0, 0]
        lo, hi = float(out.min()), float(out.max())
        return ((out - lo) / max(hi - lo, 1e-6)).astype(np.float32)


_resize_pool = ThreadPoolExecutor(2, thread_name_prefix="etalase-resize")  # threads start on first use


def _lanczos_square(image: Image.Image, size: int) -> Image.Image:
    """``image.resize((size, size), LANCZOS, reducing_gap=2.0)``, in two threads: the box
    reduction Pillow makes first (past twice the size) in two bands of whole blocks, then the
    two halves of the output's rows. On a 2000 px photo: u2netp's 320 19 -> 11 ms, ISNet's 1024
    43 -> 23 ms.

    Pillow releases the GIL while it reduces and resamples; a band of whole blocks reduces to
    exactly its rows of the whole reduction, and a band resized from its own source box
    (support still read across the band's edges) gives exactly the pixels of the whole resize.
    """
    if _threads() < 2:
        return image.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
    w, h = image.size
    fx, fy = int(w / size / 2.0) or 1, int(h / size / 2.0) or 1
    if fx > 1 or fy > 1:
        # what resize does first: the whole image is its own safe box
        blocks = -(-h // fy)
        cut = blocks // 2 * fy

        def reduce(rows: tuple[int, int]) -> Image.Image:
            return image.reduce((fx, fy), box=(0, rows[0], w, rows[1]))

        if cut == 0:  # a single row of blocks
            image = reduce((0, h))
        else:
            top, bottom = _resize_pool.map(reduce, ((0, cut), (cut, h)))
            image = Image.new(top.mode, (top.width, top.height + bottom.height))
            image.paste(top, (0, 0))
            image.paste(bottom, (0, top.height))
    src_w, src_h = w / fx, h / fy  # the source box in the reduced image's pixels
    half = size // 2

    def band(rows: tuple[int, int]) -> Image.Image:
        y0, y1 = rows
        return image.resize((size, y1 - y0), Image.Resampling.LANCZOS, box=(0, y0 * src_h / size, src_w, y1 * src_h / size))

    top, bottom = _resize_pool.map(band, ((0, half), (half, size)))
    out = Image.new(image.mode, (size, size))
    out.paste(top, (0, 0))
    out.paste(bottom, (0, half))
    return out


def _threads() -> int:
    return max(1, settings.usable_cores())


def get_segmenter(model: str | None = None, fast: bool | None = None) -> Segmenter:
    """The cached segmenter for ``model`` (default ISNet); loads and verifies it on first use.
    ``fast`` (default: ETALASE_FAST_MODEL, on unless set to 0) uses the int8 file where there is one
    (models/fast.py); ``fast=False`` is the reference fp32 path the benches compare against."""
    info = registry.model_info(model)
    fast = int8.enabled() if fast is None else fast
    key = f"{info.name}:int8" if fast else info.name
    with _lock:
        if key in _sessions:
            return _sessions[key]
        path = registry.runtime_path(info.name)
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = _threads()
        opts.inter_op_num_threads = 1
        # The memory arena keeps freed activations for the next photo: without it every run
        # page-faults its buffers afresh (u2netp: 64,000 faults and 33 % more CPU per run). The
        # memory pattern is off: it plans all activations as one block, which the arena then
        # keeps at its peak (u2netp 544 MB retained, ISNet 2.1 GB); tensor by tensor, the arena
        # reuses freed buffers and peaks where running without an arena peaks (351 / 1342 MB).
        opts.enable_cpu_mem_arena = True
        opts.enable_mem_pattern = False
        providers = ["CPUExecutionProvider"]
        if registry.device() == "cuda":
            providers.insert(0, "CUDAExecutionProvider")
        session = None
        if fast and providers == ["CPUExecutionProvider"]:
            session = int8.session_for(info.name, path, _threads())  # None: today's path
        try:
            session = session or ort.InferenceSession(str(path), opts, providers=providers)
        except Exception as exc:  # onnxruntime refuses a file it cannot parse
            raise AssistantError("model_corrupt", name=info.name, path=str(path),
                                 command=f"python -m assistant models install {info.name} --force") from exc
        active = tuple(session.get_providers())
        segmenter = Segmenter(info, session, active, session.get_inputs()[0].name,
                              session.get_outputs()[0].name)
        _sessions[key] = segmenter
        return segmenter


# The default model first: the first user most likely asks for it.
WARM_ORDER = (registry.DEFAULT_MODEL, registry.FAST_MODEL)


def warm(models_to_load: tuple[str, ...] = WARM_ORDER) -> None:
    """Load and run each installed model once, so the first real photo does not wait for it."""
    for name in models_to_load:
        if registry.is_installed(name):
            segmenter = get_segmenter(name)
            segmenter.predict(np.zeros((64, 64, 3), np.uint8))


def mask_at(soft: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The model's soft mask resized to ``size`` (w, h) as float32 in [0, 1]."""
    return np.clip(cv2.resize(soft, size, interpolation=cv2.INTER_LINEAR), 0.0, 1.0)

