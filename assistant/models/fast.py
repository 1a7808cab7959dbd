"""The fast ISNet (the default): static int8 (QDQ) weights and activations, run by OpenVINO when installed.

On unless ``ETALASE_FAST_MODEL`` is 0/no/off: on both mask sets its cutouts match the fp32
model's within the issue's tolerance (docs/speed.md), in about half the inference time and
less than half the peak memory. With it off, ``models install`` makes no file and Quality mode
runs the fp32 file.

Made at install beside the widened runtime file (``registry.runtime_path``), as
``isnet-general-use.int8.onnx``: onnxruntime's static quantiser, QDQ format, int8 weights per
output channel, uint8 activations whose ranges were calibrated once on 16 real phone photos (Percentile
99.9999, ``bench/make_int8_ranges.py``) and ship in ``assistant/data``, so install needs no photos
and runs no calibration. Weights are 7-bit (``reduce_range``): AVX2 int8 kernels without VNNI
saturate with 8-bit ones. The six side-output convolutions that make the mask logits stay fp32.

The file is only used when it holds: its md5 is recorded at install, together with the
identity of the runtime file it was made from and the format; on load a changed or damaged
file is not used. Before it is kept, install runs it once against the fp32 model on a
fixed photo and discards it if the masks differ (``_self_check``). When it cannot be made
(no writable models folder, a quantiser error, a failed check) or fails its checksum later,
``get_segmenter`` takes the fp32 path (the runtime file on onnxruntime) and says so in
the log (and ``make`` returns the reason; the CLI says it).

Engines, measured in docs/speed.md on an AVX2 CPU: OpenVINO (``openvino``, used when it imports
and has int8 kernels) runs the int8 file in about 0.5x of the time onnxruntime takes for the
fp32 one; onnxruntime runs it too, a little slower. On CUDA the fp32 file is used as before.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

import numpy as np

from assistant import settings
from assistant.models import registry
from assistant.models.registry import _md5  # one checksum reader for both stamps

log = logging.getLogger(__name__)

FAST_MODELS = ("isnet-general-use",)  # u2netp: its model is 55 % of a photo; see docs/speed.md
# Bump when the quantisation recipe or the ranges change: older fast files are then remade.
FAST_FORMAT = "int8-qdq-pct6-rr-3"  # 2: Percentile ranges, 7-bit weights (AVX2 saturation); 3: Percentile 99.9999
_EXCLUDED_PREFIXES = ("/side",)  # the side outputs' 3x3 convs: the mask logits stay fp32
# What follows the side convs (the logits' upsampling, the sigmoid) is quantised: the logits in steps
# of 0.17, i.e. 0.04 of the soft mask near 0.5. Keeping it fp32 cost nothing and agreed a little
# better with fp32 on held-out photos, but moved the mask sets and the hand-held cartons' cuts no
# closer to fp32 (round 9, docs/speed.md "int8fit"): not kept.
_DATA = Path(__file__).resolve().parents[1] / "data"  # assistant/data
# 99.9999 (round 9, int8fit): with 99.999 the widest activations were clipped and unsure carton faces
# in a hand came out lower than fp32's; held-out IoU/BF vs fp32 0.931/0.840 -> 0.945/0.867 (docs/speed.md).
CALIB_PERCENTILE = 99.9999
CHECK_IOU = 0.98  # the self-check at install: fast mask vs fp32 mask on a fixed photo


def enabled() -> bool:
    """False only when ``ETALASE_FAST_MODEL`` is off (0/no/off/false); unset, the int8 path."""
    return bool(settings.value("ETALASE_FAST_MODEL"))


def ranges_path(name: str) -> Path:
    return _DATA / f"{name}.int8-ranges.json"


def fast_file(runtime: Path) -> Path:
    name = runtime.name.removesuffix(".runtime.onnx")
    return runtime.with_name(f"{name}.int8.onnx")


def engine() -> str:
    """``openvino`` when the package imports, else ``onnxruntime``."""
    try:
        import openvino  # noqa: F401
    except Exception:  # not installed, or a broken install: onnxruntime runs the file too
        return "onnxruntime"
    return "openvino"


def _identity(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}


def _stamp(path: Path) -> Path:
    return path.with_name(f".{path.name}.verified")


def _wanted(name: str, runtime: Path) -> dict:
    return {"source": _identity(runtime), "format": FAST_FORMAT, "ranges": _md5(ranges_path(name))}


def fast_path(name: str, runtime: Path) -> Path | None:
    """The verified fast file made from ``runtime``, or None (with the reason logged)."""
    if name not in FAST_MODELS:
        return None
    target = fast_file(runtime)
    if not target.is_file():
        log.warning("fast model for %s is absent (%s): using the fp32 model; "
                    "`python -m assistant models install` makes it", name, target)
        return None
    try:
        stamp = json.loads(_stamp(target).read_text())
        wanted = _wanted(name, runtime)
    except (OSError, ValueError) as exc:
        log.warning("fast model for %s has no valid stamp (%s): using the fp32 model", name, exc)
        return None
    if {k: stamp.get(k) for k in wanted} != wanted:
        log.warning("fast model for %s was made from another model file or recipe: using the fp32 model", name)
        return None
    if stamp.get("target") == _identity(target):
        return target
    if _md5(target) == stamp.get("md5"):  # same bytes, moved or copied: stamp it again
        _write_stamp(target, dict(stamp, target=_identity(target)))
        return target
    log.warning("fast model for %s fails its checksum: using the fp32 model", name)
    return None


def _write_stamp(target: Path, stamp: dict) -> None:
    try:
        _stamp(target).write_text(json.dumps(stamp))
    except OSError:
        pass


def fallback_reason(name: str) -> str:
    """Why ``name`` runs on the fp32 path although the fast path is on and has a recipe for it
    ("" when it does not: fast file in place, no recipe for this model, or the fast path off)."""
    if name not in FAST_MODELS or not enabled():
        return ""
    runtime = registry.runtime_path(name)
    if runtime.name.endswith(".runtime.onnx") and fast_path(name, runtime) is not None:
        return ""
    return f"no valid fast file beside {runtime}"


def make(name: str, runtime: Path, force: bool = False) -> tuple[Path | None, str]:
    """Make (or keep) the fast file for ``name``: (path, "") or (None, reason).

    Never raises for a file it cannot make: the model still runs, on the fp32 path.
    ``install`` calls ``make_if_enabled``; this makes the file whatever the setting says.
    """
    if name not in FAST_MODELS:
        return None, ""
    target = fast_file(runtime)
    if not force and target.is_file() and fast_path(name, runtime) is not None:  # not yet made: no warning
        return target, ""
    try:
        if not os.access(runtime.parent, os.W_OK):
            raise OSError(f"{runtime.parent} is not writable")
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            quantise(runtime, tmp, ranges_path(name))
            _self_check(runtime, tmp)
            digest = _md5(tmp)
            os.chmod(tmp, 0o644)  # mkstemp made it 0600: readable like the other model files
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        _write_stamp(target, dict(_wanted(name, runtime), md5=digest, target=_identity(target)))
        return target, ""
    except Exception as exc:  # the fp32 path still works: say why and go on
        reason = f"{type(exc).__name__}: {exc}"
        log.warning("fast model for %s not made (%s): using the fp32 model", name, reason)
        return None, reason


def make_if_enabled(name: str, runtime: Path, force: bool = False) -> tuple[Path | None, str]:
    """``make`` when the fast path is on (``ETALASE_FAST_MODEL``), else nothing: (None, "")."""
    if not enabled():
        return None, ""
    return make(name, runtime, force=force)


def quantise(runtime: Path, target: Path, ranges: Path, reader=None,
             excluded_prefixes: tuple[str, ...] = _EXCLUDED_PREFIXES) -> None:
    """Static QDQ int8 of the runtime file into ``target``, with the activation ranges of
    ``ranges`` (onnxruntime's calibration cache); with ``reader`` given and ``ranges`` absent,
    calibrates on its tensors and writes ``ranges`` (bench/make_int8_ranges.py). ``excluded_prefixes``:
    the convolutions kept fp32."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    if reader is None and not ranges.is_file():
        raise FileNotFoundError(f"int8 ranges {ranges} are missing")
    model = onnx.shape_inference.infer_shapes(onnx.load(str(runtime)))  # the quantiser needs types
    excluded = [n.name for n in model.graph.node
                if n.op_type == "Conv" and n.name.startswith(excluded_prefixes)]
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        typed = Path(tmp) / "typed.onnx"
        onnx.save(model, str(typed))
        del model
        # reduce_range: 7-bit weights. On AVX2 without VNNI, onnxruntime's and OpenVINO's u8 x s8
        # kernels sum pairs of products in int16 (vpmaddubsw), which saturates with 8-bit weights;
        # on held-out photos that saturation was two thirds of the int8 file's mask error.
        # The quantiser logs advice (pre-processing, a web address) at every install; it is for
        # its own users, not for a vendor's terminal. Only its records are dropped: the app may be
        # serving photos on other threads meanwhile, and their warnings must still be heard.
        with _quantiser_quiet():
            quantize_static(str(typed), str(target), reader, quant_format=QuantFormat.QDQ,
                            per_channel=True, reduce_range=True, activation_type=QuantType.QUInt8,
                            weight_type=QuantType.QInt8, nodes_to_exclude=excluded,
                            calibrate_method=CalibrationMethod.Percentile, calibration_cache_path=str(ranges),
                            extra_options={"CalibPercentile": CALIB_PERCENTILE, "CalibStridedMinMax": 1})


class _QuantiserRecords(logging.Filter):
    """Drops records the quantiser logs straight on the root logger (`logging.warning(...)`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "onnxruntime" not in record.pathname or "quantization" not in record.pathname


@contextlib.contextmanager
def _quantiser_quiet():
    own = logging.getLogger("onnxruntime.quantization")  # its modules' own loggers
    level_before, records = own.level, _QuantiserRecords()
    own.setLevel(logging.ERROR)
    logging.root.addFilter(records)
    try:
        yield
    finally:
        logging.root.removeFilter(records)
        own.setLevel(level_before)


def _check_input(size: int) -> np.ndarray:
    """A fixed product-like photo at the model's input: scikit-image's coffee cup when it is
    there, else a drawn box on a light backdrop (normalised as ISNet expects)."""
    try:
        from skimage import data

        rgb = data.coffee()
    except Exception:
        rgb = np.full((480, 640, 3), 225, np.uint8)
        rgb[120:380, 200:460] = (180, 60, 40)
    import cv2

    small = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
    small = small / max(float(small.max()), 1e-6) - 0.5
    return np.ascontiguousarray(small.transpose(2, 0, 1)[None])


def _self_check(runtime: Path, fast: Path) -> None:
    """Raise unless the fast file's mask matches the fp32 file's on a fixed photo."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.enable_mem_pattern = False
    ref = ort.InferenceSession(str(runtime), opts, providers=["CPUExecutionProvider"])
    size = ref.get_inputs()[0].shape[-1]
    x = _check_input(size)
    want = ref.run(None, {ref.get_inputs()[0].name: x})[0]
    del ref
    got = open_session(fast, 0).run(None, {"input": x})[0]
    a, b = _unit(want) > 0.5, _unit(got) > 0.5
    iou = np.count_nonzero(a & b) / max(1, np.count_nonzero(a | b))
    if iou < CHECK_IOU:
        raise ValueError(f"fast mask differs from the fp32 one (IoU {iou:.3f} < {CHECK_IOU})")


def _unit(out: np.ndarray) -> np.ndarray:
    lo, hi = float(out.min()), float(out.max())
    return (out - lo) / max(hi - lo, 1e-6)


class OpenVinoSession:
    """The slice of onnxruntime's InferenceSession the segmenter uses, on OpenVINO's CPU plugin."""

    class _Arg:
        def __init__(self, name: str, shape) -> None:
            self.name, self.shape = name, shape

    def __init__(self, path: Path, threads: int) -> None:
        import openvino as ov

        core = ov.Core()
        if "INT8" not in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
            raise RuntimeError("OpenVINO has no int8 kernels for this CPU")  # fp32 is then faster
        # f32 for what is not int8: on a CPU with bf16 (AVX-512 BF16, AMX) OpenVINO otherwise runs the
        # layers the recipe keeps in fp32 in bf16, and the masks drift (round 9, such a host: bigbird6
        # boundary F -0.031 against the fp32 model, 0.005 allowed).
        config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self._compiled = core.compile_model(str(path), "CPU", config)
        # One infer request, used by one thread at a time: unlike onnxruntime's session, an
        # OpenVINO request is not thread-safe (a second infer() while one runs fails with "busy",
        # or reads the other photo's buffers), and the app runs the warm-up beside the first
        # photo and up to four photos at once. One request also keeps one set of activations.
        self._request = self._compiled.create_infer_request()
        self._request_lock = threading.Lock()
        self._inputs = [self._Arg(p.get_any_name(), list(p.get_partial_shape().to_shape()))
                        for p in self._compiled.inputs]
        self._outputs = [self._Arg(p.get_any_name(), list(p.get_partial_shape().to_shape()))
                         for p in self._compiled.outputs]

    def get_inputs(self):
        return self._inputs

    def get_outputs(self):
        return self._outputs

    def get_providers(self) -> list[str]:
        return ["OpenVINOCPU"]

    def run(self, output_names, feed: dict) -> list[np.ndarray]:
        names = output_names or [o.name for o in self._outputs]
        with self._request_lock:
            result = self._request.infer({name: value for name, value in feed.items()})
            # copies, made under the lock: the request's buffers are reused by the next run
            return [np.array(result[self._compiled.output(n)]) for n in names]


def open_session(path: Path, threads: int):
    """An inference session on the fast file: OpenVINO when installed, else onnxruntime."""
    if engine() == "openvino":
        return OpenVinoSession(path, threads)
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = True
    opts.enable_mem_pattern = False
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def session_for(name: str, runtime: Path, threads: int):
    """The fast session for ``name``, or None for the fp32 path (not made, not valid, or an
    engine that refuses the file: logged)."""
    if name not in FAST_MODELS:
        return None
    path = fast_path(name, runtime)
    if path is None:
        return None
    try:
        return open_session(path, threads)
    except Exception as exc:
        log.warning("fast model for %s could not be opened (%s): using the fp32 model", name, exc)
        return None


__all__ = ["FAST_FORMAT", "FAST_MODELS", "OpenVinoSession", "enabled", "engine", "fallback_reason", "fast_file", "fast_path",
           "make", "make_if_enabled", "open_session", "quantise", "ranges_path", "session_for"]
