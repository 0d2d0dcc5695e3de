r"""Every loss against PyTorch in float64: the value, and the gradient with respect to the
predictions (torch autograd), on random inputs. Also the fused output-layer gradients."""
import math

import numpy as np
import pytest

from neurona import activations, losses

torch = pytest.importorskip("torch")
F = torch.nn.functional

N, K = 16, 5


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-12)


def torch_value_and_gradient(torch_loss, y_true, y_pred):
    r"""torch_loss(target, prediction) and its gradient with respect to the prediction."""
    prediction = torch.tensor(y_pred, dtype=torch.float64, requires_grad=True)
    target = torch.as_tensor(y_true)
    if target.is_floating_point():
        target = target.to(torch.float64)
    value = torch_loss(target, prediction)
    value.backward()
    return value.item(), prediction.grad.numpy()


def check_against_torch(loss, torch_loss, y_true, y_pred):
    value, gradient = loss(y_true, y_pred), loss.gradient(y_true, y_pred)
    expected_value, expected_gradient = torch_value_and_gradient(torch_loss, y_true, y_pred)
    assert isinstance(value, float)
    assert value == pytest.approx(expected_value, rel=1e-6, abs=1e-12)
    assert gradient.shape == np.shape(y_pred)
    assert_close(gradient, expected_gradient)


# ------------------------------------------------------------------ random inputs

def rng(seed):
    return np.random.default_rng(seed)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def regression_data(seed, k=3):
    r = rng(seed)
    return r.normal(size=(N, k)), r.normal(size=(N, k))


def absolute_data(seed, k=3):
    y_true, y_pred = regression_data(seed, k)
    y_pred = np.where(np.abs(y_pred - y_true) < 1e-3, y_pred + 0.1, y_pred)   # no ties at 0
    return y_true, y_pred


def binary_data(seed, k=1, soft_targets=False):
    r = rng(seed)
    y_true = r.uniform(size=(N, k)) if soft_targets else r.integers(0, 2, size=(N, k)).astype(float)
    p = r.uniform(0.01, 0.99, size=(N, k))   # inside [eps, 1 - eps]: clipping does not bite
    return y_true, p


def binary_logit_data(seed, k=1):
    r = rng(seed)
    return r.integers(0, 2, size=(N, k)).astype(float), r.normal(scale=3.0, size=(N, k))


def one_hot(labels, k=K):
    return np.eye(k)[labels]


def categorical_data(seed, soft_targets=False):
    r = rng(seed)
    logits = r.normal(scale=2.0, size=(N, K))
    y_true = softmax(r.normal(size=(N, K))) if soft_targets else one_hot(r.integers(0, K, size=N))
    return y_true, logits


def hinge_data(seed, k=2):
    r = rng(seed)
    y_true = r.choice([-1.0, 1.0], size=(N, k))
    y_pred = r.normal(scale=1.5, size=(N, k))
    y_pred = np.where(np.abs(y_true * y_pred - 1) < 1e-3, y_pred + 0.1, y_pred)   # no kinks
    return y_true, y_pred


def torch_half_mse(target, prediction):
    return 0.5 * ((prediction - target) ** 2).sum() / prediction.shape[0]


def torch_categorical(target, probabilities):
    return -(target * torch.log(probabilities)).sum(dim=1).mean()


def torch_hinge(target, prediction):
    return torch.clamp(1 - target * prediction, min=0).mean()


# ------------------------------------------------------------------ regression losses

@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [1, 3])
def test_mean_squared_error_matches_torch_mse_loss(seed, k):
    y_true, y_pred = regression_data(seed, k)
    check_against_torch(losses.MeanSquaredError(), lambda t, p: F.mse_loss(p, t), y_true, y_pred)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [1, 3])
def test_half_mean_squared_error_matches_half_sum_over_samples(seed, k):
    y_true, y_pred = regression_data(seed, k)
    check_against_torch(losses.MeanSquaredError(half=True), torch_half_mse, y_true, y_pred)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [1, 3])
def test_mean_absolute_error_matches_torch_l1_loss(seed, k):
    y_true, y_pred = absolute_data(seed, k)
    check_against_torch(losses.MeanAbsoluteError(), lambda t, p: F.l1_loss(p, t), y_true, y_pred)


# ------------------------------------------------------------------ binary cross-entropy

@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [1, 4])
@pytest.mark.parametrize("soft_targets", [False, True], ids=["hard", "soft"])
def test_binary_crossentropy_matches_torch(seed, k, soft_targets):
    y_true, p = binary_data(seed, k, soft_targets)
    check_against_torch(losses.BinaryCrossentropy(), lambda t, q: F.binary_cross_entropy(q, t), y_true, p)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [1, 4])
def test_binary_crossentropy_from_logits_matches_torch(seed, k):
    y_true, z = binary_logit_data(seed, k)
    z[0, 0], z[1, 0] = 40.0, -40.0                  # large logits stay exact
    check_against_torch(losses.BinaryCrossentropy(from_logits=True),
                        lambda t, q: F.binary_cross_entropy_with_logits(q, t), y_true, z)


# ------------------------------------------------------------------ categorical cross-entropy

@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("soft_targets", [False, True], ids=["one_hot", "soft"])
def test_categorical_crossentropy_matches_torch(seed, soft_targets):
    y_true, logits = categorical_data(seed, soft_targets)
    p = softmax(logits)
    assert p.min() > losses.EPSILON
    check_against_torch(losses.CategoricalCrossentropy(), torch_categorical, y_true, p)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("soft_targets", [False, True], ids=["one_hot", "soft"])
def test_categorical_crossentropy_from_logits_matches_torch_cross_entropy(seed, soft_targets):
    y_true, logits = categorical_data(seed, soft_targets)
    check_against_torch(losses.CategoricalCrossentropy(from_logits=True),
                        lambda t, z: F.cross_entropy(z, t), y_true, logits)


@pytest.mark.parametrize("seed", range(3))
def test_sparse_categorical_crossentropy_matches_torch_nll_loss(seed):
    labels = rng(seed + 10).integers(0, K, size=N)
    p = softmax(rng(seed).normal(scale=2.0, size=(N, K)))
    check_against_torch(losses.SparseCategoricalCrossentropy(),
                        lambda t, q: F.nll_loss(torch.log(q), t), labels, p)


@pytest.mark.parametrize("seed", range(3))
def test_sparse_categorical_crossentropy_from_logits_matches_torch_cross_entropy(seed):
    labels = rng(seed + 10).integers(0, K, size=N)
    logits = rng(seed).normal(scale=2.0, size=(N, K))
    check_against_torch(losses.SparseCategoricalCrossentropy(from_logits=True),
                        lambda t, z: F.cross_entropy(z, t), labels, logits)


def test_sparse_and_one_hot_categorical_crossentropy_agree():
    labels = rng(20).integers(0, K, size=N)
    p = softmax(rng(21).normal(size=(N, K)))
    sparse, dense = losses.SparseCategoricalCrossentropy(), losses.CategoricalCrossentropy()
    assert sparse(labels, p) == pytest.approx(dense(one_hot(labels), p), rel=1e-12)
    assert_close(sparse.gradient(labels, p), dense.gradient(one_hot(labels), p))


# ------------------------------------------------------------------ hinge

@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [1, 2])
def test_hinge_matches_torch_clamp(seed, k):
    y_true, y_pred = hinge_data(seed, k)
    check_against_torch(losses.Hinge(), torch_hinge, y_true, y_pred)


def test_hinge_maps_zero_one_labels_to_minus_one_one():
    y_signed, y_pred = hinge_data(30)
    y_01 = (y_signed + 1) / 2
    hinge = losses.Hinge()
    assert hinge(y_01, y_pred) == pytest.approx(hinge(y_signed, y_pred), rel=1e-12)
    assert_close(hinge.gradient(y_01, y_pred), hinge.gradient(y_signed, y_pred))


# ------------------------------------------------------------------ logarithm bases

def log_base_cases():
    y_bin, p_bin = binary_data(40, k=2)
    y_bin_z, z_bin = binary_logit_data(41, k=2)
    y_cat, logits = categorical_data(42)
    labels = np.argmax(y_cat, axis=1)
    return [
        ("binary", losses.BinaryCrossentropy, {}, y_bin, p_bin),
        ("binary_logits", losses.BinaryCrossentropy, {"from_logits": True}, y_bin_z, z_bin),
        ("categorical", losses.CategoricalCrossentropy, {}, y_cat, softmax(logits)),
        ("categorical_logits", losses.CategoricalCrossentropy, {"from_logits": True}, y_cat, logits),
        ("sparse", losses.SparseCategoricalCrossentropy, {}, labels, softmax(logits)),
        ("sparse_logits", losses.SparseCategoricalCrossentropy, {"from_logits": True}, labels, logits),
    ]


@pytest.mark.parametrize("base", [2, 10])
@pytest.mark.parametrize("name, cls, kwargs, y_true, y_pred", log_base_cases(),
                         ids=[case[0] for case in log_base_cases()])
def test_log_base_divides_natural_value_and_gradient_by_ln_base(base, name, cls, kwargs, y_true, y_pred):
    natural = cls(**kwargs)
    based = cls(log_base=base, **kwargs)
    ln_base = math.log(base)
    assert based(y_true, y_pred) == pytest.approx(natural(y_true, y_pred) / ln_base, rel=1e-12)
    assert_close(based.gradient(y_true, y_pred), natural.gradient(y_true, y_pred) / ln_base)


# ------------------------------------------------------------------ fused output gradients

def torch_logit_gradient(torch_loss, y_true, z):
    return torch_value_and_gradient(torch_loss, y_true, z)[1]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("soft_targets", [False, True], ids=["one_hot", "soft"])
def test_softmax_categorical_fused_gradient_matches_torch_cross_entropy(seed, soft_targets):
    y_true, logits = categorical_data(seed, soft_targets)
    softmax_activation = activations.get("softmax")
    a = softmax_activation(logits)
    fused = losses.CategoricalCrossentropy().fused_gradient(softmax_activation, y_true, a)
    assert_close(fused, torch_logit_gradient(lambda t, z: F.cross_entropy(z, t), y_true, logits))


@pytest.mark.parametrize("seed", range(3))
def test_softmax_sparse_categorical_fused_gradient_matches_torch_cross_entropy(seed):
    labels = rng(seed + 10).integers(0, K, size=N)
    logits = rng(seed).normal(scale=2.0, size=(N, K))
    softmax_activation = activations.get("softmax")
    a = softmax_activation(logits)
    fused = losses.SparseCategoricalCrossentropy().fused_gradient(softmax_activation, labels, a)
    assert_close(fused, torch_logit_gradient(lambda t, z: F.cross_entropy(z, t), labels, logits))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [1, 4])
def test_sigmoid_binary_fused_gradient_matches_torch_bce_with_logits(seed, k):
    y_true, z = binary_logit_data(seed, k)
    sigmoid = activations.get("sigmoid")
    a = sigmoid(z)
    fused = losses.BinaryCrossentropy().fused_gradient(sigmoid, y_true, a)
    assert_close(fused, torch_logit_gradient(lambda t, q: F.binary_cross_entropy_with_logits(q, t), y_true, z))


@pytest.mark.parametrize("base", [2, 10])
def test_fused_gradients_scale_with_log_base(base):
    y_cat, logits = categorical_data(50)
    softmax_activation = activations.get("softmax")
    a = softmax_activation(logits)
    natural = losses.CategoricalCrossentropy().fused_gradient(softmax_activation, y_cat, a)
    based = losses.CategoricalCrossentropy(log_base=base).fused_gradient(softmax_activation, y_cat, a)
    assert_close(based, natural / math.log(base))

    y_bin, z = binary_logit_data(51)
    sigmoid = activations.get("sigmoid")
    s = sigmoid(z)
    natural = losses.BinaryCrossentropy().fused_gradient(sigmoid, y_bin, s)
    based = losses.BinaryCrossentropy(log_base=base).fused_gradient(sigmoid, y_bin, s)
    assert_close(based, natural / math.log(base))


@pytest.mark.parametrize("loss, activation", [
    (losses.CategoricalCrossentropy(), "sigmoid"),
    (losses.CategoricalCrossentropy(from_logits=True), "softmax"),
    (losses.BinaryCrossentropy(), "softmax"),
    (losses.BinaryCrossentropy(from_logits=True), "sigmoid"),
    (losses.MeanSquaredError(), "identity"),
], ids=["cce_sigmoid", "cce_logits", "bce_softmax", "bce_logits", "mse"])
def test_no_fused_gradient_for_other_pairs(loss, activation):
    z = rng(60).normal(size=(4, 3))
    act = activations.get(activation)
    y = one_hot(np.array([0, 1, 2, 0]), 3)
    assert loss.fused_gradient(act, y, act(z)) is None


def numerical_gradient(loss, y_true, y_pred, h=1e-6):
    grad = np.zeros_like(y_pred)
    for index in np.ndindex(*y_pred.shape):
        up, down = y_pred.copy(), y_pred.copy()
        up[index] += h
        down[index] -= h
        grad[index] = (loss(y_true, up) - loss(y_true, down)) / (2 * h)
    return grad


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_cross_entropy_gradient_in_the_clipped_region_is_the_slope_of_the_clipped_loss(name):
    # predictions below eps and above 1 - eps (where the clip flattens the loss) beside ones inside
    loss = losses.get({"name": name, "epsilon": 1e-3})
    rng = np.random.default_rng(3)
    y_pred = rng.choice([2e-4, 5e-4, 0.3, 0.6, 0.9995, 0.9998], size=(N, K))
    y_true = rng.random((N, K)) if name == "binary_crossentropy" else np.eye(K)[rng.integers(0, K, N)]
    expected = numerical_gradient(loss, y_true, y_pred)
    np.testing.assert_allclose(loss.gradient(y_true, y_pred), expected, rtol=1e-5, atol=1e-9)
    # binary cross-entropy clips p to [eps, 1 - eps]; categorical only from below (p <= 1 anyway)
    flat = (y_pred < 1e-3) | ((y_pred > 1 - 1e-3) & (name == "binary_crossentropy"))
    assert flat.any() and (loss.gradient(y_true, y_pred)[flat] == 0).all()


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_from_logits_gradient_for_targets_whose_rows_do_not_sum_to_one(name):
    rng = np.random.default_rng(4)
    z = rng.normal(size=(N, K)) * 3
    y_true = rng.random((N, K)) * 0.5          # accepted targets in [0, 1], rows summing to anything
    loss = losses.get({"name": name, "from_logits": True})
    if name == "binary_crossentropy":
        def reference(t, p):
            return F.binary_cross_entropy_with_logits(p, t)
    else:
        def reference(t, p):
            return -(t * F.log_softmax(p, dim=-1)).sum(dim=-1).mean()
    value, gradient = torch_value_and_gradient(reference, y_true, z)
    assert_close(loss(y_true, z), value)
    assert_close(loss.gradient(y_true, z), gradient)
