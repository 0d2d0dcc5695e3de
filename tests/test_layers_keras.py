r"""The Keras layers (Flatten, Reshape, Normalization, BatchNormalization, Softmax, ReLU, LeakyReLU,
ELU, the merges, Op) against central differences in float64, and against their autodiff forms.

For a layer with input(s) x and upstream gradient g = dL/dy the objective is

    L(x, params) = sum(g * layer.forward(x, training=True)) + layer.penalty(m)

whose gradients are what ``backward(g)`` returns (dL/dx, one per input for a merge) and leaves
in ``layer.grads``. Random layers replay one generator state at every evaluation.
"""
import numpy as np
import pytest

import neurona as nr
from gradcheck import central_difference, relative_error
import conv_cases
from neurona import layers
from neurona.autodiff import GradientTape, Tensor, Variable

TOLERANCE = 1e-6


def _case(name):
    r"""(layer, input shapes per sample) of each case."""
    if name in conv_cases.CASES:
        return conv_cases.CASES[name]()
    return {
        "flatten": (layers.Flatten(), [(2, 3)]),
        "reshape": (layers.Reshape((3, 2)), [(6,)]),
        "normalization": (layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[4.0, 0.25, 1.0]), [(3,)]),
        "normalization-invert": (layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[4.0, 0.25, 1.0],
                                                      invert=True), [(3,)]),
        "batch_normalization": (layers.BatchNormalization(gamma_initializer="random_normal",
                                                          beta_initializer="random_normal"), [(4,)]),
        "batch_normalization-no-scale": (layers.BatchNormalization(scale=False), [(4,)]),
        "softmax": (layers.Softmax(), [(4,)]),
        "relu": (layers.ReLU(), [(4,)]),
        "relu-capped": (layers.ReLU(max_value=0.6, negative_slope=0.1, threshold=0.2), [(6,)]),
        "leaky_relu": (layers.LeakyReLU(0.2), [(4,)]),
        "elu": (layers.ELU(0.7), [(4,)]),
        "dense-activity": (layers.Dense(3, activation="tanh", activity_regularizer=nr.regularizers.L2(0.5)), [(4,)]),
        "dense-3d": (layers.Dense(3, activation="sigmoid"), [(2, 4)]),
        "dropout": (layers.Dropout(0.4), [(5,)]),
        "add": (layers.Add(), [(3,), (3,), (3,)]),
        "subtract": (layers.Subtract(), [(3,), (3,)]),
        "multiply": (layers.Multiply(), [(3,), (3,), (3,)]),
        "average": (layers.Average(), [(3,), (3,)]),
        "maximum": (layers.Maximum(), [(3,), (3,), (3,)]),
        "concatenate": (layers.Concatenate(), [(2,), (3,)]),
        "op-mean": (layers.Op("mean", keywords={"axis": -1, "keepdims": True}), [(4,)]),
        "op-divide": (layers.Op("divide", [None, None]), [(3,), (3,)]),
        "embedding": (layers.Embedding(7, 3, embeddings_regularizer=nr.regularizers.L2(0.1)), [(4,)]),
        "masking": (layers.Masking(), [(4, 3)]),
        "simple_rnn": (layers.SimpleRNN(3, return_sequences=True, bias_initializer="random_normal"), [(4, 2)]),
        "lstm": (layers.LSTM(3, go_backwards=True), [(4, 2)]),
        "gru": (layers.GRU(3, return_sequences=True, bias_initializer="random_normal"), [(4, 2)]),
        "gru-reset-before": (layers.GRU(3, reset_after=False, bias_initializer="random_normal"), [(4, 2)]),
        "bidirectional": (layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode="mul"), [(3, 2)]),
        "rnn": (layers.RNN([layers.GRUCell(2, bias_initializer="random_normal"), layers.LSTMCell(2)],
                           return_sequences=True), [(4, 2)]),
        "rnn-lstm-cell": (layers.RNN(layers.LSTMCell(3, bias_initializer="random_normal"), go_backwards=True), [(4, 2)]),
        "time_distributed": (layers.TimeDistributed(layers.Dense(2, activation="tanh")), [(3, 4)]),
        "layer_normalization": (layers.LayerNormalization(gamma_initializer="random_normal",
                                                          beta_regularizer=nr.regularizers.L2(0.3)), [(3, 4)]),
        "layer_normalization-2-axes": (layers.LayerNormalization(axis=[-2, -1], scale=False), [(3, 4)]),
        "group_normalization": (layers.GroupNormalization(groups=2, gamma_initializer="random_normal"), [(3, 4)]),
        "attention": (layers.Attention(use_scale=True), [(3, 2), (4, 2)]),
        "attention-key": (layers.Attention(), [(3, 2), (4, 3), (4, 2)]),
        # (without biases: the key's bias adds the same score to every key, and its gradient is exactly 0)
        "multi_head_attention": (layers.MultiHeadAttention(2, 3, use_bias=False,
                                                           kernel_regularizer=nr.regularizers.L2(0.1)), [(3, 4), (2, 5)]),
        "lambda": (layers.Lambda(lambda x: nr.ops.tanh(x) * nr.ops.sum(x, axis=-1, keepdims=True)), [(4,)]),
        "identity": (layers.Identity(), [(4,)]),
        "activity_regularization": (layers.ActivityRegularization(l1=0.1, l2=0.3), [(4,)]),
        "prelu": (layers.PReLU(alpha_initializer="random_normal", alpha_regularizer=nr.regularizers.L2(0.2)), [(4,)]),
        "prelu-shared": (layers.PReLU(alpha_initializer="random_normal", shared_axes=[1]), [(3, 4)]),
        "gaussian_noise": (layers.GaussianNoise(0.5), [(4,)]),
        "gaussian_dropout": (layers.GaussianDropout(0.3), [(4,)]),
        "alpha_dropout": (layers.AlphaDropout(0.3), [(2, 4)]),
        "alpha_dropout-noise-shape": (layers.AlphaDropout(0.4, noise_shape=(None, 1, 4)), [(3, 4)]),
        "spatial_dropout1d": (layers.SpatialDropout1D(0.4), [(3, 4)]),
        "spatial_dropout2d": (layers.SpatialDropout2D(0.5), [(2, 3, 4)]),
        "spatial_dropout3d-channels-first": (layers.SpatialDropout3D(0.3, data_format="channels_first"),
                                             [(4, 2, 2, 3)]),
        "unit_normalization": (layers.UnitNormalization(), [(3, 4)]),
        "unit_normalization-2-axes": (layers.UnitNormalization(axis=[1, 2]), [(3, 4)]),
        "rms_normalization": (layers.RMSNormalization(epsilon=0.1), [(3, 4)]),
        "rms_normalization-middle-axis": (layers.RMSNormalization(axis=1), [(3, 4)]),
        "dot": (layers.Dot(axes=1), [(4,), (4,)]),
        "dot-normalize-3d": (layers.Dot(axes=(2, 2), normalize=True), [(2, 4), (3, 4)]),
        "minimum": (layers.Minimum(), [(3,), (3,), (3,)]),
        "permute": (layers.Permute((2, 1)), [(3, 4)]),
        "repeat_vector": (layers.RepeatVector(3), [(4,)]),
        "einsum_dense": (layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c", activation="tanh",
                                            bias_initializer="random_normal", kernel_regularizer=nr.regularizers.L2(0.1)),
                         [(4,)]),
        "einsum_dense-heads": (layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de",
                                                  bias_initializer="random_normal",
                                                  activity_regularizer=nr.regularizers.L2(0.2)), [(3, 4)]),
    }[name]


CASES = ["flatten", "reshape", "normalization", "normalization-invert", "batch_normalization",
         "batch_normalization-no-scale", "softmax", "relu", "relu-capped", "leaky_relu", "elu", "dense-activity", "dense-3d",
         "dropout", "add", "subtract", "multiply", "average", "maximum", "concatenate", "op-mean", "op-divide",
         "embedding", "masking", "simple_rnn", "lstm", "gru", "gru-reset-before", "bidirectional", "rnn", "rnn-lstm-cell",
         "time_distributed", "layer_normalization", "layer_normalization-2-axes", "group_normalization",
         "attention", "attention-key", "multi_head_attention"]
#: layers whose inputs are integer ids (no gradient flows to them)
INTEGER_INPUTS = {"embedding"}
CASES += ["lambda", "identity", "activity_regularization", "prelu", "prelu-shared",
          "gaussian_noise", "gaussian_dropout", "alpha_dropout", "alpha_dropout-noise-shape", "dot",
          "dot-normalize-3d", "minimum", "permute", "repeat_vector", "einsum_dense", "einsum_dense-heads"]
CASES += ["spatial_dropout1d", "spatial_dropout2d", "spatial_dropout3d-channels-first", "unit_normalization",
          "unit_normalization-2-axes", "rms_normalization", "rms_normalization-middle-axis"]

CASES += list(conv_cases.CASES)          # the convolutional, pooling and spatial layers
#: the preprocessing layers, checked against Keras and by the three-way gradient check in their own files
#: (test_image_preprocessing.py, test_image_augmentation.py, test_categorical.py, test_lookup.py,
#: test_text_vectorization.py, test_hashing.py)
PREPROCESSING = {"rescaling", "resizing", "center_crop", "random_flip", "random_contrast", "random_rotation",
                 "random_translation", "random_zoom", "category_encoding", "discretization", "string_lookup",
                 "integer_lookup", "text_vectorization", "hashing"}


def test_every_registered_layer_has_a_case():
    tested = {_case(name)[0].registry_name for name in CASES} | {"dense", "activation", "input_layer"} | PREPROCESSING
    names = {layers.registry.lookup(n).registry_name for n in layers.registry.names()}
    assert names <= tested
    assert not [n for n in names if not callable(getattr(layers.registry.lookup(n), "call", None))]   # a tape form


def _built(name, m=5):
    layer, shapes = _case(name)
    rng = np.random.default_rng(3)
    many = layer.n_inputs != 1
    layer.build([(None, *s) for s in shapes] if many else (None, *shapes[0]), rng, np.float64)
    xs = [rng.normal(size=(m, *s)) for s in shapes]
    if name in INTEGER_INPUTS:
        xs = [rng.integers(0, layer.input_dim, size=(m, *s)).astype(np.float64) for s in shapes]
    if name.startswith("op-divide"):
        xs[1] = np.abs(xs[1]) + 1.0                        # away from the pole at 0
    if name in ("relu", "leaky_relu", "elu"):
        xs[0] = np.where(np.abs(xs[0]) < 0.05, 0.3, xs[0])  # away from the kink at 0
    g = rng.normal(size=(m, *layer.sample_output_shape))
    return layer, xs, g, many


@pytest.mark.parametrize("name", CASES)
def test_backward_matches_central_differences(name):
    layer, xs, g, many = _built(name)
    state = np.random.default_rng(11).bit_generator.state
    saved = {k: v.copy() for k, v in layer.state.items()}

    def objective():
        if layer._rng is not None:
            layer._rng.bit_generator.state = state
        for k, v in saved.items():
            getattr(layer, k)[...] = v
        y = layer.forward(xs if many else xs[0], training=True)
        return float(np.sum(g * y)) + layer.penalty(xs[0].shape[0])

    objective()
    dx = layer.backward(g.copy())
    dxs = dx if many else [dx]
    for k, x in enumerate(xs):
        if name in INTEGER_INPUTS:
            assert not np.any(dxs[k]), "ids have no gradient"
            continue
        numeric = central_difference(lambda _: objective(), x)
        assert relative_error(dxs[k], numeric) < TOLERANCE, f"dL/dx[{k}]"
    analytic = [grad.copy() for grad in layer.grads]
    for pname, param, grad in zip(layer.param_names, layer.params, analytic):
        numeric = central_difference(lambda _: objective(), param)
        assert relative_error(grad, numeric) < TOLERANCE, pname


@pytest.mark.parametrize("name", CASES)
def test_autodiff_form_matches_backward(name, training=True):
    layer, xs, g, many = _built(name)
    state = np.random.default_rng(5).bit_generator.state
    if layer._rng is not None:
        layer._rng.bit_generator.state = state
    layer.forward(xs if many else xs[0], training=training)    # the tape form runs the pass it made
    dx = layer.backward(g.copy())
    tensors = [Variable(x.copy()) for x in xs]
    params = [Variable(p.copy()) for p in layer.params]
    with GradientTape() as tape:
        y, penalty = layer.tape_forward(tensors if many else tensors[0], params)
        total = (y * Tensor(g)).sum() + penalty
    grads = tape.gradient(total, tensors + params, unconnected_gradients="zero")
    for k, d in enumerate(dx if many else [dx]):
        assert relative_error(d, grads[k]) < TOLERANCE
    for grad, auto in zip(layer.grads, grads[len(xs):]):
        assert relative_error(grad, auto) < TOLERANCE


@pytest.mark.parametrize("name", ["batch_normalization", "batch_normalization-no-scale", "dropout"])
def test_autodiff_form_matches_backward_at_inference(name):
    test_autodiff_form_matches_backward(name, training=False)     # the moving statistics; no mask


def test_batch_normalization_moving_statistics_and_inference():
    layer = layers.BatchNormalization(momentum=0.5, epsilon=1e-3)
    layer.build((None, 2), np.random.default_rng(0), np.float64)
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    y = layer.forward(x, training=True)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(layer.moving_mean, 0.5 * x.mean(axis=0))
    np.testing.assert_allclose(layer.moving_variance, 0.5 + 0.5 * x.var(axis=0))
    inference = layer.forward(x, training=False)
    np.testing.assert_allclose(inference, (x - layer.moving_mean) / np.sqrt(layer.moving_variance + 1e-3))
    assert [w.shape for w in layer.non_trainable_weights] == [(2,), (2,)]


def test_normalization_adapt_and_invert():
    data = np.random.default_rng(1).normal(3.0, 2.0, size=(500, 3))
    norm = layers.Normalization()
    norm.adapt(data)
    np.testing.assert_allclose(norm.mean, data.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(norm.variance, data.var(axis=0), rtol=1e-6)
    out = norm(data)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-4)
    back = layers.Normalization(mean=norm.mean, variance=norm.variance, invert=True)
    np.testing.assert_allclose(back(out), data, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="NaN"):
        layers.Normalization().adapt([[1.0], [np.nan]])


def test_whole_models_of_the_new_layers_pass_the_gradient_check():
    from neurona.gradcheck import check_gradients
    inputs = nr.Input(shape=(2, 3))
    flat = layers.Flatten()(inputs)
    a = layers.Dense(4, activation="tanh")(flat)
    b = layers.BatchNormalization()(layers.Dense(4)(flat))
    merged = layers.concatenate([layers.add([a, b]), layers.multiply([a, b]), layers.ELU()(a) * 2.0])
    out = layers.Dense(3, activation="softmax")(layers.Dropout(0.3)(merged))
    model = nr.Model(inputs, out, seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(6, 2, 3))
    report = check_gradients(model, x, np.arange(6) % 3)
    assert report.passed, str(report)
    assert all(row.autodiff is not None for row in report.rows)
    nested = nr.Sequential([nr.Sequential([layers.Dense(3, activation="tanh")]), layers.LeakyReLU(0.1),
                            layers.Dense(1, activation="sigmoid")], input_dim=2, seed=1)
    nested.compile(optimizer="sgd", loss="binary_crossentropy")
    assert check_gradients(nested, x[:, 0, :2], np.arange(6) % 2).passed
