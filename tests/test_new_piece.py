r"""Adding a piece touches its module and its test: a layer and a loss defined and registered here, and
nowhere else, train, pass the three-way gradient check, save and load, and show in summary and explain."""
from __future__ import annotations

import numpy as np
import pytest

import neurona as nr
from neurona import ops
from neurona.gradcheck import check_gradients
from neurona.layers import Dense, Layer
from neurona.losses import Loss


class ScaledTanh(Layer):
    r"""y = s tanh(x), one learned scale s per feature;  dL/dx = g s (1 - tanh^2 x),  dL/ds = sum_n g tanh x."""

    def setup(self, input_shape, rng, dtype):
        self.add_param("scale", np.ones(input_shape[-1:], dtype=dtype))
        return input_shape

    def forward(self, x, training=False):
        self._t = np.tanh(x)
        return self.scale * self._t

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        self.grads[0][...] = (grad * self._t).sum(axis=0)
        return grad * self.scale * (1.0 - self._t ** 2) if need_input_grad else None

    def call(self, inputs):
        return ops.multiply(self.scale, ops.tanh(inputs))


class PseudoHuber(Loss):
    r"""l_n = mean_i (sqrt(1 + d^2) - 1), d = y_hat - y;  dJ/dy_hat = d / sqrt(1 + d^2) / (N k)."""

    def values(self, y_true, y_pred):
        d = np.asarray(y_pred) - np.asarray(y_true).reshape(np.shape(y_pred))
        return np.mean(np.sqrt(1.0 + d * d) - 1.0, axis=-1)

    def _mean_gradient(self, y_true, y_pred):
        d = np.asarray(y_pred) - np.asarray(y_true).reshape(np.shape(y_pred))
        return d / np.sqrt(1.0 + d * d) / d.size

    def call(self, y_true, y_pred):
        d = y_pred - y_true
        return ops.mean(ops.sqrt(1.0 + d * d) - 1.0, axis=-1)


@pytest.fixture(autouse=True, scope="module")
def registered():
    r"""The two pieces are known by name while this module's tests run, and forgotten after (the tests that walk
    the registries must not meet them)."""
    nr.layers.register("scaled_tanh_of_the_test")(ScaledTanh)
    nr.losses.register("pseudo_huber_of_the_test")(PseudoHuber)
    yield
    nr.layers.registry.unregister(ScaledTanh)
    nr.losses.registry.unregister(PseudoHuber)


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    y = np.sin(x[:, :1]) + 0.5 * x[:, 1:2]
    return x, y


def model(dtype="float32"):
    m = nr.Sequential([Dense(5), ScaledTanh(), Dense(1)], input_dim=3, seed=0, dtype=dtype)
    m.compile(optimizer=nr.optimizers.Adam(0.05), loss=PseudoHuber())
    return m


def test_the_new_loss_is_a_hand_written_loss_with_a_tape_form():
    assert not PseudoHuber.uses_tape
    assert nr.losses.get("pseudo_huber_of_the_test").name == "pseudo_huber_of_the_test"


def test_a_model_with_the_new_pieces_trains():
    x, y = data()
    history = model().fit(x, y, epochs=30, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < 0.3 * history[0]


def test_the_new_pieces_pass_the_three_way_gradient_check():
    x, y = data()
    report = check_gradients(model("float64"), x[:8], y[:8], print_fn=None)
    assert report.passed, str(report)
    scale = [row for row in report.rows if row.shape == (5,) and row.autodiff is not None]
    assert scale and all(row.error_autodiff_numerical < 1e-6 for row in report.rows)


def test_a_wrong_backward_of_the_new_layer_is_caught(monkeypatch):
    x, y = data()
    monkeypatch.setattr(ScaledTanh, "backward", lambda self, grad, pre_activation=False, need_input_grad=True:
                        (self.grads[0].__setitem__(Ellipsis, 0.0), grad * self.scale)[1])
    report = check_gradients(model("float64"), x[:8], y[:8], print_fn=None)
    assert not report.passed


def test_the_new_pieces_save_and_load(tmp_path):
    x, y = data()
    m = model()
    m.fit(x, y, epochs=2, batch_size=16, verbose=0)
    m.save(tmp_path / "m.safetensors")
    loaded = nr.load_model(tmp_path / "m.safetensors")
    assert type(loaded.layers[1]) is ScaledTanh and type(loaded.loss) is PseudoHuber
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), m.predict(x, verbose=0))


def test_the_new_layer_shows_in_summary_and_explain():
    x, y = data()
    m = model("float64")
    lines = []
    m.summary(print_fn=lines.append)
    assert any("ScaledTanh" in line for line in lines)
    result = m.explain(x[:4], y[:4], print_fn=lines.append)
    record = result["layers"][1]
    np.testing.assert_allclose(record["a"], m.layers[1].scale * np.tanh(record["a_prev"]))
    assert "dL/dscale" in record or "dL/ds" in record
    printed = "\n".join(lines)
    assert "a[2]" in printed and "dL/da[1]" in printed
