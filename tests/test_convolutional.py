r"""The convolutional layers (``layers.convolutional``) against Keras 3 (torch backend) and PyTorch on
the same weights, their configs, files, summaries, ``explain`` and errors. Their gradients against
central differences and their tape forms are checked with every layer in ``test_layers_keras.py``
(cases in ``conv_cases.py``)."""
import io
import os

import numpy as np
import pytest

import neurona as nr
from conv_cases import CASES, KERAS, compare_with_keras
from neurona import layers

torch = pytest.importorskip("torch")
F = torch.nn.functional

CONV = sorted(name for name in KERAS if "conv" in name)


@pytest.mark.parametrize("name", CONV)
def test_matches_keras_on_the_same_weights(name):
    errors = compare_with_keras(name)
    assert max(errors.values()) < 1e-5, errors


def _assert_matches_torch(layer, x, g, function):
    r"""The layer's output, dL/dx and weight gradients (for dL/dy = g) equal torch autograd's of
    function(x, *the layer's weights)."""
    xt = torch.tensor(x, requires_grad=True)
    weights = [torch.tensor(w.copy(), requires_grad=True) for w in layer.weights]
    y_torch = function(xt, *weights)
    grads = torch.autograd.grad((y_torch * torch.tensor(g)).sum(), [xt, *weights])
    y = layer.forward(x, training=True)
    dx = layer.backward(g.copy())
    np.testing.assert_allclose(y, y_torch.detach().numpy(), atol=1e-12)
    assert len(layer.grads) == len(weights)
    for mine, theirs in zip([dx, *layer.grads], grads):
        np.testing.assert_allclose(mine, theirs.numpy(), atol=1e-11)


@pytest.mark.parametrize("strides, padding, dilation, groups", [
    (1, "valid", 1, 1), (2, "valid", 1, 1), (1, "same", 1, 1), (1, "valid", 2, 1), (1, "same", 1, 3), (3, "valid", 1, 6)])
def test_conv2d_matches_torch(strides, padding, dilation, groups):
    rng = np.random.default_rng(1)
    layer = layers.Conv2D(6, 3, strides=strides, padding=padding, dilation_rate=dilation, groups=groups)
    layer.build((None, 9, 8, 6), rng, np.float64)
    x = rng.normal(size=(2, 9, 8, 6))
    g = rng.normal(size=(2, *layer.sample_output_shape))

    def torch_conv(x, kernel, bias):        # channels first in torch, kernel (out, in / groups, kh, kw)
        y = F.conv2d(x.permute(0, 3, 1, 2), kernel.permute(3, 2, 0, 1), bias, stride=strides,
                     padding=padding, dilation=dilation, groups=groups)
        return y.permute(0, 2, 3, 1)

    layer.bias += 0.3
    _assert_matches_torch(layer, x, g, torch_conv)


def test_conv2d_transpose_matches_torch():
    rng = np.random.default_rng(2)
    layer = layers.Conv2DTranspose(4, (3, 2), strides=(2, 3), use_bias=False)
    layer.build((None, 4, 3, 5), rng, np.float64)
    x = rng.normal(size=(2, 4, 3, 5))
    g = rng.normal(size=(2, *layer.sample_output_shape))

    def torch_transpose(x, kernel):         # torch's kernel: (in, out, kh, kw); Keras's width (n - 1) s + max(k, s)
        return F.conv_transpose2d(x.permute(0, 3, 1, 2), kernel.permute(3, 2, 0, 1), stride=(2, 3),
                                  output_padding=(0, 1)).permute(0, 2, 3, 1)

    _assert_matches_torch(layer, x, g, torch_transpose)


def test_depthwise_conv2d_is_torch_grouped_convolution():
    rng = np.random.default_rng(3)
    layer = layers.DepthwiseConv2D(3, depth_multiplier=2, strides=2, use_bias=False)
    layer.build((None, 7, 7, 3), rng, np.float64)
    x = rng.normal(size=(2, 7, 7, 3))
    g = rng.normal(size=(2, *layer.sample_output_shape))

    def torch_depthwise(x, kernel):        # (kh, kw, C, M) -> (C M, 1, kh, kw), output channel c M + j
        w = kernel.permute(2, 3, 0, 1).reshape(6, 1, 3, 3)
        return F.conv2d(x.permute(0, 3, 1, 2), w, stride=2, groups=3).permute(0, 2, 3, 1)

    _assert_matches_torch(layer, x, g, torch_depthwise)


def test_kernel_shapes_parameter_counts_and_summary_as_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")

    def build(lib):
        return lib.Sequential([lib.Input((12, 10, 3)), lib.layers.Conv2D(8, 3, padding="same", activation="relu"),
                               lib.layers.SeparableConv2D(6, 3, depth_multiplier=2),
                               lib.layers.DepthwiseConv2D(2, strides=2),
                               lib.layers.Conv2DTranspose(4, 3, strides=2, padding="same"),
                               lib.layers.Conv2D(6, 1, groups=2), lib.layers.GlobalAveragePooling2D()])

    ours, theirs = build(nr), build(keras)
    for mine, reference in zip(ours.layers, theirs.layers):
        assert [w.shape for w in mine.weights] == [tuple(w.shape) for w in reference.weights], type(mine).__name__
        assert mine.sample_output_shape == tuple(reference.output.shape[1:])
        assert mine.count_params() == reference.count_params()
    text = io.StringIO()
    ours.summary(print_fn=lambda line, **_: text.write(line + "\n"))
    assert "(None, 12, 10, 8)" in text.getvalue() and f"{theirs.count_params():,}" in text.getvalue()


def test_glorot_counts_every_tap_of_the_window():
    layer = layers.Conv2D(64, 5)
    layer.build((None, 28, 28, 32), np.random.default_rng(0))
    limit = np.sqrt(6 / (25 * 32 + 25 * 64))          # fan_in = taps C_in, fan_out = taps C_out
    assert np.abs(layer.kernel).max() <= limit
    assert np.abs(layer.kernel).max() > 0.95 * limit


def test_saved_model_predicts_the_same(tmp_path):
    model = nr.Sequential([nr.Input((8, 8, 2)), layers.Conv2D(3, 3, padding="same", activation="relu"),
                           layers.DepthwiseConv2D(2), layers.SeparableConv2D(4, 2, activation="tanh"),
                           layers.Conv2DTranspose(2, 2, strides=2), layers.Flatten(), layers.Dense(2)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(4, 8, 8, 2)).astype(np.float32)
    model.fit(x, np.ones((4, 2)), epochs=1, verbose=0)
    path = tmp_path / "convnet.keras"
    model.save(path)
    again = nr.load_model(path)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer).__name__ for layer in again.layers] == [type(layer).__name__ for layer in model.layers]


def test_explain_prints_one_output_position_of_a_convolution():
    model = nr.Sequential([nr.Input((4, 4, 1)), layers.Conv2D(1, 2, activation="relu"), layers.Flatten(),
                           layers.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    x = np.arange(16, dtype=np.float64).reshape(1, 4, 4, 1) / 10
    conv = model.layers[0]
    lines = conv.position_arithmetic(x, l=1, position=(1, 2))
    expected = sum(x[0, 1 + u, 2 + v, 0] * conv.kernel[u, v, 0, 0] for u in range(2) for v in range(2)) + conv.bias[0]
    assert lines[0].startswith("z[1][0, 1, 2, 0] = sum over the window")
    assert float(lines[-1].split("=")[-1]) == pytest.approx(expected, rel=1e-5)
    assert "a[0][0, 1, 2, 0]" in lines[1] and "W[1][0, 0, 0, 0]" in lines[1]
    printed = []
    model.explain(x, np.ones((1, 1)), print_fn=printed.append)
    assert "z[1][0, 0, 0, 0] = sum over the window" in printed[0]


@pytest.mark.parametrize("make, message", [
    (lambda: layers.Conv2D(4, (3, 3, 3)), "kernel_size must be an int >= 1 or a tuple of 2"),
    (lambda: layers.Conv2D(4, 3, padding="full"), "padding must be one of 'valid', 'same'"),
    (lambda: layers.Conv1D(4, 3, padding="causal", strides=0), "strides must be an int >= 1"),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2), "strides > 1 with dilation_rate > 1"),
    (lambda: layers.Conv2D(5, 3, groups=2), "filters \\(5\\) must be a multiple of groups"),
    (lambda: layers.Conv2D(4, 3, data_format="channels_first"), "channels last"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2), "output_padding must be smaller"),
])
def test_bad_arguments_say_what_was_expected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_input_shapes_say_what_was_expected():
    with pytest.raises(ValueError, match="takes inputs of shape \\(batch, 2 spatial axes, channels\\)"):
        layers.Conv2D(2, 3).build((None, 10, 3))
    with pytest.raises(ValueError, match="spans 5 positions: more than the 4"):
        layers.Conv1D(2, 5).build((None, 4, 1))
    with pytest.raises(ValueError, match="must be a multiple of groups"):
        layers.Conv2D(4, 3, groups=2).build((None, 5, 5, 3))


def test_every_case_builds_from_its_config():
    for name, make in CASES.items():
        layer, shapes = make()
        again = nr.layers.get(layer.get_config())
        assert again == layer, name


def test_a_convolutional_model_passes_the_three_way_gradient_check():
    from neurona.gradcheck import check_gradients
    model = nr.Sequential([nr.Input((6, 5, 2)), layers.Conv2D(3, 3, padding="same", activation="tanh"),
                           layers.MaxPooling2D(2), layers.Conv2D(2, 2, activation="sigmoid"),
                           layers.GlobalAveragePooling2D(), layers.Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(4, 6, 5, 2))
    report = check_gradients(model, x, np.arange(4) % 3)
    assert report.passed, str(report)
    assert all(row.autodiff is not None for row in report.rows)


def test_constraints_project_the_kernels_after_each_step():
    model = nr.Sequential([nr.Input((6, 6, 2)), layers.Conv2D(3, 3, kernel_constraint="non_neg"),
                           layers.SeparableConv2D(2, 2, depthwise_constraint="non_neg",
                                                  pointwise_constraint=nr.constraints.MaxNorm(0.5)),
                           layers.Flatten(), layers.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(8, 6, 6, 2)), rng.normal(size=(8, 1)), epochs=2, verbose=0)
    conv, separable = model.layers[:2]
    assert conv.kernel.min() >= 0 and separable.depthwise_kernel.min() >= 0
    assert np.abs(separable.pointwise_kernel).max() <= 0.5 + 1e-6      # MaxNorm over axis 0, of length 1 here
    assert nr.layers.get(conv.get_config()) == conv
