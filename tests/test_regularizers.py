r"""Regularizers: gradients against central differences of the penalty, and the slides' formulas
(m = the number of samples in the batch)."""
import json

import numpy as np
import pytest

from gradcheck import central_difference, relative_error
from registry_cases import canonical_names
from neurona import regularizers
from neurona.regularizers import L1, L1L2, L2

TOLERANCE = 1e-6


def weights_away_from_zero(shape, seed):
    r"""Random weights, none within 0.01 of 0 (the kink of |w|)."""
    w = np.random.default_rng(seed).normal(0.0, 1.0, size=shape)
    return np.where(np.abs(w) < 1e-2, 0.5, w)


LECTURES = [L2(0.1, convention="lectures"), L2(3.0, convention="lectures"), L1(0.1, convention="lectures"),
            L1(0.02, convention="lectures"), L1L2(l1=0.05, l2=0.2, convention="lectures"),
            L1L2(l1=0.3, convention="lectures"), L1L2(l2=0.3, convention="lectures"), L1L2(convention="lectures")]
REGULARIZERS = LECTURES + [L2(0.1), L1(0.02), L1L2(l1=0.05, l2=0.2)]


@pytest.mark.parametrize("m", [1, 4, 32])
@pytest.mark.parametrize("shape", [(4, 3), (5,), (2, 3, 2)], ids=str)
@pytest.mark.parametrize("regularizer", REGULARIZERS, ids=repr)
def test_gradient_matches_central_differences(regularizer, shape, m):
    w = weights_away_from_zero(shape, seed=len(shape) + m)
    analytic = regularizer.gradient(w, m)
    assert analytic.shape == w.shape
    numeric = central_difference(lambda v: regularizer(v, m), w)
    if not np.any(numeric):
        assert not np.any(analytic)
    else:
        assert relative_error(analytic, numeric) < TOLERANCE


def test_every_registered_regularizer_is_gradient_checked():
    assert {type(r).registry_name for r in REGULARIZERS} == set(canonical_names(regularizers.registry))


def test_l2_slide_formula():
    # J += lambda / (2m) ||W||^2 with lambda = 0.1, m = 4
    w = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.25]])
    norm2 = float(np.sum(w ** 2))
    slides = L2(0.1, convention="lectures")
    assert slides(w, 4) == pytest.approx(0.1 / (2 * 4) * norm2, rel=1e-12)
    np.testing.assert_allclose(slides.gradient(w, 4), 0.1 / 4 * w, rtol=1e-12)


def test_l1_and_l1l2_formulas():
    w = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.25]])
    L1, L2 = (lambda v: regularizers.L1(v, convention="lectures")), (lambda v: regularizers.L2(v, convention="lectures"))
    assert L1(0.1)(w, 4) == pytest.approx(0.1 / 4 * 5.25, rel=1e-12)
    np.testing.assert_allclose(L1(0.1).gradient(w, 4), 0.1 / 4 * np.sign(w), rtol=1e-12)
    assert L1(0.1).gradient(w, 4)[1, 0] == 0.0          # 0 at w = 0
    both = L1L2(l1=0.1, l2=0.2, convention="lectures")
    assert both(w, 4) == pytest.approx(L1(0.1)(w, 4) + L2(0.2)(w, 4), rel=1e-12)
    np.testing.assert_allclose(both.gradient(w, 4), L1(0.1).gradient(w, 4) + L2(0.2).gradient(w, 4), rtol=1e-12)


def test_penalty_scales_as_one_over_m():
    w = weights_away_from_zero((3, 3), 7)
    for regularizer in LECTURES:
        assert regularizer(w, 10) == pytest.approx(regularizer(w, 1) / 10, rel=1e-12)


def test_keras_penalties_match_keras():
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    w = weights_away_from_zero((4, 3), 9)
    for ours, theirs in ((regularizers.l2(1e-2), keras.regularizers.l2(1e-2)),
                         (regularizers.L1(0.3), keras.regularizers.L1(0.3)),
                         (regularizers.l1_l2(l1=0.1, l2=0.2), keras.regularizers.l1_l2(l1=0.1, l2=0.2)),
                         (regularizers.get("L1L2"), keras.regularizers.get("L1L2"))):
        expected = float(keras.ops.convert_to_numpy(theirs(keras.ops.convert_to_tensor(w))))
        assert ours(w) == pytest.approx(expected, rel=1e-6)
        assert ours(w, 32) == ours(w)                        # Keras's penalty does not divide by m
    assert regularizers.l2 is regularizers.L2 and regularizers.l1_l2 is regularizers.L1L2
    with pytest.raises(ValueError, match="convention='lectures'.*regularizer\\(weights, m\\)"):
        L2(0.1, convention="lectures")(w)
    with pytest.raises(ValueError, match="'keras'.*'lectures'"):
        L2(0.1, convention="slides")


def test_penalty_is_a_float_in_float64_for_float32_weights():
    w = weights_away_from_zero((50, 50), 8).astype(np.float32)
    for regularizer in REGULARIZERS:
        value = regularizer(w, 3)
        assert isinstance(value, float)
        assert value == pytest.approx(regularizer(w.astype(np.float64), 3), rel=1e-6)
        assert regularizer.gradient(w, 3).shape == w.shape


def test_negative_strength_is_refused():
    with pytest.raises(ValueError):
        L2(-0.1)
    with pytest.raises(ValueError):
        L1(-1.0)


@pytest.mark.parametrize("regularizer", REGULARIZERS, ids=repr)
def test_get_config_round_trip(regularizer):
    config = regularizer.get_config()
    assert regularizers.get(config) == regularizer
    assert regularizers.get(json.loads(json.dumps(config))) == regularizer


def test_names():
    assert regularizers.get("l2") == L2()
    assert regularizers.get("l1l2") == L1L2()
    assert regularizers.get(None) is None
    with pytest.raises(ValueError, match="l2"):
        regularizers.get("l3")
