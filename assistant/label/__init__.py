"""Desain Label (issue 20): a print-ready packaging label that follows Indonesia's labelling rules.

A thin front end (the CLI, the Kemasan tab) needs only these:

- ``read_info(path)`` / ``read_info_text(text)`` -> ``LabelInfo``; ``EXAMPLE`` is a complete INFO.toml.
- ``check(info)`` -> list of ``Problem`` (field, code, message(lang), severity wajib|saran, source);
  ``has_blocking(problems)``; ``check_fit(info, layout, size, shape)`` adds the layout's own verdict.
- ``make_label(info, layout, size, shape)`` -> ``Label`` (laid out; ``label_too_full`` when it cannot fit).
- ``render_files(label, paper, count)`` -> ``LabelFiles`` (label.pdf, label.png [+ back], sheet.pdf bytes);
  ``write_files(files, out_dir)`` writes them.
- ``mockup_label(info, layout)``: the hook for the mockups: a callable that, given a mockup
  template, returns the label's front panel as an image at that template's aspect ratio
  (``assistant.mockup.files.render`` accepts it in place of a label image).
- ``LAYOUTS`` / ``list_layouts()``, ``SHAPES``, ``PAPERS``, ``rules.sources()``.

Nothing here approves a label: the check helps, BPOM decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError
from assistant.label import pdf as _pdf
from assistant.label.info import EXAMPLE, LabelInfo, read_info, read_info_text
from assistant.label.layouts import LAYOUTS, SHAPES, Label, front_label, list_layouts, make_label, parse_size
from assistant.label.pdf import PAPERS, SheetPlan, sheet_plan
from assistant.label.rules import Problem, check, has_blocking, sources


@dataclass(frozen=True)
class LabelFiles:
    """The print files of one label, as bytes."""

    label: Label
    pdf: bytes
    png: bytes
    sheet: bytes
    plan: SheetPlan
    back_png: bytes | None = None

    def named(self) -> dict[str, bytes]:
        out = {"label.pdf": self.pdf, "label.png": self.png, "sheet.pdf": self.sheet}
        if self.back_png is not None:
            out["label-belakang.png"] = self.back_png
        return out


def render_files(label: Label, paper: str = "A4", count: int | None = None) -> LabelFiles:
    """label.pdf (vector, exact size, 3 mm bleed, crop marks), label.png (300 dpi), sheet.pdf."""
    data = _pdf.label_pdf(label)
    png = _pdf.png_bytes(_pdf.rasterise(data, 0))
    back = _pdf.png_bytes(_pdf.rasterise(data, 1)) if len(label.panels) > 1 else None
    return LabelFiles(label, data, png, _pdf.sheet_pdf(label, paper, count), sheet_plan(label, paper), back)


def write_files(files: LabelFiles, out: Path) -> list[Path]:
    """Write the print files into the folder ``out`` (made when missing)."""
    from assistant.photo import write_atomic

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.named().items():
        write_atomic(out / name, data)
        paths.append(out / name)
    return paths


def check_fit(info: LabelInfo, layout: str, size: tuple[float, float] | str, shape: str = "rect") -> list[Problem]:
    """``check(info)`` plus whether the label fits at a legible size (``label_too_full``)."""
    problems = check(info)
    try:
        make_label(info, layout, size, shape)
    except AssistantError as exc:
        if exc.code not in ("label_too_full", "label_too_small"):
            raise
        problems.append(Problem("ukuran", exc.code, "wajib", "eu-1169-2011", "reading", tuple(exc.params.items())))
    return problems


def front_image(info: LabelInfo, layout: str, aspect: float, px: int = 1000):
    """The label's front panel as an RGB image ``px`` wide at ``aspect`` (width / height)."""
    label = front_label(info, layout, aspect)
    return _pdf.rasterise(_pdf.label_pdf(label), 0, dpi=px / label.size[0] * 25.4)


def mockup_label(info: LabelInfo, layout: str, px: int = 1000):
    """A callable for ``assistant.mockup.files.render``: template -> the front panel at its aspect
    (made once per aspect ratio)."""
    made: dict[float, object] = {}

    def for_template(template):
        key = round(float(template.label_aspect), 3)
        if key not in made:
            made[key] = front_image(info, layout, key, px)
        return made[key]
    return for_template


def detail_image(files: LabelFiles, preset: str = "umum"):
    """A listing's "detail" image: the printed label (its 300 dpi PNG) centred on the preset's
    canvas and background, filling the preset's share of it."""
    import io

    from PIL import Image

    from assistant.presets import load_preset

    chosen = load_preset(preset)
    w, h = chosen.size
    art = Image.open(io.BytesIO(files.png)).convert("RGB")
    k = min(w * chosen.image.fill / art.width, h * chosen.image.fill / art.height)
    art = art.resize((max(1, round(art.width * k)), max(1, round(art.height * k))), Image.LANCZOS)
    canvas = Image.new("RGB", (w, h), chosen.background_rgb)
    canvas.paste(art, ((w - art.width) // 2, (h - art.height) // 2))
    return canvas


__all__ = ["EXAMPLE", "LAYOUTS", "PAPERS", "SHAPES", "Label", "LabelFiles", "LabelInfo", "Problem", "check",
           "check_fit", "detail_image", "front_image", "has_blocking", "list_layouts", "make_label",
           "mockup_label", "parse_size", "read_info", "read_info_text", "render_files", "sources", "write_files"]
