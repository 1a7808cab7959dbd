"""Print files: the label as a vector PDF at its exact size with 3 mm bleed and crop marks, a sheet
of labels on A4 or A3+ sticker paper with a cutting guide, and a 300 dpi PNG.

The PDF's TrimBox is the label's exact size; its BleedBox is 3 mm larger on every side; the
MediaBox adds a margin for the crop marks. Fonts are TrueType, embedded as subsets. The PNG is
the same PDF rasterised by PDFium at 300 dpi and cropped to the trim, so the two can only
differ by rasterisation (see docs/label.md for the tolerance and its test).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from assistant.errors import AssistantError
from assistant.label import fonts
from assistant.label.layout import BLEED, QR, Circle, Line, Panel, Picture, Poly, Rect, Text, text_width
from assistant.label.layouts import Label, rgb

MM = 72 / 25.4        # points per mm
MARGIN = 10.0         # mm around the trim: 3 mm bleed + room for the crop marks
MARK_OFFSET = BLEED + 1.0   # crop marks start this far from the trim
MARK_LEN = 5.0
DPI = 300
PAPERS = {"A4": (210.0, 297.0), "A3+": (329.0, 483.0)}
SHEET_MARGIN = 8.0    # printers cannot print to the paper's very edge; the crop marks sit here
CUT_SPOT = "CutContour"  # the spot colour cutting plotters follow


def _colour(c, hex_: str, stroke: bool = False) -> None:
    r, g, b = rgb(hex_)
    (c.setStrokeColorRGB if stroke else c.setFillColorRGB)(r, g, b)


def _qr_matrix(data: str):
    import segno

    return [list(row) for row in segno.make(data, error="m", micro=False).matrix]


def draw_ops(c, ops: list, H: float) -> None:
    """Draw ops (mm, y down from the trim's top-left) on a canvas whose origin is the trim's
    bottom-left corner."""
    def X(x):
        return x * MM

    def Y(y):
        return (H - y) * MM
    for op in ops:
        if isinstance(op, Rect):
            if op.fill:
                _colour(c, op.fill)
            if op.stroke:
                _colour(c, op.stroke, True)
                c.setLineWidth(max(op.lw, 0.1) * MM)
            c.setDash([d * MM for d in op.dash] if op.dash else [])
            args = (X(op.x), Y(op.y + op.h), op.w * MM, op.h * MM)
            if op.r:
                c.roundRect(*args, op.r * MM, stroke=1 if op.stroke else 0, fill=1 if op.fill else 0)
            else:
                c.rect(*args, stroke=1 if op.stroke else 0, fill=1 if op.fill else 0)
            c.setDash([])
        elif isinstance(op, Text):
            font = fonts.register(op.font)
            _colour(c, op.colour)
            w = text_width(op.text, op.font, op.size, op.tracking)
            x = op.x - (w / 2 if op.anchor == "c" else w if op.anchor == "r" else 0)
            t = c.beginText(X(x), Y(op.y))
            t.setFont(font, op.size)
            t.setCharSpace(op.tracking)  # text state persists between text objects: always set it
            t.textOut(op.text)
            c.drawText(t)
        elif isinstance(op, Line):
            _colour(c, op.colour, True)
            c.setLineWidth(op.lw * MM)
            c.setDash([d * MM for d in op.dash] if op.dash else [])
            c.line(X(op.x1), Y(op.y1), X(op.x2), Y(op.y2))
            c.setDash([])
        elif isinstance(op, Poly):
            p = c.beginPath()
            p.moveTo(X(op.points[0][0]), Y(op.points[0][1]))
            for x, y in op.points[1:]:
                p.lineTo(X(x), Y(y))
            p.close()
            if op.fill:
                _colour(c, op.fill)
            if op.stroke:
                _colour(c, op.stroke, True)
                c.setLineWidth(op.lw * MM)
            c.drawPath(p, fill=1 if op.fill else 0, stroke=1 if op.stroke else 0)
        elif isinstance(op, Circle):
            if op.fill:
                _colour(c, op.fill)
            if op.stroke:
                _colour(c, op.stroke, True)
                c.setLineWidth(op.lw * MM)
            c.circle(X(op.cx), Y(op.cy), op.r * MM, stroke=1 if op.stroke else 0, fill=1 if op.fill else 0)
        elif isinstance(op, Picture):
            try:
                c.drawImage(op.path, X(op.x), Y(op.y + op.h), op.w * MM, op.h * MM, mask="auto",
                            preserveAspectRatio=True)
            except OSError:
                raise AssistantError("label_image_unreadable", name=op.path.rsplit("/", 1)[-1]) from None
        elif isinstance(op, QR):
            m = _qr_matrix(op.data)
            n = len(m)
            quiet = 2
            cell = op.size / (n + 2 * quiet)
            c.setFillColorRGB(1, 1, 1)
            c.roundRect(X(op.x), Y(op.y + op.size), op.size * MM, op.size * MM, 0.6 * MM, stroke=0, fill=1)
            c.setFillColorRGB(0.07, 0.07, 0.07)
            for r, row in enumerate(m):
                col = 0
                while col < n:
                    if row[col]:
                        start = col
                        while col < n and row[col]:
                            col += 1
                        x0 = op.x + (quiet + start) * cell
                        y0 = op.y + (quiet + r) * cell
                        c.rect(X(x0), Y(y0 + cell), (col - start) * cell * MM + 0.01, cell * MM + 0.01,
                               stroke=0, fill=1)
                    else:
                        col += 1


def _crop_marks(c, x0: float, y0: float, W: float, H: float) -> None:
    """Crop marks (registration black, 0.25 pt) at the trim's corners, outside the bleed."""
    from reportlab.lib.colors import CMYKColor

    c.setStrokeColor(CMYKColor(1, 1, 1, 1))
    c.setLineWidth(0.25)
    for cx, sx in ((x0, -1), (x0 + W, 1)):
        for cy, sy in ((y0, -1), (y0 + H, 1)):
            c.line(cx * MM, (cy + sy * MARK_OFFSET) * MM, cx * MM, (cy + sy * (MARK_OFFSET + MARK_LEN)) * MM)
            c.line((cx + sx * MARK_OFFSET) * MM, cy * MM, (cx + sx * (MARK_OFFSET + MARK_LEN)) * MM, cy * MM)


def _new_canvas(buf, title: str):
    from reportlab.pdfgen import canvas

    # the initial font is one of ours, so no unembedded base-14 font is ever referenced
    c = canvas.Canvas(buf, pageCompression=1, invariant=1, initialFontName=fonts.register("Lato"),
                      initialFontSize=8)
    c.setTitle(title)
    c.setAuthor("Etalase")
    c.setCreator("Etalase (label)")
    return c


def _panel_page(c, panel: Panel) -> None:
    W, H = panel.width, panel.height
    c.setPageSize(((W + 2 * MARGIN) * MM, (H + 2 * MARGIN) * MM))
    c.setTrimBox((MARGIN * MM, MARGIN * MM, (MARGIN + W) * MM, (MARGIN + H) * MM))
    c.setBleedBox(((MARGIN - BLEED) * MM, (MARGIN - BLEED) * MM, (MARGIN + W + BLEED) * MM,
                   (MARGIN + H + BLEED) * MM))
    c.saveState()
    c.translate(MARGIN * MM, MARGIN * MM)
    p = c.beginPath()
    p.rect(-BLEED * MM, -BLEED * MM, (W + 2 * BLEED) * MM, (H + 2 * BLEED) * MM)
    c.clipPath(p, stroke=0, fill=0)
    draw_ops(c, panel.ops, H)
    c.restoreState()
    _crop_marks(c, MARGIN, MARGIN, W, H)
    c.showPage()


def label_pdf(label: Label) -> bytes:
    """The print file: one page per panel (rect and band: one; panels: front, back)."""
    buf = io.BytesIO()
    c = _new_canvas(buf, f"Label {label.info.merek} ({label.layout}, {label.size[0]:g} x {label.size[1]:g} mm)")
    for panel in label.panels:
        _panel_page(c, panel)
    c.save()
    return buf.getvalue()


@dataclass(frozen=True)
class SheetPlan:
    paper: str
    columns: int
    rows: int
    count: int
    rotated: bool = False  # labels turned a quarter turn when that fits more on the paper


def sheet_plan(label: Label, paper: str = "A4") -> SheetPlan:
    """How many labels fit the paper, upright or turned a quarter turn (the better one)."""
    if paper not in PAPERS:
        raise AssistantError("label_unknown_paper", name=paper, known=", ".join(PAPERS))
    pw, ph = PAPERS[paper]
    W, H = label.size
    best = None
    for rotated, (cw, ch) in ((False, (W, H)), (True, (H, W))):
        cols = int((pw - 2 * SHEET_MARGIN + 1e-6) // (cw + 2 * BLEED))
        rows = int((ph - 2 * SHEET_MARGIN - 6 + 1e-6) // (ch + 2 * BLEED))  # 6 mm for the note at the foot
        if cols >= 1 and rows >= 1 and (best is None or cols * rows > best.count):
            best = SheetPlan(paper, cols, rows, cols * rows, rotated)
    if best is None:
        raise AssistantError("label_too_big_for_paper", paper=paper, width=round(W), height=round(H))
    return best


def sheet_pdf(label: Label, paper: str = "A4", count: int | None = None) -> bytes:
    """Labels side by side on sticker paper; each keeps its bleed (cells touch at the bleed's edge),
    crop marks run along the sheet's edges and every trim is outlined in the CutContour spot colour
    (overprinted: cutting plotters cut along it, printers set up for it leave it out)."""
    from reportlab.lib.colors import CMYKColorSep

    plan = sheet_plan(label, paper)
    n = plan.count if count is None else max(1, min(int(count), plan.count))
    pw, ph = PAPERS[paper]
    W, H = label.size
    sw, sh = (H, W) if plan.rotated else (W, H)  # the label's footprint on the sheet
    cw, ch = sw + 2 * BLEED, sh + 2 * BLEED
    gx = (pw - plan.columns * cw) / 2
    gy_top = SHEET_MARGIN
    buf = io.BytesIO()
    c = _new_canvas(buf, f"Lembar label {label.info.merek} ({paper}, {n} label)")
    c.setPageSize((pw * MM, ph * MM))
    names = []
    for i, panel in enumerate(label.panels):
        name = f"label{i}"
        c.beginForm(name, -BLEED * MM, -BLEED * MM, (W + BLEED) * MM, (H + BLEED) * MM)
        draw_ops(c, panel.ops, H)
        c.endForm()
        names.append(name)
    cut = CMYKColorSep(0, 1, 0, 0, spotName=CUT_SPOT, density=1)
    trims = []
    for k in range(n):
        r, col = divmod(k, plan.columns)
        x = gx + col * cw + BLEED
        y_top = gy_top + r * ch + BLEED
        y = ph - y_top - sh
        trims.append((x, y))
        c.saveState()
        if plan.rotated:  # a quarter turn anticlockwise: the label's bottom edge runs up the sheet
            c.translate((x + sw) * MM, y * MM)
            c.rotate(90)
        else:
            c.translate(x * MM, y * MM)
        c.doForm(names[k % len(names)])
        c.restoreState()
    c.saveState()
    c.setStrokeOverprint(1)
    c.setStrokeColor(cut)
    c.setLineWidth(0.25)
    for x, y in trims:
        c.rect(x * MM, y * MM, sw * MM, sh * MM, stroke=1, fill=0)
    c.restoreState()
    # crop marks in the paper's margin, one per column and row edge
    from reportlab.lib.colors import CMYKColor
    c.setStrokeColor(CMYKColor(1, 1, 1, 1))
    c.setLineWidth(0.25)
    xs = sorted({round(x, 3) for x, _ in trims} | {round(x + sw, 3) for x, _ in trims})
    ys = sorted({round(y, 3) for _, y in trims} | {round(y + sh, 3) for _, y in trims})
    top = max(y + sh for _, y in trims) + BLEED
    bottom = min(y for _, y in trims) - BLEED
    left = min(x for x, _ in trims) - BLEED
    right = max(x + sw for x, _ in trims) + BLEED
    for x in xs:
        c.line(x * MM, (top + 1) * MM, x * MM, min(ph - 2, top + 6) * MM)
        c.line(x * MM, (bottom - 1) * MM, x * MM, max(2, bottom - 6) * MM)
    for y in ys:
        c.line((left - 1) * MM, y * MM, max(2, left - 6) * MM, y * MM)
        c.line((right + 1) * MM, y * MM, min(pw - 2, right + 6) * MM, y * MM)
    fonts.register("Lato")
    c.setFont("Lato", 7)
    c.setFillColorRGB(0.3, 0.3, 0.3)
    from assistant.label.rules import wording

    c.drawString(SHEET_MARGIN * MM, 4 * MM, wording()["sheet_note"].format(
        brand=label.info.merek, count=n, width=f"{W:g}", height=f"{H:g}", paper=paper, spot=CUT_SPOT))
    c.showPage()
    c.save()
    return buf.getvalue()


def rasterise(pdf: bytes, page: int = 0, dpi: float = DPI, trim_only: bool = True):
    """A page of ``pdf`` as an RGB PIL image at ``dpi``; with ``trim_only`` cropped to the trim
    (no bleed, no marks), exactly round(size_mm / 25.4 * dpi) pixels each way."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        pg = doc[page]
        pw_mm, ph_mm = pg.get_width() / MM, pg.get_height() / MM
        image = pg.render(scale=dpi / 72).to_pil().convert("RGB")
        pg.close()
    finally:
        doc.close()
    if trim_only:
        k = dpi / 25.4
        x0, y0 = round(MARGIN * k), round(MARGIN * k)
        image = image.crop((x0, y0, x0 + round((pw_mm - 2 * MARGIN) * k), y0 + round((ph_mm - 2 * MARGIN) * k)))
    return image


def png_bytes(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", dpi=(DPI, DPI), optimize=False, compress_level=6)
    return buf.getvalue()
