r"""Activations: derivatives against central differences, backward against the chain rule,
stability for |z| up to 1e4, and the slides' worked facts.

Every activation registered in ``neurona.activations.registry`` is checked: an elementwise one
(``derivative(z)`` has the shape of z) through its derivative, one with a Jacobian per sample
(``derivative(z)`` of shape z.shape + (k,), like softmax) through that Jacobian.
"""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gradcheck import central_difference, elementwise_central_difference, relative_error
from registry_cases import canonical_names
from neurona import activations
from neurona.activations import registry

TOLERANCE = 1e-6


ALL_NAMES = canonical_names(registry)


def is_elementwise(activation):
    z = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    return np.shape(activation.derivative(z)) == z.shape


ELEMENTWISE = [name for name in ALL_NAMES if is_elementwise(activations.get(name))]
JACOBIAN = [name for name in ALL_NAMES if name not in ELEMENTWISE]


def sample_points():
    r"""Many float64 points in [-30, 30], none within 1e-3 of the kinks at 0 (relu, leaky_relu,
    step, sign, selu, elu; softsign's second derivative), at -3 and 3 (hard_sigmoid, hard_silu)
    and at 6 (relu6)."""
    rng = np.random.default_rng(0)
    z = np.concatenate([np.linspace(-8.0, 8.0, 321), rng.uniform(-6.0, 6.0, 300), rng.normal(0.0, 1.0, 200),
                        [-30.0, -20.0, -12.5, 12.5, 20.0, 30.0, -1e-2, 1e-2, -2.5, 2.5]])
    kinks = np.array([0.0, -3.0, 3.0, 6.0])
    return z[np.min(np.abs(z[:, None] - kinks), axis=1) > 1e-3]


def test_registry_walk_sees_the_known_activations():
    expected = {"identity", "step", "sign", "sigmoid", "tanh", "relu", "leaky_relu", "selu", "softplus",
                "softsign", "softmax"}
    assert expected <= set(ALL_NAMES)
    assert "softmax" in JACOBIAN
    assert "sigmoid" in ELEMENTWISE


# ------------------------------------------------------------------ derivatives and backward

@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name):
    f = activations.get(name)
    z = sample_points()
    analytic = np.asarray(f.derivative(z), dtype=np.float64)
    numeric = elementwise_central_difference(f, z)
    assert analytic.shape == z.shape
    assert relative_error(analytic, numeric) < TOLERANCE


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences_entry_by_entry(name):
    # the same check through the generic helper, on a small 2-D batch: f summed over the batch
    f = activations.get(name)
    rng = np.random.default_rng(1)
    z = rng.uniform(-3.0, 3.0, size=(4, 3))
    z[np.abs(z) < 1e-2] = 0.5
    numeric = central_difference(lambda v: np.sum(f(v)), z)
    assert relative_error(f.derivative(z), numeric) < TOLERANCE


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backward_is_grad_times_derivative(name, dtype):
    f = activations.get(name)
    rng = np.random.default_rng(2)
    z = np.concatenate([sample_points()[:395], [0.0, -0.0, 1e-9, -1e-9, 0.5]]).reshape(80, 5).astype(dtype)
    grad = rng.normal(size=z.shape).astype(dtype)
    a = f(z)
    got = np.asarray(f.backward(grad, z, a), dtype=np.float64)
    expected = grad.astype(np.float64) * np.asarray(f.derivative(z), dtype=np.float64)
    assert got.shape == z.shape
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * 1e-3)


@pytest.mark.parametrize("name", JACOBIAN)
def test_jacobian_matches_central_differences(name):
    f = activations.get(name)
    rng = np.random.default_rng(3)
    for k in (2, 3, 5):
        z = rng.normal(0.0, 2.0, size=k)
        jacobian = f.derivative(z)
        assert jacobian.shape == (k, k)
        numeric = np.stack([central_difference(lambda v, i=i: f(v)[i], z) for i in range(k)])
        assert relative_error(jacobian, numeric) < TOLERANCE


@pytest.mark.parametrize("name", JACOBIAN)
def test_batched_jacobian_is_one_jacobian_per_sample(name):
    f = activations.get(name)
    z = np.random.default_rng(4).normal(0.0, 3.0, size=(6, 4))
    jacobians = f.derivative(z)
    assert jacobians.shape == (6, 4, 4)
    for n in range(6):
        numeric = np.stack([central_difference(lambda v, i=i: f(v)[i], z[n].copy()) for i in range(4)])
        assert relative_error(jacobians[n], numeric) < TOLERANCE


@pytest.mark.parametrize("name", JACOBIAN)
def test_jacobian_backward_is_the_vector_jacobian_product(name):
    f = activations.get(name)
    rng = np.random.default_rng(5)
    z = rng.normal(0.0, 2.0, size=(7, 4))
    grad = rng.normal(size=z.shape)
    got = f.backward(grad, z, f(z))
    # dL/dz_j = sum_i dL/da_i da_i/dz_j
    vjp = np.einsum("ni,nij->nj", grad, f.derivative(z))
    np.testing.assert_allclose(got, vjp, rtol=1e-12, atol=1e-14)
    numeric = central_difference(lambda v: np.sum(grad * f(v)), z)
    assert relative_error(got, numeric) < TOLERANCE


def test_softmax_jacobian_formula():
    # da_i/dz_j = a_i (delta_ij - a_j)
    f = activations.get("softmax")
    z = np.array([0.5, -1.0, 2.0])
    a = f(z)
    np.testing.assert_allclose(f.derivative(z), np.diag(a) - np.outer(a, a), rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ stability

def extreme_inputs(dtype):
    r"""Rows mixing values from -1e4 to 1e4 (both ends exactly), around the overflow points of
    exp in float32 (88.7) and float64 (709.8), and tiny values."""
    edges = np.array([-1e4, 1e4, -1e3, 1e3, -745.0, 745.0, -710.0, 710.0, -100.0, 100.0, -89.0, 89.0,
                      -50.0, 50.0, -20.0, 20.0, 0.0, -0.0, 1e-30, -1e-30])
    values = np.concatenate([np.linspace(-1e4, 1e4, 2001), edges])
    rng = np.random.default_rng(6)
    z = np.stack([values, values[::-1], rng.permutation(values), np.full_like(values, 1e4),
                  np.full_like(values, -1e4)], axis=1)
    z = np.concatenate([z, np.full((1, 5), 1e4), np.full((1, 5), -1e4), [[-1e4, 1e4, -1e4, 1e4, 0.0]]])
    return z.astype(dtype)


def quietly(function, *args):
    r"""Call ``function`` with every floating-point problem turned into an error: overflow,
    division by zero and invalid operations (NaN) raise, and so does any warning. Underflow to 0
    (e^{-1e4} = 0) is the correct rounded result, so it is let through."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            return function(*args)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ALL_NAMES)
def test_stable_for_inputs_up_to_1e4(name, dtype):
    f = activations.get(name)
    z = extreme_inputs(dtype)
    a = quietly(f, z)
    derivative = quietly(f.derivative, z)
    backward = quietly(f.backward, np.ones_like(z), z, a)
    # e^z itself exceeds the largest float beyond ln(max): there inf is the right answer
    beyond = z > np.log(np.finfo(dtype).max) if name == "exponential" else np.zeros(z.shape, bool)
    for label, value in (("value", a), ("derivative", derivative), ("backward", backward)):
        value = np.asarray(value)
        assert np.all(np.isfinite(value[~beyond])), f"{name}: non-finite {label} for dtype {np.dtype(dtype).name}"
        assert np.all(value[beyond] == np.inf)
    assert np.asarray(a).shape == z.shape


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bounded_activations_stay_in_range_at_the_extremes(dtype):
    z = extreme_inputs(dtype)
    s = quietly(activations.get("sigmoid"), z)
    assert np.all((s >= 0) & (s <= 1))
    assert s[z == 1e4].min() == 1.0 and s[z == -1e4].max() == 0.0
    t = quietly(activations.get("tanh"), z)
    assert np.all(np.abs(t) <= 1)
    p = quietly(activations.get("softmax"), z)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-6 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(quietly(activations.get("softplus"), z)[z == 1e4], 1e4, rtol=1e-7)


# ------------------------------------------------------------------ the slides' facts

def test_leaky_relu_slide_example():
    f = activations.get("leaky_relu")
    assert float(f(-2.5)) == pytest.approx(-0.025)
    assert float(f(2.5)) == pytest.approx(2.5)
    assert float(f.derivative(-2.5)) == pytest.approx(0.01)
    assert float(f.derivative(2.5)) == 1.0


def test_sigmoid_derivative_is_sigma_times_one_minus_sigma():
    f = activations.get("sigmoid")
    z = np.linspace(-20.0, 20.0, 401)
    sigma = 1.0 / (1.0 + np.exp(-z))
    np.testing.assert_allclose(f(z), sigma, rtol=1e-12)
    np.testing.assert_allclose(f.derivative(z), sigma * (1.0 - sigma), rtol=1e-9, atol=1e-18)
    assert float(f(0.0)) == 0.5 and float(f.derivative(0.0)) == 0.25


def test_tanh_derivative_is_one_minus_tanh_squared():
    f = activations.get("tanh")
    z = np.linspace(-10.0, 10.0, 401)
    np.testing.assert_allclose(f.derivative(z), 1.0 - np.tanh(z) ** 2, rtol=1e-12, atol=1e-18)
    assert float(f.derivative(0.0)) == 1.0


@pytest.mark.parametrize("name", ["step", "sign"])
def test_step_and_sign_have_no_gradient(name):
    f = activations.get(name)
    z = np.concatenate([sample_points(), [0.0]])
    assert f.has_gradient is False
    assert np.all(f.derivative(z) == 0)
    assert np.all(f.backward(np.ones_like(z), z, f(z)) == 0)


def test_step_and_sign_values():
    step, sign = activations.get("step"), activations.get("sign")
    z = np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0])
    np.testing.assert_array_equal(step(z), [0, 0, 1, 1, 1])
    np.testing.assert_array_equal(sign(z), [-1, -1, 1, 1, 1])


@pytest.mark.parametrize("name", ALL_NAMES)
def test_has_gradient_says_whether_the_derivative_is_ever_nonzero(name):
    f = activations.get(name)
    z = sample_points()
    z = z[: z.size // 5 * 5].reshape(-1, 5)
    nonzero = bool(np.any(np.asarray(f.derivative(z)) != 0))
    assert f.has_gradient is nonzero


def test_softmax_rows_sum_to_one():
    z = np.random.default_rng(7).normal(0.0, 5.0, size=(50, 10))
    a = activations.get("softmax")(z)
    assert np.all(a > 0)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(z=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 8)),
                elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)),
       shift=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False))
def test_softmax_sums_to_one_and_ignores_a_constant_shift(z, shift):
    f = activations.get("softmax")
    a = f(z)
    assert np.all(np.isfinite(a)) and np.all(a >= 0)
    np.testing.assert_allclose(a.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(f(z + shift), a, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------ configs and names

@pytest.mark.parametrize("name", ALL_NAMES)
def test_get_config_round_trip(name):
    f = activations.get(name)
    config = f.get_config()
    assert config["name"] == name
    again = activations.get(config)
    assert type(again) is type(f) and again == f and again.get_config() == config


def test_get_config_round_trip_keeps_arguments():
    f = activations.get({"name": "leaky_relu", "negative_slope": 0.2})
    assert f.get_config() == {"name": "leaky_relu", "negative_slope": 0.2}
    assert activations.get(f.get_config()) == f
    assert float(f(-1.0)) == pytest.approx(-0.2)
    assert activations.get(f) is f


def test_aliases_and_none():
    assert isinstance(activations.get("linear"), activations.Identity)
    assert isinstance(activations.get("logistic"), activations.Sigmoid)
    assert isinstance(activations.get(None), activations.Identity)
    assert isinstance(activations.get("ReLU"), activations.ReLU)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError) as info:
        activations.get("relux")
    message = str(info.value)
    assert "relux" in message
    for name in registry.names():
        assert name in message


def test_selu_values_and_constants_are_pytorchs():
    torch = pytest.importorskip("torch")
    from neurona.autodiff.tensor import Tensor
    z = np.concatenate([np.linspace(-6, 6, 49), [-1e-3, 1e-3, -30.0]])
    expected = torch.nn.functional.selu(torch.tensor(z, dtype=torch.float64)).numpy()
    selu = activations.get("selu")
    np.testing.assert_allclose(selu(z), expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(selu.call(Tensor(z)).data, expected, rtol=1e-14, atol=1e-15)
    # the derivative pinned by torch autograd as well (not only by differences of our own values)
    tz = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.selu(tz).sum().backward()
    np.testing.assert_allclose(selu.derivative(z), tz.grad.numpy(), rtol=1e-12)


def test_sigmoid_keeps_the_float_dtype_and_its_relative_precision_in_the_tails():
    f = activations.get("sigmoid")
    z = np.array([-700.0, -80.0, -20.0, -1e-8, 0.0, 1e-8, 20.0, 700.0])
    exact = np.array([1 / (1 + math.exp(-v)) for v in z])
    np.testing.assert_allclose(f(z), exact, rtol=4e-16)                  # float64: to an ulp or two
    assert f(z.astype(np.float32)).dtype == np.float32
    assert f(z.astype(np.float16)).dtype == np.float32                    # computed in float32 at least
    assert f(np.array([-3, 0, 2])).dtype == np.float64                    # integers: float64
    assert np.ndim(f(np.float32(-2.0))) == 0
