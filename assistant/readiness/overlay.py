"""What was put on top of a listing image: text, watermarks, logos, stickers, frames, collages
and phone-screenshot chrome.

Pure numpy/cv2, no file I/O, no model: ``detect(rgb, alpha)`` gets the image and the
product's alpha (from the pipeline's cutout) and returns ``Findings``. Everything is
measured at ``WORK_SIDE`` px on the long side (about 20 ms at 1200x1200 on two cores).

How it decides (docs/readiness.md has the measurements):

- **The product zone** is the cutout's product (blobs of at least ``blob_share`` of the
  largest, holes filled) grown by ``margin`` of the long side. What lies inside it is the
  product's own print and is never flagged: dense packaging text is allowed.
- **The canvas colour** is the median colour in a ring around the product zone.
- **Frames and screenshot chrome** are rows/columns that do not cross the product and are
  either almost all off the canvas colour (a band) or crossed end to end by one straight
  edge (a line). Scanning outwards from the product, the first such row or column on each
  side bounds the content; what lies beyond is a frame (left and right, or three sides)
  or, when a phone status bar is there (marks at both top corners, nothing between),
  screenshot chrome.
- **A collage** is a band or line inside the content, away from its edges, with product
  on both sides; or content beyond a frame line that holds a product-sized share of marks.
- **Marks** are pixels outside the product zone, inside the content, with a sharp edge
  (morphological gradient) or a strong colour off the canvas; grouped by a closing that
  joins letters into words. Each group gets a kind: ``watermark`` (faint: semi-transparent,
  or the same mark tiled three times or more), ``sticker`` (a big solid badge), ``logo``
  (a small solid or compact mark), ``text`` (a row of letters). A shaded blot beside the product
  with nothing drawn in it is a piece of the photo the cutout left behind, not a mark; so is a
  shape apart from it shaded in light. A flat mark the cutout partly took for product is judged
  on its whole paint (``ink.whole_paint``): the fragment outside is not a logo of its own. Letters the
  cutout took for product (thin pieces of its outline, flat paint, whose whole paint is a row of letters)
  are text against the product (``_swallowed_text``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .ink import chmax as _chmax
from .ink import core_flatness as _core_flatness
from .ink import flatness as _flatness
from .ink import FullImage
from .ink import full_box as _full_box
from .ink import jpeg_step
from .ink import structure as _structure
from .ink import whole_paint
from .frames import crossed_lines, growth_stops, line_mask, white_padding

KINDS = ("text", "watermark", "logo", "sticker")
WORK_SIDE = 640


@dataclass(frozen=True)
class Limits:
    """Every threshold, in one place (docs/readiness.md says how each was set)."""

    blob_share: float = 0.15      # a cutout blob this share of the largest one is product too
    margin: float = 0.02          # product zone: the product grown by this share of the long side
    attach: float = 0.04          # non-canvas pixels joined to the product within this share: product
    edge_level: int = 14          # morphological gradient (levels) that makes a pixel a mark's edge
    colour_level: int = 48        # distance from the canvas colour that makes a solid mark ...
    colour_chroma: int = 24       # ... when it is coloured (max - min channel) ...
    colour_dark: int = 90         # ... or darker than this (a shadow is neither)
    min_mark: float = 1.5e-4      # a mark with fewer pixels than this share of the image is noise
    plain_share: float = 0.80     # ring pixels within ``plain_level`` of the canvas colour: plain
    plain_level: int = 24
    band_level: int = 24          # a row pixel this far off the canvas colour is off
    band_share: float = 0.80      # a row with this share off the canvas colour is a band
    line_level: int = 24          # a step of this many levels across two pixels is an edge ...
    line_share: float = 0.80      # ... and a row crossed by edges over this share is a line
    frame_min: float = 0.006      # a frame narrower than this share of the side is no frame
    frame_edge: float = 0.01      # marks this close inside a frame are its edge
    frame_piece: float = 0.4      # a strip this long and at most 3 % thick is a piece of frame
    seam_level: int = 8           # a collage seam: a step of this many levels ...
    seam_share: float = 0.85      # ... straight across this share of the content
    cut_share: float = 0.98       # ... or across this share of the image, through the product too
    collage_zone: float = 0.15    # a collage seam lies at least this far inside the content
    collage_stuff: float = 0.004  # content beyond a seam: marks over this share of the image
    status_strip: float = 0.06    # a phone status bar: the top strip of this share of the height
    status_marks: float = 0.004   # edge share in the strip's left and right thirds
    tall: float = 1.1            # height / width of a phone screenshot at least this
    watermark_contrast: float = 110.0  # a mark fainter than this (levels off the canvas) is a watermark
    tile_min: int = 3             # the same-sized faint mark this many times: tiled watermark
    join_x: float = 0.035         # letters closer than this share of the long side are one word ...
    join_y: float = 0.012         # ... and lines of text this close one block
    shape_span: float = 0.6       # one stroke spanning this share of a mark's box: a shape (logo, sticker)
    solid_share: float = 0.45     # a big shape this much solid colour is a sticker
    sticker_side: float = 0.15    # a solid mark this big (share of the long side) is a sticker
    text_aspect: float = 1.6      # a row of letters is at least this much wider than high
    text_parts: int = 3           # ... with at least this many separate strokes
    word_aspect: float = 2.5      # a mark this much wider than high, not a solid badge, is lettering
                                  # (outlined letters join into one stroke: still a word, not a logo)
    flat_level: int = 6           # a shape touching the product is an added badge only when flat colour ...
    badge_aspect: float = 1.6     # ... (median deviation under this many levels) and this compact
    blot: float = 0.05            # a faint mark against the product shorter than this share of the long side is
                                  # its shadow or edge (a watermark's word is longer)
    leftover_gap: float = 0.09    # a mark this close to the product (share of the long side) ...
    blot_parts: int = 3           # ... of at most this many pieces of ink, no hole (nothing drawn in it) ...
    blot_stray: int = 2           # ... whose stroke cores stray more than this at full size: a piece of the photo
    curve_fill: float = 0.35      # a shape apart from the product whose strokes fill less of its box than this
                                  # (loose curves) is a mark only when painted flat in light ...
    shade_level: int = 12         # ... and a solid one when its stroke cores stray at most this in light
    pad_white: int = 245          # a band from the edge this white (every channel) is padding, not a frame
    cross_reach: float = 0.15     # a frame line the product crosses lies this near the image's edge
    whole_grow: float = 1.5       # a flat mark against the product whose paint, read into the product,
                                  # covers this many times its box is a fragment: its kind is the whole's
    core_share: float = 0.8       # a mark's stroke cores: its pixels at least this share of its contrast
    sliver: float = 0.01          # a mark against the product this thin (share of the long side) and 4x longer:
                                  # an edge of the product the cutout missed
    paint_grad: int = 2           # digital paint inside the cutout: pixels whose 3x3 gradient is at most this ...
    paint_level: float = 1.5      # ... in one region whose colour strays at most this (90th percentile) ...
    paint_min: float = 0.004      # ... at least this share of the image ...
    paint_aspect: float = 2.5     # ... and no longer than this times its width: a badge the cutout took for product
    swallow_open: float = 0.03    # letters the cutout took for product: what an opening of this share of the long
                                  # side removes from the product's outline ...
    swallow_min: float = 3e-5     # ... in pieces of at least this share of the image ...
    swallow_flat: int = 2         # ... whose stroke cores (full resolution) stray at most this, and whose whole
                                  # paint read into the product is a row of letters (round 10)
    jpeg_stray: float = 1.0       # round 11: a JPEG makes flat paint stray this many levels per step of its
                                  # quantisation (read from the image, ``ink.jpeg_step``): full-resolution strays
                                  # are judged less that ...
    jpeg_stray_max: float = 3.0   # ... at most this many levels
    jpeg_luma: float = 1.0        # 1: in a JPEG, a mark against the product is read in light (its colour is
                                  # stored at half resolution: a thin stroke's colour is its neighbours')


LIMITS = Limits()


@dataclass(frozen=True)
class Mark:
    """One thing added on top of the image."""

    kind: str                              # one of KINDS
    box: tuple[int, int, int, int]         # x0, y0, x1, y1 in image pixels (end exclusive)
    contrast: float                        # levels off the canvas colour (95th percentile)
    touches_product: bool                  # reaches into the product zone: not removable


@dataclass(frozen=True)
class Findings:
    """What ``detect`` found on one image."""

    size: tuple[int, int]                  # image width, height
    marks: tuple[Mark, ...]
    content: tuple[int, int, int, int]     # box to keep: frames and chrome cropped away
    border: bool
    screenshot: bool
    collage: bool
    canvas: tuple[int, int, int]           # the colour around the product
    plain: bool                            # the canvas is plain enough to judge marks on
    product: np.ndarray = field(repr=False)  # bool mask at image size: the product blobs
    zone: np.ndarray = field(repr=False)     # bool mask at image size: product + margin
    product_box: tuple[int, int, int, int] | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        """The mark kinds found, in ``KINDS`` order."""
        found = {m.kind for m in self.marks}
        return tuple(k for k in KINDS if k in found)

    @property
    def removable(self) -> bool:
        """Every mark lies clear of the product: a clean canvas removes them all."""
        return not any(m.touches_product for m in self.marks)


# --------------------------------------------------------------------------- helpers

def _disk(radius: int) -> np.ndarray:
    r = max(1, int(radius))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def _chmin(img: np.ndarray) -> np.ndarray:
    c0, c1, c2 = cv2.split(img)
    return cv2.min(cv2.min(c0, c1), c2)


def product_mask(alpha: np.ndarray, limits: Limits = LIMITS) -> np.ndarray:
    """The product's blobs (at least ``blob_share`` of the largest), holes filled."""
    return _product_blobs(alpha, limits)[0]


def _product_blobs(alpha: np.ndarray, limits: Limits) -> tuple[np.ndarray, int]:
    """``product_mask`` and how many of the cutout's blobs it kept (one blob, holes filled, is one
    blob still: the caller need not label it again)."""
    binary = (alpha > 127).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if n <= 1:
        return np.zeros(alpha.shape, bool), 0
    h, w = alpha.shape
    st = stats[1:]
    areas = st[:, cv2.CC_STAT_AREA]
    # a ring along the image's edges (a frame the model took for an object) is not product
    bw, bh = st[:, cv2.CC_STAT_WIDTH], st[:, cv2.CC_STAT_HEIGHT]
    x0, y0 = st[:, cv2.CC_STAT_LEFT], st[:, cv2.CC_STAT_TOP]
    framelike = (bw >= 0.9 * w) & (bh >= 0.9 * h) & (areas < 0.35 * bw * bh)
    # ... nor is a bar along one edge (an app bar, a banner strip)
    edge = (x0 == 0) | (y0 == 0) | (x0 + bw >= w) | (y0 + bh >= h)
    framelike |= edge & (((bw >= 0.9 * w) & (bh <= 0.15 * h)) | ((bh >= 0.9 * h) & (bw <= 0.15 * w)))
    areas = np.where(framelike, 0, areas)
    if areas.max() == 0:
        return np.zeros(alpha.shape, bool), 0
    lut = np.zeros(n, bool)
    kept = np.flatnonzero(areas >= limits.blob_share * areas.max()) + 1
    lut[kept] = True
    mask = lut[labels]
    # holes: background parts that do not reach the image's edge (labels only: no stats needed)
    inv = (~mask).astype(np.uint8)
    n2, lab2 = cv2.connectedComponents(inv, connectivity=4)
    hole = np.ones(n2, bool)
    hole[0] = False
    hole[np.concatenate([lab2[0], lab2[-1], lab2[:, 0], lab2[:, -1]])] = False
    holes = hole[lab2]
    return mask | holes, len(kept)


def _without_badges(small: np.ndarray, prod: np.ndarray, limits: Limits, hi_lo: tuple[np.ndarray, np.ndarray],
                    blobs: int = 2) -> np.ndarray:
    """The product less the cutout's blobs that are added badges, not product: a blob apart from
    the largest one that is mostly one flat, coloured paint (a sticker the model took for an
    object; a real object's part is shaded). ``blobs``: how many blobs ``prod`` was made of (one:
    nothing to label); ``hi_lo``: the image's largest and smallest channel."""
    if blobs <= 1:
        return prod
    n, labels, stats, _ = cv2.connectedComponentsWithStats(prod.astype(np.uint8), connectivity=8)
    if n <= 2:
        return prod
    # coloured paint only: a black object's part is as flat as a black sticker
    coloured = cv2.subtract(*hi_lo) > limits.colour_chroma
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    out = prod.copy()
    for i in range(1, n):
        if i == biggest:
            continue
        x, y, bw, bh, area = stats[i]
        blob = labels[y:y + bh, x:x + bw] == i
        paint = blob & coloured[y:y + bh, x:x + bw]
        if paint.sum() >= limits.solid_share * area and \
                _flatness(small[y:y + bh, x:x + bw][paint]) <= limits.flat_level:
            out[y:y + bh, x:x + bw][blob] = False
    return out


def _painted(small: np.ndarray, prod: np.ndarray, limits: Limits, grad: np.ndarray,
             hi_lo: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
    """Badges the cutout took for product: regions inside it of one exactly flat, coloured or dark
    paint (a camera's shading and noise make a real surface stray several levels; what an app
    paints does not), compact, at least ``paint_min`` of the image and on the product's outline
    (a badge pasted at or over the product's edge). Each as a bool mask, its lettering filled in.
    ``grad``: the image's 3x3 morphological gradient (largest channel); ``hi_lo`` as ``_without_badges``."""
    h, w = prod.shape
    if not prod.any():
        return []
    hi, lo = hi_lo
    flat = (grad <= limits.paint_grad) & prod & ((cv2.subtract(hi, lo) > limits.colour_chroma) | (hi < limits.colour_dark))
    min_px = limits.paint_min * h * w
    if np.count_nonzero(flat) < min_px:
        return []  # no region can be big enough: nothing to label
    n, labels, stats, _ = cv2.connectedComponentsWithStats(flat.astype(np.uint8), connectivity=4)
    prod_area = float(prod.sum())
    found = []
    for i in np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= min_px) + 1:
        x, y, bw, bh, area = stats[i]
        if max(bw, bh) > limits.paint_aspect * min(bw, bh):
            continue
        comp = labels[y:y + bh, x:x + bw] == i
        px = small[y:y + bh, x:x + bw][comp].astype(np.int16)
        if np.percentile(np.abs(px - np.median(px, axis=0)).max(axis=1), 90) > limits.paint_level:
            continue
        filled = np.zeros((h, w), np.uint8)
        contours, _ = cv2.findContours(comp.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE,
                                       offset=(int(x), int(y)))
        cv2.drawContours(filled, contours, -1, 1, cv2.FILLED)
        filled = filled.astype(bool) & prod
        if filled.sum() < 0.5 * bw * bh or filled.sum() >= 0.6 * prod_area:
            continue  # not a compact badge, or the product itself is painted flat
        found.append(filled)
    return found


def _attached(small: np.ndarray, prod: np.ndarray, limits: Limits, side: int, dist: np.ndarray, grad: np.ndarray,
              lines: np.ndarray | None = None) -> np.ndarray:
    """The product plus what is unlike the canvas, joined to it, within ``attach`` of its edge:
    the parts of a product the model missed (a carton's cap, a thin stalk) are product. The pixels
    of ``lines`` (a frame's lines the product crosses) never grow it: the fix paints them over.
    ``dist``: the distance to ``prod``; ``grad`` as ``_painted``'s (detect has both already)."""
    if not prod.any():
        return prod
    near = (dist > 0) & (dist <= limits.attach * side)
    ring = near & ~cv2.dilate(prod.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    rp = small[ring]
    if len(rp) < 20:
        return prod
    canvas = np.median(rp[::max(1, len(rp) // 5000)], axis=0)
    canvas_img = np.empty_like(small)
    canvas_img[:] = canvas.astype(np.uint8)
    fg = (_chmax(cv2.absdiff(small, canvas_img)) > limits.plain_level) | (grad > limits.edge_level)
    if lines is not None:
        fg &= ~lines
    n, labels = cv2.connectedComponents((fg | prod).astype(np.uint8), connectivity=8)
    lut = np.zeros(n, bool)
    lut[labels[prod]] = True
    lut[0] = False
    joined = lut[labels] & ~prod
    # what is joined near the edge is product; further out only thin structures (legs, arms, a
    # bow), not a solid patch (a sticker pasted against the product)
    far = joined & ~near
    if far.any():
        solid_far = cv2.morphologyEx(far.astype(np.uint8), cv2.MORPH_OPEN, np.ones((9, 9), np.uint8)).astype(bool)
        joined &= ~solid_far
        # nor a frame's lines: a thin thing spanning most of the image
        n2, lab2, st2, _ = cv2.connectedComponentsWithStats((joined & ~near).astype(np.uint8), connectivity=8)
        h, w = prod.shape
        for i in range(1, n2):
            bw, bh, area = st2[i, cv2.CC_STAT_WIDTH], st2[i, cv2.CC_STAT_HEIGHT], st2[i, cv2.CC_STAT_AREA]
            if (bw >= 0.85 * w or bh >= 0.85 * h) and area < 0.1 * bw * bh:
                joined &= lab2 != i
    return prod | joined


def _bands(small: np.ndarray, off_rows: np.ndarray, limits: Limits) -> np.ndarray:
    """The rows of ``off_rows`` (rows mostly off the canvas colour) that are one paint along their
    length, as a frame, a mat, a gutter or an app bar is (its text and icons apart): a row running
    through something the cutout missed (a carton's printed side) is off the canvas but not a band."""
    out = np.zeros(len(off_rows), bool)
    rows = np.flatnonzero(off_rows)
    if rows.size:
        px = small[rows]
        med = np.median(px[:, ::4], axis=1).astype(np.uint8)  # every 4th pixel: the row's paint
        dev = _chmax(cv2.absdiff(px, np.repeat(med[:, None], px.shape[1], axis=1)))
        out[rows] = (dev <= limits.band_level).mean(axis=1) >= limits.band_share
    return out


def _runs_out(flags: np.ndarray, start: int, step: int) -> int:
    """From ``start`` moving by ``step``: the index of the first flagged entry, or -1 / len."""
    i = start
    while 0 <= i < len(flags):
        if flags[i]:
            return i
        i += step
    return i


def _status_bar(edges: np.ndarray, zone: np.ndarray, limits: Limits) -> int:
    """Height (work px) of a phone status bar at the top, 0 when there is none: edges in the
    strip's left and right thirds, (almost) none in its middle, no product in it."""
    h, w = edges.shape
    sh = max(4, int(limits.status_strip * h))
    if zone[:sh].any():
        return 0
    strip = edges[:sh]
    third = w // 3
    left, mid, right = strip[:, :third].mean(), strip[:, third:2 * third].mean(), strip[:, 2 * third:].mean()
    if left < limits.status_marks or right < limits.status_marks or mid > 0.5 * min(left, right):
        return 0
    rows = np.flatnonzero(strip.any(axis=1))
    return int(rows.max()) + 2 if rows.size else 0


# --------------------------------------------------------------------------- detection

def detect(rgb: np.ndarray, alpha: np.ndarray | None, limits: Limits = LIMITS) -> Findings:
    """Marks, frames, collage and screenshot chrome on ``rgb`` (HxWx3 uint8), given the
    product's ``alpha`` (HxW uint8, the cutout's; None: no product known)."""
    rgb = np.ascontiguousarray(rgb[..., :3])
    H, W = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(H, W))
    w, h = max(1, round(W * scale)), max(1, round(H * scale))
    small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    if alpha is None:
        a_small = np.zeros((h, w), np.uint8)
    else:
        a_small = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_AREA) if scale < 1 else alpha
    side = max(h, w)
    # computed once, read by the steps below (each used to make its own)
    grad = _chmax(cv2.morphologyEx(small, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)))
    hi, lo = _chmax(small), _chmin(small)
    blobs, n_blobs = _product_blobs(a_small, limits)
    raw = _without_badges(small, blobs, limits, (hi, lo), n_blobs)
    painted = _painted(small, raw, limits, grad, (hi, lo))
    paint = np.zeros((h, w), bool)
    for m in painted:
        paint |= m
    raw = raw & ~paint
    prod = raw  # the model's product; what is joined to it is added once frames are known
    # distance to the product: the zone (product + margin) and a ring around it in one pass
    dist = cv2.distanceTransform((~prod).astype(np.uint8), cv2.DIST_L2, 3) if prod.any() \
        else np.full((h, w), 1e9, np.float32)
    r = limits.margin * side
    zone = dist <= r
    ring = (dist > r) & (dist <= r + 0.06 * side) if prod.any() else np.ones((h, w), bool)
    if ring.sum() < 50:
        ring = ~zone
    ring_px = small[ring] if ring.any() else small.reshape(-1, 3)
    step = max(1, len(ring_px) // 20000)
    canvas = np.median(ring_px[::step], axis=0).astype(np.int16)
    canvas_img = np.empty_like(small)
    canvas_img[:] = canvas
    diff = _chmax(cv2.absdiff(small, canvas_img))
    plain = bool((diff[ring] <= limits.plain_level).mean() >= limits.plain_share) if ring.any() else False
    edges = grad > limits.edge_level
    status = _status_bar(edges, raw, limits)
    if not plain and prod.any():
        # the ring also holds what the cutout missed of the product (a carton's side, when it found
        # only the carton's picture), a frame the product touches, or marks beside it: then the
        # canvas is the colour most of what lies outside the zone has, and it is plain when
        # everything outside the zone mostly is
        out_px = small[~zone]
        out_px = out_px[::max(1, len(out_px) // 20000)]
        alt = np.median(out_px, axis=0).astype(np.int16)
        share = (np.abs(out_px.astype(np.int16) - canvas).max(axis=1) <= limits.plain_level).mean()
        alt_share = (np.abs(out_px.astype(np.int16) - alt).max(axis=1) <= limits.plain_level).mean()
        if alt_share > share and not status:  # a screenshot's canvas is its picture's, not the screen's
            canvas, share = alt, alt_share
            canvas_img[:] = canvas
            diff = _chmax(cv2.absdiff(small, canvas_img))
        plain = bool(share >= limits.plain_share)

    solid = (diff > limits.colour_level) & ((cv2.subtract(hi, lo) > limits.colour_chroma) | (hi < limits.colour_dark))

    # ---- frames and chrome: rows / columns that do not cross the product
    off = diff > limits.band_level
    step_y = np.zeros((h, w), bool)
    step_y[1:-1] = _chmax(cv2.absdiff(small[2:], small[:-2])) > limits.line_level
    step_x = np.zeros((h, w), bool)
    step_x[:, 1:-1] = _chmax(cv2.absdiff(np.ascontiguousarray(small[:, 2:]), np.ascontiguousarray(small[:, :-2]))) \
        > limits.line_level
    row_chrome = (_bands(small, off.mean(axis=1) >= limits.band_share, limits)
                  | (step_y.mean(axis=1) >= limits.line_share)) & (zone.mean(axis=1) < 0.02)
    col_chrome = (_bands(small.transpose(1, 0, 2), off.mean(axis=0) >= limits.band_share, limits)
                  | (step_x.mean(axis=0) >= limits.line_share)) & (zone.mean(axis=0) < 0.02)

    if prod.any():
        ys, xs = np.nonzero(prod)
        py0, py1, px0, px1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    else:
        py0, py1, px0, px1 = h // 2, h // 2 + 1, w // 2, w // 2 + 1
    top = _runs_out(row_chrome, py0 - 1, -1) + 1
    bottom = _runs_out(row_chrome, py1, 1)
    left = _runs_out(col_chrome, px0 - 1, -1) + 1
    right = _runs_out(col_chrome, px1, 1)
    min_band = max(2, int(round(limits.frame_min * side))) + 1  # + 1: the edge's own step row
    sides = {"top": top >= min_band, "bottom": h - bottom >= min_band,
             "left": left >= min_band, "right": w - right >= min_band}
    ext = {"top": top, "bottom": h - bottom, "left": left, "right": w - right}
    for name in white_padding(small, {k: v for k, v in ext.items() if sides[k]}, limits.pad_white,
                             limits.band_level):
        sides[name] = False  # a photo padded onto white: the white is canvas
    cross_r, cross_c = np.zeros(h, bool), np.zeros(w, bool)
    if plain and prod.any():  # frame lines the product crosses (a busy canvas has its own reason)
        cross_r = crossed_lines(small, step_y, off, zone, limits.band_level, limits.line_share, limits.cross_reach)
        cross_c = crossed_lines(small.transpose(1, 0, 2), step_x.T, off.T, zone.T, limits.band_level,
                                limits.line_share, limits.cross_reach)
        for name, hit in (("top", cross_r[:h // 2]), ("bottom", cross_r[h // 2:]), ("left", cross_c[:w // 2]),
                          ("right", cross_c[w // 2:])):
            sides[name] = sides[name] or bool(hit.any())
    top = max(top, status if status and status <= py0 else 0)
    screenshot = bool(status) and (h / w >= limits.tall or sides["top"])

    zone_raw = zone
    # the parts of the product the model missed, inside the content only (never a frame or a bar)
    inside_box = np.zeros((h, w), bool)
    inside_box[top:bottom, left:right] = True
    lines = growth_stops(cross_r, cross_c, py0 if screenshot else 0)  # an app bar's edge is no frame line
    prod = raw | (_attached(small, raw, limits, side, dist, grad, lines) & inside_box & ~paint)
    if prod.any():
        dist = cv2.distanceTransform((~prod).astype(np.uint8), cv2.DIST_L2, 3)
        zone = dist <= r

    # ---- collage: a seam inside the product's span with product on both sides, or product-like
    # content beyond an outer seam
    collage = False
    frame_px = line_mask(row_chrome | cross_r, col_chrome | cross_c)  # a frame's own lines are no panel's stuff
    zy0, zy1 = top + int(limits.collage_zone * (bottom - top)), bottom - int(limits.collage_zone * (bottom - top))
    zx0, zx1 = left + int(limits.collage_zone * (right - left)), right - int(limits.collage_zone * (right - left))
    inner_rows = np.flatnonzero(row_chrome[zy0:zy1]) + zy0
    inner_cols = np.flatnonzero(col_chrome[zx0:zx1]) + zx0
    for y in inner_rows:
        if prod[:y].any() and prod[y + 1:].any():
            collage = True
    for x in inner_cols:
        if prod[:, :x].any() and prod[:, x + 1:].any():
            collage = True
    # a faint seam straight across: panels on slightly different papers, each with something on it
    if not status and not collage:
        stuff0 = (edges | solid) & ~frame_px
        seam_y = np.zeros((h, w), bool)
        seam_y[1:-1] = _chmax(cv2.absdiff(small[2:], small[:-2])) > limits.seam_level
        seam_x = np.zeros((h, w), bool)
        seam_x[:, 1:-1] = _chmax(cv2.absdiff(np.ascontiguousarray(small[:, 2:]),
                                             np.ascontiguousarray(small[:, :-2]))) > limits.seam_level
        # clear of the product; or a cut straight across everything, the product too (panels that
        # meet without a gutter, each product reaching its panel's edge: a photo has no such line)
        sy, sx = seam_y.mean(axis=1), seam_x.mean(axis=0)
        rows = np.flatnonzero(((sy >= limits.seam_share) & (zone_raw.mean(axis=1) < 0.02)) | (sy >= limits.cut_share))
        cols = np.flatnonzero(((sx >= limits.seam_share) & (zone_raw.mean(axis=0) < 0.02)) | (sx >= limits.cut_share))
        need = limits.collage_stuff * h * w
        for y in rows[(rows > 0.15 * h) & (rows < 0.85 * h)]:
            if stuff0[:y - 2].sum() >= need and stuff0[y + 3:].sum() >= need:
                collage = True
        for x in cols[(cols > 0.15 * w) & (cols < 0.85 * w)]:
            if stuff0[:, :x - 2].sum() >= need and stuff0[:, x + 3:].sum() >= need:
                collage = True
    stuff = (edges | solid) & ~zone & ~frame_px
    beyond = {"top": stuff[:top], "bottom": stuff[bottom:], "left": stuff[:, :left], "right": stuff[:, right:]}
    extent = {"top": top, "bottom": h - bottom, "left": left, "right": w - right}
    dims = {"top": h, "bottom": h, "left": w, "right": w}
    if not status:
        for name, part in beyond.items():
            if extent[name] >= limits.collage_zone * dims[name] and part.sum() >= limits.collage_stuff * h * w:
                collage = True

    border = not screenshot and not collage and (
        (sides["left"] and sides["right"]) or sum(sides.values()) >= 3
        or (sides["top"] and sides["bottom"]))
    if not (screenshot or border):
        top, bottom, left, right = 0, h, 0, w
    if screenshot:  # the screen's own text and icons above and below the product are chrome
        ui = ((edges | solid) & ~zone).any(axis=1)
        top = max(top, _runs_out(ui, py0 - 1, -1) + 1)
        bottom = min(bottom if sides["bottom"] else h, _runs_out(ui, py1, 1))
        if not (sides["left"] and sides["right"]):
            left, right = 0, w

    # ---- marks inside the content, outside the product zone
    marks: list[Mark] = []
    if not collage and not screenshot:
        marks = _painted_marks(painted, prod, diff, scale, (W, H), limits)
    if plain and not collage and not screenshot:
        # what the image's JPEG encoding makes flat paint stray at full resolution (0 when lossless)
        jpeg_stray = min(limits.jpeg_stray_max, limits.jpeg_stray * jpeg_step(rgb))
        full = FullImage(rgb, canvas, jpeg_stray, luma=limits.jpeg_luma > 0 and jpeg_stray > 0)
        cand = (edges | solid) & ~zone & ~cv2.dilate(paint.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        inside = np.zeros((h, w), bool)
        e = 1 + (int(limits.frame_edge * side) if border else 0)  # a frame's inner edge is no mark
        inside[top + e:bottom - e, left + e:right - e] = True
        cand &= inside
        if lines is not None:
            cand &= ~lines  # a crossed frame's pieces are the frame, not marks
        marks += _group_marks(cand, solid, diff, zone, scale, (W, H), limits, framed=bool(border), small=small,
                              full=full)
        if not any(m.kind == "text" for m in marks):
            marks += _swallowed_text(prod, inside, diff, scale, (W, H), limits, full, small)

    content = _full_box((left, top, right, bottom), scale, (W, H))
    if (screenshot or border) and content[2] - content[0] < 0.2 * W or content[3] - content[1] < 0.2 * H:
        content = (0, 0, W, H)
    full_prod, full_zone = _full_masks(prod, zone, (W, H)) if scale < 1 else (prod, zone)
    pbox = None
    if prod.any():
        pbox = _full_box((px0, py0, px1, py1), scale, (W, H))
    return Findings(size=(W, H), marks=tuple(marks), content=content, border=bool(border),
                    screenshot=bool(screenshot), collage=bool(collage),
                    canvas=tuple(int(c) for c in canvas), plain=plain, product=full_prod, zone=full_zone,
                    product_box=pbox)


def _full_masks(prod: np.ndarray, zone: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The product and its zone at the image's size (``size`` = w, h) in one nearest-neighbour resize:
    packed as two bits of one mask."""
    both = cv2.resize((prod.astype(np.uint8) << 1) | zone.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    return (both & 2).astype(bool), (both & 1).astype(bool)


def _painted_marks(painted: list[np.ndarray], prod: np.ndarray, diff: np.ndarray, scale: float,
                   size: tuple[int, int], limits: Limits) -> list[Mark]:
    """``_painted``'s badges as marks: a sticker when big, else a logo; against the product they
    cannot be removed by a clean canvas."""
    side = max(prod.shape)
    marks = []
    for m in painted:
        ys, xs = np.nonzero(m)
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        kind = "sticker" if max(x1 - x0, y1 - y0) >= limits.sticker_side * side else "logo"
        touches = bool((cv2.dilate(m.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & prod).any())
        box = _full_box((x0, y0, x1, y1), scale, size)
        marks.append(Mark(kind, box, round(float(np.percentile(diff[m], 95)), 1), touches))
    return marks


def _swallowed_text(prod: np.ndarray, inside: np.ndarray, diff: np.ndarray, scale: float, size: tuple[int, int],
                    limits: Limits, full: FullImage, small: np.ndarray) -> list[Mark]:
    """Letters the cutout took for product: thin pieces of the product's outline (what an opening
    of the product removes) of one flat paint whose whole paint, read into the product, is a row of letters
    flat too (a fragment a few px wide looks flat on a gently shaded surface; the word does not)."""
    h, w = prod.shape
    side = max(h, w)
    k = max(3, int(limits.swallow_open * side)) | 1
    body = cv2.morphologyEx(prod.astype(np.uint8), cv2.MORPH_OPEN, _disk(k // 2)).astype(bool)
    thin = prod & ~body & inside & (diff > limits.colour_level)
    if np.count_nonzero(thin) < limits.swallow_min * h * w:
        return []
    kx, ky = max(3, int(limits.join_x * side)) | 1, max(3, int(limits.join_y * side)) | 1
    n, labels, stats, _ = cv2.connectedComponentsWithStats(thin.astype(np.uint8), connectivity=8)
    # in a JPEG each fragment and the whole word are read in light (``full.luma``, round 12): a thin stroke's
    # colour is stored at half resolution and takes its neighbours' (on the tuning splits at quality 70-95,
    # 12 % of the added letters' fragments were within 2 levels in colour less the allowance, 95 % in light)
    marks = []
    for i in range(1, n):
        x, y, bw, bh, count = stats[i]
        if count < limits.swallow_min * h * w:
            continue
        px = labels[y:y + bh, x:x + bw] == i
        flat = _core_flatness(full, px, (x, y), scale, limits, luma=full.luma)
        if flat > limits.swallow_flat:
            continue
        d = diff[y:y + bh, x:x + bw]
        contrast = float(np.percentile(d[px], 95))
        if contrast < limits.watermark_contrast:
            continue  # faint: a watermark's, not added text's
        core = px & (d >= limits.core_share * contrast)
        if core.sum() < 5:
            continue
        colour = np.median(small[y:y + bh, x:x + bw][core], axis=0)
        # each piece of the word's paint flat at the work size less what the JPEG makes paint stray
        whole = whole_paint(small, colour, (x, y, x + bw, y + bh), px, (kx, ky), limits.band_level,
                            limits.flat_level + full.jpeg_stray)
        if whole is None or whole["parts"] < limits.text_parts or whole["bw"] < limits.text_aspect * whole["bh"] \
                or whole["span"] >= limits.shape_span or whole["bw"] * whole["bh"] < limits.whole_grow * bw * bh:
            continue
        if whole["bh"] <= limits.sliver * side and whole["bw"] >= 4 * whole["bh"]:
            continue  # a line's pieces (a frame line the product stands in front of), not letters
        # the whole word at 2 levels, in light in a JPEG, less the JPEG's allowance unless its paint is dark: a
        # JPEG flattens a camera's dark surfaces as much as paint (a drum's black rim, tune, strays 3 levels at
        # quality 80, as a word of black paint does), while coloured and light paint keep their gap
        dark = float(colour.max()) < limits.colour_dark
        if _core_flatness(full, whole["mask"], whole["at"], scale, limits, luma=full.luma,
                          less_jpeg=not dark) > limits.swallow_flat:
            continue  # the whole word shaded across: lettering the camera saw, not paint an app added
        marks.append(Mark("text", _full_box((x, y, x + bw, y + bh), scale, size), round(contrast, 1), True))
        break
    return marks


def _group_marks(cand: np.ndarray, solid: np.ndarray, diff: np.ndarray, zone: np.ndarray, scale: float,
                 size: tuple[int, int], limits: Limits, framed: bool = False,
                 small: np.ndarray | None = None,
                 full: FullImage | None = None) -> list[Mark]:
    h, w = cand.shape
    side = max(h, w)
    kx, ky = max(3, int(limits.join_x * side)) | 1, max(3, int(limits.join_y * side)) | 1
    joined = cv2.morphologyEx(cand.astype(np.uint8), cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (kx, ky)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    ink = (diff > limits.colour_level) & cand   # the marks' own strokes (edges blur neighbours together)
    raw_n, raw_labels, raw_stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    min_px = limits.min_mark * h * w
    grown_zone = cv2.dilate(zone.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    gap_map = cv2.distanceTransform((~zone).astype(np.uint8), cv2.DIST_L2, 3) if zone.any() \
        else np.full((h, w), 1e9, np.float32)
    found = []
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        region = labels[y:y + bh, x:x + bw] == i
        px = cand[y:y + bh, x:x + bw] & region
        count = int(px.sum())
        if count < min_px or min(bw, bh) < 3:
            continue
        d = diff[y:y + bh, x:x + bw]
        near = cv2.dilate(px.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        contrast = float(np.percentile(d[near], 95))
        solid_share = float((solid[y:y + bh, x:x + bw] & region).sum()) / max(1, bw * bh)
        ids = np.unique(raw_labels[y:y + bh, x:x + bw][region])
        ids = ids[ids > 0]
        parts = len(ids)
        boxes = raw_stats[ids]
        span = float((boxes[:, cv2.CC_STAT_WIDTH] * boxes[:, cv2.CC_STAT_HEIGHT]).max()) / max(1, bw * bh) \
            if parts else 0.0
        touches = bool((grown_zone[y:y + bh, x:x + bw] & region).any())
        flat = _flatness(small[y:y + bh, x:x + bw][solid[y:y + bh, x:x + bw] & region]) if small is not None else 0.0
        # the core of its strokes (at least 0.8 of its contrast): one colour for added text or a
        # watermark blended over a plain canvas, shaded for a part of the product
        if full is not None and touches:
            # (judged at ``flat_level``, which allows for a JPEG already: no allowance taken off; in a JPEG
            # read in light, its colour being stored at half resolution: the drum's black rim, a flat black
            # part, read as text on tune with the allowance)
            ink_flat = _core_flatness(full, region & ~zone[y:y + bh, x:x + bw], (x, y), scale, limits,
                                      luma=full.luma, less_jpeg=False)
        elif small is not None:
            ink_flat = _flatness(small[y:y + bh, x:x + bw][px & (d >= limits.core_share * contrast)])
        else:
            ink_flat = 0.0
        if full is not None and float(gap_map[y:y + bh, x:x + bw][px].min()) < limits.leftover_gap * side:
            pieces, holes, stray = _structure(full, region, (x, y), scale, limits)
            if pieces <= limits.blot_parts and not holes and stray > limits.blot_stray:
                continue  # a shaded blot beside the product, nothing drawn in it: a piece of the photo
                #           around the product (a hand's, a shelf's) that the cutout left behind
        found.append(dict(box=(x, y, x + bw, y + bh), contrast=contrast, solid=solid_share, parts=parts,
                          touches=touches, bw=bw, bh=bh, span=span, flat=flat, ink_flat=ink_flat,
                          fill=count / max(1, bw * bh), at=(x, y), region=region, px=px))
    # tiled: the same-sized mark several times, or several faint ones: then every faint-ish mark
    # belongs to the watermark (tiles cut by the image's edge or overlapping have other sizes)
    faintish = [f for f in found if f["contrast"] < 2.0 * limits.watermark_contrast]
    tiled = sum(1 for f in faintish if f["contrast"] < limits.watermark_contrast) >= limits.tile_min
    for f in faintish:
        similar = [g for g in faintish if abs(g["bw"] - f["bw"]) <= 0.25 * f["bw"] + 2
                   and abs(g["bh"] - f["bh"]) <= 0.25 * f["bh"] + 2]
        tiled = tiled or len(similar) >= limits.tile_min
    for f in found:
        f["tiled"] = tiled and f["contrast"] < 2.0 * limits.watermark_contrast
    marks = []
    for f in found:
        long_side, short_side = max(f["bw"], f["bh"]), min(f["bw"], f["bh"])
        piece = limits.frame_piece * (0.25 if framed else 1.0)
        if long_side >= piece * side and short_side <= 0.03 * side and long_side >= 4 * short_side:
            continue  # a straight strip along the image: a piece of frame, not a mark
        word = f["bw"] >= limits.word_aspect * f["bh"] and f["solid"] < limits.solid_share
        kind = "watermark" if f["contrast"] < limits.watermark_contrast or f["tiled"] else _shape_kind(f, side, limits)
        if f["touches"] and (kind in ("logo", "sticker") or (word and f["parts"] < limits.text_parts)) and (
                f["flat"] > limits.flat_level or (kind != "text" and long_side > limits.badge_aspect * short_side)):
            # a shaded or elongated shape against the product: a part of it the cutout missed; unless
            # it is flat and its paint, read on across the product, is a word: the letters beside the
            # product of a text painted over it ("PROMO 50%" crossing a box's edge)
            if f["flat"] > limits.flat_level or small is None or f["ink_flat"] > limits.flat_level \
                    or _whole_kind(f, kind, small, diff, (kx, ky), side, limits) != "text":
                continue
            kind = "text"
        if not f["touches"] and kind in ("logo", "sticker") and full is not None and _core_flatness(
                full, f["region"], f["at"], scale, limits, luma=True) > (
                limits.flat_level if f["fill"] < limits.curve_fill else limits.shade_level):
            continue  # a shape apart from the product shaded in light as a camera sees things (a key ring's
            #           ring or brooch the cutout left out): not a designed mark painted on
        if f["touches"] and (f["ink_flat"] > limits.flat_level or (
                short_side <= limits.sliver * side and long_side >= 4 * short_side)):
            continue  # shaded strokes, or a sliver along the product's outline: a part of it the cutout missed
        if f["touches"] and kind == "watermark" and not f["tiled"] and long_side < limits.blot * side:
            continue  # a small faint blot against the product, not lettering: its shadow or edge
        if f["touches"] and kind in ("logo", "sticker") and small is not None:
            kind = _whole_kind(f, kind, small, diff, (kx, ky), side, limits)
        x0, y0, x1, y1 = f["box"]
        box = _full_box((x0, y0, x1, y1), scale, size)
        marks.append(Mark(kind, box, round(f["contrast"], 1), f["touches"]))
    return marks


def _shape_kind(f: dict, side: int, limits: Limits) -> str:
    """A mark's kind from its shape: one stroke spanning its box is a logo or (big and solid) a
    sticker; a row of strokes, or a wide hollow mark (outlined letters join into one stroke), text."""
    word = f["bw"] >= limits.word_aspect * f["bh"] and f["solid"] < limits.solid_share
    if f["span"] >= limits.shape_span and not word:
        big = max(f["bw"], f["bh"]) >= limits.sticker_side * side
        return "sticker" if big and f["solid"] >= limits.solid_share else "logo"
    if word or (f["parts"] >= limits.text_parts and f["bw"] >= limits.text_aspect * f["bh"]):
        return "text"
    return "logo"


def _whole_kind(f: dict, kind: str, small: np.ndarray, diff: np.ndarray, join: tuple[int, int], side: int,
                limits: Limits) -> str:
    """The kind of a flat mark against the product judged on its whole paint: when the cutout took
    part of it for product (a sticker pasted at the edge, text crossing a carton), what lies outside is
    a fragment, and a fragment of a word or a sticker reads as a small logo."""
    x, y = f["at"]
    px = f["px"]
    d = diff[y:y + f["bh"], x:x + f["bw"]]
    core = px & (d >= limits.core_share * f["contrast"])
    if core.sum() < 10:
        return kind
    colour = np.median(small[y:y + f["bh"], x:x + f["bw"]][core], axis=0)
    whole = whole_paint(small, colour, (x, y, x + f["bw"], y + f["bh"]), px, join, limits.band_level,
                        limits.flat_level)
    if whole is None or whole["bw"] * whole["bh"] < limits.whole_grow * f["bw"] * f["bh"]:
        return kind
    return _shape_kind(whole, side, limits)
