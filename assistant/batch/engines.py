"""The two engines that run the per-photo work: local (stages overlapped on worker threads,
bounded queues) and Dask; and the progress they report.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import cv2

from assistant.batch.journal import Record, _write_result
from assistant.batch.naming import Plan
from assistant.batch.recipe import (Decoded, PhotoResult, Recipe, _exc_detail, _failure, decode_stage,
                                    finish_stage, model_stage, process_bytes)
from assistant import settings
from assistant.errors import AssistantError


# --------------------------------------------------------------------------- progress

@dataclass(frozen=True)
class BatchProgress:
    """What the progress callback's third argument carries: counts, rate and time left."""

    done: int
    total: int
    ok: int
    failed: int
    resumed: int
    elapsed_s: float
    rate: float  # photos processed per second (reused ones not counted)
    eta_s: float | None
    current: str = ""


_opencv_lock = threading.Lock()
_opencv_users = 0
_opencv_saved = 0


@contextlib.contextmanager
def _opencv_single_threaded():
    """OpenCV without its own worker threads while a local batch runs.

    The local engine's parallelism is its overlapping stages (decode, model, finish threads).
    OpenCV's own worker threads on top only contend with them: 20 ISNet photos took 89.6 s of
    CPU with them and 80.3 s without (47.3 -> 42.1 s wall). The setting is process-wide and the
    app may run batches side by side, so the first batch in saves it and the last one out
    puts it back.
    """
    global _opencv_users, _opencv_saved
    with _opencv_lock:
        if _opencv_users == 0:
            _opencv_saved = cv2.getNumThreads()
            cv2.setNumThreads(1)
        _opencv_users += 1
    try:
        yield
    finally:
        with _opencv_lock:
            _opencv_users -= 1
            if _opencv_users == 0:
                cv2.setNumThreads(_opencv_saved)


def progress_caller(cb: Callable | None) -> Callable[[BatchProgress], None]:
    """``cb`` as the batch calls it: ``cb(done, total)``, or with a third parameter ``cb(done, total, info)``."""
    if cb is None:
        return lambda info: None
    try:
        params = inspect.signature(cb).parameters.values()
        # only a third positional parameter without a default asks for the details
        n = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty for p in params)
        three = n >= 3 or any(p.kind == p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):
        three = False
    if three:
        return lambda info: cb(info.done, info.total, info)
    return lambda info: cb(info.done, info.total)


class _Tracker:
    def __init__(self, total: int, callback: Callable[[BatchProgress], None]) -> None:
        self.total, self.callback = total, callback
        self.done = self.ok = self.failed = self.resumed = self.processed = 0
        self.t0 = time.perf_counter()
        self.first_t: float | None = None

    def step(self, record: Record) -> None:
        self.done += 1
        self.ok += record.status == "ok"
        self.failed += record.status != "ok"
        if record.resumed:
            self.resumed += 1
        else:
            self.processed += 1
        self.emit(record.input)

    def emit(self, current: str = "") -> None:
        elapsed = time.perf_counter() - self.t0
        rate = self.processed / elapsed if elapsed > 0 and self.processed else 0.0
        left = self.total - self.done
        eta = left / rate if rate > 0 else (0.0 if left == 0 else None)
        self.callback(BatchProgress(self.done, self.total, self.ok, self.failed, self.resumed,
                                    round(elapsed, 3), round(rate, 4), None if eta is None else round(eta, 1),
                                    current))


# --------------------------------------------------------------------------- engines

def _run_local(plans: list[Plan], prepare: Callable[[Plan], tuple[str, bytes] | Record], recipe: Recipe,
               out_dir: Path, jobs: int, done: Callable[[Record], None],
               cancel: threading.Event | None) -> None:
    """Three overlapping stages: ``jobs`` threads read, hash and decode ahead, the model runs
    on this thread, ``jobs`` threads finish, encode and write. At most ``max(2, jobs)``
    photos are decoded ahead and ``jobs`` finishing, so memory does not grow with the batch."""
    decode_pool = ThreadPoolExecutor(jobs, thread_name_prefix="etalase-decode")
    finish_pool = ThreadPoolExecutor(jobs, thread_name_prefix="etalase-finish")
    pending: deque[tuple[Plan, Future]] = deque()
    finishing: set[Future] = set()
    todo = iter(plans)

    def decode(plan: Plan):
        ready = prepare(plan)
        if isinstance(ready, Record):
            return ready
        key, data = ready
        try:
            return key, decode_stage(data, plan.job.relative.name, recipe)
        except Exception as exc:
            return key, _failure(exc, code=recipe.code)

    def finish(plan: Plan, key: str, item: Decoded | PhotoResult, soft, cutout_s: float) -> Record:
        if isinstance(item, Decoded):
            try:
                item = finish_stage(item, soft, recipe, cutout_s)
            except Exception as exc:
                item = _failure(exc, item.before, recipe.code)
        return _write_result(plan, key, item, out_dir)

    def feed() -> None:
        while len(pending) < max(2, jobs) and not (cancel and cancel.is_set()):
            plan = next(todo, None)
            if plan is None:
                return
            pending.append((plan, decode_pool.submit(decode, plan)))

    def harvest(block: bool) -> None:
        if finishing:
            ready, _ = wait(finishing, timeout=None if block else 0, return_when=FIRST_COMPLETED)
            for fut in ready:
                finishing.discard(fut)
                done(fut.result())

    try:
        feed()
        while pending:
            plan, fut = pending.popleft()
            feed()
            got = fut.result()
            if isinstance(got, Record):
                done(got)
                continue
            key, item = got
            soft, cutout_s = None, 0.0
            if isinstance(item, Decoded):
                t0 = time.perf_counter()
                try:
                    soft = model_stage(item, recipe)
                except Exception as exc:
                    item = _failure(exc, item.before, recipe.code)
                cutout_s = time.perf_counter() - t0
            while len(finishing) >= jobs:
                harvest(block=True)
            finishing.add(finish_pool.submit(finish, plan, key, item, soft, cutout_s))
            harvest(block=False)
        while finishing:
            harvest(block=True)
    finally:
        decode_pool.shutdown(wait=True, cancel_futures=True)
        finish_pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(plans: list[Plan], prepare: Callable[[Plan], tuple[str, bytes] | Record], recipe: Recipe,
              out_dir: Path, scheduler, in_flight: int | None, done: Callable[[Record], None],
              cancel: threading.Event | None) -> None:
    """``process_bytes`` on the cluster's workers: the photo's bytes go there, the encoded
    outputs and thumbnails come back and are written here, so workers need no shared folder."""
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - dask[distributed] is in requirements.txt
        raise AssistantError("batch_dask_missing") from None
    own = not hasattr(scheduler, "submit")
    try:
        client = Client(scheduler, timeout="20s") if own else scheduler
    except (OSError, TimeoutError, ValueError) as exc:
        raise AssistantError("batch_scheduler_unreachable", address=str(scheduler), detail=str(exc)) from None
    try:
        limit = in_flight or 2 * max(1, sum(client.nthreads().values()))
        todo = iter(plans)
        meta: dict[str, tuple[Plan, str]] = {}
        queue = as_completed()

        def submit() -> bool:
            """Send the next photo that needs work; False when there is none left."""
            while not (cancel and cancel.is_set()):
                plan = next(todo, None)
                if plan is None:
                    return False
                ready = prepare(plan)
                if isinstance(ready, Record):
                    done(ready)
                    continue
                key, data = ready
                fut = client.submit(process_bytes, data, plan.job.relative.name, recipe, pure=False)
                meta[fut.key] = (plan, key)
                queue.add(fut)
                return True
            return False

        for _ in range(limit):
            if not submit():
                break
        for fut in queue:
            plan, key = meta.pop(fut.key)
            try:
                result = fut.result()
            except Exception as exc:  # a worker died, or the cluster cannot import Etalase
                detail = _exc_detail(exc)
                result = PhotoResult(error=("batch_cluster_failed", {"detail": detail}), code=recipe.code)
            fut.release()
            done(_write_result(plan, key, result, out_dir))
            submit()
    finally:
        if own:
            client.close()



def default_jobs() -> int:
    """Worker threads per stage: one per core, at most 4 (the model already uses every core
    for one photo; more threads only hold more photos in memory)."""
    return max(1, min(4, settings.usable_cores()))

