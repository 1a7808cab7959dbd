"""Lighting and colour standardisation: white balance, exposure, local contrast, denoise.

Phone photos of products come out yellow under kitchen bulbs, blue by a window and dark and
noisy in a shop. This stage estimates the light's colour and the exposure from the photo,
corrects both in linear RGB, then applies gentle local contrast and, for low-light photos,
an edge-preserving denoise. A colour guard measures how much the product's colours moved
(CIEDE2000) and limits the correction when the estimate is unsure, so a brand's red stays red.

How the light is estimated, in order of trust:

* the removed background, when it is a plain, bright surface (paper, a white table, a wall):
  it is taken as the white reference; where some of its channels are clipped (over-exposure),
  the unclipped ones still fix their share exactly and the clipped ones are read from a neutral
  surface on the product (a carton's shaded side) or, without one, taken from the product's
  grey-edge, projected onto the levels the clipped backdrop allows; that reading is then settled
  on the most likely real light that fits the backdrop (measured lights and the Planckian locus);
* otherwise the consensus of the classic statistics on unclipped pixels: shades-of-grey
  (Minkowski p=6), grey-edge (first order, p=2), bright pixels and grey-world.

All heavy work is done on a small copy (at most 256 px); the full-size image only goes through
per-channel look-up tables and a few OpenCV filters, so a 1200x1200 photo takes a few tens of
milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from assistant.errors import AssistantError
from assistant.i18n import t
from assistant.imaging.colour import SRGB_TO_LINEAR, ciede2000, lab_from_linear
from assistant.presets import LightingSettings
from assistant.stages.lighting.correct import (_apply_gains, _denoise, _exposure_gain, _guard, _headroom,
                                               _hue_turn, _no_harm, _noise_sigma, _partial, _residual_cast, _sample,
                                               _tone, _vibrance)
from assistant.stages.lighting.estimate import LIMITS, _estimate, _stats

__all__ = ["LightingResult", "analyse_lighting", "standardize_lighting", "standardize_rgb"]


@dataclass(frozen=True)
class LightingResult:
    """The corrected photo and what was measured and done to it."""

    image: Image.Image
    illuminant: tuple[float, float, float]      # estimated light colour, linear RGB, green = 1
    exposure_ev: float                          # brightness change applied to a neutral surface, in EV
    delta_e: float                              # mean CIEDE2000 change of the product's colours
    residual_cast: float                        # CIELAB chroma of the corrected white point (0 = neutral)
    estimator: str                              # which estimate won: background, background-projected, consensus...
    confidence: float                           # 0..1 agreement between independent estimates
    hue_shift: float                            # 90th percentile hue turn of saturated product colours, degrees
    wb_strength: float                          # share of the estimated cast that was removed (guard < 1)
    denoised: bool
    notes: tuple[str, ...] = field(default=())  # i18n keys, see ``messages``

    def messages(self, lang: str | None = None) -> list[str]:
        """The notes as sentences in ``lang``."""
        params = {"ev": f"{self.exposure_ev:+.1f}", "cast": f"{self.residual_cast:.1f}",
                  "de": f"{self.delta_e:.1f}", "hue": f"{self.hue_shift:.0f}"}
        return [t(key, lang, **params) for key in self.notes]


# ---------------------------------------------------------------------------------------------
# small helpers


def _rgb_array(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    if not isinstance(image, Image.Image):
        raise AssistantError("lighting_not_image", kind=type(image).__name__)
    if image.mode not in ("RGB", "RGBA"):
        raise AssistantError("lighting_bad_mode", mode=image.mode)
    arr = np.asarray(image)
    if image.mode == "RGBA":
        return np.ascontiguousarray(arr[..., :3]), arr[..., 3]
    return np.ascontiguousarray(arr), None


def _mask_array(mask: Image.Image | None, size: tuple[int, int], alpha: np.ndarray | None) -> np.ndarray | None:
    if mask is None:
        # a cutout's own alpha is the best mask there is
        if alpha is not None and alpha.min() < 128:
            return alpha
        return None
    if mask.size != size:
        raise AssistantError("lighting_mask_size", mask=f"{mask.size[0]}x{mask.size[1]}",
                             image=f"{size[0]}x{size[1]}")
    return np.asarray(mask.convert("L"))


# ---------------------------------------------------------------------------------------------
# public API


def analyse_lighting(image: Image.Image, mask: Image.Image | None = None,
                     settings: LightingSettings | None = None) -> LightingResult:
    """Correct the light's colour and brightness and say what was measured and done."""
    settings = settings or LightingSettings()
    rgb, alpha = _rgb_array(image)
    m = _mask_array(mask, image.size, alpha)
    h, w = rgb.shape[:2]
    if h < 8 or w < 8:
        return LightingResult(image.copy(), (1.0, 1.0, 1.0), 0.0, 0.0, 0.0, "none", 0.0, 0.0, 0.0, False,
                              ("lighting_note_too_small",))
    out, measured = _correct(rgb, m, settings)
    return LightingResult(image=_image(out, alpha), **measured)


def _image(rgb: np.ndarray, alpha: np.ndarray | None) -> Image.Image:
    if alpha is not None:
        return Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    return Image.fromarray(rgb, "RGB")


def standardize_rgb(rgb: np.ndarray, mask: np.ndarray | None = None,
                    settings: LightingSettings | None = None,
                    surroundings: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None) -> np.ndarray:
    """``standardize_lighting`` on arrays (HxWx3 uint8 ``rgb``, HxW uint8 ``mask``, white = product):
    the same pixels, without the round trips through Pillow images (the pipeline's path).

    ``surroundings`` (RGB, mask and the pixels to leave out or None, any resolution;
    ``framing.surroundings``) is where the light is measured when it is not ``rgb`` itself: the
    pipeline lights a crop tight around the product and reads the light's colour from the product
    with more of its backdrop, at the working photo's resolution, never on the seller's hand."""
    settings = settings or LightingSettings()
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    if mask is not None and mask.shape != (h, w):
        raise AssistantError("lighting_mask_size", mask=f"{mask.shape[1]}x{mask.shape[0]}", image=f"{w}x{h}")
    if h < 8 or w < 8:
        return rgb.copy()
    return _correct(rgb, mask, settings, report=False, surroundings=surroundings)[0]


def _correct(rgb: np.ndarray, m: np.ndarray | None, settings: LightingSettings,
             report: bool = True, surroundings: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None
             ) -> tuple[np.ndarray, dict]:
    """The corrected RGB and what was measured and done (``LightingResult``'s other fields; with
    ``report`` False an empty dict: the pipeline keeps only the pixels, and measuring what the
    correction did to the product costs a CIEDE2000 pass on every photo)."""
    st = _stats(rgb, m) if surroundings is None else _stats(*surroundings)
    est = _estimate(st)
    notes: list[str] = []
    light = est.white / est.white[1]
    wb_full = 1.0 / light if settings.white_balance else np.ones(3)

    # the level comes first: with the green-normalised gains it does not depend on how much of
    # the cast the guard lets through, and the guard must see what the exposure will clip
    gain, exp_notes = _exposure_gain(st, est, wb_full, settings)
    sample = _sample(st)
    # the product's share of the frame: from the mask, or from a plain backdrop found without one
    share = float(st.product.mean()) if st.product is not None else None
    strength, hue = (_guard(sample, est, wb_full, gain, settings, share) if settings.white_balance
                     else (1.0, 0.0))
    if settings.white_balance:
        kept = _no_harm(st, est, wb_full, strength)
        if kept < strength - 1e-3:
            notes.append("lighting_note_unsure")
        strength = kept
    wb = _partial(wb_full, strength)
    if strength < 0.999:
        notes.append("lighting_note_guarded")
        gain *= _headroom(est, wb)
    if settings.white_balance and est.confidence < LIMITS.unsure:
        notes.append("lighting_note_unsure")
    notes += exp_notes
    region = st.product if st.product is not None and st.product.any() else np.ones(st.rgb.shape[:2], bool)
    if st.clip_any[region].mean() > LIMITS.clipped_share:
        notes.append("lighting_note_clipped")
    gains = wb * gain
    out = _apply_gains(rgb, gains)

    # noise is judged on the input; a big exposure lift makes it that much more visible
    denoised = False
    if settings.denoise:
        sigma = _noise_sigma(rgb) * max(1.0, gain ** (1 / 2.4))
        if sigma > LIMITS.noise_sigma:
            out = _denoise(out, sigma)
            denoised = True
            notes.append("lighting_note_denoised")

    product_full = None
    if m is not None:
        product_full = cv2.threshold(m, 127, 255, cv2.THRESH_BINARY)[1]
    lift = 0.0
    if settings.exposure and not est.white_known:
        # with a measured white the product is as dark as it really is; without one, a
        # product left in deep shadow may just be an under-exposed photo
        after = sample * gains
        if len(after):
            lum = after @ np.array([0.2126, 0.7152, 0.0722])
            median_l = 116 * np.cbrt(max(float(np.median(lum)), 1e-6)) - 16
            lift = float(np.clip((LIMITS.shadow_lightness - median_l) / LIMITS.shadow_lightness, 0.0,
                                 LIMITS.shadow_lift_max))
    out = _tone(out, float(settings.local_contrast) * LIMITS.contrast_scale, product_full, lift)
    if settings.vibrance > 0:
        out = _vibrance(out, float(settings.vibrance))
    if not report:
        return out, {}

    # measure what happened to the product, on the small copy
    after_small = _apply_gains(st.rgb, gains)
    sel = region & ~st.clip_any
    if sel.sum() > LIMITS.measure_px:
        # a fixed, even thinning: the mean difference does not need every pixel
        sel &= (np.arange(sel.size).reshape(sel.shape) % math.ceil(sel.sum() / LIMITS.measure_px)) == 0
    if sel.sum() >= LIMITS.measure_min_px:
        lab_in = lab_from_linear(st.lin[sel].astype(np.float64))
        lab_out = lab_from_linear(SRGB_TO_LINEAR[after_small[sel]].astype(np.float64))
        delta_e = float(np.mean(ciede2000(lab_in, lab_out)))
        hue = _hue_turn(lab_in, lab_out)
    else:
        delta_e = 0.0
    residual = _residual_cast(est, gains, light)
    return out, dict(
        illuminant=tuple(round(float(v), 4) for v in light),
        exposure_ev=round(math.log2(gain), 3),
        delta_e=round(delta_e, 2),
        residual_cast=round(residual, 2),
        estimator=est.estimator,
        confidence=round(est.confidence, 2),
        hue_shift=round(hue, 1),
        wb_strength=round(strength, 3),
        denoised=denoised,
        notes=tuple(dict.fromkeys(notes)),
    )


def standardize_lighting(image: Image.Image, mask: Image.Image | None = None,
                         settings: LightingSettings | None = None, ignore: Image.Image | None = None) -> Image.Image:
    """Neutral light, standard brightness and true colours; same size and mode as ``image``.

    ``analyse_lighting``'s image, without its report (what the correction did to the product's
    colours, a CIEDE2000 pass on every call) that would be thrown away here. ``ignore`` (L, same
    size, white = leave out): pixels that are no measurement of the light, such as the hand that
    held the product (``pipeline.standardize_lighting`` passes the one the cutout found); the
    product's own pixels are never left out."""
    settings = settings or LightingSettings()
    rgb, alpha = _rgb_array(image)
    h, w = rgb.shape[:2]
    if h < 8 or w < 8:
        return analyse_lighting(image, mask, settings).image
    m = _mask_array(mask, image.size, alpha)
    surroundings = None if ignore is None else (rgb, m, _mask_array(ignore, image.size, None) > 127)
    return _image(_correct(rgb, m, settings, report=False, surroundings=surroundings)[0], alpha)

