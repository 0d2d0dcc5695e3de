r"""neurona.autodiff: every operation's gradient against central differences (float64), the
chain rule of seed 001 (e^{sin(x^2)}), gradients that add up over several uses, deep graphs,
the tape's rules and errors, numerical slopes and computational graphs.

An operation's check: with a random upstream gradient g, the tape's gradient of y = op(inputs)
with ``output_gradients=g`` must equal the central difference of sum(g * op(inputs)).
"""
import os
import shutil
import threading
import zlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from gradcheck import central_difference, relative_error
from neurona import autodiff as ad
from neurona.autodiff import DERIVATIVES, GradientTape, Tensor, Variable

TOLERANCE = 1e-6


def rng_arrays(seed, *shapes, low=-2.0, high=2.0, away_from=None):
    r"""Random float64 arrays; with ``away_from`` no entry lies within 0.1 of that value."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in shapes:
        a = rng.uniform(low, high, size=shape)
        if away_from is not None:
            a = np.where(np.abs(a - away_from) < 0.1, away_from + 0.3 * np.sign(a - away_from + 1e-9), a)
        arrays.append(a)
    return arrays


# name -> (function of Tensors, input arrays). The last operation of each is the one tested.
CASES = {
    "add-broadcast-row": (lambda a, b: a + b, rng_arrays(0, (3, 4), (4,))),
    "add-broadcast-both": (lambda a, b: ad.add(a, b), rng_arrays(1, (2, 1, 3), (4, 1))),
    "radd-scalar": (lambda a: 2.5 + a, rng_arrays(2, (3,))),
    "sub-outer": (lambda a, b: a - b, rng_arrays(3, (3, 1), (1, 4))),
    "rsub": (lambda a: 1.0 - a, rng_arrays(4, (2, 3))),
    "mul-column": (lambda a, b: a * b, rng_arrays(5, (3, 4), (3, 1))),
    "rmul-array": (lambda a: np.arange(4.0) * a, rng_arrays(53, (2, 4))),
    "div-row": (lambda a, b: a / b, rng_arrays(6, (3, 4), (4,), low=0.5, high=2.0)),
    "rdiv": (lambda a: 3.0 / a, rng_arrays(7, (5,), low=0.5, high=2.0)),
    "pow-tensors": (lambda a, b: a ** b, rng_arrays(8, (3, 4), (4,), low=0.5, high=2.0)),
    "pow-cube": (lambda a: a ** 3, rng_arrays(9, (4,))),
    "pow-half": (lambda a: ad.power(a, 0.5), rng_arrays(10, (4,), low=0.5, high=3.0)),
    "pow-zero-at-zero": (lambda a: a ** 0, [np.array([0.0, -1.5, 2.0])]),          # slope 0, not 0 * inf
    "rpow": (lambda a: 2.0 ** a, rng_arrays(11, (4,))),
    "neg": (lambda a: -a, rng_arrays(12, (2, 3))),
    "matmul-2d": (lambda a, b: a @ b, rng_arrays(13, (3, 4), (4, 2))),
    "matmul-vector-matrix": (lambda a, b: ad.matmul(a, b), rng_arrays(14, (4,), (4, 2))),
    "matmul-matrix-vector": (lambda a, b: a @ b, rng_arrays(15, (3, 4), (4,))),
    "matmul-vector-vector": (lambda a, b: a @ b, rng_arrays(16, (4,), (4,))),
    "matmul-batched-broadcast": (lambda a, b: a @ b, rng_arrays(17, (2, 3, 4), (4, 5))),
    "matmul-vector-batched": (lambda a, b: a @ b, rng_arrays(54, (4,), (2, 4, 5))),
    "matmul-batched-vector": (lambda a, b: a @ b, rng_arrays(55, (2, 3, 4), (4,))),
    "rmatmul-array": (lambda b: np.ones((2, 3)) @ b, rng_arrays(18, (3, 2))),
    "exp": (ad.exp, rng_arrays(19, (3, 2))),
    "log": (ad.log, rng_arrays(20, (3, 2), low=0.2, high=3.0)),
    "sqrt": (ad.sqrt, rng_arrays(21, (3, 2), low=0.2, high=3.0)),
    "sin": (ad.sin, rng_arrays(22, (3, 2))),
    "cos": (ad.cos, rng_arrays(23, (3, 2))),
    "tanh": (ad.tanh, rng_arrays(24, (3, 2))),
    "sigmoid": (ad.sigmoid, rng_arrays(25, (3, 2), low=-6, high=6)),
    "relu": (ad.relu, rng_arrays(26, (4, 3), away_from=0.0)),
    "abs": (ad.abs, rng_arrays(27, (4, 3), away_from=0.0)),
    "erf": (ad.erf, rng_arrays(57, (3, 2), low=-2.5, high=2.5)),
    "maximum-broadcast": (ad.maximum, rng_arrays(28, (3, 4), (4,))),
    "minimum-broadcast": (ad.minimum, rng_arrays(29, (3, 1), (3, 4))),
    "clip": (lambda a: ad.clip(a, -0.5, 0.7), [np.array([-1.3, -0.2, 0.1, 0.65, 0.9, 1.7])]),
    "clip-upper-only": (lambda a: a.clip(None, 0.7), [np.array([-1.3, -0.2, 0.1, 0.65, 0.9, 1.7])]),
    "clip-lower-only": (lambda a: ad.clip(a, -0.5, None), [np.array([-1.3, -0.2, 0.1, 0.65, 0.9, 1.7])]),
    "where": (lambda a, b: ad.where(a.data > 0, a, b * 2), rng_arrays(30, (3, 4), (4,), away_from=0.0)),
    "sum-all": (lambda a: a.sum(), rng_arrays(31, (3, 4))),
    "sum-axis-keepdims": (lambda a: ad.sum(a, axis=1, keepdims=True), rng_arrays(32, (3, 4))),
    "sum-two-axes": (lambda a: ad.sum(a, axis=(0, 2)), rng_arrays(33, (2, 3, 4))),
    "mean-all": (ad.mean, rng_arrays(34, (3, 4))),
    "mean-axis0": (lambda a: a.mean(axis=0), rng_arrays(35, (3, 4))),
    "mean-axes-keepdims": (lambda a: ad.mean(a, axis=(1, 2), keepdims=True), rng_arrays(36, (2, 3, 4))),
    "max-all": (ad.max, rng_arrays(37, (3, 4))),
    "max-axis1": (lambda a: a.max(axis=1), rng_arrays(38, (3, 4))),
    "max-axis0-keepdims": (lambda a: ad.max(a, axis=0, keepdims=True), rng_arrays(39, (3, 4))),
    "reshape": (lambda a: a.reshape(4, 3), rng_arrays(40, (2, 6))),
    "transpose": (lambda a: ad.transpose(a, (2, 0, 1)), rng_arrays(41, (2, 3, 4))),
    "transpose-negative-axes": (lambda a: a.transpose(-1, 0, -2), rng_arrays(56, (2, 3, 4))),
    "T": (lambda a: a.T, rng_arrays(42, (2, 3))),
    "getitem-slice": (lambda a: a[1:, ::2], rng_arrays(43, (3, 4))),
    "getitem-repeated-indices": (lambda a: a[np.array([0, 2, 0, 0])], rng_arrays(44, (3, 2))),
    "getitem-mask": (lambda a: a[a.data > 0], rng_arrays(45, (3, 4))),
    "getitem-pairs": (lambda a: a[np.arange(3), np.array([1, 0, 1])], rng_arrays(46, (3, 2))),
    "concatenate-axis0": (lambda a, b: ad.concatenate([a, b]), rng_arrays(47, (2, 3), (1, 3))),
    "concatenate-axis1": (lambda a, b, c: ad.concatenate([a, b, c], axis=1), rng_arrays(48, (2, 1), (2, 3), (2, 2))),
    "softmax-rows": (ad.softmax, rng_arrays(49, (3, 4))),
    "softmax-axis0": (lambda a: ad.softmax(a, axis=0), rng_arrays(50, (3, 4))),
    "softmax-large-logits": (lambda a: a.softmax(), [np.array([[1000.0, 1001.0, 999.0]])]),
    "log_softmax": (ad.log_softmax, rng_arrays(51, (3, 4))),
    "log_softmax-axis0": (lambda a: ad.log_softmax(a, axis=0), rng_arrays(52, (3, 4))),
    "arcsin": (ad.ops.arcsin, rng_arrays(58, (3, 2), low=-0.9, high=0.9)),
    "arccos": (ad.ops.arccos, rng_arrays(59, (3, 2), low=-0.9, high=0.9)),
    "arctan": (ad.ops.arctan, rng_arrays(60, (3, 2))),
    "arcsinh": (ad.ops.arcsinh, rng_arrays(61, (3, 2))),
    "arccosh": (ad.ops.arccosh, rng_arrays(62, (3, 2), low=1.2, high=3.0)),
    "arctanh": (ad.ops.arctanh, rng_arrays(63, (3, 2), low=-0.9, high=0.9)),
    "arctan2-broadcast": (ad.ops.arctan2, rng_arrays(64, (3, 4), (4,), away_from=0.0)),
    "cumsum-axis1": (lambda a: ad.ops.cumsum(a, 1), rng_arrays(65, (3, 4))),
    "cumprod-axis0": (lambda a: ad.ops.cumprod(a, 0), rng_arrays(66, (3, 4), low=0.5, high=2.0)),
    "prod-axis1": (lambda a: ad.ops.prod(a, axis=1), rng_arrays(67, (3, 4), low=0.5, high=2.0)),
    "prod-all-keepdims": (lambda a: ad.ops.prod(a, keepdims=True), rng_arrays(68, (2, 3), low=0.5, high=2.0)),
    "einsum-matmul": (lambda a, b: ad.ops.einsum("ij,jk->ik", a, b), rng_arrays(69, (3, 4), (4, 2))),
    "einsum-diagonal-and-free": (lambda a, b: ad.ops.einsum("iij,k->jk", a, b), rng_arrays(70, (3, 3, 2), (4,))),
    "windows-strided-padded": (lambda a: ad.ops.windows(a, (2, 3), (2, 1), (1, 1), ((0, 1), (1, 1)), (2, 4)),
                               rng_arrays(71, (2, 4, 4, 2))),
    "fold-dilated": (lambda c: ad.ops.fold(c, (5, 4), (2, 2), (1, 1), (2, 1), ((0, 0), (0, 0))),
                     rng_arrays(72, (2, 3, 3, 2, 2, 2))),
}


def tape_and_numeric(function, arrays, seed=0):
    inputs = [Tensor(a) for a in arrays]
    with GradientTape() as tape:
        tape.watch(inputs)
        out = function(*inputs)
    upstream = np.random.default_rng(seed).normal(size=out.shape)
    grads = tape.gradient(out, inputs, output_gradients=upstream)

    def objective(k):
        def f(value):
            args = [Tensor(value) if i == k else Tensor(a) for i, a in enumerate(arrays)]
            return np.sum(upstream * function(*args).data)
        return f

    numeric = [central_difference(objective(k), a.copy()) for k, a in enumerate(arrays)]
    return out, grads, numeric


@pytest.mark.parametrize("case", sorted(CASES))
def test_operation_gradient_against_central_differences(case):
    function, arrays = CASES[case]
    out, grads, numeric = tape_and_numeric(function, arrays)
    assert out.dtype == np.float64
    for k, (g, n) in enumerate(zip(grads, numeric)):
        assert g.shape == arrays[k].shape and g.dtype == np.float64
        assert relative_error(g, n) < TOLERANCE, f"input {k}"


def test_every_derivative_has_a_case():
    covered = set()
    for function, arrays in CASES.values():
        with GradientTape() as tape:
            inputs = [Tensor(a) for a in arrays]
            tape.watch(inputs)
            covered.add(function(*inputs).op)
    assert covered == set(DERIVATIVES)


@st.composite
def broadcast_pair(draw):
    r"""Two shapes that broadcast: b drops some leading axes of a and shrinks others to 1 (and a
    may be the one shrunk)."""
    a = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    kept = a[draw(st.integers(0, len(a))):]
    b = [1 if draw(st.booleans()) else n for n in kept]
    return (tuple(b), tuple(a)) if draw(st.booleans()) else (tuple(a), tuple(b))


@settings(max_examples=40, deadline=None)
@given(broadcast_pair(), st.sampled_from(["add", "sub", "mul", "div", "maximum"]))
def test_broadcasting_gradients_sum_over_the_stretched_axes(shapes, op):
    rng = np.random.default_rng(zlib.crc32(repr((shapes, op)).encode()))
    arrays = [rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape) if op != "div" or k == 0
              else rng.uniform(0.5, 2.0, size=shape) for k, shape in enumerate(shapes)]
    function = getattr(ad, {"sub": "subtract", "mul": "multiply", "div": "divide"}.get(op, op))
    _, grads, numeric = tape_and_numeric(function, arrays)
    for g, n, shape in zip(grads, numeric, shapes):
        assert g.shape == shape and relative_error(g, n) < TOLERANCE


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=1, max_size=6), st.floats(-100, 100))
def test_softmax_sums_to_one_ignores_a_shift_and_its_gradient_of_the_sum_is_zero(values, shift):
    z = Variable(np.array([values]))
    with GradientTape() as tape:
        p = ad.softmax(z)
        total = ad.sum(p)
    np.testing.assert_allclose(p.numpy().sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(ad.softmax(np.array([values]) + shift).numpy(), p.numpy(), rtol=1e-9, atol=1e-300)
    assert np.max(np.abs(tape.gradient(total, z))) < 1e-12


def test_softmax_and_log_softmax_are_stable_and_consistent():
    z = Tensor(np.array([[1000.0, 0.0, -1000.0], [3.0, 3.0, 3.0]]))
    p, log_p = ad.softmax(z), ad.log_softmax(z)
    assert np.all(np.isfinite(p.data)) and np.all(np.isfinite(log_p.data[1]))
    np.testing.assert_allclose(p.data.sum(axis=1), 1.0)
    np.testing.assert_allclose(log_p.data[1], np.log(1 / 3))
    np.testing.assert_allclose(log_p.data[0, :2], [0.0, -1000.0])


# ------------------------------------------------------------------ chain rule, reuse, depth

def test_tensorflow_names_of_the_reductions():
    x = Tensor(np.array([[1.0, 5.0], [3.0, 4.0]]))
    assert float(ad.reduce_mean(x)) == 3.25 and float(ad.reduce_sum(x)) == 13.0
    np.testing.assert_array_equal(ad.reduce_max(x, axis=1).numpy(), [5.0, 4.0])


def test_seed_001_composite_e_to_the_sin_of_x_squared_at_many_points():
    x = Variable(np.linspace(-3, 3, 101))
    with GradientTape() as tape:
        y = ad.exp(ad.sin(x ** 2))
    dy = tape.gradient(y, x)
    v = x.numpy()
    np.testing.assert_allclose(dy, np.exp(np.sin(v ** 2)) * np.cos(v ** 2) * 2 * v, rtol=1e-12, atol=1e-12)


def test_gradients_add_up_over_every_use_of_a_tensor():
    x = Variable(np.array([0.7, -1.2]))
    with GradientTape() as tape:
        y = x * x + x + ad.sin(x) * ad.cos(x) + x
    np.testing.assert_allclose(tape.gradient(y, x), 2 * x.data + 2 + np.cos(2 * x.data), rtol=1e-12)
    w = Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    with GradientTape() as tape:
        s = (w @ w).sum()                 # the same matrix on both sides of a product
    n = central_difference(lambda v: np.sum(v @ v), w.data.copy())
    assert relative_error(tape.gradient(s, w), n) < TOLERANCE


def test_ten_thousand_chained_operations_need_no_recursion():
    x = Variable(np.array(0.5))
    with GradientTape() as tape:
        y = x
        for _ in range(10_000):
            y = ad.tanh(y)
    expected, v = 1.0, 0.5
    for _ in range(10_000):
        v = np.tanh(v)
        expected *= 1 - v * v
    assert tape.gradient(y, x) == pytest.approx(expected, rel=1e-9)
    assert len(tape.graph(y)) == 10_001


# ------------------------------------------------------------------ the tape

def test_variables_are_watched_and_plain_tensors_only_when_asked():
    w, c = Variable(2.0, dtype="float64"), Tensor(np.array(3.0))
    with GradientTape() as tape:
        y = w * c
    assert tape.gradient(y, w) == 3.0
    with GradientTape() as tape:
        y = w * c
    assert tape.gradient(y, [w, c])[1] is None          # c was not watched: TensorFlow's None
    with GradientTape() as tape:
        tape.watch(c)
        y = w * c
    assert tape.gradient(y, [w, c]) == [3.0, 2.0]
    with GradientTape(watch_accessed_variables=False) as tape:
        y = w * c
    assert tape.gradient(y, w) is None


def test_a_tape_differentiates_only_with_respect_to_what_it_watched():
    x = Tensor(np.array(2.0))
    with GradientTape() as outer:
        with GradientTape() as inner:
            inner.watch(x)
            y = x * x
    assert inner.gradient(y, x) == 4.0 and outer.gradient(y, x) is None        # as TensorFlow
    w = Variable(np.array(1.0))
    with GradientTape() as first:
        y = w * 2.0
    with GradientTape() as second:
        z = y * 3.0
    assert second.gradient(z, w) is None                # w was read on the first tape, not this one
    assert first.gradient(y, w) == 2.0


def test_outside_a_tape_nothing_is_recorded():
    w = Variable(np.ones(3))
    y = ad.exp(w).sum()
    assert y.op is None and y.inputs == ()


def test_stop_recording_and_threads_leave_operations_unrecorded():
    w = Variable(np.ones(3))
    with GradientTape() as tape:
        y = ad.sum(w * 2.0)
        with tape.stop_recording():
            untracked = ad.sum(w * 3.0) + y
        seen = []
        thread = threading.Thread(target=lambda: seen.append(ad.sum(w * 4.0)))
        thread.start()
        thread.join()
    assert untracked.op is None and seen[0].op is None and y.op == "sum"
    np.testing.assert_allclose(tape.gradient(y, w), [2.0, 2.0, 2.0])


def test_unconnected_sources_give_none_or_zeros():
    a, b = Variable(np.ones(2)), Variable(np.ones((2, 3)))
    with GradientTape(persistent=True) as tape:
        y = ad.sum(a * 2.0)
    assert tape.gradient(y, [a, b]) == [pytest.approx([2.0, 2.0]), None]
    zeros = tape.gradient(y, [a, b], unconnected_gradients="zero")[1]
    assert zeros.shape == (2, 3) and not zeros.any()
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(y, a, unconnected_gradients="nan")


def test_a_tape_gives_one_set_of_gradients_unless_persistent():
    x = Variable(3.0, dtype="float64")
    with GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) == 6.0
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.gradient(y, x)
    with GradientTape(persistent=True) as tape:
        y = x * x
        z = y * x
    assert tape.gradient(y, x) == 6.0 and tape.gradient(z, x) == 27.0


def test_structure_of_the_result_follows_the_sources():
    a, b = Variable(1.0), Variable(2.0)
    with GradientTape(persistent=True) as tape:
        y = a * b
    assert isinstance(tape.gradient(y, a), np.ndarray)
    assert isinstance(tape.gradient(y, (a, b)), tuple) and isinstance(tape.gradient(y, [a, b]), list)


def test_non_scalar_target_is_summed_and_output_gradients_weigh_it():
    x = Variable(np.array([1.0, 2.0]))
    with GradientTape(persistent=True) as tape:
        y = x ** 2
    np.testing.assert_allclose(tape.gradient(y, x), [2.0, 4.0])
    np.testing.assert_allclose(tape.gradient(y, x, output_gradients=[1.0, -1.0]), [2.0, -4.0])
    with pytest.raises(ValueError, match=r"\(2,\)"):
        tape.gradient(y, x, output_gradients=[1.0, 2.0, 3.0])


def test_assign_keeps_the_values_a_recorded_graph_saw():
    w = Variable(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        y = ad.sum(w * w)
    w.assign(np.array([10.0, 20.0]))
    np.testing.assert_allclose(tape.gradient(y, w), [2.0, 4.0])
    w.assign_sub([10.0, 20.0])
    assert not w.numpy().any()
    with pytest.raises(ValueError, match=r"shape \(2,\).*\(3,\)"):
        w.assign([1.0, 2.0, 3.0])
    assert not w.numpy().any()                              # a refused assign changes nothing


def test_dtypes_python_numbers_follow_the_tensor():
    assert Tensor(1.5).dtype == np.float32 and Variable([1.0, 2.0]).dtype == np.float32
    x64 = Tensor(np.ones(2))
    assert (x64 * 2.0).dtype == np.float64 and (2.0 - x64).dtype == np.float64
    x32 = Variable(np.ones(2, dtype=np.float32))
    with GradientTape() as tape:
        y = ad.sum(ad.exp(x32 * 0.5))
    assert y.dtype == np.float32 and tape.gradient(y, x32).dtype == np.float32


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("call, words", [
    (lambda: Tensor(np.ones(3)) + Tensor(np.ones(4)), ["add", "(3,)", "(4,)"]),
    (lambda: ad.multiply(np.ones((2, 3)), Tensor(np.ones((3, 2)))), ["mul", "(2, 3)", "(3, 2)"]),
    (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))), ["matmul", "(2, 3)", "3 != 2"]),
    (lambda: ad.matmul(Tensor(np.ones(3)), 2.0), ["matmul", "(3,)", "()"]),
    (lambda: ad.concatenate([np.ones((2, 3)), np.ones((2, 2))]), ["concatenate", "(2, 3)", "(2, 2)"]),
    (lambda: ad.reshape(np.ones(6), (4, 2)), ["reshape", "(6,)", "(4, 2)"]),
    (lambda: ad.transpose(np.ones((2, 3)), (0, 0)), ["transpose", "(2, 3)"]),
    (lambda: ad.sum(np.ones((2, 3)), axis=2), ["sum", "axis 2", "(2, 3)"]),
    (lambda: ad.where(np.ones(3, bool), np.ones(4), 0.0), ["where", "(3,)", "(4,)"]),
])
def test_shape_mismatches_name_the_operation_and_both_shapes(call, words):
    with pytest.raises(ValueError) as error:
        call()
    for word in words:
        assert word in str(error.value)


def test_integer_tensors_have_no_gradient():
    n = Variable(np.array([1, 2, 3]), name="counts")
    with GradientTape() as tape:
        y = ad.sum(n * 2)
    with pytest.raises(TypeError, match="counts.*int64"):
        tape.gradient(y, n)


def test_gradient_arguments_are_checked():
    x = Variable(1.0)
    with GradientTape(persistent=True) as tape:
        y = x * 2.0
    with pytest.raises(TypeError, match="target"):
        tape.gradient(3.0, x)
    with pytest.raises(TypeError, match="Tensors"):
        tape.gradient(y, [np.ones(2)])
    with pytest.raises(TypeError, match="Tensor"):
        Tensor("abc")
    with pytest.raises(IndexError, match=r"getitem.*\(2, 3\)"):
        Tensor(np.ones((2, 3)))[5]


# ------------------------------------------------------------------ numerical slopes

def test_numerical_gradient_forward_and_central():
    def f(w, b):
        return np.sum((w * np.arange(3.0) + b) ** 2)

    w, b = np.array(0.4), np.array([0.1, -0.2, 0.3])
    exact_w = np.sum(2 * (w * np.arange(3.0) + b) * np.arange(3.0))
    exact_b = 2 * (w * np.arange(3.0) + b)
    gw, gb = ad.numerical_gradient(f, [w, b], method="central")
    assert relative_error(gw, exact_w) < 1e-8 and relative_error(gb, exact_b) < 1e-8
    fw, fb = ad.numerical_gradient(f, [w, b])                  # the seed's slope: error O(delta)
    assert 1e-12 < relative_error(fb, exact_b) < 1e-4
    assert ad.numerical_gradient(lambda v: np.sum(v ** 2), np.array([1.0, 2.0])).shape == (2,)
    assert b.tolist() == [0.1, -0.2, 0.3]                      # the caller's arrays are untouched


def test_numerical_gradient_accepts_functions_of_autodiff_ops():
    g = ad.numerical_gradient(lambda x: ad.exp(ad.sin(x ** 2)), Tensor(1.2, dtype="float64"), method="central")
    assert g == pytest.approx(np.exp(np.sin(1.44)) * np.cos(1.44) * 2.4, rel=1e-8)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"method": "backward"}, ValueError, "'method'"),
    ({"delta": 0}, ValueError, "'delta'"),
    ({"delta": "small"}, TypeError, "'delta'"),
])
def test_numerical_gradient_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        ad.numerical_gradient(lambda x: np.sum(x), np.ones(2), **kwargs)


def test_numerical_gradient_needs_a_scalar_function():
    with pytest.raises(ValueError, match=r"scalar.*\(2,\)"):
        ad.numerical_gradient(lambda x: x * 2, np.ones(2))
    with pytest.raises(TypeError, match="function"):
        ad.numerical_gradient(np.ones(2), np.ones(2))


# ------------------------------------------------------------------ computational graphs

def seed_001_graph(x0=1.5):
    x = Variable(x0, dtype="float64", name="x")
    with GradientTape() as tape:
        y = ad.exp(ad.sin(x ** 2))
    return tape.graph(y), x0


def test_graph_nodes_values_and_gradients_follow_the_chain_rule():
    graph, x0 = seed_001_graph()
    assert [n.label for n in graph.nodes] == ["x", "pow 2", "sin", "exp"]
    assert graph.edges == [(0, 1), (1, 2), (2, 3)]
    x, square, sine, out = graph.nodes
    assert float(out.value) == pytest.approx(np.exp(np.sin(x0 ** 2)))
    assert float(out.gradient) == 1.0
    assert float(sine.gradient) == pytest.approx(np.exp(np.sin(x0 ** 2)))                        # df/dg = e^g
    assert float(square.gradient) == pytest.approx(np.exp(np.sin(x0 ** 2)) * np.cos(x0 ** 2))     # * cos(h)
    assert float(x.gradient) == pytest.approx(np.exp(np.sin(x0 ** 2)) * np.cos(x0 ** 2) * 2 * x0)  # * 2x
    text = str(graph)
    assert "pow 2" in text and "exp" in text and f"{float(x.gradient):.6g}" in text


def test_graph_to_dot_and_save(tmp_path):
    graph, _ = seed_001_graph()
    dot = graph.to_dot()
    assert dot.startswith('digraph "computation" {') and dot.rstrip().endswith("}")
    assert "n0 -> n1;" in dot and "n2 -> n3;" in dot and 'label="exp' in dot and "shape=box" in dot
    graph.save(tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text() == dot
    assert list(tmp_path.iterdir()) == [tmp_path / "g.dot"]            # no temporary file left


def test_graph_of_a_model_like_computation_has_shapes_and_gradient_norms():
    x = Tensor(np.ones((5, 3)), name="x")
    w, b = Variable(np.full((3, 2), 0.1), name="W"), Variable(np.zeros(2), name="b")
    with GradientTape() as tape:
        loss = ad.mean(ad.sigmoid(x @ w + b))
    w.assign(np.zeros((3, 2)))
    graph = loss.graph()
    labels = [n.label for n in graph.nodes]
    assert sorted(labels) == ["W", "add", "b", "matmul", "mean", "sigmoid", "x"]
    nodes = dict(zip(labels, graph.nodes))
    assert nodes["x"].gradient is None and nodes["x"].kind == "constant" and nodes["W"].kind == "variable"
    assert np.all(nodes["W"].value == 0.1)                  # the value the computation used
    s = 1 / (1 + np.exp(-0.3))                              # every z = 3 * 0.1; dL/dW = 5 s (1 - s) / 10
    np.testing.assert_allclose(nodes["W"].gradient, np.full((3, 2), 0.5 * s * (1 - s)))
    assert "norm" in str(graph) and "(3, 2)" in graph.to_dot()
    unnamed = Variable(2.0)
    with GradientTape() as tape:
        z = unnamed * 3.0
    assert sorted(n.label for n in z.graph().nodes) == ["constant 0", "mul", "variable 1"]


def test_render_without_graphviz_says_what_to_do(tmp_path, monkeypatch):
    graph, _ = seed_001_graph()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ad.GraphvizNotFoundError, match="Graphviz.*install.*save"):
        graph.render(tmp_path / "g.svg")
    assert not any(tmp_path.iterdir())
    assert graph._repr_svg_() is None
    with pytest.raises(ValueError, match="svg, png or pdf.*'gif'"):
        graph.render(tmp_path / "g.gif")


def fake_dot(directory, script):
    r"""A program called ``dot`` on PATH that runs the shell ``script`` (it records its arguments
    and input beside itself): render's plumbing is tested where Graphviz is not installed."""
    directory.mkdir()
    program = directory / "dot"
    program.write_text('#!/bin/sh\necho "$@" > "$(dirname "$0")/args"\ncat > "$(dirname "$0")/input"\n' + script)
    program.chmod(0o755)
    return directory


@pytest.mark.skipif(os.name != "posix", reason="the stand-in dot program is a POSIX shell script")
def test_render_passes_the_dot_text_to_graphviz_and_writes_its_drawing(tmp_path, monkeypatch):
    graph, _ = seed_001_graph()
    bin_dir = fake_dot(tmp_path / "bin", "printf '<svg>drawn</svg>'\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")      # before any real dot
    out = tmp_path / "out"
    out.mkdir()
    assert graph.render(out / "g.png", format="svg") == str(out / "g.png")
    assert (out / "g.png").read_text() == "<svg>drawn</svg>" and list(out.iterdir()) == [out / "g.png"]
    assert (bin_dir / "args").read_text().split() == ["-Tsvg"]
    assert (bin_dir / "input").read_text() == graph.to_dot()
    assert graph._repr_svg_() == "<svg>drawn</svg>"
    graph.render(out / "g.pdf")
    assert (bin_dir / "args").read_text().split() == ["-Tpdf"]


@pytest.mark.skipif(os.name != "posix", reason="the stand-in dot program is a POSIX shell script")
def test_a_failing_graphviz_is_reported_and_writes_nothing(tmp_path, monkeypatch):
    graph, _ = seed_001_graph()
    bin_dir = fake_dot(tmp_path / "bin", "echo 'syntax error in line 3' >&2\nexit 2\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "g.svg").write_text("the old drawing")
    with pytest.raises(RuntimeError, match="exit status 2.*syntax error in line 3"):
        graph.render(tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_text() == "the old drawing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "g.svg"]
    assert graph._repr_svg_() is None


def test_dot_text_escapes_quotes_and_backslashes_in_names():
    x = Variable(2.0, dtype="float64", name='say "hi" \\ bye')
    with GradientTape() as tape:
        y = x * 3.0
    dot = tape.graph(y).to_dot(name='my "graph"')
    assert 'digraph "my \\"graph\\"" {' in dot
    assert 'label="say \\"hi\\" \\\\ bye\\n2\\ngrad 3"' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
@pytest.mark.parametrize("suffix, magic", [("svg", b"<svg"), ("png", b"\x89PNG")])
def test_render_with_graphviz(tmp_path, suffix, magic):
    graph, _ = seed_001_graph()
    path = graph.render(tmp_path / f"g.{suffix}")
    data = open(path, "rb").read()
    assert magic in data[:400]
    if suffix == "svg":
        assert b"exp" in data and b"sin" in data
