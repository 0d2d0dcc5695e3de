r"""Weight constraints: each against Keras's on the same weights, and applied after every optimizer
step of fit (Dense's kernel_constraint/bias_constraint, a custom layer's add_weight(constraint=))."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona import constraints, layers

os.environ.setdefault("KERAS_BACKEND", "torch")

CASES = [("max_norm", {"max_value": 0.7}), ("max_norm", {"max_value": 1.5, "axis": 1}),
         ("min_max_norm", {"min_value": 0.5, "max_value": 0.8, "rate": 0.6}), ("non_neg", {}),
         ("unit_norm", {}), ("unit_norm", {"axis": 1})]


@pytest.mark.parametrize("name, arguments", CASES)
def test_constraint_matches_keras(name, arguments):
    keras = pytest.importorskip("keras")
    w = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    ours = constraints.get({"name": name, **arguments})(w)
    theirs = keras.ops.convert_to_numpy(keras.constraints.get({"class_name": name, "config": arguments})(w))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name, arguments", CASES)
def test_config_round_trip(name, arguments):
    c = constraints.get({"name": name, **arguments})
    assert constraints.deserialize(constraints.serialize(c)) == c


def test_max_norm_projects_only_long_columns():
    w = np.array([[3.0, 0.3], [4.0, 0.4]])          # column norms 5 and 0.5
    out = constraints.MaxNorm(1.0)(w)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [1.0, 0.5], rtol=1e-6)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="max_value"):
        constraints.MaxNorm(-1)
    with pytest.raises(ValueError, match="min_value <= max_value"):
        constraints.MinMaxNorm(2.0, 1.0)
    with pytest.raises(ValueError, match="Unknown constraint"):
        constraints.get("max_nrom")


def test_a_function_is_a_constraint():
    c = constraints.get(lambda w: np.clip(w, -0.1, 0.1))
    assert np.abs(c(np.array([1.0, -2.0]))).max() == pytest.approx(0.1)


def _weights(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(4, 5)).astype(np.float32), rng.normal(size=5).astype(np.float32) * 0.1,
            rng.normal(size=(5, 1)).astype(np.float32), np.zeros(1, np.float32)]


def test_fit_applies_constraints_after_each_step_as_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(40, 4)).astype(np.float32), rng.normal(size=(40, 1)).astype(np.float32)
    results = []
    for lib in (nr, keras):
        model = lib.Sequential([lib.Input((4,)),
                                lib.layers.Dense(5, activation="tanh", kernel_constraint=lib.constraints.MaxNorm(0.8),
                                                 bias_constraint=lib.constraints.NonNeg()),
                                lib.layers.Dense(1, kernel_constraint=lib.constraints.UnitNorm())])
        model.set_weights(_weights())
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        results.append(model.get_weights())
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-5, atol=1e-6)
    assert np.linalg.norm(results[0][0], axis=0).max() <= 0.8 + 1e-6
    assert results[0][1].min() >= 0


def test_custom_layer_weight_constraint():
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", constraint="non_neg")

        def call(self, x):
            return x * self.w

    model = nr.Sequential([nr.Input((3,)), Scale()])
    model.compile(optimizer=nr.optimizers.SGD(1.0), loss="mse")
    model.fit(np.ones((8, 3), np.float32), -np.ones((8, 3), np.float32), epochs=3, verbose=0)
    assert model.layers[0].w.min() == 0.0          # pushed below 0 by the step, put back by the constraint


def test_no_constraint_no_projection():
    model = nr.Sequential([nr.Input((4,)), layers.Dense(2)])
    model.compile("sgd", "mse")
    assert model._constrained == [] and model.layers[0].weight_constraints() == {}
