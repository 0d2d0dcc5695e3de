r"""Where the Adam family puts epsilon, against Keras 3: Adam and AdamW add it to sqrt(v) of the
uncorrected moments (alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)), Nadam to sqrt(v_hat), Adamax
to u. Gradients of 1e-8 make epsilon (1e-7) dominate the denominator, so a misplaced epsilon shows
as a step several times too large or too small."""
import os

import numpy as np
import pytest

from neurona import kernels, optimizers

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

SHAPES = [(40, 3), (5,)]          # one above kernels.MIN_SIZE-sized arrays, one below
N_STEPS = 12

FAMILY = {
    "adam": lambda m: m.Adam(learning_rate=0.01),
    "adam_amsgrad": lambda m: m.Adam(learning_rate=0.01, amsgrad=True),
    "adamw": lambda m: m.AdamW(learning_rate=0.01, weight_decay=0.01),
    "nadam": lambda m: m.Nadam(learning_rate=0.01),
    "adamax": lambda m: m.Adamax(learning_rate=0.01),
}


def problem(dtype, scale):
    rng = np.random.default_rng(7)
    params = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    gradients = [[(scale * rng.normal(size=s)).astype(dtype) for s in SHAPES] for _ in range(N_STEPS)]
    return params, gradients


def run_keras(make, params, gradients, dtype):
    variables = [keras.Variable(p, dtype=dtype) for p in params]
    optimizer = make(keras.optimizers)
    for grads in gradients:
        optimizer.apply_gradients(zip([keras.ops.convert_to_tensor(g, dtype=dtype) for g in grads], variables))
    return [keras.ops.convert_to_numpy(v) for v in variables]


def run_neurona(make, params, gradients):
    params = [p.copy() for p in params]
    optimizer = make(optimizers)
    for grads in gradients:
        optimizer.apply(params, grads)
    return params


@pytest.fixture(params=["numpy", "kernels"])
def path(request, monkeypatch):
    r"""Both update paths: NumPy's reference and the numba kernels (on every array size)."""
    if request.param == "numpy":
        monkeypatch.setenv("NEURONA_FAST", "0")
    else:
        pytest.importorskip("numba")
        monkeypatch.setenv("NEURONA_FAST", "1")
        monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    return request.param


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-9), ("float32", 2e-6)])
@pytest.mark.parametrize("scale", [1e-8, 1.0])
@pytest.mark.parametrize("name", sorted(FAMILY))
def test_steps_match_keras(name, scale, dtype, rtol, path):
    params, gradients = problem(dtype, scale)
    want = run_keras(FAMILY[name], params, gradients, dtype)
    got = run_neurona(FAMILY[name], params, gradients)
    for p, g, w in zip(params, got, want):
        assert g.dtype == np.dtype(dtype)
        # compare the distance travelled, not the weights (the steps are ~1e-2 of weights ~1)
        np.testing.assert_allclose(g - p, w - p, rtol=rtol * 50, atol=atol(name, dtype))


def atol(name, dtype):
    # Keras's torch backend decays by (1 - wd lr) with lr a float32 variable: 6e-8 of w off at each step
    if name == "adamw":
        return 1e-6
    return 0.0 if dtype == "float64" else 2e-7


def test_adam_step_is_kerass_not_the_bias_corrected_epsilon():
    # one step, g = 1e-8: Keras moves alpha m / (sqrt(v) + eps), m = 0.1 g, v = 0.001 g^2, alpha = lr sqrt(0.001) / 0.1,
    # 3.2e-5; the bias-corrected form lr g / (|g| + eps) would move 9.1e-4
    param = np.zeros(3)
    optimizers.Adam(learning_rate=0.01).apply([param], [np.full(3, 1e-8)])
    alpha = 0.01 * np.sqrt(1 - 0.999) / (1 - 0.9)
    expected = alpha * (0.1 * 1e-8) / (np.sqrt(0.001) * 1e-8 + 1e-7)
    np.testing.assert_allclose(-param, expected, rtol=1e-12)
