r"""Initializers as Keras 3 has them: the same distribution as Keras's on large draws (std, bounds),
the exact ones equal, the lower-case and function forms, ``seed``, and both calling conventions."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona import initializers

os.environ.setdefault("KERAS_BACKEND", "torch")

SHAPE = (300, 200)
CASES = [("TruncatedNormal", {"mean": 0.5, "stddev": 0.2}), ("VarianceScaling", {}),
         ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"}),
         ("VarianceScaling", {"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal"}),
         ("LecunNormal", {}), ("LecunUniform", {}), ("RandomNormal", {"stddev": 0.3}),
         ("RandomUniform", {"minval": -0.2, "maxval": 0.4}), ("GlorotUniform", {}), ("HeUniform", {}),
         ("Orthogonal", {"gain": 2.0})]


@pytest.mark.parametrize("name, arguments", CASES)
def test_distribution_matches_keras(name, arguments):
    keras = pytest.importorskip("keras")
    ours = getattr(initializers, name)(**arguments, seed=0)(shape=SHAPE)
    theirs = keras.ops.convert_to_numpy(getattr(keras.initializers, name)(**arguments, seed=0)(shape=SHAPE))
    assert ours.dtype == theirs.dtype == np.float32
    assert abs(ours.mean() - theirs.mean()) < 0.01 * max(1, abs(theirs.mean()) * 10)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.02)
    q = [0.001, 0.01, 0.5, 0.99, 0.999]                       # the same bounds (or tails); Keras's torch
    np.testing.assert_allclose(np.quantile(ours, q), np.quantile(theirs, q), atol=0.15 * theirs.std())  # cut may leak


@pytest.mark.parametrize("name, arguments", [("Identity", {"gain": 3.0}), ("Constant", {"value": 0.7}),
                                             ("Zeros", {}), ("Ones", {})])
def test_exact_ones_equal_keras(name, arguments):
    keras = pytest.importorskip("keras")
    for shape in [(3, 3), (4, 2)]:
        theirs = keras.ops.convert_to_numpy(getattr(keras.initializers, name)(**arguments)(shape=shape))
        np.testing.assert_array_equal(getattr(initializers, name)(**arguments)(shape=shape), theirs)


def test_orthogonal_columns_and_truncation():
    w = initializers.Orthogonal(seed=1)(shape=(6, 4))
    np.testing.assert_allclose(w.T @ w, np.eye(4), atol=1e-6)
    t = initializers.TruncatedNormal(stddev=1.0, seed=1)(shape=(10_000,))
    assert np.abs(t).max() <= 2.0


def test_seed_int_repeats_none_moves_on():
    a = initializers.lecun_normal(seed=5)
    np.testing.assert_array_equal(a(shape=(3, 3)), a(shape=(3, 3)))
    b = initializers.GlorotNormal()
    assert not np.array_equal(b(shape=(3, 3)), b(shape=(3, 3)))
    assert initializers.get({"name": "variance_scaling", "scale": 2.0, "seed": 1}).seed == 1


def test_lower_case_names_and_serialize():
    assert initializers.glorot_uniform is initializers.GlorotUniform
    init = initializers.VarianceScaling(2.0, "fan_avg", "uniform")
    assert initializers.deserialize(initializers.serialize(init)) == init
    assert initializers.get("lecun_uniform") == initializers.LecunUniform()


def test_keras_style_initializer_and_function_in_a_layer():
    class Diagonal(initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return np.eye(*shape, dtype=dtype) * 2

    def halves(shape, dtype=None):
        return np.full(shape, 0.5, dtype=dtype)

    model = nr.Sequential([nr.Input((3,)), nr.layers.Dense(3, kernel_initializer=Diagonal(), bias_initializer=halves)])
    np.testing.assert_array_equal(model.layers[0].kernel, 2 * np.eye(3))
    np.testing.assert_array_equal(model.layers[0].bias, [0.5] * 3)
    assert Diagonal()((2, 2), "float64").dtype == np.float64


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="gauss")
    with pytest.raises(ValueError, match="2-D"):
        initializers.Identity()(shape=(2, 2, 2))
