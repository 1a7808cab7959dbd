"""The hand detector on people the photos do not show: real hands recoloured across skin tones.

The real-photo review set's hands are mostly light skin in Swedish shops; Etalase's vendors are
mostly Indonesian. For every hand-held photo of a split whose hand ``imaging.skin.find_hand``
finds as photographed, the hand (its mask, grown by a pixel) is recoloured in CIELAB to a target
lightness L* and yellowness b* with its own shading kept (each pixel's offset from the hand's
mean), and ``find_hand`` is asked again with the same cutout. Ten targets span the individual
typology angle (ITA = atan((L* - 50) / b*), skin colorimetry's tone scale) from very light
(+59 degrees) to dark (-64). Redness a* is the photographed hand's own (it carries the shop's
light), and again 5 lower: a yellower brown, as much South-East Asian skin photographs.
It measures the detector only: the model's mask is the cached one of the original photo.

``--lights``: the same hands with the whole photo seen under another light instead (linear-RGB
channel gains: cooler or warmer lamps, green fluorescent tubes, a magenta LED, a stop darker,
half a stop brighter), as a shop with other lamps or a phone's partial white balance gives.

    /work/main/.venv/bin/python bench/skin_tones.py [--half tune|held|fresh] [--lights]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realphoto_set import fresh_set, half, open_review_photo, review_set, soft_mask  # noqa: E402

from assistant.imaging import skin  # noqa: E402
from assistant.imaging.colour import SRGB_TO_LINEAR, linear_to_srgb  # noqa: E402
from assistant.pipeline import pixels  # noqa: E402
from assistant.stages import cutout  # noqa: E402

# (L*, b*) from very light to dark skin, as skin colorimetry measures them
TONES = [(72, 13), (66, 15), (60, 17), (55, 19), (50, 21), (45, 21), (40, 20), (35, 18), (30, 15), (25, 12)]
LESS_RED = 5.0
# the whole photo under another light: linear-RGB gains (R, G, B)
LIGHTS = [("much cooler", (0.80, 1.0, 1.25)), ("cooler", (0.90, 1.0, 1.12)),
          ("warmer", (1.10, 1.0, 0.88)), ("green (fluorescent tubes)", (0.92, 1.05, 0.95)),
          ("magenta (some LEDs)", (1.05, 0.93, 1.05)), ("a stop darker", (0.5, 0.5, 0.5)),
          ("half a stop brighter", (1.41, 1.41, 1.41))]


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _toned(lab: np.ndarray, hand: np.ndarray, mean: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``lab`` with the hand's skin turned to ``target`` (L*, a*, b*) under the same light: its
    luminance scaled by one factor (a shadow on darker skin is as many times darker, not as many
    L* lower), its a* and b* moved by the difference of the means."""
    y = _luminance(lab[hand][:, 0]) * (_luminance(target[0]) / _luminance(mean[0]))
    out = lab.copy()
    out[hand, 0] = np.where(y > 0.008856, 116 * np.cbrt(y) - 16, 903.3 * y)
    out[hand, 1:] = lab[hand][:, 1:] - mean[1:] + target[1:]
    return out


def _luminance(lstar):
    """CIE L* to relative luminance Y (0..1)."""
    lstar = np.asarray(lstar, np.float32)
    return np.where(lstar > 8.0, ((lstar + 16) / 116) ** 3, lstar / 903.3)


def _rgb(lab: np.ndarray) -> np.ndarray:
    return np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB) * 255 + 0.5, 0, 255).astype(np.uint8)


def hands(split: str):
    """(small photo, cutout mask, hand mask) for each photo of ``split`` whose hand is found."""
    items = [r for r, _ in fresh_set()] if split == "fresh" else [r for r, _ in review_set() if half(r) == split]
    for rel in items:
        photo = open_review_photo(rel)
        rgb = pixels(photo.image)
        mask, keep = cutout.clean_mask(soft_mask(rel, photo), rgb)
        if not keep.any():
            continue
        alpha = cutout._upsample(mask, rgb)
        small, small_alpha, _ = skin.search_copy(rgb, alpha)
        product = small_alpha > 127
        if product.mean() < skin.HELD_MIN:
            continue
        hand = skin.find_hand(small, product)
        if hand.found:
            yield small, product, cv2.dilate(hand.mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0


def _under(rgb: np.ndarray, gains) -> np.ndarray:
    """``rgb`` seen under another light: linear-light channel gains."""
    return (linear_to_srgb(SRGB_TO_LINEAR[rgb] * np.asarray(gains, np.float32)) * 255.0 + 0.5).astype(np.uint8)


def lights(split: str) -> int:
    found, n = np.zeros(len(LIGHTS), int), 0
    for small, product, _ in hands(split):
        n += 1
        for k, (_, gains) in enumerate(LIGHTS):
            found[k] += skin.find_hand(_under(small, gains), product).found
    print(f"{split}: {n} hands found as photographed\n\n| the whole photo | found again |\n|---|---|")
    for k, (name, gains) in enumerate(LIGHTS):
        print(f"| {name}, gains {gains} | {found[k]}/{n} ({100 * found[k] / n:.0f} %) |")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", choices=("tune", "held", "fresh"), default="tune")
    ap.add_argument("--lights", action="store_true", help="the whole photo under other lights, not other skin")
    args = ap.parse_args()
    if args.lights:
        return lights(args.half)
    found = np.zeros((len(TONES), 2), int)
    means, n = [], 0
    for small, product, hand in hands(args.half):
        n += 1
        lab = _lab(small)
        mean = lab[hand].mean(axis=0)
        means.append(mean)
        for k, (lt, bt) in enumerate(TONES):
            for j, da in enumerate((0.0, -LESS_RED)):
                toned = _toned(lab, hand, mean, np.array([lt, mean[1] + da, bt], np.float32))
                found[k, j] += skin.find_hand(_rgb(toned), product).found
    print(f"{args.half}: {n} hands found as photographed, their mean L*a*b* "
          f"{', '.join(f'{v:.1f}' for v in np.mean(means, axis=0))}\n")
    print("| L* | b* | ITA | found again (own a*) | found again (a* - 5) |\n|---|---|---|---|---|")
    for k, (lt, bt) in enumerate(TONES):
        ita = np.degrees(np.arctan2(lt - 50, bt))
        print(f"| {lt} | {bt} | {ita:+.0f} | {found[k, 0]}/{n} ({100 * found[k, 0] / n:.0f} %) "
              f"| {found[k, 1]}/{n} ({100 * found[k, 1] / n:.0f} %) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
