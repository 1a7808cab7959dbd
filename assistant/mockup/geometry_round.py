"""Mockup geometry of round bodies (jar, bottle, cup): a profile revolved about its axis, seen
from the template's camera, with the label wrapped around it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from assistant.mockup.geometry import (Body, Camera, Closure, Detail, Geometry, LabelArea, Part,
                                       _coarse_grid, _ellipse, _lut, _pitch, _upsample)


class RoundGeometry(Geometry):
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


