"""Siap tayang (issue 22, round 9): the verdict's faster paths give what the plain ones gave.

The detector labels, resizes and scans less than it did (one labelling of a one-blob cutout, one
resize for the product and its zone, the crossed-frame rows scanned as arrays, the background band
read strip by strip); each against the straightforward reading it replaced, on generated inputs.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from assistant.readiness import frames, overlay, rules
from assistant.readiness.overlay import LIMITS, Mark


def _crossed_rows_plainly(small, step, off, zone, band_level, line_share, reach, span=0.6, min_out=0.1):
    """frames.crossed_lines as round 8 wrote it: row by row."""
    h, w = zone.shape
    k = max(1, int(reach * h))
    found = np.zeros(h, bool)
    for y in [*range(k), *range(h - k, h)]:
        o = ~zone[y]
        if o.all():
            continue
        for hits, flat in ((step[y] & o, False), (off[y] & o, True)):
            xs = np.flatnonzero(hits)
            if len(xs) < 2 or xs[-1] - xs[0] < span * w:
                continue
            inside = o[xs[0]:xs[-1] + 1]
            if inside.sum() < min_out * w or hits[xs[0]:xs[-1] + 1].sum() < line_share * inside.sum():
                continue
            if flat:
                px = small[y, xs[0]:xs[-1] + 1][inside].astype(np.int16)
                if (np.abs(px - np.median(px, axis=0)).max(axis=1) <= band_level).mean() < line_share:
                    continue
            found[y] = True
            break
    return found


@pytest.mark.parametrize("seed", range(4))
def test_crossed_lines_as_arrays_finds_the_rows_the_row_by_row_scan_found(seed):
    rng = np.random.default_rng(seed)
    found = 0
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(40, 160, 2))
        small = np.full((h, w, 3), rng.integers(0, 256, 3), np.uint8)
        small = np.clip(small.astype(int) + rng.integers(-30, 31, (h, w, 3)), 0, 255).astype(np.uint8)
        p = rng.uniform(0.4, 1.0)
        step, off = rng.random((h, w)) < p, rng.random((h, w)) < p
        zone = np.zeros((h, w), bool)
        zone[:, rng.integers(0, w // 2):rng.integers(w // 2, w)] = True
        zone[rng.integers(0, h)] = rng.random() < 0.3  # now and then a row the zone fills
        want = _crossed_rows_plainly(small, step, off, zone, 24, 0.8, 0.15)
        assert np.array_equal(frames.crossed_lines(small, step, off, zone, 24, 0.8, 0.15), want)
        found += int(want.sum())
    assert found > 0  # the cases hold crossed rows, not only empty answers


def test_the_product_and_its_zone_come_back_at_full_size_as_two_resizes_gave_them():
    rng = np.random.default_rng(5)
    prod = cv2.dilate((rng.random((120, 90)) > 0.995).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    zone = cv2.dilate(prod.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    zone[0:5, 0:5] = True
    p, z = overlay._full_masks(prod, zone, (170, 225))
    for got, small in ((p, prod), (z, zone)):
        want = cv2.resize(small.astype(np.uint8), (170, 225), interpolation=cv2.INTER_NEAREST).astype(bool)
        assert got.dtype == bool and np.array_equal(got, want)


@pytest.mark.parametrize("blobs", [1, 2])
def test_one_blob_is_not_labelled_again_and_two_are(blobs):
    """A cutout of one blob (holes filled) has no blob apart from the largest: the badge test is
    skipped; with a second blob, a flat coloured one (a sticker) is still taken out."""
    small = np.full((200, 200, 3), 255, np.uint8)
    small[40:160, 30:110] = np.random.default_rng(0).integers(60, 200, (120, 80, 3))  # a shaded product
    alpha = np.zeros((200, 200), np.uint8)
    alpha[40:160, 30:110] = 255
    if blobs == 2:
        small[60:110, 130:180] = (230, 30, 30)  # a flat red badge the cutout took for an object
        alpha[60:110, 130:180] = 255
    mask, n = overlay._product_blobs(alpha, LIMITS)
    assert n == blobs and np.array_equal(mask, overlay.product_mask(alpha))
    hi, lo = small.max(axis=2), small.min(axis=2)
    out = overlay._without_badges(small, mask, LIMITS, (hi, lo), n)
    assert out[100, 70] and not out[80, 150]


def test_the_background_band_leaves_out_the_zone_and_every_marks_box_as_the_whole_mask_did():
    rng = np.random.default_rng(3)
    h, w = 300, 240
    rgb = np.full((h, w, 3), 255, np.uint8)
    rgb[rng.random((h, w)) < 0.3] = (200, 40, 40)
    zone = np.zeros((h, w), bool)
    zone[50:250, 0:120] = True  # the product zone reaches the left edge
    marks = (Mark("text", (0, 0, 60, 20), 200.0, False), Mark("logo", (200, 150, 240, 300), 200.0, False),
             Mark("logo", (100, 100, 140, 140), 200.0, False))
    f = overlay.Findings(size=(w, h), marks=marks, content=(0, 0, w, h), border=False, screenshot=False,
                         collage=False, canvas=(255, 255, 255), plain=True, product=zone, zone=zone)
    keep = ~zone
    for m in marks:
        x0, y0, x1, y1 = m.box
        keep[y0:y1, x0:x1] = False
    e = max(2, int(rules.BACKGROUND_RING * min(w, h)))
    off = total = 0
    for ys, xs in ((slice(0, e), slice(0, w)), (slice(h - e, h), slice(0, w)),
                   (slice(e, h - e), slice(0, e)), (slice(e, h - e), slice(w - e, w))):
        px = rgb[ys, xs][::2, ::2][keep[ys, xs][::2, ::2]].astype(np.int16)
        off += int((np.abs(px - 255).max(axis=1) > 10).sum())
        total += len(px)
    assert rules.background_off_share(rgb, f, (255, 255, 255), 10) == pytest.approx(off / total)
