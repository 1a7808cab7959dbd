"""The label's drawing primitives: drawing ops (mm, y down), a design's style, and atoms
(one line of text, a table, a row of stamp boxes) that the layout engine flows into columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from assistant.label import fonts

PT = 25.4 / 72  # mm per point

# --------------------------------------------------------------------------- drawing ops

@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str | None = None
    stroke: str | None = None
    lw: float = 0.0
    r: float = 0.0
    dash: tuple | None = None


@dataclass
class Text:
    x: float
    y: float          # baseline
    text: str
    font: str
    size: float       # points
    colour: str
    anchor: str = "l"  # l, c, r
    tracking: float = 0.0  # extra space between letters, points


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    lw: float = 0.25
    dash: tuple | None = None


@dataclass
class Poly:
    points: list[tuple[float, float]]
    fill: str | None = None
    stroke: str | None = None
    lw: float = 0.0


@dataclass
class Circle:
    cx: float
    cy: float
    r: float
    fill: str | None = None
    stroke: str | None = None
    lw: float = 0.0


@dataclass
class Picture:
    x: float
    y: float
    w: float
    h: float
    path: str


@dataclass
class QR:
    x: float
    y: float
    size: float
    data: str
    colour: str


def text_width(text: str, font: str, size: float, tracking: float = 0.0) -> float:
    """Width in mm."""
    return (fonts.width(text, font, size) + tracking * max(0, len(text) - 1)) * PT


# --------------------------------------------------------------------------- style

@dataclass
class Style:
    """What a design decides: colours, fonts, sizes; ``decor`` draws its background and ornaments."""

    name: str
    bg: str
    ink: str
    soft: str                 # secondary text
    accent: str
    head_ink: str
    brand_font: str
    type_font: str
    body: str = "Lato"
    bold: str = "Lato-Bold"
    brand_upper: bool = False
    brand_tracking: float = 0.0   # em share
    head_align: str = "c"
    inset: float = 4.5            # content inset from trim (>= SAFE)
    body_max: float = 8.5
    header_share: float = 0.34    # header height share of a full label
    rule_colour: str = ""
    card: str = ""                # body sits on a card of this colour (playful, bold)
    card_ink: str = ""
    header_fill: str = ""         # the header's area is filled with this colour (to the bleed)
    decor: Callable | None = None
    decor_inset: Callable | None = None  # extra (top, right, bottom, left) inset by the decoration


# --------------------------------------------------------------------------- atoms

@dataclass
class Atom:
    height: float                      # mm
    draw: Callable[[float, float, float], list]  # (x, y_top, width) -> ops
    space: bool = False                # collapses at a column's top
    min_size: float = 0.0              # smallest text size (pt) it sets


def _cannot_fit(size: float) -> Atom:
    """An atom no column can hold: text that cannot be set in this column at this size makes the
    whole flow fail, so the fitter tries a smaller size or refuses (never overflows)."""
    return Atom(1e6, lambda x, y, w: [], min_size=size)


def _space(mm: float) -> Atom:
    return Atom(mm, lambda x, y, w: [], space=True)


Run = tuple[str, str]  # (word, font)


def _wrap(runs: list[Run], width: float, size: float) -> list[list[Run]]:
    """Greedy line breaking of (word, font) runs; a word longer than a line is split with a hyphen."""
    lines: list[list[Run]] = []
    cur: list[Run] = []
    cur_w = 0.0
    for word, font in runs:
        ww = text_width(word, font, size)
        sw = text_width(" ", font, size)
        if cur and cur_w + sw + ww > width:
            lines.append(cur)
            cur, cur_w = [], 0.0
        while ww > width:  # an over-long word: hyphenate where it must
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut] + "-", font, size) > width - (cur_w + sw if cur else 0):
                cut -= 1
            if cur and cut <= 1:
                lines.append(cur)
                cur, cur_w = [], 0.0
                continue
            cur.append((word[:cut] + "-", font))
            lines.append(cur)
            cur, cur_w = [], 0.0
            word = word[cut:]
            ww = text_width(word, font, size)
        cur_w += (sw if cur else 0) + ww
        cur.append((word, font))
    if cur:
        lines.append(cur)
    return lines


def paragraph(runs: list[Run], size: float, colour: str, width: float, leading: float = 1.22,
              align: str = "l", after: float = 0.6) -> list[Atom]:
    """A wrapped paragraph as one atom per line."""
    atoms = []
    lh = size * leading * PT
    for line in _wrap(runs, width, size):
        def draw(x, y, w, line=line):
            ops, total = [], 0.0
            parts = []
            for i, (word, font) in enumerate(line):
                text = word if i == 0 else " " + word
                parts.append((text, font))
                total += text_width(text, font, size)
            cx = x if align == "l" else x + (w - total) / 2 if align == "c" else x + w - total
            base = y + lh * 0.8  # the baseline, so the ascenders sit just under the line's top
            for text, font in parts:
                ops.append(Text(cx, base, text, font, size, colour))
                cx += text_width(text, font, size)
            return ops
        atoms.append(Atom(lh, draw, min_size=size))
    if atoms and after:
        atoms.append(_space(after))
    return atoms


def words(text: str, font: str) -> list[Run]:
    return [(w, font) for w in text.split()]
