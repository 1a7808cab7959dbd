"""Request limits for the web app: a pure ASGI middleware, no gradio or Starlette import.

Gradio 6 checks the size of each uploaded *file* (``max_file_size``) and nothing else: a
300 MB JSON body to ``/gradio_api/queue/join`` was read, parsed and logged whole, and
``/gradio_api/component_server`` grew the touch-up editor's layer list to whatever index a
300-byte request named (issue 18, items 1, 3, 5, 11). ``RequestLimits`` sits in front of
every route and bounds, before the app reads a byte:

* **Body size per route**: a ``Content-Length`` over the route's limit is answered 413 at
  once; a body without one (chunked) is counted as it streams and cut off at the limit.
  Uploads need a ``Content-Length``.
* **Upload parts per request and an upload quota per client** (bytes and files in a sliding
  window, the cache's lifetime), counted from the multipart stream itself.
* **Upload types**: each uploaded file's first bytes are read from the stream before the app
  sees the file; content a browser or computer would run if served back (markup: HTML, SVG, XML;
  programs and scripts) is refused 415 with a message the vendor can act on, and never stored.
  Other files that are no photo reach the app, which refuses each one in the vendor's language
  (a batch: one report row), so one stray file never costs the rest of an upload.
* **Editor layer index**: ``component_server`` bodies are read (bounded) and a layer index
  above ``max_layer_index`` is refused, so gradio never grows its list.
* **Queued jobs per session and per client**: a ``queue/join`` is read (bounded) and refused
  429 when its session, or the phone it comes from, already has ``max_jobs_per_session`` /
  ``max_jobs_per_client`` jobs waiting or running (``pending``: a callback that asks gradio's
  queue, given by the web layer), so one client cannot fill the 64 queue slots.
* **No URL fetches** through ``/file=`` or ``/proxy=``; the **run history** page
  (``/gradio_api/runs``, which shows a shared tablet's previous vendor, and its bucket routes)
  and the unused video recorder (``/gradio_api/process_recording``, ffmpeg) answer 404.
* Every response gets ``X-Content-Type-Options: nosniff``.

``fair_queue(queue)`` (not middleware: it patches gradio's queue instance) takes waiting jobs
in turns by client address instead of first come, first served: a phone's first job goes
before another phone's second, so a single photo waits for at most the job that is running,
not for everything one busy client queued (issue 18, "fair sharing").

Mount it with ``demo.launch(app_kwargs={"middleware": [Middleware(RequestLimits, ...)]})``.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import Counter, OrderedDict, defaultdict, deque

from assistant.i18n import t

MiB = 1 << 20
API = "/gradio_api"
DEFAULT_BODY = 1 * MiB  # JSON calls: file references, texts and choices, never pixels
ROUTE_BODY = {  # path suffix -> bytes
    "/upload": 1000 * 1_000_000,  # a batch zip; each file is also held to gradio's max_file_size
    "/component_server": 16 * MiB,  # the editor's layer blobs (PNG at the editor's size)
}
MAX_UPLOAD_PARTS = 500  # files in one upload request
SNIFF_BYTES = 32  # of each uploaded file, enough for every signature below
PART_HEADER_MAX = 16 * 1024  # one part's headers (the file name is in them)
_ISO_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
QUOTA_WINDOW_S = 3600  # the web cache keeps uploads an hour
QUOTA_BYTES = 2000 * 1_000_000  # per client and window
QUOTA_FILES = 2000
MAX_LAYER_INDEX = 8  # the touch-up editor has one brush layer; a few spare
MAX_JOBS_PER_SESSION = 2  # a browser tab: the job it runs and one it queued
MAX_JOBS_PER_CLIENT = 4  # a phone or laptop, all its tabs together
_PROTOCOL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|\\\\)")
_INDEX = re.compile(rb'name="index"\r\n(?:[^\r\n]+\r\n)*\r\n([^\r\n]{0,40})')
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Routes Etalase never uses: the run history (a shared tablet shows the previous vendor's runs;
# its bucket routes talk to an outside service) and the video recorder (runs ffmpeg on uploads).
_CLOSED = re.compile(re.escape(API) + r"/(?:runs|run-history(?:/.*)?|process_recording)/?$")


class UploadQuota:
    """Bytes and files each client uploaded in the last ``window_s`` seconds."""

    def __init__(self, max_bytes: int = QUOTA_BYTES, max_files: int = QUOTA_FILES,
                 window_s: float = QUOTA_WINDOW_S, clock=time.monotonic) -> None:
        self.max_bytes, self.max_files, self.window_s = max_bytes, max_files, window_s
        self._clock = clock
        self._log: dict[str, deque] = defaultdict(deque)  # client -> (time, bytes, files)
        self._lock = threading.Lock()

    def usage(self, client: str) -> tuple[int, int]:
        with self._lock:
            return self._usage(client)

    def _usage(self, client: str) -> tuple[int, int]:
        log = self._log.get(client)
        if not log:
            return 0, 0
        cutoff = self._clock() - self.window_s
        while log and log[0][0] < cutoff:
            log.popleft()
        if not log:
            del self._log[client]
            return 0, 0
        return sum(e[1] for e in log), sum(e[2] for e in log)

    def allows(self, client: str, nbytes: int = 0, files: int = 0) -> bool:
        with self._lock:
            used_bytes, used_files = self._usage(client)
            return used_bytes + nbytes <= self.max_bytes and used_files + files <= self.max_files

    def add(self, client: str, nbytes: int, files: int) -> None:
        with self._lock:
            self._usage(client)  # drop what expired
            self._log[client].append((self._clock(), nbytes, files))

    def clients(self) -> int:
        with self._lock:
            for client in list(self._log):
                self._usage(client)
            return len(self._log)


def upload_allowed(headers: bytes, head: bytes) -> bool:
    """Whether one uploaded part may be stored: anything but content a browser or a computer would
    run if it were served back (a page, an SVG or other markup, a program or script), judged by its
    first bytes, never by its name. Other files that are no photo (a text note, an empty file)
    are let through on purpose: the app then says so for that one file, in the vendor's language,
    and a batch reports it as one row instead of losing the whole upload with it."""
    match = re.search(rb'filename\*?=(?:"([^"]*)"|([^;\r\n]*))', headers, re.IGNORECASE)
    if match is None:
        return True  # not a file
    if is_photo_or_zip(head):
        return True
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return not (text.startswith((b"<", b"#!")) or head.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe",
                                                                  b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa")))


def is_photo_or_zip(head: bytes) -> bool:
    """A photo or a ZIP by its first bytes."""
    return (head.startswith((b"\xff\xd8", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00",
                             b"MM\x00*", b"PK\x03\x04", b"PK\x05\x06"))
            or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
            or (head[4:8] == b"ftyp" and head[8:12] in _ISO_BRANDS))


class PartSniffer:
    """Reads a multipart body as it streams and holds back each part until its headers and its
    first ``SNIFF_BYTES`` are in, so ``check(headers, head)`` decides before the app gets a
    byte of the part. ``feed`` returns (bytes the app may have now, refused?)."""

    def __init__(self, boundary: bytes, check=upload_allowed) -> None:
        self.delim = b"\r\n--" + boundary
        self.check = check
        self.buf = b"\r\n"  # the first delimiter has no CRLF before it: add one, never pass it on
        self.sent = 2
        self.scan = 0
        self.parts = 0
        self.closed = False

    def feed(self, chunk: bytes, final: bool) -> tuple[bytes, bool]:
        self.buf += chunk
        hold = len(self.buf)
        while not self.closed:
            i = self.buf.find(self.delim, self.scan)
            if i < 0:
                hold = len(self.buf) if final else max(self.scan, len(self.buf) - len(self.delim) + 1)
                break
            after = i + len(self.delim)
            if self.buf[after:after + 2] == b"--":
                self.closed = True
                break
            end = self.buf.find(b"\r\n\r\n", after)
            if end < 0 or (len(self.buf) < end + 4 + SNIFF_BYTES and not final):
                if end < 0 and len(self.buf) - after > PART_HEADER_MAX:
                    return b"", True
                hold = len(self.buf) if final else i
                break
            self.parts += 1
            if not self.check(self.buf[after:end], self.buf[end + 4:end + 4 + SNIFF_BYTES]):
                return b"", True
            self.scan = end + 4
        out = self.buf[self.sent:hold] if hold > self.sent else b""
        self.sent = max(self.sent, hold)
        if hold > 2:  # drop what was passed on
            self.buf = self.buf[hold:]
            self.scan = max(0, self.scan - hold)
            self.sent -= hold
        return out, False


class _Refused(Exception):
    def __init__(self, status: int, key: str, **params) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params


class RequestLimits:
    """The ASGI middleware (see the module docstring). Every limit is a keyword argument."""

    def __init__(self, app, *, default_body: int = DEFAULT_BODY, route_body: dict | None = None,
                 max_upload_parts: int = MAX_UPLOAD_PARTS, quota: UploadQuota | None = None,
                 max_layer_index: int = MAX_LAYER_INDEX, block_run_history: bool = True,
                 pending=None, max_jobs_per_session: int = MAX_JOBS_PER_SESSION,
                 max_jobs_per_client: int = MAX_JOBS_PER_CLIENT, lang: str | None = None,
                 check_upload=upload_allowed) -> None:
        self.app = app
        self.default_body = default_body
        self.route_body = dict(ROUTE_BODY if route_body is None else route_body)
        self.max_upload_parts = max_upload_parts
        self.quota = quota if quota is not None else UploadQuota()
        self.max_layer_index = max_layer_index
        self.block_run_history = block_run_history
        self.lang = lang
        self.pending = pending  # session_hash -> jobs waiting or running (gradio's queue)
        self.max_jobs_per_session = max_jobs_per_session
        self.max_jobs_per_client = max_jobs_per_client
        self.check_upload = check_upload  # (part headers, first bytes) -> may it be stored
        self._sessions: dict[str, OrderedDict] = defaultdict(OrderedDict)  # client -> its sessions
        self._sessions_lock = threading.Lock()
        self._join_lock = asyncio.Lock()

    # ---------------------------------------------------------------- helpers

    def limit_for(self, path: str) -> int:
        stripped = path.rstrip("/")
        for suffix, limit in self.route_body.items():
            if stripped.endswith(API + suffix):
                return limit
        return self.default_body

    async def _answer(self, send, status: int, text: str) -> None:
        body = json.dumps({"detail": text, "error": text}, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()),
                                (b"x-content-type-options", b"nosniff"), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    def _message(self, refused: _Refused) -> str:
        return t(refused.key, self.lang, **refused.params)

    # ---------------------------------------------------------------- ASGI

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_nosniff(message):
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-content-type-options"]
                message = dict(message, headers=headers + [(b"x-content-type-options", b"nosniff")])
            await send(message)

        path = scope.get("path", "")
        method = scope.get("method", "GET")
        for marker in ("/file=", "/proxy="):
            if marker in path and _PROTOCOL.match(path.split(marker, 1)[1]):
                return await self._answer(send, 403, "File not allowed.")
        if self.block_run_history and _CLOSED.search(path):
            return await self._answer(send, 404, "Not Found")
        if method not in _BODY_METHODS:
            return await self.app(scope, receive, send_nosniff)

        headers = {k.lower(): v for k, v in scope.get("headers") or []}
        limit = self.limit_for(path)
        is_upload = path.rstrip("/").endswith(API + "/upload")
        client = (scope.get("client") or ("?", 0))[0]
        length = headers.get(b"content-length")
        try:
            if length is not None and not length.strip().isdigit():
                raise _Refused(400, "hardening_request_too_large", limit=limit // 1_000_000 or 1)
            size = int(length) if length is not None else None
            if size is not None and size > limit:
                raise _Refused(413, "hardening_request_too_large", limit=max(1, limit // 1_000_000))
            if is_upload:
                if size is None:
                    return await self._answer(send, 411, "Content-Length required.")
                if not self.quota.allows(client, size, 1):
                    raise _Refused(429, "hardening_upload_quota", files=self.quota.max_files,
                                   limit=self.quota.max_bytes // 1_000_000)
        except _Refused as refused:
            return await self._answer(send, refused.status, self._message(refused))

        if path.rstrip("/").endswith(API + "/component_server"):
            return await self._component_server(scope, receive, send_nosniff, limit)
        if self.pending is not None and path.rstrip("/").endswith(API + "/queue/join"):
            return await self._queue_join(scope, receive, send_nosniff, limit, client)
        boundary = _boundary(headers.get(b"content-type", b"")) if is_upload else None
        return await self._streamed(scope, receive, send_nosniff, limit, client, boundary)

    async def _streamed(self, scope, receive, send, limit: int, client: str, boundary: bytes | None):
        """Pass the body through, counting bytes (and upload parts); past a limit, answer
        413/429 ourselves and tell the app the client went away."""
        state = {"bytes": 0, "refused": None, "started": False}
        sniffer = PartSniffer(boundary, self.check_upload) if boundary else None

        async def guarded_receive():
            while True:
                if state["refused"] is not None:
                    return {"type": "http.disconnect"}
                message = await receive()
                if message["type"] != "http.request":
                    return message
                chunk = message.get("body", b"")
                final = not message.get("more_body", False)
                state["bytes"] += len(chunk)
                refused = None
                if state["bytes"] > limit:
                    refused = _Refused(413, "hardening_request_too_large", limit=max(1, limit // 1_000_000))
                elif sniffer is not None:
                    chunk, bad_type = sniffer.feed(chunk, final)
                    if bad_type:
                        refused = _Refused(415, "server_upload_type")
                    elif sniffer.parts > self.max_upload_parts:
                        refused = _Refused(413, "hardening_too_many_parts", limit=self.max_upload_parts)
                    elif not self.quota.allows(client, state["bytes"], sniffer.parts):
                        refused = _Refused(429, "hardening_upload_quota", files=self.quota.max_files,
                                           limit=self.quota.max_bytes // 1_000_000)
                if refused is not None:
                    state["refused"] = refused
                    if not state["started"]:
                        state["started"] = True
                        await self._answer(send, refused.status, self._message(refused))
                    return {"type": "http.disconnect"}
                if sniffer is None:
                    return message
                if final:
                    self.quota.add(client, state["bytes"], sniffer.parts)
                if chunk or final:  # a part held back until its first bytes are in: read on
                    return {"type": "http.request", "body": chunk, "more_body": not final}

        async def guarded_send(message):
            if message["type"] == "http.response.start":
                if state["started"]:
                    return
                state["started"] = True
                await send(message)
            elif state["refused"] is None:
                await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            if state["refused"] is None:
                raise  # the app's own error; ours was already answered

    async def _read_body(self, receive, send, limit: int) -> bytes | None:
        """The whole body, at most ``limit`` bytes; None (answered or gone) otherwise."""
        chunks, total = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > limit:
                await self._answer(send, 413, self._message(
                    _Refused(413, "hardening_request_too_large", limit=max(1, limit // 1_000_000))))
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _replay(self, receive, body: bytes):
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return replay

    def jobs_of_client(self, client: str) -> int:
        """Jobs waiting or running for every session seen from ``client`` (sessions with none
        are forgotten)."""
        with self._sessions_lock:
            sessions = self._sessions.get(client)
            if not sessions:
                return 0
            total = 0
            for session in list(sessions):
                n = self.pending(session)
                if n:
                    total += n
                else:
                    del sessions[session]
            if not sessions:
                del self._sessions[client]
            return total

    async def _queue_join(self, scope, receive, send, limit: int, client: str):
        """Refuse a job when its session or its client already has enough queued."""
        body = await self._read_body(receive, send, limit)
        if body is None:
            return
        try:
            session = str(json.loads(body).get("session_hash") or "")[:128]
        except (ValueError, AttributeError):
            session = ""
        if not session:
            return await self.app(scope, self._replay(receive, body), send)
        # One join at a time from the check until gradio has counted the job (its push runs
        # before the answer): joins that arrive together cannot all pass one count.
        async with self._join_lock:
            refused = None
            if self.pending(session) >= self.max_jobs_per_session:
                refused = _Refused(429, "hardening_jobs_waiting", limit=self.max_jobs_per_session)
            elif self.jobs_of_client(client) >= self.max_jobs_per_client:
                refused = _Refused(429, "hardening_jobs_waiting", limit=self.max_jobs_per_client)
            if refused is not None:
                return await self._answer(send, refused.status, self._message(refused))
            with self._sessions_lock:
                sessions = self._sessions[client]
                sessions[session] = time.monotonic()
                sessions.move_to_end(session)
                while len(sessions) > 256:
                    sessions.popitem(last=False)
            return await self.app(scope, self._replay(receive, body), send)

    async def _component_server(self, scope, receive, send, limit: int):
        """Read the (bounded) body, refuse a layer index past ``max_layer_index``, then hand
        the same body to the app."""
        body = await self._read_body(receive, send, limit)
        if body is None:
            return
        for match in _INDEX.finditer(body):
            value = match.group(1).strip()
            if value not in (b"", b"null", b"undefined"):
                try:
                    index = int(value)
                except ValueError:
                    index = -1
                if not 0 <= index <= self.max_layer_index:
                    return await self._answer(send, 413, self._message(
                        _Refused(413, "hardening_editor_layers", limit=self.max_layer_index + 1)))
        return await self.app(scope, self._replay(receive, body), send)


def client_of(event) -> str:
    """The address a queued gradio event came from (its session when there is none)."""
    client = getattr(getattr(event, "request", None), "client", None)
    return getattr(client, "host", None) or str(getattr(event, "session_hash", ""))


def fair_order(waiting: list, running: Counter, key=client_of) -> list:
    """``waiting`` in turns: each event's turn is how many of its client's jobs are running or
    ahead of it; lower turns first, the order of arrival within a turn (a stable sort)."""
    seen = Counter(running)
    turns = []
    for event in waiting:
        client = key(event)
        turns.append(seen[client])
        seen[client] += 1
    order = sorted(range(len(waiting)), key=lambda i: turns[i])
    return [waiting[i] for i in order]


def fair_queue(queue, key=client_of):
    """Patch gradio's ``Queue`` instance so each lane hands out its next job by ``fair_order``."""
    original = queue.get_events

    def get_events():
        for lane, event_queue in list(queue.event_queue_per_concurrency_id.items()):
            if len(event_queue.queue) > 1:
                running = Counter(key(e) for job in queue.active_jobs if job for e in job if e.concurrency_id == lane)
                event_queue.queue[:] = fair_order(event_queue.queue, running, key)
        return original()

    queue.get_events = get_events
    return queue


def _boundary(content_type: bytes) -> bytes | None:
    match = re.search(rb'boundary="?([^";]+)"?', content_type)
    return match.group(1) if match else None
