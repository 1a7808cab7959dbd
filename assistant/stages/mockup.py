"""Packaging mockups: a label mapped onto a template's surfaces, shaded, on a marketplace canvas.

The geometry (outlines, where each pixel lies on the surface) comes from the template
(``assistant.mockups``); this stage turns it into pixels: antialiased masks, the label
sampled through the per-pixel inverse map with ``cv2.remap`` (a homography on flat faces,
a cylindrical wrap on round bodies, a mesh warp on film packs), shading by the surface
normal (multiply) and studio highlights (screen), and a contact shadow. It also makes
labels (from a phone photo of a sticker, or from a brand name and colour) and adds badges,
logo corners and frames to secondary images. No file I/O here.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from assistant.errors import AssistantError
from assistant.mockups import MockupTemplate, Part
from assistant.presets import parse_colour

CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
_HERO_SCALE, _HERO_CENTRE = 0.8, 0.35  # packaging's share and centre (x) of the scene in a hero shot
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

# Key light from the upper left, in front (view space: x right, y up, z to the camera).
_LIGHT = np.array([-0.45, 0.55, 0.7], np.float32) / np.linalg.norm([-0.45, 0.55, 0.7])
# Per material: ambient, diffuse, strip-light gloss, broad sheen.
_MATERIALS = {
    "glossy": (0.60, 0.42, 0.55, 0.10),
    "matte": (0.62, 0.40, 0.07, 0.06),
    "kraft": (0.64, 0.38, 0.02, 0.03),
    "clear": (0.62, 0.40, 0.85, 0.12),
    "metal": (0.50, 0.38, 0.95, 0.45),
}
_LABEL_GLOSS = {"glossy": 0.5, "matte": 0.06}


# --------------------------------------------------------------------------- small helpers

def _size(size: tuple[int, int]) -> tuple[int, int]:
    try:
        w, h = int(size[0]), int(size[1])
    except (TypeError, ValueError, IndexError):
        raise AssistantError("mockup_size_invalid", width=size, height="?") from None
    if not (64 <= w <= 8000 and 64 <= h <= 8000):
        raise AssistantError("mockup_size_invalid", width=w, height=h)
    return w, h


def _rgb01(colour: str | tuple[int, int, int]) -> np.ndarray:
    """``#RRGGBB`` or an (r, g, b) tuple of 0..255 as float32 0..1; anything else is an ``AssistantError``."""
    if isinstance(colour, str):
        return np.array(parse_colour(colour.strip()), np.float32) / 255.0   # checked by parse_colour
    if len(colour) != 3 or not all(isinstance(c, (int, np.integer)) and 0 <= c <= 255 for c in colour):
        raise AssistantError("colour_invalid", value=str(colour))
    return np.array(colour, np.float32) / 255.0


def _premultiplied(image: Image.Image) -> np.ndarray:
    """RGBA float32 0..1 with colour premultiplied by alpha (so resampling never bleeds black)."""
    rgba = np.asarray(image.convert("RGBA"), np.float32) / 255.0
    rgba[..., :3] *= rgba[..., 3:4]
    return rgba


def _layout(template: MockupTemplate, size: tuple[int, int], hero: bool) -> tuple[float, np.ndarray]:
    """Model units to output pixels: ``px = m * scale + offset`` (pixel centres at integers)."""
    w, h = size
    s = min(w, h)
    k, cx, cy = template.geometry.fit
    zoom, centre = (_HERO_SCALE, _HERO_CENTRE) if hero else (1.0, 0.5)
    scale = k * zoom * s
    off = np.array([(-cx * k) * zoom * s + centre * s + (w - s) / 2 - 0.5,
                    (-cy * k + 0.5 - 0.5) * zoom * s + 0.5 * s + (h - s) / 2 - 0.5])
    return scale, off


def label_corners(template: MockupTemplate, size: tuple[int, int], hero: bool = False) -> np.ndarray:
    """Where the label area's corners (TL, TR, BR, BL) land in an output of ``size``, in pixels (4x2)."""
    scale, off = _layout(template, _size(size), hero)
    g = template.geometry
    x, y = g.label_xy(np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0, 1.0]))
    return np.stack([x * scale + off[0], y * scale + off[1]], 1)


def label_points(template: MockupTemplate, size: tuple[int, int], u: np.ndarray, v: np.ndarray,
                 hero: bool = False) -> np.ndarray:
    """Output pixels of label points (u, v in 0..1 across the label area, v down): shape (..., 2)."""
    scale, off = _layout(template, _size(size), hero)
    x, y = template.geometry.label_xy(np.asarray(u, np.float64), np.asarray(v, np.float64))
    return np.stack([x * scale + off[0], y * scale + off[1]], -1)


def rectify_label(mockup: Image.Image, template: MockupTemplate, out_size: tuple[int, int],
                  hero: bool = False) -> Image.Image:
    """The label area of a rendered mockup unwrapped back to a flat ``out_size`` image (for checks)."""
    w, h = out_size
    u = (np.arange(w, dtype=np.float64) + 0.5) / w
    v = (np.arange(h, dtype=np.float64) + 0.5) / h
    pts = label_points(template, mockup.size, *np.meshgrid(u, v), hero=hero).astype(np.float32)
    src = np.asarray(mockup.convert("RGB"))
    out = cv2.remap(src, pts[..., 0], pts[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return Image.fromarray(out)


# --------------------------------------------------------------------------- textures

@functools.cache
def _kraft_tile(n: int = 512) -> np.ndarray:
    """Seamless kraft-paper fibre texture around 1.0 (fixed seed: renders are reproducible)."""
    rng = np.random.default_rng(7)
    pad = 40

    def field(sx: float, sy: float) -> np.ndarray:
        f = cv2.GaussianBlur(np.pad(rng.normal(0, 1, (n, n)).astype(np.float32), pad, mode="wrap"), (0, 0),
                             sigmaX=sx, sigmaY=sy)
        return f / f.std()

    # Fine grain, fibres running down the paper (the machine direction), and a faint cloudiness.
    tex = 1 + 0.018 * field(0.6, 0.6) + 0.02 * field(0.7, 6.0) + 0.02 * field(18, 18)
    specks = (rng.random((n + 2 * pad, n + 2 * pad)) > 0.99985).astype(np.float32)
    tex -= 0.25 * cv2.GaussianBlur(specks, (0, 0), sigmaX=0.8, sigmaY=2.0) * 8
    return np.ascontiguousarray(tex[pad:-pad, pad:-pad])


def _texture(shape: tuple[int, int], x0: int, y0: int) -> np.ndarray:
    tile = _kraft_tile()
    n = tile.shape[0]
    h, w = shape
    ys = (np.arange(y0, y0 + h) % n)[:, None]
    xs = (np.arange(x0, x0 + w) % n)[None, :]
    return tile[ys, xs]


# --------------------------------------------------------------------------- label preparation

def _label_colour(lab: np.ndarray) -> np.ndarray:
    """The label's edge colour (median of its opaque border), for ``auto`` bodies."""
    h, w = lab.shape[:2]
    b = max(2, int(0.03 * min(h, w)))
    ring = np.concatenate([lab[:b].reshape(-1, 4), lab[-b:].reshape(-1, 4),
                           lab[:, :b].reshape(-1, 4), lab[:, -b:].reshape(-1, 4)])
    opaque = ring[ring[:, 3] > 0.9]
    if len(opaque) < 10:
        opaque = lab.reshape(-1, 4)[lab.reshape(-1, 4)[:, 3] > 0.9]
    if len(opaque) == 0:
        return np.ones(3, np.float32)
    return np.median(opaque[:, :3] / opaque[:, 3:4], axis=0).astype(np.float32)


def _fit_label(label: Image.Image, aspect: float, target: tuple[float, float]) -> np.ndarray:
    """The label contained in an area of ``aspect``, at about the pixels it covers (premultiplied)."""
    rgba = np.asarray(label.convert("RGBA"))
    if rgba[..., 3].max() == 0:
        raise AssistantError("mockup_label_empty")
    h, w = rgba.shape[:2]
    # Resolution: the area's size on screen, but never more than the source offers.
    tw = max(8, round(min(target[0], max(w, h * aspect))))
    th = max(8, round(tw / aspect))
    k = min(tw / w, th / h)
    cw, ch = max(1, round(w * k)), max(1, round(h * k))
    if k < 1:
        # Shrink in 8 bits, premultiplied so transparent pixels' colour never bleeds in.
        pm = rgba
        if rgba[..., 3].min() < 255:
            alpha = rgba[..., 3]
            pm = cv2.merge([cv2.multiply(rgba[..., i], alpha, scale=1 / 255) for i in range(3)] + [alpha])
        content = cv2.resize(pm, (cw, ch), interpolation=cv2.INTER_AREA).astype(np.float32) * np.float32(1 / 255)
    else:
        content = np.clip(cv2.resize(_premultiplied(label), (cw, ch), interpolation=cv2.INTER_CUBIC), 0, 1)
    content[..., :3] = np.minimum(content[..., :3], content[..., 3:4])
    out = np.zeros((th, tw, 4), np.float32)
    x0, y0 = (tw - cw) // 2, (th - ch) // 2
    out[y0:y0 + ch, x0:x0 + cw] = content
    return out


# --------------------------------------------------------------------------- painting

def _env(nx: np.ndarray, ny: np.ndarray, nz: np.ndarray, flat: bool) -> np.ndarray:
    """Studio reflections: two tall strip lights (left key, right rim), a softbox above, the white sweep behind."""
    rx, ry, rz = 2 * nz * nx, 2 * nz * ny, 2 * nz * nz - 1
    top = np.clip((ry - 0.45) / 0.5, 0, 1) ** 2 + 0.55 * np.clip(-rz, 0, 1) * np.clip(ry + 0.2, 0, 1)
    if flat:  # a plane reflects one direction: strips would wash it out uniformly
        return 0.6 * top
    theta = np.arctan2(rx, rz)
    tall = np.clip(1 - (ry / 0.9) ** 4, 0, 1)
    key = np.exp(-((theta + 0.75) / 0.16) ** 2)
    rim = np.exp(-((theta - 2.25) / 0.2) ** 2)
    return (0.95 * key + 0.7 * rim) * tall + 0.5 * top


@functools.cache
def _normal_table(flat: bool, n: int = 384) -> np.ndarray:
    """Everything the shading needs from a normal, tabulated over (nx, ny): one remap per part.

    Channels: studio reflections, a broad frontal sheen lobe, the key light's diffuse term, nz.
    """
    g = np.linspace(-1, 1, n, dtype=np.float32)
    nx, ny = np.meshgrid(g, g)
    nz = np.sqrt(np.clip(1 - nx * nx - ny * ny, 0, 1))
    ndl = nx * _LIGHT[0] + ny * _LIGHT[1] + nz * _LIGHT[2]
    table = np.stack([_env(nx, ny, nz, flat), nz ** 8, np.clip((ndl + 0.25) / 1.25, 0, 1), nz], -1)
    return np.ascontiguousarray(table, np.float32)


def _draw_detail(out: np.ndarray, cov: np.ndarray, pts: np.ndarray, style: str, width: float,
                 strength: float) -> None:
    """Creases, ridges, edge highlights and soft shadows, clipped to the part (only around the line)."""
    t = max(1, round(width)) if style != "fold" else max(1, round(width * 0.25))
    blur = max(1.0, width * 0.5) if style in ("shadow", "fold") else 0.0
    m_ = int(t + 3 * blur + 3)
    h, w = cov.shape
    x0, y0 = max(int(pts[:, 0].min()) - m_, 0), max(int(pts[:, 1].min()) - m_, 0)
    x1, y1 = min(int(pts[:, 0].max()) + m_ + 1, w), min(int(pts[:, 1].max()) + m_ + 1, h)
    if x1 <= x0 or y1 <= y0:
        return
    out, cov = out[y0:y1, x0:x1], cov[y0:y1, x0:x1]
    ip = np.round((pts - (x0, y0)) * 16).astype(np.int32)
    mask = np.zeros(cov.shape, np.uint8)
    if style == "hole":
        cv2.fillPoly(mask, [ip], 255, cv2.LINE_AA, shift=4)
        out *= (1 - (0.8 * strength / 255) * mask * cov)[..., None]
        return
    cv2.polylines(mask, [ip], False, 255, t, cv2.LINE_AA, shift=4)
    m = mask.astype(np.float32) * np.float32(1 / 255) * cov
    if style == "shadow":
        m = cv2.GaussianBlur(m, (0, 0), blur) * cov
        out *= (1 - 0.35 * strength * m)[..., None]
    elif style == "fold":
        # A soft fold in film: a shaded trough with light catching its upper-left flank.
        m = cv2.GaussianBlur(m, (0, 0), blur)
        m *= 1 / max(float(m.max()), 1e-6)
        lit = np.roll(np.roll(m, -int(blur), axis=1), -int(blur), axis=0)
        out *= (1 - 0.16 * strength * m * cov)[..., None]
        out += (0.22 * strength * lit * cov)[..., None] * (1 - out)
    elif style == "light":
        out += (0.45 * strength * m)[..., None] * (1 - out)
    else:
        # A crease darkens; a ridge (the zip) catches light above and shades below.
        shift = max(1, t)
        dark = np.roll(m, shift, axis=0) if style == "ridge" else m
        out *= (1 - 0.3 * strength * dark)[..., None]
        lit = np.roll(m, -shift, axis=0) if style == "ridge" else np.roll(m, shift, axis=0) * 0.5
        out += (0.35 * strength * lit)[..., None] * (1 - out)


def _lookup(nx: np.ndarray | float, ny: np.ndarray | float, flat: bool, shape: tuple[int, int]) -> tuple:
    """Reflections, sheen lobe, diffuse term and nz for the normals; scalars when the normal is constant."""
    table = _normal_table(flat)
    k = (table.shape[0] - 1) / 2
    if np.ndim(nx) == 0 or (np.ptp(nx) == 0 and np.ptp(ny) == 0):
        ix = float(np.ravel(nx)[0]) if np.ndim(nx) else float(nx)
        iy = float(np.ravel(ny)[0]) if np.ndim(ny) else float(ny)
        c = table[round((iy + 1) * k), round((ix + 1) * k)]
        return tuple(float(v) for v in c)
    look = cv2.remap(table, np.broadcast_to((nx + 1) * k, shape).astype(np.float32),
                     np.broadcast_to((ny + 1) * k, shape).astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)
    return look[..., 0], look[..., 1], look[..., 2], look[..., 3]


def _paint_part(canvas: np.ndarray, part: Part, template: MockupTemplate, scale: float, off: np.ndarray,
                lab: tuple[np.ndarray, np.ndarray] | None, colours: dict[str, np.ndarray]) -> None:
    """Paint one surface of the package onto the canvas (in place)."""
    H, W = canvas.shape[:2]
    poly = part.outline * scale + off
    x0 = max(int(np.floor(poly[:, 0].min())) - 2, 0)
    y0 = max(int(np.floor(poly[:, 1].min())) - 2, 0)
    x1 = min(int(np.ceil(poly[:, 0].max())) + 3, W)
    y1 = min(int(np.ceil(poly[:, 1].max())) + 3, H)
    if x1 <= x0 or y1 <= y0:
        return
    cov8 = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(cov8, [np.round((poly - (x0, y0)) * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    if part.bleed:
        cov8 = cv2.dilate(cov8, np.ones((3, 3), np.uint8))
    cov = cov8.astype(np.float32) * np.float32(1 / 255)
    shape = cov.shape
    px = 1.0 / scale
    xs = ((np.arange(x0, x1, dtype=np.float32) - np.float32(off[0])) * np.float32(px))[None, :]
    ys = ((np.arange(y0, y1, dtype=np.float32) - np.float32(off[1])) * np.float32(px))[:, None]
    surf = template.geometry.surface(part.name, xs, ys, px)
    nx, ny, _ = surf["n"]
    env, lobe, lambert, nz = _lookup(nx, ny, part.flat, shape)

    if part.role == "body":
        material, base = template.body.material, colours["body"]
    else:
        material, base = (template.closure.material if template.closure else "matte"), colours["closure"]
    if part.role in ("rim", "film"):
        material = "clear"
    amb, dif, gloss, sheen = _MATERIALS[material]

    # Single-channel factors first (cheap); the colour channels are touched as few times as possible.
    shade = amb + dif * lambert
    if not part.flat:  # less of the soft fill reaches surfaces turning away: rounded edges darken
        shade = shade * (0.8 + 0.2 * nz)
    if material == "metal":  # metal mirrors its surroundings: darker where it turns away from the studio
        shade = shade * (0.7 + 0.4 * nz)
    body_k: np.ndarray | float = 1.0
    if material == "kraft":
        body_k = _texture(shape, x0, y0)
    if "pattern" in surf:
        body_k = body_k * surf["pattern"]
    if "face" in surf:
        # A broad, soft falloff across each flat face, as a large softbox gives.
        fu, fv = surf["face"]
        body_k = body_k * (1.04 - 0.08 * np.clip(0.6 * fu + 0.4 * fv, 0, 1))

    opacity: np.ndarray | float = 1.0
    colour: np.ndarray | None = None
    if material == "clear":
        # Glass or PET: mostly see-through, more reflective towards the edges (Fresnel).
        edge = 1 - nz
        opacity = 0.06 + 0.55 * edge * edge
        if part.role == "film":  # sealing film: thin, milky, glossy
            opacity = np.maximum(opacity, 0.22 + 0.25 * np.clip(surf.get("radial", 0), 0, 1) ** 4)
        colour = np.empty(shape + (3,), np.float32)
        colour[:] = np.minimum(base * 1.05, 1)
        if "contents" in surf:
            inside, liquid = surf["contents"], surf["liquid"]
            # Thicker liquid at the sides reads darker; its top surface catches the light.
            dk = (0.8 + 0.2 * nz) * (1 + 0.25 * liquid)
            drink = colours["contents"] * dk[..., None] + (0.06 * liquid)[..., None]
            colour += (np.minimum(drink, 1) - colour) * inside[..., None]
            opacity = opacity + (0.97 - opacity) * inside
        if np.ndim(body_k):
            colour *= body_k[..., None]

    gloss_map: np.ndarray | float = gloss
    if part.label and lab is not None and "uv" in surf:
        sharp, soft = lab
        lh, lw = sharp.shape[:2]
        u, v = surf["uv"]
        mx = np.broadcast_to(u * lw - 0.5, shape).astype(np.float32)
        my = np.broadcast_to(v * lh - 0.5, shape).astype(np.float32)
        sample = cv2.remap(sharp, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        if "squash" in surf:
            # Near a round body's limb the label is squeezed: blend in a pre-blurred copy (no moiré).
            wgt = np.clip((0.55 - surf["squash"]) / 0.35, 0, 1)
            if wgt.max() > 0:
                blurred = cv2.remap(soft, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
                sample += (blurred - sample) * wgt[..., None]
        la = sample[..., 3]
        if colour is None:
            colour = sample[..., :3] + base * (body_k * (1 - la))[..., None]
        else:
            colour = sample[..., :3] + colour * (1 - la)[..., None]
            opacity = la + opacity * (1 - la)
        gloss_map = gloss + (_LABEL_GLOSS[template.label.finish] - gloss) * la
    a = cov * opacity
    if colour is None:  # plain body: its colour, shaded and covered, in one pass
        colour = base * np.broadcast_to(body_k * shade, shape)[..., None]
    else:
        colour *= np.broadcast_to(shade, shape)[..., None]
    hl = np.clip(env * gloss_map + (0.5 * sheen) * lobe, 0, 1) * cov

    crop = canvas[y0:y1, x0:x1]
    if material == "clear":
        # What shows through is tinted by the glass (amber bottles colour the background).
        through = cov - a
        crop *= 1 - (0.85 * (1 - base))[None, None, :] * through[..., None]
    # Over, then screen the highlights: each a single per-pixel-weighted blend of 3 channels.
    a = np.ascontiguousarray(np.broadcast_to(a, shape), np.float32)
    crop[:] = cv2.blendLinear(crop, np.ascontiguousarray(colour, np.float32), 1 - a, a)
    hl = np.ascontiguousarray(np.broadcast_to(hl, shape), np.float32)
    crop[:] = cv2.blendLinear(crop, np.ones_like(crop), 1 - hl, hl)
    paper = 0.5 if material == "kraft" else 1.0  # paper creases, it does not shine like film
    for d in part.details:
        strength = d.strength * (paper if d.style in ("fold", "light") else 1.0)
        _draw_detail(crop, cov, d.points * scale + off - (x0, y0), d.style, d.width * scale, strength)


def _shadow(canvas: np.ndarray, template: MockupTemplate, scale: float, off: np.ndarray) -> None:
    """Contact shadow under the base (or a soft drop shadow for a pack lying flat), multiplied in."""
    H, W = canvas.shape[:2]
    g = template.geometry
    pts = np.concatenate([p.outline for p in g.parts]) * scale + off
    size = float(max(pts.max(0) - pts.min(0)))
    fp = g.footprint * scale + off
    if g.shadow == "drop":
        layers = [(fp + np.array([0.025, 0.04]) * size, 0.03 * size, 0.38)]
    else:
        c = fp.mean(0)
        layers = [((fp - c) * np.array([1.18, 1.6]) + c + np.array([0.0, 0.01 * size]), 0.035 * size, 0.3),
                  ((fp - c) * np.array([1.0, 0.9]) + c, max(2.8, 0.007 * size), 0.5)]
    # Drawn at a quarter of the resolution (it is blurred anyway), only around the footprint.
    q = 4
    reach = max(sig for _, sig, _ in layers) * 3 + q
    allp = np.concatenate([p for p, _, _ in layers])
    x0, y0 = max(int(allp[:, 0].min() - reach), 0), max(int(allp[:, 1].min() - reach), 0)
    x1, y1 = min(int(allp[:, 0].max() + reach) + 1, W), min(int(allp[:, 1].max() + reach) + 1, H)
    if x1 <= x0 or y1 <= y0:
        return
    sw, sh = (x1 - x0 + q - 1) // q + 1, (y1 - y0 + q - 1) // q + 1
    small = np.zeros((sh, sw), np.float32)
    for poly, sigma, opacity in layers:
        layer = np.zeros_like(small)
        # Small-grid coordinates of output pixel centres, as cv2.resize maps them back.
        sp = (poly - (x0, y0) + 0.5) / q - 0.5
        cv2.fillPoly(layer, [np.round(sp * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        small += cv2.GaussianBlur(layer, (0, 0), sigma / q) * opacity
    big = cv2.resize(small, (sw * q, sh * q), interpolation=cv2.INTER_LINEAR)[: y1 - y0, : x1 - x0]
    canvas[y0:y1, x0:x1] *= (1 - np.minimum(big, 0.85))[..., None]


def _product(canvas: np.ndarray, product: Image.Image, template: MockupTemplate, scale: float,
             off: np.ndarray) -> None:
    """The vendor's cutout beside its packaging, standing on the same ground, with its own shadow."""
    H, W = canvas.shape[:2]
    s = min(W, H)
    rgba = _premultiplied(product)
    ys, xs = np.nonzero(rgba[..., 3] > 0.03)
    if xs.size == 0:
        return
    rgba = rgba[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    pts = np.concatenate([p.outline for p in template.geometry.parts]) * scale + off
    pack_h = pts[:, 1].max() - pts[:, 1].min()
    ground = pts[:, 1].max() + 0.015 * s
    ph, pw = rgba.shape[:2]
    k = min(0.36 * s / pw, 0.7 * pack_h / ph)
    nw, nh = max(1, round(pw * k)), max(1, round(ph * k))
    rgba = np.clip(cv2.resize(rgba, (nw, nh), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC), 0, 1)
    cx = 0.74 * s + (W - s) / 2
    x0, y0 = round(cx - nw / 2), round(ground - nh)
    # Shadow: an ellipse as wide as the product's base, blurred.
    alpha = rgba[..., 3]
    base_rows = alpha[int(nh * 0.88):]
    cols = np.nonzero(base_rows.max(0) > 0.3)[0] if base_rows.size else np.array([])
    bw = (cols.max() - cols.min() + 1) if cols.size else nw
    bcx = x0 + ((cols.max() + cols.min()) / 2 if cols.size else nw / 2)
    ax, ay, sigma = max(1, int(bw * 0.58)), max(1, int(bw * 0.07)), max(1.0, bw * 0.06)
    reach = int(3 * sigma) + 2  # only around the ellipse: the blur reaches no further
    sx0, sy0 = max(int(bcx) - ax - reach, 0), max(int(ground) - ay - reach, 0)
    sx1, sy1 = min(int(bcx) + ax + reach + 1, W), min(int(ground) + ay + reach + 1, H)
    if sx1 > sx0 and sy1 > sy0:
        sh = np.zeros((sy1 - sy0, sx1 - sx0), np.float32)
        cv2.ellipse(sh, (int(bcx) - sx0, int(ground) - sy0), (ax, ay), 0, 0, 360, 1.0, -1, cv2.LINE_AA)
        sh = cv2.GaussianBlur(sh, (0, 0), sigma)
        canvas[sy0:sy1, sx0:sx1] *= (1 - 0.45 * sh)[..., None]
    # Paste, clipped to the canvas.
    cx0, cy0 = max(x0, 0), max(y0, 0)
    cx1, cy1 = min(x0 + nw, W), min(y0 + nh, H)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    piece = rgba[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
    crop = canvas[cy0:cy1, cx0:cx1]
    crop *= (1 - piece[..., 3:4])
    crop += piece[..., :3]


def render_mockup(label: Image.Image, template: MockupTemplate, size: tuple[int, int],
                  background: tuple[int, int, int] | str = (255, 255, 255), product: Image.Image | None = None,
                  body_colour: str | None = None) -> Image.Image:
    """The label on the template's package, RGB at exactly ``size``; a hero shot when ``product`` is given."""
    w, h = _size(size)
    bg = _rgb01(background if isinstance(background, str) else tuple(background))  # a preset's "#FFFFFF" too
    hero = product is not None
    scale, off = _layout(template, (w, h), hero)
    g = template.geometry
    lw, lh = g.label_size
    sharp = _fit_label(label, template.label_aspect, (lw * scale, lh * scale))
    # Round bodies squeeze the label across (never along) near their limbs: blur it across only.
    soft = cv2.GaussianBlur(sharp, (0, 0), sigmaX=1.8, sigmaY=0.1) if template.is_round else sharp
    colours = {"body": _rgb01(body_colour) if body_colour else
               (_label_colour(sharp) if template.body.colour == "auto" else _rgb01(template.body.colour))}
    if template.closure is not None:
        colours["closure"] = _rgb01(template.closure.colour)
    if template.body.contents:
        colours["contents"] = _rgb01(template.body.contents)
    canvas = np.empty((h, w, 3), np.float32)
    canvas[:] = bg
    _shadow(canvas, template, scale, off)
    for part in g.parts:
        _paint_part(canvas, part, template, scale, off, (sharp, soft), colours)
    if product is not None:
        _product(canvas, product, template, scale, off)
    return Image.fromarray(cv2.convertScaleAbs(canvas, alpha=255.0), "RGB")


# --------------------------------------------------------------------------- labels from photos

def _order(quad: np.ndarray) -> np.ndarray:
    """Corners as TL, TR, BR, BL (the label assumed roughly upright)."""
    c = quad.mean(0)
    ang = np.arctan2(quad[:, 1] - c[1], quad[:, 0] - c[0])
    q = quad[np.argsort(ang)]  # clockwise on screen starting from the left/top-left
    start = np.argmin(q.sum(1))
    return np.roll(q, -start, axis=0)


def _quad_candidates(gray: np.ndarray) -> list[np.ndarray]:
    """Convex four-sided outlines from edges and from brightness thresholds."""
    h, w = gray.shape
    blur = cv2.GaussianBlur(gray, (0, 0), 1.5)
    med = float(np.median(blur))
    masks = []
    edges = cv2.Canny(blur, max(10, 0.5 * med), min(255, 1.2 * med + 30))
    masks.append(cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2))
    _, otsu = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    k = np.ones((5, 5), np.uint8)
    masks += [cv2.morphologyEx(otsu, cv2.MORPH_OPEN, k), cv2.morphologyEx(255 - otsu, cv2.MORPH_OPEN, k)]
    quads = []
    for m in masks:
        contours, _ = cv2.findContours(m, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        for cnt in contours:
            area = cv2.contourArea(cnt)
            if area < 0.04 * h * w or area > 0.97 * h * w:
                continue
            hull = cv2.convexHull(cnt)
            peri = cv2.arcLength(hull, True)
            for eps in (0.015, 0.03, 0.05):
                approx = cv2.approxPolyDP(hull, eps * peri, True)
                if len(approx) == 4:
                    quads.append((approx.reshape(4, 2).astype(np.float64), area))
                    break
    return quads


def _score(quad: np.ndarray, area: float) -> float:
    qa = cv2.contourArea(quad.astype(np.float32))
    if qa <= 0:
        return 0.0
    fill = min(area / qa, qa / area)
    q = _order(quad)
    angles = []
    for i in range(4):
        a, b, c = q[i - 1], q[i], q[(i + 1) % 4]
        v1, v2 = a - b, c - b
        angles.append(np.degrees(np.arccos(np.clip(v1 @ v2 / (np.linalg.norm(v1) * np.linalg.norm(v2) + 1e-9), -1, 1))))
    if min(angles) < 35 or max(angles) > 145:
        return 0.0
    return qa * fill ** 2


def _edge_support(lab: np.ndarray, quad: np.ndarray) -> bool:
    """Whether every side of a candidate separates two different colours along most of its length.

    A sticker's edge does; a quadrilateral traced through wood grain or fabric does not.
    """
    q = _order(quad)
    centre = q.mean(0)
    for i in range(4):
        a, b = q[i], q[(i + 1) % 4]
        d = b - a
        n = np.array([-d[1], d[0]]) / (np.linalg.norm(d) + 1e-9)
        if np.dot(centre - a, n) < 0:
            n = -n  # point inwards
        t = np.linspace(0.1, 0.9, 40)[:, None]
        on = a + t * d
        inside, outside = on + 5 * n, on - 5 * n
        pts = np.concatenate([inside, outside]).astype(np.float32)
        vals = cv2.remap(lab, pts[:, 0:1], pts[:, 1:2], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        vals = vals.reshape(2, -1, 3)
        delta = np.linalg.norm(vals[0] - vals[1], axis=1)
        if np.median(delta) < 12 or (delta > 6).mean() < 0.75:
            return False
    return True


def _aspect(q: np.ndarray, w: int, h: int) -> float:
    """Width/height of the real rectangle behind a perspective quad (Zhang & He's whiteboard method).

    The focal length comes from the quad itself when it is well conditioned; otherwise a
    typical phone's (about 0.85 of the longer side) is assumed: still far better than the
    quad's edge lengths, which perspective distorts.
    """
    top = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
    side = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    naive = top / side
    u0, v0 = w / 2, h / 2
    m1, m2, m4, m3 = (np.array([p[0] - u0, p[1] - v0, 1.0]) for p in q)  # TL, TR, BR, BL
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1
    den = n2[2] * n3[2]
    longer = max(w, h)
    f2 = -(n2[0] * n3[0] + n2[1] * n3[1]) / den if abs(den) > 1e-12 else -1.0
    if not (f2 > 0 and 0.5 * longer < math.sqrt(f2) < 2.0 * longer):
        f2 = (0.85 * longer) ** 2
    a = (n2[0] ** 2 + n2[1] ** 2) / f2 + n2[2] ** 2
    b = (n3[0] ** 2 + n3[1] ** 2) / f2 + n3[2] ** 2
    if a <= 0 or b <= 0:
        return naive
    ratio = math.sqrt(a / b)
    return ratio if 0.5 * naive < ratio < 2 * naive else naive


def label_from_photo(photo: Image.Image) -> Image.Image:
    """The printed label or sticker in a phone photo, found (its quadrilateral) and flattened."""
    rgb = np.asarray(photo.convert("RGB"))
    h, w = rgb.shape[:2]
    if min(h, w) < 200:
        raise AssistantError("mockup_photo_too_small", width=w, height=h)
    k = min(1.0, 1000 / max(h, w))
    small = cv2.resize(rgb, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA) if k < 1 else rgb
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB)
    soft = cv2.GaussianBlur(lab.astype(np.float32), (0, 0), 2.0)
    best, best_score = None, 0.0
    for channel in (lab[..., 0], cv2.cvtColor(small, cv2.COLOR_RGB2HSV)[..., 1]):
        for quad, area in _quad_candidates(channel):
            score = _score(quad, area)
            if score > best_score and _edge_support(soft, quad):
                best, best_score = quad, score
    if best is None:
        raise AssistantError("mockup_label_not_found")
    q = _order(best) / k
    q = _refine(rgb, q, reach=max(4.0, 2.5 / k))
    ratio = _aspect(q, w, h)
    top = max(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[2] - q[3]))
    side = max(np.linalg.norm(q[3] - q[0]), np.linalg.norm(q[2] - q[1]))
    out_w = int(min(2400, max(top, side * ratio)))
    out_h = max(8, round(out_w / ratio))
    dst = np.float32([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]]) - 0.5
    hmat = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    flat = cv2.warpPerspective(rgb, hmat, (out_w, out_h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    # Trim a hair: the outline's antialiased edge carries some of the table.
    t = max(1, int(0.006 * min(out_w, out_h)))
    return Image.fromarray(flat[t:-t, t:-t])


def _refine(rgb: np.ndarray, q: np.ndarray, reach: float = 6.0) -> np.ndarray:
    """Sharpen each side at full resolution: fit a line to the nearest strong colour edge along it, intersect.

    The edge is sought within ``reach`` pixels of the coarse outline, in Lab (a sticker often
    differs from the table more in colour than in brightness), with a mild preference for the
    coarse position so a shadow or a printed border just beside the edge does not win.
    """
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    grads = [(cv2.Sobel(lab[..., c], cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(lab[..., c], cv2.CV_32F, 0, 1, ksize=3))
             for c in range(3)]
    h, w = rgb.shape[:2]
    offs = np.linspace(-reach, reach, int(4 * reach) + 1)
    prior = np.exp(-(offs / reach) ** 2)
    lines = []
    for i in range(4):
        a, b = q[i], q[(i + 1) % 4]
        d = b - a
        length = np.linalg.norm(d)
        if length < 8:
            return q
        t = d / length
        n = np.array([-t[1], t[0]])
        ts = np.linspace(0.1, 0.9, 48)
        p = a[None, None, :] + (ts[:, None, None] * d[None, None, :]) + offs[None, :, None] * n[None, None, :]
        mx, my = p[..., 0].astype(np.float32), p[..., 1].astype(np.float32)
        g = np.zeros(mx.shape, np.float32)
        for gx, gy in grads:
            g += np.abs(cv2.remap(gx, mx, my, cv2.INTER_LINEAR) * n[0] + cv2.remap(gy, mx, my, cv2.INTER_LINEAR) * n[1])
        best = offs[np.argmax(g * prior[None, :], axis=1)]
        pts = a[None, :] + ts[:, None] * d[None, :] + best[:, None] * n[None, :]
        inside = (pts[:, 0] > 1) & (pts[:, 0] < w - 2) & (pts[:, 1] > 1) & (pts[:, 1] < h - 2)
        if inside.sum() < 12:
            return q
        vx, vy, x0, y0 = cv2.fitLine(pts[inside].astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append(np.cross([x0, y0, 1.0], [x0 + vx, y0 + vy, 1.0]))
    out = []
    for i in range(4):
        p = np.cross(lines[i - 1], lines[i])
        if abs(p[2]) < 1e-9:
            return q
        out.append(p[:2] / p[2])
    out = np.array(out)
    return out if np.abs(out - q).max() < 2.5 * reach else q


# --------------------------------------------------------------------------- labels from a brand

def _font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = _FONT_DIR / name
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)  # Pillow's bundled scalable font


def _fit_font(draw: ImageDraw.ImageDraw, text: str, max_w: float, max_h: float, bold: bool = True):
    size = max(8, int(max_h))
    while size > 8:
        font = _font(size, bold)
        x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=font)
        if x1 - x0 <= max_w and y1 - y0 <= max_h:
            return font
        size = int(size * 0.92)
    return _font(8, bold)


def _ink(bg: np.ndarray) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Text colour with the better contrast on ``bg``, and a muted companion for the tagline."""
    lum = float(np.dot(bg, [0.2126, 0.7152, 0.0722]))
    if lum > 0.55:
        return (28, 28, 30), (70, 70, 74)
    return (255, 255, 255), (236, 236, 236)


def label_from_brand(name: str, colour: str, logo: Image.Image | None = None, tagline: str | None = None,
                     size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """A clean RGBA label from a brand name, a colour (#RRGGBB), an optional logo and tagline."""
    name = (name or "").strip()
    if not name:
        raise AssistantError("mockup_brand_empty")
    bg = _rgb01(colour)
    w, h = _size(size)
    q = 2  # drawn at twice the size, then reduced: smooth edges
    W, H = w * q, h * q
    img = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    fill = tuple(int(c * 255 + 0.5) for c in bg)
    radius = int(0.05 * min(W, H))
    draw.rounded_rectangle([0, 0, W - 1, H - 1], radius, fill=fill + (255,))
    ink, soft = _ink(bg)
    inset = int(0.035 * min(W, H))
    draw.rounded_rectangle([inset, inset, W - 1 - inset, H - 1 - inset], max(1, radius - inset),
                           outline=ink + (150,), width=max(2, int(0.006 * min(W, H))))
    blocks: list[tuple[str, object]] = []
    if logo is not None:
        blocks.append(("logo", logo))
    blocks.append(("name", name))
    if tagline and tagline.strip():
        blocks.append(("tagline", tagline.strip()))
    heights = {"logo": 0.34, "name": 0.2, "tagline": 0.075}
    total = sum(heights[k] for k, _ in blocks) + 0.05 * (len(blocks) - 1)
    y = (1 - total) / 2 * H
    for kind, item in blocks:
        bh = heights[kind] * H
        if kind == "logo":
            lg = item.convert("RGBA")  # type: ignore[union-attr]
            k = min(0.5 * W / lg.width, bh / lg.height)
            lg = lg.resize((max(1, int(lg.width * k)), max(1, int(lg.height * k))), Image.LANCZOS)
            img.alpha_composite(lg, (int((W - lg.width) / 2), int(y + (bh - lg.height) / 2)))
        else:
            font = _fit_font(draw, str(item), 0.8 * W, bh, bold=kind == "name")
            x0, y0, x1, y1 = draw.textbbox((0, 0), str(item), font=font)
            draw.text(((W - (x1 - x0)) / 2 - x0, y + (bh - (y1 - y0)) / 2 - y0), str(item), font=font,
                      fill=(ink if kind == "name" else soft) + (255,))
        y += bh + 0.05 * H
    return img.resize((w, h), Image.LANCZOS)


# --------------------------------------------------------------------------- badges, logos, frames

def _overlay_guard(overlays_allowed: bool) -> None:
    if not overlays_allowed:
        raise AssistantError("mockup_overlays_forbidden")


def _corner_xy(corner: str, img: tuple[int, int], item: tuple[int, int], margin: int) -> tuple[int, int]:
    if corner not in CORNERS:
        raise AssistantError("mockup_corner_invalid", value=corner, choices=", ".join(CORNERS))
    w, h = img
    iw, ih = item
    x = margin if corner.endswith("left") else w - iw - margin
    y = margin if corner.startswith("top") else h - ih - margin
    return x, y


def add_badge(image: Image.Image, text: str, overlays_allowed: bool, corner: str = "top-right",
              colour: str = "#E53935") -> Image.Image:
    """A round promo badge (e.g. "PROMO -20%") in a corner of a secondary image."""
    _overlay_guard(overlays_allowed)
    text = (text or "").strip()
    if not text:
        raise AssistantError("mockup_badge_empty")
    base = image.convert("RGBA")
    w, h = base.size
    d = int(0.22 * min(w, h))
    q = 3
    badge = Image.new("RGBA", (d * q, d * q), (0, 0, 0, 0))
    draw = ImageDraw.Draw(badge)
    fill = tuple(int(c * 255 + 0.5) for c in _rgb01(colour))
    # A scalloped seal: a circle with small bumps around it, a thin inner ring.
    cx = cy = d * q / 2
    r = d * q * 0.46
    ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    for a in ang:
        bx, by = cx + r * 0.93 * np.cos(a), cy + r * 0.93 * np.sin(a)
        draw.ellipse([bx - r * 0.12, by - r * 0.12, bx + r * 0.12, by + r * 0.12], fill=fill + (255,))
    draw.ellipse([cx - r * 0.95, cy - r * 0.95, cx + r * 0.95, cy + r * 0.95], fill=fill + (255,))
    ink, _ = _ink(_rgb01(colour))
    draw.ellipse([cx - r * 0.82, cy - r * 0.82, cx + r * 0.82, cy + r * 0.82], outline=ink + (200,),
                 width=max(2, int(r * 0.03)))
    words = text.split()
    lines = [text] if len(words) < 2 else [" ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2:])]
    line_h = r * (0.9 if len(lines) == 1 else 0.55)
    fonts = [_fit_font(draw, ln, r * 1.3, line_h) for ln in lines]
    size = min(f.size for f in fonts if hasattr(f, "size")) if fonts else 12
    font = _font(int(size))
    heights = [draw.textbbox((0, 0), ln, font=font) for ln in lines]
    total = sum(b[3] - b[1] for b in heights) + 0.12 * r * (len(lines) - 1)
    y = cy - total / 2
    for ln, b in zip(lines, heights):
        draw.text((cx - (b[2] - b[0]) / 2 - b[0], y - b[1]), ln, font=font, fill=ink + (255,))
        y += b[3] - b[1] + 0.12 * r
    badge = badge.resize((d, d), Image.LANCZOS)
    x, y0 = _corner_xy(corner, (w, h), (d, d), int(0.03 * min(w, h)))
    shadow = Image.new("RGBA", badge.size, (0, 0, 0, 0))
    shadow.putalpha(badge.getchannel("A").point(lambda v: int(v * 0.25)))
    base.alpha_composite(shadow, (x + max(1, d // 60), y0 + max(1, d // 40)))
    base.alpha_composite(badge, (x, y0))
    return base if image.mode == "RGBA" else base.convert("RGB")


def add_logo_corner(image: Image.Image, logo: Image.Image, overlays_allowed: bool, corner: str = "top-left",
                    scale: float = 0.16) -> Image.Image:
    """The vendor's logo on a small white plate in a corner of a secondary image."""
    _overlay_guard(overlays_allowed)
    base = image.convert("RGBA")
    w, h = base.size
    lg = logo.convert("RGBA")
    box = max(8, int(np.clip(scale, 0.05, 0.4) * min(w, h)))
    k = box / max(lg.size)
    lg = lg.resize((max(1, int(lg.width * k)), max(1, int(lg.height * k))), Image.LANCZOS)
    pad = max(4, box // 8)
    plate = Image.new("RGBA", (lg.width + 2 * pad, lg.height + 2 * pad), (0, 0, 0, 0))
    ImageDraw.Draw(plate).rounded_rectangle([0, 0, plate.width - 1, plate.height - 1], pad,
                                            fill=(255, 255, 255, 235))
    plate.alpha_composite(lg, (pad, pad))
    x, y = _corner_xy(corner, (w, h), plate.size, int(0.03 * min(w, h)))
    base.alpha_composite(plate, (x, y))
    return base if image.mode == "RGBA" else base.convert("RGB")


def add_frame(image: Image.Image, overlays_allowed: bool, colour: str = "#FFFFFF", width: float = 0.025) -> Image.Image:
    """A plain border frame (``width`` as a share of the shorter side) for a secondary image."""
    _overlay_guard(overlays_allowed)
    base = image.convert("RGBA")
    w, h = base.size
    t = max(1, int(np.clip(width, 0.002, 0.2) * min(w, h)))
    fill = tuple(int(c * 255 + 0.5) for c in _rgb01(colour)) + (255,)
    ImageDraw.Draw(base).rectangle([0, 0, w - 1, h - 1], outline=fill, width=t)
    return base if image.mode == "RGBA" else base.convert("RGB")
