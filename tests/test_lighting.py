"""The lighting and colour stage on images made in code (and a few real packshots when ../shared is here)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

from assistant.errors import AssistantError
from assistant.i18n import STRINGS
from assistant.presets import LightingSettings
from assistant.stages.framing import sharpen_for_output
from assistant.stages.lighting import analyse_lighting, standardize_lighting

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
WARM = np.array([1.0, 0.72, 0.38])      # a kitchen bulb, linear RGB (green-normalised ~ 1.39 : 1 : 0.53)


def decode(rgb: np.ndarray) -> np.ndarray:
    x = rgb / 255.0
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def encode(lin: np.ndarray) -> np.ndarray:
    x = np.clip(lin, 0, 1)
    return np.round(255 * np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)).astype(np.uint8)


def cast(rgb: np.ndarray, light: np.ndarray, ev: float = 0.0) -> np.ndarray:
    """Re-light an sRGB image: multiply in linear RGB, as a different lamp would."""
    return encode(decode(rgb) * light * 2.0 ** ev)


def jpeg(rgb: np.ndarray, quality: int = 90) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(buf).convert("RGB"))


def scene(size: int = 240, seed: int = 0, paper: float = 242) -> tuple[np.ndarray, np.ndarray]:
    """Paper with a product on it: a grey card, a red, a blue and a yellow patch; and its mask."""
    rng = np.random.default_rng(seed)
    img = np.full((size, size, 3), paper, np.float64)
    if paper < 250:
        img *= np.linspace(1.0, 0.93, size)[:, None, None]          # light falls off a little, as under a lamp
    mask = np.zeros((size, size), np.uint8)
    a, b = size // 4, 3 * size // 4
    mask[a:b, a:b] = 255
    m = (a + b) // 2
    img[a:m, a:m] = (128, 128, 128)
    img[a:m, m:b] = (200, 30, 35)
    img[m:b, a:m] = (40, 70, 170)
    img[m:b, m:b] = (230, 190, 40)
    img += rng.normal(0, 1.5, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), mask


def lab_mean(rgb: np.ndarray, box: tuple[slice, slice]) -> np.ndarray:
    return rgb2lab(rgb[box].astype(np.uint8)).reshape(-1, 3).mean(axis=0)


GREY = (slice(70, 110), slice(70, 110))
RED = (slice(70, 110), slice(130, 170))


# --- white balance ----------------------------------------------------------------------------

@pytest.mark.parametrize("with_mask", [True, False])
def test_grey_card_under_a_strong_warm_cast_comes_out_neutral(with_mask):
    clean, mask = scene()
    warm = jpeg(cast(clean, WARM, ev=-0.5))
    before = lab_mean(warm, GREY)
    assert np.hypot(before[1], before[2]) > 15            # the cast is strong
    res = analyse_lighting(Image.fromarray(warm), Image.fromarray(mask) if with_mask else None)
    after = lab_mean(np.asarray(res.image), GREY)
    assert np.hypot(after[1], after[2]) < 2.5, (after, res)
    # as bright as under white light, give or take the paper (slightly grey here) becoming white
    assert -1 < after[0] - lab_mean(clean, GREY)[0] < 6
    assert res.residual_cast < 2.0
    assert res.illuminant[0] > 1.2 and res.illuminant[2] < 0.7   # it saw a warm light


def test_blue_daylight_cast_is_removed_too():
    clean, mask = scene(seed=1)
    blue = jpeg(cast(clean, np.array([0.75, 0.9, 1.0])))
    out = standardize_lighting(Image.fromarray(blue), Image.fromarray(mask))
    grey = lab_mean(np.asarray(out), GREY)
    assert np.hypot(grey[1], grey[2]) < 2.5


def test_settings_turn_white_balance_and_exposure_off():
    clean, mask = scene()
    warm = jpeg(cast(clean, WARM, ev=-1.0))
    off = LightingSettings(white_balance=False, exposure=False, local_contrast=0.0, denoise=False)
    res = analyse_lighting(Image.fromarray(warm), Image.fromarray(mask), off)
    assert res.exposure_ev == 0.0
    assert np.abs(np.asarray(res.image).astype(int) - warm).max() <= 1


def test_dark_photo_is_brightened():
    clean, mask = scene()
    dark = jpeg(cast(clean, np.ones(3), ev=-1.5))
    res = analyse_lighting(Image.fromarray(dark), Image.fromarray(mask))
    assert 1.4 < res.exposure_ev < 2.0
    assert -1 < lab_mean(np.asarray(res.image), GREY)[0] - lab_mean(clean, GREY)[0] < 6


# --- colour fidelity ----------------------------------------------------------------------------

def hue(lab: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(lab[2], lab[1])))


def carton(size: int = 240) -> tuple[np.ndarray, np.ndarray]:
    """A white carton on white paper: a lit front, a shaded side (neutral, half as bright), a red print."""
    img = np.full((size, size, 3), 255.0)
    mask = np.zeros((size, size), np.uint8)
    mask[40:200, 50:190] = 255
    img[40:200, 50:130] = 255                      # the lit front
    img[40:200, 130:190] = 150                     # the shaded side: the same white, in shadow
    img[90:150, 60:120] = (200, 30, 35)            # a red print on the front
    img += np.random.default_rng(5).normal(0, 1.5, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), mask


def test_over_exposed_backdrop_takes_the_light_from_a_neutral_surface_on_the_product():
    # a green-blue daylight cast (raw-camera style) and +0.8 EV: the paper is blown in green
    # and blue, so its colour is only known in red; the carton's shaded side still shows it
    clean, mask = carton()
    light = np.array([0.45, 1.0, 0.72])
    shot = jpeg(cast(clean, light, ev=0.8), 85)
    res = analyse_lighting(Image.fromarray(shot), Image.fromarray(mask))
    assert res.estimator == "background-neutral", res
    est = np.array(res.illuminant)
    assert np.abs(np.log(est / light)).max() < 0.06, (est, light)
    side = (slice(60, 180), slice(140, 180))
    lab = lab_mean(np.asarray(res.image), side)
    assert np.hypot(lab[1], lab[2]) < 3.0, lab
    assert abs(lab[0] - lab_mean(clean, side)[0]) < 4.0, lab


def fruit(size: int = 240) -> tuple[np.ndarray, np.ndarray]:
    """An orange on white paper: shaded, no neutral surface anywhere on the product."""
    img = np.full((size, size, 3), 255.0)
    yy, xx = np.mgrid[:size, :size]
    r = np.hypot(yy - size / 2, xx - size / 2) / (size * 0.3)
    inside = r < 1
    shade = (1.0 - 0.45 * r ** 2)[inside][:, None]
    img[inside] = np.array([235.0, 120.0, 25.0]) * shade
    img += np.random.default_rng(3).normal(0, 1.5, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), inside.astype(np.uint8) * 255


def test_over_exposed_backdrop_blown_in_green_only_gives_the_light_from_the_two_known_channels():
    # daylight as a camera sensor records it (the commonest light in the prior) at +0.3 EV blows
    # the paper's green only; its red and blue fix the light's red:blue, and the real lights with
    # that ratio have one green share. The orange has no neutral surface to read it from.
    clean, mask = fruit()
    light = np.array([0.43, 1.0, 0.70])
    shot = jpeg(cast(clean, light, ev=0.3), 85)
    paper = shot[:20, :20].reshape(-1, 3).mean(axis=0)
    assert paper[1] >= 250 and paper[0] < 250 and paper[2] < 250, paper
    res = analyse_lighting(Image.fromarray(shot), Image.fromarray(mask))
    est = np.array(res.illuminant)
    assert np.abs(np.log(est / light)).max() < 0.05, (est, light)
    assert abs(res.exposure_ev + 0.3) < 0.1, res.exposure_ev


def test_a_colour_blown_in_one_channel_keeps_its_colour():
    # a lemon-yellow print whose green clips under a green light at +0.8 EV: its green is only
    # known to be at least the clip, and filling it up to white (as for the blown paper) would
    # bleach the yellow
    clean, mask = carton()
    clean[160:190, 60:120] = (250, 215, 20)
    light = np.array([0.45, 1.0, 0.72])
    shot = jpeg(cast(clean, light, ev=0.8), 90)
    box = (slice(165, 185), slice(65, 115))
    assert (shot[box][..., 1] >= 250).mean() > 0.9      # green is blown on the print
    out = np.asarray(standardize_lighting(Image.fromarray(shot), Image.fromarray(mask)))
    before, after = lab_mean(clean, box), lab_mean(out, box)
    assert abs(hue(after) - hue(before)) < 8.0, (before, after)
    assert np.hypot(after[1], after[2]) > 0.8 * np.hypot(before[1], before[2]), (before, after)


def test_saturated_red_keeps_its_hue_on_a_neutral_background():
    clean, mask = scene()
    out = np.asarray(standardize_lighting(Image.fromarray(clean), Image.fromarray(mask)))
    assert abs(hue(lab_mean(out, RED)) - hue(lab_mean(clean, RED))) < 8.0


def red_pack(size: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """A red pack filling most of the frame, on a dim red-brown table: nothing in view is neutral."""
    img = np.zeros((size, size, 3), np.float64)
    img[:] = (120, 70, 55)
    mask = np.zeros((size, size), np.uint8)
    mask[15:-15, 20:-20] = 255
    img[mask > 0] = (205, 25, 30)
    img[60:90, 50:150] = (235, 200, 60)       # a yellow label
    img += np.random.default_rng(3).normal(0, 2, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), mask


def test_a_red_product_filling_the_frame_keeps_its_hue_within_the_bound():
    img, mask = red_pack()
    res = analyse_lighting(Image.fromarray(img), Image.fromarray(mask))
    out = np.asarray(res.image)
    box = (slice(120, 170), slice(40, 160))
    turn = abs(hue(lab_mean(out, box)) - hue(lab_mean(img, box)))
    assert turn <= 20.0 + 1.0, res
    assert res.hue_shift <= 21.0


def test_preserve_colours_bounds_the_hue_turn_tighter():
    clean, mask = scene()
    warm = jpeg(cast(clean, WARM))
    keep = LightingSettings(preserve_colors=True)
    res = analyse_lighting(Image.fromarray(warm), Image.fromarray(mask), keep)
    assert res.hue_shift <= 8.5, res
    assert res.wb_strength < 1.0
    assert "lighting_note_guarded" in res.notes


def test_delta_e_of_the_product_is_measured():
    clean, mask = scene()
    warm = jpeg(cast(clean, WARM))
    res = analyse_lighting(Image.fromarray(warm), Image.fromarray(mask))
    assert res.delta_e > 5                      # the cast removal moved the product's colours
    clean, mask = scene(paper=255)
    same = analyse_lighting(Image.fromarray(clean), Image.fromarray(mask))
    assert same.delta_e < 1.0


# --- do no harm, size, mode, alpha ----------------------------------------------------------

def test_clean_photo_passes_through_almost_unchanged():
    clean, mask = scene(paper=255)          # a packshot: neutral light, white backdrop
    for m in (Image.fromarray(mask), None):
        out = np.asarray(standardize_lighting(Image.fromarray(clean), m))
        d = deltaE_ciede2000(rgb2lab(clean), rgb2lab(out))
        assert np.median(d[mask > 0]) <= 1.0          # the product: the paper may go a shade whiter
        assert np.percentile(d[mask > 0], 95) <= 2.5


@pytest.mark.parametrize("size", [(37, 53), (640, 480), (5, 5)])
@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_output_has_the_inputs_size_and_mode(size, mode):
    rng = np.random.default_rng(1)
    arr = rng.integers(0, 256, (size[1], size[0], len(mode)), dtype=np.uint8)
    out = standardize_lighting(Image.fromarray(arr, mode))
    assert out.size == size and out.mode == mode


def test_alpha_is_untouched():
    clean, mask = scene()
    alpha = np.tile(np.linspace(0, 255, clean.shape[1]).astype(np.uint8), (clean.shape[0], 1))
    rgba = Image.fromarray(np.dstack([jpeg(cast(clean, WARM)), alpha]), "RGBA")
    res = analyse_lighting(rgba, Image.fromarray(mask))
    assert res.image.mode == "RGBA"
    assert np.array_equal(np.asarray(res.image)[..., 3], alpha)
    # and with no mask the cutout's own alpha is used; still untouched
    out = standardize_lighting(Image.fromarray(np.dstack([clean, mask]), "RGBA"))
    assert np.array_equal(np.asarray(out)[..., 3], mask)


@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=st.integers(1, 70), h=st.integers(1, 70), rgba=st.booleans(), seed=st.integers(0, 2**16),
       level=st.sampled_from([0, 3, 128, 250, 255]))
def test_any_small_image_keeps_size_mode_and_alpha(w, h, rgba, seed, level):
    rng = np.random.default_rng(seed)
    arr = np.clip(rng.normal(level, 30, (h, w, 4 if rgba else 3)), 0, 255).astype(np.uint8)
    img = Image.fromarray(arr, "RGBA" if rgba else "RGB")
    out = standardize_lighting(img, Image.fromarray((rng.random((h, w)) > 0.5).astype(np.uint8) * 255))
    assert out.size == img.size and out.mode == img.mode
    if rgba:
        assert np.array_equal(np.asarray(out)[..., 3], arr[..., 3])


def test_bad_input_is_an_assistant_error():
    with pytest.raises(AssistantError) as err:
        standardize_lighting(Image.new("L", (20, 20)))
    assert err.value.code == "lighting_bad_mode"
    with pytest.raises(AssistantError) as err:
        standardize_lighting(Image.new("RGB", (20, 20)), Image.new("L", (10, 20)))
    assert err.value.code == "lighting_mask_size"


def test_every_note_has_both_languages():
    clean, mask = scene()
    dark = jpeg(cast(clean, WARM, ev=-2.0), quality=70)
    for res in (analyse_lighting(Image.fromarray(dark), Image.fromarray(mask)),
                analyse_lighting(Image.fromarray(dark), Image.fromarray(mask), LightingSettings(preserve_colors=True))):
        for key in res.notes:
            assert key in STRINGS
        assert all(res.messages(lang) for lang in ("id", "en"))


# --- noise and sharpness --------------------------------------------------------------------

def test_low_light_noise_is_smoothed_only_when_needed():
    clean, mask = scene(size=300)
    rng = np.random.default_rng(5)
    dim = decode(clean) * 2.0 ** -2.2
    noisy = encode(np.clip(dim + rng.normal(0, 0.004, dim.shape), 0, 1))
    res = analyse_lighting(Image.fromarray(noisy), Image.fromarray(np.pad(mask, 30)[30:-30, 30:-30]))
    assert res.denoised
    flat = (slice(200, 230), slice(10, 60))                       # plain paper
    assert np.asarray(res.image)[flat].std(axis=(0, 1)).mean() < 0.8 * (
        encode(np.clip(dim + rng.normal(0, 0.004, dim.shape), 0, 1) * 2.0 ** 2.2)[flat].std(axis=(0, 1)).mean())
    assert not analyse_lighting(Image.fromarray(clean), Image.fromarray(mask)).denoised


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
@pytest.mark.parametrize("scale", [0.3, 1.0, 2.5])
def test_sharpen_for_output_keeps_size_mode_and_alpha(mode, scale):
    clean, mask = scene(size=120)
    arr = np.dstack([clean, mask]) if mode == "RGBA" else clean
    img = Image.fromarray(arr, mode)
    out = sharpen_for_output(img, LightingSettings(sharpen=1.0), scale)
    assert out.size == img.size and out.mode == mode
    if mode == "RGBA":
        assert np.array_equal(np.asarray(out)[..., 3], mask)
    # edges get crisper, flat paper does not get grainier
    a, b = np.asarray(img)[..., :3].astype(int), np.asarray(out)[..., :3].astype(int)
    assert np.abs(np.diff(b[..., 1], axis=1)).sum() > np.abs(np.diff(a[..., 1], axis=1)).sum()
    off = sharpen_for_output(img, LightingSettings(sharpen=0.0), scale)
    assert np.array_equal(np.asarray(off), arr)


# --- batch consistency --------------------------------------------------------------------

def test_one_vendors_photos_under_one_lamp_come_out_as_one_shoot():
    """Each photo corrected on its own reaches the same white point and brightness: a vendor's
    batch is consistent without a shared reference (issue 15 removed the unused one)."""
    papers = []
    for seed, ev in ((0, -0.4), (1, 0.0), (2, -0.9), (3, -0.2)):
        clean, mask = scene(seed=seed)
        img = Image.fromarray(jpeg(cast(clean, WARM, ev)))
        out = np.asarray(standardize_lighting(img, Image.fromarray(mask)))
        papers.append(lab_mean(out, (slice(5, 30), slice(5, 235))))
    papers = np.array(papers)
    assert np.ptp(papers[:, 0]) < 2.5                      # same brightness
    assert np.abs(papers[:, 1:]).max() < 2.5               # same, neutral white point


# --- real packshots (../shared) -------------------------------------------------------------

@pytest.mark.shared
def test_real_packshots_under_casts_come_back_close_to_the_clean_reference():
    folder = SHARED / "grocery_packshots" / "images"
    if not folder.exists():
        pytest.skip(f"../shared/data not found: {folder} (real-photo test skipped)")
    lights = [np.array([0.45, 1.0, 0.72]), np.array([1.35, 1.0, 0.45]), np.array([0.8, 1.0, 1.1])]
    errors = []
    for i, path in enumerate(sorted(folder.glob("*.jpg"))[::10]):
        ref = np.asarray(Image.open(path).convert("RGB"))
        mask = (ref.min(axis=2) < 245).astype(np.uint8) * 255
        x = jpeg(cast(ref, lights[i % 3], ev=-0.7), 85)
        out = np.asarray(standardize_lighting(Image.fromarray(x), Image.fromarray(mask)))
        d = deltaE_ciede2000(rgb2lab(ref), rgb2lab(out))
        errors.append(d[mask > 0].mean())
    assert np.median(errors) < 4.0, errors       # JPEG 4:2:0 alone costs ~2 on these 198 px shots


# --- issue 23: lights from other cameras, do no harm, the public API without a mask ---------

# A white surface under CIE illuminants as a Nikon D5100 records it (colour-science's measured
# sensitivities, green = 1); the stage's light prior was built from a Canon's lights only
NIKON_D5100 = {"A": np.array([1.0605, 1.0, 0.4531]), "FL11": np.array([0.872, 1.0, 0.5369]),
               "LED-B1": np.array([1.1186, 1.0, 0.4113]), "D50": np.array([0.6681, 1.0, 0.7293])}


@pytest.mark.parametrize("name", sorted(NIKON_D5100))
@pytest.mark.parametrize("ev", [-0.7, 0.0, 0.3, 0.6])
def test_a_light_from_a_camera_not_used_in_fitting_is_corrected_on_a_grey_card(name, ev):
    # over-exposed (+0.3, +0.6 EV) the paper blows in green or in red and green: the grey card is
    # then the product's neutral surface, read in this camera's own colours, and the light prior
    # (a Canon's lights and the Planckian locus) may not overrule it (it did: 9-12 chroma off)
    clean, mask = scene(seed=3)
    shot = jpeg(cast(clean, NIKON_D5100[name], ev=ev))
    res = analyse_lighting(Image.fromarray(shot), Image.fromarray(mask))
    out = np.asarray(res.image)
    grey = lab_mean(out, GREY)
    assert np.hypot(grey[1], grey[2]) < 2.5, (name, ev, grey, res)
    # the whole product within the packshot bound of the clean shot
    de = deltaE_ciede2000(rgb2lab(clean), rgb2lab(out))[mask > 0].mean()
    assert de < 6.0, (name, ev, de)


def soft_disc(colour: tuple[int, int, int], size: int = 240, soft: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """A shaded, coloured fruit on white paper whose edge mixes the two in linear light over a few
    pixels (a lens's blur), with no neutral surface anywhere on it: linear RGB, and its mask."""
    yy, xx = np.mgrid[:size, :size]
    r = np.hypot(yy - size / 2, xx - size / 2)
    alpha = np.clip((0.3 * size - r) / soft + 0.5, 0, 1)[..., None]
    shade = np.clip(1.0 - 0.4 * (r / (0.3 * size)) ** 2, 0.5, 1)[..., None]
    lin = alpha * decode(np.array(colour, float)) * shade + (1 - alpha)
    return lin, (alpha[..., 0] >= 0.5).astype(np.uint8) * 255


@pytest.mark.parametrize("colour", [(120, 40, 90), (60, 110, 50)])
def test_the_products_edge_raises_a_clipped_channel_towards_the_light_never_past_it(colour, monkeypatch):
    # a warm lamp at +0.5 EV blows the paper in red and green; only blue is known. The product's
    # edge pixels lie between its colour and the paper's white, so they say how far above the
    # clip the hidden channels are: the estimate moves towards the true light in each, not past it
    import dataclasses
    from assistant.stages.lighting import estimate
    light = np.array([1.5, 1.0, 0.45])
    lin, mask = soft_disc(colour)
    noise = np.random.default_rng(1).normal(0, 0.002, lin.shape)
    shot = jpeg(encode(lin * light * 2 ** 0.5 + noise), 85)
    assert (shot[:10, :10].reshape(-1, 3).mean(axis=0) >= [250, 250, 0]).all()
    truth = np.log(light * 2 ** 0.5)
    errors = []
    for edge in (False, True):
        monkeypatch.setattr(estimate, "LIMITS", dataclasses.replace(estimate.LIMITS, edge_floor=edge))
        res = analyse_lighting(Image.fromarray(shot), Image.fromarray(mask))
        got = np.log(np.array(res.illuminant) * 2.0 ** -res.exposure_ev)
        errors.append(got[:2] - truth[:2])      # red and green, the clipped ones, in log
    without, with_edge = errors
    assert (with_edge <= 0.05).all(), errors               # never past the light
    assert (np.abs(with_edge) <= np.abs(without) + 0.02).all(), errors
    assert np.abs(with_edge).sum() < np.abs(without).sum() - 0.1, errors


def _pile_with_grey_card(seed: int = 0) -> np.ndarray:
    """Oranges filling the frame under white light, and a small grey card: the scene's statistics
    read an orange lamp, and the estimate says it is unsure."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:200, :200]
    img = np.zeros((200, 200, 3))
    img[:] = (150, 80, 30)
    for _ in range(40):
        cx, cy, rad = rng.uniform(0, 200), rng.uniform(0, 200), rng.uniform(15, 35)
        d = np.hypot(xx - cx, yy - cy) / rad
        col = np.array([230, 120, 40]) * rng.uniform(0.6, 1.0) + rng.normal(0, 8, 3)
        img = np.where((d < 1)[..., None], col * np.clip(1.1 - 0.6 * d**2, 0.3, 1)[..., None], img)
    img[150:190, 150:190] = 150
    return np.clip(img + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_unconfident_estimate_leaves_the_photo_no_further_from_neutral(seed):
    x = _pile_with_grey_card(seed)
    res = analyse_lighting(Image.fromarray(x))
    assert res.confidence < 0.4                      # the premise: the estimate is unsure
    card = (slice(155, 185), slice(155, 185))
    before, after = lab_mean(x, card), lab_mean(np.asarray(res.image), card)
    assert np.hypot(after[1], after[2]) <= np.hypot(before[1], before[2]) + 1.0, (before, after, res)
    assert "lighting_note_unsure" in res.notes


def test_a_confident_estimate_is_not_held_back_by_the_no_harm_guard():
    clean, mask = scene()
    res = analyse_lighting(Image.fromarray(jpeg(cast(clean, WARM))), Image.fromarray(mask))
    assert res.confidence >= 0.4 and res.wb_strength > 0.99


def test_the_public_api_without_a_mask_beats_grey_world_on_a_generated_scene():
    from assistant.pipeline import standardize_lighting as api

    # a big red pack on white paper under a warm lamp: grey-world reads the pack as the light
    clean = np.full((320, 320, 3), 240, np.uint8)
    clean[60:260, 80:240] = (190, 35, 40)
    clean[90:130, 110:210] = (245, 245, 240)            # the label
    clean[180:230, 110:210] = (30, 60, 150)
    shot = jpeg(cast(clean, WARM, ev=-0.4))
    out = np.asarray(api(Image.fromarray(shot)))
    lin = decode(shot)
    grey_world = encode(lin * (lin.reshape(-1, 3).mean(0).mean() / lin.reshape(-1, 3).mean(0)))
    ref = rgb2lab(clean)
    assert deltaE_ciede2000(ref, rgb2lab(out)).mean() < deltaE_ciede2000(ref, rgb2lab(grey_world)).mean()


@pytest.mark.parametrize("name", sorted(NIKON_D5100))
@pytest.mark.parametrize("ev", [0.0, 0.3, 0.6])
def test_an_orange_on_a_clipped_backdrop_under_an_unseen_camera_is_not_made_worse(name, ev):
    # the harm issue 23 found: warm lights from a camera the prior was not built from blow the
    # paper in red and green; the orange's own colour, read as part of the light, turned it
    # olive (13-18 CIEDE2000 from the clean shot where the uncorrected photo was 2-10)
    clean, mask = fruit()
    shot = jpeg(cast(clean, NIKON_D5100[name], ev=ev), 85)
    out = np.asarray(standardize_lighting(Image.fromarray(shot), Image.fromarray(mask)))
    ref, inside = rgb2lab(clean), mask > 0
    before = deltaE_ciede2000(ref, rgb2lab(shot))[inside].mean()
    after = deltaE_ciede2000(ref, rgb2lab(out))[inside].mean()
    assert after <= before + 0.5, (name, ev, before, after)
