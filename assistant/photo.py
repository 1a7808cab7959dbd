"""The Photo record, and photo intake and export.

``open_photo`` turns whatever a phone or WhatsApp produced into an upright 8-bit sRGB
image, decoding no more pixels than the output needs (JPEG draft mode). ``save_image``
writes an output with no metadata but the sRGB profile: no GPS, device or time data leaves
the tool.
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from assistant.errors import AssistantError
from assistant.i18n import t

try:  # HEIC/HEIF (iPhone photos)
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is in requirements.txt
    pillow_heif = None

MAX_PIXELS = 150_000_000  # a 108 MP phone photo passes; a decompression bomb does not
MIN_SIDE = 100  # smaller than this cannot make a listing image
MAX_BYTES = 60_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard as a backstop to ours
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is an error, not a grey half-photo
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# LittleCMS stamps the profile with the time it was made (header bytes 24-35), so every
# process would embed different bytes and the same photo would give different files. A fixed
# date (2026-01-01 00:00:00) keeps outputs byte-for-byte reproducible.
_SRGB_BYTES = _SRGB.tobytes()[:24] + bytes.fromhex("07ea00010001000000000000") + _SRGB.tobytes()[36:]


@dataclass(frozen=True)
class Notice:
    """Something the user should know about a photo: an i18n key and its parameters."""

    code: str
    params: dict = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        return t(self.code, lang, **self.params)


@dataclass(frozen=True)
class Photo:
    """An upright 8-bit sRGB photo, its alpha once cut out, and what happened to it."""

    image: Image.Image  # mode RGB
    alpha: Image.Image | None = None  # mode L, same size; None until the cutout
    source: str = ""
    original_size: tuple[int, int] = (0, 0)  # upright, as the camera stored it
    decoded_size: tuple[int, int] = (0, 0)  # what was actually decoded (draft mode)
    hint_alpha: Image.Image | None = None  # a transparent PNG's own alpha
    history: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = ()

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    def with_(self, **changes) -> Photo:
        """A copy with some fields replaced (Photo is immutable)."""
        return replace(self, **changes)

    def noted(self, code: str, **params) -> Photo:
        return replace(self, notices=self.notices + (Notice(code, params),))


def _read_source(src: str | os.PathLike | bytes | BinaryIO) -> tuple[bytes, str]:
    if isinstance(src, bytes):
        return src, "upload"
    if hasattr(src, "read"):
        return src.read(), getattr(src, "name", "upload")
    path = Path(src)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise AssistantError("photo_file_too_large", name=path.name, mb=round(size / 1e6, 1),
                                 limit=MAX_BYTES // 1_000_000)
        return path.read_bytes(), path.name
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise AssistantError("photo_unreadable", name=path.name) from None


def _draft_request(img: Image.Image, max_side: int) -> tuple[int, int]:
    w, h = img.size
    scale = max_side / max(w, h)
    return (max(1, int(w * scale + 0.999)), max(1, int(h * scale + 0.999)))


def _to_rgb8(img: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    """Any Pillow mode to 8-bit RGB plus an alpha band when the image has transparency."""
    alpha = None
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        img = Image.fromarray(np.clip(arr * (255.0 / top) + 0.5, 0, 255).astype(np.uint8), "L")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        alpha = img.getchannel("A")
        img = img.convert("RGBA").convert("RGB") if img.mode != "RGBA" else img.convert("RGB")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if alpha is not None and alpha.getextrema()[0] == 255:
        alpha = None  # fully opaque: no hint in it
    return img, alpha


def _to_srgb(img: Image.Image, icc: bytes | None, mode_before: str) -> tuple[Image.Image, bool]:
    if not icc:
        return img, False
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if profile.tobytes() == _SRGB_BYTES:
            return img, False
        desc = (ImageCms.getProfileDescription(profile) or "").lower()
        if "srgb" in desc and mode_before not in ("CMYK",):
            return img, False  # already sRGB under another name: nothing to convert
        if img.mode != "RGB" or profile.profile.xcolor_space.strip() != "RGB":
            return img, False
        return ImageCms.profileToProfile(img, profile, _SRGB, outputMode="RGB"), True
    except (OSError, ImageCms.PyCMSError, ValueError):
        return img, False  # an unreadable profile: keep the pixels as they are


def open_photo(src: str | os.PathLike | bytes | BinaryIO, max_side: int | None = None,
               min_side: int = MIN_SIDE) -> Photo:
    """Open a phone photo as an upright 8-bit sRGB ``Photo``.

    ``max_side`` caps the decoded long side: JPEGs are decoded in draft mode at the
    smallest scale that still covers it, other formats are downscaled right after decoding.
    """
    data, name = _read_source(src)
    if not data:
        raise AssistantError("photo_empty", name=name)
    notices: list[Notice] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            fmt = img.format or "?"
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise AssistantError("photo_too_many_pixels", name=name, width=w, height=h,
                                     limit=MAX_PIXELS // 1_000_000)
            if fmt not in ("JPEG", "MPO", "PNG", "WEBP", "HEIF", "AVIF", "GIF", "BMP", "TIFF"):
                raise AssistantError("photo_not_image", name=name)
            if getattr(img, "n_frames", 1) > 1:
                notices.append(Notice("photo_first_frame", {"name": name, "frames": img.n_frames}))
            try:
                raw = img.getexif().get(0x0112)
                orientation = 1 if raw is None else int(raw)
                if any("EXIF" in str(w.message) for w in caught):
                    raise ValueError("corrupt EXIF")  # Pillow only warns; the tags are unreliable
            except Exception:  # corrupt EXIF: the pixels are still good
                orientation = -1
            if orientation not in range(1, 9):
                notices.append(Notice("photo_exif_ignored", {"name": name}))
                orientation = 1
            original = (h, w) if orientation in (5, 6, 7, 8) else (w, h)
            if max_side and fmt in ("JPEG", "MPO") and max(w, h) > max_side:
                img.draft("RGB", _draft_request(img, max_side))
            icc = img.info.get("icc_profile")
            mode_before = img.mode
            img.load()
    except AssistantError:
        raise
    except Image.DecompressionBombError:
        raise AssistantError("photo_too_many_pixels", name=name, width="?", height="?",
                             limit=MAX_PIXELS // 1_000_000) from None
    except (UnidentifiedImageError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, Image.DecompressionBombWarning):
            raise AssistantError("photo_too_many_pixels", name=name, width="?", height="?",
                                 limit=MAX_PIXELS // 1_000_000) from None
        raise AssistantError("photo_not_image", name=name) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError,
            RuntimeError, ZeroDivisionError, MemoryError, struct.error):
        raise AssistantError("photo_truncated", name=name) from None

    decoded = img.size
    img, alpha = _to_rgb8(img)
    if max_side and max(img.size) > max_side * 1.25:
        scale = max_side / max(img.size)
        new = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(new, Image.Resampling.BOX if scale < 0.5 else Image.Resampling.BILINEAR,
                         reducing_gap=2.0)
        alpha = alpha.resize(new, Image.Resampling.BILINEAR) if alpha is not None else None
    img, converted = _to_srgb(img, icc, mode_before)
    if orientation != 1:
        method = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                  4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                  6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                  8: Image.Transpose.ROTATE_90}[orientation]
        img = img.transpose(method)
        alpha = alpha.transpose(method) if alpha is not None else None
    if min(original) < min_side:
        raise AssistantError("photo_too_small", name=name, width=original[0], height=original[1],
                             minimum=min_side)
    history = [f"decoded {fmt} {decoded[0]}x{decoded[1]} of {w}x{h}"]
    if converted:
        history.append("colour profile converted to sRGB")
    if orientation != 1:
        history.append(f"EXIF orientation {orientation} applied")
    return Photo(image=img, source=name, original_size=original, decoded_size=decoded,
                 hint_alpha=alpha, history=tuple(history), notices=tuple(notices))


def encode_image(image: Image.Image, fmt: str, quality: int = 90, max_bytes: int | None = None) -> bytes:
    """Encode with only an sRGB profile as metadata; JPEG quality steps down to fit ``max_bytes``."""
    if fmt == "jpeg" and image.mode != "RGB":
        image = image.convert("RGB")
    qualities = [quality] + [q for q in (85, 80, 75, 70, 60) if q < quality]
    for q in qualities if fmt in ("jpeg", "webp") else [quality]:
        buf = io.BytesIO()
        if fmt == "jpeg":
            image.save(buf, "JPEG", quality=q, optimize=True, progressive=False,
                       icc_profile=_SRGB_BYTES, subsampling=0 if q >= 90 else 2)
        elif fmt == "webp":
            image.save(buf, "WEBP", quality=q, method=4, icc_profile=_SRGB_BYTES)
        else:
            image.save(buf, "PNG", optimize=False, compress_level=6, icc_profile=_SRGB_BYTES)
        data = buf.getvalue()
        if max_bytes is None or len(data) <= max_bytes:
            return data
    raise AssistantError("output_too_large", limit=max_bytes, size=len(data))


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name beside ``path``, then rename: a kill never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)

