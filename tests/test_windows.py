r"""The sliding windows (``neurona.windows``) and the operations built on them: ``windows`` and ``fold``
are adjoint, their tape derivatives and those of ``ops.conv``, ``ops.depthwise_conv``,
``ops.separable_conv``, ``ops.conv_transpose``, ``ops.max_pool`` and ``ops.average_pool`` agree
with central differences (float64), and their output sizes are Keras's."""
import numpy as np
import pytest

from gradcheck import central_difference, relative_error
from neurona import ops, windows
from neurona.autodiff import GradientTape, Variable
from neurona.autodiff import ops as ad

GEOMETRIES = [((2, 2), (1, 1), "valid"), ((3, 2), (2, 1), "same"), ((2, 3), (1, 2), "same"), ((3, 3), (2, 2), "valid")]


@pytest.mark.parametrize("window, strides, padding", GEOMETRIES)
def test_windows_and_fold_are_adjoint(window, strides, padding):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 7, 6, 3))
    dilation = (1, 2) if strides == (1, 1) else (1, 1)
    out, pads = windows.geometry(x.shape[1:-1], window, strides, dilation, padding)
    view = windows.windows(x, window, strides, dilation, pads, out)
    g = rng.normal(size=view.shape)
    folded = windows.fold(g, x.shape[1:-1], window, strides, dilation, pads)
    assert np.sum(view * g) == pytest.approx(np.sum(x * folded), rel=1e-12)


def _check(function, *arrays):
    r"""The tape gradient of sum(g * function(*arrays)) against central differences, for each array."""
    rng = np.random.default_rng(1)
    variables = [Variable(a) for a in arrays]
    with GradientTape() as tape:
        y = function(*variables)
        g = rng.normal(size=y.shape)
        total = (y * g).sum()
    grads = tape.gradient(total, variables)
    for k, a in enumerate(arrays):
        def objective(value, k=k):
            values = list(arrays)
            values[k] = value
            return float(np.sum(g * function(*values)))
        assert relative_error(grads[k], central_difference(objective, a.copy())) < 1e-7, k


@pytest.mark.parametrize("window, strides, padding", GEOMETRIES)
def test_windows_and_fold_derivatives(window, strides, padding):
    x = np.random.default_rng(2).normal(size=(2, 5, 6, 2))
    out, pads = windows.geometry(x.shape[1:-1], window, strides, (1, 1), padding)
    _check(lambda x: ad.windows(x, window, strides, (1, 1), pads, out), x)
    cols = np.random.default_rng(3).normal(size=(2, *out, *window, 2))
    _check(lambda c: ad.fold(c, x.shape[1:-1], window, strides, (1, 1), pads), cols)


RNG = np.random.default_rng(4)
X2 = RNG.normal(size=(2, 6, 5, 4))
X1 = RNG.normal(size=(2, 7, 3))


@pytest.mark.parametrize("name, function, arrays", [
    ("conv", lambda x, w: ops.conv(x, w, 2, "same"), (X2, RNG.normal(size=(3, 2, 4, 3)))),
    ("conv-groups-dilated", lambda x, w: ops.conv(x, w, 1, "valid", dilation_rate=(2, 1)),
     (X2, RNG.normal(size=(2, 2, 2, 4)))),
    ("conv1d", lambda x, w: ops.conv(x, w, 3, "valid"), (X1, RNG.normal(size=(3, 3, 2)))),
    ("depthwise_conv", lambda x, w: ops.depthwise_conv(x, w, 1, "same"), (X2, RNG.normal(size=(3, 3, 4, 2)))),
    ("separable_conv", lambda x, d, p: ops.separable_conv(x, d, p, (1, 2)),
     (X2, RNG.normal(size=(2, 2, 4, 1)), RNG.normal(size=(1, 1, 4, 3)))),
    ("conv_transpose", lambda x, w: ops.conv_transpose(x, w, 2, "same"), (X2, RNG.normal(size=(3, 3, 2, 4)))),
    ("conv_transpose-valid", lambda x, w: ops.conv_transpose(x, w, (1, 3), output_padding=(0, 2)),
     (X1[:, :4, None], RNG.normal(size=(2, 2, 2, 3)))),
    ("max_pool", lambda x: ops.max_pool(x, 3, 2, "same"), (X2,)),
    ("average_pool", lambda x: ops.average_pool(x, (2, 3), 1, "same"), (X2,)),
    ("average_pool1d", lambda x: ops.average_pool(x, 2), (X1,)),
])
def test_operation_derivatives(name, function, arrays):
    _check(function, *arrays)


def test_operations_give_arrays_for_arrays_and_keras_sizes():
    x = np.ones((1, 28, 28, 1), dtype=np.float32)
    y = ops.conv(x, np.ones((3, 3, 1, 32), dtype=np.float32))
    assert isinstance(y, np.ndarray) and y.shape == (1, 26, 26, 32) and y.dtype == np.float32
    assert ops.max_pool(y, 2).shape == (1, 13, 13, 32)
    assert ops.conv(x, np.ones((5, 5, 1, 2)), 2, "same").shape == (1, 14, 14, 2)
    assert ops.conv_transpose(y, np.ones((3, 3, 4, 32)), 2).shape == (1, 53, 53, 4)
    assert ops.conv_transpose(y, np.ones((3, 3, 4, 32)), 2, "same").shape == (1, 52, 52, 4)
    assert ops.average_pool(x, 3, 2, "same").shape == (1, 14, 14, 1)


def test_operation_errors_name_the_argument():
    with pytest.raises(ValueError, match="inputs of shape \\(batch, 2 spatial axes, channels\\)"):
        ops.conv(np.ones((2, 5, 1)), np.ones((3, 3, 1, 2)))
    with pytest.raises(ValueError, match="padding must be one of"):
        ops.max_pool(np.ones((1, 4, 4, 1)), 2, padding="full")
    with pytest.raises(ValueError, match="must divide the input's"):
        ops.conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 2)))
