r"""The NumPy, nn and linalg functions of keras.ops in ``neurona.ops``: each gives Keras's value
(``keras.ops`` on the torch backend, float64) and, on Tensors, the gradient of central differences.
Every differentiable one (a Tensors-in, Tensors-out function of ``neurona.ops.numpy``/``neurona.ops.nn``) must have a case."""
import os

import numpy as np
import pytest

from gradcheck import central_difference, relative_error
from neurona import autodiff as ad
from neurona import ops
from neurona.ops import nn as ops_nn
from neurona.ops import numpy as ops_numpy

os.environ.setdefault("KERAS_BACKEND", "torch")

RNG = np.random.default_rng(0)
X = RNG.uniform(0.3, 2.0, size=(3, 4))          # positive
Y = RNG.normal(size=(3, 4))
S = X / 2.5                                      # in (0.12, 0.8)
SQ = RNG.normal(size=(4, 4))
IDX = np.array([[2, 0, 1, 3], [1, 1, 0, 2], [3, 2, 2, 0]])
HOLES = RNG.uniform(size=(3, 4)) < 0.25
T01 = RNG.integers(0, 2, size=(3, 4)).astype(float)
ONE_HOT = np.eye(4)[IDX[1, :3]]


def _nans(o, x):
    return o.where(HOLES, np.nan, x)

#: name -> function of (ops module, a, b); a and b are float64 arrays of shape (3, 4) (a positive)
CASES = {
    "arcsin": lambda o, a, b: o.arcsin(a / 2.5), "arccos": lambda o, a, b: o.arccos(a / 2.5),
    "arctan": lambda o, a, b: o.arctan(b), "arcsinh": lambda o, a, b: o.arcsinh(b),
    "arccosh": lambda o, a, b: o.arccosh(a + 1.0), "arctanh": lambda o, a, b: o.arctanh(a / 2.5),
    "arctan2": lambda o, a, b: o.arctan2(b, a), "tan": lambda o, a, b: o.tan(a / 2.5),
    "sinh": lambda o, a, b: o.sinh(b), "cosh": lambda o, a, b: o.cosh(b), "log2": lambda o, a, b: o.log2(a),
    "log10": lambda o, a, b: o.log10(a), "exp2": lambda o, a, b: o.exp2(b),
    "reciprocal": lambda o, a, b: o.reciprocal(a), "rsqrt": lambda o, a, b: o.rsqrt(a),
    "cbrt": lambda o, a, b: o.cbrt(b), "hypot": lambda o, a, b: o.hypot(a, b),
    "logaddexp": lambda o, a, b: o.logaddexp(a, b), "logaddexp2": lambda o, a, b: o.logaddexp2(a, b),
    "erfc": lambda o, a, b: o.erfc(b), "sinc": lambda o, a, b: o.sinc(b),
    "divide_no_nan": lambda o, a, b: o.divide_no_nan(b, a * (IDX > 0)), "fabs": lambda o, a, b: o.fabs(b),
    "ldexp": lambda o, a, b: o.ldexp(b, IDX), "nan_to_num": lambda o, a, b: o.nan_to_num(_nans(o, b), nan=0.5),
    "prod": lambda o, a, b: o.prod(a, axis=1), "prod-all": lambda o, a, b: o.prod(a * b),
    "cumsum": lambda o, a, b: o.cumsum(b, axis=1), "cumsum-flat": lambda o, a, b: o.cumsum(b),
    "cumprod": lambda o, a, b: o.cumprod(a, axis=0), "average": lambda o, a, b: o.average(b, axis=1, weights=a[0]),
    "ptp": lambda o, a, b: o.ptp(b, axis=0), "amax": lambda o, a, b: o.amax(b, axis=1),
    "amin": lambda o, a, b: o.amin(b, axis=0),
    "nansum": lambda o, a, b: o.nansum(_nans(o, b), axis=1), "nanmean": lambda o, a, b: o.nanmean(_nans(o, b), axis=0),
    "nanvar": lambda o, a, b: o.nanvar(_nans(o, b)), "nanstd": lambda o, a, b: o.nanstd(_nans(o, b), axis=1),
    "nanprod": lambda o, a, b: o.nanprod(_nans(o, a), axis=1), "nancumsum": lambda o, a, b: o.nancumsum(_nans(o, b), axis=1),
    "nancumprod": lambda o, a, b: o.nancumprod(_nans(o, a), axis=1),
    "take": lambda o, a, b: o.take(b, IDX[0], axis=1), "take-flat": lambda o, a, b: o.take(b, IDX),
    "take_along_axis": lambda o, a, b: o.take_along_axis(b, IDX, axis=1),
    "sort": lambda o, a, b: o.sort(b, axis=0), "flip": lambda o, a, b: o.flip(b, axis=1),
    "roll": lambda o, a, b: o.roll(b, 2, axis=1), "rot90": lambda o, a, b: o.rot90(b),
    "repeat": lambda o, a, b: o.repeat(b, 2, axis=0), "tile": lambda o, a, b: o.tile(b, (2, 1)),
    "diagonal": lambda o, a, b: o.diagonal(b, offset=1), "trace": lambda o, a, b: o.trace(b),
    "diag": lambda o, a, b: o.diag(b[0], k=-1), "diag-matrix": lambda o, a, b: o.diag(b),
    "diagflat": lambda o, a, b: o.diagflat(b[:2]), "tril": lambda o, a, b: o.tril(b),
    "triu": lambda o, a, b: o.triu(b, k=1), "ravel": lambda o, a, b: o.ravel(b),
    "swapaxes": lambda o, a, b: o.swapaxes(b, 0, 1), "moveaxis": lambda o, a, b: o.moveaxis(o.reshape(b, (3, 2, 2)), 0, -1),
    "broadcast_to": lambda o, a, b: o.broadcast_to(b[0], (2, 4)),
    "pad": lambda o, a, b: o.pad(b, ((1, 0), (2, 1))), "pad-reflect": lambda o, a, b: o.pad(b, ((1, 1), (0, 2)), mode="reflect"),
    "hstack": lambda o, a, b: o.hstack([a, b]), "vstack": lambda o, a, b: o.vstack([a, b[0]]),
    "dstack": lambda o, a, b: o.dstack([a, b]), "append": lambda o, a, b: o.append(a, b, axis=0),
    "copy": lambda o, a, b: o.copy(b), "slice_update": lambda o, a, b: o.slice_update(b, (1, 1), a[:2, :2]),
    "select": lambda o, a, b: o.select([b > 0.5, b < -0.5], [a, b * 2], 0.0),
    "deg2rad": lambda o, a, b: o.deg2rad(b), "rad2deg": lambda o, a, b: o.rad2deg(b),
    "fmax": lambda o, a, b: o.fmax(a, b), "fmin": lambda o, a, b: o.fmin(a, b),
    "segment_sum": lambda o, a, b: o.segment_sum(b, np.array([0, 2, 0]), num_segments=3),
    "cdist": lambda o, a, b: o.cdist(a, b), "einsum": lambda o, a, b: o.einsum("ij,kj->ik", a, b),
    "einsum-ellipsis": lambda o, a, b: o.einsum("...j,...j->...", a, b),
    "einsum-trace": lambda o, a, b: o.einsum("ii->", o.matmul(o.transpose(a), b)),
    "einsum-implicit": lambda o, a, b: o.einsum("ij,jk", a, o.transpose(b)),
    "tensordot": lambda o, a, b: o.tensordot(a, b, axes=([1], [1])), "inner": lambda o, a, b: o.inner(a, b),
    "outer": lambda o, a, b: o.outer(a[0], b[1]), "vdot": lambda o, a, b: o.vdot(a, b),
    "kron": lambda o, a, b: o.kron(a[:2, :2], b[:2, :3]), "cross": lambda o, a, b: o.cross(a[:2, :3], b[:2, 1:]),
    "diff": lambda o, a, b: o.diff(b, n=2, axis=1), "trapezoid": lambda o, a, b: o.trapezoid(b, dx=0.5),
    "quantile": lambda o, a, b: o.quantile(b, np.array([0.1, 0.5, 0.9]), axis=1),
    "quantile-all": lambda o, a, b: o.quantile(b, 0.3), "median": lambda o, a, b: o.median(b, axis=0),
    "percentile": lambda o, a, b: o.percentile(b, 75.0, axis=1, keepdims=True),
    "norm": lambda o, a, b: o.norm(b, axis=1), "norm-l1": lambda o, a, b: o.norm(b, ord=1, axis=0),
    "norm-inf": lambda o, a, b: o.norm(b, ord=np.inf, axis=1), "norm-fro": lambda o, a, b: o.norm(b),
    "norm-3": lambda o, a, b: o.norm(b, ord=3, axis=-1, keepdims=True),
    "top_k": lambda o, a, b: o.top_k(b, 2)[0], "split": lambda o, a, b: o.split(b, 2, axis=1)[1],
    "unstack": lambda o, a, b: o.unstack(b, axis=1)[2], "get_item": lambda o, a, b: o.get_item(b, (slice(1, 3), 2)),
    "slice": lambda o, a, b: o.slice(b, (1, 1), (2, 3)), "log_sigmoid": lambda o, a, b: o.log_sigmoid(b),
    "moments": lambda o, a, b: o.moments(b, axes=[0])[1],
    "batch_normalization": lambda o, a, b: o.batch_normalization(b, a[0], a[1], axis=-1, offset=b[2], scale=a[2]),
    "normalize": lambda o, a, b: o.normalize(b, axis=-1), "normalize-l1": lambda o, a, b: o.normalize(b, axis=0, order=1),
    "layer_normalization": lambda o, a, b: o.layer_normalization(b, a[0], b[1], epsilon=1e-3),
    "rms_normalization": lambda o, a, b: o.rms_normalization(b, a[0], epsilon=1e-3),
    "psnr": lambda o, a, b: o.psnr(a, b, 2.0), "celu": lambda o, a, b: o.celu(b, alpha=0.7),
    "glu": lambda o, a, b: o.glu(b), "hard_tanh": lambda o, a, b: o.hard_tanh(b * 2),
    "hard_shrink": lambda o, a, b: o.hard_shrink(b), "soft_shrink": lambda o, a, b: o.soft_shrink(b),
    "tanh_shrink": lambda o, a, b: o.tanh_shrink(b), "squareplus": lambda o, a, b: o.squareplus(b),
    "sparse_plus": lambda o, a, b: o.sparse_plus(b * 2), "sparse_sigmoid": lambda o, a, b: o.sparse_sigmoid(b * 2),
    "threshold": lambda o, a, b: o.threshold(b, 0.3, -1.0),
    # arithmetic, reductions and shapes
    "abs": lambda o, a, b: o.abs(b), "absolute": lambda o, a, b: o.absolute(b), "negative": lambda o, a, b: o.negative(b),
    "add": lambda o, a, b: o.add(a, b), "subtract": lambda o, a, b: o.subtract(a, b),
    "multiply": lambda o, a, b: o.multiply(a, b), "divide": lambda o, a, b: o.divide(b, a),
    "true_divide": lambda o, a, b: o.true_divide(a, b[0] + 3.0), "power": lambda o, a, b: o.power(a, b),
    "square": lambda o, a, b: o.square(b), "sqrt": lambda o, a, b: o.sqrt(a), "exp": lambda o, a, b: o.exp(b),
    "expm1": lambda o, a, b: o.expm1(b), "log": lambda o, a, b: o.log(a), "log1p": lambda o, a, b: o.log1p(a),
    "sin": lambda o, a, b: o.sin(b), "cos": lambda o, a, b: o.cos(b), "tanh": lambda o, a, b: o.tanh(b),
    "erf": lambda o, a, b: o.erf(b), "clip": lambda o, a, b: o.clip(b, -0.5, 0.5),
    "maximum": lambda o, a, b: o.maximum(a, b), "minimum": lambda o, a, b: o.minimum(a, b),
    "where": lambda o, a, b: o.where(b > 0, a, b),
    "sum": lambda o, a, b: o.sum(a * b, axis=0, keepdims=True), "mean": lambda o, a, b: o.mean(b, axis=1),
    "max": lambda o, a, b: o.max(b, axis=1), "min": lambda o, a, b: o.min(b, axis=0, keepdims=True),
    "var": lambda o, a, b: o.var(b, axis=1), "std": lambda o, a, b: o.std(b),
    "logsumexp": lambda o, a, b: o.logsumexp(b, axis=0),
    "matmul": lambda o, a, b: o.matmul(a, o.transpose(b)), "dot": lambda o, a, b: o.dot(b, o.transpose(a)),
    "transpose": lambda o, a, b: o.transpose(b), "reshape": lambda o, a, b: o.reshape(b, (2, 6)),
    "expand_dims": lambda o, a, b: o.expand_dims(b, 1), "squeeze": lambda o, a, b: o.squeeze(o.reshape(b, (3, 1, 4)), 1),
    "concatenate": lambda o, a, b: o.concatenate([a, b], axis=1), "stack": lambda o, a, b: o.stack([a, b], axis=1),
    # activations, convolutions, pooling and cross-entropies
    "relu": lambda o, a, b: o.relu(b), "sigmoid": lambda o, a, b: o.sigmoid(b),
    "softmax": lambda o, a, b: o.softmax(b, axis=0), "log_softmax": lambda o, a, b: o.log_softmax(b),
    "conv": lambda o, a, b: o.conv(o.reshape(b, (1, 4, 3)), o.reshape(a, (2, 3, 2))),
    "conv-same-strided": lambda o, a, b: o.conv(o.reshape(b, (1, 2, 2, 3)), o.reshape(a, (2, 1, 3, 2)), strides=2,
                                                padding="same"),
    "conv_transpose": lambda o, a, b: o.conv_transpose(o.reshape(b, (1, 4, 3)), o.reshape(a, (2, 2, 3)), 2),
    "depthwise_conv": lambda o, a, b: o.depthwise_conv(o.reshape(b, (1, 4, 3)), o.reshape(a, (2, 3, 2))),
    "separable_conv": lambda o, a, b: o.separable_conv(o.reshape(b, (1, 4, 3)), o.reshape(a[:2, :3], (2, 3, 1)),
                                                       o.reshape(a[1:, 1:], (1, 3, 2))),
    "max_pool": lambda o, a, b: o.max_pool(o.reshape(b, (1, 4, 3)), 2, strides=1),
    "average_pool": lambda o, a, b: o.average_pool(o.reshape(b, (1, 2, 2, 3)), 2),
    "binary_crossentropy": lambda o, a, b: o.binary_crossentropy(T01, o.sigmoid(b)),
    "binary_crossentropy-logits": lambda o, a, b: o.binary_crossentropy(T01, b, from_logits=True),
    "categorical_crossentropy": lambda o, a, b: o.categorical_crossentropy(ONE_HOT, a),
    "sparse_categorical_crossentropy": lambda o, a, b: o.sparse_categorical_crossentropy(IDX[0, :3], b, from_logits=True),
}
#: what Keras's torch backend does not take as written here (NumPy arrays to unstack, matrices to vdot)
NOT_COMPARED = {"unstack", "vdot"}


def _keras():
    keras = pytest.importorskip("keras")
    return keras


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_matches_keras(name):
    function = CASES[name]
    ours = function(ops, X, Y)
    assert isinstance(ours, np.ndarray), type(ours)
    if name in NOT_COMPARED:
        pytest.skip("no Keras reference")
    keras = _keras()
    theirs = keras.ops.convert_to_numpy(function(keras.ops, X, Y))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_central_differences(name):
    function = CASES[name]
    a, b = ad.Variable(X.copy()), ad.Variable(Y.copy())
    upstream = np.random.default_rng(1).normal(size=np.shape(function(ops, X, Y)))
    with ad.GradientTape() as tape:
        out = function(ops, a, b)
    assert isinstance(out, ad.Tensor)
    ga, gb = tape.gradient(out, [a, b], output_gradients=upstream, unconnected_gradients="zero")
    na = central_difference(lambda v: np.nansum(upstream * function(ops, v, Y)), X.copy())
    nb = central_difference(lambda v: np.nansum(upstream * function(ops, X, v)), Y.copy())
    assert relative_error(ga, na) < 1e-6 and relative_error(gb, nb) < 1e-6


def test_every_differentiable_function_has_a_case():
    covered = {name.split("-")[0] for name in CASES}
    for module in (ops_numpy, ops_nn):
        differentiable = {n for n in module.__all__ if hasattr(getattr(module, n), "__wrapped__")}
        assert differentiable <= covered, sorted(differentiable - covered)


def test_values_without_gradient_match_numpy():
    np.testing.assert_array_equal(ops.argsort(Y, axis=0), np.argsort(Y, axis=0, kind="stable"))
    assert ops.in_top_k(np.array([0, 3, 1]), Y, 2).tolist() == [
        Y[i, t] >= np.sort(Y[i])[-2] for i, t in enumerate([0, 3, 1])]
    np.testing.assert_allclose(ops.det(SQ), np.linalg.det(SQ))
    np.testing.assert_allclose(ops.inv(SQ) @ SQ, np.eye(4), atol=1e-10)
    np.testing.assert_allclose(ops.erfinv(ops.erf(S)), S, rtol=1e-10)
    np.testing.assert_array_equal(ops.bincount(np.array([0, 2, 2])), [1, 0, 2])
    np.testing.assert_array_equal(ops.scatter(np.array([[0, 1], [2, 2], [0, 1]]), np.array([1.0, 2.0, 3.0]), (3, 3)),
                                  [[0, 4, 0], [0, 0, 0], [0, 0, 2]])
    np.testing.assert_allclose(ops.sparsemax(np.array([[1.0, 0.9, -2.0]])), [[0.55, 0.45, 0.0]])
    np.testing.assert_array_equal(ops.multi_hot(np.array([[0, 2]]), 4), [[1, 0, 1, 0]])
    np.testing.assert_array_equal(ops.segment_max(np.array([1.0, 5.0, 2.0]), np.array([0, 0, 1])), [5.0, 2.0])
    assert ops.size(Y) == 12 and ops.dtype(Y) == "float64" and ops.is_tensor(ad.Tensor(Y))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="equal sections"):
        ops.split(Y, 3, axis=1)
    with pytest.raises(ValueError, match="even size"):
        ops.glu(Y[:, :3])
    with pytest.raises(ValueError, match="3 entries"):
        ops.cross(X, Y)
