r"""neurona.ops: arrays in, arrays out (the same numbers as NumPy); Tensors in, Tensors out,
recorded on the tape (gradients against central differences in float64); a Keras-style custom
loss written with ops trains through the tape."""
import numpy as np
import pytest

from gradcheck import central_difference, relative_error
from neurona import autodiff as ad
from neurona import ops

RNG = np.random.default_rng(0)
X = RNG.uniform(0.3, 2.0, size=(3, 4))
Y = RNG.normal(size=(3, 4))
T01 = RNG.integers(0, 2, size=(3, 4)).astype(float)
LABELS = np.array([1, 3, 0])
ONE_HOT = np.eye(4)[LABELS]

#: name -> (ops call, NumPy reference) on the float64 arrays X (positive) and Y
CASES = {
    "mean": (lambda a, b: ops.mean(a * b, axis=-1), lambda a, b: np.mean(a * b, axis=-1)),
    "square": (lambda a, b: ops.square(a - b), lambda a, b: (a - b) ** 2),
    "sqrt": (lambda a, b: ops.sqrt(a), lambda a, b: np.sqrt(a)),
    "abs": (lambda a, b: ops.abs(b), lambda a, b: np.abs(b)),
    "sum": (lambda a, b: ops.sum(a * b, axis=0, keepdims=True), lambda a, b: np.sum(a * b, axis=0, keepdims=True)),
    "log": (lambda a, b: ops.log(a), lambda a, b: np.log(a)),
    "log1p": (lambda a, b: ops.log1p(a), lambda a, b: np.log1p(a)),
    "exp": (lambda a, b: ops.exp(b), lambda a, b: np.exp(b)),
    "maximum": (lambda a, b: ops.maximum(a, b), lambda a, b: np.maximum(a, b)),
    "minimum": (lambda a, b: ops.minimum(a, b), lambda a, b: np.minimum(a, b)),
    "where": (lambda a, b: ops.where(ops.greater(b, 0), a, b), lambda a, b: np.where(b > 0, a, b)),
    "clip": (lambda a, b: ops.clip(b, -0.5, 0.5), lambda a, b: np.clip(b, -0.5, 0.5)),
    "matmul": (lambda a, b: ops.matmul(a, ops.transpose(b)), lambda a, b: a @ b.T),
    "dot": (lambda a, b: ops.dot(a, ops.transpose(b)), lambda a, b: np.dot(a, b.T)),
    "reshape": (lambda a, b: ops.reshape(a, (2, 6)), lambda a, b: a.reshape(2, 6)),
    "concatenate": (lambda a, b: ops.concatenate([a, b], axis=1), lambda a, b: np.concatenate([a, b], axis=1)),
    "stack": (lambda a, b: ops.stack([a, b], axis=1), lambda a, b: np.stack([a, b], axis=1)),
    "expand_squeeze": (lambda a, b: ops.squeeze(ops.expand_dims(a, 1), 1), lambda a, b: a),
    "softmax": (lambda a, b: ops.softmax(b), lambda a, b: np.exp(b) / np.exp(b).sum(-1, keepdims=True)),
    "log_softmax": (lambda a, b: ops.log_softmax(b, axis=0), lambda a, b: b - np.log(np.exp(b).sum(0, keepdims=True))),
    "sigmoid": (lambda a, b: ops.sigmoid(b), lambda a, b: 1 / (1 + np.exp(-b))),
    "relu": (lambda a, b: ops.relu(b), lambda a, b: np.maximum(b, 0)),
    "tanh": (lambda a, b: ops.tanh(b), lambda a, b: np.tanh(b)),
    "max": (lambda a, b: ops.max(b, axis=1), lambda a, b: np.max(b, axis=1)),
    "min": (lambda a, b: ops.min(b, axis=0), lambda a, b: np.min(b, axis=0)),
    "var": (lambda a, b: ops.var(b, axis=1), lambda a, b: np.var(b, axis=1)),
    "std": (lambda a, b: ops.std(b), lambda a, b: np.std(b)),
    "logsumexp": (lambda a, b: ops.logsumexp(b, axis=1), lambda a, b: np.log(np.exp(b).sum(1))),
    "elu": (lambda a, b: ops.elu(b, alpha=0.5), lambda a, b: np.where(b > 0, b, 0.5 * np.expm1(b))),
    "softplus": (lambda a, b: ops.softplus(b), lambda a, b: np.log1p(np.exp(b))),
    "silu": (lambda a, b: ops.silu(b), lambda a, b: b / (1 + np.exp(-b))),
    "power": (lambda a, b: ops.power(a, 1.5) / ops.divide(a, 2.0), lambda a, b: a ** 1.5 / (a / 2)),
    "binary_crossentropy": (lambda a, b: ops.binary_crossentropy(T01, ops.sigmoid(b)),
                            lambda a, b: -(T01 * np.log(1 / (1 + np.exp(-b))) + (1 - T01) * np.log(1 - 1 / (1 + np.exp(-b))))),
    "binary_crossentropy_logits": (lambda a, b: ops.binary_crossentropy(T01, b, from_logits=True),
                                   lambda a, b: np.logaddexp(0, b) - T01 * b),
    "categorical_crossentropy": (lambda a, b: ops.categorical_crossentropy(ONE_HOT, a),
                                 lambda a, b: -np.sum(ONE_HOT * np.log(a / a.sum(-1, keepdims=True)), axis=-1)),
    "sparse_categorical_crossentropy": (lambda a, b: ops.sparse_categorical_crossentropy(LABELS, b, from_logits=True),
                                        lambda a, b: -np.log(np.exp(b) / np.exp(b).sum(-1, keepdims=True))[
                                            np.arange(3), LABELS]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_arrays_in_arrays_out(name):
    function, reference = CASES[name]
    out = function(X, Y)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_allclose(out, reference(X, Y), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(CASES))
def test_tensors_in_tensors_out_with_gradients(name):
    function, _ = CASES[name]
    a, b = ad.Variable(X.copy()), ad.Variable(Y.copy())
    upstream = np.random.default_rng(1).normal(size=np.shape(function(X, Y)))
    with ad.GradientTape() as tape:
        out = function(a, b)
    assert isinstance(out, ad.Tensor)
    ga, gb = tape.gradient(out, [a, b], output_gradients=upstream, unconnected_gradients="zero")
    na = central_difference(lambda v: np.sum(upstream * function(v, Y)), X.copy())
    nb = central_difference(lambda v: np.sum(upstream * function(X, v)), Y.copy())
    assert relative_error(ga, na) < 1e-6 and relative_error(gb, nb) < 1e-6


def test_no_gradient_operations():
    np.testing.assert_array_equal(ops.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    assert ops.argmax(ad.Tensor(Y), axis=-1).tolist() == np.argmax(Y, axis=-1).tolist()
    assert ops.cast(np.array([1.7]), "int32").dtype == np.int32
    t = ops.convert_to_tensor([1.0, 2.0])
    assert isinstance(t, ad.Tensor) and ops.convert_to_numpy(t).tolist() == [1.0, 2.0]
    assert ops.shape(t) == (2,)


def test_cast_keeps_the_gradient_when_widening():
    v = ad.Variable(np.array([1.0, 2.0], dtype="float32"))
    with ad.GradientTape() as tape:
        y = ops.sum(ops.square(ops.cast(v * 1.0, "float64")))
    assert y.dtype == np.float64
    np.testing.assert_allclose(tape.gradient(y, v), [2.0, 4.0])


def test_unknown_operation_lists_what_exists():
    with pytest.raises(NotImplementedError, match="dense networks.*It has:.*mean"):
        ops.stft
    assert not hasattr(ops, "stft")
