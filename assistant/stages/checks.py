"""Listing-readiness checks: what is wrong with a photo or an output, and what to do about it.

Each check measures one thing, compares it with its limits (``LIMITS``) and returns a
``CheckResult``: a stable name, ``ok`` / ``warn`` / ``fail``, the measured value and an
i18n key for a short tip in plain Bahasa Indonesia (English too). Nothing here reads or
writes files or runs a model: ``run_checks`` gets the pixels, the cutout's alpha and a few
numbers; ``assistant.readiness.listing`` does the rest.

What each check measures (``value``):

- ``blur``: Crete et al.'s no-reference blur effect (0 sharp .. 1 flat) on the product's
  box, measured with the box's long side at most ``BLUR_SIDE`` px (what a buyer sees).
- ``exposure``: the product's median brightness (0-255). Too dark: the frame's brightest
  1 % is dim; too bright: product pixels with two or three channels clipped (the tip says
  which, and how much).
- ``resolution``: the upscale factor the preset needs (product's long side in the camera's
  pixels against the canvas side times the preset's fill).
- ``cutoff``: the longest run of product along one photo edge, as a share of the product's
  width (top/bottom) or height (left/right) there. The product is the cutout's largest
  blob without the hand; on a plain background, the blob of cutout + whatever differs from
  the paper that holds most of the cutout (the model may drop the part at the edge).
- ``product_size``: the product box's larger share of the frame's width or height; not
  judged when ``cutout_uncertain`` fails (a lost product looks small).
- ``multiple_products``: separate blobs of at least a third of the largest one, in the
  cutout and, on a plain background, in everything that differs from it (a salient-object
  model often keeps only one of two products).
- ``cutout_uncertain``: the share of semi-transparent alpha in the product (at the model's
  scale), or 1 - IoU with a second model's alpha when one is given, whichever is larger.
- ``white_on_white``: the colour difference (CIELAB dE) between a band just inside the
  product's edge and a band just outside, when both are bright and nearly colourless.
- ``background``: on an output, the share of the outer 2 % frame that is not the preset's
  background colour (shadows keep that frame clean, see stages/shadow.py).
- ``file_size``: the output's bytes against the preset's cap.
- ``color_cast``: the chroma (CIELAB a*b* length) of the light, read off the brightest
  near-neutral surfaces (white paper); ``residual_cast`` from the lighting stage wins.
- ``hand``: a solid skin-coloured region that reaches the photo's edge and touches the
  product, and is not the product itself (``assistant.imaging.skin.find_hand``, the same
  detector as the cutout's notice), as a share of the frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from assistant.i18n import t
from assistant.imaging.colour import lab_from_srgb8
from assistant.imaging.masks import (blob_areas, border_band, bounding_box, clipped_share, components, edge_shares,
                                     largest_blob)
from assistant.imaging import scene, skin

CHECK_NAMES = ("blur", "exposure", "resolution", "cutoff", "product_size", "multiple_products",
               "cutout_uncertain", "white_on_white", "background", "file_size", "color_cast", "hand",
               "product_lost", "milky", "ghosts")
# Checks of the photo itself, the same whatever the marketplace (the rest depend on the preset).
PHOTO_CHECKS = ("blur", "exposure", "cutoff", "product_size", "multiple_products", "cutout_uncertain",
                "white_on_white", "hand", "product_lost", "milky", "ghosts")
STATUSES = ("ok", "warn", "fail")
OK, WARN, FAIL = STATUSES

# Without a preset the resolution is judged against Etalase's general preset "umum"
# (1200 x 1200, fill 0.85); its TOML is not read here (no file I/O in a stage).
DEFAULT_CANVAS = (1200, 1200)
DEFAULT_FILL = 0.85
WORK_SIDE = 512  # masks and colour statistics are measured at this long side
BLUR_SIDE = 512  # the product box is measured for blur with its long side at most this


@dataclass(frozen=True)
class Limits:
    """Every threshold, in one place (docs/checks.md explains how they were set)."""

    blur_warn: float = 0.50
    blur_fail: float = 0.60
    dark_p99: float = 160.0  # the frame's brightest 1 % below this (0-255): too dark
    dark_fail_p99: float = 100.0
    dark_fail_median: float = 25.0  # ... or the product's median below this: fail
    clip_warn: float = 0.10  # share of product pixels with two or three channels at 250+
    clip_fail: float = 0.35
    upscale_warn: float = 5.0  # recalibrated on real phone photos (bench/realphoto_quality.py)
    upscale_fail: float = 8.0
    cutoff_warn: float = 0.15
    cutoff_fail: float = 0.35
    cutoff_sliver: float = 0.015  # a side where the frame clips only a corner hiding less than this share of the product
    size_warn: float = 0.35
    size_fail: float = 0.20
    multi_share: float = 0.33  # a second blob at least this share of the largest counts
    multi_min_frame: float = 0.01  # ... and at least this share of the frame
    plain_de: float = 20.0  # on a plain background, pixels this far (CIELAB dE) from it are things
    plain_share: float = 0.7  # a background is plain when this share of the frame is one colour
    uncertain_warn: float = 0.12
    uncertain_fail: float = 0.25
    wow_bright: float = 200.0  # both bands brighter than this (median brightness) ...
    wow_chroma: float = 12.0  # ... and less colourful than this (CIELAB chroma) ...
    wow_de: float = 10.0  # ... and closer than this dE: white on white
    background_tolerance: int = 4  # levels off the preset's colour (JPEG keeps white within 2)
    background_warn: float = 0.01
    background_fail: float = 0.10
    size_cap_warn: float = 0.95  # share of the preset's byte cap
    cast_candidate: float = 25.0  # surfaces less colourful than this may be white under a cast
    cast_warn: float = 6.0
    cast_fail: float = 14.0
    hand_width: int = 5  # px at WORK_SIDE: a thinner hand region is the fringe of a removed hand
    hand_warn: float = 0.0025  # hand left in the cutout (what survives the opening), share of the cutout: worth a look ...
    hand_fail: float = 0.03  # ... clearly an arm or fingers: retake (or brush it out)
    milky_warn: float = 0.03  # share of the product's inside (edge band excluded) that is see-through
    milky_fail: float = 0.10
    ghost_warn: float = 0.01  # faint parts (alpha 4..60 %) apart from the product, per product pixel
    ghost_fail: float = 0.05
    lost_min: float = 0.02  # a cutout smaller than this share of the frame ...
    lost_far: float = 0.5  # ... or whose centre lies this far off the photo's (share of the half-diagonal)
    lost_small: float = 0.10  # ... while it is smaller than this: not the photo's main object
    torn_depth: float = 0.2  # a notch into the product's outline this deep (share of its size): a part torn away
    # ... and this deep, twice that: a side of the product is gone, nothing to list (the real-photo review
    # set's tuning half: no listable output reaches 0.32, 11 of its 44 unlistable ones pass 0.4)
    torn_fail: float = 0.4


LIMITS = Limits()

# The photo guide ("Panduan foto"): its steps in order (i18n keys), then before/after
# pairs made by Etalase from phone photos (caption key, files under docs/panduan/).
GUIDE_TITLE = "check_guide_title"
GUIDE_INTRO = "check_guide_intro"
GUIDE_STEPS = ("check_guide_light", "check_guide_paper", "check_guide_down", "check_guide_one",
               "check_guide_frame", "check_guide_steady", "check_guide_send")
GUIDE_PICTURES = (
    ("check_guide_pic_hand", "hand_before.png", "hand_after.png"),
    ("check_guide_pic_cut", "cut_before.png", "cut_after.png"),
    ("check_guide_pic_busy", "busy_before.png", "busy_after.png"),
    ("check_guide_pic_pile", "pile_before.png", "pile_after.png"),
)


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict on one image."""

    check: str  # one of CHECK_NAMES
    status: str  # "ok" | "warn" | "fail"
    value: float | str  # the measured value (see the module docstring)
    tip_key: str  # i18n key in assistant/strings/checks.toml
    params: dict = field(default_factory=dict)

    def tip(self, lang: str | None = None) -> str:
        return t(self.tip_key, lang, **self.params)

    def label(self, lang: str | None = None) -> str:
        return t(f"check_label_{self.check}", lang)

    def as_dict(self, lang: str | None = None) -> dict:
        return {"check": self.check, "status": self.status, "value": self.value, "tip": self.tip(lang)}


def _result(check: str, status: str, value: float | str, tip_key: str | None = None, **params) -> CheckResult:
    if isinstance(value, float):
        value = round(value, 4)
    key = tip_key or f"check_{check}_{'ok' if status == OK else 'bad'}"
    return CheckResult(check, status, value, key, params)


def _grade(value: float, warn: float, fail: float, higher_is_worse: bool = True) -> str:
    if not higher_is_worse:
        value, warn, fail = -value, -warn, -fail
    return FAIL if value >= fail else WARN if value >= warn else OK


# --------------------------------------------------------------------------- helpers

def _as_array(image) -> np.ndarray:
    return np.asarray(image) if isinstance(image, Image.Image) else image


def _rgb3(arr: np.ndarray) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    if arr.shape[2] == 4:
        arr = arr[..., :3]
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(arr)


def _resize_long(arr: np.ndarray, side: int, interp=cv2.INTER_AREA) -> np.ndarray:
    h, w = arr.shape[:2]
    if max(h, w) <= side:
        return arr
    s = side / max(h, w)
    return cv2.resize(arr, (max(1, round(w * s)), max(1, round(h * s))), interpolation=interp)


def brightness(rgb: np.ndarray) -> np.ndarray:
    """Rec. 709 weights on the sRGB values: brightness as the eye reads a photo, 0-255."""
    rgb = rgb.astype(np.float32)
    return rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722


# --------------------------------------------------------------------------- measures

def blur_effect(gray: np.ndarray, h_size: int = 11) -> float:
    """Crete et al. (2007): how much a strong re-blur changes neighbour differences; 0 sharp, 1 flat."""
    f = gray.astype(np.float32)
    if min(f.shape) < 3 * h_size:
        return 0.0
    worst = 0.0
    m = h_size // 2 + 1
    for axis, k in ((0, (1, h_size)), (1, (h_size, 1))):
        b = cv2.blur(f, k)
        df = np.abs(np.diff(f, axis=axis))
        db = np.abs(np.diff(b, axis=axis))
        df, db = df[m:-m, m:-m], db[m:-m, m:-m]
        s_f = float(df.sum())
        if s_f <= 1e-6:
            continue  # no detail along this axis: nothing to judge
        s_v = float(np.maximum(0.0, df - db).sum())
        worst = max(worst, (s_f - s_v) / s_f)
    return worst


def measure_blur(rgb: np.ndarray, mask: np.ndarray | None) -> float:
    """Blur effect on the product's box (plus a margin), long side at most ``BLUR_SIDE``."""
    h, w = rgb.shape[:2]
    box = bounding_box(mask) if mask is not None else None
    if box is None:
        box = (0, 0, w, h)
    x0, y0, x1, y1 = box
    scale = min(1.0, BLUR_SIDE / max(x1 - x0, y1 - y0, 1))
    pad = 8 / scale  # the edge must stay clear of the measure's own border
    mx, my = int(max(0.05 * (x1 - x0), pad)), int(max(0.05 * (y1 - y0), pad))
    crop = rgb[max(0, y0 - my):min(h, y1 + my), max(0, x0 - mx):min(w, x1 + mx)]
    gray = _resize_long(brightness(crop), BLUR_SIDE)
    return blur_effect(gray)


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """Skin-coloured pixels: ``assistant.imaging.skin.skin_mask`` (the one hand detector)."""
    return skin.skin_mask(rgb)


def find_hand(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The hand or arm left in the cutout ``mask`` (bool; all False: none), found by
    ``assistant.imaging.skin.find_hand``, the same detector the cutout removes hands with."""
    hand = skin.find_hand(rgb, mask)
    return hand.mask & mask if hand.found else np.zeros(mask.shape, bool)


def semi_share(alpha: np.ndarray) -> float:
    """Share of semi-transparent alpha in the product, at the model's scale (long side 320)."""
    a = _resize_long(alpha, 320)
    product = int((a > 128).sum())
    if product == 0:
        return 1.0
    semi = int(((a > 32) & (a < 224)).sum())
    # A clean edge is about one pixel wide at this scale: count only what exceeds it.
    edge = cv2.morphologyEx((a > 128).astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    # More haze than product (a model that barely found it) is as uncertain as it gets: 1.
    return min(1.0, max(0.0, semi - 0.5 * float(edge.sum())) / product)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_LINEAR)
    ma, mb = a > 128, b > 128
    union = int((ma | mb).sum())
    return 1.0 if union == 0 else int((ma & mb).sum()) / union


def edge_bands(rgb: np.ndarray, mask: np.ndarray, width: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Pixels just inside and just outside the product's edge (``width`` px bands)."""
    m = mask.astype(np.uint8)
    k = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    inner = (m > 0) & (cv2.erode(m, k) == 0)
    outer = (cv2.dilate(m, k) > 0) & (m == 0)
    # The photo's own edge is not the product's edge.
    inner &= ~border_band(m.shape, width + 1)
    outer &= ~border_band(m.shape, width + 1)
    return rgb[inner], rgb[outer]


def white_on_white(rgb: np.ndarray, mask: np.ndarray) -> tuple[bool, float]:
    """(both sides of the edge are white-ish, dE between them)."""
    inner, outer = edge_bands(rgb, mask)
    if len(inner) < 20 or len(outer) < 20:
        return False, 100.0
    li = lab_from_srgb8(inner[None])[0]
    lo = lab_from_srgb8(outer[None])[0]
    med_i, med_o = np.median(li, axis=0), np.median(lo, axis=0)
    bright = (np.median(brightness(inner)) > LIMITS.wow_bright and np.median(brightness(outer)) > LIMITS.wow_bright)
    pale = np.hypot(*med_i[1:]) < LIMITS.wow_chroma and np.hypot(*med_o[1:]) < LIMITS.wow_chroma
    return bool(bright and pale), float(np.linalg.norm(med_i - med_o))


def neutral_cast(rgb: np.ndarray, exclude: np.ndarray | None = None) -> float:
    """Chroma (CIELAB a*b* length) of the light, read off the brightest near-neutral surfaces.

    Candidates are pixels whose chroma is below ``LIMITS.cast_candidate`` (white paper,
    labels, walls; a cast of that size still passes); the brightest tenth of them is the
    white reference and the length of its median (a*, b*) is the cast. A photo with no
    near-neutral surface at all (a pile of lemons) gives 0: nothing to judge by.
    """
    small = _resize_long(rgb, 256)
    px = small.reshape(-1, 3)
    keep = px.max(axis=1) > 40
    if exclude is not None:
        keep &= ~_resize_long(exclude.astype(np.uint8), 256).reshape(-1).astype(bool)
    lab = lab_from_srgb8(px[None])[0]
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    keep &= chroma < LIMITS.cast_candidate
    if keep.sum() < max(20, 0.005 * len(px)):
        return 0.0
    light = lab[keep]
    top = light[:, 0] >= np.percentile(light[:, 0], 90)
    return float(np.hypot(np.median(light[top, 1]), np.median(light[top, 2])))


def plain_foreground(rgb: np.ndarray) -> np.ndarray | None:
    """On a plain background (paper, a wall), everything that differs from it; None on a busy one.

    The background colour is the median of the photo's outer frame; it counts as plain when
    ``plain_share`` of the frame pixels lie within dE 10 of it.
    """
    h, w = rgb.shape[:2]
    frame = border_band((h, w), max(2, int(0.03 * min(h, w))))
    lab = lab_from_srgb8(rgb)
    ref = np.median(lab[frame], axis=0)
    de = np.linalg.norm(lab - ref, axis=2)
    if (de[frame] < 10).mean() < LIMITS.plain_share:
        return None
    fg = (de > LIMITS.plain_de).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return fg > 0


# --------------------------------------------------------------------------- the checks

def check_blur(rgb: np.ndarray, mask: np.ndarray | None) -> CheckResult:
    value = measure_blur(rgb, mask)
    return _result("blur", _grade(value, LIMITS.blur_warn, LIMITS.blur_fail), value)


def check_exposure(rgb: np.ndarray, mask: np.ndarray | None) -> CheckResult:
    """Too dark: even the frame's brightest 1 % is dim. Too bright: product pixels with two
    or three channels clipped (a cast clips one channel, a white label is not most of it)."""
    y = brightness(rgb)
    region = mask if mask is not None and mask.sum() >= 50 else np.ones(y.shape, bool)
    inner = cv2.erode(region.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    if inner.sum() >= 50:
        region = inner
    median = float(np.median(y[region]))
    p99 = float(np.percentile(y, 99))
    clipped = float((np.sort(rgb[region], axis=1)[:, 1] >= 250).mean())
    if p99 < LIMITS.dark_p99:
        status = FAIL if p99 < LIMITS.dark_fail_p99 or median < LIMITS.dark_fail_median else WARN
        return _result("exposure", status, median, "check_exposure_dark", brightness=round(median))
    status = _grade(clipped, LIMITS.clip_warn, LIMITS.clip_fail)
    if status != OK:
        return _result("exposure", status, median, "check_exposure_bright", clipped=round(100 * clipped))
    return _result("exposure", OK, median, "check_exposure_ok", brightness=round(median))


def upscale_factor(box_px: tuple[int, int], canvas: tuple[int, int], fill: float) -> float:
    """How much a product of ``box_px`` (w, h camera pixels) must grow to fill ``fill`` of ``canvas``."""
    bw, bh = max(box_px[0], 1), max(box_px[1], 1)
    return fill * min(canvas[0] / bw, canvas[1] / bh)


def check_resolution(mask: np.ndarray | None, shape: tuple[int, int], original_size: tuple[int, int],
                     preset=None) -> CheckResult:
    h, w = shape
    box = bounding_box(mask) if mask is not None else None
    if box is None:
        box = (0, 0, w, h)
    sx, sy = original_size[0] / w, original_size[1] / h
    px = (round((box[2] - box[0]) * sx), round((box[3] - box[1]) * sy))
    canvas = preset.size if preset is not None else DEFAULT_CANVAS
    fill = preset.image.fill if preset is not None else DEFAULT_FILL
    factor = upscale_factor(px, canvas, fill)
    need = round(fill * max(canvas))
    status = _grade(factor, LIMITS.upscale_warn, LIMITS.upscale_fail)
    return _result("resolution", status, factor, have=max(px), need=need, factor=f"{factor:.1f}")


def _product_region(mask: np.ndarray, fg: np.ndarray | None, parts: tuple | None = None) -> np.ndarray:
    """The product: on a plain background the blob of cutout + things-on-the-paper holding
    most of the cutout (the model may drop a part, never the paper); else the largest blob
    (``parts``: ``components(mask)`` when already made)."""
    if fg is None:
        return largest_blob(mask, parts)
    count, labels = cv2.connectedComponents((fg | mask).astype(np.uint8), connectivity=8)
    if count <= 1:
        return mask.astype(bool)
    inside = np.bincount(labels[mask], minlength=count)
    inside[0] = 0
    if inside.max() == 0:
        return largest_blob(mask)
    return labels == int(np.argmax(inside))


def check_cutoff(mask: np.ndarray, hand: np.ndarray, fg: np.ndarray | None = None,
                 parts: tuple | None = None) -> CheckResult:
    """The longest share of the product's extent lying on one edge of the photo. A side where
    the product narrows into the frame (a carton's corner, a pack held tilted) only clips a
    corner: the part beyond, the outline carried on past the edge, is estimated
    (``clipped_share``), and a side hiding less than ``cutoff_sliver`` of the product does not
    count (measured on the review set's tuning half: the frame clipped 0.3-1.2 % off listable
    cartons and juice packs; torn or ragged ones reached 2-3 %). ``parts``: ``components(mask)``
    when already made (read when no hand is found: the cutout is then the mask itself)."""
    region = _product_region(mask & ~hand, None if fg is None else fg & ~hand, None if hand.any() else parts)
    value = max((share for side, share in edge_shares(region)
                 if share < LIMITS.cutoff_warn or clipped_share(region, side) >= LIMITS.cutoff_sliver),
                default=0.0)
    return _result("cutoff", _grade(value, LIMITS.cutoff_warn, LIMITS.cutoff_fail), value)


def check_product_size(mask: np.ndarray, hand: np.ndarray, uncertain: CheckResult | None = None) -> CheckResult:
    """The product box's larger share of the frame. Not judged (``ok``, its own tip) when
    ``uncertain`` (the ``cutout_uncertain`` result) fails: a cutout that lost the product
    makes a large product look small, and the cutout's own tip is the advice to act on."""
    h, w = mask.shape
    box = bounding_box(mask & ~hand) or bounding_box(mask)
    share = 0.0 if box is None else max((box[2] - box[0]) / w, (box[3] - box[1]) / h)
    if uncertain is not None and uncertain.status == FAIL:
        return _result("product_size", OK, share, "check_product_size_unsure", percent=round(100 * share))
    if box is None:
        return _result("product_size", FAIL, 0.0, percent=0)
    status = _grade(share, LIMITS.size_warn, LIMITS.size_fail, higher_is_worse=False)
    return _result("product_size", status, share, percent=round(100 * share))


def _count_blobs(mask: np.ndarray) -> int:
    areas = blob_areas(mask)
    if not areas:
        return 0
    return len([a for a in areas if a >= LIMITS.multi_share * areas[0] and a >= LIMITS.multi_min_frame * mask.size])


def check_multiple(mask: np.ndarray, fg: np.ndarray | None = None, hand: np.ndarray | None = None) -> CheckResult:
    """Separate blobs in the cutout, and on a plain background also in the photo itself: a
    salient-object model often keeps only one of two products, so the cutout alone undercounts."""
    count = _count_blobs(mask)
    if fg is not None:  # the cutout joins the parts of one product that match the paper
        both = fg | mask
        if hand is not None:
            both &= ~hand
        count = max(count, _count_blobs(both))
    count = max(1, count)
    return _result("multiple_products", WARN if count >= 2 else OK, float(count), count=count)


def check_cutout_uncertain(alpha: np.ndarray, second_alpha: np.ndarray | None) -> CheckResult:
    value = semi_share(alpha)
    if second_alpha is not None:
        value = max(value, 1.0 - mask_iou(alpha, _as_array(second_alpha)))
    status = _grade(value, LIMITS.uncertain_warn, LIMITS.uncertain_fail)
    return _result("cutout_uncertain", status, value, percent=round(100 * value))


def check_white_on_white(rgb: np.ndarray, mask: np.ndarray) -> CheckResult:
    pale, de = white_on_white(rgb, mask)
    status = WARN if pale and de < LIMITS.wow_de else OK
    return _result("white_on_white", status, de)


def check_background(output: np.ndarray, preset=None, scene: bool = False) -> CheckResult | None:
    """The output's border against the preset's background colour. ``scene``: the photo was kept
    whole (a pile or display the cutout could not separate), so its border is the scene's own:
    choosing another background colour would not help, and the tip says how to retake instead."""
    if output.ndim == 3 and output.shape[2] == 4:
        return None  # a transparent PNG has no background to judge
    rgb = _rgb3(output)
    want = np.array(preset.background_rgb if preset is not None else (255, 255, 255), np.int16)
    h, w = rgb.shape[:2]
    band = border_band((h, w), max(2, int(0.02 * min(w, h))))
    off = np.abs(rgb[band].astype(np.int16) - want).max(axis=1) > LIMITS.background_tolerance
    share = float(off.mean())
    colour = "#%02X%02X%02X" % tuple(int(c) for c in want)
    status = _grade(share, LIMITS.background_warn, LIMITS.background_fail)
    key = "check_background_scene" if scene and status != OK else None
    return _result("background", status, share, key, percent=round(100 * share, 1), colour=colour)


def check_file_size(nbytes: int, preset=None, refused: bool = False, fitted: bool = False) -> CheckResult:
    """``nbytes`` against the preset's cap. ``refused``: the pipeline could not bring the
    output under the cap even at its lowest JPEG quality, and ``nbytes`` is the smallest it
    reached (``photo.encode_image`` refuses; no file was written). ``fitted``: ``nbytes`` is
    the size of a file ``encode_image`` made, which steps the quality down until it fits, so
    being close to the cap is no risk there and gives no warning."""
    kb = round(nbytes / 1000)
    if preset is None:
        return _result("file_size", OK, float(nbytes), "check_file_size_nocap", kb=kb)
    cap = preset.image.max_bytes
    share = nbytes / cap
    status = FAIL if refused or share > 1.0 else WARN if share > LIMITS.size_cap_warn and not fitted else OK
    key = {OK: "check_file_size_ok", WARN: "check_file_size_near", FAIL: "check_file_size_bad"}[status]
    if refused:
        key = "check_file_size_refused"
    return _result("file_size", status, float(nbytes), key, kb=kb, cap_kb=round(cap / 1000))


def check_color_cast(rgb: np.ndarray, residual_cast: float | None = None,
                     exclude: np.ndarray | None = None) -> CheckResult:
    value = float(residual_cast) if residual_cast is not None else neutral_cast(rgb, exclude)
    return _result("color_cast", _grade(value, LIMITS.cast_warn, LIMITS.cast_fail), value)


def check_hand(hand: np.ndarray, mask: np.ndarray | None = None) -> CheckResult:
    """A hand or arm left in the cutout, as a share of the cutout. Only what is at least
    ``hand_width`` px wide (at ``WORK_SIDE``) counts: the skin-toned fringe a removed hand leaves
    along the cut line is not a finger (measured on the review set's tuning half: clean cartons
    warned at 0.5-0.9 % of fringe, which a 5 px opening removes; a thumb left stays)."""
    total = int(mask.sum()) if mask is not None else hand.size
    k = np.ones((LIMITS.hand_width, LIMITS.hand_width), np.uint8)
    share = float(cv2.morphologyEx(hand.astype(np.uint8), cv2.MORPH_OPEN, k).sum()) / max(total, 1)
    status = FAIL if share >= LIMITS.hand_fail else WARN if share >= LIMITS.hand_warn else OK
    return _result("hand", status, share, None if status == OK else "realphoto_check_hand_bad",
                   percent=round(100 * share))


def _interior(alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The product (alpha > 50 %, holes filled) and its inside without a 2 % edge band."""
    solid = (alpha > 128).astype(np.uint8)
    filled = np.zeros_like(solid)
    contours, _ = cv2.findContours(solid, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    r = max(2, int(0.02 * max(alpha.shape)))
    inner = cv2.erode(filled, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    return filled > 0, inner > 0


def check_milky(alpha: np.ndarray, interior: tuple | None = None) -> CheckResult:
    """Share of the product's inside (its outline filled, edge band excluded) that is partly
    transparent (alpha 12..88 %): a milky, see-through product (ok for glass and clear plastic:
    the tip says so). ``interior``: ``_interior(alpha)`` when already made."""
    _, inner = _interior(alpha) if interior is None else interior
    n = int(inner.sum())
    share = 0.0 if n == 0 else float(((alpha > 30) & (alpha < 225) & inner).sum()) / n
    status = _grade(share, LIMITS.milky_warn, LIMITS.milky_fail)
    return _result("milky", status, share, f"realphoto_check_milky_{'ok' if status == OK else 'bad'}",
                   percent=round(100 * share))


def check_ghosts(alpha: np.ndarray, parts: tuple | None = None, interior: tuple | None = None) -> CheckResult:
    """Faint parts of the cutout (alpha 4..60 %) lying apart from the product: pale ghosts of
    the background floating beside it. Value: their area per product pixel. A solid piece
    standing apart from the product (``scene.stray_piece``) warns too, with its own tip.
    ``parts``: ``components(alpha > 128)``, ``interior``: ``_interior(alpha)`` when already made."""
    filled, _ = _interior(alpha) if interior is None else interior
    n = int(filled.sum())
    if n == 0:
        return _result("ghosts", OK, 0.0, "realphoto_check_ghosts_ok", percent=0)
    r = max(2, int(0.01 * max(alpha.shape)))
    near = cv2.dilate(filled.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    faint = (alpha >= 10) & (alpha <= 153) & (near == 0)
    share = float(faint.sum()) / n
    status = _grade(share, LIMITS.ghost_warn, LIMITS.ghost_fail)
    piece = scene.stray_piece(alpha > 128, parts) if status == OK else 0.0
    if piece:
        return _result("ghosts", WARN, share, "realphoto_check_piece_bad", percent=max(1, round(100 * piece)))
    return _result("ghosts", status, share, f"realphoto_check_ghosts_{'ok' if status == OK else 'bad'}",
                   percent=round(100 * share))


def notch_depth(mask: np.ndarray, parts: tuple | None = None) -> float:
    """The deepest notch into the largest blob's outline (its deepest convexity defect), as a
    share of the blob's size (the square root of its area): 0 for a convex outline. In a group
    of round things (``imaging.scene.round_parts``: melons side by side) the notches where they
    meet are not counted: the deepest notch into one of them is. ``parts``: ``components(mask)``
    when already made."""
    blob = largest_blob(mask, parts)
    depth = _deepest_notch(blob)
    if depth < LIMITS.torn_depth:
        return depth
    parts = scene.round_parts(blob)
    return depth if parts is None else max(_deepest_notch(p) for p in parts)


def _deepest_notch(blob: np.ndarray) -> float:
    contours, _ = cv2.findContours(blob.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return 0.0
    c = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(c)
    if area < 50 or len(c) < 4:
        return 0.0
    hull = cv2.convexHull(c, returnPoints=False)
    try:
        defects = cv2.convexityDefects(c, hull)
    except cv2.error:  # a self-touching outline: no defects to read
        return 0.0
    if defects is None:
        return 0.0
    return float(defects.reshape(-1, 4)[:, 3].max()) / 256.0 / float(np.sqrt(area))


def check_product_lost(mask: np.ndarray, parts: tuple | None = None) -> CheckResult:
    """The cutout is not the photo's main object: tiny, or small and far off the centre
    (the model kept an arm and a leaf, the carton went): fail. Or a part of it is torn away:
    a notch deeper than ``torn_depth`` of its size cut into its outline (where fingers held
    it, where the model lost its lower half): warn; deeper than ``torn_fail`` (a side of it gone,
    a carton shredded into pieces) it is no listing photo: fail, with the advice to retake.
    Value: the cutout's frame share. ``parts``: ``components(mask)`` when already made."""
    h, w = mask.shape
    share = float(mask.mean())
    if share == 0:
        return _result("product_lost", FAIL, 0.0, "realphoto_check_product_lost_bad")
    ys, xs = np.nonzero(mask)
    far = float(np.hypot(xs.mean() / w - 0.5, ys.mean() / h - 0.5) / np.hypot(0.5, 0.5))
    lost = share < LIMITS.lost_min or (far > LIMITS.lost_far and share < LIMITS.lost_small)
    if lost:
        return _result("product_lost", FAIL, share, "realphoto_check_product_lost_bad")
    depth = notch_depth(mask, parts)
    if depth >= LIMITS.torn_fail:
        return _result("product_lost", FAIL, share, "realphoto_check_product_torn_bad", percent=round(100 * depth))
    if depth >= LIMITS.torn_depth:
        return _result("product_lost", WARN, share, "realphoto_check_product_torn", percent=round(100 * depth))
    return _result("product_lost", OK, share, "realphoto_check_product_lost_ok")


# --------------------------------------------------------------------------- all at once

def run_checks(rgb: np.ndarray, alpha: np.ndarray | None, *, original_size: tuple[int, int],
               preset=None, output: Image.Image | np.ndarray | None = None, output_bytes: int | None = None,
               residual_cast: float | None = None, second_alpha: np.ndarray | None = None,
               output_refused: bool = False, output_fitted: bool = False,
               same_photo: list[CheckResult] | None = None, output_scene: bool = False) -> list[CheckResult]:
    """Every check that applies, in ``CHECK_NAMES`` order.

    ``rgb``/``alpha``: the source photo at working resolution and its cutout (uint8, same
    size; PIL images are accepted). ``original_size``: the photo's (w, h) as the camera
    stored it. ``preset``: an ``assistant.presets.Preset`` (None: judged as Etalase's
    general preset "umum"). ``output``/``output_bytes``: one finished image and its
    encoded size, for ``background``, ``file_size`` and ``color_cast``. ``residual_cast``:
    the lighting stage's own measure of the cast left (CIELAB chroma). ``second_alpha``: a
    second model's alpha for ``cutout_uncertain``. ``output_refused``: the pipeline could
    not make the output under the preset's byte cap (``output_bytes`` is then the smallest
    size it reached and ``output`` is None): ``file_size`` fails with its own tip.
    ``output_fitted``: ``output_bytes`` is what ``photo.encode_image`` wrote for the preset
    (it lowers the quality until the file fits), so a file near the cap is not warned about.

    Checks that need what was not given are left out: without ``alpha`` the six cutout
    checks, without ``output`` ``background``, without ``output_bytes`` ``file_size``.
    ``color_cast`` is measured on the output when there is one, else on the source.
    ``same_photo``: this photo's results for another preset's output; the checks of the photo
    itself (``PHOTO_CHECKS``) are taken from it instead of being measured again.
    ``output_scene``: ``output`` is a photo kept whole (``pipeline.SCENE``; ``check_background``).
    """
    rgb = _rgb3(_as_array(rgb))
    full_h, full_w = rgb.shape[:2]
    small = _resize_long(rgb, WORK_SIDE)
    a_small = None
    if alpha is not None:
        alpha = _as_array(alpha)
        if alpha.ndim == 3:
            alpha = alpha[..., -1]
        a_full = cv2.resize(alpha, (full_w, full_h), interpolation=cv2.INTER_LINEAR) \
            if alpha.shape != (full_h, full_w) else alpha
        a_small = cv2.resize(a_full, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_AREA) \
            if small.shape[:2] != a_full.shape else a_full
        mask_full = a_full > 128
    mask = a_small > 128 if a_small is not None else None

    results: dict[str, CheckResult] = {}
    reused = {r.check: r for r in same_photo or () if r.check in PHOTO_CHECKS}
    results["blur"] = reused.get("blur") or check_blur(rgb, mask_full if alpha is not None else None)
    results["exposure"] = reused.get("exposure") or check_exposure(small, mask)
    results["resolution"] = check_resolution(mask, small.shape[:2], original_size, preset)
    if mask is not None and reused.keys() >= set(PHOTO_CHECKS) - {"blur", "exposure"}:
        results.update({name: reused[name] for name in PHOTO_CHECKS if name not in results})
    elif mask is not None:
        hand = find_hand(small, mask)
        fg = plain_foreground(small)
        parts = components(mask)  # the cutout's parts, labelled once for cutoff, product_lost and ghosts
        results["cutoff"] = check_cutoff(mask, hand, fg, parts)
        results["cutout_uncertain"] = check_cutout_uncertain(a_small, second_alpha)
        results["product_size"] = check_product_size(mask, hand, results["cutout_uncertain"])
        results["multiple_products"] = check_multiple(mask & ~hand, fg, hand)
        results["white_on_white"] = check_white_on_white(small, mask)
        results["hand"] = check_hand(hand, mask)
        results["product_lost"] = check_product_lost(mask, parts)
        interior = _interior(a_small)  # the product's outline, found once for milky and ghosts
        results["milky"] = check_milky(a_small, interior)
        results["ghosts"] = check_ghosts(a_small, parts, interior)
    out = None
    if output is not None:
        out = _as_array(output)
        bg = check_background(out, preset, scene=output_scene)
        if bg is not None:
            results["background"] = bg
    if output_bytes is not None:
        results["file_size"] = check_file_size(int(output_bytes), preset, output_refused, output_fitted)
    if out is not None:
        # On an output the canvas is not a surface of the photo: judge the product only.
        o_small = _resize_long(np.ascontiguousarray(out), WORK_SIDE)
        if o_small.ndim == 3 and o_small.shape[2] == 4:
            canvas = o_small[..., 3] < 128
        else:
            bg = np.array(preset.background_rgb if preset is not None else (255, 255, 255), np.int16)
            canvas = (np.abs(_rgb3(o_small).astype(np.int16) - bg).max(axis=2) <= 3)
        results["color_cast"] = check_color_cast(_rgb3(o_small), residual_cast, exclude=canvas)
    else:
        results["color_cast"] = check_color_cast(small, residual_cast)
    return [results[name] for name in CHECK_NAMES if name in results]


def worst(results: list[CheckResult]) -> str:
    """The worst status in ``results`` ("ok" when empty)."""
    return max((r.status for r in results), key=STATUSES.index, default=OK)
