"""Packaging mockups from files: the glue the CLI, the app and batch work share.

Opens the vendor's label (a design file, a phone photo of a printed sticker, or nothing
but a brand name and colour), cuts out the product photo when one is given (hero shot),
renders the template at a preset's size and encodes it like any other output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from assistant.errors import AssistantError
from assistant.imaging.masks import alpha_box
from assistant.mockup.templates import list_templates, load_template
from assistant.photo import encode_image, open_photo, write_atomic
from assistant.pipeline import cut_out, working_side
from assistant.presets import Preset, load_preset
from assistant.mockup import labels
from assistant.mockup.render import render_mockup

LABEL_MAX_SIDE = 2400


@dataclass(frozen=True)
class Mockup:
    """One rendered mockup and its encoded bytes."""

    template: str
    preset: Preset
    image: Image.Image
    data: bytes


def open_label(src: str | os.PathLike | bytes, is_photo: bool = False) -> Image.Image:
    """A label image (RGBA, transparency kept); a phone photo of a printed label is rectified first."""
    photo = open_photo(src, max_side=LABEL_MAX_SIDE)
    if is_photo:
        return labels.label_from_photo(photo.image)
    label = photo.image.convert("RGBA")
    if photo.hint_alpha is not None:
        label.putalpha(photo.hint_alpha)
    return label


def product_cutout(src: str | os.PathLike | bytes, preset: Preset, model: str | None = None) -> Image.Image:
    """The product photo cut out and cropped to its box, as RGBA for a hero shot."""
    photo = cut_out(open_photo(src, max_side=working_side([preset])), model)
    rgba = photo.image.convert("RGBA")
    rgba.putalpha(photo.alpha)
    box = alpha_box(np.asarray(photo.alpha))
    if box is None:
        raise AssistantError("no_product_found", name=photo.source)
    return rgba.crop(box)


def render(label: Image.Image, templates: list[str] | str, preset: str = "umum",
           product: Image.Image | None = None, body_colour: str | None = None,
           badge: str | None = None) -> list[Mockup]:
    """One mockup per template at the preset's size, on its background, encoded within its cap.

    ``badge`` (e.g. "PROMO -20%") is refused with the reason when the preset's main image
    forbids overlays.
    """
    chosen = load_preset(preset)
    names = templates.split(",") if isinstance(templates, str) else templates
    names = [n.strip() for n in names if n.strip()] or list_templates()
    out = []
    for name in names:
        template = load_template(name)
        image = render_mockup(label, template, chosen.size, chosen.background_rgb,
                                     product=product, body_colour=body_colour)
        if badge:
            image = labels.add_badge(image, badge, chosen.image.overlays_allowed).convert("RGB")
        data = encode_image(image, chosen.image.format, chosen.image.quality, chosen.image.max_bytes)
        out.append(Mockup(name, chosen, image, data))
    return out


def mockup_files(labels: list[Path], templates: list[str] | str, out: Path, preset: str = "umum",
                 product: Path | None = None, label_is_photo: bool = False, model: str | None = None,
                 badge: str | None = None) -> list[Path]:
    """Render every label on every template; one label and one template write ``out`` as a file."""
    chosen = load_preset(preset)
    cut = product_cutout(product, chosen, model) if product else None
    rendered: list[tuple[Path, Mockup]] = []
    for label_path in labels:
        label = open_label(label_path, is_photo=label_is_photo)
        for item in render(label, templates, preset, cut, badge=badge):
            rendered.append((label_path, item))
    paths = []
    single = len(rendered) == 1 and out.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp")
    for label_path, item in rendered:
        path = out if single else out / f"{label_path.stem}_{item.template}{item.preset.extension}"
        write_atomic(path, item.data)
        paths.append(path)
    return paths


__all__ = ["Mockup", "mockup_files", "open_label", "product_cutout", "render"]
