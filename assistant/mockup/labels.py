"""Labels for the mockups and overlays for secondary images: a label found in a phone photo of a
printed sticker (its four corners, rectified), a label drawn from a brand name and colour, and
promo badges where the marketplace allows overlays. No file I/O here.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from assistant.errors import AssistantError
from assistant.mockup.render import canvas_size, rgb01

CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

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


# The confidence floor: a candidate counts as a printed label only when its outline is a clean
# four-sided shape (the traced region fills its quadrilateral) and every side is a strong colour
# edge along nearly all its length. Measured on 300 real phone photos of a grocery store
# (../shared/data/grocery_phone): without the floor a "label" was found in 212 of them, 61 of
# them fruit or vegetables; with it, in none of the fruit and vegetables and in 7 of 211 packages
# (a carton's printed face). Generated sticker photos score fill >= 0.97, edge >= 32, share 1.0.
LABEL_MIN_FILL = 0.93  # traced area / quadrilateral area (either way round)
LABEL_MIN_EDGE = 25.0  # median Lab difference across each side, 5 px either side
LABEL_MIN_EDGE_SHARE = 0.98  # share of each side where the difference is above 6


def _edge_strength(lab: np.ndarray, quad: np.ndarray) -> tuple[float, float]:
    """(weakest side's median colour difference across it, weakest side's share of points with a
    difference above 6): a sticker's edge separates two colours all along; a quadrilateral traced
    through wood grain, fabric or a pile of fruit does not."""
    q = _order(quad)
    centre = q.mean(0)
    medians, shares = [], []
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
        medians.append(float(np.median(delta)))
        shares.append(float((delta > 6).mean()))
    return min(medians), min(shares)


def _confident(lab: np.ndarray, quad: np.ndarray, area: float) -> bool:
    """Whether a candidate is a printed label beyond reasonable doubt (the floor above)."""
    qa = cv2.contourArea(quad.astype(np.float32))
    if qa <= 0 or min(area / qa, qa / area) < LABEL_MIN_FILL:
        return False
    median, share = _edge_strength(lab, quad)
    return median >= LABEL_MIN_EDGE and share >= LABEL_MIN_EDGE_SHARE


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
            if score > best_score and _confident(soft, quad, area):
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


def _name_lines(draw: ImageDraw.ImageDraw, name: str, max_w: float, max_h: float) -> list[str]:
    """The brand name on one line, or on two (split between words, nearest the middle) when one
    line would shrink it below 60% of the height it may take: long names wrap, not shrink."""
    words = name.split()
    if len(words) < 2 or _fit_font(draw, name, max_w, max_h).size >= 0.6 * max_h:
        return [name]
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return list(min(splits, key=lambda pair: abs(len(pair[0]) - len(pair[1]))))


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
    bg = rgb01(colour)
    w, h = canvas_size(size)
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
    lines = _name_lines(draw, name, 0.8 * W, 0.2 * H)
    blocks += [("name", line) for line in lines]
    if tagline and tagline.strip():
        blocks.append(("tagline", tagline.strip()))
    heights = {"logo": 0.34, "name": 0.2 if len(lines) == 1 else 0.15, "tagline": 0.075}
    total = sum(heights[k] for k, _ in blocks) + 0.05 * (len(blocks) - 1)
    y = (1 - total) / 2 * H
    for kind, item in blocks:
        bh = heights[kind] * H
        if kind == "logo":
            lg = item.convert("RGBA")  # type: ignore[union-attr]
            k = min(0.5 * W / lg.width, bh / lg.height)
            lg = lg.resize((max(1, int(lg.width * k)), max(1, int(lg.height * k))), Image.LANCZOS)
            img.alpha_composite(lg, (int((W - lg.width) / 2), int(y + (bh - lg.height) / 2)))
        elif kind == "name" and len(lines) > 1:  # both lines in one size
            font = min((_fit_font(draw, line, 0.8 * W, bh) for line in lines), key=lambda f: f.size)
            x0, y0, x1, y1 = draw.textbbox((0, 0), str(item), font=font)
            draw.text(((W - (x1 - x0)) / 2 - x0, y + (bh - (y1 - y0)) / 2 - y0), str(item), font=font,
                      fill=ink + (255,))
        else:
            font = _fit_font(draw, str(item), 0.8 * W, bh, bold=kind == "name")
            x0, y0, x1, y1 = draw.textbbox((0, 0), str(item), font=font)
            draw.text(((W - (x1 - x0)) / 2 - x0, y + (bh - (y1 - y0)) / 2 - y0), str(item), font=font,
                      fill=(ink if kind == "name" else soft) + (255,))
        y += bh + (0.02 if kind == "name" and len(lines) > 1 else 0.05) * H
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
    fill = tuple(int(c * 255 + 0.5) for c in rgb01(colour))
    # A scalloped seal: a circle with small bumps around it, a thin inner ring.
    cx = cy = d * q / 2
    r = d * q * 0.46
    ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    for a in ang:
        bx, by = cx + r * 0.93 * np.cos(a), cy + r * 0.93 * np.sin(a)
        draw.ellipse([bx - r * 0.12, by - r * 0.12, bx + r * 0.12, by + r * 0.12], fill=fill + (255,))
    draw.ellipse([cx - r * 0.95, cy - r * 0.95, cx + r * 0.95, cy + r * 0.95], fill=fill + (255,))
    ink, _ = _ink(rgb01(colour))
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

