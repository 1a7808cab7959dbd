"""Issue 16 (verdict16e): ragged leftovers the model was unsure of, hanging on a solid product's
edge, are dropped (``imaging.scene.drop_unsure_fringe``); the product's own corners, thin parts,
side panels, what the model is sure of, pieces apart and pieces at the frame's edge are not.
Generated images, both sides of each rule."""

from __future__ import annotations

import cv2
import numpy as np

from assistant.imaging.scene import FRINGE_BIT, FRINGE_THIN, FRINGE_UNSURE, HOLE_PRODUCT, drop_unsure_fringe

SCENE = (95, 110, 125)  # the shelf's grey
PRODUCT = (44, 84, 186)  # the carton's blue


def _photo(n: int = 400, top: int = 60, bottom: int = 340):
    """A blue carton (rows ``top``-``bottom``, cols 120-300 of a 400 px photo, scaled to ``n``)
    on a grey shelf: (alpha uint8, soft float32 on the model's 400 px grid, rgb uint8)."""
    f = n / 400
    rgb = np.empty((n, n, 3), np.uint8)
    rgb[:] = SCENE
    rgb[::7, ::5] = (120, 120, 110)  # the shelf is not one flat colour
    alpha = np.zeros((n, n), np.uint8)
    box = np.s_[round(top * f):round(bottom * f), round(120 * f):round(300 * f)]
    alpha[box] = 255
    rgb[box] = PRODUCT
    soft = np.zeros((400, 400), np.float32)
    soft[top:bottom, 120:300] = 1.0
    return alpha, soft, rgb


def _hook(n: int = 400, top: int = 340, long: int = 20) -> np.ndarray:
    """A ragged hook hanging from the carton's bottom (bool, photo size): a stem and a foot."""
    f = n / 400
    hook = np.zeros((n, n), bool)
    hook[round(top * f):round((top + long) * f), round(200 * f):round(206 * f)] = True
    hook[round((top + long - 6) * f):round((top + long) * f), round(200 * f):round(222 * f)] = True
    return hook


def _with(alpha, soft, rgb, piece, conf, colour=SCENE):
    alpha, soft, rgb = alpha.copy(), soft.copy(), rgb.copy()
    alpha[piece] = 255
    rgb[piece] = colour
    small = cv2.resize(piece.astype(np.uint8), soft.shape[::-1], interpolation=cv2.INTER_NEAREST) > 0
    soft[small] = conf
    return alpha, soft, rgb


def test_a_ragged_unsure_scene_coloured_bit_on_the_edge_is_dropped():
    alpha, soft, rgb = _with(*_photo(), _hook(), FRINGE_UNSURE - 0.2)
    out = drop_unsure_fringe(alpha, soft, rgb)
    below = _hook()
    below[:342] = False  # (the disc's rim may keep the row touching the carton)
    assert (out[below] == 0).all()
    assert (out[60:340, 120:300] == 255).all()  # the carton untouched
    assert (drop_unsure_fringe(alpha, soft)[below] == 0).all()  # without the photo: no colour test


def test_a_bit_the_model_is_sure_of_stays():
    alpha, soft, rgb = _with(*_photo(), _hook(), FRINGE_UNSURE + 0.2)
    assert (drop_unsure_fringe(alpha, soft, rgb) == alpha).all()


def test_a_bit_coloured_like_the_product_stays():
    """The carton's own side panel, where the model was unsure, is the product's."""
    alpha, soft, rgb = _with(*_photo(), _hook(), FRINGE_UNSURE - 0.2, colour=PRODUCT)
    assert (drop_unsure_fringe(alpha, soft, rgb) == alpha).all()


def test_a_thin_part_stays():
    """A stick 10x longer than wide (a bow, a strap) is a thin part, not a leftover."""
    stick = np.zeros((400, 400), bool)
    stick[340:380, 210:214] = True
    assert 40 / 4 >= FRINGE_THIN
    alpha, soft, rgb = _with(*_photo(), stick, FRINGE_UNSURE - 0.2)
    assert (drop_unsure_fringe(alpha, soft, rgb) == alpha).all()


def test_the_products_own_corners_stay_even_where_the_model_is_unsure():
    """The opening rounds a box's corners off; a corner fills what it adds to the body's hull."""
    alpha, soft, rgb = _photo()
    soft[320:340, 280:300] = FRINGE_UNSURE - 0.3
    rgb[320:340, 280:300] = SCENE
    assert (drop_unsure_fringe(alpha, soft, rgb) == alpha).all()


def test_a_piece_apart_and_a_piece_at_the_frames_edge_stay():
    # apart: stray_piece says it in the verdict
    apart = np.zeros((400, 400), bool)
    apart[350:362, 200:212] = True
    alpha, soft, rgb = _with(*_photo(), apart, FRINGE_UNSURE - 0.2)
    assert (drop_unsure_fringe(alpha, soft, rgb) == alpha).all()
    # at the frame's edge: the product goes on beyond it, the cut-off check reads it
    alpha, soft, rgb = _with(*_photo(top=100, bottom=380), _hook(top=380), FRINGE_UNSURE - 0.2)
    assert (drop_unsure_fringe(alpha, soft, rgb) == alpha).all()


def test_a_large_piece_stays():
    """A piece over ``FRINGE_BIT`` of the product is a part of it (or a second product)."""
    big = _hook(long=20)
    big[340:400, 200:206] = True  # reaching the frame is excluded separately: stop short
    big[390:400] = False
    big[375:390, 120:300] = True  # a wide foot
    assert big.sum() > FRINGE_BIT * 280 * 180
    alpha, soft, rgb = _with(*_photo(), big, FRINGE_UNSURE - 0.2)
    assert (drop_unsure_fringe(alpha, soft, rgb) == alpha).all()


def test_a_product_that_is_not_solid_is_left_alone():
    """A glass or a mesh (under ``HOLE_PRODUCT`` of its outline solid) keeps its soft parts."""
    alpha, soft, rgb = _with(*_photo(), _hook(), FRINGE_UNSURE - 0.2)
    alpha[100:300, 140:280] = 100  # a large see-through window
    assert (alpha[60:340, 120:300] >= 128).mean() < HOLE_PRODUCT
    assert (drop_unsure_fringe(alpha, soft, rgb) == alpha).all()


def test_a_large_photo_is_judged_on_a_sample_with_the_same_answer_and_no_blocky_edge():
    n = 1200
    alpha, soft, rgb = _with(*_photo(n), _hook(n), FRINGE_UNSURE - 0.2)
    out = drop_unsure_fringe(alpha, soft, rgb)
    hook = _hook(n) & (alpha > 0)
    assert (out[hook] == 0).mean() > 0.9
    assert (out[180:1020, 360:900] == 255).all()  # the carton's edge is not nibbled
