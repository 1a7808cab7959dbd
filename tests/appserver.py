"""Starting ``app.py`` in a subprocess on a free port with its own cache folder.

Shared by the app tests, the browser tests and the app benches (``bench/load_app.py``,
``bench/cold_start.py``), so they all start the app the way ``make run`` does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(tmp: Path, timeout_s: float = 90, args: tuple[str, ...] = (), verify: object = True,
              **env: str) -> tuple[subprocess.Popen, str, Path]:
    """``python app.py --port N [args]`` with its cache under ``tmp``; returns (process, url, cache dir)
    once the page answers. ``env`` adds to (or overrides) the defaults below; with ``--cert`` in
    ``args`` the url is https, checked with ``verify`` (a CA file or SSL context, as httpx takes it)."""
    port = free_port()
    cache = tmp / "cache"
    environ = dict(os.environ, ETALASE_CACHE_DIR=str(cache), ETALASE_WARM="u2netp", ETALASE_LANG="id",
                   GRADIO_ANALYTICS_ENABLED="False")
    environ.update(env)
    log_path = tmp / "app.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, str(REPO / "app.py"), "--port", str(port), *args], cwd=REPO,
                                env=environ, stdout=log, stderr=subprocess.STDOUT)
    url = f"{'https' if '--cert' in args else 'http'}://127.0.0.1:{port}"
    return proc, wait_until_up(proc, url, log_path, timeout_s, verify=verify), cache


def wait_until_up(proc: subprocess.Popen, url: str, log_path: Path, timeout_s: float, path: str = "/",
                  verify: object = True) -> str:
    """``url`` once ``url + path`` answers 200; the log's tail when the process exits or never answers."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the app exited:\n" + log_path.read_text()[-3000:])
        try:
            if httpx.get(url + path, timeout=2, verify=verify).status_code == 200:
                return url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the app did not start:\n" + log_path.read_text()[-3000:])


def stop_app(proc: subprocess.Popen, timeout_s: float = 10) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()


def server_rss(server) -> int:
    """Resident memory of an app server (a ``psutil.Process``) and its children, in bytes; 0 once
    it is gone. One reader for the app benches (load_app, server_sessions)."""
    import psutil

    try:
        return server.memory_info().rss + sum(c.memory_info().rss for c in server.children(recursive=True))
    except psutil.Error:
        return 0
