r"""Regularizers: gradients against central differences of the penalty, and the slides' formulas
(m = the number of samples in the batch)."""
import json

import numpy as np
import pytest

from gradcheck import central_difference, relative_error
from neurona import regularizers
from neurona.regularizers import L1, L1L2, L2

TOLERANCE = 1e-6


def canonical_names(reg):
    return sorted({reg.lookup(name)._registry_name for name in reg.names()})


def weights_away_from_zero(shape, seed):
    r"""Random weights, none within 0.01 of 0 (the kink of |w|)."""
    w = np.random.default_rng(seed).normal(0.0, 1.0, size=shape)
    return np.where(np.abs(w) < 1e-2, 0.5, w)


REGULARIZERS = [L2(0.1), L2(3.0), L1(0.1), L1(0.02), L1L2(l1=0.05, l2=0.2), L1L2(l1=0.3), L1L2(l2=0.3), L1L2()]


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
    assert {type(r)._registry_name for r in REGULARIZERS} == set(canonical_names(regularizers.registry))


def test_l2_slide_formula():
    # J += lambda / (2m) ||W||^2 with lambda = 0.1, m = 4
    w = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.25]])
    norm2 = float(np.sum(w ** 2))
    assert L2(0.1)(w, 4) == pytest.approx(0.1 / (2 * 4) * norm2, rel=1e-12)
    np.testing.assert_allclose(L2(0.1).gradient(w, 4), 0.1 / 4 * w, rtol=1e-12)


def test_l1_and_l1l2_formulas():
    w = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.25]])
    assert L1(0.1)(w, 4) == pytest.approx(0.1 / 4 * 5.25, rel=1e-12)
    np.testing.assert_allclose(L1(0.1).gradient(w, 4), 0.1 / 4 * np.sign(w), rtol=1e-12)
    assert L1(0.1).gradient(w, 4)[1, 0] == 0.0          # 0 at w = 0
    both = L1L2(l1=0.1, l2=0.2)
    assert both(w, 4) == pytest.approx(L1(0.1)(w, 4) + L2(0.2)(w, 4), rel=1e-12)
    np.testing.assert_allclose(both.gradient(w, 4), L1(0.1).gradient(w, 4) + L2(0.2).gradient(w, 4), rtol=1e-12)


def test_penalty_scales_as_one_over_m():
    w = weights_away_from_zero((3, 3), 7)
    for regularizer in REGULARIZERS:
        assert regularizer(w, 10) == pytest.approx(regularizer(w, 1) / 10, rel=1e-12)


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
