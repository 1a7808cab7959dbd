"""The "Banyak Foto" batch in its own process, at a lower CPU priority than the web app.

Why: in the app's own process a batch's threads took the CPU and the interpreter lock from the
web server. Round 7 measured a single photo taking 11 s beside a 40-photo batch against 1.5 s idle,
the time lost in the upload and before the photo's handler even started, so the batch's pause
between photos (``services.single_photo_running``) never came. In a child process at nice +10
the server and the single photo come first and the batch runs on the CPU that is left; the child
still pauses between two photos while a single photo runs.

One worker per running batch, kept afterwards with its models loaded for the next batch (a cold
start costs 1-5 s, ISNet's compile most of it); the first one is started, its model loaded, as
soon as photos are put into the tab (``prepare``). A worker ends when the app ends (its input
closes), after ``IDLE_EXIT_S`` without work, or when a batch is left before it finished.

The child's side is ``main()``: ``python -m assistant.web.batch_worker``. Messages are pickled
tuples over the child's stdin and a private copy of its stdout; the library's own output, if
any, goes to stderr (the app's log).
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading

from assistant.web.config import CACHE_DIR

NICE = 10  # the batch's CPU share beside the server's when both want it: about 1 to 10
IDLE_EXIT_S = 600  # a warm worker's models are given back after ten minutes without a batch
POLL_S = 0.2  # how soon a cancel reaches the child
SINGLE_MAX_WAIT_S = 120  # a batch never waits longer than this for single photos between two photos


class Worker:
    """The parent's handle on one child process."""

    def __init__(self) -> None:
        self.environ = dict(os.environ)  # a worker is reused only under the same settings
        env = dict(os.environ, ETALASE_CACHE_DIR=str(CACHE_DIR))  # the same cache as the app, whatever the env says now
        self.proc = subprocess.Popen([sys.executable, "-m", "assistant.web.batch_worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env)
        self.inbox: queue.Queue = queue.Queue()
        self._send_lock = threading.Lock()
        threading.Thread(target=self._read, name="etalase-batch-reader", daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                self.inbox.put(pickle.load(self.proc.stdout))
        except (EOFError, OSError, pickle.UnpicklingError):
            self.inbox.put(("gone", None))

    def send(self, *message) -> None:
        with self._send_lock:
            pickle.dump(message, self.proc.stdin)
            self.proc.stdin.flush()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.proc.kill()
        self.proc.wait()


_idle: list[Worker] = []
_busy: set[Worker] = set()
_pool_lock = threading.Lock()
_singles_running = False


def _usable(worker: Worker) -> bool:
    """A warm worker may take a job: it lives, and was started under today's settings."""
    return worker.alive() and worker.environ == os.environ


def _hand(worker: Worker, job: tuple) -> None:
    """Tell ``worker`` whether single photos run now, then give it ``job`` (under the pool lock, so
    "pause"/"go" cannot pass the first word)."""
    worker.send("pause" if _singles_running else "go")
    worker.send(*job)


def _take(job: tuple) -> Worker:
    """A worker given ``job``: a warm one if it still lives, else a new one."""
    with _pool_lock:
        while _idle:
            worker = _idle.pop()
            if _usable(worker):
                try:
                    _hand(worker, job)
                except OSError:  # it ended just now (its idle time ran out)
                    worker.stop()
                    continue
                _busy.add(worker)
                return worker
            worker.stop()
        worker = Worker()
        _hand(worker, job)
        _busy.add(worker)
        return worker


def prepare(model: str) -> None:
    """Start a worker and load ``model`` in it while the vendor is still choosing, so the first
    batch does not wait for it (round 8's phone walk: still 0 of 6 photos after 13 s with ISNet).
    A warm worker already there loads ``model`` too (the vendor changed the quality); while a
    batch runs nothing happens: the next batch takes that worker."""
    with _pool_lock:
        for worker in [w for w in _idle if not _usable(w)]:
            _idle.remove(worker)
            worker.stop()
        if _busy:
            return
        try:
            if not _idle:
                _idle.append(Worker())
            for worker in _idle:
                worker.send("warm", model)
        except OSError:  # it could not start, or just ended: the batch starts its own and says so if that fails
            return


def singles_changed(running: bool) -> None:
    """``services.single_photo_running`` calls this when the first single photo starts and the
    last one ends: busy workers pause between photos meanwhile."""
    global _singles_running
    with _pool_lock:
        _singles_running = running
        for worker in _busy:
            try:
                worker.send("pause" if running else "go")
            except OSError:
                pass  # that worker is gone; its batch says so


def run(job: str, kwargs: dict, progress=None, listing_progress=None, cancel: threading.Event | None = None):
    """Run ``batch_run``'s function ``job`` in a worker; ``progress``/``listing_progress`` are
    called here, in the caller's thread, as the child reports. Returns what the function returned
    and raises what it raised; a worker that dies says ``app_unexpected_error``."""
    from assistant.batch.engines import progress_caller
    from assistant.web.services import AppMessage

    report = progress_caller(progress)
    try:
        worker = _take(("job", job, kwargs))
    except OSError:  # a new worker that could not start
        raise AppMessage("app_unexpected_error") from None
    finished = cancelled = False
    try:
        while True:
            if cancel is not None and cancel.is_set() and not cancelled:
                worker.send("cancel")
                cancelled = True
            try:
                kind, payload = worker.inbox.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if kind == "progress":
                report(payload)
            elif kind == "listing" and listing_progress is not None:
                listing_progress(*payload)
            elif kind in ("done", "error"):
                finished = True
                if kind == "error":
                    raise payload
                return payload
            elif kind == "gone":
                raise AppMessage("app_unexpected_error")
    except OSError:  # the pipe to a dead child
        raise AppMessage("app_unexpected_error") from None
    finally:
        with _pool_lock:
            _busy.discard(worker)
            keep = finished and worker.alive()
            if keep:
                _idle.append(worker)
        if not keep:  # left mid-batch (an error in a progress call, the app stopping): no half-done child
            worker.stop()


# --- The child's side ---------------------------------------------------------------------------


def main() -> None:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed by a library goes to the log, not into the messages
    try:
        os.nice(NICE)
    except (OSError, AttributeError):  # not allowed, or no os.nice (Windows): the pause still holds
        pass
    jobs: queue.Queue = queue.Queue()
    go, cancel = threading.Event(), threading.Event()
    go.set()
    write_lock = threading.Lock()

    def say(*message) -> None:
        with write_lock:
            pickle.dump(message, out)
            out.flush()

    def listen() -> None:
        try:
            while True:
                message = pickle.load(sys.stdin.buffer)
                if message[0] in ("job", "warm"):
                    jobs.put(message)
                elif message[0] == "cancel":
                    cancel.set()
                    go.set()
                elif message[0] == "pause":
                    go.clear()
                elif message[0] == "go":
                    go.set()
        except (EOFError, OSError, pickle.UnpicklingError):  # the app is gone: stop after the photos in flight
            cancel.set()
            go.set()
            jobs.put(None)

    threading.Thread(target=listen, daemon=True).start()
    from assistant.web import batch_run

    def progress(done: int, total: int, info) -> None:
        go.wait(SINGLE_MAX_WAIT_S)  # between two photos: a single photo in the app first
        say("progress", info)

    warmed: set[str] = set()
    while True:
        try:
            job = jobs.get(timeout=IDLE_EXIT_S)
        except queue.Empty:
            return
        if job is None:
            return
        if job[0] == "warm":
            if job[1] not in warmed:
                warmed.add(job[1])
                from assistant.models import session

                try:
                    session.warm((job[1],))
                except Exception:  # noqa: BLE001  (the batch loads it again and reports what is wrong)
                    pass
            continue
        _, name, kwargs = job
        cancel.clear()
        try:
            result = getattr(batch_run, name)(**kwargs, progress=progress, cancel=cancel,
                                               listing_progress=lambda done, total: say("listing", (done, total)))
        except BaseException as exc:  # noqa: BLE001  (every error goes back to the app, which shows it)
            try:
                pickle.dumps(exc)
            except Exception:  # noqa: BLE001  (an error that cannot travel is told as an unexpected one)
                from assistant.web.services import AppMessage

                exc = AppMessage("app_unexpected_error")
            say("error", exc)
        else:
            say("done", result)


if __name__ == "__main__":
    main()
