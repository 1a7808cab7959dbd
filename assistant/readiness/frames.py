"""Frames read around the product for ``overlay`` (round 8). Pure numpy/cv2, at the detector's
working size.

- **White padding is canvas, not a frame.** A band from the image's edge that is white paper
  (every channel at least ``pad_white``) is what a marketplace's own white background looks like,
  and what Etalase pads a photo with when its cutout took the whole photo (a shelf, a crate): a
  photo padded onto white has no border. A coloured or grey mat, or a line, is still a frame.
- **A frame line the product crosses** is still a frame. A row (column) is such a line when the
  product zone crosses it and what lies outside the zone is, all along, the line: an edge step or
  one flat paint off the canvas. Only lines near the image's edge count (a frame is at the edge;
  a shelf's edge in the middle is no frame). Its pieces outside the product are no marks (they
  used to read as corner "logos"); the content box is not moved (a crop would cut the product):
  the fix paints those pieces over as canvas (their pixels never grow the product: ``overlay._attached``).
- **A screenshot's app bar is chrome, not a frame line** (round 9): the bar's lower edge that a
  product crosses stops no growth (``growth_stops``); the chrome crop removes the bar.
"""

from __future__ import annotations

import numpy as np

from .ink import chmax


def _chmin(img: np.ndarray) -> np.ndarray:
    return np.minimum(np.minimum(img[..., 0], img[..., 1]), img[..., 2])


def white_padding(small: np.ndarray, extent: dict[str, int], level: int, band_level: int,
                  share: float = 0.95) -> set[str]:
    """The sides whose band (``extent`` px from the edge) is white paper, row by row from the edge to
    within 4 px of its inner edge (or beyond it), then a photo: padding. Not when the white resumes
    a few px further in (a line on white), nor when a row of one paint lies between the white and the
    photo (a line or a mat) that is not the resampled mix of the white and the photo's first row."""
    wh = _chmin(small) >= level
    flip = {"top": (wh, small), "bottom": (wh[::-1], small[::-1]),
            "left": (wh.T, small.transpose(1, 0, 2)), "right": (wh.T[::-1], small.transpose(1, 0, 2)[::-1])}
    out = set()
    for name, n in extent.items():
        white, px = flip[name]
        rows = white.mean(axis=1) >= share
        k = int(np.argmin(rows)) if not rows.all() else len(rows)  # white rows from the edge
        if k < 2 or k < n - 4 or white[k + 2:k + 6].mean() >= 0.5:
            continue
        line = False
        for y in range(k, min(max(k + 1, n), len(px) - 1)):
            row = px[y].astype(np.int16)
            paint = np.median(row, axis=0)
            one_paint = (np.abs(row - paint).max(axis=1) <= band_level).mean() >= 0.8
            mix = np.median(np.abs(row - (255 + px[y + 1].astype(np.int16)) / 2).max(axis=1)) <= band_level
            # a row mostly white paper is no line of another paint: a JPEG's ringing and 4:2:0 colour along
            # the photo's edge leave the last white row short of ``share`` (round 11)
            line |= bool(one_paint and not mix and paint.min() < level)
        if not line:
            out.add(name)
    return out


def crossed_lines(small: np.ndarray, step: np.ndarray, off: np.ndarray, zone: np.ndarray, band_level: int,
                  line_share: float, reach: float, span: float = 0.6, min_out: float = 0.1) -> np.ndarray:
    """Rows (of ``small``, HxWx3) that are a frame line the product zone crosses: the line runs
    ``span`` of the row or more (an inset frame leaves canvas beyond its ends), at least ``min_out``
    of the row lies outside the zone within it, and of that, ``line_share`` is an edge step or one
    flat paint off the canvas; only rows within ``reach`` of the image's top or bottom. Bool per row."""
    h, w = zone.shape
    k = max(1, int(reach * h))
    ys = np.array([*range(k), *range(h - k, h)])
    out = ~zone[ys]
    crossed = ~out.all(axis=1)  # rows the zone does not cross: the band and line rows already judge them
    ys, out = ys[crossed], out[crossed]
    found = np.zeros(h, bool)
    if not len(ys):
        return found
    outside = np.concatenate([np.zeros((len(ys), 1), np.int32), np.cumsum(out, axis=1, dtype=np.int32)], axis=1)
    cols = np.arange(w)
    ok = np.zeros(len(ys), bool)
    for hits, flat in ((step[ys] & out, False), (off[ys] & out, True)):
        n = hits.sum(axis=1)
        first = np.argmax(hits, axis=1)
        last = w - 1 - np.argmax(hits[:, ::-1], axis=1)
        inside = outside[np.arange(len(ys)), last + 1] - outside[np.arange(len(ys)), first]
        # every hit lies between the first and the last: ``n`` is the hits within the line
        cand = ~ok & (n >= 2) & (last - first >= span * w) & (inside >= min_out * w) & (n >= line_share * inside)
        for r in np.flatnonzero(cand):
            if flat:
                sel = out[r] & (cols >= first[r]) & (cols <= last[r])
                px = small[ys[r]][sel].astype(np.int16)
                if (np.abs(px - np.median(px, axis=0)).max(axis=1) <= band_level).mean() < line_share:
                    continue
            ok[r] = True
    found[ys[ok]] = True
    return found


def line_mask(rows: np.ndarray, cols: np.ndarray, grow: int = 2) -> np.ndarray:
    """The pixels of the crossed rows and columns, ``grow`` px either side (a line's own thickness)."""
    r = rows.copy()
    c = cols.copy()
    for s in range(1, grow + 1):
        r[s:] |= rows[:-s]
        r[:-s] |= rows[s:]
        c[s:] |= cols[:-s]
        c[:-s] |= cols[s:]
    return r[:, None] | c[None, :]


def growth_stops(rows: np.ndarray, cols: np.ndarray, chrome_above: int = 0) -> np.ndarray | None:
    """The crossed lines' pixels that the product's growth must not take (``line_mask``), None when
    there are none. A screenshot's chrome is no frame: rows above ``chrome_above`` (the product's top in
    a screenshot, 0 otherwise) are the screen's app bar, whose lower edge a product scrolled under it
    crosses; stopping the growth there would leave a full-width strip of the bar below the line joined
    to the product, and the chrome crop would keep it. The crop takes those rows away anyway."""
    rows = rows.copy()
    rows[:chrome_above] = False
    return line_mask(rows, cols) if rows.any() or cols.any() else None


__all__ = ["white_padding", "crossed_lines", "line_mask", "growth_stops", "chmax"]
