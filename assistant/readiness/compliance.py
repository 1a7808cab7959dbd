"""Does one finished image meet its marketplace's rules: pixel size, file size, background, fill.

Decided here, once; the web app only renders the answer (``assistant.web.render``). The
inputs are plain values so a stored result description can be judged again later.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.pipeline import TRANSPARENT

# How far under the preset's fill the product may end up and still count as meeting it (two
# points of the canvas side; the value the app's compliance line has always used).
FILL_TOLERANCE = 0.02


@dataclass(frozen=True)
class Compliance:
    """Each rule's answer; ``ok`` when all four hold."""

    size_ok: bool
    bytes_ok: bool
    background_ok: bool
    fill_ok: bool

    @property
    def ok(self) -> bool:
        return self.size_ok and self.bytes_ok and self.background_ok and self.fill_ok


def decide(*, size: tuple[int, int], want_size: tuple[int, int], nbytes: int, max_bytes: int, background: str,
           want_background: str, transparent_allowed: bool, fill: float, want_fill: float) -> Compliance:
    """The four answers for an image of ``size`` and ``nbytes`` on ``background`` at ``fill``."""
    if background == TRANSPARENT:
        background_ok = transparent_allowed
    else:
        background_ok = background.upper() == want_background.upper()
    return Compliance(size_ok=tuple(size) == tuple(want_size), bytes_ok=nbytes <= max_bytes,
                      background_ok=background_ok, fill_ok=fill >= want_fill - FILL_TOLERANCE)


def of_output(output) -> Compliance:
    """The answers for one ``pipeline.Output`` against its own preset."""
    rules = output.preset.image
    return decide(size=output.size, want_size=output.preset.size, nbytes=len(output.data),
                  max_bytes=rules.max_bytes, background=output.background, want_background=rules.background,
                  transparent_allowed=rules.transparent_allowed, fill=output.fill, want_fill=rules.fill)
