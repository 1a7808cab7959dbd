"""Offline backdrops: data in ``presets/backdrops/*.toml``, one renderer per kind, no model weights.

A backdrop file names its ``kind`` (``sweep``, ``flat``, ``two-tone`` or a surface: ``wood``,
``marble``, ``terrazzo``, ``linen``, ``anyaman``, ``batik``, ``leaf``), a few colourways and
how the scene is laid out (``horizon``: where the table meets the wall, as a share of the
height; ``reflection``: a soft mirror for glossy surfaces; ``scale``: the pattern's size).

Surfaces are drawn once per colourway as a flat texture at 1024 px (seeded, so the same
backdrop gives the same bytes every time), cached, then laid on the table in perspective
(``cv2.warpPerspective``) and blurred more the further back they lie (depth of field). A
backdrop is named ``file`` or ``file:colourway`` (the first colourway by default).
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from assistant.errors import AssistantError
from assistant.presets import COLOUR_RE, check_keys, check_title, parse_colour, read_toml
from assistant.resources import data_dir, user_cache_dir

BACKDROPS_DIR = data_dir("presets") / "backdrops"
KINDS = ("sweep", "flat", "two-tone", "wood", "marble", "terrazzo", "linen", "anyaman", "batik", "leaf")
SURFACES = KINDS[3:]
TEX = 1024  # side of a surface texture, px


@dataclass(frozen=True, eq=False)  # loaded once and cached: identity is its key
class Colourway:
    name: str
    title: dict[str, str]
    colours: tuple[tuple[int, int, int], ...]
    wall: tuple[int, int, int]


@dataclass(frozen=True, eq=False)
class Backdrop:
    name: str
    title: dict[str, str]
    kind: str
    horizon: float
    reflection: float
    scale: float
    vignette: float
    colourways: tuple[Colourway, ...]

    def colourway(self, name: str | None) -> Colourway:
        if not name:
            return self.colourways[0]
        for c in self.colourways:
            if c.name == name:
                return c
        raise AssistantError("promo_backdrop_unknown", name=f"{self.name}:{name}",
                             known=", ".join(f"{self.name}:{c.name}" for c in self.colourways))


def _colour(path: Path, key: str, value: object) -> tuple[int, int, int]:
    if not isinstance(value, str) or not COLOUR_RE.match(value):
        raise AssistantError("promo_backdrop_bad_value", file=path.name, key=key, value=repr(value),
                             expected="#RRGGBB")
    return parse_colour(value)


def _number(path: Path, data: dict, key: str, default: float, lo: float, hi: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise AssistantError("promo_backdrop_bad_value", file=path.name, key=key, value=repr(value),
                             expected=f"{lo}..{hi}")
    return float(value)


def parse_backdrop(path: Path) -> Backdrop:
    data = read_toml(path, "promo_backdrop_syntax")
    check_keys(path, "", data, {"title", "kind", "horizon", "reflection", "scale", "vignette", "colourways"},
               {"title", "kind", "colourways"}, area="promo_backdrop")
    if data["kind"] not in KINDS:
        raise AssistantError("promo_backdrop_bad_value", file=path.name, key="kind", value=repr(data["kind"]),
                             expected=", ".join(KINDS))
    ways = []
    table = data["colourways"]
    if not isinstance(table, dict) or not table:
        raise AssistantError("promo_backdrop_bad_value", file=path.name, key="colourways", value=repr(table),
                             expected="[colourways.NAME] tables")
    for name, way in table.items():
        check_keys(path, f"colourways.{name}.", way, {"title", "colours", "wall"}, {"title", "colours"},
                   area="promo_backdrop")
        colours = way["colours"]
        if not isinstance(colours, list) or not 1 <= len(colours) <= 5:
            raise AssistantError("promo_backdrop_bad_value", file=path.name, key=f"colourways.{name}.colours",
                                 value=repr(colours), expected="1 to 5 colours")
        rgb = tuple(_colour(path, f"colourways.{name}.colours", c) for c in colours)
        wall = _colour(path, f"colourways.{name}.wall", way.get("wall", "#EEEAE4"))
        ways.append(Colourway(name, check_title(path, way["title"], area="promo_backdrop"), rgb, wall))
    return Backdrop(
        name=path.stem, title=check_title(path, data["title"], area="promo_backdrop"), kind=data["kind"],
        horizon=_number(path, data, "horizon", 0.45, 0.0, 0.9),
        reflection=_number(path, data, "reflection", 0.0, 0.0, 1.0),
        scale=_number(path, data, "scale", 1.0, 0.25, 4.0),
        vignette=_number(path, data, "vignette", 0.18, 0.0, 0.6),
        colourways=tuple(ways))


@functools.cache
def _all(directory: Path) -> dict[str, Backdrop]:
    return {p.stem: parse_backdrop(p) for p in sorted(directory.glob("*.toml"))}


def list_backdrops(directory: Path = BACKDROPS_DIR) -> list[str]:
    """Every ``file:colourway`` name, in file order."""
    return [f"{b.name}:{c.name}" for b in _all(directory).values() for c in b.colourways]


def load_backdrop(name: str, directory: Path = BACKDROPS_DIR) -> tuple[Backdrop, Colourway]:
    """The backdrop and colourway called ``file`` or ``file:colourway``."""
    base, _, way = (name or "").strip().lower().partition(":")
    found = _all(directory).get(base)
    if found is None:
        raise AssistantError("promo_backdrop_unknown", name=name,
                             known=", ".join(sorted(_all(directory))))
    return found, found.colourway(way or None)


def check_backdrops(directory: Path = BACKDROPS_DIR) -> list[Backdrop]:
    return [parse_backdrop(p) for p in sorted(directory.glob("*.toml"))]


# --------------------------------------------------------------------------- noise

def _rng(*key: object) -> np.random.Generator:
    """A generator seeded by name: the same backdrop gives the same pixels in every process."""
    digest = hashlib.sha256("|".join(str(k) for k in key).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _field(rng: np.random.Generator, gw: int, gh: int, out: tuple[int, int]) -> np.ndarray:
    """Smooth noise: a random ``gw`` x ``gh`` grid resized up (cubic), 0..1-ish."""
    grid = rng.random((gh, gw)).astype(np.float32)
    return cv2.resize(grid, out, interpolation=cv2.INTER_CUBIC)


def _fbm(rng: np.random.Generator, n: int, base: int = 4, octaves: int = 5, aspect: float = 1.0) -> np.ndarray:
    """Fractal noise on an n x n square, mean 0, roughly -1..1; ``aspect`` stretches it along x."""
    out = np.zeros((n, n), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        g = base * 2 ** o
        out += amp * (_field(rng, max(2, int(g / aspect)), g, (n, n)) - 0.5)
        total += amp
        amp *= 0.5
    return out / total * 2.0


def _mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Colours ``a`` -> ``b`` (RGB 0..255) by weights ``t`` (HxW)."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    return a + (b - a) * t[..., None]


def _c(way: Colourway, i: int) -> np.ndarray:
    cs = way.colours
    return np.array(cs[min(i, len(cs) - 1)], np.float32)


# --------------------------------------------------------------------------- surfaces (flat textures)

def _wood(way: Colourway, n: int, scale: float) -> np.ndarray:
    rng = _rng("wood", way.name)
    planks = max(3, int(round(6 / scale)))
    v = np.linspace(0, planks, n, dtype=np.float32)[:, None] * np.ones((1, n), np.float32)
    u = np.linspace(0, 1, n, dtype=np.float32)[None, :] * np.ones((n, 1), np.float32)
    idx = np.floor(v).astype(np.int32)
    local = v - idx
    # every plank: its own tone, offset and ring density; a butt joint somewhere along it
    tone = rng.uniform(-0.09, 0.09, planks + 1).astype(np.float32)
    shift = rng.uniform(0, 10, planks + 1).astype(np.float32)
    rings = rng.uniform(3.0, 6.0, planks + 1).astype(np.float32)
    warp = _fbm(rng, n, base=3, octaves=4, aspect=6.0)
    g = (local * rings[idx] + shift[idx] + 0.9 * warp + 0.35 * np.sin(u * 7 + shift[idx])) % 1.0
    grain = np.clip(np.abs(g - 0.5) * 2, 0, 1) ** 6
    fibres = _fbm(rng, n, base=48, octaves=3, aspect=12.0)
    t = np.clip(0.5 + 0.55 * grain - 0.35 * fibres * 0.5 + tone[idx], 0, 1)
    col = _mix(_c(way, 2), _c(way, 1), t)
    col *= (1.0 + tone[idx] * 0.8)[..., None]
    # seams between planks: a thin dark line, a touch of bevel light above it
    edge = np.minimum(local, 1 - local) * (n / planks)
    col *= (1 - 0.45 * np.exp(-(edge / 1.6) ** 2))[..., None]
    joints = rng.uniform(0.1, 0.9, planks + 1)
    jd = np.abs(u - joints[idx]) * n
    col *= (1 - 0.35 * np.exp(-(jd / 1.4) ** 2))[..., None]
    return col


def _marble(way: Colourway, n: int, scale: float) -> np.ndarray:
    rng = _rng("marble", way.name)
    y, x = np.mgrid[0:n, 0:n].astype(np.float32) / n
    turb = _fbm(rng, n, base=3, octaves=6)
    turb2 = _fbm(rng, n, base=6, octaves=5)
    veins = np.abs(np.sin((x * 2.2 + y * 1.1) / scale * math.pi + 3.2 * turb))
    fine = np.abs(np.sin((x * -1.3 + y * 3.1) / scale * math.pi * 1.7 + 4.0 * turb2))
    t = 0.75 * (1 - veins) ** 14 + 0.35 * (1 - fine) ** 22
    cloud = 0.5 + 0.5 * _fbm(rng, n, base=2, octaves=5)
    base = _mix(_c(way, 0), _c(way, 2) if len(way.colours) > 2 else _c(way, 0) * 0.96, cloud * 0.6)
    return base + (_c(way, 1) - base) * np.clip(t, 0, 1)[..., None]


def _terrazzo(way: Colourway, n: int, scale: float) -> np.ndarray:
    rng = _rng("terrazzo", way.name)
    col = np.empty((n, n, 3), np.float32)
    col[:] = _c(way, 0)
    col *= (1 + 0.025 * _fbm(rng, n, base=40, octaves=2))[..., None]
    chips = [np.array(c, np.float32) for c in way.colours[1:]] or [_c(way, 0) * 0.8]
    count = int(900 / scale ** 2)
    img = col.copy()
    for i in range(count):
        r = (rng.random() ** 2.2 * 16 + 2.5) * scale * n / 1024
        cx, cy = rng.uniform(-20, n + 20, 2)
        k = rng.integers(5, 9)
        ang = np.sort(rng.uniform(0, 2 * math.pi, k))
        rad = r * rng.uniform(0.55, 1.0, k)
        pts = np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1)
        c = chips[i % len(chips)] * rng.uniform(0.93, 1.05)
        cv2.fillPoly(img, [np.round(pts * 16).astype(np.int32)], c.tolist(), cv2.LINE_AA, shift=4)
    return img


def _linen(way: Colourway, n: int, scale: float) -> np.ndarray:
    rng = _rng("linen", way.name)
    threads = int(520 / scale)
    rows = cv2.resize(rng.random((threads, 1)).astype(np.float32), (n, n), interpolation=cv2.INTER_LINEAR)
    cols = cv2.resize(rng.random((1, threads)).astype(np.float32), (n, n), interpolation=cv2.INTER_LINEAR)
    slub = _fbm(rng, n, base=64, octaves=2, aspect=10.0)
    y, x = np.mgrid[0:n, 0:n].astype(np.float32)
    weave = 0.5 + 0.5 * np.sin(x * (2 * math.pi * threads / n)) * np.sin(y * (2 * math.pi * threads / n))
    t = 0.35 * rows + 0.35 * cols + 0.2 * weave + 0.25 * slub
    folds = _fbm(rng, n, base=2, octaves=3)
    col = _mix(_c(way, 1) if len(way.colours) > 1 else _c(way, 0) * 0.9, _c(way, 0), np.clip(t, 0, 1))
    return col * (1 + 0.07 * folds)[..., None]


def _anyaman(way: Colourway, n: int, scale: float) -> np.ndarray:
    rng = _rng("anyaman", way.name)
    strips = max(8, int(round(22 / scale)))
    w = n / strips
    y, x = np.mgrid[0:n, 0:n].astype(np.float32)
    i, j = (y // w).astype(np.int32), (x // w).astype(np.int32)
    fy, fx = (y % w) / w, (x % w) / w
    horizontal = ((i - j) % 4) < 2  # a 2-over-2-under twill, the usual woven-bamboo mat
    across = np.where(horizontal, fy, fx)  # position across the strip that is on top
    shade = 0.62 + 0.38 * np.sin(across * math.pi) ** 0.6
    # the under-strip dips where it goes beneath its neighbour
    along = np.where(horizontal, fx, fy)
    dip = 1 - 0.18 * np.exp(-((np.minimum(along, 1 - along)) / 0.12) ** 2)
    fib_h = _fbm(rng, n, base=80, octaves=2, aspect=14.0)
    fib_v = _fbm(rng, n, base=80, octaves=2, aspect=14.0).T
    fibre = np.where(horizontal, fib_h, fib_v)
    strip_id = np.where(horizontal, i, j + 1000)
    tone = (rng.random(2048).astype(np.float32) - 0.5) * 0.16
    t = np.clip(0.55 + 0.5 * fibre + tone[strip_id % 2048] * 2, 0, 1)
    col = _mix(_c(way, 1) if len(way.colours) > 1 else _c(way, 0) * 0.8, _c(way, 0), t)
    gap = np.minimum(across, 1 - across)
    col *= (shade * dip * (1 - 0.55 * np.exp(-(gap / 0.05) ** 2)))[..., None]
    return col


def _batik(way: Colourway, n: int, scale: float) -> np.ndarray:
    """A kawung-inspired motif: four petals around each point, wax-crackle lines, on cloth."""
    rng = _rng("batik", way.name)
    q = 2
    img = np.empty((n * q, n * q, 3), np.float32)
    img[:] = _c(way, 0)
    p = int(n * q / max(3, round(7 / scale)))
    ink = _c(way, 1).tolist()
    fill = _c(way, 2).tolist() if len(way.colours) > 2 else _c(way, 0).tolist()
    dot = _c(way, 3).tolist() if len(way.colours) > 3 else ink
    th = max(2, p // 40)
    for gy in range(-1, n * q // p + 2):
        for gx in range(-1, n * q // p + 2):
            cx, cy = gx * p + (p / 2 if gy % 2 else 0), gy * p * 0.5 * 2
            for a in (45, 135, 225, 315):
                r = math.radians(a)
                ex, ey = cx + math.cos(r) * p * 0.25, cy + math.sin(r) * p * 0.25
                axes = (int(p * 0.22), int(p * 0.12))
                cv2.ellipse(img, (int(ex), int(ey)), axes, a, 0, 360, ink, -1, cv2.LINE_AA)
                cv2.ellipse(img, (int(ex), int(ey)), (int(axes[0] * 0.72), int(axes[1] * 0.55)), a, 0, 360,
                            fill, -1, cv2.LINE_AA)
                cv2.line(img, (int(ex - math.cos(r) * axes[0] * 0.5), int(ey - math.sin(r) * axes[0] * 0.5)),
                         (int(ex + math.cos(r) * axes[0] * 0.5), int(ey + math.sin(r) * axes[0] * 0.5)),
                         ink, th, cv2.LINE_AA)
            cv2.circle(img, (int(cx), int(cy)), max(2, p // 22), dot, -1, cv2.LINE_AA)
            for k in range(4):  # the small dots between the flowers (isen-isen)
                a = math.radians(k * 90)
                cv2.circle(img, (int(cx + math.cos(a) * p * 0.5), int(cy + math.sin(a) * p * 0.5)),
                           max(1, p // 40), ink, -1, cv2.LINE_AA)
    img = cv2.resize(img, (n, n), interpolation=cv2.INTER_AREA)
    # wax crackle: thin dark veins where a ridged noise peaks; hand-dyed unevenness
    crack = np.abs(_fbm(rng, n, base=10, octaves=4))
    lines = np.exp(-(crack / 0.025) ** 2) * 0.22
    dye = 1 + 0.06 * _fbm(rng, n, base=3, octaves=3)
    return _mix(img * dye[..., None], np.asarray(ink, np.float32)[None, None, :] * np.ones_like(img), lines)


def _leaf(way: Colourway, n: int, scale: float) -> np.ndarray:
    """Banana leaves laid side by side: each a band with a pale midrib, fine parallel veins
    running out from it at a slant, darker toward its edges, a waxy sheen, a few splits."""
    rng = _rng("leaf", way.name)
    y, x = np.mgrid[0:n, 0:n].astype(np.float32) / n
    bands = max(2, int(round(2.2 / scale)))
    bend = 0.05 * np.sin(x * 2.3 + 0.7) + 0.02 * _fbm(rng, n, base=2, octaves=2)
    pos = (y + bend) * bands
    k = np.floor(pos).astype(np.int32)
    t = pos - k  # 0..1 across each leaf, midrib at 0.5
    across = np.abs(t - 0.5) * 2  # 0 at the midrib, 1 at the edges
    side = np.where(t < 0.5, 1.0, -1.0)
    # veins: lines leaving the midrib at ~60 degrees, many and fine, unevenly spaced
    jitter = 0.15 * _fbm(rng, n, base=24, octaves=2, aspect=0.2)
    vein_coord = (x * 60 / scale + side * (t - 0.5) * 26 / scale + k * 0.37 + jitter) % 1.0
    veins = np.exp(-((vein_coord - 0.5) / 0.09) ** 2)
    sheen = np.clip(0.5 + 0.6 * _fbm(rng, n, base=3, octaves=4), 0, 1)
    light, dark = _c(way, 0), _c(way, 1) if len(way.colours) > 1 else _c(way, 0) * 0.7
    tone = np.clip(0.75 - 0.55 * across ** 1.6 + 0.25 * (sheen - 0.5) + 0.08 * np.sin(k * 2.1), 0, 1)
    out = _mix(dark, light, tone)
    out *= (1 - 0.09 * veins + 0.05 * (1 - veins) * sheen)[..., None]
    midrib = np.exp(-((t - 0.5) / 0.012) ** 2)
    pale = _c(way, 2) if len(way.colours) > 2 else light * 1.15
    out = _mix(out, np.broadcast_to(pale, out.shape), midrib * 0.55)
    # where two leaves overlap: the upper one's edge casts a soft line
    edge = np.minimum(t, 1 - t)
    out *= (1 - 0.4 * np.exp(-(edge / 0.012) ** 2))[..., None]
    # a few splits along the veins, as real leaves have
    splits = (_field(rng, 8, 60, (n, n)) > 0.9) & (np.abs(vein_coord - 0.5) < 0.035) & (across > 0.25)
    out[splits] *= 0.75
    return out


_SURFACE = {"wood": _wood, "marble": _marble, "terrazzo": _terrazzo, "linen": _linen,
            "anyaman": _anyaman, "batik": _batik, "leaf": _leaf}


@functools.lru_cache(maxsize=32)
def texture(kind: str, way: Colourway, scale: float) -> np.ndarray:
    """The flat surface texture, TEX x TEX float32 RGB 0..255 (cached in memory and on disk;
    read-only). Always rounded to 8 bits, so a texture read back from disk is the same."""
    key = _disk_key("texture", kind, way.name, way.colours, way.wall, scale, TEX)
    tex8 = _disk_load(key)
    if tex8 is None:
        tex8 = (np.clip(_SURFACE[kind](way, TEX, scale), 0, 255) + 0.5).astype(np.uint8)
        _disk_save(key, tex8)
    tex = tex8.astype(np.float32)
    tex.setflags(write=False)
    return tex


# --------------------------------------------------------------------------- disk cache

CACHE_LIMIT_BYTES = 400_000_000  # rendered backdrops and textures kept on disk, oldest dropped first


@functools.cache
def _code_digest() -> str:
    """This file's own hash: a change to any renderer makes every cached picture stale."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def _disk_key(*parts: object) -> str:
    return hashlib.sha256("|".join(map(repr, parts + (_code_digest(),))).encode()).hexdigest()[:32]


def _disk_load(key: str) -> np.ndarray | None:
    """A picture saved by ``_disk_save`` (None when missing, unreadable or caching is off)."""
    folder = user_cache_dir("promo")
    if folder is None:
        return None
    path = folder / f"{key}.npy"
    try:
        arr = np.load(path, allow_pickle=False)
        os.utime(path)  # recently used: pruned last
        return arr
    except (OSError, ValueError):
        return None


def _disk_save(key: str, arr: np.ndarray) -> None:
    """Keep ``arr`` for the next process (best effort: a read-only or full disk only costs time)."""
    folder = user_cache_dir("promo")
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"  # two threads never share one
        with open(tmp, "wb") as f:
            np.save(f, np.ascontiguousarray(arr), allow_pickle=False)
        os.replace(tmp, folder / f"{key}.npy")
        _prune(folder)
    except OSError:
        return


def _prune(folder: Path) -> None:
    files = []
    for p in folder.glob("*.npy"):
        try:
            st = p.stat()
        except OSError:
            continue
        files.append((st.st_mtime, st.st_size, p))
    total = sum(f[1] for f in files)
    for _, size, p in sorted(files):
        if total <= CACHE_LIMIT_BYTES:
            break
        try:
            p.unlink()
            total -= size
        except OSError:
            pass


# --------------------------------------------------------------------------- scenes

@dataclass(frozen=True)
class Scene:
    """A rendered backdrop: RGB uint8, where the table's back edge lies (y px), if any."""

    rgb8: np.ndarray
    horizon: int | None
    glossy: float

    @property
    def rgb(self) -> np.ndarray:
        return self.rgb8


def _light(h: int, w: int, vignette: float, cx: float = 0.5, cy: float = 0.42) -> np.ndarray:
    """A soft key light from above the product and a vignette toward the corners."""
    y = (np.arange(h, dtype=np.float32)[:, None] / h - cy) / 0.9
    x = (np.arange(w, dtype=np.float32)[None, :] / w - cx) / 0.9 * (w / max(h, w)) * (h / max(h, w)) ** 0
    r2 = x * x + y * y
    return (1.0 + 0.06 - vignette * np.clip(r2, 0, 1.2)).astype(np.float32)


def _wall(h: int, w: int, colour: tuple[int, int, int]) -> np.ndarray:
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    col = np.asarray(colour, np.float32)[None, :] * (0.93 + 0.1 * y)  # h x 3
    return cv2.resize(col[:, None, :], (w, h), interpolation=cv2.INTER_NEAREST)


def _floor(tex: np.ndarray, size: tuple[int, int], horizon: int) -> np.ndarray:
    """The texture laid on a table seen from a low front angle: the far edge at ``horizon``."""
    w, h = size
    n = tex.shape[0]
    src = np.float32([[0, 0], [n, 0], [n, n], [0, n]])
    near, far = 1.9 * w, 1.15 * w
    dst = np.float32([[w / 2 - far / 2, horizon], [w / 2 + far / 2, horizon],
                      [w / 2 + near / 2, h * 1.04], [w / 2 - near / 2, h * 1.04]])
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(np.ascontiguousarray(tex), m, (w, h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT)


def _depth_blur(rgb: np.ndarray, horizon: int, base: int) -> np.ndarray:
    """Sharp at the product's base, softer toward the back edge (a wide aperture); the wall
    above the table is plain and needs none. Only the table's rows are touched."""
    h, w = rgb.shape[:2]
    top = max(0, horizon - int(0.02 * h))
    floor = rgb[top:]
    fh = floor.shape[0]
    small = cv2.resize(floor, (w // 2, max(1, fh // 2)), interpolation=cv2.INTER_AREA)
    s = max(h, w) / 1200
    soft = cv2.resize(cv2.GaussianBlur(small, (0, 0), 1.6 * s), (w, fh), interpolation=cv2.INTER_LINEAR)
    softer = cv2.resize(cv2.GaussianBlur(small, (0, 0), 4.5 * s), (w, fh), interpolation=cv2.INTER_LINEAR)
    y = np.arange(top, h, dtype=np.float32)
    d = np.clip((base - y) / max(1, base - horizon), 0, 1.4)  # 0 at the base, 1 at the back edge
    a = np.maximum(np.clip(d * 1.6, 0, 1), np.clip((y - base) / max(1, h - base), 0, 1) * 0.5)[:, None, None]
    b = np.clip((d - 0.45) * 1.8, 0, 1)[:, None, None]
    out = rgb.copy()
    mixed = floor + (soft - floor) * a
    out[top:] = mixed + (softer - mixed) * b
    return out


def render_backdrop(name: str, size: tuple[int, int], base: float = 0.8) -> Scene:
    """The backdrop ``name`` (``file[:colourway]``) at ``size``; ``base`` is the product's
    standing line as a share of the height (the sharpest row of the table)."""
    backdrop, way = load_backdrop(name)
    return _render(backdrop, way, tuple(size), round(float(base), 4))


def _horizon(backdrop: Backdrop, base: float, h: int) -> int:
    """Where the table's back edge lies: the backdrop's own line, but always well above the
    product's base (a product standing above the edge would float on the wall)."""
    return int(round(min(backdrop.horizon, base - 0.14) * h))


@functools.lru_cache(maxsize=24)
def _render(backdrop: Backdrop, way: Colourway, size: tuple[int, int], base: float) -> Scene:
    """A backdrop at one size and base line: kept in memory, and on disk for the next process
    (a fresh CLI run or app), where reading it back takes a few ms instead of a render."""
    key = _disk_key("render", backdrop.name, backdrop.kind, backdrop.horizon, backdrop.reflection, backdrop.scale,
                    backdrop.vignette, way.name, way.colours, way.wall, size, base)
    cached = _disk_load(key)
    if cached is not None and cached.shape == (size[1], size[0], 3):
        cached.setflags(write=False)
        return Scene(cached, _horizon(backdrop, base, size[1]) if backdrop.kind not in ("sweep", "flat") else None,
                     backdrop.reflection)
    scene = _draw(backdrop, way, size, base)
    _disk_save(key, scene.rgb8)
    return scene


def _draw(backdrop: Backdrop, way: Colourway, size: tuple[int, int], base: float) -> Scene:
    w, h = size
    kind = backdrop.kind
    light = _light(h, w, backdrop.vignette)[..., None]
    glossy = backdrop.reflection
    horizon = None
    if kind == "sweep":
        top, bottom = _c(way, 0), _c(way, 1) if len(way.colours) > 1 else _c(way, 0)
        y = np.linspace(0, 1, h, dtype=np.float32)
        t = np.clip((y - 0.25) / 0.6, 0, 1) ** 1.5  # the paper bends from wall to floor
        rgb = (top[None, :] + (bottom - top)[None, :] * t[:, None])[:, None, :] * np.ones((1, w, 1), np.float32)
        glow = _light(h, w, 0.0, 0.5, base - 0.25)
        rgb = rgb * (light * 0.5 + 0.5 * glow[..., None])
    elif kind == "flat":
        rgb = np.broadcast_to(_c(way, 0), (h, w, 3)) * light
    elif kind == "two-tone":
        horizon = _horizon(backdrop, base, h)
        rgb = np.empty((h, w, 3), np.float32)
        rgb[:] = _c(way, 0)
        floor = _c(way, 1) if len(way.colours) > 1 else way.wall
        y = np.arange(h, dtype=np.float32)
        t = np.clip((y - horizon) / (0.004 * h) + 0.5, 0, 1)[:, None, None]
        shade = (0.96 + 0.06 * np.clip((y - horizon) / max(1, h - horizon), 0, 1))[:, None, None]
        rgb = rgb + (np.asarray(floor, np.float32) * shade - rgb) * t
        rgb = rgb * light
    else:
        horizon = _horizon(backdrop, base, h)
        tex = texture(kind, way, backdrop.scale)
        floor = _floor(tex, (w, h), horizon)
        rgb = _wall(h, w, way.wall)
        # a short soft shadow where the table meets the wall, then the table's lit back edge
        y = np.arange(h, dtype=np.float32)
        contact = 1 - 0.12 * np.exp(-((horizon - y) / (0.03 * h)) ** 2) * (y < horizon)
        rgb *= contact[:, None, None]
        rgb[horizon:] = floor[horizon:]
        rgb = _depth_blur(rgb, horizon, int(base * h)) * light
    out8 = (np.clip(rgb, 0, 255) + 0.5).astype(np.uint8)
    out8.setflags(write=False)
    return Scene(out8, horizon, glossy)
