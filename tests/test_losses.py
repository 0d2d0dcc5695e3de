r"""Losses: gradients against central differences of the loss itself, the fused output gradients,
the seeds' worked examples, clipping, target checks and configs.

Every loss registered in ``neurona.losses.registry`` must have gradient cases below (targets that
suit it, predictions away from its kinks); a newly registered loss fails
``test_every_registered_loss_has_gradient_cases`` until it gets some.
"""
import json
import math
import warnings

import numpy as np
import pytest

from gradcheck import central_difference, relative_error
from registry_cases import canonical_names
from neurona import activations, losses
from neurona.losses import (BinaryCrossentropy, CategoricalCrossentropy, Hinge, MeanAbsoluteError,
                            MeanSquaredError, SparseCategoricalCrossentropy, registry)

TOLERANCE = 1e-6
BASES = (math.e, 2, 10)
N, K = 5, 3


ALL_NAMES = canonical_names(registry)


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def away_from(values, kink, margin, rng):
    r"""``values`` with every entry closer than ``margin`` to ``kink`` moved 2 margins away."""
    values = np.array(values, dtype=np.float64)
    close = np.abs(values - kink) < margin
    values[close] = kink + np.where(rng.random(int(close.sum())) < 0.5, -2, 2) * margin
    return values


# ------------------------------------------------------------------ gradient cases per loss

def mse_cases(rng):
    for half in (False, True):
        for shape in ((N, K), (7, 1)):
            yield f"half={half}-{shape[1]}out", MeanSquaredError(half=half), rng.normal(size=shape), rng.normal(size=shape)


def mae_cases(rng):
    for shape in ((N, K), (7, 1)):
        y = rng.normal(size=shape)
        # |y_hat - y| >= 0.1: the kink of |.| at y_hat = y is far from the +-eps steps
        y_pred = y + rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 1.0, size=shape)
        yield f"{shape[1]}out", MeanAbsoluteError(), y, y_pred


def bce_cases(rng):
    for from_logits in (False, True):
        for base in BASES:
            for kind in ("labels", "probabilities"):
                for shape in ((N, K), (7, 1)):
                    y = (rng.integers(0, 2, size=shape).astype(np.float64) if kind == "labels"
                         else rng.uniform(0.0, 1.0, size=shape))
                    y_pred = rng.normal(0.0, 3.0, size=shape) if from_logits else rng.uniform(0.05, 0.95, size=shape)
                    loss = BinaryCrossentropy(from_logits=from_logits, log_base=base)
                    yield f"logits={from_logits}-base={base:.3g}-{kind}-{shape[1]}out", loss, y, y_pred


def cce_cases(rng):
    for from_logits in (False, True):
        for base in BASES:
            for kind in ("one-hot", "probabilities"):
                y = (np.eye(K)[rng.integers(0, K, size=N)] if kind == "one-hot"
                     else rng.dirichlet(np.ones(K), size=N))
                z = rng.normal(0.0, 1.0, size=(N, K))
                y_pred = z if from_logits else softmax(z)
                loss = CategoricalCrossentropy(from_logits=from_logits, log_base=base)
                yield f"logits={from_logits}-base={base:.3g}-{kind}", loss, y, y_pred


def scce_cases(rng):
    for from_logits in (False, True):
        for base in BASES:
            for label_shape in ((N,), (N, 1)):
                labels = rng.integers(0, K, size=label_shape)
                z = rng.normal(0.0, 1.0, size=(N, K))
                y_pred = z if from_logits else softmax(z)
                loss = SparseCategoricalCrossentropy(from_logits=from_logits, log_base=base)
                yield f"logits={from_logits}-base={base:.3g}-labels{label_shape}", loss, labels, y_pred


def hinge_cases(rng):
    for labels in ("-1/1", "0/1"):
        for shape in ((N, K), (7, 1)):
            signs = rng.choice([-1.0, 1.0], size=shape)
            y = signs if labels == "-1/1" else (signs + 1) / 2
            # the margin y * y_hat kept at least 0.05 away from the kink at 1
            y_pred = signs * away_from(rng.normal(0.5, 1.5, size=shape), 1.0, 0.05, rng)
            yield f"{labels}-{shape[1]}out", Hinge(), y, y_pred


def keras_regression_cases(cls, **arguments):
    def cases(rng):
        for shape in ((N, K), (7, 1)):
            y = rng.uniform(0.2, 3.0, size=shape)
            # |y_hat - y| >= 0.1 (kinks of |.| and of Huber's pieces at +-delta kept away)
            y_pred = y + rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 0.9, size=shape)
            if cls is losses.Poisson:                   # rates: positive predictions
                y_pred = rng.uniform(0.2, 3.0, size=shape)
            if cls is losses.Huber:
                y_pred = y + away_from(rng.normal(0.0, 2.0, size=shape), 1.0, 0.05, rng)
                y_pred = y + away_from(y_pred - y, -1.0, 0.05, rng)
            yield f"{shape[1]}out", cls(**arguments), y, y_pred
    return cases


def kld_cases(rng):
    y = rng.dirichlet(np.ones(K), size=N)
    yield "probabilities", losses.KLDivergence(), y, softmax(rng.normal(size=(N, K)))


def squared_hinge_cases(rng):
    for shape in ((N, K), (7, 1)):
        signs = rng.choice([-1.0, 1.0], size=shape)
        yield f"{shape[1]}out", losses.SquaredHinge(), signs, rng.normal(0.5, 1.5, size=shape)


def categorical_hinge_cases(rng):
    for kind in ("margin-violated", "some-satisfied"):
        y = np.eye(K)[rng.integers(0, K, size=N)]
        # scores apart by >= 0.1 (no tie for the best wrong class), margins away from the kink at 0
        p = rng.permutation(np.arange(N * K)).reshape(N, K) * 0.1 - 0.95      # no score exactly 0 (a tie)
        if kind == "some-satisfied":
            p = p + 3.0 * y
        values = losses.CategoricalHinge().values(y, p)
        p = p + (np.abs(values) < 0.05)[:, None] * 0.2 * y          # no margin exactly at the kink
        yield kind, losses.CategoricalHinge(), y, p


def focal_cases(rng):
    settings = [{}, {"gamma": 0.5}, {"apply_class_balancing": True, "alpha": 0.3}, {"from_logits": True},
                {"label_smoothing": 0.2, "gamma": 3.0}]
    for options in settings:
        for shape in ((N, K), (7, 1)):
            y = rng.integers(0, 2, size=shape).astype(np.float64)
            y_pred = rng.normal(0.0, 2.0, size=shape) if options.get("from_logits") else rng.uniform(0.05, 0.95, size=shape)
            name = "-".join(f"{k}={v}" for k, v in options.items()) or "defaults"
            yield f"{name}-{shape[1]}out", losses.BinaryFocalCrossentropy(**options), y, y_pred


def cosine_cases(rng):
    for shape in ((N, K), (7, 2)):
        yield f"{shape[1]}d", losses.CosineSimilarity(), rng.normal(size=shape), rng.normal(size=shape)


def categorical_focal_cases(rng):
    for options in ({}, {"gamma": 0.5, "alpha": 0.4}, {"from_logits": True}, {"label_smoothing": 0.1}):
        y = np.eye(K)[rng.integers(0, K, size=N)]
        y_pred = rng.normal(size=(N, K)) if options.get("from_logits") else softmax(rng.normal(size=(N, K)))
        name = "-".join(f"{k}={v}" for k, v in options.items()) or "defaults"
        yield name, losses.CategoricalFocalCrossentropy(**options), y, y_pred


def generalized_cross_entropy_cases(rng):
    for q in (0.3, 0.7):
        yield f"q={q}", losses.CategoricalGeneralizedCrossEntropy(q=q), rng.integers(0, K, size=N), \
            softmax(rng.normal(size=(N, K)))


def overlap_cases(cls, **arguments):
    def cases(rng):
        for axis in (None, (1,)):
            y = rng.integers(0, 2, size=(N, K)).astype(np.float64)
            yield f"axis={axis}", cls(axis=axis, **arguments), y, rng.uniform(0.05, 0.95, size=(N, K))
    return cases


CASE_MAKERS = {
    "categorical_focal_crossentropy": categorical_focal_cases,
    "categorical_generalized_cross_entropy": generalized_cross_entropy_cases,
    "dice": overlap_cases(losses.Dice),
    "tversky": overlap_cases(losses.Tversky, alpha=0.3, beta=0.7),
    "binary_focal_crossentropy": focal_cases,
    "categorical_hinge": categorical_hinge_cases,
    "cosine_similarity": cosine_cases,
    "mean_absolute_percentage_error": keras_regression_cases(losses.MeanAbsolutePercentageError),
    "mean_squared_logarithmic_error": keras_regression_cases(losses.MeanSquaredLogarithmicError),
    "huber": keras_regression_cases(losses.Huber),
    "log_cosh": keras_regression_cases(losses.LogCosh),
    "poisson": keras_regression_cases(losses.Poisson),
    "kl_divergence": kld_cases,
    "squared_hinge": squared_hinge_cases,
    "mean_squared_error": mse_cases,
    "mean_absolute_error": mae_cases,
    "binary_crossentropy": bce_cases,
    "categorical_crossentropy": cce_cases,
    "sparse_categorical_crossentropy": scce_cases,
    "hinge": hinge_cases,
}


def gradient_cases():
    params = []
    for seed, name in enumerate(ALL_NAMES):
        if name not in CASE_MAKERS:
            continue
        rng = np.random.default_rng(seed)
        for case_id, loss, y, y_pred in CASE_MAKERS[name](rng):
            params.append(pytest.param(loss, y, y_pred, id=f"{name}-{case_id}"))
    return params


def test_every_registered_loss_has_gradient_cases():
    missing = sorted(set(ALL_NAMES) - set(CASE_MAKERS))
    assert not missing, f"add gradient-check targets to CASE_MAKERS for the new loss(es) {missing}"


@pytest.mark.parametrize("loss, y, y_pred", gradient_cases())
def test_gradient_matches_central_differences(loss, y, y_pred):
    analytic = loss.gradient(y, y_pred)
    assert analytic.shape == y_pred.shape
    numeric = central_difference(lambda p: loss(y, p), y_pred)
    assert relative_error(analytic, numeric) < TOLERANCE


@pytest.mark.parametrize("loss, y, y_pred", gradient_cases())
def test_value_is_a_finite_float(loss, y, y_pred):
    value = loss(y, y_pred)
    assert isinstance(value, float) and math.isfinite(value)


# ------------------------------------------------------------------ fused output gradients

FUSED_PAIRS = []
for _base in BASES:
    FUSED_PAIRS += [
        pytest.param(CategoricalCrossentropy(log_base=_base), "softmax", "one-hot", id=f"softmax+cce-base={_base:.3g}-one-hot"),
        pytest.param(CategoricalCrossentropy(log_base=_base), "softmax", "probabilities", id=f"softmax+cce-base={_base:.3g}-soft"),
        pytest.param(SparseCategoricalCrossentropy(log_base=_base), "softmax", "labels", id=f"softmax+scce-base={_base:.3g}"),
        pytest.param(BinaryCrossentropy(log_base=_base), "sigmoid", "binary", id=f"sigmoid+bce-base={_base:.3g}-labels"),
        pytest.param(BinaryCrossentropy(log_base=_base), "sigmoid", "binary-soft", id=f"sigmoid+bce-base={_base:.3g}-soft"),
    ]


def fused_targets(kind, rng, shape):
    if kind == "one-hot":
        return np.eye(shape[1])[rng.integers(0, shape[1], size=shape[0])]
    if kind == "probabilities":
        return rng.dirichlet(np.ones(shape[1]), size=shape[0])
    if kind == "labels":
        return rng.integers(0, shape[1], size=shape[0])
    if kind == "binary":
        return rng.integers(0, 2, size=shape).astype(np.float64)
    return rng.uniform(0.0, 1.0, size=shape)


@pytest.mark.parametrize("loss, activation_name, kind", FUSED_PAIRS)
def test_fused_gradient_matches_central_differences(loss, activation_name, kind):
    rng = np.random.default_rng(11)
    activation = activations.get(activation_name)
    z = rng.normal(0.0, 2.0, size=(6, 4))
    y = fused_targets(kind, rng, z.shape)
    a = activation(z)
    fused = loss.fused_gradient(activation, y, a)
    assert fused is not None, f"{loss!r} has no fused gradient with {activation_name}"
    numeric = central_difference(lambda v: loss(y, activation(v)), z)
    assert relative_error(fused, numeric) < TOLERANCE
    # and it is the chain rule through the activation, written shorter
    chained = activation.backward(loss.gradient(y, a), z, a)
    np.testing.assert_allclose(fused, chained, rtol=1e-9, atol=1e-12)


def test_fused_softmax_gradient_for_targets_the_loss_accepts():
    # categorical_crossentropy accepts any targets in [0, 1]; rows that do not sum to 1 must then
    # either be refused by prepare_targets or get the true gradient p * sum(y) - y (over N ln b)
    loss, softmax_ = CategoricalCrossentropy(), activations.get("softmax")
    y = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.5, 0.2, 0.1]])
    try:
        y = loss.prepare_targets(y, 3, np.float64)
    except ValueError:
        return
    z = np.random.default_rng(12).normal(size=(3, 3))
    fused = loss.fused_gradient(softmax_, y, softmax_(z))
    if fused is None:
        return
    numeric = central_difference(lambda v: loss(y, softmax_(v)), z)
    assert relative_error(fused, numeric) < TOLERANCE


@pytest.mark.parametrize("loss_name", ALL_NAMES)
@pytest.mark.parametrize("activation_name", sorted({activations.registry.lookup(n).registry_name
                                                    for n in activations.registry.names()}))
def test_any_fused_gradient_is_the_true_gradient(loss_name, activation_name):
    # every (loss, activation) pair: fused_gradient is None, or dJ/dz of J = loss(y, f(z))
    activation = activations.get(activation_name)
    rng = np.random.default_rng(13)
    for _, loss, y, y_pred in CASE_MAKERS.get(loss_name, lambda r: iter(()))(rng):
        if loss_name == "sparse_categorical_crossentropy":
            y = np.asarray(y).reshape(-1)
        z = away_from(rng.normal(0.0, 1.0, size=y_pred.shape), 0.0, 1e-2, rng)
        a = activation(z)
        fused = loss.fused_gradient(activation, y, a)
        if fused is None:
            continue
        numeric = central_difference(lambda v: loss(y, activation(v)), z)
        assert relative_error(fused, numeric) < TOLERANCE, repr(loss)


@pytest.mark.parametrize("loss", [CategoricalCrossentropy(from_logits=True), SparseCategoricalCrossentropy(from_logits=True),
                                  BinaryCrossentropy(from_logits=True)], ids=repr)
@pytest.mark.parametrize("activation_name", ["softmax", "sigmoid", "identity"])
def test_no_fused_gradient_for_logits(loss, activation_name):
    # with from_logits the model's output is z itself: the loss's own gradient is the one to use
    rng = np.random.default_rng(14)
    y = np.eye(3)[rng.integers(0, 3, 4)]
    if isinstance(loss, SparseCategoricalCrossentropy):
        y = y.argmax(axis=1)
    activation = activations.get(activation_name)
    assert loss.fused_gradient(activation, y, activation(rng.normal(size=(4, 3)))) is None


@pytest.mark.parametrize("base", BASES)
def test_from_logits_equals_loss_of_the_probabilities(base):
    rng = np.random.default_rng(15)
    z = rng.normal(0.0, 2.0, size=(8, 4))
    labels = rng.integers(0, 4, size=8)
    one_hot = np.eye(4)[labels]
    for probs_loss, logits_loss, y, f in [
        (CategoricalCrossentropy(log_base=base), CategoricalCrossentropy(from_logits=True, log_base=base), one_hot, softmax),
        (SparseCategoricalCrossentropy(log_base=base), SparseCategoricalCrossentropy(from_logits=True, log_base=base),
         labels, softmax),
        (BinaryCrossentropy(log_base=base), BinaryCrossentropy(from_logits=True, log_base=base), one_hot, sigmoid),
    ]:
        assert logits_loss(y, z) == pytest.approx(probs_loss(y, f(z)), rel=1e-10)
        activation = activations.get("softmax" if f is softmax else "sigmoid")
        np.testing.assert_allclose(logits_loss.gradient(y, z), probs_loss.fused_gradient(activation, y, f(z)),
                                   rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("base", [2, 10])
def test_log_base_divides_the_natural_loss(base):
    rng = np.random.default_rng(16)
    z = rng.normal(size=(6, 3))
    labels = rng.integers(0, 3, size=6)
    for cls, y, p in [(CategoricalCrossentropy, np.eye(3)[labels], softmax(z)),
                      (SparseCategoricalCrossentropy, labels, softmax(z)),
                      (BinaryCrossentropy, (z > 0).astype(float), sigmoid(z[:, ::-1]))]:
        for from_logits in (False, True):
            pred = z[:, ::-1] if (from_logits and cls is BinaryCrossentropy) else (z if from_logits else p)
            natural = cls(from_logits=from_logits)
            based = cls(from_logits=from_logits, log_base=base)
            assert based(y, pred) == pytest.approx(natural(y, pred) / math.log(base), rel=1e-12)
            np.testing.assert_allclose(based.gradient(y, pred), natural.gradient(y, pred) / math.log(base), rtol=1e-12)


def test_log_base_names():
    assert CategoricalCrossentropy(log_base="e").log_base == math.e
    assert CategoricalCrossentropy(log_base=None).log_base == math.e
    for bad in (1, 0.5, -2):
        with pytest.raises(ValueError):
            CategoricalCrossentropy(log_base=bad)


# ------------------------------------------------------------------ the seeds' worked examples

def test_binary_crossentropy_base10_first_item():
    bce = BinaryCrossentropy(log_base=10)
    assert bce(np.array([[1.0]]), np.array([[0.6]])) == pytest.approx(0.2218, abs=5e-5)    # -log10(0.6)
    assert bce(np.array([[1.0]]), np.array([[0.8]])) == pytest.approx(0.0969, abs=5e-5)    # -log10(0.8)
    # the first item's share of the mean over the slide's 3 items (the other two predicted exactly)
    ones = np.ones((3, 1))
    first = bce(ones, np.array([[0.6], [1.0], [1.0]]))
    assert first == pytest.approx(-math.log10(0.6) / 3, abs=1e-6)
    assert first == pytest.approx(0.073, abs=1e-3)          # the slide: 0.22 / 3 = 0.073
    second = bce(ones, np.array([[0.8], [1.0], [1.0]]))
    assert second == pytest.approx(-math.log10(0.8) / 3, abs=1e-6)
    assert second == pytest.approx(0.03, abs=3e-3)          # the slide: 0.09 / 3 = 0.03


def test_mse_half_first_item():
    mse = MeanSquaredError(half=True)
    assert mse(np.array([[1.0]]), np.array([[0.6]])) == pytest.approx(0.08)        # (1/2)(0.4^2)
    assert mse(np.array([[1.0]]), np.array([[0.8]])) == pytest.approx(0.02)        # (1/2)(0.2^2)
    ones = np.ones((3, 1))
    first = mse(ones, np.array([[0.6], [1.0], [1.0]]))
    assert first == pytest.approx(0.08 / 3, rel=1e-12)
    assert first == pytest.approx(0.026, abs=1e-3)
    second = mse(ones, np.array([[0.8], [1.0], [1.0]]))
    assert second == pytest.approx(0.02 / 3, rel=1e-12)
    assert second == pytest.approx(0.006, abs=1e-3)          # the slide rounds 0.0067 down to 0.006


def test_mse_default_is_the_mean_over_outputs():
    y, p = np.array([[0.0, 0.0, 1.0]]), np.array([[0.3, 0.3, 0.4]])
    assert MeanSquaredError()(y, p) == pytest.approx(0.54 / 3)
    assert MeanSquaredError(half=True)(y, p) == pytest.approx(0.54 / 2)


THREE_CLASS = [  # (target, predictor's output, -ln p_true, (1/2) sum of squares)
    pytest.param([0.0, 0.0, 1.0], [0.3, 0.3, 0.4], 0.9163, 0.5 * 0.54, id="predictor-1"),
    pytest.param([0.0, 0.0, 1.0], [0.1, 0.2, 0.7], 0.3567, 0.5 * 0.14, id="predictor-2"),
]


@pytest.mark.parametrize("y, p, cross_entropy, half_squares", THREE_CLASS)
def test_three_class_examples(y, p, cross_entropy, half_squares):
    y, p = np.array(y), np.array(p)
    assert CategoricalCrossentropy()(y[None], p[None]) == pytest.approx(cross_entropy, abs=5e-5)
    assert SparseCategoricalCrossentropy()(np.array([2]), p[None]) == pytest.approx(cross_entropy, abs=5e-5)
    # logits log(p) give back p through the softmax (p sums to 1)
    assert CategoricalCrossentropy(from_logits=True)(y[None], np.log(p)[None]) == pytest.approx(cross_entropy, abs=5e-5)
    assert MeanSquaredError(half=True)(y[None], p[None]) == pytest.approx(half_squares, rel=1e-12)


def test_seed_002_base2_cross_entropy():
    loss = CategoricalCrossentropy(log_base=2)
    value = loss(np.array([[1.0, 0.0, 0.0, 0.0]]), np.array([[0.775, 0.126, 0.039, 0.070]]))
    assert round(value, 4) == 0.3677
    assert value == pytest.approx(-math.log2(0.775), rel=1e-12)


# ------------------------------------------------------------------ clipping and stability

def strictly(function, *args):
    r"""Call with overflow, division by zero, NaN-producing operations and warnings as errors
    (underflow to 0 is a correct result and stays allowed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            return function(*args)


CLIPPING_CASES = [
    pytest.param(BinaryCrossentropy(), np.array([[1.0], [0.0], [1.0], [0.0]]), np.array([[0.0], [1.0], [1.0], [0.0]]), id="bce"),
    pytest.param(BinaryCrossentropy(log_base=2), np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), id="bce-base2"),
    pytest.param(CategoricalCrossentropy(), np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
                 np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]), id="cce"),
    pytest.param(CategoricalCrossentropy(log_base=10), np.array([[0.5, 0.5, 0.0]]), np.array([[0.0, 0.0, 1.0]]), id="cce-base10"),
    pytest.param(SparseCategoricalCrossentropy(), np.array([0, 1]), np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]), id="scce"),
]


@pytest.mark.parametrize("loss, y, p", CLIPPING_CASES)
def test_probabilities_of_exactly_0_and_1_give_finite_values(loss, y, p):
    value = strictly(loss, y, p)
    gradient = strictly(loss.gradient, y, p)
    assert math.isfinite(value) and value > 0
    assert np.all(np.isfinite(gradient))


def test_clipped_value_is_the_log_of_epsilon():
    loss = BinaryCrossentropy()
    value = loss(np.array([[1.0], [0.0], [1.0], [0.0]]), np.array([[0.0], [1.0], [1.0], [0.0]]))
    assert value == pytest.approx(-2 * math.log(loss.epsilon) / 4, rel=1e-5)
    loss = CategoricalCrossentropy()
    assert loss(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])) == pytest.approx(-math.log(loss.epsilon))


@pytest.mark.parametrize("loss", [BinaryCrossentropy(from_logits=True), CategoricalCrossentropy(from_logits=True),
                                  SparseCategoricalCrossentropy(from_logits=True)], ids=repr)
def test_logits_up_to_1e4_give_finite_values(loss):
    z = np.array([[-1e4, 1e4, 0.0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]])
    y = np.array([1, 2, 0]) if isinstance(loss, SparseCategoricalCrossentropy) else np.eye(3)[[1, 2, 0]]
    value = strictly(loss, y, z)
    gradient = strictly(loss.gradient, y, z)
    assert math.isfinite(value) and np.all(np.isfinite(gradient))


@pytest.mark.parametrize("loss, activation_name", [(BinaryCrossentropy(), "sigmoid"), (CategoricalCrossentropy(), "softmax"),
                                                   (SparseCategoricalCrossentropy(), "softmax")], ids=str)
def test_fused_gradient_finite_when_saturated(loss, activation_name):
    activation = activations.get(activation_name)
    z = np.array([[-1e4, 1e4, 0.0], [1e4, 1e4, -1e4]])
    y = np.array([0, 2]) if isinstance(loss, SparseCategoricalCrossentropy) else np.eye(3)[[0, 2]]
    a = strictly(activation, z)
    assert math.isfinite(strictly(loss, y, a))
    assert np.all(np.isfinite(strictly(loss.fused_gradient, activation, y, a)))


# ------------------------------------------------------------------ target checks

def test_integer_labels_to_categorical_crossentropy_suggest_the_fix():
    for labels in (np.array([0, 2, 1]), np.array([[0], [2], [1]])):
        with pytest.raises(ValueError) as info:
            CategoricalCrossentropy().prepare_targets(labels, 3, np.float64)
        message = str(info.value)
        assert "sparse_categorical_crossentropy" in message
        assert "one-hot" in message


def test_categorical_crossentropy_accepts_one_hot():
    y = np.eye(3)[[0, 2, 1]]
    prepared = CategoricalCrossentropy().prepare_targets(y, 3, np.float32)
    assert prepared.dtype == np.float32 and prepared.shape == (3, 3)
    np.testing.assert_array_equal(prepared, y)


@pytest.mark.parametrize("bad", [[0.0, 2.0], [-1.0, 1.0], [0.5, 1.5]])
def test_binary_crossentropy_targets_outside_0_1(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        BinaryCrossentropy().prepare_targets(np.array(bad), 1, np.float64)


def test_binary_crossentropy_accepts_a_label_vector():
    prepared = BinaryCrossentropy().prepare_targets(np.array([0, 1, 1]), 1, np.float64)
    assert prepared.shape == (3, 1) and prepared.dtype == np.float64


@pytest.mark.parametrize("bad", [[0, 3], [-1, 0], [0, 1, 5]])
def test_sparse_labels_out_of_range(bad):
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        SparseCategoricalCrossentropy().prepare_targets(np.array(bad), 3, np.float64)


def test_sparse_labels_must_be_integers_of_one_column():
    loss = SparseCategoricalCrossentropy()
    with pytest.raises(ValueError, match="integer"):
        loss.prepare_targets(np.array([0.0, 1.5]), 3, np.float64)
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        loss.prepare_targets(np.eye(3), 3, np.float64)
    prepared = loss.prepare_targets(np.array([[0.0], [2.0], [1.0]]), 3, np.float64)
    assert prepared.shape == (3,) and np.issubdtype(prepared.dtype, np.integer)
    np.testing.assert_array_equal(prepared, [0, 2, 1])


def test_hinge_targets():
    with pytest.raises(ValueError):
        Hinge().prepare_targets(np.array([0.5, 1.0]), 1, np.float64)
    np.testing.assert_array_equal(Hinge().prepare_targets(np.array([-1, 1]), 1, np.float64), [[-1.0], [1.0]])


def test_target_width_must_match_the_outputs():
    with pytest.raises(ValueError, match="shape"):
        MeanSquaredError().prepare_targets(np.zeros((4, 3)), 2, np.float64)


# ------------------------------------------------------------------ configs and names

def config_examples():
    examples = [losses.get(name) for name in ALL_NAMES]
    examples += [MeanSquaredError(half=True), BinaryCrossentropy(from_logits=True, log_base=10, epsilon=1e-5),
                 CategoricalCrossentropy(log_base=2), SparseCategoricalCrossentropy(from_logits=True, log_base=10)]
    return [pytest.param(loss, id=repr(loss)) for loss in examples]


@pytest.mark.parametrize("loss", config_examples())
def test_get_config_round_trip(loss):
    config = loss.get_config()
    assert config["name"] in ALL_NAMES
    assert losses.get(config) == loss
    assert losses.get(json.loads(json.dumps(config))) == loss


def test_aliases_and_unknown_names():
    assert isinstance(losses.get("mse"), MeanSquaredError)
    assert isinstance(losses.get("scce"), SparseCategoricalCrossentropy)
    with pytest.raises(ValueError) as info:
        losses.get("categorical_crossentropi")
    assert "categorical_crossentropy" in str(info.value)
    with pytest.raises(ValueError):
        losses.get(None)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_no_samples_give_nan_not_an_exception(name):
    loss = losses.get(name)
    empty = np.zeros((0, 1))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert math.isnan(loss(empty, empty))


def test_cross_entropies_take_plain_numbers():
    assert losses.BinaryCrossentropy()(1.0, 0.8) == pytest.approx(-math.log(0.8))
    assert losses.BinaryFocalCrossentropy(gamma=0.0)(1.0, 0.8) == pytest.approx(-math.log(0.8))
    assert losses.BinaryCrossentropy()(0, 1.0) == pytest.approx(-math.log(1e-7), rel=1e-6)
