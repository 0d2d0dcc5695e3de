r"""The pooling layers (``layers.pooling``) against Keras 3 (torch backend) and PyTorch, by hand where
the two differ, and their errors. Gradients against central differences and the tape forms: with
every layer in ``test_layers_keras.py`` (cases in ``conv_cases.py``)."""
import numpy as np
import pytest

from conv_cases import KERAS, compare_with_keras
from neurona import layers

torch = pytest.importorskip("torch")
F = torch.nn.functional

POOLING = sorted(name for name in KERAS if "pooling" in name)


@pytest.mark.parametrize("name", POOLING)
def test_matches_keras(name):
    errors = compare_with_keras(name)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("kind, pool, strides", [("max", 2, 2), ("max", 3, 1), ("average", (2, 3), 2), ("average", 3, 2)])
def test_matches_torch(kind, pool, strides):
    rng = np.random.default_rng(0)
    layer = (layers.MaxPooling2D if kind == "max" else layers.AveragePooling2D)(pool, strides)
    layer.build((None, 9, 8, 3), rng, np.float64)
    x = rng.normal(size=(2, 9, 8, 3))
    g = rng.normal(size=(2, *layer.sample_output_shape))
    xt = torch.tensor(x, requires_grad=True)
    function = F.max_pool2d if kind == "max" else F.avg_pool2d
    yt = function(xt.permute(0, 3, 1, 2), pool, strides).permute(0, 2, 3, 1)
    (dx_torch,) = torch.autograd.grad((yt * torch.tensor(g)).sum(), [xt])
    np.testing.assert_allclose(layer.forward(x, training=True), yt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.backward(g.copy()), dx_torch.numpy(), atol=1e-12)


def test_same_average_pooling_counts_only_the_entries_inside_the_input():
    layer = layers.AveragePooling2D(3, strides=2, padding="same")      # 6 -> 3 columns: pads (0, 1)
    layer.build((None, 7, 6, 1))
    x = np.arange(42, dtype=np.float64).reshape(1, 7, 6, 1)
    y = layer.forward(x)
    assert y.shape == (1, 4, 3, 1)
    # last column's windows: columns 4 and 5 (column 6 is padding); rows: pads (1, 1)
    np.testing.assert_allclose(y[0, 0, 2, 0], x[0, 0:2, 4:6, 0].mean())
    np.testing.assert_allclose(y[0, 1, 1, 0], x[0, 1:4, 2:5, 0].mean())


def test_max_pooling_gives_a_tie_to_the_first_largest_entry_as_torch():
    layer = layers.MaxPooling2D(2)
    layer.build((None, 2, 2, 1))
    x = np.zeros((1, 2, 2, 1))                       # after a ReLU: a window of equal zeros
    layer.forward(x, training=True)
    dx = layer.backward(np.ones((1, 1, 1, 1)))
    xt = torch.zeros((1, 1, 2, 2), dtype=torch.float64, requires_grad=True)
    F.max_pool2d(xt, 2).sum().backward()
    np.testing.assert_array_equal(dx[..., 0], xt.grad.numpy()[:, 0])
    assert dx.sum() == 1.0


def test_global_max_pooling_tie_goes_to_one_entry():
    layer = layers.GlobalMaxPooling1D()
    layer.build((None, 3, 1))
    layer.forward(np.ones((1, 3, 1)), training=True)
    np.testing.assert_array_equal(layer.backward(np.full((1, 1), 2.0))[0, :, 0], [2.0, 0.0, 0.0])


@pytest.mark.parametrize("make, message", [
    (lambda: layers.MaxPooling2D((2, 2, 2)), "pool_size must be an int >= 1 or a tuple of 2"),
    (lambda: layers.AveragePooling1D(2, padding="causal"), "padding must be one of 'valid', 'same'"),
    (lambda: layers.GlobalAveragePooling2D(data_format="channels_first"), "channels last"),
])
def test_bad_arguments_say_what_was_expected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_window_larger_than_the_input_is_a_clear_error():
    with pytest.raises(ValueError, match="spans 3 positions: more than the 2"):
        layers.MaxPooling2D(3).build((None, 2, 5, 1))
    with pytest.raises(ValueError, match="takes inputs of shape \\(batch, 1 spatial axes, channels\\)"):
        layers.GlobalMaxPooling1D().build((None, 4, 4, 2))


def test_the_compiled_max_pooling_gives_the_numpy_numbers(monkeypatch):
    pytest.importorskip("numba")
    from neurona import kernels
    rng = np.random.default_rng(5)
    x = np.maximum(rng.normal(size=(8, 26, 26, 48)).astype(np.float32), 0)     # above kernels.MIN_SIZE; ties at 0
    x[0, 0, 1, 0] = x[0, 0, 0, 0] = 2.0                                       # a tie of positive entries
    results = []
    for fast in ("1", "0"):
        monkeypatch.setenv("NEURONA_FAST", fast)
        for pool, strides, padding in [(2, 2, "valid"), (3, 2, "same")]:
            layer = layers.MaxPooling2D(pool, strides, padding)
            layer.build((None, 26, 26, 48))
            y = layer.forward(x, training=True)
            g = np.random.default_rng(6).normal(size=y.shape).astype(np.float32)
            results.append((y, layer.backward(g)))
    assert "max_pool2d_forward" in kernels._compiled
    for (y_fast, dx_fast), (y_numpy, dx_numpy) in zip(results[:2], results[2:]):
        np.testing.assert_array_equal(y_fast, y_numpy)
        np.testing.assert_allclose(dx_fast, dx_numpy, atol=1e-6)      # overlapping windows: sums in another order
