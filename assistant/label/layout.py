"""The label's layout engine: a panel's content as atoms flowed into columns, fitted, as drawing ops.

Units are millimetres, origin at the trim's top-left, y down; font sizes are points. A panel's
header (brand, product type, net quantity) is fitted to its area; the body (ingredients,
statements, storage, nutrition, producer, permit, dates, QR) is cut into atoms (one line of
text, a table, a row of stamp boxes) and flowed into the design's columns. The body size is the
largest (within the design's range) at which every flow fits; its smallest allowed size comes
from the text-size rule, so a label that cannot hold its text at a legible size is refused with
``label_too_full``, never shrunk past it or left to overflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from assistant.errors import AssistantError
from assistant.label import fonts
from assistant.label.draw import (PT, Atom, Circle, Line, Picture, Poly, QR, Rect, Run, Style, Text, _cannot_fit, _space, _wrap, paragraph, text_width, words)  # noqa: F401 (the engine's vocabulary)
from assistant.label.info import LabelInfo
from assistant.label.rules import allergen_statement, allergens, format_permit, min_font_size, statements, wording

class _Words:
    """The label's own Indonesian wording (presets/labels/rules.toml [wording])."""

    def __getitem__(self, key: str) -> str:
        return wording()[key]


WORD = _Words()
SAFE = 3.0      # text stays this far inside the trim (mm)
BLEED = 3.0


# --------------------------------------------------------------------------- content

@dataclass
class Content:
    """What a panel says, prepared once from the information."""

    info: LabelInfo
    permit: str
    allergen_words: list[str] = field(default_factory=list)
    allergen_text: str = ""
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, info: LabelInfo) -> "Content":
        found = allergens(info)
        return cls(info=info, permit=format_permit(info.izin_jenis, info.izin_nomor),
                   allergen_words=sorted({w for ws in found.values() for w in ws}, key=len, reverse=True),
                   allergen_text=allergen_statement(info), warnings=statements(info))


def _ingredient_runs(c: Content, style: Style, bold: str, body: str) -> list[Run]:
    runs: list[Run] = [(WORD["composition"], bold)]
    items = ", ".join(c.info.bahan) + "."
    pattern = None
    if c.allergen_words:
        pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in c.allergen_words) + r")\b", re.I)
    for w in items.split():
        f = bold if pattern and pattern.search(w) else body
        runs.append((w, f))
    return runs


_STAMPS = ("production_code", "production_date", "expiry")


def _stamp_row(label: str, value: str, size: float, style: Style, ink: str, width: float) -> Atom:
    """'Kode produksi: 240612' or 'Kode produksi: [      ]' (a box to stamp by hand); the boxes of
    consecutive rows line up; a box goes under the words when the column is too narrow for both."""
    h = max(size * 1.9 * PT, 4.2)
    lw = max(text_width(WORD[x], style.bold, size) for x in _STAMPS)
    if lw + 17.2 > width:  # the longest label does not leave room for a box: align on this one only
        lw = text_width(label, style.bold, size)
    if lw > width or (value and lw + 1.2 + text_width(value, style.body, size) > width):
        return _cannot_fit(size)
    below = not value and width - lw - 1.2 < 16.0
    total = h * 2 if below else h

    def draw(x, y, w):
        base = y + h / 2 + size * PT * 0.33
        ops: list = [Text(x, base, label, style.bold, size, ink)]
        if value:
            ops.append(Text(x + lw + 1.2, base, value, style.body, size, ink))
        elif below:
            ops.append(Rect(x, y + h + 0.3, min(w, 30.0), h - 0.8, fill="#FFFFFF", stroke=ink, lw=0.3, r=0.6))
        else:
            bx = x + lw + 1.2
            # white inside: stamp ink and a pen show on any design, dark ones too
            ops.append(Rect(bx, y + 0.5, min(w - lw - 1.2, max(18.0, w * 0.45)), h - 1.0, fill="#FFFFFF",
                            stroke=ink, lw=0.3, r=0.6))
        return ops
    return Atom(total + 0.6, draw, min_size=size)


def _nutrition(c: Content, size: float, style: Style, ink: str, width: float) -> list[Atom]:
    g = c.info.gizi
    if not g:
        return []
    rows = [(WORD["energy"], g.get("energi_kkal"), "kkal"), (WORD["fat"], g.get("lemak_g"), "g"),
            (WORD["protein"], g.get("protein_g"), "g"), (WORD["carbohydrate"], g.get("karbohidrat_g"), "g"),
            (WORD["sugar"], g.get("gula_g"), "g"), (WORD["salt"], g.get("garam_mg"), "mg")]
    rows = [(a, b, u) for a, b, u in rows if b not in (None, "")]
    if any(text_width(f"{a}  {b} {u}", style.body, size) + 2 > width for a, b, u in rows):
        return [_cannot_fit(size)]
    lh = size * 1.22 * PT
    head = [f"{WORD['serving_size']} {g.get('takaran_saji', '')}".strip()]
    if g.get("sajian_per_kemasan"):
        per = f"{g['sajian_per_kemasan']} {WORD['servings']}"
        if text_width(head[0] + " \u00b7 " + per, style.body, size) + 2 <= width:
            head = [head[0] + " \u00b7 " + per]
        else:
            head.append(per)
    n_lines = 1 + len(head) + len(rows)
    h = n_lines * lh + 1.4

    def draw(x, y, w):
        ops: list = [Rect(x, y, w, h, stroke=ink, lw=0.3)]
        yy = y + 0.5
        ops.append(Text(x + 1.0, yy + lh * 0.8, WORD["nutrition_title"], style.bold, size, ink))
        yy += lh
        for line in head:
            ops.append(Text(x + 1.0, yy + lh * 0.8, line, style.body, size, ink))
            yy += lh
        yy += 0.2
        ops.append(Line(x + 0.6, yy, x + w - 0.6, yy, ink, 0.4))
        yy += 0.2
        for name, value, unit in rows:
            ops.append(Text(x + 1.0, yy + lh * 0.8, name, style.body, size, ink))
            ops.append(Text(x + w - 1.0, yy + lh * 0.8, f"{value:g} {unit}" if isinstance(value, (int, float))
                            else f"{value} {unit}", style.body, size, ink, anchor="r"))
            yy += lh
        return ops
    fits = (max(text_width(x, style.body, size) for x in head) + 2 <= width
            and text_width(WORD["carbohydrate"] + " 000 kkal", style.body, size) + 2 <= width)
    if not fits:  # a column too narrow for the table: the flow fails, never a silent drop
        return [_cannot_fit(size)]
    return [Atom(h, draw, min_size=size), _space(1.0)]


def _qr_row(c: Content, size: float, style: Style, ink: str, width: float) -> list[Atom]:
    """The QR code to the vendor's own link or WhatsApp, with the handles beside it (or under it
    when the column is too narrow)."""
    data = c.info.qr_data()
    lines = ([WORD["scan"]] if data else []) + ([f"WA {c.info.whatsapp}"] if c.info.whatsapp else []) \
        + ([f"IG {c.info.instagram}"] if c.info.instagram else [])
    if not lines:
        return []
    qs = 12.0 if data else 0.0
    lh = size * 1.3 * PT
    fonts_ = [style.body if (data and i == 0) else style.bold for i in range(len(lines))]
    longest = max(text_width(t_, f, size) for t_, f in zip(lines, fonts_))
    if longest > width or qs > width:
        return [_cannot_fit(size)]
    beside = not data or longest <= width - qs - 1.5
    h = max(qs, len(lines) * lh) if beside else qs + 0.8 + len(lines) * lh

    def draw(x, y, w):
        ops: list = [QR(x, y, qs, data, ink)] if data else []
        if beside:
            tx, ty = x + (qs + 1.5 if data else 0), y + (h - len(lines) * lh) / 2
        else:
            tx, ty = x, y + qs + 0.8
        for line, f in zip(lines, fonts_):
            ops.append(Text(tx, ty + lh * 0.78, line, f, size, ink))
            ty += lh
        return ops
    return [Atom(h + 0.4, draw, min_size=size)]


def _halal_row(c: Content, size: float, style: Style, ink: str, width: float) -> list[Atom]:
    info = c.info
    if not info.halal_nomor:
        return []
    logo = info.halal_logo if info.halal_logo is not None and info.halal_logo.is_file() else None
    lh = size * 1.25 * PT
    h = max(9.0 if logo else 0, 2 * lh)
    logo_w = 0.0
    if logo is not None:
        from PIL import Image
        with Image.open(logo) as im:
            logo_w = 9.0 * im.width / im.height + 1.5
    if logo_w + text_width(info.halal_nomor, style.body, size) > width:
        return [_cannot_fit(size)]

    def draw(x, y, w):
        ops: list = []
        tx = x
        if logo is not None:
            ops.append(Picture(x, y, logo_w - 1.5, 9.0, str(logo)))
            tx = x + logo_w
        ops.append(Text(tx, y + h / 2 - 0.2, WORD["halal"], style.bold, size, ink))
        ops.append(Text(tx, y + h / 2 + lh - 0.2, info.halal_nomor, style.body, size, ink))
        return ops
    return [Atom(h + 0.6, draw, min_size=size)]


def back_atoms(c: Content, style: Style, size: float, width: float, ink: str, with_legal: bool) -> list[Atom]:
    """Ingredients, statements, storage, nutrition, dates, QR (and producer/permit when ``with_legal``)."""
    info, b, bd = c.info, style.body, style.bold
    out: list[Atom] = []
    if info.bahan:
        out += paragraph(_ingredient_runs(c, style, bd, b), size, ink, width)
    if c.allergen_text:
        out += paragraph(words(c.allergen_text, bd), size, ink, width)
    for key, text in c.warnings:
        out += paragraph(words(text, bd), size, "#B00000" if key == "mengandung_babi" else ink, width)
    if info.penyimpanan:
        out += paragraph([(WORD["storage"], bd)] + words(info.penyimpanan, b), size, ink, width)
    if info.penyajian:
        out += paragraph([(WORD["serving"], bd)] + words(info.penyajian, b), size, ink, width)
    out += _nutrition(c, size, style, ink, width)
    if with_legal:
        out += legal_atoms(c, style, size, width, ink, dates=True)
    else:
        out.append(_stamp_row(WORD["production_code"], info.kode_produksi, size, style, ink, width))
        if info.tanggal_produksi:
            out.append(_stamp_row(WORD["production_date"], info.tanggal_produksi, size, style, ink, width))
        out.append(_space(0.8))
    out += _qr_row(c, size, style, ink, width)
    return out


def legal_atoms(c: Content, style: Style, size: float, width: float, ink: str, dates: bool) -> list[Atom]:
    """Producer, permit, halal and the expiry (and with ``dates`` the production code)."""
    info, b, bd = c.info, style.body, style.bold
    out: list[Atom] = []
    if info.produsen_nama or info.produsen_alamat:
        who = ", ".join(x for x in (info.produsen_nama, info.produsen_alamat) if x)
        out += paragraph([(WORD["producer"], bd)] + words(who, b), size, ink, width)
    if c.permit:
        out += paragraph(words(c.permit, bd), size, ink, width)
    out += _halal_row(c, size, style, ink, width)
    if dates:
        out.append(_stamp_row(WORD["production_code"], info.kode_produksi, size, style, ink, width))
        if info.tanggal_produksi:
            out.append(_stamp_row(WORD["production_date"], info.tanggal_produksi, size, style, ink, width))
    out.append(_stamp_row(WORD["expiry"], info.kedaluwarsa, size, style, ink, width))
    out.append(_space(0.8))
    return out


# --------------------------------------------------------------------------- flowing

@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float


def _place(atoms: list[Atom], boxes: list[Box]) -> tuple[list, list[float]] | None:
    ops: list = []
    used: list[float] = []
    i = 0
    for box in boxes:
        y = box.y
        while i < len(atoms) and atoms[i].space and y == box.y:
            i += 1  # no space at a column's top
        while i < len(atoms):
            a = atoms[i]
            if y + a.height > box.y + box.h + 1e-6:
                break
            ops += a.draw(box.x, y, box.w)
            y += a.height
            i += 1
        used.append(y - box.y)
    while i < len(atoms) and atoms[i].space:
        i += 1
    return (ops, used) if i >= len(atoms) else None


def flow(atoms: list[Atom], boxes: list[Box], balance: bool = True) -> tuple[list, list[float]] | None:
    """Place atoms top to bottom, column after column; None when they do not all fit. With several
    columns, ``balance`` finds the shortest column height that still holds everything, so the
    columns end level instead of one full and one nearly empty. Returns (ops, height used per box)."""
    got = _place(atoms, boxes)
    if got is None or len(boxes) < 2 or not balance:
        return got
    lo, hi = max((a.height for a in atoms), default=0.0), boxes[0].h
    best = got
    for _ in range(12):
        mid = (lo + hi) / 2
        trial = _place(atoms, [Box(b.x, b.y, b.w, mid) for b in boxes])
        if trial is None:
            lo = mid
        else:
            hi, best = mid, trial
    return best


# --------------------------------------------------------------------------- header

def fit_line(text: str, font: str, width: float, max_pt: float, min_pt: float, tracking: float = 0.0) -> float | None:
    """The largest size (points) in [min_pt, max_pt] at which ``text`` fits ``width`` mm."""
    w = text_width(text, font, 100, tracking * 100)
    if w <= 0:
        return max_pt
    size = min(max_pt, width / w * 100)
    return size if size >= min_pt else None


def _balanced(brand: str, font: str, n: int, size: float, tracking: float) -> list[str]:
    """``brand`` in ``n`` lines with the longest line as short as possible (no lone last word)."""
    words_ = brand.split()
    if n <= 1 or len(words_) < n:
        return [brand]
    best: tuple[float, list[str]] | None = None
    cuts = [(i,) for i in range(1, len(words_))] if n == 2 else \
        [(i, j) for i in range(1, len(words_) - 1) for j in range(i + 1, len(words_))]
    for cut in cuts:
        edges = (0, *cut, len(words_))
        lines = [" ".join(words_[edges[k]:edges[k + 1]]) for k in range(n)]
        widest = max(text_width(x, font, size, tracking * size) for x in lines)
        if best is None or widest < best[0]:
            best = (widest, lines)
    return best[1] if best else [brand]


def _fit_brand(brand: str, font: str, box: Box, max_pt: float, min_pt: float, tracking: float
               ) -> tuple[float, list[str]]:
    """The brand's size and lines: one line when it can be at least 60 % of the size two lines
    would allow, else two or three balanced lines (at most ~62 % of the header's height), every
    line within the width; ``label_too_full`` when even ``min_pt`` does not fit."""
    asc = fonts.metrics(font)[0]
    options: list[tuple[float, list[str]]] = []
    for n in (1, 2, 3):
        if n > 1 and len(brand.split()) < n:
            break
        lines = _balanced(brand, font, n, 10.0, tracking)
        w10 = max(text_width(x, font, 10.0, tracking * 10.0) for x in lines)
        size = min(max_pt, box.w / w10 * 10.0 if w10 > 0 else max_pt,
                   box.h * 0.62 / (n * PT * (asc + 0.12)))
        if size >= min_pt:
            options.append((size, lines))
    if not options:
        raise AssistantError("label_too_full", width=round(box.w), height=round(box.h), size=f"{min_pt:.1f}")
    best = max(options, key=lambda o: o[0])
    one = next((o for o in options if len(o[1]) == 1), None)
    if one is not None and one[0] >= 0.6 * best[0]:
        return one
    return best


def header_ops(c: Content, style: Style, box: Box, min_pt: float, net: bool = True) -> tuple[list, float]:
    """Brand, product type and net quantity centred (or left) in ``box``; returns ops and height used."""
    info = c.info
    brand = info.merek.upper() if style.brand_upper else info.merek
    kind = c.info.nama_produk
    ink, acc = style.head_ink, style.accent
    ops: list = []
    logo = info.logo if info.logo is not None and info.logo.is_file() else None
    if logo is not None and box.h > 24:  # the brand kit's logo above the name
        from PIL import Image

        with Image.open(logo) as im:
            ar = im.width / max(1, im.height)
        lh = min(box.h * 0.3, 16.0, box.w * 0.5 / ar)
        lw = lh * ar
        lx = {"c": box.x + (box.w - lw) / 2, "l": box.x, "r": box.x + box.w - lw}[style.head_align]
        ops.append(Picture(lx, box.y, lw, lh, str(logo)))
        box = Box(box.x, box.y + lh + 1.5, box.w, box.h - lh - 1.5)
    # sizes: the brand takes up to ~42 % of the box height, the type ~16 %, the net ~11 %; when the
    # three do not fit the box's height together, the brand's ceiling comes down until they do
    tr = style.brand_tracking
    asc_b = fonts.metrics(style.brand_font)[0]
    gap = 1.2
    ceiling = box.h * 0.42 / PT
    while True:
        size_b, lines_b = _fit_brand(brand, style.brand_font, box, ceiling, min_pt * 1.3, tr)
        size_t = fit_line(kind, style.type_font, box.w, max(min_pt * 1.2, min(size_b * 0.42, box.h * 0.16 / PT)),
                          min_pt) if kind else 0
        kind_lines = [kind] if kind else []
        if kind and size_t is None:
            size_t = min_pt * 1.1
            kind_lines = [" ".join(r[0] for r in ln) for ln in _wrap(words(kind, style.type_font), box.w, size_t)]
        size_n = max(min_pt * 1.15, min(size_b * 0.3, box.h * 0.11 / PT)) if net and info.berat_text else 0
        if size_n and text_width(info.berat_text, style.bold, size_n) > box.w:
            size_n = max(min_pt, box.w / text_width(info.berat_text, style.bold, 1.0) * 0.98)
        hb = len(lines_b) * size_b * PT * (asc_b + 0.12)
        ht = len(kind_lines) * size_t * PT * 1.15
        hn = size_n * PT * 1.2 if size_n else 0
        total = hb + (gap + ht if kind_lines else 0) + (gap * 1.5 + hn if hn else 0)
        if total <= box.h + 1e-6:
            break
        if size_b <= min_pt * 1.3 * 1.0001 or ceiling < min_pt:
            raise AssistantError("label_too_full", width=round(box.w), height=round(box.h), size=f"{min_pt:.1f}")
        ceiling = size_b * 0.9
    if size_n and text_width(info.berat_text, style.bold, size_n) > box.w:
        raise AssistantError("label_too_full", width=round(box.w), height=round(box.h), size=f"{min_pt:.1f}")
    y = box.y + max(0.0, (box.h - total) / 2)
    ax = {"c": box.x + box.w / 2, "l": box.x, "r": box.x + box.w}[style.head_align]
    for ln in lines_b:
        y += size_b * PT * asc_b
        ops.append(Text(ax, y, ln, style.brand_font, size_b, ink, anchor=style.head_align,
                        tracking=tr * size_b))
        y += size_b * PT * 0.12
    if kind_lines:
        y += gap
        for ln in kind_lines:
            y += size_t * PT * 0.95
            ops.append(Text(ax, y, ln, style.type_font, size_t, style.head_ink if not style.card else ink,
                            anchor=style.head_align))
            y += size_t * PT * 0.2
    if hn:
        y += gap * 1.5 + size_n * PT * 0.95
        ops.append(Text(ax, y, info.berat_text, style.bold, size_n, acc if style.rule_colour else ink,
                        anchor=style.head_align))
    return ops, total


# --------------------------------------------------------------------------- panels

@dataclass
class Panel:
    """One printed face: its size, its ops, and the body text size chosen."""

    width: float
    height: float
    ops: list
    body_size: float
    min_size: float
    role: str


def _columns(box: Box, n: int, gap: float = 3.0) -> list[Box]:
    w = (box.w - gap * (n - 1)) / n
    return [Box(box.x + i * (w + gap), box.y, w, box.h) for i in range(n)]


def _grow(b: Box, m: float) -> Box:
    return Box(b.x - m, b.y - m, b.w + 2 * m, b.h + 2 * m)


def layout_panel(c: Content, style: Style, size: tuple[float, float], role: str, face_mm: tuple[float, float]
                 ) -> Panel:
    """Lay out one face. ``role``: full (everything), front, back, band (wrap-around, 3 parts)."""
    W, H = size
    min_pt = max(min_font_size(fonts.x_height(style.body), face_mm),
                 min_font_size(fonts.x_height(style.bold), face_mm))
    deco = style.decor(W, H, role, style) if style.decor else []
    ti, ri, bi, li = style.decor_inset(W, H, role, style) if style.decor_inset else (0, 0, 0, 0)
    inner = Box(style.inset + li, style.inset + ti, W - 2 * style.inset - li - ri, H - 2 * style.inset - ti - bi)
    if inner.w < 12 or inner.h < 10:
        raise AssistantError("label_too_small", width=round(W), height=round(H))
    body_ink = style.card_ink or style.ink

    last_error: AssistantError | None = None
    # a header that leaves too little room gives up some of its height before the label is refused
    for k in (1.0, 0.8, 0.64):
        try:
            got = _attempt(c, style, role, W, H, inner, min_pt, body_ink, k)
        except AssistantError as exc:
            if exc.code != "label_too_full":
                raise
            last_error = exc
            continue
        if got is not None:
            under, hops, best, chosen = got
            return Panel(W, H, deco + under + hops + best, chosen, min_pt, role)
    if last_error is not None and role == "back":
        raise last_error
    raise AssistantError("label_too_full", width=round(W), height=round(H), size=f"{min_pt:.1f}")


def _attempt(c: Content, style: Style, role: str, W: float, H: float, inner: Box, min_pt: float, body_ink: str,
             k: float):
    """One try at a panel with the header's share scaled by ``k``: (under, header ops, body ops,
    body size), or None when the body does not fit at the smallest legible size."""
    # geometry: the header's box and the body's flows (atoms maker, boxes)
    flows: list[tuple[Callable[[float, float], list[Atom]], list[Box]]] = []
    net = True
    if role == "band":
        cols = _columns(inner, 3, 6.0)
        hb = Box(cols[1].x, cols[1].y, cols[1].w, cols[1].h * 0.52 * k)
        legal_box = Box(cols[1].x, hb.y + hb.h + 1.5, cols[1].w, cols[1].h - hb.h - 1.5)
        flows.append((lambda s, w: legal_atoms(c, style, s, w, body_ink, dates=False), [legal_box]))
        flows.append((lambda s, w: back_atoms(c, style, s, w, body_ink, with_legal=False), [cols[0], cols[2]]))
        fill_box = Box(hb.x - 3.0, -BLEED, hb.w + 6.0, H + 2 * BLEED)
    elif role == "back":
        hb = Box(inner.x, inner.y, inner.w, max(7.0, inner.h * 0.13))
        net = False
        body = Box(inner.x, hb.y + hb.h + 2.5, inner.w, inner.h - hb.h - 2.5)
        cols = _columns(body, 2 if body.w > 75 else 1)
        flows.append((lambda s, w: back_atoms(c, style, s, w, body_ink, with_legal=False), cols))
        fill_box = Box(-BLEED, -BLEED, W + 2 * BLEED, hb.y + hb.h + 1.2 + BLEED)
    else:
        share = (style.header_share if role == "full" else 0.52) * k
        if W / H > 1.9:  # wide: header on the left, body on the right
            hb = Box(inner.x, inner.y, inner.w * (0.42 if role == "full" else 0.5) * (0.5 + 0.5 * k), inner.h)
            body = Box(hb.x + hb.w + 4.5, inner.y, inner.w - hb.w - 4.5, inner.h)
            fill_box = Box(-BLEED, -BLEED, hb.x + hb.w + 2.2 + BLEED, H + 2 * BLEED)
        else:
            hb = Box(inner.x, inner.y, inner.w, inner.h * share)
            body = Box(inner.x, hb.y + hb.h + 2.5, inner.w, inner.h - hb.h - 2.5)
            fill_box = Box(-BLEED, -BLEED, W + 2 * BLEED, hb.y + hb.h + 1.2 + BLEED)
        n_max = max(1, min(3, int((body.w + 3.0) // 38)))
        cols = _columns(body, n_max)
        if role == "front" and n_max > 1:  # the front's few lines read best in one column when they fit
            one = [Box(body.x, body.y, body.w, body.h)]
            if flow(legal_atoms(c, style, style.body_max, body.w, body_ink, dates=False), one) is not None:
                cols = one
        if role == "full":
            flows.append((lambda s, w: back_atoms(c, style, s, w, body_ink, with_legal=True), cols))
        else:
            flows.append((lambda s, w: legal_atoms(c, style, s, w, body_ink, dates=False), cols))

    under: list = []
    if style.header_fill:
        under.append(Rect(fill_box.x, fill_box.y, fill_box.w, fill_box.h, fill=style.header_fill))
    hops, _ = header_ops(c, style, hb, min_pt, net=net)

    def plan(size_pt: float) -> list | None:
        ops: list = []
        cards: list = []
        for make, boxes in flows:
            got = flow(make(size_pt, boxes[0].w), boxes)
            if got is None:
                return None
            ops += got[0]
            if style.card:  # a card behind each column, as tall as what it holds (a tidy edge)
                tallest = max(got[1])
                for b in boxes:
                    g = _grow(Box(b.x, b.y, b.w, min(b.h, tallest + 0.6)), 1.8)
                    cards.append(Rect(g.x, g.y, g.w, g.h, fill=style.card, r=1.6))
        return cards + ops

    hi = max(min_pt, style.body_max)
    best, chosen = plan(hi), hi
    if best is None:
        best, chosen = plan(min_pt), min_pt
        if best is None:
            return None
        lo, top = min_pt, hi
        for _ in range(7):
            mid = (lo + top) / 2
            got = plan(mid)
            if got is None:
                top = mid
            else:
                lo, best, chosen = mid, got, mid
    return under, hops, best, chosen
