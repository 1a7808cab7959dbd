"""Mockup geometry: what a template's numbers become. The shared pieces (outlines as polygons,
per-pixel surface maps on a coarse grid, ``Detail`` and ``Part``), the inputs (``Body``,
``Closure``, ``Camera``, ``LabelArea``) and the flat (box, bag) and mesh (pouch, sachet)
packages; round bodies are ``geometry_round.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import cv2
import numpy as np


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


class FlatGeometry(Geometry):
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


class MeshGeometry(Geometry):
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


