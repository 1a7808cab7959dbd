"""The one pipeline every front end calls: photo -> cutout -> lighting -> framing -> export.

Segmentation runs once per photo, however many presets are asked for. Everything after
the model works at the size the outputs need: the product is cropped and scaled to the
largest output first, lit once there, then resized per preset.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from PIL import Image

from assistant.models import session
from assistant.errors import AssistantError
from assistant.imaging.masks import alpha_box
from assistant.photo import Notice, Photo, encode_image, open_photo, write_atomic
from assistant.presets import LightingSettings, Preset, ShadowSettings, load_presets, parse_colour
from assistant.stages import cutout, framing, lighting, shadow as shadows
from assistant.stages.checks import run_checks

TRANSPARENT = "transparent"
# An output's background when the photo was kept whole (a pile or display, cropped square): the
# canvas is the photo's own surroundings, whatever colour was asked for.
SCENE = "scene"
# Share of the product's size kept around it for the lighting stage: it reads the light's
# colour from the table or paper around the product (it needs at least 15 % of the crop).
LIGHTING_CONTEXT = 0.12
# Around the product in the crop that is decontaminated, lit and framed: decontamination reads
# the backdrop within 4 % of the crop's side of each edge. The lighting's statistics still read
# LIGHTING_CONTEXT, from the working photo; the outputs never show more than the product.
EDGE_CONTEXT = 0.06


@dataclass(frozen=True)
class Output:
    """One finished image for one preset."""

    preset: Preset
    data: bytes
    image: Image.Image
    fill: float  # product's longer side as a share of the canvas's matching side
    background: str  # "#RRGGBB", "transparent" or SCENE (the photo kept whole fills the canvas)
    notices: tuple[Notice, ...] = ()

    @property
    def format(self) -> str:
        return "png" if self.background == TRANSPARENT else self.preset.image.format

    @property
    def extension(self) -> str:
        return ".png" if self.background == TRANSPARENT else self.preset.extension

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    @property
    def kept_whole(self) -> bool:
        """The photo kept whole (a pile or display) fills this canvas: its background is the photo's."""
        return self.background == SCENE


@dataclass(frozen=True)
class Result:
    """What ``process`` made of one photo: the cut-out photo, its outputs, timings.

    ``checks`` (per preset name, the listing checks of that output) are measured on first
    use, once; ``assistant.readiness.verdict.verdict_of(result)`` judges them (the one
    headline for the photo, the same in the app, the batch report and the CLI)."""

    photo: Photo
    outputs: list[Output]
    timings: dict[str, float] = field(default_factory=dict)

    @cached_property
    def checks(self) -> dict[str, list]:
        """``measure_checks()``, measured once per result (shared with its verdict)."""
        return self.measure_checks()

    def measure_checks(self, residual_cast: float | None = None,
                       second_alpha: np.ndarray | None = None) -> dict[str, list]:
        """The listing checks of each output (keyed by preset name), the source photo's own checks
        measured once and shared by every preset's list (``run_checks``' other arguments as there)."""
        rgb = pixels(self.photo.image)
        alpha = None if self.photo.alpha is None else pixels(self.photo.alpha)
        found: dict[str, list] = {}
        for out in self.outputs:
            found[out.preset.name] = run_checks(
                rgb, alpha, original_size=self.photo.original_size, preset=out.preset, output=out.image,
                output_bytes=len(out.data), output_fitted=True, residual_cast=residual_cast,
                second_alpha=second_alpha, same_photo=next(iter(found.values()), None),
                output_scene=out.kept_whole)
        return found


_arrays = threading.local()


def pixels(image: Image.Image) -> np.ndarray:
    """``np.asarray(image)`` (read-only), made once per image: Pillow copies the whole image on
    every conversion, and the cutout, ``process`` and the listing checks all read the same photo.
    Each thread remembers the last few images it converted, held weakly (an image is never
    changed in place here: a Photo's images are replaced, not painted on)."""
    for ref, array in list(getattr(_arrays, "held", ())):
        if ref() is image:
            return array
    return _remember(image, np.asarray(image))


def _remember(image: Image.Image, array: np.ndarray) -> np.ndarray:
    """Let ``pixels(image)`` give ``array`` (``image``'s pixels; a read-only view is kept)."""
    view = array.view()
    view.flags.writeable = False
    held = getattr(_arrays, "held", None)
    if held is None:
        held = _arrays.held = []

    def forget(ref: weakref.ref) -> None:  # the image is gone: its array goes at once
        for entry in [e for e in held if e[0] is ref]:
            with contextlib.suppress(ValueError):
                held.remove(entry)

    held.insert(0, (weakref.ref(image, forget), view))
    del held[3:]  # the rest after the third newer one
    return view


def working_side(presets: list[Preset]) -> int:
    """The long side to decode at: enough for the largest output even when the product is small."""
    return math.ceil(1.5 * max(max(p.size) for p in presets))


def uses_file_alpha(photo: Photo) -> bool:
    """A transparent PNG already says what the product is: its alpha is used, not the model."""
    return photo.hint_alpha is not None and np.asarray(photo.hint_alpha).min() == 0


def soft_mask(photo: Photo, model: str | None = None) -> np.ndarray:
    """The model's soft mask at its own input size: the only step that needs the model.
    The batch runner calls it on its model thread, and ``with_mask`` on its workers."""
    return session.get_segmenter(model).predict(photo.image)


def with_mask(photo: Photo, soft: np.ndarray, model: str | None = None) -> Photo:
    """The photo with its refined alpha from the model's ``soft`` mask, and the cutout's notices."""
    rgb = pixels(photo.image)
    segmenter = session.get_segmenter(model)
    made = cutout.cut(soft, rgb)  # the hand taken away, a pile kept whole (issue 16)
    image = photo.image
    if made.rgb is not rgb:
        image = Image.fromarray(made.rgb)
        _remember(image, made.rgb)  # process() reads both next: no second copy out of Pillow
    alpha = Image.fromarray(made.alpha, "L")
    _remember(alpha, made.alpha)
    hand = None if made.hand is None else Image.fromarray(made.hand, "L")
    history = (f"cut out with {segmenter.name} on {segmenter.device}",) + (("kept whole",) if made.uncut else ())
    photo = photo.with_(image=image, alpha=alpha, hand=hand, history=photo.history + history)
    for code, params in made.notices:
        photo = photo.noted(code, **params)
    return photo


def kept_whole(photo: Photo) -> bool:
    """Whether ``cutout.cut`` kept the photo whole (a pile or display): its notice says so."""
    return any(n.code in cutout.UNCUT_NOTICES for n in photo.notices)


def recut(photo: Photo, alpha: np.ndarray) -> Photo:
    """``photo`` with the alpha the vendor's brush strokes made (``cutout.touch_up``): cut out
    now, so no longer kept whole (the notice that said so goes; its output is framed again)."""
    return photo.with_(alpha=Image.fromarray(alpha, "L"),
                       notices=tuple(n for n in photo.notices if n.code not in cutout.UNCUT_NOTICES))


def cut_out(photo: Photo, model: str | None = None) -> Photo:
    """The photo with its alpha: a transparent PNG's own alpha, else the model's."""
    if uses_file_alpha(photo):
        return photo.with_(alpha=photo.hint_alpha, history=photo.history + ("alpha from the file",))
    return with_mask(photo, soft_mask(photo, model), model)


def remove_background(image: Image.Image, model: str | None = None, *, raw: bool = False) -> Image.Image:
    """The photo as RGBA, same size, alpha from the pipeline's cutout: the model's mask refined
    as ``process`` refines it (the product kept, unrelated things dropped, edges fitted), the
    same alpha the app and the batch use. ``raw=True``: the model's own mask, only resized.
    The image's own alpha, if any, is ignored."""
    rgb_image = image.convert("RGB")
    soft = session.get_segmenter(model).predict(np.asarray(rgb_image))
    if raw:
        out = rgb_image.copy()
        out.putalpha(Image.fromarray((session.mask_at(soft, rgb_image.size) * 255.0 + 0.5).astype(np.uint8), "L"))
        return out
    cut = with_mask(Photo(image=rgb_image), soft, model)  # the one cut: hand away, a pile kept whole
    out = cut.image.copy()
    out.putalpha(cut.alpha)
    return out


def standardize_lighting(image: Image.Image, mask: Image.Image | None = None,
                         settings: LightingSettings | None = None, model: str | None = None) -> Image.Image:
    """Neutral light, standard brightness and true colours; same size and mode as ``image``.

    The lighting reads the light from around the product and protects the product's own
    colours, so it needs to know where the product is: ``mask`` (L, white = product), else
    a transparent image's own alpha, else the cutout ``process`` makes (the model runs once),
    whose hand, if it found one, is not read as the light (as in ``process``).
    """
    hand = None
    if mask is None and isinstance(image, Image.Image) and image.mode in ("RGB", "RGBA"):
        own = image.getchannel("A") if image.mode == "RGBA" else None
        if own is None or own.getextrema()[0] >= 128:
            cut = cut_out(Photo(image=image.convert("RGB")), model)
            mask, hand = cut.alpha, cut.hand
    return lighting.standardize_lighting(image, mask, settings, ignore=hand)


def output_extension(preset: Preset, background: str | None) -> str:
    """The file extension ``process`` gives ``preset``'s output on ``background`` (the batch names
    its files before the photos are processed)."""
    transparent = (background or "").strip().lower() == TRANSPARENT and preset.image.transparent_allowed
    return ".png" if transparent else preset.extension


def _background_for(preset: Preset, background: str | None) -> tuple[tuple[int, int, int] | None, str, tuple]:
    if background is None:
        return preset.background_rgb, preset.image.background.upper(), ()
    if background.strip().lower() == TRANSPARENT:
        if preset.image.transparent_allowed:
            return None, TRANSPARENT, ()
        notice = Notice("transparent_not_allowed", {"preset": preset.title, "colour": preset.image.background})
        return preset.background_rgb, preset.image.background.upper(), (notice,)
    rgb = parse_colour(background.strip())
    return rgb, "#%02X%02X%02X" % rgb, ()


def lit_crop(rgb: np.ndarray, alpha: np.ndarray, box: tuple[int, int, int, int], scale: float,
             settings: LightingSettings, hand: Image.Image | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, float]]:
    """The product's crop at ``scale`` (``EDGE_CONTEXT`` around it), decontaminated and then lit,
    its light measured with ``LIGHTING_CONTEXT`` around it, never on the hand that held it (``hand``:
    ``Photo.hand``): (crop before the light, lit crop, its alpha, where the box's corner lies in it).
    One path for ``process`` and the listing set."""
    crop_rgb, crop_alpha, offset = framing.crop_scaled(rgb, alpha, box, scale, context=EDGE_CONTEXT)
    # The old background's colour must not fringe the product's edge on the new canvas.
    crop_rgb = cutout.decontaminate(crop_rgb, crop_alpha)
    lit = lighting.standardize_rgb(crop_rgb, crop_alpha, settings,
                                   surroundings=framing.surroundings(rgb, alpha, box, LIGHTING_CONTEXT,
                                                                     None if hand is None else pixels(hand)))
    return crop_rgb, lit, crop_alpha, offset


def process(photo: Photo, presets: list[Preset] | str, model: str | None = None,
            background: str | None = None, lighting_settings: LightingSettings | None = None,
            shadow: ShadowSettings | None = None) -> Result:
    """Cut out, light, frame and export ``photo`` for each preset."""
    if isinstance(presets, str):
        presets = load_presets(presets)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if photo.alpha is None:
        photo = cut_out(photo, model)
    timings["cutout"] = time.perf_counter() - t0
    rgb = pixels(photo.image)
    alpha = pixels(photo.alpha)
    box = alpha_box(alpha)
    if box is None:
        raise AssistantError("no_product_found", name=photo.source)
    box_w, box_h = box[2] - box[0], box[3] - box[1]

    # A photo kept whole is squared, not framed: it fills the canvas (padded with the background
    # colour, it would look like a framed picture standing on a plain background).
    whole = kept_whole(photo)

    # Light once, at the largest scale any output needs.
    t0 = time.perf_counter()
    scales = {p.name: framing.fit_scale(box, p.size, 1.0 if whole else p.image.fill) for p in presets}
    master_scale = max(scales.values())
    _, lit_rgb, master_alpha, offset = lit_crop(rgb, alpha, box, master_scale,
                                                lighting_settings or presets[0].lighting, photo.hand)
    timings["lighting"] = time.perf_counter() - t0

    outputs: list[Output] = []
    t0 = time.perf_counter()
    for preset in presets:
        ratio = scales[preset.name] / master_scale
        if abs(ratio - 1.0) > 1e-6:
            full = (0, 0, master_alpha.shape[1], master_alpha.shape[0])
            p_rgb, p_alpha, _ = framing.crop_scaled(lit_rgb, master_alpha, full, ratio)
            p_offset = (offset[0] * ratio, offset[1] * ratio)
        else:
            p_rgb, p_alpha, p_offset = lit_rgb, master_alpha, offset
        scale = scales[preset.name]
        p_light = lighting_settings or preset.lighting
        if p_light.sharpen > 0:
            p_rgb = framing.sharpen_rgb(p_rgb, p_light, scale)
        bg_rgb, bg_name, notices = _background_for(preset, background)
        if whole and bg_rgb is not None:
            bg_name = SCENE
        fg, canvas_alpha = framing.place(p_rgb, p_alpha, p_offset, (box_w * scale, box_h * scale),
                                         preset.size)
        shade = None
        if bg_rgb is not None and preset.image.shadow_allowed:
            shade = shadows.render_shadow(canvas_alpha, shadow or preset.shadow, rgb_canvas=fg)
        image = framing.compose(fg, canvas_alpha, bg_rgb, shade)
        data = encode_image(image, "png" if bg_rgb is None else preset.image.format,
                            preset.image.quality, preset.image.max_bytes)
        fill = max(box_w * scale / preset.size[0], box_h * scale / preset.size[1])
        outputs.append(Output(preset, data, image, round(fill, 4), bg_name, notices))
    timings["framing_export"] = time.perf_counter() - t0
    return Result(photo=photo, outputs=outputs, timings=timings)


def output_path(out_dir: Path, preset: Preset, relative: Path, extension: str) -> Path:
    """``out_dir/<preset>/<relative path>.<ext>``: the input's folder structure is kept."""
    return out_dir / preset.name / relative.with_suffix(extension)


def refuse_output_inside(out_dir: Path, inputs: list[Path]) -> None:
    """Writing outputs into an input folder would mix them with the photos: refuse."""
    out = Path(os.path.realpath(out_dir))
    for src in inputs:
        folder = Path(os.path.realpath(src if src.is_dir() else src.parent))
        if src.is_dir() and (out == folder or folder in out.parents):
            raise AssistantError("output_inside_input", out=str(out_dir), input=str(src))


def process_file(src: str | os.PathLike, out_dir: str | os.PathLike, presets: list[str],
                 model: str | None = None, background: str | None = None,
                 relative: Path | None = None) -> list[Path]:
    """Process one photo file and write one image per preset under ``out_dir/<preset>/``."""
    chosen = load_presets(presets)
    src = Path(src)
    photo = open_photo(src, max_side=working_side(chosen))
    result = process(photo, chosen, model=model, background=background)
    paths = []
    for output in result.outputs:
        path = output_path(Path(out_dir), output.preset, relative or Path(src.name), output.extension)
        write_atomic(path, output.data)
        paths.append(path)
    return paths
