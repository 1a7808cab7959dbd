"""Shared fixtures: paths to ../shared/data (skipped with a reason when absent) and images made in code."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test saying what is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data is absent here ({path} not found): real-photo test skipped")
    return path


def product_photo(size: tuple[int, int] = (900, 700), seed: int = 0, colour=(200, 40, 40)) -> Image.Image:
    """A phone-like photo made in code: a shaded box with a label on a textured table and wall."""
    rng = np.random.default_rng(seed)
    w, h = size
    y = np.linspace(0, 1, h)[:, None, None]
    wall = np.array([226, 220, 205], np.float32) * (1 - 0.15 * y)
    img = np.broadcast_to(wall, (h, w, 3)).copy()
    img[int(h * 0.72):] = np.array([170, 140, 110], np.float32)  # table
    img += rng.normal(0, 4, img.shape)
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(pil)
    bw, bh = int(w * 0.32), int(h * 0.55)
    x0, y0 = (w - bw) // 2, int(h * 0.8) - bh
    draw.ellipse([x0 - 10, y0 + bh - 18, x0 + bw + 30, y0 + bh + 22], fill=(110, 90, 70))
    draw.rectangle([x0, y0, x0 + bw, y0 + bh], fill=colour)
    draw.polygon([(x0 + bw, y0), (x0 + bw + 40, y0 - 30), (x0 + bw + 40, y0 + bh - 30), (x0 + bw, y0 + bh)],
                 fill=tuple(int(c * 0.6) for c in colour))
    draw.polygon([(x0, y0), (x0 + 40, y0 - 30), (x0 + bw + 40, y0 - 30), (x0 + bw, y0)],
                 fill=tuple(min(255, int(c * 1.2) + 30) for c in colour))
    draw.rectangle([x0 + bw * 0.15, y0 + bh * 0.3, x0 + bw * 0.85, y0 + bh * 0.6], fill=(245, 240, 225))
    draw.text((x0 + bw * 0.25, y0 + bh * 0.42), "KERIPIK", fill=(30, 30, 30))
    return pil.filter(ImageFilter.GaussianBlur(0.8))


def jpeg_bytes(image: Image.Image, **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=92, **kwargs)
    return buf.getvalue()


@pytest.fixture
def photo_file(tmp_path: Path) -> Path:
    """A generated product photo saved as a JPEG."""
    path = tmp_path / "produk.jpg"
    path.write_bytes(jpeg_bytes(product_photo()))
    return path


@pytest.fixture
def car_photo() -> Path:
    """rembg's README example car-1.jpg when ../shared is here; a generated photo otherwise."""
    path = SHARED / "rembg" / "examples" / "car-1.jpg"
    return path if path.exists() else None  # tests fall back to photo_file


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/goldens/ from the current code (a deliberate change of outputs)")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))
