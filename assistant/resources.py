"""Where Etalase's data folders are, from a checkout and from an installed wheel alike.

The marketplace presets and mockup templates (``presets/``) and the photo guide's pictures
(``docs/panduan/``) live at the repository root, where contributors edit them. A wheel ships
them inside the package, under ``assistant/_shipped/<same path>`` (``setup.py`` copies them
there at build time), so ``pip install etalase-*.whl`` needs no checkout. Every reader asks
``data_dir`` and gets whichever copy exists: the shipped one first, else the checkout's.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DIR = PACKAGE_DIR / "_shipped"
CHECKOUT_DIR = PACKAGE_DIR.parent

# Repository-relative folders the wheel carries (setup.py reads this tuple too).
SHIPPED = ("presets", "docs/panduan")


def data_dir(relative: str) -> Path:
    """``relative`` (one of ``SHIPPED`` or a folder below one) in the installed package, else
    in the checkout. The checkout's path is returned even when missing, so a message can name it."""
    shipped = SHIPPED_DIR / relative
    return shipped if shipped.is_dir() else CHECKOUT_DIR / relative


def user_cache_dir(area: str) -> Path | None:
    """``$XDG_CACHE_HOME/etalase/<area>`` (``~/.cache/...`` by default): things worth keeping
    between runs that can be made again (rendered backdrops). None when there is no home folder."""
    import os

    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "etalase" / area
