"""Packaging mockup templates: TOML files in ``presets/mockups/``, checked, with their geometry.

A template is data: a kind of package (``pouch``, ``sachet``, ``box``, ``bag``, ``jar``,
``bottle``, ``cup``), its body colour and material, its proportions, a camera angle and
where the label sits. Loading one validates every key (an unknown key, a missing key or
an out-of-range value is an ``AssistantError`` naming the file, the key and the value) and
builds its geometry once: outlines, the label's forward map and the per-pixel inverse maps
the renderer (``render.py``) samples.

Coordinates. Geometry is built in *model* units (screen-aligned, x right, y down). The
template then fits the object into a *normalised scene*: the unit square, object centred
and its longer side ``camera.fill`` of the square. ``MockupTemplate.label_corners`` are the
label's corners (top-left, top-right, bottom-right, bottom-left) in that normalised scene.
An output of ``W`` x ``H`` pixels shows the scene as the centred ``min(W, H)`` square, so a
corner ``(nx, ny)`` lands at ``(nx * s + (W - s) / 2 - 0.5, ny * s + (H - s) / 2 - 0.5)``
pixels, ``s = min(W, H)``, pixel centres at integers (OpenCV's convention). A label whose
aspect ratio is not ``label_aspect`` is fitted inside that area ("contain"), centred.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import cv2
import numpy as np

from assistant.errors import AssistantError
from assistant.presets import COLOUR_RE, check_keys, check_title, read_toml

MOCKUPS_DIR = Path(__file__).resolve().parents[2] / "presets" / "mockups"
KINDS = ("pouch", "sachet", "box", "bag", "jar", "bottle", "cup")
ROUND_KINDS = ("jar", "bottle", "cup")
FLAT_KINDS = ("box", "bag")
MESH_KINDS = ("pouch", "sachet")
FINISHES = ("glossy", "matte")
_MATERIALS = {
    "pouch": ("glossy", "matte", "kraft", "metal"), "sachet": ("glossy", "matte", "metal"),
    "box": ("glossy", "matte", "kraft"), "bag": ("kraft", "matte"),
    "jar": ("glossy", "matte", "clear"), "bottle": ("glossy", "matte", "clear"),
    "cup": ("glossy", "matte", "clear"),
}
_CLOSURE_MATERIALS = ("glossy", "matte", "metal", "clear")
_NAME = re.compile(r"^[a-z0-9-]+$")


# --------------------------------------------------------------------------- schema

@dataclass(frozen=True)
class _Key:
    """One TOML key: its type, bounds or choices, and whether a template must give it."""

    type: str  # float | int | bool | text | colour | choice
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = True


def _f(lo: float, hi: float) -> _Key:
    return _Key("float", lo, hi)


def _schema(kind: str) -> dict[str, dict[str, _Key]]:
    """Every section and key a template of ``kind`` may (and must) have."""
    body = {"colour": _Key("colour"), "material": _Key("choice", choices=_MATERIALS[kind])}
    if kind in ROUND_KINDS:  # only see-through bodies show contents
        body |= {"contents": _Key("colour", required=False), "fill": _Key("float", 0.05, 1.0, required=False)}
    camera = {"elevation": _f(0.0, 40.0), "fill": _f(0.4, 0.95)}
    label = {"top": _f(0.0, 1.0), "bottom": _f(0.0, 1.0), "finish": _Key("choice", choices=FINISHES)}
    if kind in ROUND_KINDS:
        label["span"] = _f(20.0, 170.0)
    else:
        label["width"] = _f(0.1, 1.0)
    if kind in FLAT_KINDS:
        camera |= {"yaw": _f(5.0, 60.0), "distance": _f(2.0, 50.0)}
    if kind in MESH_KINDS:
        camera["tilt"] = _f(-30.0, 30.0)
    shape = {
        "pouch": {"width": _f(0.4, 1.5), "seal": _f(0.02, 0.2), "zip": _f(0.03, 0.3), "bulge": _f(0.0, 0.3),
                  "gusset": _f(0.0, 0.4), "pinch": _f(0.0, 0.1), "notch": _Key("bool")},
        "sachet": {"width": _f(0.3, 2.5), "seal": _f(0.03, 0.25), "teeth": _Key("int", 0, 200),
                   "bulge": _f(0.0, 0.3), "pinch": _f(0.0, 0.1)},
        "box": {"width": _f(0.2, 3.0), "depth": _f(0.1, 3.0)},
        "bag": {"width": _f(0.3, 2.0), "depth": _f(0.1, 1.5), "taper": _f(0.05, 0.5), "fold": _f(0.0, 0.3),
                "teeth": _Key("int", 0, 200)},
        "jar": {"radius": _f(0.2, 1.5), "bottom": _f(0.0, 0.3), "shoulder": _f(0.0, 0.3), "neck": _f(0.5, 1.0)},
        "bottle": {"radius": _f(0.1, 0.8), "bottom": _f(0.0, 0.3), "shoulder": _f(0.05, 1.0), "neck": _f(0.1, 0.8),
                   "neck_height": _f(0.02, 1.0)},
        "cup": {"bottom_radius": _f(0.1, 1.0), "top_radius": _f(0.1, 1.2), "rim": _f(0.0, 0.06)},
    }[kind]
    sections = {"body": body, "shape": shape, "camera": camera, "label": label}
    if kind in ROUND_KINDS:
        closure = {"colour": _Key("colour"), "material": _Key("choice", choices=_CLOSURE_MATERIALS),
                   "height": _f(0.0, 0.6), "radius": _f(0.3, 1.5), "ribs": _Key("int", 0, 200)}
        if kind == "cup":
            closure["style"] = _Key("choice", choices=("sip", "seal"))
        sections["closure"] = closure
    return sections


def _check(path: Path, where: str, key: _Key, value: Any) -> Any:
    name = path.name
    ok = {
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "text": isinstance(value, str) and bool(value.strip()),
        "colour": isinstance(value, str),
        "choice": isinstance(value, str),
    }[key.type]
    if not ok:
        expected = {"colour": "#RRGGBB", "choice": " | ".join(key.choices)}.get(key.type, key.type)
        raise AssistantError("mockup_bad_value", file=name, key=where, value=repr(value), expected=expected)
    if key.lo is not None and not key.lo <= value <= key.hi:
        raise AssistantError("mockup_out_of_range", file=name, key=where, value=value, lo=key.lo, hi=key.hi)
    if key.type == "choice" and value not in key.choices:
        raise AssistantError("mockup_bad_choice", file=name, key=where, value=value, choices=", ".join(key.choices))
    auto = value == "auto" and where == "body.colour"  # only the body may take the label's colour
    if key.type == "colour" and not auto and not COLOUR_RE.match(value):
        raise AssistantError("mockup_bad_value", file=name, key=where, value=repr(value), expected="#RRGGBB")
    return float(value) if key.type == "float" else value


def _keys(path: Path, prefix: str, table: Any, allowed: dict[str, Any], required: set[str]) -> None:
    if not isinstance(table, dict):
        raise AssistantError("mockup_bad_value", file=path.name, key=prefix.rstrip(".") or "(file)",
                             value=repr(table), expected="table")
    check_keys(path, prefix, table, allowed, required, area="mockup")


# --------------------------------------------------------------------------- dataclasses

@dataclass(frozen=True)
class Body:
    """The package's body: colour (``#RRGGBB`` or ``auto`` = the label's edge colour) and material."""

    colour: str
    material: str
    contents: str | None = None  # what a clear body shows inside
    fill: float | None = None  # contents level, share of the body height


@dataclass(frozen=True)
class Closure:
    """A lid or cap (round kinds)."""

    colour: str
    material: str
    height: float
    radius: float
    ribs: int
    style: str = "lid"


@dataclass(frozen=True)
class Camera:
    """How the package is seen: elevation (degrees above), fill, and yaw/distance or tilt."""

    elevation: float
    fill: float
    yaw: float = 0.0
    distance: float = 0.0
    tilt: float = 0.0


@dataclass(frozen=True)
class LabelArea:
    """Where the label sits: top/bottom as shares of the face from its top, and width or span."""

    top: float
    bottom: float
    finish: str
    width: float = 1.0
    span: float = 0.0


@dataclass(frozen=True, eq=False)
class MockupTemplate:
    """One packaging template, validated, with its geometry built."""

    name: str
    title: dict[str, str]
    kind: str
    body: Body
    shape: dict[str, Any]
    camera: Camera
    label: LabelArea
    closure: Closure | None
    label_corners: tuple[tuple[float, float], ...]  # normalised scene, TL, TR, BR, BL
    label_aspect: float  # label area width / height on the surface
    path: Path
    geometry: Geometry = field(repr=False)

    @property
    def is_round(self) -> bool:
        """Jars, bottles and cups: the label wraps a body of revolution."""
        return self.kind in ROUND_KINDS


# --------------------------------------------------------------------------- geometry

class Detail(NamedTuple):
    """A line drawn on a part: a crease, a ridge, a soft shadow; ``width`` in model units."""

    points: np.ndarray
    style: str  # crease | ridge | light | shadow | hole
    width: float
    strength: float = 1.0


class Part(NamedTuple):
    """A surface painted in order: its outline (model units) and how to colour it."""

    name: str
    outline: np.ndarray
    role: str  # body | closure | film
    label: bool = False
    flat: bool = False
    bleed: bool = False  # grown by a pixel so the next part's edge blends with it, not the background
    details: tuple[Detail, ...] = ()


def _lut(table: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Linear interpolation in a 1-D table at float indices (cv2.remap is the fastest gather)."""
    idx = np.ascontiguousarray(idx, np.float32)
    zero = np.zeros_like(idx)
    return cv2.remap(table, idx, zero, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _coarse_grid(x: np.ndarray, y: np.ndarray, px: float, step: int
                 ) -> tuple[np.ndarray, np.ndarray, tuple[int, int]] | None:
    """For a large pixel grid given as a row ``x`` and a column ``y``: every ``step``-th
    coordinate (one past the end, so ``_upsample`` can interpolate the last pixels) and the
    full grid's shape. None for small or scattered points, which are solved directly."""
    if not (x.ndim == 2 and y.ndim == 2 and x.shape[0] == 1 and y.shape[1] == 1 and x.size * y.size > 40000):
        return None
    h, w = y.shape[0], x.shape[1]
    dx = float(x[0, 1] - x[0, 0]) if w > 1 else px
    dy = float(y[1, 0] - y[0, 0]) if h > 1 else px
    xc = (x[0, 0] + np.arange((w - 1) // step + 2, dtype=np.float32) * (step * dx))[None, :]
    yc = (y[0, 0] + np.arange((h - 1) // step + 2, dtype=np.float32) * (step * dy))[:, None]
    return xc, yc, (h, w)


def _upsample(coarse: np.ndarray, shape: tuple[int, int], step: int) -> np.ndarray:
    """Bilinear upsampling of maps sampled at every ``step``-th pixel, exactly aligned to them."""
    h, w = shape
    mx = np.broadcast_to(np.arange(w, dtype=np.float32)[None, :] / step, (h, w))
    my = np.broadcast_to(np.arange(h, dtype=np.float32)[:, None] / step, (h, w))
    return cv2.remap(np.ascontiguousarray(coarse, np.float32), np.ascontiguousarray(mx), np.ascontiguousarray(my),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _smooth(x: np.ndarray | float) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _ellipse(cx: float, cy: float, ax: float, ay: float, a0: float = 0.0, a1: float = 2 * np.pi,
             n: int = 180) -> np.ndarray:
    t = np.linspace(a0, a1, n)
    return np.stack([cx + ax * np.sin(t), cy + ay * np.cos(t)], axis=1)


class Geometry:
    """Shared interface: parts back to front, a shadow footprint, the label's forward map."""

    parts: tuple[Part, ...]
    footprint: np.ndarray  # where the package meets the ground (model units), for its shadow
    shadow: str = "contact"  # or "drop" for a pack lying flat
    label_size: tuple[float, float]  # the label area's width and height on the surface (model units)
    fit: tuple[float, float, float]  # model to scene: scale and the model point at the scene's centre

    def label_xy(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Model coordinates of label points (u, v in 0..1, v down)."""
        raise NotImplementedError

    def surface(self, part: str, x: np.ndarray, y: np.ndarray, px: float) -> dict[str, Any]:
        """Per pixel of ``part`` (model coordinates, ``px`` = one pixel in model units): view normal
        ``n`` (x right, y up, z to the camera), label ``uv`` where the part carries it, and extras."""
        raise NotImplementedError


def _unit(v: Any) -> np.ndarray:
    v = np.asarray(v, np.float64)
    return v / np.linalg.norm(v)


def _pitch(nx: Any, ny: Any, nz: Any, sphi: float, cphi: float) -> tuple[Any, Any, Any]:
    """Object-space normal to view space for a camera looking down by the elevation angle."""
    return nx, ny * cphi - nz * sphi, ny * sphi + nz * cphi


class _Revolve(Geometry):
    """Jars, bottles and cups: a profile r(h) turned about a vertical axis, seen orthographically.

    A point at height ``h`` and angle ``a`` (0 = facing the camera) lands at
    ``x = r sin a``, ``y = -h cos e + r cos a sin e``; the label is a band in (a, h).
    """

    def __init__(self, kind: str, shape: dict, closure: Closure, camera: Camera, label: LabelArea, body: Body):
        self.kind = kind
        e = math.radians(camera.elevation)
        self.s, self.c = math.sin(e), math.cos(e)
        self.ribs: dict[str, int] = {}
        self.discs: dict[str, tuple[float, float]] = {}
        parts: list[Part] = []
        if kind == "jar":
            R = shape["radius"]
            self.R, self.rb, self.rs, self.rn = R, shape["bottom"] * R, shape["shoulder"], shape["neck"] * R
            self.straight = (self.rb, 1.0 - self.rs)
            lid_r, lid_h = closure.radius * R, closure.height
            self.top = 1.0 + lid_h
            self.cap = (1.0, 1.0 + lid_h, lid_r)
        elif kind == "bottle":
            R = shape["radius"]
            self.R, self.rb, self.rn = R, shape["bottom"] * R, shape["neck"] * R
            self.sh, self.nh = shape["shoulder"], shape["neck_height"]
            self.straight = (self.rb, 1.0)
            neck_top = 1.0 + self.sh + self.nh
            self.top = neck_top + closure.height
            self.cap = (neck_top, self.top, closure.radius * self.rn)
        else:  # cup: a cone, bottom_radius at h = 0 to top_radius at h = 1
            self.rb0, self.rt = shape["bottom_radius"], shape["top_radius"]
            self.R = max(self.rb0, self.rt)
            self.rim = shape["rim"]
            self.rb = 0.03 * self.rb0
            self.straight = (self.rb, 1.0 - self.rim)
            if closure.style == "seal":
                self.top = 1.0
                self.cap = (1.0 - 1.5 * self.rim, 1.0, self.rt + self.rim)
            else:
                self.top = 1.0 + closure.height
                self.cap = (1.0 - 0.02, self.top, closure.radius * (self.rt + self.rim))
        # Dense profile for the per-pixel lookups.
        n = 4096
        self.h0, self.h1 = -0.02, self.top + 0.02
        hs = np.linspace(self.h0, self.h1, n)
        rs = self.r_of(hs)
        self.prof_h, self.prof_r = hs, rs  # float64 profile for the bisection fallback
        self.dh = (self.h1 - self.h0) / (n - 1)
        slope = np.gradient(rs, self.dh)
        self.r_table = rs.astype(np.float32)[None, :]
        self.slope_table = np.clip(slope, -40, 40).astype(np.float32)[None, :]

        cap0, cap1, cap_r = self.cap
        body_top = cap0 if kind != "cup" else 1.0
        bleed_to = min(body_top + 0.02, cap1)  # the body runs on under the closure: no seam
        parts.append(Part("body", self._envelope(0.0, bleed_to if cap1 > cap0 else body_top), "body",
                          label=True, bleed=True))
        self.ribs["closure"] = closure.ribs
        disc_r = cap_r * (0.94 if kind != "cup" or closure.style == "sip" else 1.0)
        if cap1 > cap0:
            role = "closure"
            if kind == "cup" and closure.style == "seal":  # the cup's own rolled rim, then the film
                role = "rim"
            parts.append(Part("closure", self._envelope(cap0, cap1), role, bleed=True))
        self.discs["top"] = (cap1, disc_r)
        top_details: list[Detail] = []
        if kind == "cup" and closure.style == "sip":
            hd = cap1
            yc = -hd * self.c
            top_details.append(Detail(_ellipse(0, yc, disc_r * 0.8, disc_r * 0.8 * self.s), "ridge", 0.006, 0.8))
            top_details.append(Detail(_ellipse(0, yc + disc_r * 0.55 * self.s, disc_r * 0.16,
                                               disc_r * 0.05 * self.s + 0.004), "hole", 0.0, 1.0))
        top_role = "film" if kind == "cup" and closure.style == "seal" else "closure"
        parts.append(Part("top", _ellipse(0.0, -cap1 * self.c, disc_r, disc_r * self.s), top_role,
                          flat=True, details=tuple(top_details)))
        self.parts = tuple(parts)

        # Label band: angular span and heights (measured from the body's top, h = 1).
        self.A = math.radians(label.span) / 2
        self.lh_top, self.lh_bot = 1.0 - label.top, 1.0 - label.bottom
        r_mid = float(self.r_of(np.array([(self.lh_top + self.lh_bot) / 2]))[0])
        slant = math.hypot(self.lh_top - self.lh_bot,
                           float(self.r_of(np.array([self.lh_top]))[0] - self.r_of(np.array([self.lh_bot]))[0]))
        self.label_size = (2 * self.A * r_mid, slant)
        r0 = float(self.r_of(np.array([0.0]))[0])
        self.footprint = _ellipse(0.0, 0.0, r0 * 1.02, r0 * self.s * 1.02 + 0.01)

        self.fill_h = None
        self.floor = max(self.rb, 0.035)
        if body.material == "clear" and body.fill is not None:
            self.fill_h = body.fill * (1.0 if kind != "bottle" else 1.0 + self.sh + self.nh)

    # profile ---------------------------------------------------------------
    def r_of(self, h: np.ndarray) -> np.ndarray:
        """The radius at height h (float64, load-time and tests)."""
        cap0, cap1, cap_r = self.cap
        h = np.clip(np.asarray(h, np.float64), 0.0, cap1)  # beyond the ends the lookups hold the end value
        if self.kind == "cup":
            r = self.rb0 + (self.rt - self.rb0) * np.clip(h, 0, 1)
        else:
            r = np.full_like(h, self.R)
        # The bottom edge is rounded with radius rb: the wall moves in along a quarter circle.
        rb = self.rb
        if rb > 0:
            q = np.clip(rb - h, 0, rb)
            r = np.where(h < rb, r - rb + np.sqrt(np.maximum(rb * rb - q * q, 0)), r)
        if self.kind == "jar" and self.rs > 0:
            t = np.clip((h - (1 - self.rs)) / self.rs, 0, 1)
            r = np.where(h > 1 - self.rs, self.rn + (self.R - self.rn) * np.sqrt(np.maximum(1 - t * t, 0)), r)
        elif self.kind == "bottle":
            t = np.clip((h - 1.0) / self.sh, 0, 1)
            r = np.where(h > 1.0, self.rn + (self.R - self.rn) * (1 + np.cos(np.pi * t)) / 2, r)
        # The closure: a short cylinder with softly rounded top and bottom edges.
        bev = min(0.18 * (cap1 - cap0), 0.25 * cap_r)
        if cap1 > cap0:
            top_q = np.clip(h - (cap1 - bev), 0, bev)
            bot_q = np.clip((cap0 + bev * 0.5) - h, 0, bev * 0.5)
            rc = cap_r - bev + np.sqrt(np.maximum(bev * bev - top_q * top_q, 0))
            rc = np.minimum(rc, cap_r - bev * 0.5 + np.sqrt(np.maximum((bev * 0.5) ** 2 - bot_q * bot_q, 0)))
            inside = (h >= cap0) & (h <= cap1)
            r = np.where(inside, rc if self.kind != "cup" else np.maximum(rc, r), r)
        return np.maximum(r, 0.0)

    def _envelope(self, h0: float, h1: float, nx: int = 241, nh: int = 500) -> np.ndarray:
        """The outline of a solid of revolution between two heights: the union of its ellipses."""
        hs = np.linspace(h0, h1, nh)
        rs = self.r_of(hs)
        rmax = rs.max()
        xs = rmax * np.sin(np.linspace(-np.pi / 2, np.pi / 2, nx))
        q = rs[None, :] ** 2 - xs[:, None] ** 2
        ok = q >= -1e-12
        half = self.s * np.sqrt(np.maximum(q, 0))
        yc = -hs[None, :] * self.c
        top = np.where(ok, yc - half, np.inf).min(1)
        bot = np.where(ok, yc + half, -np.inf).max(1)
        return np.concatenate([np.stack([xs, top], 1), np.stack([xs[::-1], bot[::-1]], 1)])

    # maps ------------------------------------------------------------------
    def label_xy(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = -self.A + 2 * self.A * np.asarray(u, np.float64)
        h = self.lh_top - np.asarray(v, np.float64) * (self.lh_top - self.lh_bot)
        r = self.r_of(h)
        return r * np.sin(a), -h * self.c + r * np.cos(a) * self.s

    def _solve(self, x: np.ndarray, y: np.ndarray, front: bool, tol: float = 1e-3) -> tuple[np.ndarray, ...]:
        """Height and angle of the surface point under each pixel (fixed-point iteration, bisection fallback)."""
        sign = 1.0 if front else -1.0
        h = np.clip(-y / self.c, 0.0, self.top)
        for _ in range(3):
            r = _lut(self.r_table, (h - self.h0) / self.dh)
            sa = np.clip(x / np.maximum(r, 1e-6), -1.0, 1.0)
            ca = sign * np.sqrt(1.0 - sa * sa)
            # Clamped to the body: below the base or above the top there is no surface to find.
            h = np.clip((r * ca * self.s - y) / self.c, 0.0, self.top)
        r = _lut(self.r_table, (h - self.h0) / self.dh)
        sa = np.clip(x / np.maximum(r, 1e-6), -1.0, 1.0)
        ca = sign * np.sqrt(1.0 - sa * sa)
        err = np.abs(-h * self.c + r * ca * self.s - y)
        # Where the profile is steep (a jar's shoulder) the iteration need not converge: bisect there.
        bad = np.nonzero(err > tol)
        if bad[0].size:
            hb = self._bisect(x[bad].astype(np.float64), y[bad].astype(np.float64), sign)
            ok = ~np.isnan(hb)
            idx = tuple(i[ok] for i in bad)
            h[idx] = hb[ok]
            r[idx] = self.r_of(hb[ok])
            sa[idx] = np.clip(x[idx] / np.maximum(r[idx], 1e-6), -1.0, 1.0)
            ca[idx] = sign * np.sqrt(1.0 - sa[idx] ** 2)
            err[idx] = np.abs(-h[idx] * self.c + r[idx] * ca[idx] * self.s - y[idx])
        return h, sa, ca, r, err

    def _bisect(self, x: np.ndarray, y: np.ndarray, sign: float) -> np.ndarray:
        """Heights where the front (sign 1) or back (-1) surface passes through each point; NaN if none."""
        def g(h: np.ndarray) -> np.ndarray:
            r = np.interp(h, self.prof_h, self.prof_r)
            return -h * self.c + sign * self.s * np.sqrt(np.maximum(r * r - x * x, 0)) - y

        lo, hi = np.zeros_like(x), np.full_like(x, self.top)
        glo, ghi = g(lo), g(hi)
        has = (glo >= 0) != (ghi >= 0)
        for _ in range(26):
            mid = (lo + hi) / 2
            gm = g(mid)
            left = (gm >= 0) == (glo >= 0)
            lo, glo = np.where(left, mid, lo), np.where(left, gm, glo)
            hi = np.where(left, hi, mid)
        return np.where(has, (lo + hi) / 2, np.nan)

    def _locate(self, x: np.ndarray, y: np.ndarray, px: float) -> tuple[np.ndarray, ...]:
        """Height, sin and cos of the angle, radius, and whether it is the back wall, under each pixel.

        Where no front point explains the pixel, the back one is taken: a shoulder seen from
        above, or, through a cup's opening, the inside of its back wall.
        """
        x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
        grid = _coarse_grid(x, y, px, step=2)
        if grid is not None:
            # The surface is smooth: solve on every 2nd pixel, interpolate the rest exactly aligned.
            xc, yc, shape = grid
            h, sa, ca, _, back = self._locate(xc, yc, px)
            maps = _upsample(np.dstack([h, sa, ca, back.astype(np.float32)]), shape, 2)
            h, sa = np.ascontiguousarray(maps[..., 0]), np.clip(maps[..., 1], -1, 1)
            ca = np.where(maps[..., 2] < 0, -1.0, 1.0).astype(np.float32) * np.sqrt(1 - sa * sa)
            return h, sa, ca, _lut(self.r_table, (h - self.h0) / self.dh), maps[..., 3] > 0.5
        x, y = np.broadcast_arrays(x, y)
        x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)
        h, sa, ca, r, err = self._solve(x, y, True, 0.25 * px)
        use_back = err > 1.5 * px  # genuine back regions miss by many pixels; seams by a fraction
        rows = np.nonzero(use_back.any(1))[0]
        if rows.size:
            r0, r1 = rows[0], rows[-1] + 1  # solve again only where it is needed
            hb, sab, cab, rb_, errb = self._solve(x[r0:r1], y[r0:r1], False, 0.25 * px)
            ub = use_back[r0:r1] & (errb < 0.5 * err[r0:r1])
            use_back[r0:r1] = ub
            for full, back in ((h, hb), (sa, sab), (ca, cab), (r, rb_)):
                full[r0:r1] = np.where(ub, back, full[r0:r1])
        return h, sa, ca, r, use_back

    def surface(self, part: str, x: np.ndarray, y: np.ndarray, px: float) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if part == "top":
            h, r = self.discs["top"]
            n = _pitch(0.0, 1.0, 0.0, self.s, self.c)
            out["n"] = tuple(np.float32(v) for v in n)  # one normal for the whole disc
            # Radial coordinate on the disc, for a soft gradient and the cup's film.
            rr = np.sqrt((x / r) ** 2 + ((y + h * self.c) / max(r * self.s, 1e-6)) ** 2)
            out["radial"] = rr
            return out
        h, sa, ca, r, use_back = self._locate(x, y, px)
        slope = _lut(self.slope_table, (h - self.h0) / self.dh)
        inv = 1.0 / np.sqrt(1.0 + slope * slope)  # cos and sin of the profile's tilt
        cb, sb = inv, -slope * inv
        if use_back.any():
            # Seen from inside, the wall faces the camera: flip the outward normal.
            nz_out = sb * self.s + ca * cb * self.c
            flip = np.where(use_back & (nz_out < 0), -1.0, 1.0).astype(np.float32)
            sa, ca, sb = sa * flip, ca * flip, sb * flip
        ribs = self.ribs.get(part, 0) if part == "closure" else 0
        if ribs:
            # Knurled lid: tilt the normal around the axis; fade near the limb where ribs alias.
            a = np.arcsin(sa)
            d = 0.35 * np.sin(a * ribs) * np.clip(ca * 1.6, 0, 1)
            sa, ca = np.sin(a + d), np.cos(a + d)
        out["n"] = _pitch(sa * cb, sb, ca * cb, self.s, self.c)
        if part == "body":
            a = np.arcsin(np.clip(sa, -1, 1))
            u = (a + self.A) / (2 * self.A)
            if use_back.any():
                u = np.where(use_back, np.float32(-1), u)  # the label is on the front only
            out["uv"] = (u, (self.lh_top - h) / (self.lh_top - self.lh_bot))
            out["squash"] = np.abs(ca)
            if self.fill_h is not None:
                out["contents"], out["liquid"] = self._contents(*np.broadcast_arrays(x, y), h, r, px)
        return out

    def _contents(self, x: np.ndarray, y: np.ndarray, h: np.ndarray, r: np.ndarray, px: float) -> tuple:
        """Where a clear body shows its contents (antialiased), and the liquid's top surface."""
        fh = self.fill_h
        wall = 0.035 * self.R
        side = np.clip((fh - h) * self.c / px + 0.5, 0, 1)
        side *= np.clip((r - wall - np.abs(x)) / px + 0.5, 0, 1)
        side *= np.clip((h - self.floor) * self.c / px + 0.5, 0, 1)  # above the thick glass base
        rf = float(self.r_of(np.array([fh]))[0]) - wall
        ry = max(rf * self.s, 1e-6)
        d = np.sqrt((x / rf) ** 2 + ((y + fh * self.c) / ry) ** 2)
        top = np.clip((1 - d) * ry / px + 0.5, 0, 1)
        return np.maximum(side, top), top


class _Flat(Geometry):
    """Boxes and paper bags: planar faces in 3-D, seen through a pinhole camera.

    Each face maps its (0..1, 0..1) coordinates to the picture by a homography, so a label
    on a face keeps straight rows, exactly as print on a flat panel does.
    """

    def __init__(self, kind: str, shape: dict, camera: Camera, label: LabelArea):
        W, H, D = shape["width"], 1.0, shape["depth"]
        yaw, e = math.radians(camera.yaw), math.radians(camera.elevation)
        ry = np.array([[math.cos(yaw), 0, -math.sin(yaw)], [0, 1, 0], [math.sin(yaw), 0, math.cos(yaw)]])
        rx = np.array([[1, 0, 0], [0, math.cos(e), -math.sin(e)], [0, math.sin(e), math.cos(e)]])
        self.rot = rx @ ry
        self.dist = camera.distance * max(W, H, D)
        self.faces: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # name: (H, H^-1, normal)
        hw, hd = W / 2, D / 2
        P = np.array
        parts: list[Part] = []
        if kind == "box":
            quads = {
                "top": P([[-hw, H, -hd], [hw, H, -hd], [hw, H, hd], [-hw, H, hd]]),
                "side": P([[hw, H, hd], [hw, H, -hd], [hw, 0, -hd], [hw, 0, hd]]),
                "front": P([[-hw, H, hd], [hw, H, hd], [hw, 0, hd], [-hw, 0, hd]]),
            }
            for name in ("top", "side", "front"):
                self._face(name, quads[name])
            edges = (
                Detail(self.project(P([[hw, H, hd], [hw, 0, hd]])), "light", 0.004, 0.55),
                Detail(self.project(P([[-hw, H, hd], [hw, H, hd]])), "light", 0.004, 0.7),
                Detail(self.project(P([[hw, H, hd], [hw, H, -hd]])), "light", 0.004, 0.45),
            )
            # A tuck-end carton: the lid's flap crease runs across the top near the front.
            crease = Detail(self.project(P([[-hw, H, hd - 0.12 * D], [hw, H, hd - 0.12 * D]])), "crease", 0.004, 0.35)
            parts += [
                Part("top", self.project(quads["top"]), "body", flat=True, bleed=True, details=(crease,)),
                Part("side", self.project(quads["side"]), "body", flat=True, bleed=True),
                Part("front", self.project(quads["front"]), "body", label=True, flat=True, details=edges),
            ]
            self.label_face = "front"
            self.label_box = (0.5 - label.width / 2, label.top, 0.5 + label.width / 2, label.bottom)
            self.footprint = self.project(P([[-hw, 0, hd], [hw, 0, hd], [hw, 0, -hd], [-hw, 0, -hd]]))
        else:
            # A flat-bottom (SOS) paper bag: boxy below, its front and back leaning together above
            # ``Hb`` to a flat top, the side gussets folded in there, the top folded over the front.
            taper, fold = shape["taper"], shape["fold"]
            hb, dt = H - taper, 0.08 * hd
            quads = {
                "side": P([[hw, H, hd], [hw, H, -hd], [hw, 0, -hd], [hw, 0, hd]]),
                "side_top": P([[hw, H, dt], [hw, H, -dt], [hw, hb, -hd], [hw, hb, hd]]),
                "front_top": P([[-hw, H, dt], [hw, H, dt], [hw, hb, hd], [-hw, hb, hd]]),
                "front": P([[-hw, hb, hd], [hw, hb, hd], [hw, 0, hd], [-hw, 0, hd]]),
            }
            for name in quads:
                self._face(name, quads[name])
            # The gusset's fold, seen as a V from the top centre and a crease down its middle.
            self.faces["side_top"] = self.faces["side_top"][:2] + (self.rot @ _unit([0.55, 0.1, 0.0]),)
            v_lines = (
                Detail(self.project(P([[hw, hb, hd], [hw, H - 0.01, 0.0], [hw, hb, -hd]])), "crease", 0.004, 0.7),
                Detail(self.project(P([[hw, H - 0.01, 0.0], [hw, hb * 0.55, 0.0]])), "crease", 0.003, 0.45),
            )
            side_lower = P([[hw, hb, hd], [hw, hb, -hd], [hw, 0, -hd], [hw, 0, hd]])
            parts += [
                Part("side", self.project(side_lower), "body", flat=True, bleed=True),
                Part("side_top", self.project(quads["side_top"]), "body", flat=True, bleed=True, details=v_lines),
                Part("front_top", self.project(quads["front_top"]), "body", flat=True, bleed=True),
                Part("front", self.project(quads["front"]), "body", label=True, flat=True, bleed=True,
                     details=(Detail(self.project(P([[hw, hb, hd], [hw, 0, hd]])), "light", 0.004, 0.35),)),
            ]
            if fold > 0:
                # The flap lies on the leaning top, a hair in front of it; its cut edge is serrated
                # and casts a thin shadow.
                def on_top(x: np.ndarray, y: np.ndarray) -> np.ndarray:
                    z = dt + (hd - dt) * (H - y) / taper + 0.004
                    return np.stack([x, y, z], -1)

                teeth = max(shape["teeth"], 1)
                t = np.linspace(0, 1, 2 * teeth + 1)
                depth = np.where(np.arange(t.size) % 2 == 1, 0.014, 0.0)
                edge_y = H - fold - depth
                flap = on_top(np.array([-hw, hw, hw, -hw]), np.array([H, H, H - fold, H - fold]))
                self._face("flap", flap, normal_tilt=0.12)
                cut = on_top(-hw + W * t[::-1], edge_y[::-1])
                outline = np.concatenate([self.project(flap[:2]), self.project(cut)])
                under = self.project(on_top(-hw + W * t, edge_y)) + np.array([0.0, 0.007])
                rolled = Detail(self.project(on_top(np.array([-hw, hw]), np.array([H - 0.006, H - 0.006]))),
                                "light", 0.006, 0.6)
                parts.append(Part("flap", outline, "body", flat=True,
                                  details=(Detail(under, "shadow", 0.02, 1.0), rolled)))
            self.label_face = "front"
            v0, v1 = (label.top - taper) / (1 - taper), (label.bottom - taper) / (1 - taper)
            self.label_box = (0.5 - label.width / 2, v0, 0.5 + label.width / 2, v1)
            self.footprint = self.project(P([[-hw, 0, hd], [hw, 0, hd], [hw, 0, -hd], [-hw, 0, -hd]]))
            H = 1 - taper  # the label's face is the boxy lower front
        self.parts = tuple(parts)
        u0, v0, u1, v1 = self.label_box
        self.label_size = (W * (u1 - u0), H * (v1 - v0))
        self.W = W

    def project(self, pts: np.ndarray) -> np.ndarray:
        """3-D points (x right, y up, z to the camera) to model coordinates (y down)."""
        q = np.asarray(pts, np.float64) @ self.rot.T
        k = self.dist / (self.dist - q[:, 2])
        return np.stack([q[:, 0] * k, -q[:, 1] * k], 1)

    def _face(self, name: str, quad: np.ndarray, normal_tilt: float = 0.0) -> None:
        src = np.float32([[0, 0], [1, 0], [1, 1], [0, 1]])
        dst = self.project(quad).astype(np.float32)
        hmat = cv2.getPerspectiveTransform(src, dst).astype(np.float64)
        n = np.cross(quad[1] - quad[0], quad[3] - quad[0])
        n = n / np.linalg.norm(n)
        if np.dot(n, [0, 0, 1]) < 0 and name != "top":
            n = -n
        if name == "top" and n[1] < 0:
            n = -n
        if normal_tilt:
            n = n + np.array([0, normal_tilt, 0])
            n = n / np.linalg.norm(n)
        self.faces[name] = (hmat, np.linalg.inv(hmat), self.rot @ n)

    def label_xy(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u0, v0, u1, v1 = self.label_box
        fu = u0 + (u1 - u0) * np.asarray(u, np.float64)
        fv = v0 + (v1 - v0) * np.asarray(v, np.float64)
        hmat = self.faces[self.label_face][0]
        den = hmat[2, 0] * fu + hmat[2, 1] * fv + hmat[2, 2]
        return ((hmat[0, 0] * fu + hmat[0, 1] * fv + hmat[0, 2]) / den,
                (hmat[1, 0] * fu + hmat[1, 1] * fv + hmat[1, 2]) / den)

    def surface(self, part: str, x: np.ndarray, y: np.ndarray, px: float) -> dict[str, Any]:
        _, inv, n = self.faces[part]
        x, y = np.broadcast_arrays(np.float32(x), np.float32(y))
        out: dict[str, Any] = {"n": tuple(np.float32(v) for v in n)}  # a plane: one normal
        inv = inv.astype(np.float32)
        den = inv[2, 0] * x + inv[2, 1] * y + inv[2, 2]
        fu = (inv[0, 0] * x + inv[0, 1] * y + inv[0, 2]) / den
        fv = (inv[1, 0] * x + inv[1, 1] * y + inv[1, 2]) / den
        out["face"] = (fu, fv)
        if part == self.label_face:
            u0, v0, u1, v1 = self.label_box
            out["uv"] = ((fu - u0) / (u1 - u0), (fv - v0) / (v1 - v0))
        return out


class _Mesh(Geometry):
    """Pouches and sachets: a filled film surface, a mesh warp of the flat front panel.

    Panel coordinates (s, t) in 0..1 go to ``x = (2s - 1) hw(t)``, ``y = t cos e + z(s, t) sin e``:
    the fill pulls the sides in (``hw``) and bulges the film towards the camera (``z``), so a
    label's rows bow exactly as print on a filled bag does.
    """

    def __init__(self, kind: str, shape: dict, camera: Camera, label: LabelArea):
        self.kind = kind
        self.W = shape["width"]
        e = math.radians(camera.elevation)
        self.s, self.c = math.sin(e), math.cos(e)
        self.bulge, self.pinch = shape["bulge"] * self.W, shape["pinch"]
        self.seal = shape["seal"]
        if kind == "pouch":
            self.gusset = shape["gusset"] * self.W
            self.zip = shape["zip"]
            self.t_body = (self.seal, 1.0)
        else:
            self.gusset = 0.0
            self.t_body = (self.seal, 1.0 - self.seal)
        tilt = math.radians(camera.tilt)
        self.rot = np.array([[math.cos(tilt), -math.sin(tilt)], [math.sin(tilt), math.cos(tilt)]])
        self.centre = np.array([0.0, 0.5])
        self.label_box = (0.5 - label.width / 2, label.top, 0.5 + label.width / 2, label.bottom)
        self.label_size = (self.W * label.width, label.bottom - label.top)

        # Outline: the panel's edges, with tear notches (pouch) or crimped teeth (sachet).
        n = 160
        t = np.linspace(0, 1, n)
        s = np.linspace(0, 1, n)
        right = np.stack(self._fwd(np.ones(n), t), 1)
        left = np.stack(self._fwd(np.zeros(n), t[::-1]), 1)
        top = np.stack(self._fwd(s, np.zeros(n)), 1)
        bottom = np.stack(self._fwd(s[::-1], np.ones(n)), 1)
        details: list[Detail] = []
        if kind == "sachet":
            teeth = shape["teeth"]
            if teeth:
                k = np.arange(2 * teeth + 1)
                ss = k / (2 * teeth)
                dt = np.where(k % 2 == 1, 0.012, 0.0)
                top = np.stack(self._fwd(ss, dt), 1)
                bottom = np.stack(self._fwd(ss[::-1], 1.0 - dt[::-1]), 1)
            for tt in (self.seal, 1.0 - self.seal):
                line = np.stack(self._fwd(s, np.full(n, tt)), 1)
                details.append(Detail(line, "crease", 0.004, 0.5))
        else:
            if shape["notch"]:
                right, left = self._notched(right, t, 1.0), self._notched(left, t[::-1], 0.0)
            for tt, style, w, k in ((self.zip, "ridge", 0.006, 1.0), (self.seal, "crease", 0.003, 0.45)):
                line = np.stack(self._fwd(np.linspace(0.01, 0.99, n), np.full(n, tt)), 1)
                details.append(Detail(line, style, w, k))
            for ss in (0.022, 0.978):  # the side seals' inner edges
                tt = np.linspace(self.seal, 0.985, n)
                details.append(Detail(np.stack(self._fwd(np.full(n, ss), tt), 1), "crease", 0.003, 0.3))
            # Where the fill pulls the film from the top corners, soft diagonal folds form.
            k = np.linspace(0, 1, 40)
            for side in (0.0, 1.0):
                for dt, length in ((0.03, 0.26), (0.1, 0.18)):
                    ss = np.abs(side - (0.04 + 0.16 * k * length / 0.26))
                    tt = self.zip + dt + length * k ** 1.3
                    details.append(Detail(np.stack(self._fwd(ss, tt), 1), "fold", 0.03, 0.8))
            # The bottom gusset's seal shows through the front as a shallow arc.
            ss = np.linspace(0.03, 0.97, n)
            tt = 1.0 - 0.02 - 0.09 * (np.abs(2 * ss - 1) ** 3)
            details.append(Detail(np.stack(self._fwd(ss, tt), 1), "fold", 0.012, 0.6))
        self.parts = (Part("body", self._rot(np.concatenate([top, right, bottom, left])), "body", label=True,
                           details=tuple(d._replace(points=self._rot(d.points)) for d in details)),)
        if kind == "pouch":
            # The oval base of a doypack: its front half is the panel's bottom edge.
            _bx, by = self._fwd(np.array([0.5]), np.array([1.0]))
            depth = max(self.gusset, 0.05 * self.W) * self.s
            self.footprint = self._rot(_ellipse(0.0, float(by[0]) - depth, self.W * 0.47, depth + 0.01))
            self.shadow = "contact"
        else:
            self.footprint = self.parts[0].outline
            self.shadow = "drop"

    # panel map ---------------------------------------------------------------
    def _hw(self, t: np.ndarray) -> np.ndarray:
        t0, t1 = self.t_body
        tau = np.clip((t - t0) / (t1 - t0), 0, 1)
        hw = 0.5 * self.W * (1 - self.pinch * np.sin(np.pi * tau))
        if self.kind == "pouch":  # rounded bottom corners, as the gusset's seal is cut
            q = np.clip((t - 0.93) / 0.07, 0, 1)
            hw = hw * (1 - 0.06 * (1 - np.sqrt(1 - q * q)))
        return hw

    def _z(self, s: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Bulge towards the camera and its derivatives in s and t."""
        t0, t1 = self.t_body
        span = t1 - t0
        tau = np.clip((t - t0) / span, 0, 1)
        ps = np.clip(np.sin(np.pi * s), 1e-4, 1)
        ex = 0.85 if self.kind == "pouch" else 0.6
        a = ps ** ex
        da = ex * np.pi * np.cos(np.pi * s) * a / ps
        if self.kind == "pouch":
            # Fill rises from the seal, stays full to the base, where the gusset adds its oval.
            b = _smooth(tau / 0.45)
            x = np.clip(tau / 0.45, 0, 1)
            db = np.where((tau > 0) & (tau < 0.45), 6 * x * (1 - x) / (0.45 * span), 0)
            g = tau ** 4
            dg = 4 * tau ** 3 / span
            z = a * (self.bulge * b + self.gusset * g)
            return z, da * (self.bulge * b + self.gusset * g), a * (self.bulge * db + self.gusset * dg)
        pt = np.clip(np.sin(np.pi * tau), 1e-4, 1)
        b = pt ** 0.6
        db = np.where((tau > 0) & (tau < 1), 0.6 * np.pi * np.cos(np.pi * tau) * b / pt / span, 0)
        return self.bulge * a * b, self.bulge * da * b, self.bulge * a * db

    def _fwd(self, s: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = self._z(s, t)[0]
        return (2 * s - 1) * self._hw(t), t * self.c + z * self.s

    def _rot(self, pts: np.ndarray) -> np.ndarray:
        return (pts - self.centre) @ self.rot.T + self.centre

    def _notched(self, edge: np.ndarray, t: np.ndarray, side: float) -> np.ndarray:
        """Cut a small V (the tear notch) into a side edge just above the zip."""
        tn = (self.seal + self.zip) / 2 if self.zip > self.seal else self.seal / 2
        depth = 0.035 * self.W * (1 if side == 0.0 else -1)
        bump = np.clip(1 - np.abs(t - tn) / 0.018, 0, 1)
        out = edge.copy()
        out[:, 0] += depth * bump
        return out

    def label_xy(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s0, t0, s1, t1 = self.label_box
        s = s0 + (s1 - s0) * np.asarray(u, np.float64)
        t = t0 + (t1 - t0) * np.asarray(v, np.float64)
        x, y = self._fwd(s, t)
        p = self._rot(np.stack([np.ravel(x), np.ravel(y)], 1))
        return p[:, 0].reshape(np.shape(x)), p[:, 1].reshape(np.shape(y))

    def surface(self, part: str, x: np.ndarray, y: np.ndarray, px: float) -> dict[str, Any]:
        x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
        grid = _coarse_grid(x, y, px, step=4)
        if grid is not None:
            # The panel map is smooth: solve it on every 4th pixel, interpolate the rest exactly aligned.
            xc, yc, shape = grid
            s, t, nx, ny = self._solve(xc, yc)
            maps = _upsample(np.dstack([s, t, nx, ny]), shape, 4)
            s, t, nx, ny = (np.ascontiguousarray(maps[..., i]) for i in range(4))
            nz = np.sqrt(np.clip(1 - nx * nx - ny * ny, 0, 1))
        else:
            s, t, nx, ny = self._solve(x, y)
            nz = np.sqrt(np.clip(1 - nx * nx - ny * ny, 0, 1))
        s0, t0, s1, t1 = self.label_box
        out: dict[str, Any] = {"n": (nx, ny, nz), "uv": ((s - s0) / (s1 - s0), (t - t0) / (t1 - t0))}
        # Heat seals: fine parallel ridges (pouch top; sachet's crimped ends run the other way).
        if self.kind == "pouch":
            seal = np.clip((self.seal - t) / (px / self.c) + 0.5, 0, 1)
            out["pattern"] = 1 - seal * (0.035 + 0.035 * np.sin(t * (2 * np.pi / 0.008)))
        else:
            seal = np.clip((self.seal - np.minimum(t, 1 - t)) / (px / self.c) + 0.5, 0, 1)
            out["pattern"] = 1 - seal * (0.05 + 0.05 * np.sin(s * (2 * np.pi * self.W / 0.012)))
        return out

    def _solve(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
        """Panel coordinates and view normal under each point."""
        r = self.rot.astype(np.float32)
        cx, cy = self.centre
        xr = (x - cx) * r[0, 0] + (y - cy) * r[1, 0] + cx
        yr = (x - cx) * r[0, 1] + (y - cy) * r[1, 1] + cy
        xr, yr = np.broadcast_arrays(np.float32(xr), np.float32(yr))
        t = yr / self.c
        s = np.zeros_like(xr)
        for _ in range(4):
            s = np.clip((xr / self._hw(t) + 1) * 0.5, 0, 1)
            z = self._z(s, t)[0]
            t = (yr - z * self.s) / self.c
        z, zs, zt = self._z(s, t)
        hw = self._hw(t)
        nx, ny = -zs / (2 * hw), zt
        inv = 1 / np.sqrt(nx * nx + ny * ny + 1)
        nx, ny, _nz = _pitch(nx * inv, ny * inv, inv, self.s, self.c)
        # Rotate the normal's in-plane part with the tilt (x right, y up: the tilt turns it back).
        nx, ny = nx * r[0, 0] - ny * r[1, 0], -nx * r[0, 1] + ny * r[1, 1]
        return s, t, nx.astype(np.float32), ny.astype(np.float32)


# --------------------------------------------------------------------------- loading

def _build(path: Path, data: dict) -> MockupTemplate:
    name = path.name
    _keys(path, "", data, {"kind": 1, "title": 1, "body": 1, "shape": 1, "camera": 1, "label": 1, "closure": 1},
          {"kind", "title", "body", "shape", "camera", "label"})
    kind = data["kind"]
    if kind not in KINDS:
        raise AssistantError("mockup_bad_choice", file=name, key="kind", value=kind, choices=", ".join(KINDS))
    schema = _schema(kind)
    title = check_title(path, data["title"], area="mockup")
    if "closure" in data and "closure" not in schema:
        raise AssistantError("mockup_unknown_key", file=name, key="closure",
                             allowed=", ".join(sorted(["kind", "title", *schema])))
    if "closure" in schema and "closure" not in data:
        raise AssistantError("mockup_missing_key", file=name, key="closure")
    values: dict[str, dict[str, Any]] = {}
    for section, keys in schema.items():
        table = data[section]
        _keys(path, f"{section}.", table, keys, {k for k, spec in keys.items() if spec.required})
        values[section] = {k: _check(path, f"{section}.{k}", keys[k], v) for k, v in table.items()}

    body_v, label_v = values["body"], values["label"]
    clear = body_v["material"] == "clear"
    for key in ("contents", "fill"):
        if clear and key not in body_v:
            raise AssistantError("mockup_missing_key", file=name, key=f"body.{key}")
        if not clear and key in body_v:
            raise AssistantError("mockup_bad_value", file=name, key=f"body.{key}", value=repr(body_v[key]),
                                 expected="nothing unless body.material = clear")
    body = Body(**body_v)
    camera = Camera(**values["camera"])
    label = LabelArea(**label_v)
    closure = Closure(**values["closure"]) if "closure" in values else None
    shape = values["shape"]

    # Cross-checks: a label only on a surface paper can follow, a zip below its seal.
    lo, hi = 0.0, 1.0
    if kind == "jar":
        lo, hi = shape["shoulder"], 1.0 - shape["bottom"] * shape["radius"]
    elif kind == "bottle":
        hi = 1.0 - shape["bottom"] * shape["radius"]
    elif kind == "cup":
        lo, hi = shape["rim"], 1.0 - 0.03 * shape["bottom_radius"]
    elif kind == "pouch":
        if shape["zip"] <= shape["seal"]:
            raise AssistantError("mockup_out_of_range", file=name, key="shape.zip", value=shape["zip"],
                                 lo=shape["seal"], hi=0.3)
        lo = shape["zip"] + 0.02
    elif kind == "sachet":
        lo, hi = shape["seal"], 1.0 - shape["seal"]
    elif kind == "bag":
        lo = shape["taper"] + 0.02
    if kind == "cup" and closure is not None and closure.style == "sip" and closure.height <= 0:
        raise AssistantError("mockup_out_of_range", file=name, key="closure.height", value=closure.height,
                             lo=0.01, hi=0.6)
    for key in ("top", "bottom"):
        value = label_v[key]
        if not lo - 1e-9 <= value <= hi + 1e-9:
            raise AssistantError("mockup_out_of_range", file=name, key=f"label.{key}", value=value,
                                 lo=round(lo, 4), hi=round(hi, 4))
    if label.bottom - label.top < 0.05:
        raise AssistantError("mockup_out_of_range", file=name, key="label.bottom", value=label.bottom,
                             lo=round(label.top + 0.05, 4), hi=round(hi, 4))

    if kind in ROUND_KINDS:
        geometry: Geometry = _Revolve(kind, shape, closure, camera, label, body)  # type: ignore[arg-type]
    elif kind in FLAT_KINDS:
        geometry = _Flat(kind, shape, camera, label)
    else:
        geometry = _Mesh(kind, shape, camera, label)

    # Fit: the object's outline centred in the unit square, its longer side `fill` of it.
    pts = np.concatenate([p.outline for p in geometry.parts])
    lo_xy, hi_xy = pts.min(0), pts.max(0)
    scale = camera.fill / float(max(hi_xy - lo_xy))
    centre = (lo_xy + hi_xy) / 2
    geometry.fit = (scale, float(centre[0]), float(centre[1]))
    cx, cy = geometry.label_xy(np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0, 1.0]))
    corners = tuple((float((a - centre[0]) * scale + 0.5), float((b - centre[1]) * scale + 0.5))
                    for a, b in zip(cx, cy))
    lw, lh = geometry.label_size
    return MockupTemplate(
        name=path.stem, title=title, kind=kind, body=body, shape=dict(shape), camera=camera,
        label=label, closure=closure, label_corners=corners, label_aspect=lw / lh, path=path, geometry=geometry,
    )


def parse_template(path: Path) -> MockupTemplate:
    """Read, validate and build one template file."""
    return _build(path, read_toml(path, "mockup_syntax"))


@functools.cache
def _cached(path: Path, mtime: float) -> MockupTemplate:
    return parse_template(path)


def list_templates(directory: Path = MOCKUPS_DIR) -> list[str]:
    """Names of every template, sorted."""
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_template(name: str, directory: Path = MOCKUPS_DIR) -> MockupTemplate:
    """The template called ``name``; an unknown name is an ``AssistantError`` listing the known ones."""
    name = str(name).strip().lower()
    path = directory / f"{name}.toml"
    if not _NAME.match(name) or not path.is_file():
        raise AssistantError("mockup_unknown", name=name, known=", ".join(list_templates(directory)))
    return _cached(path, path.stat().st_mtime)


def check_templates(directory: Path = MOCKUPS_DIR) -> list[MockupTemplate]:
    """Load every template afresh, raising on the first invalid one."""
    return [parse_template(p) for p in sorted(directory.glob("*.toml"))]


def field_help() -> dict[str, dict[str, dict[str, Any]]]:
    """Every kind's keys with bounds or choices, for documentation and the app's controls."""
    return {kind: {sec: {k: dataclasses.asdict(v) for k, v in keys.items()} for sec, keys in _schema(kind).items()}
            for kind in KINDS}
