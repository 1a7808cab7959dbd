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

``--verdict`` (round 15): the whole pipeline, the model included, on the photos whose output a
person labelled free of the hand, the hand recoloured to three darker tones: is it still gone, and
where it is not, does the verdict say so? The "hand" is the region the detector found as
photographed, grown through the skin connected to it; where the detector took carton print for
a hand, that print is recoloured too and counts as a hand left, so the figures are an upper bound
of what is left (pairs to look at in bench/out/skin_tones/<split>/).

``--holder`` (round 15): does the holder's skin move the product's colour? Only the hand around
the product is recoloured, the cut fixed; the output's product compared, with the hand left out
of the light's surroundings and read as part of them.

    /work/main/.venv/bin/python bench/skin_tones.py [--half tune|held|fresh] [--lights | --verdict | --holder]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realphoto_set import OUT, fresh_set, half, open_review_photo, review_set, soft_mask  # noqa: E402

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


def hands(split: str, with_photo: bool = False):
    """(small photo, cutout mask, hand mask) for each photo of ``split`` whose hand is found;
    ``with_photo``: the photo's path and the opened photo (working size) first."""
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
            grown = cv2.dilate(hand.mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
            yield (rel, photo, small, product, grown) if with_photo else (small, product, grown)


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


# --verdict: the tones the detector holds worst on, and the photographed hand as the baseline
VERDICT_TONES = [None, (45, 21), (35, 18), (25, 12)]
HAND_REASONS = {"hand", "realphoto_hand_removed", "realphoto_hand_left", "realphoto_fingers_cover",
                "cutout_hand_detected"}
LEFT_SHARE = 0.005  # hand pixels left, as a share of the output's cutout, from which a hand shows
UNCHANGED = 12.0  # CIEDE76 under which a kept pixel is the hand's own (not painted over)


def _keep_pair(split: str, count: int, tone, toned: np.ndarray, result, left: bool, level: str) -> None:
    """The recoloured photo beside its output, to look at: bench/out/skin_tones/<split>/."""
    dest = OUT.parent / "skin_tones" / split
    dest.mkdir(parents=True, exist_ok=True)
    pair = Image.new("RGB", (640, 320), "white")
    for k, img in enumerate((Image.fromarray(toned), result.outputs[0].image.convert("RGB"))):
        img.thumbnail((320, 320))
        pair.paste(img, (320 * k, 0))
    name = "photo" if tone is None else f"L{tone[0]}"
    pair.save(dest / f"{count:03d}-{name}-{'left' if left else 'gone'}-{level}.jpg", quality=85)


def _skin_weight(hand: np.ndarray, product: np.ndarray, lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How much of each working-size pixel is the hand (0..1), and the hand's core. The detector's
    region is found at 480 px inside the cutout and often covers only part of the hand: it is
    upsampled smoothly and grown through the skin connected to it (pixels whose a*b* lie within 15
    of the found hand's and whose L* is not far off: its darker rim, shaded knuckles, the palm and
    arm outside the cutout). Inside the cutout it grows by 1 % of the photo's side at most: a carton
    under a shop's warm light has skin's a*b* too, and recolouring it would put a dark patch on
    the product that no hand left; outside it, 30 %."""
    h, w = lab.shape[:2]
    found = cv2.resize(hand.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR) > 0.5
    inside = cv2.resize(product.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR) > 0.5
    mean = lab[found].mean(axis=0)
    skinlike = (np.linalg.norm(lab[..., 1:] - mean[1:], axis=2) < 15.0) & (lab[..., 0] > mean[0] - 35) \
        & (lab[..., 0] < mean[0] + 25)

    def grown(share: float) -> np.ndarray:
        r = max(3, round(share * max(h, w)))
        return cv2.dilate(found.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))) > 0

    near = np.where(inside, grown(0.01), grown(0.3))
    count, labels = cv2.connectedComponents((skinlike & near | found).astype(np.uint8), connectivity=8)
    touching = np.unique(labels[found])
    region = np.isin(labels, touching[touching > 0])
    weight = cv2.GaussianBlur(region.astype(np.float32), (0, 0), 1.5)
    return np.clip(weight, 0.0, 1.0), cv2.erode(region.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0


def verdicts(split: str) -> int:
    """The whole pipeline, the model included, on each hand-held photo with its hand recoloured
    (at the working size): is the hand still gone from the output, and where it is not, does the
    verdict say so? Only photos whose output a person labelled free of the hand as photographed
    (``after_hand_left`` "no") are recoloured: what changes is then the skin alone. The hand left
    at a tone is what its output keeps of the recoloured region, still the hand's own colour (the
    removal paints restored finger pixels over), beyond what the output as photographed kept of it
    (the region bleeds into skin-coloured print on some cartons; that part is kept at every tone)."""
    from assistant import pipeline
    from assistant.presets import load_presets
    from assistant.readiness.verdict import verdict_of
    from realphoto_quality import FRESH_TSV, read_labels
    from realphoto_set import MODEL, PRESET

    labels = {r["path"]: r for r in read_labels() + read_labels(FRESH_TSV)}
    preset = load_presets([PRESET])
    tones = VERDICT_TONES[1:]
    rows = {t: dict(left=0, left_said=0, left_not_green=0, green=0) for t in tones}
    held = gone = 0
    for count, (rel, photo, small, product, hand) in enumerate(hands(split, with_photo=True)):
        label = labels.get(rel, {})
        if label.get("hand_in_photo") != "yes":
            continue  # the detector's "hand" on a pile of fruit: nothing to recolour
        held += 1
        if label.get("after_hand_left") != "no":
            continue  # the hand is left as photographed already
        gone += 1
        lab = _lab(pixels(photo.image))
        weight, core = _skin_weight(hand, product, lab)
        zone = weight > 0
        mean = lab[core].mean(axis=0)
        kept_before = None
        for tone in VERDICT_TONES:
            if tone is None:
                toned = pixels(photo.image)
            else:
                target = np.array([tone[0], mean[1], tone[1]], np.float32)
                blend = _toned(lab, zone, mean, target)
                toned = _rgb(lab + (blend - lab) * weight[..., None])
            shown = photo.with_(image=Image.fromarray(toned))
            cut = pipeline.with_mask(shown, pipeline.soft_mask(shown, MODEL), MODEL)
            alpha = np.asarray(cut.alpha) > 128
            same = np.linalg.norm(_lab(pixels(cut.image)) - _lab(toned), axis=2) < UNCHANGED
            kept = int((alpha & core & same).sum())
            if tone is None:  # the photo as taken: only what its cut keeps of the region is needed
                kept_before = kept
                continue
            result = pipeline.process(cut, preset)
            verdict = verdict_of(result)
            left = (kept - kept_before) / max(1, int(alpha.sum())) >= LEFT_SHARE
            said = any(r.name in HAND_REASONS for r in verdict.reasons)
            _keep_pair(split, count, tone, toned, result, left, verdict.level)
            row = rows[tone]
            row["green"] += verdict.level == "ready"
            row["left"] += left
            row["left_said"] += left and said
            row["left_not_green"] += left and verdict.level != "ready"
    print(f"{split}: {held} hand-held photos whose hand the detector finds; in {gone} the output as "
          f"photographed is free of it (a person's label); those, their hand recoloured, through the "
          f"whole pipeline ({MODEL}, {PRESET}):\n")
    print("| the hand | hand still gone | of the hands left: verdict not green | verdict names the hand "
          "| verdict green |\n|---|---|---|---|---|")
    for tone, r in rows.items():
        name = f"L* {tone[0]}, b* {tone[1]} (ITA {np.degrees(np.arctan2(tone[0] - 50, tone[1])):+.0f})"
        n, left = max(1, gone), r["left"]
        print(f"| {name} | {gone - left}/{gone} ({100 * (gone - left) / n:.0f} %) | {r['left_not_green']}/{left} "
              f"| {r['left_said']}/{left} | {100 * r['green'] / n:.0f} % |")
    return 0



def holder(split: str) -> int:
    """Does the holder's skin move the product's colour? Each hand-held photo is cut once as
    photographed; then only the hand around the product (outside its cutout) is recoloured, so
    every product pixel that goes into the lighting is the same, and any change in the output's
    product is the light estimate reacting to the skin. Per photo: the median CIEDE2000 between
    the output as photographed and with the recoloured hand, over the product's pixels. Measured
    with the hand the cutout found left out of the light's surroundings (``Photo.hand``, round 15)
    and read as part of them (the photo without ``hand``, as before)."""
    from assistant import pipeline
    from assistant.imaging.colour import ciede2000, lab_from_srgb8
    from assistant.presets import load_presets
    from realphoto_quality import FRESH_TSV, read_labels
    from realphoto_set import MODEL, PRESET

    labels = {r["path"]: r for r in read_labels() + read_labels(FRESH_TSV)}
    preset = load_presets([PRESET])
    tones = VERDICT_TONES[1:]
    shifts = {(tone, told): [] for tone in tones for told in (True, False)}
    for rel, photo, _, product, hand in hands(split, with_photo=True):
        if labels.get(rel, {}).get("hand_in_photo") != "yes":
            continue
        cut = pipeline.with_mask(photo, soft_mask(rel, photo), MODEL)
        if cut.hand is None or pipeline.kept_whole(cut):
            continue
        rgb, alpha = pixels(cut.image), np.asarray(cut.alpha)
        lab = _lab(pixels(photo.image))
        weight, core = _skin_weight(hand, product, lab)
        weight *= alpha < 128  # the product's own pixels stay as they are
        zone = weight > 0
        if not zone.any():
            continue
        mean = lab[core].mean(axis=0)
        for told in (True, False):
            base_photo = cut if told else cut.with_(hand=None)
            base = np.asarray(pipeline.process(base_photo, preset).outputs[0].image.convert("RGB"))
            for tone in tones:
                target = np.array([tone[0], mean[1], tone[1]], np.float32)
                toned = _rgb(lab + (_toned(lab, zone, mean, target) - lab) * weight[..., None])
                shown = base_photo.with_(image=Image.fromarray(np.where(zone[..., None], toned, rgb).astype(np.uint8)))
                out = np.asarray(pipeline.process(shown, preset).outputs[0].image.convert("RGB"))
                on_product = np.any(base < 245, axis=2) & np.any(out < 245, axis=2)
                shift = ciede2000(lab_from_srgb8(base[on_product][None]), lab_from_srgb8(out[on_product][None]))
                shifts[tone, told].append(float(np.median(shift)))
    n = len(shifts[tones[0], True])
    print(f"{split}: {n} hand-held photos cut out with their hand found; the product's colour (median "
          f"CIEDE2000 per photo) with only the hand recoloured\n")
    print("| the hand | hand read as the light: median / 95th pct / photos over 2 | hand left out (round 15) |\n|---|---|---|")
    for tone in tones:
        cells = []
        for told in (False, True):
            v = np.array(shifts[tone, told])
            cells.append(f"{np.median(v):.2f} / {np.percentile(v, 95):.2f} / {int((v > 2).sum())}")
        print(f"| L* {tone[0]}, b* {tone[1]} | {cells[0]} | {cells[1]} |")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", choices=("tune", "held", "fresh"), default="tune")
    ap.add_argument("--lights", action="store_true", help="the whole photo under other lights, not other skin")
    ap.add_argument("--verdict", action="store_true",
                    help="the whole pipeline on darker hands: hand gone, and the verdict where it is not")
    ap.add_argument("--holder", action="store_true",
                    help="the product's colour with the hand around it recoloured: does the holder's skin move it?")
    args = ap.parse_args()
    if args.holder:
        return holder(args.half)
    if args.verdict:
        return verdicts(args.half)
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
