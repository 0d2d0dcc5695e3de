r"""Every option of every registered loss against Keras 3 (torch backend) on the same inputs: the
value under each reduction, with and without sample weights, and the gradient neurona computes by
hand against PyTorch's autograd of Keras's loss; for the losses that have a fused gradient through
the output activation (sigmoid + binary, softmax + categorical cross-entropy, the one ``fit``
uses), that gradient against autograd through the activation and Keras's loss, with every option
(label smoothing, log base, ...). Options Keras lacks have their reference written beside them
(``log_base`` b divides Keras's natural-log value by ln b; ``half`` is k/2 times Keras's mean).
``GRIDS`` is what ``test_option_coverage`` reads."""
import itertools
import math
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

from gradcheck import central_difference  # noqa: E402
from neurona import activations, losses  # noqa: E402

rng = np.random.default_rng(7)
N, K = 6, 3
Z = rng.normal(size=(N, K)) * 1.5
LABELS = np.eye(K)[[0, 1, 2, 0, 2, 1]]
SIGMOID = 1 / (1 + np.exp(-Z))
SOFTMAX = np.exp(Z) / np.exp(Z).sum(-1, keepdims=True)
NEAR_EDGES = np.clip(SIGMOID, 1e-4, 1 - 1e-4) ** 3         # some entries within epsilon=1e-2 of 0 or 1
DATA = {
    "binary": (rng.integers(0, 2, (N, K)).astype(float), SIGMOID),
    "binary_logits": (rng.integers(0, 2, (N, K)).astype(float), Z),
    "onehot": (LABELS, SOFTMAX),
    "onehot_logits": (LABELS, Z),
    "sparse": (LABELS.argmax(-1), SOFTMAX),
    "sparse_logits": (LABELS.argmax(-1), Z),
    "real": (rng.normal(size=(N, K)), rng.normal(size=(N, K)) * 2),
    "positive": (rng.uniform(0.1, 3, (N, K)), rng.uniform(0.1, 3, (N, K))),
    "distribution": (rng.dirichlet(np.ones(K), N), SOFTMAX),
    "counts": (rng.integers(0, 4, (N, K)).astype(float), rng.uniform(0.1, 3, (N, K))),
    "signs": (2 * rng.integers(0, 2, (N, K)).astype(float) - 1, rng.normal(size=(N, K))),
}
WEIGHTS = rng.uniform(0.0, 2.0, N)
REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", "none"]

CROSS_ENTROPY = {"from_logits": [False, True], "label_smoothing": [0.0, 0.2], "log_base": [math.e, 2.0]}
#: our class name -> (Keras's class name, data kind (with from_logits: + "_logits"), the options' grid)
GRIDS = {
    "BinaryCrossentropy": ("BinaryCrossentropy", "binary", CROSS_ENTROPY),
    "CategoricalCrossentropy": ("CategoricalCrossentropy", "onehot", CROSS_ENTROPY),
    "SparseCategoricalCrossentropy": ("SparseCategoricalCrossentropy", "sparse",
                                      {"from_logits": [False, True], "log_base": [math.e, 10.0]}),
    "BinaryFocalCrossentropy": ("BinaryFocalCrossentropy", "binary",
                                {"apply_class_balancing": [False, True], "alpha": [0.25, 0.6],
                                 "gamma": [2.0, 0.5], "from_logits": [False, True], "label_smoothing": [0.0, 0.2]}),
    "MeanSquaredError": ("MeanSquaredError", "real", {"half": [False, True]}),
    "MeanAbsoluteError": ("MeanAbsoluteError", "real", {}),
    "MeanAbsolutePercentageError": ("MeanAbsolutePercentageError", "positive", {}),
    "MeanSquaredLogarithmicError": ("MeanSquaredLogarithmicError", "positive", {}),
    "Huber": ("Huber", "real", {"delta": [1.0, 0.4, 3.0]}),
    "LogCosh": ("LogCosh", "real", {}),
    "CosineSimilarity": ("CosineSimilarity", "real", {}),
    "KLDivergence": ("KLDivergence", "distribution", {}),
    "Poisson": ("Poisson", "counts", {}),
    "Hinge": ("Hinge", "signs", {}),
    "SquaredHinge": ("SquaredHinge", "signs", {}),
    "CategoricalHinge": ("CategoricalHinge", "onehot", {}),
    "CategoricalFocalCrossentropy": ("CategoricalFocalCrossentropy", "onehot",
                                     {"alpha": [0.25, 0.6], "gamma": [2.0, 0.5], "from_logits": [False, True],
                                      "label_smoothing": [0.0, 0.2]}),
    "CategoricalGeneralizedCrossEntropy": ("CategoricalGeneralizedCrossEntropy", "sparse", {"q": [0.5, 0.2]}),
    "Dice": ("Dice", "binary", {}),
    "Tversky": ("Tversky", "binary", {"alpha": [0.5, 0.3], "beta": [0.5, 0.8]}),
}
#: the cross-entropies' clipping epsilon, against Keras's under keras.config.set_epsilon
EPSILON_CASES = {"BinaryCrossentropy": "binary", "CategoricalCrossentropy": "onehot",
                 "SparseCategoricalCrossentropy": "sparse"}
#: options neurona refuses by name (each case checks the refusal)
REFUSED = {"BinaryCrossentropy": {"axis": 0}, "CategoricalCrossentropy": {"axis": 0},
           "BinaryFocalCrossentropy": {"axis": 0}, "CategoricalFocalCrossentropy": {"axis": 0},
           "CosineSimilarity": {"axis": 0},
           "SparseCategoricalCrossentropy": {"ignore_class": 0}}
#: Keras divides probabilities by their sum before the logarithm: autograd of its loss is the gradient of
#: that other function off the simplex; these gradients are checked by central differences of the value
RESCALES = {"CategoricalCrossentropy", "SparseCategoricalCrossentropy"}
FUSED = {"BinaryCrossentropy": "sigmoid", "CategoricalCrossentropy": "softmax",
         "SparseCategoricalCrossentropy": "softmax"}


def options_of(grid):
    keys = list(grid)
    for values in itertools.product(*grid.values()):
        yield dict(zip(keys, values))


def keras_loss(name, options, reduction):
    keras_options = {k: v for k, v in options.items() if k not in ("log_base", "half")}
    return getattr(keras.losses, name)(reduction=reduction, dtype="float64", **keras_options)


def reference(name, options, reduction, y, p, weights, through=None):
    r"""Keras's loss value and PyTorch's autograd gradient of it (with respect to the pre-activation z
    when ``through`` names the output activation), scaled for the options Keras lacks."""
    scale = 1 / math.log(options.get("log_base", math.e)) * (K / 2 if options.get("half") else 1)
    leaf = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    x = {None: leaf, "sigmoid": torch.sigmoid(leaf), "softmax": torch.softmax(leaf, -1)}[through]
    w = None if weights is None else torch.tensor(weights, dtype=torch.float64)
    value = keras_loss(name, options, reduction)(torch.tensor(y), x, sample_weight=w) * scale
    # "none": fit's gradient is that of the mean of the values (one for the batch: Dice's and Tversky's axis=None)
    (value.mean() if reduction == "none" else value).backward()
    return value.detach().numpy(), leaf.grad.numpy()


def test_every_registered_loss_has_a_grid():
    assert {cls.__name__ for cls in map(losses.registry.lookup, losses.registry.names())} == set(GRIDS)


@pytest.mark.parametrize("ours", sorted(GRIDS))
def test_every_option_against_keras_and_autograd(ours):
    keras_name, kind, grid = GRIDS[ours]
    cls = getattr(losses, ours)
    mismatches = []
    for options in options_of(grid):
        y, p = DATA[kind + ("_logits" if options.get("from_logits") else "")]
        for reduction, weights in itertools.product(REDUCTIONS, (None, WEIGHTS)):
            loss = cls(reduction=reduction, **options)
            value, gradient = reference(keras_name, options, reduction, y, p, weights)
            if ours in RESCALES and not options.get("from_logits"):
                mean = cls(reduction="sum_over_batch_size" if reduction == "none" else reduction, **options)
                gradient = central_difference(lambda v: mean(y, v, sample_weight=weights), p.copy())
            got = np.asarray(loss(y, p, sample_weight=weights))
            if not np.allclose(got, value, rtol=2e-6, atol=1e-7):       # some of Keras's reductions are float32
                mismatches.append(("value", options, reduction, weights is not None, got, value))
            got = loss.gradient(y, p, sample_weight=weights)
            if not np.allclose(got, gradient, rtol=1e-6, atol=1e-9):
                mismatches.append(("gradient", options, reduction, weights is not None, got, gradient))
    assert not mismatches, f"{len(mismatches)} differ, e.g. {mismatches[:2]}"


@pytest.mark.parametrize("ours", sorted(FUSED))
def test_every_option_of_the_fused_gradient_against_autograd(ours):
    keras_name, kind, grid = GRIDS[ours]
    activation = activations.get(FUSED[ours])
    y = DATA[kind][0]
    mismatches = []
    for options in options_of({k: v for k, v in grid.items() if k != "from_logits"}):
        for reduction, weights in itertools.product(REDUCTIONS, (None, WEIGHTS)):
            loss = getattr(losses, ours)(reduction=reduction, **options)
            _, expected = reference(keras_name, options, reduction, y, Z, weights, through=FUSED[ours])
            got = loss.fused_gradient(activation, y, activation(Z), sample_weight=weights)
            if got is None or not np.allclose(got, expected, rtol=1e-6, atol=1e-9):
                mismatches.append((options, reduction, weights is not None, got, expected))
    assert not mismatches, f"{len(mismatches)} differ, e.g. {mismatches[:2]}"


@pytest.mark.parametrize("ours", sorted(EPSILON_CASES))
def test_the_clipping_epsilon_is_keras_s(ours):
    y = DATA[EPSILON_CASES[ours]][0]
    p = NEAR_EDGES / NEAR_EDGES.sum(-1, keepdims=True) if ours != "BinaryCrossentropy" else NEAR_EDGES
    before = keras.config.epsilon()
    keras.config.set_epsilon(1e-2)
    try:
        for reduction in REDUCTIONS:
            value, gradient = reference(ours, {}, reduction, y, p, WEIGHTS)
            loss = getattr(losses, ours)(reduction=reduction, epsilon=1e-2)
            np.testing.assert_allclose(loss(y, p, sample_weight=WEIGHTS), value, rtol=2e-6)
            if ours in RESCALES:
                mean = getattr(losses, ours)(reduction="sum" if reduction == "sum" else reduction.replace(
                    "none", "sum_over_batch_size"), epsilon=1e-2)
                gradient = central_difference(lambda v: mean(y, v, sample_weight=WEIGHTS), p.copy())
            np.testing.assert_allclose(loss.gradient(y, p, sample_weight=WEIGHTS), gradient, rtol=1e-6, atol=1e-9)
    finally:
        keras.config.set_epsilon(before)


@pytest.mark.parametrize("ours", sorted(REFUSED))
def test_options_neurona_does_not_take_are_refused_by_name(ours):
    (option, value), = REFUSED[ours].items()
    with pytest.raises(ValueError, match=option):
        getattr(losses, ours)(**{option: value})
