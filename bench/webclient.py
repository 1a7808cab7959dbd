"""A browser-style client of the web app over plain HTTP, one per simulated phone.

What the page does, request by request: log in with the access code (``POST /login``), read
``/config``, upload a photo (``/gradio_api/upload``), join the queue with an event of the page
(``queue/join`` with its ``fn_index``, every input's value and the tab's ``session_hash``) and
read the answer from the session's event stream (``queue/data``, SSE). Session state (the
``gr.State`` values) lives on the server, as for a browser.

Each phone has its **own source address**: its socket is bound to ``127.0.0.(N+2)`` (Linux
routes all of 127.0.0.0/8 to the loopback device), so the server's per-address limits
(jobs per client, upload quota, wrong-code lockout) count each simulated phone on its own,
as they would count twenty phones on a workshop's Wi-Fi. ``gradio_client`` cannot do this:
it also calls ``httpx.get``/``httpx.post``, which take no transport.

Used by ``bench/load_app.py``, ``bench/server_sessions.py`` and ``tests/test_server.py``.
"""

from __future__ import annotations

import io
import json
import mimetypes
import secrets
from pathlib import Path

import httpx

API = "/gradio_api"


class Refused(Exception):
    """The server answered a request with an error status (429, 413, ...)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"{status}: {text[:200]}")
        self.status, self.text = status, text


class CallFailed(Exception):
    """The event ran and failed (``gr.Error``) or the stream broke."""


def phone_address(n: int) -> str:
    """Phone n's source address: 127.0.0.2, 127.0.0.3, ... (127.0.0.1 stays the staff's)."""
    n += 2
    return f"127.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


class Phone:
    """One browser tab on one phone."""

    def __init__(self, url: str, n: int = 0, code: str | None = None, timeout_s: float = 900,
                 address: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.address = address or phone_address(n)
        transport = httpx.HTTPTransport(local_address=self.address)
        self.http = httpx.Client(base_url=self.url, transport=transport,
                                 timeout=httpx.Timeout(timeout_s, connect=60), verify=False)
        self.session_hash = secrets.token_hex(6)
        if code is not None:
            self.login(f"hp-{n}", code)
        self.config = self.http.get("/config").raise_for_status().json()
        self.components = {c["id"]: c for c in self.config["components"]}

    def close(self) -> None:
        self.http.close()

    def login(self, name: str, code: str) -> None:
        r = self.http.post("/login", data={"username": name, "password": code})
        if r.status_code != 200:
            raise Refused(r.status_code, r.text)

    # ------------------------------------------------------------------ page lookups

    def elem(self, elem_id: str) -> int:
        for cid, comp in self.components.items():
            if comp.get("props", {}).get("elem_id") == elem_id:
                return cid
        raise KeyError(elem_id)

    def dependency(self, *, api_name: str | None = None, trigger: str | None = None) -> dict:
        """The page's event by its API name or by its trigger's elem_id (the queued one)."""
        target = self.elem(trigger) if trigger else None
        for dep in self.config["dependencies"]:
            if api_name is not None and dep.get("api_name") == api_name:
                return dep
            if target is not None and dep.get("queue") is not False and dep.get("backend_fn") \
                    and any(t[0] == target for t in dep["targets"]):
                return dep
        raise KeyError(api_name or trigger)

    def defaults(self, dep: dict) -> list:
        """What the page sends for ``dep``'s inputs before the vendor touches anything."""
        out = []
        for cid in dep["inputs"]:
            comp = self.components[cid]
            out.append(None if comp["type"] == "state" else comp.get("props", {}).get("value"))
        return out

    # ------------------------------------------------------------------ requests

    def upload(self, path: str | Path | None = None, data: bytes | None = None, name: str | None = None,
               mime: str | None = None) -> dict:
        """One file through the upload route; the FileData the page then sends."""
        if data is None:
            data = Path(path).read_bytes()
        name = name or Path(path).name
        mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        r = self.http.post(API + "/upload", params={"upload_id": secrets.token_hex(5)},
                           files=[("files", (name, io.BytesIO(data), mime))])
        if r.status_code != 200:
            raise Refused(r.status_code, r.text)
        server_path = r.json()[0]
        return {"path": server_path, "orig_name": name, "size": len(data), "mime_type": mime,
                "meta": {"_type": "gradio.FileData"}}

    def call(self, dep: dict, data: list, trigger: int | None = None) -> list:
        """Queue ``dep`` with ``data``; its output values once it completes."""
        body = {"data": data, "event_data": None, "fn_index": dep["id"], "session_hash": self.session_hash,
                "trigger_id": trigger if trigger is not None else (dep["targets"] or [[None]])[0][0]}
        r = self.http.post(API + "/queue/join", json=body)
        if r.status_code != 200:
            raise Refused(r.status_code, r.text)
        event_id = r.json()["event_id"]
        with self.http.stream("GET", API + "/queue/data", params={"session_hash": self.session_hash}) as stream:
            if stream.status_code != 200:
                raise Refused(stream.status_code, stream.read().decode(errors="replace"))
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "unexpected_error":
                    raise CallFailed(msg.get("message") or "unexpected error")
                if msg.get("event_id") != event_id or msg.get("msg") != "process_completed":
                    continue
                if not msg.get("success"):
                    raise CallFailed((msg.get("output") or {}).get("error") or "failed")
                return msg["output"]["data"]
        raise CallFailed("the event stream ended without an answer")

    def fetch(self, filedata: dict) -> bytes:
        """An output file's bytes, through the URL the page would use."""
        target = filedata.get("url") or f"{API}/file={filedata['path']}"
        if target.startswith(self.url):
            target = target[len(self.url):]
        r = self.http.get(target)
        if r.status_code != 200:
            raise Refused(r.status_code, r.text)
        return r.content

    # ------------------------------------------------------------------ what vendors do

    def process_photo_api(self, photo: Path, presets: str = "umum", quality: str = "cepat") -> list[dict]:
        """The ``/process_photo`` API (what scripts and gradio_client call)."""
        dep = self.dependency(api_name="process_photo")
        files = self.call(dep, [self.upload(photo), presets, quality, "id"])[0]
        return files

    def photo_tab(self, photo: Path, presets: list[str], quality: str = "u2netp") -> dict:
        """The Photo tab's "Proses" button with ``photo`` and ``presets``: {elem_id or id: value}."""
        dep = self.dependency(trigger="process-btn")
        data = self.defaults(dep)
        upload = self.upload(photo)
        values = {self.elem("photo-input"): upload, self.elem("presets"): presets, self.elem("quality"): quality}
        data = [values.get(cid, v) for cid, v in zip(dep["inputs"], data)]
        named = self._named(dep["outputs"], self.call(dep, data))
        named["_photo"] = upload
        return named

    def touch_up(self, tab: dict, presets: list[str], quality: str = "u2netp") -> dict:
        """A brush stroke ("keep") on the touch-up editor the last result showed, then "Perbaiki"."""
        from PIL import Image, ImageDraw

        editor = _value(tab.get("touch-editor"))
        background = (editor or {}).get("background") if isinstance(editor, dict) else None
        if not background:
            raise CallFailed("no touch-up editor value in the result")
        size = Image.open(io.BytesIO(self.fetch(background))).size
        layer = Image.new("RGBA", size, (0, 0, 0, 0))
        w, h = size
        ImageDraw.Draw(layer).line([(w // 3, h // 2), (2 * w // 3, h // 2)], fill=(0, 200, 0, 255), width=max(4, w // 40))
        buf = io.BytesIO()
        layer.save(buf, "PNG")
        layer_file = self.upload(data=buf.getvalue(), name="layer.png", mime="image/png")
        dep = self.dependency(trigger="touch-btn")
        data = self.defaults(dep)
        values = {self.elem("presets"): presets, self.elem("quality"): quality,
                  self.elem("photo-input"): tab.get("_photo"),
                  self.elem("touch-editor"): {"background": background, "layers": [layer_file],
                                              "composite": background, "id": None}}
        data = [values.get(cid, v) for cid, v in zip(dep["inputs"], data)]
        return self._named(dep["outputs"], self.call(dep, data))

    def _named(self, ids: list[int], values: list) -> dict:
        named = {}
        for cid, value in zip(ids, values):
            key = self.components[cid].get("props", {}).get("elem_id") or cid
            named[key] = value
        return named


def _value(update):
    """A component update's value (``{"__type__": "update", "value": ...}``) or the value itself."""
    if isinstance(update, dict) and update.get("__type__") == "update":
        return update.get("value")
    return update
