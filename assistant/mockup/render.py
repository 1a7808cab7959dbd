"""Packaging mockups: a label mapped onto a template's surfaces, shaded, on a marketplace canvas.

The geometry (outlines, where each pixel lies on the surface) comes from the template
(``templates.py``); this stage turns it into pixels: antialiased masks, the label
sampled through the per-pixel inverse map with ``cv2.remap`` (a homography on flat faces,
a cylindrical wrap on round bodies, a mesh warp on film packs), shading by the surface
normal (multiply) and studio highlights (screen), and a contact shadow. Labels themselves
(from a phone photo or a brand name) and badges are ``labels.py``. No file I/O here.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
from PIL import Image

from assistant.errors import AssistantError
from assistant.mockup.geometry import Part
from assistant.mockup.templates import MockupTemplate
from assistant.presets import parse_colour

_HERO_SCALE, _HERO_CENTRE = 0.8, 0.35  # packaging's share and centre (x) of the scene in a hero shot

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

def canvas_size(size: tuple[int, int]) -> tuple[int, int]:
    try:
        w, h = int(size[0]), int(size[1])
    except (TypeError, ValueError, IndexError):
        raise AssistantError("mockup_size_invalid", width=size, height="?") from None
    if not (64 <= w <= 8000 and 64 <= h <= 8000):
        raise AssistantError("mockup_size_invalid", width=w, height=h)
    return w, h


def rgb01(colour: str | tuple[int, int, int]) -> np.ndarray:
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
    scale, off = _layout(template, canvas_size(size), hero)
    g = template.geometry
    x, y = g.label_xy(np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0, 1.0]))
    return np.stack([x * scale + off[0], y * scale + off[1]], 1)


def label_points(template: MockupTemplate, size: tuple[int, int], u: np.ndarray, v: np.ndarray,
                 hero: bool = False) -> np.ndarray:
    """Output pixels of label points (u, v in 0..1 across the label area, v down): shape (..., 2)."""
    scale, off = _layout(template, canvas_size(size), hero)
    x, y = template.geometry.label_xy(np.asarray(u, np.float64), np.asarray(v, np.float64))
    return np.stack([x * scale + off[0], y * scale + off[1]], -1)


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
    w, h = canvas_size(size)
    bg = rgb01(background if isinstance(background, str) else tuple(background))  # a preset's "#FFFFFF" too
    hero = product is not None
    scale, off = _layout(template, (w, h), hero)
    g = template.geometry
    lw, lh = g.label_size
    sharp = _fit_label(label, template.label_aspect, (lw * scale, lh * scale))
    # Round bodies squeeze the label across (never along) near their limbs: blur it across only.
    soft = cv2.GaussianBlur(sharp, (0, 0), sigmaX=1.8, sigmaY=0.1) if template.is_round else sharp
    colours = {"body": rgb01(body_colour) if body_colour else
               (_label_colour(sharp) if template.body.colour == "auto" else rgb01(template.body.colour))}
    if template.closure is not None:
        colours["closure"] = rgb01(template.closure.colour)
    if template.body.contents:
        colours["contents"] = rgb01(template.body.contents)
    canvas = np.empty((h, w, 3), np.float32)
    canvas[:] = bg
    _shadow(canvas, template, scale, off)
    for part in g.parts:
        _paint_part(canvas, part, template, scale, off, (sharp, soft), colours)
    if product is not None:
        _product(canvas, product, template, scale, off)
    return Image.fromarray(cv2.convertScaleAbs(canvas, alpha=255.0), "RGB")


