"""The designed slots: scene, size, info card, promo card (square, 4:5 and 9:16).

Layout is in units of ``u`` = 1 % of the canvas's shorter side, so one design holds at every
size. Text sits on solid panels or pills whose ink is chosen (and checked) for a contrast of
at least 4.5:1; the smallest text is 3 u (32 px at 1080). Squares put the product left and
the panel right; portraits put the product on top and the panel below, and 9:16 keeps the top
12 % and bottom 14 % free for the apps' own buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from assistant.i18n import t
from assistant.promo.backdrops import render_backdrop
from assistant.promo.kit import BrandKit
from assistant.promo.money import discount_percent, format_rupiah
from assistant.promo.product import Prepared, resized
from assistant.promo.scene import Placed, compose
from assistant.promo.text import Layer, TextRecord, contrast, readable_ink, shade_to_contrast

PHONE_CM = (7.2, 15.0)  # a common phone, width x height: the familiar object for scale
BADGES = ("gratis-ongkir", "diskon", "baru", "terlaris", "pre-order")


@dataclass(frozen=True)
class ProductInfo:
    """What the vendor types about a product (all optional)."""

    title: str = ""
    points: tuple[str, ...] = ()         # up to 4 short points
    size_cm: tuple[float, float, float] | None = None   # width, height, depth
    net: str = ""                        # "250 g", "500 ml"
    grams: float | None = None           # weight or volume as a number, for scale across a shop
    registration: str = ""               # "P-IRT 2063201010123-27", "BPOM RI MD ..."
    price: int | None = None
    old_price: int | None = None
    badges: tuple[str, ...] = ()
    cta: str = ""
    label: object = field(default=None, compare=False, repr=False)  # the label designer's LabelInfo, if any


@dataclass
class Card:
    image: Image.Image
    texts: list[TextRecord] = field(default_factory=list)
    placed: Placed | None = None


def layout(size: tuple[int, int]) -> str:
    w, h = size
    if h >= 1.6 * w:
        return "story"
    return "portrait" if h > 1.1 * w else "square"


def _u(size: tuple[int, int]) -> float:
    return min(size) / 100.0


def product_height(prep: Prepared, room: tuple[float, float]) -> float:
    """Pixel height of the product filling a room of (w, h) px (a shop's one scale replaces it:
    ``listing.ShopScale``)."""
    rw, rh = room
    return min(rh, rw / prep.aspect)


# --------------------------------------------------------------------------- scene

def scene_card(prep: Prepared, backdrop: str, size: tuple[int, int], height=product_height,
               base: float | None = None) -> Card:
    """The product on a backdrop, no text: any slot may carry it."""
    W, H = size
    kind = layout(size)
    base = base if base is not None else {"square": 0.83, "portrait": 0.8, "story": 0.72}[kind]
    room = (0.72 * W, {"square": 0.62, "portrait": 0.56, "story": 0.42}[kind] * H)
    h = height(prep, room)
    scene = render_backdrop(backdrop, size, base)
    placed = compose(scene, resized(prep, h), W / 2, base * H)
    return Card(Image.fromarray(placed.image), [], placed)


# --------------------------------------------------------------------------- size

def _phone(height: float) -> Image.Image:
    """A phone standing upright, front view, ``height`` px tall (RGBA)."""
    from PIL import ImageDraw

    q = 3
    h = int(height * q)
    w = int(h * PHONE_CM[0] / PHONE_CM[1])
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    r = int(w * 0.13)
    d.rounded_rectangle([0, 0, w - 1, h - 1], r, fill=(38, 40, 44, 255))
    d.rounded_rectangle([int(w * 0.012), int(w * 0.012), w - 1 - int(w * 0.012), h - 1 - int(w * 0.012)], r,
                        outline=(92, 96, 104, 255), width=max(2, int(w * 0.012)))
    inset = int(w * 0.045)
    screen = [inset, inset, w - 1 - inset, h - 1 - inset]
    # the screen: deep blue-black with a soft diagonal sheen
    sw, sh = screen[2] - screen[0], screen[3] - screen[1]
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    tt = (xx / sw * 0.6 + yy / sh * 0.4)
    sheen = np.clip(1 - np.abs(tt - 0.38) / 0.16, 0, 1) * 0.10
    base = np.array([18, 22, 30], np.float32) + (np.array([70, 80, 96], np.float32) * (yy / sh)[..., None] * 0.35)
    col = np.clip(base + 255 * sheen[..., None], 0, 255).astype(np.uint8)
    mask = Image.new("L", (sw, sh), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, sw - 1, sh - 1], int(r * 0.8), fill=255)
    img.paste(Image.fromarray(col), (screen[0], screen[1]), mask)
    cam = int(w * 0.035)
    d.ellipse([w // 2 - cam, inset + cam, w // 2 + cam, inset + 3 * cam], fill=(8, 8, 10, 255))
    d.rounded_rectangle([w - 1, int(h * 0.2), w - 1, int(h * 0.3)], 2, fill=(60, 62, 66, 255))
    return img.resize((max(1, w // q), max(1, h // q)), Image.LANCZOS)


def size_card(prep: Prepared, info: ProductInfo, backdrop: str, size: tuple[int, int], overlays: bool,
              family: str, kit: BrandKit, lang: str | None) -> Card | None:
    """The product beside a phone at true scale (no text), or with dimension lines where text
    is allowed; None when no size in cm was given and no text may be drawn."""
    W, H = size
    u = _u(size)
    kind = layout(size)
    base = {"square": 0.82, "portrait": 0.78, "story": 0.70}[kind]
    scene = render_backdrop(backdrop, size, base)
    layer = Layer(size, family)
    if info.size_cm:
        pw, ph = info.size_cm[0], info.size_cm[1]
        with_phone = not overlays
        total_w = pw + (PHONE_CM[0] * 1.35 if with_phone else 0)
        tallest = max(ph, PHONE_CM[1] if with_phone else 0)
        room_w = (0.74 if with_phone else 0.56) * W
        room_h = {"square": 0.6, "portrait": 0.52, "story": 0.38}[kind] * H
        px_cm = min(room_h / tallest, room_w / total_w)
        hpx = ph * px_cm
        cx = W / 2 - (PHONE_CM[0] * 1.35 * px_cm) / 2 if with_phone else W / 2 - 3 * u
        placed = compose(scene, resized(prep, hpx), cx, base * H, reflection=0.0)
        img = Image.fromarray(placed.image)
        if with_phone:
            phone = _phone(PHONE_CM[1] * px_cm)
            px = int(placed.box[2] + PHONE_CM[0] * 0.35 * px_cm)
            py = int(base * H - phone.height)
            img = _stand(img, phone, (px, py), base * H)
        else:
            _dimension_lines(layer, placed.box, info, u, kit, lang)
        return Card(layer.flatten(img) if layer.texts else img, layer.texts, placed)
    if overlays and info.net:
        placed = compose(scene, resized(prep, product_height(prep, (0.6 * W, 0.55 * H))), W / 2, base * H,
                         reflection=0.0)
        label = t("promo_net", lang, amount=info.net)
        _pill(layer, (W / 2, base * H + 8 * u), label, 4.2 * u, kit.rgb("primary"), centre=True)
        return Card(layer.flatten(Image.fromarray(placed.image)), layer.texts, placed)
    return None


def _stand(img: Image.Image, thing: Image.Image, xy: tuple[int, int], base: float) -> Image.Image:
    """``thing`` (RGBA) standing at ``xy`` with a soft contact shadow under it."""
    from PIL import ImageFilter

    out = img.convert("RGBA")
    w = thing.width
    sh = Image.new("L", (int(w * 1.6), max(4, int(w * 0.28))), 0)
    from PIL import ImageDraw

    ImageDraw.Draw(sh).ellipse([int(w * 0.15), int(sh.height * 0.3), int(w * 1.45), int(sh.height * 0.7)], fill=120)
    sh = sh.filter(ImageFilter.GaussianBlur(max(1, w * 0.05)))
    dark = Image.new("RGBA", sh.size, (20, 16, 12, 255))
    dark.putalpha(sh)
    out.alpha_composite(dark, (int(xy[0] - w * 0.3), int(base - sh.height / 2)))
    out.alpha_composite(thing, xy)
    return out.convert("RGB")


def _dimension_lines(layer: Layer, box: tuple, info: ProductInfo, u: float, kit: BrandKit, lang: str | None) -> None:
    x0, y0, x1, y1 = box
    ink = (40, 40, 44)
    w_cm, h_cm = info.size_cm[0], info.size_cm[1]  # type: ignore[index]
    lw = max(1.5, 0.28 * u)
    # height: right of the product
    xr = x1 + 6 * u
    layer.line([(xr, y0), (xr, y1)], ink, lw)
    for yy in (y0, y1):
        layer.line([(xr - 1.6 * u, yy), (xr + 1.6 * u, yy)], ink, lw)
    _pill(layer, (xr, (y0 + y1) / 2), _cm(h_cm, lang), 3.6 * u, (255, 255, 255), centre=True, ink=ink)
    # width: under the product's base
    yb = y1 + 6 * u
    layer.line([(x0, yb), (x1, yb)], ink, lw)
    for xx in (x0, x1):
        layer.line([(xx, yb - 1.6 * u), (xx, yb + 1.6 * u)], ink, lw)
    _pill(layer, ((x0 + x1) / 2, yb), _cm(w_cm, lang), 3.6 * u, (255, 255, 255), centre=True, ink=ink)
    if info.net:
        _pill(layer, (x0, y0 - 5 * u), t("promo_net", lang, amount=info.net), 3.6 * u, kit.rgb("primary"))


def _cm(value: float, lang: str | None) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',') if (lang or 'id') == 'id' else text} cm"


def _pill(layer: Layer, xy, text: str, size: float, fill, centre: bool = False, ink=None,
          style: str = "pill") -> tuple[float, float, float, float]:
    """A label on a rounded pill (or a seal / a tag); ``xy`` is its left-middle, or its centre."""
    ink = readable_ink(fill, ink)
    w, cap, _ = layer.measure(text, size, 700)
    padx, h = 0.75 * size, 1.9 * size
    x = xy[0] - (w / 2 + padx if centre else 0)
    y = xy[1] - h / 2
    box = (x, y, x + w + 2 * padx, y + h)
    if style == "tag":
        notch = h * 0.5
        layer.polygon([(x, y + h / 2), (x + notch, y), (box[2], y), (box[2], box[3]), (x + notch, box[3])], fill)
        box = (x, y, box[2] + notch * 0.4, box[3])
        layer.text((x + notch * 0.7 + padx * 0.6, y + h / 2 + cap / 2), text, size, ink, 700)
    else:
        layer.rounded(box, h / 2 if style == "pill" else h * 0.22, fill)
        layer.text((x + padx, y + h / 2 + cap / 2), text, size, ink, 700)
    return box


def _wrap(layer: Layer, text: str, size: float, weight: int, max_w: float, lines: int) -> list[str]:
    words = text.split()
    out: list[str] = []
    cur = ""
    for word in words:
        trial = f"{cur} {word}".strip()
        if layer.measure(trial, size, weight)[0] <= max_w or not cur:
            cur = trial
        else:
            out.append(cur)
            cur = word
    if cur:
        out.append(cur)
    if len(out) > lines:
        out = out[:lines]
        while out[-1] and layer.measure(out[-1] + "…", size, weight)[0] > max_w:
            out[-1] = out[-1][:-1]
        out[-1] = out[-1].rstrip() + "…"
    return out


def _fit_lines(layer: Layer, text: str, size: float, max_w: float, weight: int, lines: int, min_size: float) -> float:
    """The largest size <= ``size`` at which ``text`` wraps into ``lines`` lines with no word cut."""
    while size > min_size:
        wrapped = _wrap(layer, text, size, weight, max_w, lines + 1)
        if len(wrapped) <= lines and all(layer.measure(w, size, weight)[0] <= max_w for w in wrapped):
            return size
        size *= 0.94
    return min_size


def _check(layer: Layer, xy, d: float, fill) -> None:
    x, y = xy
    layer.ellipse((x, y, x + d, y + d), fill)
    ink = readable_ink(fill)
    layer.line([(x + 0.27 * d, y + 0.52 * d), (x + 0.44 * d, y + 0.68 * d), (x + 0.74 * d, y + 0.34 * d)], ink,
               max(1.5, 0.11 * d))


# --------------------------------------------------------------------------- panels

def _panel(layer: Layer, box, kit: BrandKit, radius: float) -> tuple[int, int, int]:
    paper = kit.rgb("paper")
    layer.rounded(box, radius, paper)
    return paper


def _logo_or_name(layer: Layer, kit: BrandKit, xy, size: float, on) -> float:
    """The kit's logo (or its name) at ``xy``; returns the height used."""
    logo = kit.logo()
    if logo is not None:
        k = size * 1.9 / logo.height
        lg = logo.resize((max(1, int(logo.width * k)), max(1, int(logo.height * k))), Image.LANCZOS)
        layer.paste(lg, xy)
        return lg.height
    if kit.name:
        ink = shade_to_contrast(kit.rgb("primary"), on) if contrast(kit.rgb("primary"), on) < 4.5 else kit.rgb("primary")
        _, cap, _ = layer.measure(kit.name.upper(), size, 800)
        layer.text((xy[0], xy[1] + cap), kit.name.upper(), size, ink, 800)
        return cap
    return 0.0


def _info_content(layer: Layer, prep: Prepared, info: ProductInfo, kit: BrandKit, x: float, y: float,
                  inner: float, kind: str, u: float, paper, lang: str | None) -> float:
    """The info card's text from (x, y) down; returns where it ends."""
    ink = readable_ink(paper, kit.rgb("ink"))
    accent = shade_to_contrast(kit.rgb("primary"), paper) if contrast(kit.rgb("primary"), paper) < 4.5 else kit.rgb("primary")
    used = _logo_or_name(layer, kit, (x, y), 3.2 * u, paper)
    y += used + (3 * u if used else 0)
    title = info.title  # never a file name: no title typed, no title shown
    if title:
        tsize = _fit_lines(layer, title, 6.2 * u, inner, 800, 2, 4.2 * u)
        for line in _wrap(layer, title, tsize, 800, inner, 2):
            _, cap, _ = layer.measure(line, tsize, 800)
            layer.text((x, y + cap), line, tsize, ink, 800)
            y += tsize * 1.18
        y += 1.6 * u
    layer.rounded((x, y, x + 10 * u, y + 0.7 * u), 0.35 * u, accent)
    y += 4.2 * u
    psize = 3.7 * u if kind == "square" else 3.6 * u
    columns = 2 if kind != "square" and len(info.points) > 2 else 1
    col_w = inner / columns - (2 * u if columns > 1 else 0)
    row_y, row_end = y, y
    for i, point in enumerate(info.points[:4]):
        px = x + (i % columns) * (inner / columns)
        if i % columns == 0:
            row_y = row_end
        lines = _wrap(layer, point, psize, 600, col_w - 6.5 * u, 2)
        _check(layer, (px, row_y - 0.2 * u), 4.6 * u, accent)
        yy = row_y
        for line in lines:
            _, cap, _ = layer.measure(line, psize, 600)
            layer.text((px + 6.5 * u, yy + (4.6 * u + cap) / 2 - 0.2 * u), line, psize, ink, 600)
            yy += psize * 1.25
        row_end = max(row_end, max(yy, row_y + 4.6 * u) + 2.4 * u)
    y = row_end
    if info.points:
        y += 1.5 * u
    if info.net:
        text = t("promo_net", lang, amount=info.net)
        s = layer.fit(text, 3.8 * u, inner, 800, 2.6 * u)
        _, cap, _ = layer.measure(text, s, 800)
        layer.text((x, y + cap), text, s, ink, 800)
        y += cap + 2.2 * u
    if info.registration:
        text = registration_text(info.registration)
        s = layer.fit(text, 3.0 * u, inner, 600, 2.6 * u)
        _, cap, _ = layer.measure(text, s, 600)
        layer.text((x, y + cap), text, s, ink, 600)
        y += cap + 2.2 * u
    return y - 2.2 * u


def info_card(prep: Prepared, info: ProductInfo, kit: BrandKit, size: tuple[int, int], lang: str | None,
              height=product_height) -> Card:
    """Up to four short points, the net weight and the registration number, beside the product.
    The panel is as tall as its text (measured in a first, dry pass)."""
    W, H = size
    u = _u(size)
    kind = layout(size)
    pad = 5 * u if kind == "square" else 5.5 * u
    if kind == "square":
        px0, px1 = 0.47 * W, W - 5 * u
    else:
        px0, px1 = 6 * u, W - 6 * u
    inner = px1 - px0 - 2 * pad
    paper = kit.rgb("paper")
    dry = Layer(size, kit.font, dry=True)
    content = _info_content(dry, prep, info, kit, 0, 0, inner, kind, u, paper, lang)
    panel_h = content + 2 * pad
    if kind == "square":
        panel_h = max(panel_h, 0.42 * H)
        panel = (px0, H / 2 - panel_h / 2, px1, H / 2 + panel_h / 2)
        room = (0.38 * W, 0.6 * H)
        cx, base = 0.245 * W, 0.8
    else:
        bottom = (0.95 if kind == "portrait" else 0.85) * H
        panel = (px0, bottom - panel_h, px1, bottom)
        base = panel[1] / H - 0.04
        top = (0.14 if kind == "story" else 0.06) * H
        room = (0.7 * W, max(0.2 * H, panel[1] - 0.04 * H - top))
        cx = W / 2
    scene = render_backdrop(kit.backdrop, size, base)
    placed = compose(scene, resized(prep, height(prep, room)), cx, base * H)
    layer = Layer(size, kit.font)
    layer.rounded(panel, 3 * u, paper)
    _info_content(layer, prep, info, kit, panel[0] + pad, panel[1] + pad, inner, kind, u, paper, lang)
    return Card(layer.flatten(Image.fromarray(placed.image)), layer.texts, placed)


def registration_text(number: str) -> str:
    """A bare number reads as a P-IRT number; anything else (``BPOM RI MD ...``) as typed."""
    number = number.strip()
    return f"P-IRT {number}" if number[:1].isdigit() else number


# --------------------------------------------------------------------------- promo

def promo_card(prep: Prepared, info: ProductInfo, kit: BrandKit, size: tuple[int, int], lang: str | None,
               height=product_height) -> Card:
    """Price in Rupiah (the old one struck through), discount, badges and a call to action."""
    W, H = size
    u = _u(size)
    kind = layout(size)
    layer = Layer(size, kit.font)
    pct = discount_percent(info.price or 0, info.old_price)
    if kind == "square":
        cx, base, room = 0.31 * W, 0.86, (0.48 * W, 0.64 * H)
        panel_h = 8 * u + (4.4 * u * 1.2 * 2 + 2.5 * u if info.title else 0) + (7 * u if pct else 0) \
            + 10 * u + 4 * u + 9.5 * u
        panel = (0.57 * W, 0.56 * H - panel_h / 2, W - 5 * u, 0.56 * H + panel_h / 2)
    else:  # the panel as tall as its content, above the bottom edge (a story's: above the app's bar)
        side, bottom = (6 * u, 0.95 * H) if kind == "portrait" else (7 * u, 0.85 * H)
        panel_h = 5 * u + (5.6 * u if pct else 0) + 8.4 * u + 4 * u + 9.5 * u + 5 * u
        panel = (side, bottom - panel_h, W - side, bottom)
        base = panel[1] / H - 0.035
        top = 0.14 * H if kind == "portrait" else 0.24 * H
        cx, room = 0.5 * W, (0.72 * W, base * H - top)
    scene = render_backdrop(kit.backdrop, size, base)
    placed = compose(scene, resized(prep, height(prep, room)), cx, base * H)
    img = Image.fromarray(placed.image)
    primary, accent = kit.rgb("primary"), kit.rgb("accent")
    # the shop's name or logo, top-left, on a small paper tab
    top = 0.12 * H if kind == "story" else 5 * u
    if kit.logo_png or kit.name:
        tab_h = 7 * u
        name_w = layer.measure(kit.name.upper(), 3.2 * u, 800)[0] if not kit.logo_png else \
            kit.logo().width * (3.2 * u * 1.9 / kit.logo().height)
        layer.rounded((5 * u, top, 5 * u + name_w + 5 * u, top + tab_h), tab_h / 2, kit.rgb("paper"))
        _logo_or_name(layer, kit, (7.5 * u, top + (tab_h - (3.2 * u * 1.9 if kit.logo_png else 3.2 * u * 0.72)) / 2),
                      3.2 * u, kit.rgb("paper"))
        top += tab_h + 2.5 * u
    # badges: a row under the name
    bx = 5 * u
    for name in info.badges[:3]:
        label = t(f"promo_badge_{name.replace('-', '_')}", lang)
        fill = accent if name == "diskon" else primary
        box = _pill(layer, (bx, top + 3.2 * u), label, 3.1 * u, fill, style=kit.badge_style)
        bx = box[2] + 1.8 * u
    paper = _panel(layer, panel, kit, 3.5 * u)
    ink = readable_ink(paper, kit.rgb("ink"))
    price_ink = shade_to_contrast(primary, paper) if contrast(primary, paper) < 4.5 else primary
    pad = 4 * u if kind == "square" else 5 * u
    x, y = panel[0] + pad, panel[1] + pad
    inner = panel[2] - panel[0] - 2 * pad
    if kind == "square" and info.title:
        title = info.title
        tsize = _fit_lines(layer, title, 4.4 * u, inner, 700, 2, 3.2 * u)
        for line in _wrap(layer, title, tsize, 700, inner, 2):
            _, cap, _ = layer.measure(line, tsize, 700)
            layer.text((x, y + cap), line, tsize, ink, 700)
            y += tsize * 1.2
        y += 2.5 * u
    if info.old_price and pct:
        s = 4.2 * u
        _, cap, _ = layer.measure(format_rupiah(info.old_price), s, 500)
        muted = shade_to_contrast((120, 112, 104), paper)
        layer.text((x, y + cap), format_rupiah(info.old_price), s, muted, 500, strike=True)
        y += cap + 2.4 * u
    price = format_rupiah(info.price or 0)
    ps = layer.fit(price, 11 * u, inner, 800, 4.5 * u)
    _, cap, _ = layer.measure(price, ps, 800)
    layer.text((x, y + cap), price, ps, price_ink, 800)
    y += cap + 4 * u
    cta = info.cta or kit.cta or t("promo_cta_default", lang)
    cs = 4.0 * u
    bh = 9.5 * u
    by = min(panel[3] - pad - bh, y) if kind == "square" else panel[3] - pad - bh
    if kind != "square":
        by = max(by, y)
    layer.rounded((x, by, panel[2] - pad, by + bh), bh / 2, primary)
    cs = layer.fit(cta, cs, inner - 6 * u, 700, 3.2 * u)
    _, cap, _ = layer.measure(cta, cs, 700)
    layer.text(((x + panel[2] - pad) / 2, by + bh / 2 + cap / 2), cta, cs, readable_ink(primary), 700, anchor="ms")
    if pct:
        d = 19 * u if kind == "square" else 17 * u
        sx, sy = (W - 5 * u - d, 5 * u)
        if kind != "square":
            sx, sy = panel[2] - d * 0.85, panel[1] - d * 0.7
        _seal(layer, (sx, sy), d, accent, t("promo_off", lang, pct=pct), kit.badge_style)
    return Card(layer.flatten(img), layer.texts, placed)


def _seal(layer: Layer, xy, d: float, fill, text: str, style: str) -> None:
    x, y = xy
    if style == "round" or style == "pill":
        n = 28
        cx, cy, r = x + d / 2, y + d / 2, d / 2
        ang = np.linspace(0, 2 * np.pi, 2 * n, endpoint=False)
        rad = np.where(np.arange(2 * n) % 2 == 0, r, r * 0.9)
        layer.polygon(list(zip(cx + rad * np.cos(ang), cy + rad * np.sin(ang))), fill)
    else:
        layer.rounded((x, y, x + d, y + d), d * 0.18, fill)
    ink = readable_ink(fill)
    size = layer.fit(text, d * 0.3, d * 0.78, 800, d * 0.16)
    _, cap, _ = layer.measure(text, size, 800)
    layer.text((x + d / 2, y + d / 2 + cap / 2), text, size, ink, 800, anchor="ms")


# --------------------------------------------------------------------------- packaging label

def brand_label(kit: BrandKit, title: str, net: str = "", lang: str | None = None,
                size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """A clean label for the packaging slot in the kit's colours and font: the shop's logo or
    name, the product's name, its net contents (RGBA)."""
    W, H = size
    u = min(size) / 100
    layer = Layer(size, kit.font)
    fill = kit.rgb("primary")
    ink = readable_ink(fill)
    layer.rounded((0, 0, W, H), 5 * u, fill)
    layer.rounded((3.5 * u, 3.5 * u, W - 3.5 * u, H - 3.5 * u), 3.5 * u, None, outline=ink + (150,),
                  width=0.5 * u)
    y = 16 * u
    logo = kit.logo()
    if logo is not None:
        k = 22 * u / logo.height
        lg = logo.resize((max(1, int(logo.width * k)), max(1, int(logo.height * k))), Image.LANCZOS)
        layer.paste(lg, ((W - lg.width) / 2, y))
        y += lg.height + 6 * u
    elif kit.name:
        s = layer.fit(kit.name.upper(), 7 * u, 0.8 * W, 800, 4 * u)
        _, cap, _ = layer.measure(kit.name.upper(), s, 800)
        layer.text((W / 2, y + cap), kit.name.upper(), s, ink, 800, anchor="ms")
        y += cap + 8 * u
    tsize = _fit_lines(layer, title, 14 * u, 0.84 * W, 800, 2, 7 * u)
    for line in _wrap(layer, title, tsize, 800, 0.84 * W, 2):
        _, cap, _ = layer.measure(line, tsize, 800)
        layer.text((W / 2, y + cap), line, tsize, ink, 800, anchor="ms")
        y += tsize * 1.15
    if net:
        text = t("promo_net", lang, amount=net)
        _, cap, _ = layer.measure(text, 6 * u, 600)
        layer.text((W / 2, H - 12 * u), text, 6 * u, ink, 600, anchor="ms")
    base = Image.new("RGBA", size, (0, 0, 0, 0))
    small = layer.image.resize(size, Image.LANCZOS)
    base.alpha_composite(small)
    return base
