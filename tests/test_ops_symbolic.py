r"""Every public function of ``neurona.ops`` on the symbolic tensors of a model being built: it records an
Op layer, and the model's predictions equal the function run eagerly on the same arrays. Gradients
through Op layers match finite differences, models holding them save and load, a model file naming
anything but a public function of neurona.ops is refused, and Keras's "Collaborative filtering"
model (keras.io) trains as Keras 3 trains it."""
import json
import os

import numpy as np
import pytest

import neurona as nr
from neurona import layers, ops
from neurona.gradcheck import check_gradients

os.environ.setdefault("KERAS_BACKEND", "torch")

RNG = np.random.default_rng(0)
X = RNG.uniform(0.3, 0.9, size=(5, 3, 4)).astype(np.float32)     # in (0, 1): every function is defined
Y = RNG.uniform(0.3, 0.9, size=(5, 3, 4)).astype(np.float32)
K = RNG.normal(size=(2, 4, 5)).astype(np.float32)                  # a 1-D convolution's kernel
DEPTHWISE, POINTWISE = RNG.normal(size=(2, 4, 1)).astype(np.float32), RNG.normal(size=(1, 4, 3)).astype(np.float32)
TRANSPOSED = RNG.normal(size=(2, 5, 4)).astype(np.float32)


def _spd(o, x):
    r"""A symmetric positive definite (3, 3) matrix per sample."""
    return o.add(o.matmul(x, o.swapaxes(x, 1, 2)), 3.0 * np.eye(3, dtype=np.float32))


#: functions of one batch x, called as f(x)
UNARY = set("""abs absolute arccos arcsin arctan arcsinh arctanh cbrt ceil cos cosh copy deg2rad erf erfc erfinv exp
exp2 expm1 fabs floor i0 isfinite isinf isnan isneginf isposinf log log10 log1p log2 logical_not negative rad2deg
reciprocal relu relu6 round rsqrt sigmoid sign signbit sin sinc sinh sqrt square tan tanh trunc elu selu gelu silu
swish hard_sigmoid hard_silu hard_swish softplus softsign mish leaky_relu celu hard_tanh hard_shrink soft_shrink
tanh_shrink squareplus sparse_plus sparse_sigmoid log_sigmoid softmax log_softmax sparsemax glu normalize
stop_gradient convert_to_tensor convert_to_numpy array nan_to_num empty_like zeros_like ones_like sort argsort
tril triu pinv matrix_rank qr svd""".split())
#: functions of two batches x and y, called as f(x, y)
BINARY = set("""add subtract multiply divide true_divide maximum minimum power arctan2 hypot logaddexp logaddexp2
fmax fmin fmod mod floor_divide heaviside equal not_equal greater greater_equal less less_equal logical_and
logical_or logical_xor isclose allclose divide_no_nan""".split())
#: the others: name -> f(ops, x, y)
CASES = {
    "all": lambda o, x, y: o.all(x > 0.5, axis=-1), "any": lambda o, x, y: o.any(x > 0.5, axis=1),
    "amax": lambda o, x, y: o.amax(x, axis=-1), "amin": lambda o, x, y: o.amin(x, axis=1),
    "append": lambda o, x, y: o.append(x, y, axis=1), "arccosh": lambda o, x, y: o.arccosh(x + 1.0),
    "argmax": lambda o, x, y: o.argmax(x, axis=-1), "argmin": lambda o, x, y: o.argmin(x, axis=1),
    "argpartition": lambda o, x, y: o.argpartition(x, 1, axis=-1),
    "array_split": lambda o, x, y: o.array_split(x, 3, axis=2),
    "average": lambda o, x, y: o.average(x, axis=1), "average_pool": lambda o, x, y: o.average_pool(x, 2),
    "batch_normalization": lambda o, x, y: o.batch_normalization(x, Y[0, 0], Y[1, 0], axis=-1, offset=Y[2, 0]),
    "binary_crossentropy": lambda o, x, y: o.binary_crossentropy(y, x),
    "cast": lambda o, x, y: o.cast(x, "float64"),
    "categorical_crossentropy": lambda o, x, y: o.categorical_crossentropy(y, x),
    "cdist": lambda o, x, y: o.cdist(x, y), "cholesky": lambda o, x, y: o.cholesky(_spd(o, x)),
    "clip": lambda o, x, y: o.clip(x, 0.4, 0.8),
    "concatenate": lambda o, x, y: o.concatenate([x, y], axis=1),
    "conv": lambda o, x, y: o.conv(x, K, padding="same"),
    "conv_transpose": lambda o, x, y: o.conv_transpose(x, TRANSPOSED, 1),
    "count_nonzero": lambda o, x, y: o.count_nonzero(x > 0.5, axis=-1),
    "cross": lambda o, x, y: o.cross(x[..., :3], y[..., 1:]),
    "cumprod": lambda o, x, y: o.cumprod(x, axis=2), "cumsum": lambda o, x, y: o.cumsum(x, axis=1),
    "depthwise_conv": lambda o, x, y: o.depthwise_conv(x, DEPTHWISE),
    "det": lambda o, x, y: o.det(x[..., :3]), "diagonal": lambda o, x, y: o.diagonal(x, axis1=1, axis2=2),
    "diff": lambda o, x, y: o.diff(x, axis=-1), "digitize": lambda o, x, y: o.digitize(x, np.array([0.4, 0.6])),
    "dot": lambda o, x, y: o.dot(x[:, 0], np.arange(4.0, dtype=np.float32)),
    "dsplit": lambda o, x, y: o.dsplit(x, 2), "dstack": lambda o, x, y: o.dstack([x, y]),
    "eigh": lambda o, x, y: o.eigh(_spd(o, x)), "einsum": lambda o, x, y: o.einsum("bij,bkj->bik", x, y),
    "expand_dims": lambda o, x, y: o.expand_dims(x, -1), "flip": lambda o, x, y: o.flip(x, axis=2),
    "fliplr": lambda o, x, y: o.fliplr(x), "full_like": lambda o, x, y: o.full_like(x, 2.0),
    "geomspace": lambda o, x, y: o.geomspace(x[:, 0, 0], y[:, 0, 0] + 1.0, 4, axis=1),
    "get_item": lambda o, x, y: o.get_item(x, (slice(None), 0)),
    "histogram": lambda o, x, y: o.histogram(x, bins=4, range=(0.0, 1.0)),
    "hsplit": lambda o, x, y: o.hsplit(x, 3), "hstack": lambda o, x, y: o.hstack([x, y]),
    "in_top_k": lambda o, x, y: o.in_top_k(o.argmax(y[:, 0], axis=-1), x[:, 0], 2),
    "inner": lambda o, x, y: o.inner(x, np.arange(4.0, dtype=np.float32)),
    "inv": lambda o, x, y: o.inv(_spd(o, x)), "isin": lambda o, x, y: o.isin(o.round(x * 10), [4.0, 6.0]),
    "kron": lambda o, x, y: o.kron(x, np.ones((1, 1, 2), np.float32)),
    "layer_normalization": lambda o, x, y: o.layer_normalization(x, epsilon=1e-3),
    "ldexp": lambda o, x, y: o.ldexp(x, np.array([1, 2, 0, -1])),
    "linspace": lambda o, x, y: o.linspace(x[:, 0, 0], y[:, 0, 0], 4, axis=1),
    "logdet": lambda o, x, y: o.logdet(_spd(o, x)),
    "logspace": lambda o, x, y: o.logspace(x[:, 0, 0], y[:, 0, 0], 4, axis=1),
    "logsumexp": lambda o, x, y: o.logsumexp(x, axis=-1),
    "matmul": lambda o, x, y: o.matmul(x, o.transpose(y, (0, 2, 1))),
    "max": lambda o, x, y: o.max(x, axis=-1), "max_pool": lambda o, x, y: o.max_pool(x, 2, padding="same"),
    "mean": lambda o, x, y: o.mean(x, axis=1), "median": lambda o, x, y: o.median(x, axis=-1),
    "min": lambda o, x, y: o.min(x, axis=-1), "moments": lambda o, x, y: o.moments(x, axes=[1]),
    "moveaxis": lambda o, x, y: o.moveaxis(x, 1, 2),
    "multi_hot": lambda o, x, y: o.multi_hot(o.argmax(x, axis=-1), 4),
    "nanargmax": lambda o, x, y: o.nanargmax(x, axis=-1), "nanargmin": lambda o, x, y: o.nanargmin(x, axis=-1),
    "nancumprod": lambda o, x, y: o.nancumprod(x, axis=1), "nancumsum": lambda o, x, y: o.nancumsum(x, axis=2),
    "nanmax": lambda o, x, y: o.nanmax(x, axis=1), "nanmean": lambda o, x, y: o.nanmean(x, axis=2),
    "nanmedian": lambda o, x, y: o.nanmedian(x, axis=-1), "nanmin": lambda o, x, y: o.nanmin(x, axis=-1),
    "nanpercentile": lambda o, x, y: o.nanpercentile(x, 30.0, axis=-1),
    "nanprod": lambda o, x, y: o.nanprod(x, axis=-1),
    "nanquantile": lambda o, x, y: o.nanquantile(x, 0.3, axis=-1), "nanstd": lambda o, x, y: o.nanstd(x, axis=1),
    "nansum": lambda o, x, y: o.nansum(x, axis=1), "nanvar": lambda o, x, y: o.nanvar(x, axis=-1),
    "norm": lambda o, x, y: o.norm(x, axis=-1), "one_hot": lambda o, x, y: o.one_hot(o.argmax(x, axis=-1), 4),
    "pad": lambda o, x, y: o.pad(x, ((0, 0), (1, 0), (0, 2))),
    "percentile": lambda o, x, y: o.percentile(x, 70.0, axis=1), "prod": lambda o, x, y: o.prod(x, axis=-1),
    "psnr": lambda o, x, y: o.psnr(x, y, 1.0), "ptp": lambda o, x, y: o.ptp(x, axis=1),
    "quantile": lambda o, x, y: o.quantile(x, 0.3, axis=-1),
    "repeat": lambda o, x, y: o.repeat(x, 2, axis=1), "reshape": lambda o, x, y: o.reshape(x, (-1, 12)),
    "rms_normalization": lambda o, x, y: o.rms_normalization(x, epsilon=1e-3),
    "roll": lambda o, x, y: o.roll(x, 1, axis=2), "rot90": lambda o, x, y: o.rot90(x, axes=(1, 2)),
    "scatter_update": lambda o, x, y: o.scatter_update(x, np.array([[0, 1, 2]]), np.array([5.0], np.float32)),
    "searchsorted": lambda o, x, y: o.searchsorted(np.array([0.4, 0.6]), x),
    "select": lambda o, x, y: o.select([x > 0.6, x < 0.4], [y, -y], 0.0),
    "separable_conv": lambda o, x, y: o.separable_conv(x, DEPTHWISE, POINTWISE),
    "slice_update": lambda o, x, y: o.slice_update(x, (0, 1, 1), y[:, :2, :2]),
    "slogdet": lambda o, x, y: o.slogdet(x[..., :3]), "solve": lambda o, x, y: o.solve(_spd(o, x), y[..., :1]),
    "sparse_categorical_crossentropy": lambda o, x, y: o.sparse_categorical_crossentropy(o.argmax(y, axis=-1), x),
    "split": lambda o, x, y: o.split(x, 2, axis=-1), "squeeze": lambda o, x, y: o.squeeze(x[:, :1], axis=1),
    "stack": lambda o, x, y: o.stack([x, y], axis=1), "std": lambda o, x, y: o.std(x, axis=-1),
    "sum": lambda o, x, y: o.sum(x, axis=-1), "swapaxes": lambda o, x, y: o.swapaxes(x, 1, 2),
    "take": lambda o, x, y: o.take(x, [0, 2], axis=1),
    "take_along_axis": lambda o, x, y: o.take_along_axis(x, np.array([[[1], [0], [3]]]), axis=2),
    "tensordot": lambda o, x, y: o.tensordot(x, np.ones((4, 2), np.float32), 1),
    "threshold": lambda o, x, y: o.threshold(x, 0.5, -1.0), "tile": lambda o, x, y: o.tile(x, (1, 2, 1)),
    "top_k": lambda o, x, y: o.top_k(x, 2), "trace": lambda o, x, y: o.trace(x, axis1=1, axis2=2),
    "transpose": lambda o, x, y: o.transpose(x, (0, 2, 1)), "trapezoid": lambda o, x, y: o.trapezoid(x, axis=-1),
    "unravel_index": lambda o, x, y: o.unravel_index(o.cast(x * 10, "int64"), (3, 4)),
    "unstack": lambda o, x, y: o.unstack(x, axis=1), "var": lambda o, x, y: o.var(x, axis=1),
    "vander": lambda o, x, y: o.vander(x[:, 0, 0], 3), "vdot": lambda o, x, y: o.vdot(x, y),
    "where": lambda o, x, y: o.where(x > 0.5, x, y),
}
#: functions that cannot apply to a batch of samples, and why
NOT_ON_A_BATCH = {
    **dict.fromkeys(["arange", "empty", "eye", "full", "identity", "ones", "tri", "zeros"],
                    "makes an array of a given shape: it takes no tensor"),
    **dict.fromkeys(["shape", "ndim", "size", "dtype", "is_tensor"],
                    "a fact about a tensor, not a value (shape and ndim answer for symbolic tensors)"),
    **dict.fromkeys(["ravel", "outer"], "flattens its operands, the batch axis with the others"),
    **dict.fromkeys(["flipud", "vsplit", "vstack"], "works along axis 0, the batch axis"),
    **dict.fromkeys(["broadcast_to", "slice"], "its shape argument includes the batch size, known only when run"),
    **dict.fromkeys(["scatter"], "makes an array of a given shape from indices and values"),
    **dict.fromkeys(["segment_max", "segment_min", "segment_prod", "segment_sum"],
                    "its segments run along axis 0, the batch axis"),
    **dict.fromkeys(["bincount", "nonzero", "unique"], "the shape of its result depends on the values"),
    **dict.fromkeys(["corrcoef", "meshgrid", "diag", "diagflat"],
                    "pairs the samples with each other: its shape grows with the batch"),
    **dict.fromkeys(["correlate"], "takes two vectors: a batch is a matrix"),
    **dict.fromkeys(["lstsq", "solve_triangular", "lu_factor", "cholesky_inverse"],
                    "solves or factors one matrix, not a stack of them"),
}


def _case(name):
    if name in UNARY:
        return lambda o, x, y: getattr(o, name)(x)
    if name in BINARY:
        return lambda o, x, y: getattr(o, name)(x, y)
    return CASES[name]


def _as_output(o, t, kind, x):
    if kind == "number":
        return o.expand_dims(t, -1)
    if kind == "batch":
        return o.add(o.zeros_like(x[:, :1, 0]), o.cast(t, "float32"))
    return t


def _arrays(value) -> list:
    values = value if isinstance(value, (list, tuple)) else [value]
    return [np.asarray(v, dtype=np.float64) for v in values]


def test_every_function_has_a_case_or_a_reason():
    named = [UNARY, BINARY, set(CASES), set(NOT_ON_A_BATCH)]
    assert sum(len(n) for n in named) == len(set().union(*named)), "a name is in two tables"
    assert set().union(*named) == set(ops.OPERATIONS), sorted(set(ops.OPERATIONS) ^ set().union(*named))


@pytest.mark.parametrize("name", sorted(UNARY | BINARY | set(CASES)))
def test_a_symbolic_call_records_an_op_whose_predictions_are_the_eager_values(name):
    function = _case(name)
    x, y = nr.Input((3, 4)), nr.Input((3, 4))
    out = function(ops, x, y)
    outputs = list(out) if isinstance(out, (list, tuple)) else [out]
    assert all(isinstance(t, nr.symbolic.SymbolicTensor) for t in outputs)
    # a model's outputs hold at least one number per sample: a number per sample gets an axis, a
    # value of the whole batch is repeated for each sample
    kinds = ["batch" if not t.batched else "number" if t.ndim == 1 else "" for t in outputs]
    model = nr.Model([x, y], [_as_output(ops, t, kind, x) for t, kind in zip(outputs, kinds)])
    assert any(isinstance(layer, layers.Op) and layer.function == name for layer in model.layers)
    with np.errstate(all="ignore"):
        out = function(ops, X, Y)
        expected = _arrays([_as_output(ops, np.asarray(t), kind, X)
                            for t, kind in zip(out if isinstance(out, (list, tuple)) else [out], kinds)])
        found = _arrays(model.predict([X, Y], batch_size=len(X), verbose=0))
    assert [f.shape for f in found] == [e.shape for e in expected]
    for f, e in zip(found, expected):
        np.testing.assert_allclose(f, e, rtol=2e-5, atol=1e-6)


def test_symbolic_tensors_given_as_keywords_are_inputs_too():
    x, y = nr.Input((3, 4)), nr.Input((3, 4))
    model = nr.Model([x, y], ops.where(condition=x > 0.5, x1=y, x2=ops.stack(x=[x, y], axis=1)[:, 0]))
    np.testing.assert_array_equal(model.predict([X, Y], verbose=0), np.where(X > 0.5, Y, X))


def test_shape_and_ndim_answer_for_a_symbolic_tensor():
    x = nr.Input((3, 4))
    assert ops.shape(x) == (None, 3, 4) and ops.ndim(x) == 3


def test_comparison_and_logic_operators_record_ops():
    x, y = nr.Input((3, 4)), nr.Input((3, 4))
    outputs = [x > 0.5, x < y, x >= 0.6, x <= y, x != y, (x > 0.5) & (y < 0.5), (x > 0.7) | (y > 0.7), ~(x > 0.5)]
    assert all(t.dtype == np.bool_ for t in outputs)
    model = nr.Model([x, y], [ops.where(t, 1.0, 0.0) for t in outputs])
    expected = [X > 0.5, X < Y, X >= 0.6, X <= Y, X != Y, (X > 0.5) & (Y < 0.5), (X > 0.7) | (Y > 0.7), ~(X > 0.5)]
    for found, wanted in zip(model.predict([X, Y], verbose=0), expected):
        np.testing.assert_array_equal(found, wanted.astype(np.float32))


def test_steps_that_vary_stay_unknown_and_an_op_mixing_samples_is_refused():
    x = nr.Input((None, 4))
    first = x[:, :, 0]
    assert first.shape == (None, None) and ops.sum(x, axis=1).shape == (None, 4)
    model = nr.Model(x, ops.expand_dims(ops.sum(first * 2.0, axis=-1), -1))
    for steps in (2, 6):
        sequence = RNG.normal(size=(3, steps, 4)).astype(np.float32)
        np.testing.assert_allclose(model.predict(sequence, verbose=0), 2 * sequence[:, :, :1].sum(axis=1), rtol=1e-5)
    with pytest.raises(ValueError, match="keep the batch axis first"):
        ops.transpose(nr.Input((3, 4)), (1, 0, 2))


def test_the_namespaces_of_keras_ops_have_neuronas_functions():
    assert ops.nn.relu is ops.relu and ops.numpy.tensordot is ops.tensordot and ops.linalg.inv is ops.inv
    x = nr.Input((4,))
    assert ops.nn.sigmoid(x).shape == (None, 4)


def _dense_op_dense(op):
    inputs = nr.Input((3,))
    hidden = layers.Dense(4, activation="tanh")(inputs)
    outputs = layers.Dense(2)(op(hidden))
    model = nr.Model(inputs, outputs, seed=1, dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("op", [
    lambda h: ops.tensordot(ops.stack([h, h * h], axis=1), np.ones((4, 3)), 1)[:, 1],
    lambda h: ops.einsum("bi,bj->bij", h, h)[..., -1],
    lambda h: ops.where(h > 0, h, 0.5 * h) + ops.cumsum(h, axis=1),
    lambda h: ops.concatenate([ops.norm(h, axis=-1, keepdims=True), ops.take(h, [0, 2], axis=1)], axis=1),
    lambda h: ops.nn.softmax(ops.expand_dims(h, -1) * h[:, None], axis=-1)[:, 0],
], ids=["tensordot-stack", "einsum-index", "where-cumsum", "norm-take-concatenate", "softmax-broadcast"])
def test_gradients_through_op_layers_match_finite_differences(op):
    rng = np.random.default_rng(3)
    report = check_gradients(_dense_op_dense(op), rng.normal(size=(5, 3)), rng.normal(size=(5, 2)))
    assert report.passed, str(report)


def test_a_model_of_op_layers_saves_and_loads(tmp_path):
    x, y = nr.Input((3, 4)), nr.Input((3, 4))
    outputs = [ops.tensordot(x, np.ones((4, 2), np.float32), 1), ops.stack([x, y], axis=1)[:, :, 1:3],
               ops.where(x > 0.5, x, y), ops.moments(x, axes=[1])[1], ops.take(x, [0, 2], axis=1),
               x[:, 0], x[:, 1:3], x[..., -1], x[:, None], x[:, ::2, None, 1], ops.nn.relu(x - 0.5)]
    model = nr.Model([x, y], outputs)
    before = model.predict([X, Y], verbose=0)
    model.save(tmp_path / "ops.keras")
    loaded = nr.models.load_model(tmp_path / "ops.keras")
    for a, b in zip(before, loaded.predict([X, Y], verbose=0)):
        np.testing.assert_array_equal(a, b)
    config = json.dumps(model.get_config())
    assert "__slice__" in config and "__ellipsis__" in config


def test_an_op_keeps_slices_ellipsis_none_and_tuples_exactly():
    layer = layers.Op("get_item", arguments=[{"class_name": "__input__", "config": {"index": 0}},
                                             (slice(None), Ellipsis, None, slice(1, None, 2))])
    config = json.loads(json.dumps(layer.get_config()))
    again = layers.Op.from_config(config)
    assert again.get_config() == layer.get_config()
    assert again.call(np.arange(24.0).reshape(2, 3, 4)).shape == (2, 3, 1, 2)


@pytest.mark.parametrize("function", ["_dual", "np", "core.np.save", "__import__", "eval", "not_in_neurona",
                                      "OPERATIONS", "Tensor", "numpy.save", "os.system"])
def test_a_config_naming_anything_but_a_public_function_of_ops_is_refused(function):
    with pytest.raises(ValueError, match="public function of neurona.ops"):
        layers.Op(function, [None])
    config = {"name": "op", "function": function, "arguments": [{"class_name": "__input__", "config": {"index": 0}}]}
    with pytest.raises(ValueError, match="public function of neurona.ops"):
        layers.get(config)


# -- keras.io "Collaborative filtering for movie recommendations": a subclassed model --------------
USERS, MOVIES, EMBEDDING = 7, 9, 5


def _recommender(keras, library_ops, regularizer):
    class RecommenderNet(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.user_embedding = keras.layers.Embedding(USERS, EMBEDDING, embeddings_initializer="he_normal",
                                                         embeddings_regularizer=regularizer)
            self.user_bias = keras.layers.Embedding(USERS, 1)
            self.movie_embedding = keras.layers.Embedding(MOVIES, EMBEDDING, embeddings_initializer="he_normal",
                                                          embeddings_regularizer=regularizer)
            self.movie_bias = keras.layers.Embedding(MOVIES, 1)

        def call(self, inputs):
            user_vector = self.user_embedding(inputs[:, 0])
            user_bias = self.user_bias(inputs[:, 0])
            movie_vector = self.movie_embedding(inputs[:, 1])
            movie_bias = self.movie_bias(inputs[:, 1])
            dot_user_movie = library_ops.tensordot(user_vector, movie_vector, 2)
            x = dot_user_movie + user_bias + movie_bias
            return library_ops.nn.sigmoid(x)

    return RecommenderNet()


def test_the_collaborative_filtering_model_trains_as_in_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(5)
    pairs = np.stack([rng.integers(0, USERS, 24), rng.integers(0, MOVIES, 24)], axis=1)
    ratings = rng.uniform(0, 1, size=(24, 1)).astype(np.float32)

    theirs = _recommender(keras, keras.ops, keras.regularizers.l2(1e-6))
    theirs.compile(loss=keras.losses.BinaryCrossentropy(), optimizer=keras.optimizers.Adam(learning_rate=0.01))
    theirs(pairs[:2])
    ours = _recommender(nr, ops, nr.regularizers.l2(1e-6))
    ours.compile(loss=nr.losses.BinaryCrossentropy(), optimizer=nr.optimizers.Adam(learning_rate=0.01))
    ours.build((None, 2))
    for part in ("user_embedding", "user_bias", "movie_embedding", "movie_bias"):
        getattr(ours, part).set_weights([np.asarray(w) for w in getattr(theirs, part).get_weights()])
    np.testing.assert_allclose(ours.predict(pairs, batch_size=8, verbose=0),
                               keras.ops.convert_to_numpy(theirs.predict(pairs, batch_size=8, verbose=0)), rtol=1e-5)
    history_theirs = theirs.fit(pairs, ratings, batch_size=8, epochs=3, shuffle=False, verbose=0).history["loss"]
    history_ours = ours.fit(pairs, ratings, batch_size=8, epochs=3, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(history_ours, history_theirs, rtol=1e-4)
    assert history_ours[-1] < history_ours[0]
