"""The Photo record, and photo intake and export.

``open_photo`` turns whatever a phone or WhatsApp produced into an upright 8-bit sRGB
image, decoding no more pixels than the output needs (JPEG draft mode). Before any pixel
is decoded the header is checked: the pixel count, the shorter side, and the memory the
decode and the conversion to 8-bit would take (``decode_cost``; 16-bit and float images
are converted in bands, never as one float64 array). ``encode_image`` and
``encode_preview`` write images with no metadata but the sRGB profile: no GPS, device,
time, comment or text chunk leaves the tool (``Photo.image`` carries none either).
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
import threading
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from assistant import safety
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
# What one decode may cost in memory (the decoded image, a decoder's own buffer and the
# full-size copies the conversion to 8-bit RGB makes): a 48 MP HEIC (about 385 MB by this
# count) passes; a 12000x12000 lossless WebP of 38 bytes (1.15 GB) or a 150 MP float TIFF
# (750 MB) is refused from its header, before any pixel is decoded.
MAX_DECODE_BYTES = 400_000_000
_BAND_PIXELS = 1 << 21  # 16-bit and float images are converted 2 MP at a time


class DecodeBudget:
    """Memory all decodes in this process may hold at once: a big decode waits until the ones
    running finish (a zip of four heavy PNGs in the batch takes turns instead of adding up),
    while small ones run side by side. One decode alone always gets through."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self.peak = 0
        self._cond = threading.Condition()

    def acquire(self, nbytes: int) -> int:
        with self._cond:
            while self.used and self.used + nbytes > self.total:
                self._cond.wait()
            self.used += nbytes
            self.peak = max(self.peak, self.used)
            return nbytes

    def release(self, nbytes: int) -> None:
        if nbytes:
            with self._cond:
                self.used -= nbytes
                self._cond.notify_all()


_DECODE_BUDGET = DecodeBudget(MAX_DECODE_BYTES)  # one decode at the limit, or several smaller ones
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
    # mode L, same size, white where the cutout found the hand holding the product (taken away or
    # not): a skin-coloured surface beside the product, which the lighting must not read as the light
    hand: Image.Image | None = None
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
    """The file's bytes (at most ``MAX_BYTES``) and a name for messages. A path must be a
    regular file: a device (``/dev/zero``) or a FIFO is refused before it is read."""
    if isinstance(src, (bytes, bytearray)):
        data, name = bytes(src), "upload"
    elif hasattr(src, "read"):
        data, name = src.read(MAX_BYTES + 1), safety.safe_name(Path(str(getattr(src, "name", "upload"))).name)
    else:
        return safety.read_regular(src, MAX_BYTES), safety.safe_name(Path(src).name)
    if len(data) > MAX_BYTES:
        raise AssistantError("photo_file_too_large", name=name, mb=round(len(data) / 1e6, 1),
                             limit=MAX_BYTES // 1_000_000)
    return data, name


def _draft_request(img: Image.Image, max_side: int) -> tuple[int, int]:
    w, h = img.size
    scale = max_side / max(w, h)
    return (max(1, int(w * scale + 0.999)), max(1, int(h * scale + 0.999)))


def _is_deep(mode: str) -> bool:
    return mode in ("I", "F") or mode.startswith("I;16")


def decode_cost(width: int, height: int, mode: str, fmt: str, transparent: bool = False,
                max_side: int | None = None) -> int:
    """Bytes of memory ``open_photo`` needs at its peak for an image of this header: the
    decoded image in Pillow's layout, a decoder's own full-size buffer (WebP, HEIF, AVIF), and
    the full-size copies made on the way to 8-bit RGB (none for an RGB image; one grey band
    for 16-bit and float images, which are converted in bands and shrunk before RGB)."""
    deep = _is_deep(mode)
    native = 2 if mode.startswith("I;16") else 1 if mode in ("1", "L", "P") else 4
    decoder = {"WEBP": 12, "AVIF": 8, "HEIF": 4}.get(fmt, 0)  # measured: WebP keeps three RGBA copies
    shrinks = bool(max_side) and max(width, height) > max_side * 1.25
    if deep or mode in ("1", "L"):
        working = (0 if mode == "L" else 1) + (0 if shrinks else 4)
    elif mode == "RGB":
        working = 0
    elif mode == "P":
        working = 9 if transparent else 4
    elif mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        working = 5
    else:  # CMYK, YCbCr, LAB ...: one RGB copy
        working = 4
    return width * height * (native + decoder + working)


def _deep_to_l(img: Image.Image) -> Image.Image:
    """A 16-bit or 32-bit (integer or float) grey image as 8-bit grey, converted in bands of
    ``_BAND_PIXELS`` so that no full-size float array exists: 16-bit spans 0-65535, float
    0-1 when its values stay within it, other integer and float images 0-255 (or 0-65535 when
    brighter)."""
    lo, hi = img.getextrema()
    if img.mode.startswith("I;16"):
        top = 65535.0
    elif img.mode == "F" and 0 <= lo and hi <= 1.0:
        top = 1.0
    else:
        top = 65535.0 if hi > 255 else 255.0
    factor = np.float32(255.0 / top)
    out = Image.new("L", img.size)
    band = max(1, _BAND_PIXELS // max(1, img.width))
    for y in range(0, img.height, band):
        part = img.crop((0, y, img.width, min(img.height, y + band)))
        arr = np.asarray(part).astype(np.float32)
        arr *= factor
        arr += np.float32(0.5)
        np.clip(arr, 0, 255, out=arr)
        out.paste(Image.fromarray(arr.astype(np.uint8), "L"), (0, y))
    return out


def _shrunk_size(size: tuple[int, int], max_side: int | None) -> tuple[tuple[int, int], float] | None:
    if not max_side or max(size) <= max_side * 1.25:
        return None
    scale = max_side / max(size)
    return (max(1, round(size[0] * scale)), max(1, round(size[1] * scale))), scale


def _shrink(img: Image.Image, max_side: int | None) -> Image.Image:
    shrunk = _shrunk_size(img.size, max_side)
    if shrunk is None:
        return img
    new, scale = shrunk
    return img.resize(new, Image.Resampling.BOX if scale < 0.5 else Image.Resampling.BILINEAR, reducing_gap=2.0)


def _to_rgb8(img: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    """Any Pillow mode to 8-bit RGB plus an alpha band when the image has transparency."""
    alpha = None
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if _is_deep(img.mode):
        img = _deep_to_l(img)
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


def webp_size(data: bytes) -> tuple[int, int] | None:
    """A WebP's canvas size from its first chunk header (VP8X, VP8L or VP8), or None."""
    if len(data) < 30 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    kind = data[12:16]
    if kind == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if kind == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if kind == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        return (int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF)
    return None


def _refuse_webp_by_header(data: bytes, name: str, max_side: int | None) -> None:
    size = webp_size(data)
    if size and decode_cost(size[0], size[1], "RGBA", "WEBP", max_side=max_side) > MAX_DECODE_BYTES:
        raise AssistantError("hardening_photo_too_costly", name=name, width=size[0], height=size[1])


def check_header(src: str | os.PathLike | bytes, max_side: int | None = None, max_pixels: int = MAX_PIXELS,
                 name: str | None = None) -> tuple[int, int]:
    """The (width, height) an image file declares, after the checks ``open_photo`` makes
    before decoding (pixel count, decode cost, a WebP's size read before Pillow touches it),
    without decoding a pixel. For images another component decodes (the touch-up editor's
    layers): call this first, and an ``AssistantError`` means do not decode it."""
    if isinstance(src, (bytes, bytearray)):
        head, label = bytes(src[:64]), name or "upload"
        opener = lambda: io.BytesIO(src)  # noqa: E731
    else:
        label = name or safety.safe_name(Path(src).name)
        safety.refuse_special_file(src)
        with open(src, "rb") as handle:
            head = handle.read(64)
        opener = lambda: open(src, "rb")  # noqa: E731
    size = webp_size(head)
    if size:
        width, height, mode, fmt = size[0], size[1], "RGBA", "WEBP"
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with opener() as handle, Image.open(handle) as img:
                    (width, height), mode, fmt = img.size, img.mode, img.format or "?"
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error, EOFError):
            raise AssistantError("photo_not_image", name=label) from None
        except Image.DecompressionBombError:
            width = height = max_pixels  # refused just below
            mode, fmt = "RGB", "?"
    if width * height > max_pixels:
        raise AssistantError("photo_too_many_pixels", name=label, width=width, height=height,
                             limit=max(1, max_pixels // 1_000_000))
    if decode_cost(width, height, mode, fmt, max_side=max_side) > MAX_DECODE_BYTES:
        raise AssistantError("hardening_photo_too_costly", name=label, width=width, height=height)
    return width, height


def _orientation(img: Image.Image, caught: list, notices: list, name: str) -> int:
    """The EXIF orientation (1-8); 1 with a notice when the EXIF data is damaged."""
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
    return orientation


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
    held = [0]  # bytes of the decode budget this call holds
    try:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                _refuse_webp_by_header(data, name, max_side)  # Pillow allocates a WebP's canvas on open
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
                # A PNG's eXIf chunk may follow the pixels, and Pillow decodes the whole image to
                # find it: read the orientation after the header checks (min side and cost do not
                # depend on it) and, for such a PNG, after the decode.
                exif_in_header = fmt != "PNG" or "exif" in img.info
                orientation = _orientation(img, caught, notices, name) if exif_in_header else 1
                original = (h, w) if orientation in (5, 6, 7, 8) else (w, h)
                if min(original) < min_side:  # from the header: a thin 150 MP strip is never decoded
                    raise AssistantError("photo_too_small", name=name, width=original[0], height=original[1],
                                         minimum=min_side)
                if max_side and fmt in ("JPEG", "MPO") and max(w, h) > max_side:
                    img.draft("RGB", _draft_request(img, max_side))
                cost = decode_cost(img.width, img.height, img.mode, fmt, "transparency" in img.info, max_side)
                if cost > MAX_DECODE_BYTES:
                    raise AssistantError("hardening_photo_too_costly", name=name, width=original[0],
                                         height=original[1], mb=round(cost / 1e6), limit=MAX_DECODE_BYTES // 1_000_000)
                icc = img.info.get("icc_profile")
                mode_before = img.mode
                held[0] = _DECODE_BUDGET.acquire(cost)
                img.load()
                if not exif_in_header:
                    orientation = _orientation(img, caught, notices, name)
                    original = (h, w) if orientation in (5, 6, 7, 8) else (w, h)
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
        except MemoryError:  # the machine is short of memory: not the file's fault
            raise AssistantError("hardening_photo_too_costly", name=name, width="?", height="?") from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError,
                RuntimeError, ZeroDivisionError, struct.error):
            raise AssistantError("photo_truncated", name=name) from None

        decoded = img.size
        if _is_deep(img.mode) or img.mode == "1":  # 8-bit grey first, in bands
            img = _deep_to_l(img) if img.mode != "1" else img.convert("L")
        if img.mode == "L":
            img = _shrink(img, max_side)  # before the grey becomes a four times larger RGB
        img, alpha = _to_rgb8(img)
        shrunk = _shrunk_size(img.size, max_side)
        if shrunk is not None:
            img = _shrink(img, max_side)
            alpha = alpha.resize(shrunk[0], Image.Resampling.BILINEAR) if alpha is not None else None
        img, converted = _to_srgb(img, icc, mode_before)
        if orientation != 1:
            method = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                      4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                      6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                      8: Image.Transpose.ROTATE_90}[orientation]
            img = img.transpose(method)
            alpha = alpha.transpose(method) if alpha is not None else None
    except MemoryError:  # the conversion ran the machine short: refuse, never crash the batch
        raise AssistantError("hardening_photo_too_costly", name=name, width="?", height="?") from None
    finally:
        _DECODE_BUDGET.release(held[0])
    img.info = {}  # no comment, text chunk, EXIF or XMP rides along into any output
    if alpha is not None:
        alpha.info = {}
    history = [f"decoded {fmt} {decoded[0]}x{decoded[1]} of {w}x{h}"]
    if converted:
        history.append("colour profile converted to sRGB")
    if orientation != 1:
        history.append(f"EXIF orientation {orientation} applied")
    return Photo(image=img, source=name, original_size=original, decoded_size=decoded,
                 hint_alpha=alpha, history=tuple(history), notices=tuple(notices))


def encode_image(image: Image.Image, fmt: str, quality: int = 90, max_bytes: int | None = None) -> bytes:
    """Encode with only an sRGB profile as metadata (no comment, EXIF, XMP or text chunk,
    whatever ``image.info`` holds); JPEG quality steps down to fit ``max_bytes``."""
    if fmt == "jpeg" and image.mode != "RGB":
        image = image.convert("RGB")
    qualities = [quality] + [q for q in (85, 80, 75, 70, 60) if q < quality]
    for q in qualities if fmt in ("jpeg", "webp") else [quality]:
        buf = io.BytesIO()
        if fmt == "jpeg":
            image.save(buf, "JPEG", quality=q, optimize=True, progressive=False, comment=None,
                       icc_profile=_SRGB_BYTES, subsampling=0 if q >= 90 else 2)
        elif fmt == "webp":
            image.save(buf, "WEBP", quality=q, method=4, icc_profile=_SRGB_BYTES)
        else:
            image.save(buf, "PNG", optimize=False, compress_level=6, icc_profile=_SRGB_BYTES)
        data = buf.getvalue()
        if max_bytes is None or len(data) <= max_bytes:
            return data
    raise AssistantError("output_too_large", limit=max_bytes, size=len(data))


def strip_metadata(image: Image.Image) -> Image.Image:
    """``image`` with no metadata in ``info`` (a copy when it had some): Pillow writes a JPEG
    comment from ``info`` by itself, so an image from anywhere but ``open_photo`` goes through
    this (or ``encode_image``/``encode_preview``) before it is saved or served."""
    if not image.info:
        return image
    clean = image.copy()
    clean.info = {}
    return clean


def encode_preview(image: Image.Image, side: int | None = None, fmt: str = "jpeg", quality: int = 80,
                   background: tuple[int, int, int] = (236, 236, 236)) -> bytes:
    """A preview or thumbnail (the app's "before" image, the batch's ``thumbs/``): fitted
    within ``side`` pixels, transparency shown on a light grey, and encoded with no metadata
    but the sRGB profile."""
    img = image
    if side and max(img.size) > side:
        img = img.copy()
        img.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    if fmt == "jpeg" and img.mode != "RGB":
        bg = Image.new("RGB", img.size, background)
        bg.paste(img, mask=img.getchannel("A") if img.mode in ("RGBA", "LA") else None)
        img = bg
    return encode_image(img, fmt, quality)


def _umask() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it (once, at import)
    os.umask(mask)
    return mask


_UMASK = _umask()
FILE_MODE = 0o666 & ~_UMASK  # what an output file gets (mkstemp's own 0600 is for secrets)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name beside ``path``, then rename: a kill never leaves half a file.
    The temporary name (``.{name}.etalase-XXXXXXXX.part``, ``safety.temp_prefix``) fits the
    255-byte name limit whatever ``path.name`` is, and marks it as Etalase's own."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=safety.temp_prefix(path.name), suffix=safety.TEMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)  # mkstemp makes 0600; an output is an ordinary file
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)

