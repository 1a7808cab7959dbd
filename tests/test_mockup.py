"""Packaging mockups (issue 4): templates, geometry, legibility, labels from photos and brands, badges.

Geometry is measured from pixels: a label is rendered twice, differing only in one feature
(a frame along its edges, a stripe across it), so the difference image isolates that feature
whatever the package's colours and shading; edges are found by sub-pixel 50 % crossings.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from skimage.metrics import structural_similarity

from assistant.errors import AssistantError
from assistant.mockup.templates import (
    FLAT_KINDS,
    MESH_KINDS,
    MOCKUPS_DIR,
    MockupTemplate,
    ROUND_KINDS,
    check_templates,
    list_templates,
    load_template,
    parse_template,
)
from assistant.mockup import labels as L, render as M

REPO = Path(__file__).resolve().parent.parent


def rectify_label(mockup: Image.Image, template: MockupTemplate, out_size: tuple[int, int],
                  hero: bool = False) -> Image.Image:
    """The label area of a rendered mockup unwrapped back to a flat ``out_size`` image: what a
    shopper can read of the label, measured against the label itself."""
    w, h = out_size
    u = (np.arange(w, dtype=np.float64) + 0.5) / w
    v = (np.arange(h, dtype=np.float64) + 0.5) / h
    pts = M.label_points(template, mockup.size, *np.meshgrid(u, v), hero=hero).astype(np.float32)
    src = np.asarray(mockup.convert("RGB"))
    out = cv2.remap(src, pts[..., 0], pts[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return Image.fromarray(out)
TEMPLATES = list_templates()
NEUTRAL = "#808080"  # fixed body colour: "auto" bodies would change with the label


# --------------------------------------------------------------------------- helpers

STRIPES = (0.25, 0.5, 0.8)


def pattern_label(aspect: float, h: int = 480, frame: int | None = None, stripe: tuple[float, ...] = (),
                  ink: int = 240) -> Image.Image:
    """A checkerboard label; ``frame`` paints its border strips, ``stripe`` rows at those heights, in ``ink``."""
    w = round(h * aspect)
    yy, xx = np.mgrid[0:h, 0:w]
    sq = h / 8
    img = np.where(((xx // sq).astype(int) + (yy // sq).astype(int)) % 2 == 0, 170, 90).astype(np.uint8)
    if frame is not None:
        f = h // 16
        img[:f], img[-f:], img[:, :f], img[:, -f:] = frame, frame, frame, frame
    for v in stripe:
        y = round(v * h)
        img[y - 3:y + 3] = ink
    return Image.fromarray(np.dstack([img] * 3))


def difference(template, size, a: Image.Image, b: Image.Image) -> np.ndarray:
    ra = np.asarray(M.render_mockup(a, template, size, body_colour=NEUTRAL), np.float32)
    rb = np.asarray(M.render_mockup(b, template, size, body_colour=NEUTRAL), np.float32)
    return np.abs(ra - rb).mean(2)


def _crossing(profile: np.ndarray) -> float | None:
    """Sub-pixel index where a profile first rises through half its plateau."""
    top = np.percentile(profile[profile > 0], 90) if (profile > 0).any() else 0
    if top <= 0:
        return None
    p = profile / top
    idx = np.nonzero(p >= 0.5)[0]
    if idx.size == 0 or idx[0] == 0:
        return None
    i = idx[0]
    return i - 1 + (0.5 - p[i - 1]) / (p[i] - p[i - 1])


def measured_corners(d: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Corners of a frame-shaped difference: each edge traced by scanlines, fitted, intersected."""
    tl, tr, br, bl = expected
    edges = {}
    for name, (a, b), axis, sign in (("left", (tl, bl), 1, +1), ("right", (tr, br), 1, -1),
                                     ("top", (tl, tr), 0, +1), ("bottom", (bl, br), 0, -1)):
        # Scan across the edge (rows for left/right, columns for top/bottom), 4 px in from the corners.
        lo, hi = sorted((a[1], b[1]) if axis == 1 else (a[0], b[0]))
        coords = np.arange(int(lo) + 4, int(hi) - 3)
        pts = []
        for c in coords:
            t = (c - (a[1] if axis == 1 else a[0])) / ((b[1] - a[1]) if axis == 1 else (b[0] - a[0]))
            guess = a + t * (b - a)
            centre = round(guess[0] if axis == 1 else guess[1])
            start = centre - 25 if sign > 0 else centre + 25
            line = d[c, :] if axis == 1 else d[:, c]
            seg = line[start:start + 50] if sign > 0 else line[start - 49:start + 1][::-1]
            x = _crossing(seg)
            if x is not None:
                pts.append((c, start + x if sign > 0 else start - x))
        edges[name] = np.array(pts)

    def near(pts: np.ndarray, at: float) -> np.poly1d:
        # A cubic through the quarter of the edge nearest the corner: curved edges are curved.
        span = np.ptp(pts[:, 0])
        sel = np.abs(pts[:, 0] - at) < 0.25 * span + 6
        return np.poly1d(np.polyfit(pts[sel, 0], pts[sel, 1], 3 if sel.sum() > 12 else 1))

    out = []
    for corner, vert, horiz in ((tl, "left", "top"), (tr, "right", "top"), (br, "right", "bottom"),
                                (bl, "left", "bottom")):
        fx = near(edges[vert], corner[1])  # x as a function of y
        fy = near(edges[horiz], corner[0])  # y as a function of x
        x, y = corner
        for _ in range(20):  # fixed point: x = fx(y), y = fy(x)
            x, y = fx(y), fy(fx(y))
        out.append((x, y))
    return np.array(out)


def stripe_centres(d: np.ndarray, x0: float, x1: float, near: np.ndarray) -> np.ndarray:
    """Per column, the intensity-weighted centre of the thin stripe within 12 px of ``near`` (x, y pairs)."""
    pts = []
    for x in range(math.ceil(x0) + 3, int(x1) - 2):
        guess = round(np.interp(x, near[:, 0], near[:, 1]))
        win = np.arange(max(0, guess - 12), min(d.shape[0], guess + 13))
        col = d[win, x]
        if col.max() < 0.3 * d.max():
            continue
        w = np.clip(col - 0.1 * col.max(), 0, None)
        pts.append((x, float((win * w).sum() / w.sum())))
    return np.array(pts)


# --------------------------------------------------------------------------- registry

def test_templates_cover_the_issue():
    kinds = {load_template(n).kind for n in TEMPLATES}
    assert kinds == {"pouch", "sachet", "box", "bag", "jar", "bottle", "cup"}
    names = set(TEMPLATES)
    assert {"bottle-pet", "bottle-glass"} <= names and {"cup-plastic", "cup-paper"} <= names
    materials = {load_template(n).body.material for n in TEMPLATES}
    assert {"glossy", "matte", "kraft", "clear"} <= materials
    assert len(check_templates()) == len(TEMPLATES)


def test_every_template_declares_its_corners_inside_the_scene():
    for name in TEMPLATES:
        t = load_template(name)
        c = np.array(t.label_corners)
        assert c.shape == (4, 2) and (c > 0).all() and (c < 1).all(), name
        assert t.label_aspect > 0.2 and t.title["id"] and t.title["en"]


def _write(tmp_path: Path, text: str, name: str = "x.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _jar_text() -> str:
    return (MOCKUPS_DIR / "jar.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("edit, code, key", [
    (lambda s: s.replace("radius = 0.47", "radius = 0.47\nwobble = 2"), "mockup_unknown_key", "shape.wobble"),
    (lambda s: s.replace("neck = 0.88\n", ""), "mockup_missing_key", "shape.neck"),
    (lambda s: s.replace("elevation = 12", "elevation = 80"), "mockup_out_of_range", "camera.elevation"),
    (lambda s: s.replace('material = "clear"', 'material = "chrome"'), "mockup_bad_choice", "body.material"),
    (lambda s: s.replace('contents = "#A1261B"', 'contents = "red"'), "mockup_bad_value", "body.contents"),
    (lambda s: s.replace("top = 0.2 ", "top = 0.01 "), "mockup_out_of_range", "label.top"),
    (lambda s: s.replace("ribs = 90", "ribs = 9.5"), "mockup_bad_value", "closure.ribs"),
    (lambda s: s + "\n[extra]\nx = 1\n", "mockup_unknown_key", "extra"),
])
def test_invalid_template_names_file_key_and_value(tmp_path, edit, code, key):
    path = _write(tmp_path, edit(_jar_text()), "broken-jar.toml")
    with pytest.raises(AssistantError) as err:
        parse_template(path)
    assert err.value.code == code
    assert err.value.params["file"] == "broken-jar.toml" and err.value.params["key"] == key
    for lang in ("id", "en"):
        assert "broken-jar.toml" in err.value.message(lang) and key in err.value.message(lang)


def test_clear_body_needs_contents_and_others_refuse_them(tmp_path):
    with pytest.raises(AssistantError) as err:
        parse_template(_write(tmp_path, _jar_text().replace('contents = "#A1261B"\n', "")))
    assert err.value.code == "mockup_missing_key" and err.value.params["key"] == "body.contents"
    text = _jar_text().replace('material = "clear"', 'material = "matte"')
    with pytest.raises(AssistantError) as err:
        parse_template(_write(tmp_path, text))
    assert err.value.params["key"] == "body.contents"


def test_syntax_error_and_unknown_name():
    with pytest.raises(AssistantError) as err:
        load_template("no-such-pack")
    assert err.value.code == "mockup_unknown" and "jar" in err.value.message("en")
    with pytest.raises(AssistantError):
        load_template("../jar")


def test_syntax_error_is_reported(tmp_path):
    with pytest.raises(AssistantError) as err:
        parse_template(_write(tmp_path, "kind = \n"))
    assert err.value.code == "mockup_syntax"


def test_every_error_code_used_has_both_languages():
    strings = tomllib.loads((REPO / "assistant" / "strings" / "mockup.toml").read_text(encoding="utf-8"))
    source = "".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "assistant" / "mockup").glob("*.py")))
    codes = set(re.findall(r'AssistantError\(\s*"(mockup_[a-z_]+)"', source))
    assert codes and codes <= set(strings), codes - set(strings)
    for key, texts in strings.items():
        assert key.startswith("mockup_") and set(texts) == {"id", "en"}
        assert set(re.findall(r"{(\w+)}", texts["id"])) == set(re.findall(r"{(\w+)}", texts["en"])), key


# --------------------------------------------------------------------------- geometry

# One template per geometry class is also checked at a portrait size (the scene is then letterboxed).
PORTRAIT = {"box", "jar", "pouch"}


@pytest.mark.parametrize("name", TEMPLATES)
def test_label_corners_land_on_declared_corners(name):
    t = load_template(name)
    for size in ((1200, 1200), (1080, 1350)) if name in PORTRAIT else ((1200, 1200),):
        expected = M.label_corners(t, size)
        d = difference(t, size, pattern_label(t.label_aspect, frame=250), pattern_label(t.label_aspect, frame=5))
        got = measured_corners(d, expected)
        err = np.linalg.norm(got - expected, axis=1)
        assert err.max() <= 2.0, (name, size, err)


@pytest.mark.parametrize("name", TEMPLATES)
def test_label_rows_are_straight_on_flat_faces_and_follow_round_bodies(name):
    t = load_template(name)
    size = (800, 800)
    d = difference(t, size, pattern_label(t.label_aspect, stripe=STRIPES, ink=250),
                   pattern_label(t.label_aspect, stripe=STRIPES, ink=5))
    u = np.linspace(0, 1, 2001)
    for v in STRIPES:
        # Where the template's forward map puts this row; the stripe is measured within 12 px of it.
        fwd = M.label_points(t, size, u, np.full_like(u, v))
        fwd = fwd[np.argsort(fwd[:, 0])]
        pts = stripe_centres(d, fwd[0, 0], fwd[-1, 0], fwd)
        assert len(pts) > 0.8 * np.ptp(fwd[:, 0]) - 10, (name, v)
        # Everywhere: the row lies where the forward map says, within a pixel.
        assert np.abs(pts[:, 1] - np.interp(pts[:, 0], fwd[:, 0], fwd[:, 1])).max() <= 1.0, (name, v)
        if t.kind in FLAT_KINDS:
            # Print on a flat panel: a straight line (perspective keeps lines straight).
            fit = np.polyfit(pts[:, 0], pts[:, 1], 1)
            assert np.abs(np.polyval(fit, pts[:, 0]) - pts[:, 1]).max() <= 0.75, (name, v)
        elif t.kind in ROUND_KINDS:
            # Wrapped round a body: an ellipse arc whose flattening is the camera's elevation, its
            # radius the row's half-width over sin(span / 2), centred between the row's ends: the
            # template's declared numbers, not its geometry code.
            half_span = math.radians(t.label.span) / 2
            xc = (fwd[0, 0] + fwd[-1, 0]) / 2
            r = (fwd[-1, 0] - fwd[0, 0]) / 2 / math.sin(half_span)
            s = math.sin(math.radians(t.camera.elevation))
            arc = r * s * np.sqrt(np.clip(1 - ((pts[:, 0] - xc) / r) ** 2, 0, 1))
            y0 = np.median(pts[:, 1] - arc)
            assert np.abs(pts[:, 1] - (y0 + arc)).max() <= 1.0, (name, v)
            sag = r * s * (1 - math.cos(half_span))
            assert sag > 3 and np.ptp(pts[:, 1]) > 0.8 * sag, (name, v)  # visibly curved, not straight
        else:
            assert t.kind in MESH_KINDS  # a filled film: rows bow with the bulge, as the map says


@settings(max_examples=12, deadline=None)
@given(w=st.integers(64, 2400), h=st.integers(64, 2400), name=st.sampled_from(TEMPLATES))
def test_corners_scale_with_any_output_size(w, h, name):
    t = load_template(name)
    c = M.label_corners(t, (w, h))
    s = min(w, h)
    want = np.array(t.label_corners) * s + ((w - s) / 2 - 0.5, (h - s) / 2 - 0.5)
    assert np.allclose(c, want, atol=1e-6)


# --------------------------------------------------------------------------- rendering

def text_label(size: tuple[int, int], cap: int = 24) -> Image.Image:
    """A label of dark text lines at ``cap`` px cap height on a light ground, with a border."""
    w, h = size
    img = Image.new("RGB", (w, h), (246, 240, 226))
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(L._FONT_DIR / "DejaVuSans-Bold.ttf"), 10) if \
        (L._FONT_DIR / "DejaVuSans-Bold.ttf").is_file() else ImageFont.load_default(size=10)
    # Find the point size whose capital H is ``cap`` px tall.
    for pt in range(10, 80):
        f = font.font_variant(size=pt)
        b = draw.textbbox((0, 0), "H", font=f)
        if b[3] - b[1] >= cap:
            break
    words = ["KERIPIK", "Sambal", "Kopi 250 g", "HALAL", "Pedas", "Nusantara", "Bu Tini", "ASLI"]
    y, i = 12, 0
    while y < h - 2 * cap:
        line = " ".join(words[(i + k) % len(words)] for k in range(3))
        draw.text((14, y), line, font=f, fill=(30, 30, 40))
        y += int(cap * 1.9)
        i += 2
    draw.rectangle([3, 3, w - 4, h - 4], outline=(30, 30, 40), width=3)
    return img


@pytest.mark.parametrize("name", TEMPLATES)
def test_text_stays_legible_after_rendering_and_rectifying(name):
    t = load_template(name)
    size = (1200, 1200)
    lw, _lh = t.geometry.label_size
    scale = M._layout(t, size, False)[0]
    # The label at the pixels its area covers in the mockup, text at 24 px cap height there.
    w, h = round(lw * scale), round(lw * scale / t.label_aspect)
    src = text_label((w, h))
    out = M.render_mockup(src, t, size)
    back = rectify_label(out, t, (w, h))
    a = np.asarray(src.convert("L"), np.float32)
    b = np.asarray(back.convert("L"), np.float32)
    ssim = structural_similarity(a, b, data_range=255)
    assert ssim >= 0.8, (name, ssim)


@pytest.mark.parametrize("size", [(1200, 1200), (1024, 1024), (1080, 1350), (700, 500)])
def test_output_is_rgb_at_exactly_the_size_asked(size):
    t = load_template("jar")
    out = M.render_mockup(L.label_from_brand("Kopi", "#6D4C41"), t, size, background=(250, 248, 240))
    assert out.mode == "RGB" and out.size == size
    px = np.asarray(out)
    assert (px[0, 0] == (250, 248, 240)).all()  # corners stay the background colour


def test_transparent_label_shows_the_body_through():
    t = load_template("pouch")
    label = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    ImageDraw.Draw(label).ellipse([150, 150, 450, 450], fill=(220, 30, 30, 255))
    out = np.asarray(M.render_mockup(label, t, (800, 800), body_colour="#2050C0"), np.float32)
    c = M.label_corners(t, (800, 800))
    inset = c[0] + 0.04 * (c[2] - c[0])  # near the label area's corner: transparent there
    r, _, b = out[int(inset[1]), int(inset[0])]
    assert b > r + 40  # the blue body, not a white or black box
    mid = c.mean(0)
    r, _g, b = out[int(mid[1]), int(mid[0])]
    assert r > b + 60  # the red disc


def test_empty_label_is_refused():
    with pytest.raises(AssistantError) as err:
        M.render_mockup(Image.new("RGBA", (50, 50), (0, 0, 0, 0)), load_template("box"), (400, 400))
    assert err.value.code == "mockup_label_empty"


def test_bad_size_and_colour_are_refused():
    t = load_template("box")
    lab = L.label_from_brand("Kopi", "#6D4C41")
    with pytest.raises(AssistantError):
        M.render_mockup(lab, t, (10, 10))
    with pytest.raises(AssistantError) as err:
        M.render_mockup(lab, t, (300, 300), body_colour="red")
    assert err.value.code == "colour_invalid"


def test_body_colour_changes_the_body_not_the_label():
    t = load_template("cup-paper")
    lab = pattern_label(t.label_aspect)
    a = np.asarray(M.render_mockup(lab, t, (600, 600), body_colour="#C62828"), np.int16)
    b = np.asarray(M.render_mockup(lab, t, (600, 600), body_colour="#1565C0"), np.int16)
    c = M.label_corners(t, (600, 600)).mean(0).astype(int)
    assert np.abs(a[c[1], c[0]] - b[c[1], c[0]]).max() <= 1
    assert np.abs(a - b).max() > 100


def test_hero_shot_puts_the_product_beside_its_packaging():
    t = load_template("jar")
    product = Image.new("RGBA", (300, 400), (0, 0, 0, 0))
    ImageDraw.Draw(product).ellipse([20, 40, 280, 390], fill=(240, 160, 20, 255))
    lab = L.label_from_brand("Sambal", "#B71C1C")
    size = (800, 800)
    hero = np.asarray(M.render_mockup(lab, t, size, product=product))
    orange = (hero[..., 0] > 200) & (hero[..., 1] > 120) & (hero[..., 1] < 200) & (hero[..., 2] < 80)
    _ys, xs = np.nonzero(orange)
    assert xs.size > 2000 and xs.min() > 0.55 * size[0]  # the product on the right
    alone = M.label_corners(t, size)
    c = M.label_corners(t, size, hero=True)
    assert c[:, 0].max() < 0.6 * size[0] and c[:, 0].mean() < alone[:, 0].mean() - 50  # packaging moved left
    # The label lands at the hero layout's corners: its red fills their centre.
    mid = c.mean(0).astype(int)
    assert hero[mid[1], mid[0], 0] > 120 and hero[mid[1], mid[0], 2] < 90


# --------------------------------------------------------------------------- label from a photo

def _wood(size: tuple[int, int], seed: int = 3) -> np.ndarray:
    w, h = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    grain = np.sin((x * 0.05 + 6 * np.sin(y * 0.01) + rng.normal(0, 0.3, (h, w))) * 1.3)
    base = np.array([150, 105, 70], np.float32)
    img = base * (0.85 + 0.1 * grain[..., None]) + rng.normal(0, 6, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def projected_quad(aspect: float, tilt: float, turn: float, roll: float, size=(1600, 1200), shift=(0.0, 0.0),
                   span: float = 0.5) -> np.ndarray:
    """Corners (TL, TR, BR, BL) of a flat label of ``aspect`` seen by a phone camera (pinhole, f = 0.9 width)."""
    w, h = size
    f = 0.9 * w
    hw, hh = span * aspect / 2, span / 2
    pts = np.array([[-hw, -hh, 0], [hw, -hh, 0], [hw, hh, 0], [-hw, hh, 0]], np.float64)
    a, b, c = (math.radians(v) for v in (tilt, turn, roll))
    rx = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    ry = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
    rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    p = pts @ (rx @ ry @ rz).T + np.array([shift[0], shift[1], 1.6])
    return np.stack([f * p[:, 0] / p[:, 2] + w / 2, f * p[:, 1] / p[:, 2] + h / 2], 1)


def phone_photo(label: Image.Image, quad: np.ndarray, size=(1600, 1200), seed: int = 3) -> Image.Image:
    """The label printed on a sticker, perspective-warped onto a wooden table, lit unevenly, JPEG'd."""
    w, h = size
    table = _wood(size, seed)
    lab = np.asarray(label.convert("RGB"))
    lh, lw = lab.shape[:2]
    src = np.float32([[0, 0], [lw, 0], [lw, lh], [0, lh]]) - 0.5
    hm = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    warped = cv2.warpPerspective(lab, hm, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((lh, lw), 255, np.uint8), hm, (w, h), flags=cv2.INTER_LINEAR)
    # A soft shadow under the sticker's edge, then the sticker.
    sh = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), 4)
    img = table.astype(np.float32) * (1 - 0.25 * sh[..., None])
    m = mask.astype(np.float32)[..., None] / 255
    img = img * (1 - m) + warped.astype(np.float32) * m
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img *= (1.08 - 0.25 * (xx / w) * (yy / h))[..., None]  # light falling off across the table
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.9))
    buf = __import__("io").BytesIO()
    pil.save(buf, "JPEG", quality=85)
    return Image.open(buf).convert("RGB")


def test_label_from_photo_finds_and_flattens_the_sticker():
    src = L.label_from_brand("Keripik Tempe", "#F9A825", tagline="Renyah gurih").convert("RGB").resize((900, 600))
    quad = projected_quad(1.5, tilt=35, turn=-15, roll=6, shift=(0.05, 0.0))
    photo = phone_photo(src, quad)
    flat = L.label_from_photo(photo)
    # The true aspect is recovered from the perspective (the photo's trapezoid alone says ~1.2).
    assert abs(flat.width / flat.height - 1.5) < 0.06, flat.size
    a = np.asarray(src.resize(flat.size).convert("L"), np.float32)
    b = np.asarray(flat.convert("L"), np.float32)
    assert structural_similarity(a, b, data_range=255) > 0.6


def test_label_from_photo_on_a_light_table_and_a_rotated_label():
    src = pattern_label(1.4, h=500)
    quad = projected_quad(1.4, tilt=20, turn=25, roll=-18, shift=(-0.1, 0.05))
    photo = np.asarray(phone_photo(src, quad, seed=5), np.float32)
    photo = Image.fromarray(np.clip(photo * 1.5 + 40, 0, 255).astype(np.uint8))
    flat = L.label_from_photo(photo)
    assert 0.5 < flat.width / flat.height < 2.5


def test_label_from_photo_without_a_label_says_so():
    with pytest.raises(AssistantError) as err:
        L.label_from_photo(Image.fromarray(_wood((900, 700))))
    assert err.value.code == "mockup_label_not_found"
    assert "label" in err.value.message("en").lower() and "label" in err.value.message("id").lower()
    with pytest.raises(AssistantError):
        L.label_from_photo(Image.new("RGB", (120, 90)))


PRODUCE = ("Fruit__", "Vegetables__")


def _grocery_photos(kinds=PRODUCE) -> list[Path]:
    from tests.conftest import shared_path

    folder = shared_path("grocery_phone", "images")
    return sorted(p for p in folder.iterdir() if p.name.startswith(kinds))


@pytest.mark.shared
def test_label_photo_of_produce_is_refused_not_mounted():
    """Issue 17 item 6: a real photo with no label (fruit, vegetables in a shop) used as the label
    source mounted junk and said "selesai". Every one of the 89 produce photos is now refused with
    the plain message, through the same path the app's "Foto label tercetak" takes."""
    from assistant.mockup.files import open_label

    photos = _grocery_photos()
    assert len(photos) >= 80
    mounted = []
    for path in photos:
        try:
            open_label(path, is_photo=True)
            mounted.append(path.name)
        except AssistantError as err:
            assert err.code == "mockup_label_not_found", (path.name, err.code)
    assert not mounted, mounted
    message = AssistantError("mockup_label_not_found").message("id")
    assert message.startswith("Label tidak ditemukan") and not re.search(r"[#_]|\d\.\d", message)


@pytest.mark.shared
def test_label_lying_in_a_real_shop_photo_is_found():
    """The floor keeps real labels: a printed sticker perspective-warped into a real, cluttered shop
    photo (enlarged to phone size) is found and flattened to its true shape."""
    photo = _grocery_photos(("Vegetables__",))[5]
    scene = np.asarray(Image.open(photo).convert("RGB").resize((1600, 1600), Image.BICUBIC), np.float32)
    label = L.label_from_brand("Sambal Bu Sri", "#C62828", tagline="Pedas mantap").convert("RGB").resize((900, 600))
    quad = projected_quad(1.5, tilt=25, turn=-10, roll=4, shift=(0.0, 0.05), size=(1600, 1600))
    lab = np.asarray(label)
    src = np.float32([[0, 0], [900, 0], [900, 600], [0, 600]]) - 0.5
    hm = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    warped = cv2.warpPerspective(lab, hm, (1600, 1600), flags=cv2.INTER_AREA).astype(np.float32)
    mask = cv2.warpPerspective(np.full((600, 900), 255, np.uint8), hm, (1600, 1600)).astype(np.float32)[..., None] / 255
    shot = Image.fromarray(np.clip(scene * (1 - mask) + warped * mask, 0, 255).astype(np.uint8))
    flat = L.label_from_photo(shot.filter(ImageFilter.GaussianBlur(0.8)))
    assert abs(flat.width / flat.height - 1.5) < 0.08, flat.size
    a = np.asarray(label.resize(flat.size).convert("L"), np.float32)
    b = np.asarray(flat.convert("L"), np.float32)
    assert structural_similarity(a, b, data_range=255) > 0.6


# --------------------------------------------------------------------------- label from a brand

def test_label_from_brand_is_clean_and_readable():
    logo = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse([10, 10, 190, 190], fill=(255, 200, 0, 255))
    lab = L.label_from_brand("Kopi Bu Tini", "#3E2723", logo=logo, tagline="Robusta Lampung")
    assert lab.mode == "RGBA" and lab.size == (1200, 900)
    px = np.asarray(lab)
    assert px[450, 600, 3] == 255 and px[0, 0, 3] == 0  # rounded corners transparent
    assert (px[..., :3] > 230).all(2).sum() > 2000  # white text on the dark brown
    light = np.asarray(L.label_from_brand("Susu", "#FFF8E1", size=(600, 400)))
    assert (light[..., :3] < 60).all(2).sum() > 500  # dark text on a light colour
    with pytest.raises(AssistantError):
        L.label_from_brand("  ", "#FFFFFF")
    with pytest.raises(AssistantError):
        L.label_from_brand("Kopi", "coklat")


# --------------------------------------------------------------------------- badges

def test_overlays_are_refused_where_the_main_image_forbids_them():
    img = Image.new("RGB", (800, 800), "white")
    for call in (lambda: L.add_badge(img, "PROMO", overlays_allowed=False),):
        with pytest.raises(AssistantError) as err:
            call()
        assert err.value.code == "mockup_overlays_forbidden"
        assert "utama" in err.value.message("id") and "main image" in err.value.message("en")


def test_badge_goes_where_asked():
    img = Image.new("RGB", (800, 600), "white")
    out = np.asarray(L.add_badge(img, "PROMO -20%", True, corner="top-right"))
    red = (out[..., 0] > 180) & (out[..., 1] < 90)
    ys, xs = np.nonzero(red)
    assert xs.min() > 400 and ys.max() < 300
    with pytest.raises(AssistantError) as err:
        L.add_badge(img, "PROMO", True, corner="middle")
    assert err.value.code == "mockup_corner_invalid"


def test_a_long_brand_name_wraps_instead_of_shrinking():
    """Issue 17: "Keripik Singkong Pedas Manis Bu Ani" shrank to a thin line; now it takes two lines."""
    import numpy as np

    from assistant.mockup.labels import label_from_brand

    label = np.asarray(label_from_brand("Keripik Singkong Pedas Manis Bu Ani", "#7C2D12").convert("RGB"))
    h, w = label.shape[:2]
    inner = label[int(0.08 * h):int(0.92 * h), int(0.08 * w):int(0.92 * w)]
    letter_rows = np.nonzero((inner.min(axis=2) > 200).any(axis=1))[0]
    # two lines of text: the lettering spans over a fifth of the label's height
    assert letter_rows.max() - letter_rows.min() > 0.2 * h
