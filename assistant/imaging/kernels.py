"""Compiled per-pixel kernels (numba), optional: each has a numpy/OpenCV twin in its stage.

The steps after the model are chains of small numpy and OpenCV calls; where one of them walks
pixel by pixel through a few thousand small windows (decontamination's narrow pass), the calls'
own overhead costs more than the arithmetic. A kernel here does the same arithmetic in one
compiled loop that lets go of the GIL. numba is imported on first use, not at import (its import
costs about a second); its compiled code is cached on disk (``cache=True``), so only the first
photo after an install pays the compilation. Without numba (or with ``USE`` False)
``narrow_pass`` answers None and the stage runs its numpy path.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_LOCK = threading.Lock()
_KERNELS: dict | bool | None = None  # name -> compiled kernel; False when numba cannot be had
_estimates = None  # the narrow pass's compiled helper (``_estimates_py``), made with the kernels
log = logging.getLogger(__name__)


USE = True  # False: the stages' numpy paths (tests and benches compare the two)


def enabled() -> bool:
    return USE


def _jit(numba, fn):
    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # no writable cache folder: compiled in each process
        return numba.njit(nogil=True)(fn)


def _compiled():
    """The compiled kernels by name (numba imported, each kernel loaded from the disk cache or
    compiled, and run once on a tiny input), or False: without numba, or when a kernel fails to
    compile or run, the stages keep their numpy paths (logged, never an error for a photo)."""
    global _KERNELS
    if _KERNELS is None:
        with _LOCK:
            if _KERNELS is None:
                try:
                    import numba
                except ImportError:  # numba is in requirements.txt; without it the numpy path runs
                    _KERNELS = False
                    return _KERNELS
                try:
                    global _estimates  # the narrow pass calls it compiled: made first
                    _estimates = _jit(numba, _estimates_py)
                    made = {"narrow": _jit(numba, _narrow_pass_py), "rebuild": _jit(numba, _rebuild_py),
                            "unsharp": _jit(numba, _unsharp_py), "blend": _jit(numba, _blend_py)}
                    _try_each(made)
                    _KERNELS = made
                except Exception:  # an LLVM or typing error on an odd platform: numpy paths
                    log.exception("compiled kernels unavailable; the numpy paths run")
                    _KERNELS = False
    return _KERNELS


def _try_each(k: dict) -> None:
    """Every kernel once on a tiny input (loads or compiles it, so no photo waits for that)."""
    rgb = np.zeros((40, 40, 3), np.uint8)
    alpha = np.zeros((40, 40), np.uint8)
    alpha[10:30, 10:30] = 128
    means = np.zeros((10, 10, 3), np.float32)
    k["narrow"](rgb, alpha, rgb.copy(), 0, 0, means, means, 4, 32, 0, 1)
    lut = np.arange(256, dtype=np.uint8)
    flat = rgb.reshape(-1, 3)
    k["rebuild"](flat, flat, flat.copy(), lut, lut, 0, len(flat))
    luma = np.zeros(1600, np.float32)
    k["unsharp"](flat.copy(), luma, luma, np.float32(0.5), 0, 1600)
    k["blend"](flat, alpha.reshape(-1), flat.copy(), 0, 1600)


_WARMING: threading.Thread | None = None


def start_warm() -> None:
    """``warm`` on a background thread, once per process (the pipeline starts it before the
    model runs: numba's import and the cached kernels' loading then overlap the inference, and
    a kernel, if it is asked for first, waits for the same compiled kernels)."""
    global _WARMING
    if _WARMING is None and _KERNELS is None and enabled():
        with _LOCK:
            if _WARMING is None:
                _WARMING = threading.Thread(target=warm, name="etalase-kernels", daemon=True)
                _WARMING.start()


SPLIT_FROM = 200_000  # pixels: a smaller call runs whole on the calling thread
_POOL: ThreadPoolExecutor | None = None


def _in_two(kernel, args: tuple, mine: tuple, theirs: tuple, pixels: int) -> None:
    """``kernel(*args, *mine)`` here and ``kernel(*args, *theirs)`` on a helper thread at once: the
    kernels let go of the GIL, so the two halves run on two cores (Python threads running numpy
    and OpenCV call chains mostly take turns). The halves write disjoint pixels."""
    global _POOL
    if pixels < SPLIT_FROM:
        kernel(*args, *mine)
        kernel(*args, *theirs)
        return
    if _POOL is None:
        with _LOCK:
            if _POOL is None:
                _POOL = ThreadPoolExecutor(1, thread_name_prefix="etalase-kernel")
    other = _POOL.submit(kernel, *args, *theirs)
    try:
        kernel(*args, *mine)
    finally:
        other.result()


def _forget_pool() -> None:  # a forked child has no helper thread: it makes its own
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _halves(kernel, args: tuple, n: int) -> None:
    """``kernel`` over items [0, n) in two halves (``_in_two``)."""
    _in_two(kernel, args, (0, n // 2), (n // 2, n), n)


def warm() -> None:
    """Import numba and load (or compile) the kernels now: the app calls this (models' warm-up)
    beside loading the model, and ``models install`` makes the disk cache, so that the first
    photo does not wait for them."""
    if enabled():
        _compiled()


def _kernel(name: str):
    kernels = _compiled() if enabled() else False
    return kernels[name] if kernels else None


def narrow_pass(rgb: np.ndarray, alpha: np.ndarray, out: np.ndarray, origin: tuple[int, int],
                mean_f: np.ndarray, mean_b: np.ndarray, k: int, tile: int) -> np.ndarray | None:
    """Decontamination's narrow pass (``stages.cutout.decontaminate``) over the crop of ``alpha``
    (HxW uint8, the crop's own array) at ``origin`` (y, x) in ``rgb``/``out`` (the photo): each
    partial pixel of the crop gets F from I = aF + (1 - a)B, with F and B the 7x7 means of the
    first estimates (the wide pass's means ``mean_f``/``mean_b`` at 1/``k`` of the crop, brought to
    full size bilinearly), written into ``out``. Only the ``tile`` px tiles holding partial pixels
    are visited. None when no kernel can be had (the caller runs its numpy path)."""
    kernel = _kernel("narrow")
    if kernel is None:
        return None
    args = (np.ascontiguousarray(rgb), np.ascontiguousarray(alpha), out, origin[0], origin[1],
            np.ascontiguousarray(mean_f, np.float32), np.ascontiguousarray(mean_b, np.float32), k, tile)
    _in_two(kernel, args, (0, 2), (1, 2), alpha.size)  # every other row of tiles
    return out


R2 = 3  # the narrow pass's radius (7x7 means)


def _estimates_py(rgb, alpha, oy, ox, mean_f, mean_b, inv_k, py0, py1, px0, px1):  # pragma: no cover - compiled
    """The narrow pass's first estimates in one window: F*a (3), a, B*(1-a) (3), 1-a per pixel."""
    sh, sw = mean_f.shape[0], mean_f.shape[1]
    unit = np.float32(1.0 / 255.0)
    half = np.float32(0.5)
    wh, ww = py1 - py0, px1 - px0
    v8 = np.zeros((wh, ww, 8), np.float32)
    for y in range(wh):
        cy = py0 + y
        sy = (np.float32(cy) + half) * inv_k - half
        y0f = np.floor(sy)
        wy = np.float32(sy - y0f)
        ya = min(max(int(y0f), 0), sh - 1)
        yb = min(max(int(y0f) + 1, 0), sh - 1)
        for x in range(ww):
            cx = px0 + x
            a = np.float32(alpha[cy, cx]) * unit
            inv = np.float32(1.0) - a
            v8[y, x, 3] = a
            v8[y, x, 7] = inv
            av = alpha[cy, cx]
            if av == 255:
                for c in range(3):
                    v8[y, x, c] = np.float32(rgb[oy + cy, ox + cx, c]) * unit
                continue
            sx = (np.float32(cx) + half) * inv_k - half
            x0f = np.floor(sx)
            wx = np.float32(sx - x0f)
            xa = min(max(int(x0f), 0), sw - 1)
            xb = min(max(int(x0f) + 1, 0), sw - 1)
            for c in range(3):
                mb = ((mean_b[ya, xa, c] * (np.float32(1.0) - wx) + mean_b[ya, xb, c] * wx)
                      * (np.float32(1.0) - wy)
                      + (mean_b[yb, xa, c] * (np.float32(1.0) - wx) + mean_b[yb, xb, c] * wx) * wy)
                v8[y, x, 4 + c] = mb * inv
                if av != 0:
                    mf = ((mean_f[ya, xa, c] * (np.float32(1.0) - wx) + mean_f[ya, xb, c] * wx)
                          * (np.float32(1.0) - wy)
                          + (mean_f[yb, xa, c] * (np.float32(1.0) - wx) + mean_f[yb, xb, c] * wx) * wy)
                    i = np.float32(rgb[oy + cy, ox + cx, c]) * unit
                    f = mf + a * (i - a * mf - inv * mb)
                    f = min(max(f, np.float32(0.0)), np.float32(1.0))
                    v8[y, x, c] = f * a
    return v8


def _narrow_pass_py(rgb, alpha, out, oy, ox, mean_f, mean_b, k, tile, start, step):  # pragma: no cover - compiled
    ch, cw = alpha.shape
    unit = np.float32(1.0 / 255.0)
    eps = np.float32(1e-5)
    norm = np.float32(1.0 / ((2 * R2 + 1) * (2 * R2 + 1)))
    nty, ntx = (ch + tile - 1) // tile, (cw + tile - 1) // tile
    flags = np.zeros((nty, ntx), np.bool_)
    for y in range(ch):
        for x in range(cw):
            v = alpha[y, x]
            if v != 0 and v != 255:
                flags[y // tile, x // tile] = True
    inv_k = np.float32(1.0 / k)
    for ty in range(start, nty, step):
        tx = 0
        while tx < ntx:
            if not flags[ty, tx]:
                tx += 1
                continue
            s = tx
            while tx < ntx and flags[ty, tx]:
                tx += 1
            ty0, ty1 = ty * tile, min(ch, (ty + 1) * tile)
            tx0, tx1 = s * tile, min(cw, tx * tile)
            py0, py1 = max(0, ty0 - R2), min(ch, ty1 + R2)
            px0, px1 = max(0, tx0 - R2), min(cw, tx1 + R2)
            wh, ww = py1 - py0, px1 - px0
            v8 = _estimates(rgb, alpha, oy, ox, mean_f, mean_b, inv_k, py0, py1, px0, px1)
            # 7-wide sums along rows (the window's edges repeat its last pixel, as the
            # crop's edges do: a window is clipped only there)
            hs = np.zeros((wh, ww, 8), np.float32)
            acc = np.zeros(8, np.float32)
            for y in range(wh):
                for x in range(ww):
                    for d in range(-R2, R2 + 1):
                        xx = min(max(x + d, 0), ww - 1)
                        for c in range(8):
                            hs[y, x, c] += v8[y, xx, c]
            for y in range(ty0 - py0, ty1 - py0):
                cy = py0 + y
                for x in range(tx0 - px0, tx1 - px0):
                    cx = px0 + x
                    av = alpha[cy, cx]
                    if av == 0 or av == 255:
                        continue
                    acc[:] = 0
                    for d in range(-R2, R2 + 1):
                        yy = min(max(y + d, 0), wh - 1)
                        for c in range(8):
                            acc[c] += hs[yy, x, c]
                    a = np.float32(av) * unit
                    den_f = acc[3] * norm + eps
                    den_b = acc[7] * norm + eps
                    for c in range(3):
                        nf = acc[c] * norm / den_f
                        nb = acc[4 + c] * norm / den_b
                        i = np.float32(rgb[oy + cy, ox + cx, c]) * unit
                        f = nf + a * (i - a * nf - (np.float32(1.0) - a) * nb)
                        f = min(max(f, np.float32(0.0)), np.float32(1.0))
                        out[oy + cy, ox + cx, c] = np.uint8(f * np.float32(255.0) + np.float32(0.5))


def rebuild_highlights(rgb: np.ndarray, out: np.ndarray, ramp_lut: np.ndarray, share_lut: np.ndarray
                       ) -> np.ndarray | None:
    """The lighting's ``_rebuild_highlights`` (its twelve 8-bit OpenCV passes) in one loop, the
    same arithmetic and rounding per pixel: a clipped channel raised towards the pixel's brightest
    corrected channel by ``ramp_lut``'s weight, a coloured pixel by ``share_lut``'s share of it.
    A new array; None when no kernel can be had."""
    kernel = _kernel('rebuild')
    if kernel is None:
        return None
    result = np.empty_like(out)
    _halves(kernel, (np.ascontiguousarray(rgb).reshape(-1, 3), np.ascontiguousarray(out).reshape(-1, 3),
                         result.reshape(-1, 3), ramp_lut, share_lut), out.shape[0] * out.shape[1])
    return result


def _rebuild_py(rgb, out, result, ramp_lut, share_lut, start, stop):  # pragma: no cover - compiled
    scale = np.float32(1.0 / 255.0)
    for p in range(start, stop):
        o0, o1, o2 = np.int32(out[p, 0]), np.int32(out[p, 1]), np.int32(out[p, 2])
        top = max(o0, max(o1, o2))
        l0 = np.int32(np.rint(np.float32(top - o0) * np.float32(ramp_lut[rgb[p, 0]]) * scale))
        l1 = np.int32(np.rint(np.float32(top - o1) * np.float32(ramp_lut[rgb[p, 1]]) * scale))
        l2 = np.int32(np.rint(np.float32(top - o2) * np.float32(ramp_lut[rgb[p, 2]]) * scale))
        if l0 == 0 and l1 == 0 and l2 == 0:
            result[p, 0], result[p, 1], result[p, 2] = out[p, 0], out[p, 1], out[p, 2]
            continue
        lo = min(min(o0 + l0, 255), min(min(o1 + l1, 255), min(o2 + l2, 255)))
        ratio = np.int32(np.rint(np.float32(lo) * np.float32(255.0) / np.float32(max(top, 1))))
        share = np.float32(share_lut[ratio])
        result[p, 0] = min(o0 + np.int32(np.rint(np.float32(l0) * share * scale)), 255)
        result[p, 1] = min(o1 + np.int32(np.rint(np.float32(l1) * share * scale)), 255)
        result[p, 2] = min(o2 + np.int32(np.rint(np.float32(l2) * share * scale)), 255)




def unsharp_luma(ycc: np.ndarray, y: np.ndarray, blurred: np.ndarray, gain: float) -> bool:
    """The output sharpening's last step in one loop, float32 as numpy does it: the luma channel
    of ``ycc`` (uint8 HxWx3, written in place) becomes y + gain * detail, detail = y - blurred
    where it is at least 2 levels (flat areas and their grain left alone), clipped, truncated.
    False when no kernel can be had."""
    kernel = _kernel('unsharp')
    if kernel is None:
        return False
    _halves(kernel, (ycc.reshape(-1, 3), y.reshape(-1), blurred.reshape(-1), np.float32(gain)), y.size)
    return True


def _unsharp_py(ycc, y, blurred, gain, start, stop):  # pragma: no cover - compiled
    for p in range(start, stop):
        d = y[p] - blurred[p]
        if abs(d) < np.float32(2.0):
            d = np.float32(0.0)
        v = y[p] + gain * d + np.float32(0.5)
        v = min(max(v, np.float32(0.0)), np.float32(255.0))
        ycc[p, 0] = np.uint8(v)




def blend_over(fg: np.ndarray, alpha: np.ndarray, bg: np.ndarray) -> bool:
    """``bg`` (uint8 HxWx3, written in place) becomes ``fg`` over it by ``alpha`` (HxW uint8):
    opaque pixels ``fg``'s, clear ones left, the rest ``cv2.blendLinear``'s arithmetic (float32
    weights a/255 and 1 - a/255, rounded). False when no kernel can be had."""
    kernel = _kernel('blend')
    if kernel is None:
        return False
    _halves(kernel, (np.ascontiguousarray(fg).reshape(-1, 3), np.ascontiguousarray(alpha).reshape(-1),
                         bg.reshape(-1, 3)), alpha.size)
    return True


def _blend_py(fg, alpha, bg, start, stop):  # pragma: no cover - compiled
    unit = np.float32(1.0 / 255.0)
    for p in range(start, stop):
        a = alpha[p]
        if a == 0:
            continue
        if a == 255:
            bg[p, 0], bg[p, 1], bg[p, 2] = fg[p, 0], fg[p, 1], fg[p, 2]
            continue
        w1 = np.float32(a) * unit
        w2 = np.float32(1.0) - w1
        den = w1 + w2 + np.float32(1e-5)
        for c in range(3):
            v = np.rint((np.float32(fg[p, c]) * w1 + np.float32(bg[p, c]) * w2) / den)
            bg[p, c] = np.uint8(min(max(v, np.float32(0.0)), np.float32(255.0)))
