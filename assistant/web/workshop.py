"""Workshop mode: one laptop serving a room of phones over Wi-Fi (issue 21).

- ``lan_address()``: the laptop's address on the local network, found without internet.
- the access code: generated per run (``new_code``) or given (``--code``, ``ETALASE_ACCESS_CODE``);
  Gradio's own login asks for it once per phone (any name, the code as the password), so
  ``gradio_client.Client(url, auth=(name, code))`` works too.
- ``Gate``: ASGI middleware in front of Gradio: ``/healthz`` (no login: for a container's health
  check), ``/qr`` (the page the staff project: the address as a QR code), and the rate limit on
  wrong codes (per client address: ``MAX_FAILURES`` per ``WINDOW_S``, then 429 until it passes).
- ``launch_options``: what ``serve`` adds to ``shell.launch_kwargs()``: the login, the PWA
  (name and icon), the "Bagikan" (share) script.
"""

from __future__ import annotations

import collections
import hmac
import html
import ipaddress
import json
import secrets
import socket
import threading
import time
from pathlib import Path

import segno
from starlette.middleware import Middleware

from assistant.i18n import t
from assistant.web.config import STATIC_DIR, static_text

ICON = STATIC_DIR / "etalase-icon.png"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed on a phone
CODE_LENGTH = 6
MAX_FAILURES = 5
WINDOW_S = 60.0
QR_PATH = "/qr"
HEALTH_PATH = "/healthz"


# --- The address the phones open --------------------------------------------------------------


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def lan_address() -> str | None:
    """This machine's IPv4 address on the local network, or None when it has none.

    First the route the system would use towards a private address: ``connect`` on a UDP
    socket only picks the route and the source address, it sends no packet, so this works with
    no internet and no other machine. Then the interfaces themselves (psutil), private
    addresses first."""
    for probe in ("192.168.0.1", "10.255.255.255", "172.16.0.1"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                found = s.getsockname()[0]
            if _usable(found):
                return found
        except OSError:
            continue
    import psutil

    found = [a.address for addrs in psutil.net_if_addrs().values() for a in addrs
             if a.family == socket.AF_INET and _usable(a.address)]
    found.sort(key=lambda a: not ipaddress.IPv4Address(a).is_private)
    return found[0] if found else None


# --- The access code --------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """Case, spaces and dashes do not matter: a phone keyboard may capitalise or add a space."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def code_checker(code: str):
    """Gradio's ``auth`` function: any user name, ``code`` as the password."""
    wanted = normalize_code(code).encode()

    def check(username: str, password: str) -> bool:
        return hmac.compare_digest(normalize_code(password).encode(), wanted)

    return check


class FailureLimiter:
    """Wrong codes per client address in a sliding window; thread-safe."""

    def __init__(self, limit: int = MAX_FAILURES, window_s: float = WINDOW_S) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> collections.deque:
        times = self._failures.setdefault(client, collections.deque())
        while times and now - times[0] > self.window_s:
            times.popleft()
        return times

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client, time.monotonic())) >= self.limit

    def failed(self, client: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(client, now).append(now)
            if len(self._failures) > 10_000:  # a flood of addresses: forget the quiet ones
                for key in [k for k, v in self._failures.items() if not v]:
                    del self._failures[key]


# --- In front of Gradio -----------------------------------------------------------------------


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=12, border=2)


def qr_page(url: str, code: str | None, show_code: bool, lang: str) -> str:
    code_line = (t("workshop_page_code", lang, code=normalize_code(code)) if show_code else t("workshop_page_code_hidden", lang)) \
        if code else ""
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(t("workshop_page_title", lang))}</title>
<style>body{{font-family:system-ui,sans-serif;text-align:center;margin:2rem;color:#222}}
h1{{color:#ea580c;font-size:2.4rem}} .qr svg{{width:min(70vh,90vw);height:auto}}
.url{{font-size:2.2rem;font-weight:700;margin:1rem}} .code{{font-size:2rem;letter-spacing:.2em}}</style></head>
<body><h1>Etalase</h1><p>{html.escape(t("workshop_page_scan", lang))}</p>
<div class="qr">{qr_svg(url)}</div><div class="url">{html.escape(url)}</div>
<div class="code">{html.escape(code_line)}</div></body></html>"""


class Gate:
    """ASGI middleware: ``/healthz``, ``/qr`` and the wrong-code rate limit on ``POST /login``."""

    def __init__(self, app, url: str = "", code: str | None = None, lang: str = "id",
                 limiter: FailureLimiter | None = None) -> None:
        self.app, self.url, self.code, self.lang = app, url, code, lang
        self.limiter = limiter or FailureLimiter()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "").rstrip("/") or "/"
        client = (scope.get("client") or ("?", 0))[0]
        if path == HEALTH_PATH:
            return await _respond(send, 200, json.dumps({"status": "ok"}), "application/json")
        if path == QR_PATH:
            local = client in ("127.0.0.1", "::1")  # the staff's own screen shows the code too
            return await _respond(send, 200, qr_page(self.url, self.code, local, self.lang), "text/html")
        if path.endswith("/login") and scope.get("method") == "POST" and self.code:
            if self.limiter.blocked(client):
                return await _respond(send, 429, t("workshop_too_many", self.lang), "text/plain",
                                      [(b"retry-after", str(int(WINDOW_S)).encode())])

            async def watch(message):
                if message["type"] == "http.response.start" and message["status"] in (400, 401):
                    self.limiter.failed(client)
                await send(message)

            return await self.app(scope, receive, watch)
        return await self.app(scope, receive, send)


async def _respond(send, status: int, body: str, kind: str, extra: list | None = None) -> None:
    data = body.encode("utf-8")
    headers = [(b"content-type", f"{kind}; charset=utf-8".encode()), (b"content-length", str(len(data)).encode()),
               (b"cache-control", b"no-store")] + (extra or [])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


# --- Launch -----------------------------------------------------------------------------------


def share_head(lang: str) -> str:
    """The "Bagikan" script: Web Share with files where the phone can, a download otherwise."""
    script = static_text("share.js").replace("__LABEL_ID__", json.dumps(t("workshop_share", "id"))) \
        .replace("__LABEL_EN__", json.dumps(t("workshop_share", "en")))
    return f"<script>{script}</script>"


def launch_options(url: str, code: str | None, lang: str) -> dict:
    """What ``serve`` adds to ``shell.launch_kwargs()``: the gate, the login, the PWA, the share script."""
    options: dict = {
        "pwa": True,
        "favicon_path": str(ICON),
        "head": share_head(lang),
        "middleware": Middleware(Gate, url=url, code=code, lang=lang),
    }
    if code:
        options["auth"] = code_checker(code)
        options["auth_message"] = t("workshop_login_message", lang)
    return options


def terminal_qr(url: str) -> str:
    """The QR code as text for the terminal (two rows per line), dark modules on the terminal's
    light-on-dark or dark-on-light alike (a quiet zone included)."""
    import io

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def make_icon(path: Path = ICON, size: int = 512) -> Path:
    """Draw Etalase's icon (a shop front under an awning, white on orange); run once, committed."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = size / 512
    d.rounded_rectangle((0, 0, size - 1, size - 1), radius=int(96 * s), fill=(234, 88, 12, 255))
    white = (255, 255, 255, 255)
    top, bottom, left, right = 120 * s, 200 * s, 96 * s, 416 * s
    d.rectangle((left, top, right, top + 20 * s), fill=white)
    stripes = 5
    w = (right - left) / stripes
    for i in range(stripes):  # the awning: scallops hanging under the bar
        x0 = left + i * w
        d.pieslice((x0, top + 20 * s - w / 2 + 40 * s, x0 + w, bottom + 20 * s), 0, 180,
                   fill=white if i % 2 == 0 else (255, 237, 213, 255))
        d.rectangle((x0, top + 20 * s, x0 + w, top + 60 * s), fill=white if i % 2 == 0 else (255, 237, 213, 255))
    d.rectangle((left + 24 * s, bottom + 40 * s, right - 24 * s, 400 * s), outline=white, width=int(22 * s))
    d.rectangle((left + 70 * s, bottom + 90 * s, left + 180 * s, 400 * s), fill=white)  # the door
    d.rectangle((left + 210 * s, bottom + 90 * s, right - 70 * s, bottom + 170 * s), fill=white)  # the window
    img.save(path, optimize=True)
    return path
