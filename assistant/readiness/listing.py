"""Listing-readiness checks on a photo file: open it, cut it out, make the output, check it all.

``check_photo`` is what ``python -m assistant check PHOTO [--preset NAME] [--json]`` calls;
``check_outputs`` checks what ``pipeline.process`` already made (the app and the batch
report), without running the model again. The checks themselves live in
``assistant/stages/checks.py`` and see only pixels and numbers.
"""

from __future__ import annotations

import os
from typing import BinaryIO

import numpy as np

from assistant import pipeline
from assistant.models import registry
from assistant.errors import AssistantError
from assistant.imaging.masks import alpha_box
from assistant.photo import Photo, open_photo
from assistant.presets import Preset, load_preset
from assistant.stages.checks import CheckResult, run_checks

DEFAULT_PRESET = "umum"  # what a photo is judged against when no preset is named


def _preset(preset: str | Preset | None) -> Preset | None:
    return load_preset(preset) if isinstance(preset, str) else preset


def _second_alpha(photo: Photo, model: str | None, second_model: str | None) -> np.ndarray | None:
    """The other model's alpha (for ``cutout_uncertain``); None when not asked for or the same model.

    ``"auto"``: the fast model beside the default one when it is installed (about half a
    second on a CPU); nothing when the photo was already cut out with the fast model.
    """
    if second_model == "auto":
        main = registry.model_info(model).name
        second_model = registry.FAST_MODEL if main != registry.FAST_MODEL else None
        if second_model and not registry.is_installed(second_model):
            second_model = None
    if not second_model or second_model == model or photo.alpha is None:
        return None
    if "alpha from the file" in photo.history:
        return None  # a transparent PNG's own alpha: nothing to compare
    return np.asarray(pipeline.cut_out(photo.with_(alpha=None, hint_alpha=None), second_model).alpha)


def check_photo(src: str | os.PathLike | bytes | BinaryIO, preset: str | Preset | None = None,
                model: str | None = None, lang: str | None = None,
                second_model: str | None = "auto") -> list[CheckResult]:
    """Every check that applies to the photo ``src``, in ``CHECK_NAMES`` order.

    Without ``preset`` the photo is judged as for Etalase's general preset "umum" for its
    resolution, and no output is made (no ``background`` / ``file_size``; ``color_cast``
    is read off the photo). With a preset the output is made as ``process`` makes it and
    checked too. ``second_model`` adds the two models' disagreement to ``cutout_uncertain``
    (the harness shows the semi-transparency measure alone misses most bad cutouts): by
    default ("auto") u2netp beside the default ISNet; None skips it. ``lang`` is
    not needed here: each result renders its tip with ``.tip(lang)`` / ``.as_dict(lang)``.
    """
    del lang  # results are language-free; kept so every front end can call it alike
    chosen = _preset(preset)
    photo = open_photo(src, max_side=pipeline.working_side([chosen or load_preset(DEFAULT_PRESET)]))
    photo = pipeline.cut_out(photo, model)
    return check_cut_photo(photo, chosen, model=model, second_alpha=_second_alpha(photo, model, second_model))


def check_cut_photo(photo: Photo, preset: str | Preset | None = None, model: str | None = None,
                    second_alpha: np.ndarray | None = None) -> list[CheckResult]:
    """``check_photo`` after the cutout: ``photo`` has its alpha. With a preset the output is
    made as ``process`` makes it and its real encoded size is checked; when ``encode_image``
    cannot bring it under the preset's ``max_bytes`` even at its lowest quality (the pipeline
    refuses: ``output_too_large``), ``file_size`` fails with the smallest size it reached
    instead of the whole check failing; a file it did make is within the cap by construction
    (no "near the cap" warning). The benchmark calls this with cached cutouts."""
    chosen = _preset(preset)
    alpha = np.asarray(photo.alpha)
    image, nbytes, refused, scene = None, None, False, False
    if chosen is not None and alpha_box(alpha) is not None:
        try:
            output = pipeline.process(photo, [chosen], model=model).outputs[0]
            image, nbytes, scene = output.image, len(output.data), output.kept_whole
        except AssistantError as exc:
            if exc.code != "output_too_large":
                raise
            nbytes, refused = int(exc.params["size"]), True
    return run_checks(np.asarray(photo.image), alpha, original_size=photo.original_size, preset=chosen,
                      output=image, output_bytes=nbytes, output_refused=refused,
                      output_fitted=nbytes is not None and not refused, second_alpha=second_alpha,
                      output_scene=scene)


def check_outputs(result: pipeline.Result, second_alpha: np.ndarray | None = None,
                  residual_cast: float | None = None) -> dict[str, list[CheckResult]]:
    """The checks for each output of ``result`` (keyed by preset name), the source photo's included.
    The photo's own checks are measured once and shared by every preset's list."""
    if second_alpha is None and residual_cast is None:
        return result.checks  # measured once per result, shared with its verdict (readiness.verdict)
    return result.measure_checks(residual_cast=residual_cast, second_alpha=second_alpha)


def as_json(results: list[CheckResult], lang: str | None = None) -> list[dict]:
    """``[{"check", "status", "value", "tip"}, ...]`` for ``--json`` and reports."""
    return [r.as_dict(lang) for r in results]
