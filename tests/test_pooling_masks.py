r"""The global poolings of a masked sequence (after Embedding(mask_zero=True)): the average counts
the real steps only, the maximum reads every step, both as Keras 3 does."""
from __future__ import annotations

import os

import numpy as np
import pytest

import neurona as nr
from gradcheck import central_difference, relative_error
from neurona import layers
from neurona.autodiff import GradientTape, Variable
from neurona.layers.masking import mask_of, with_mask


def _masked_input(m=3, T=5, d=4):
    rng = np.random.default_rng(0)
    mask = np.ones((m, T), bool)
    mask[0, 3:], mask[1, 0], mask[2, :] = False, False, False     # padded at the end, at the start, all
    return rng.normal(size=(m, T, d)), mask, rng.normal(size=(m, d))


@pytest.mark.parametrize("pool", ["GlobalAveragePooling1D", "GlobalMaxPooling1D"])
def test_masked_global_pooling_passes_the_three_way_gradient_check(pool):
    x, mask, g = _masked_input()
    layer = getattr(layers, pool)()
    layer.build((None, *x.shape[1:]), dtype=np.float64)
    objective = lambda _: float(np.sum(g * layer.forward(with_mask(x, mask), training=True)))  # noqa: E731
    objective(None)
    dx = layer.backward(g.copy())
    assert relative_error(dx, central_difference(objective, x)) < 1e-7
    given = with_mask(Variable(x.copy()), mask)
    with GradientTape() as tape:
        total = (layer.tape_forward(given, [])[0] * g).sum()
    assert relative_error(dx, tape.gradient(total, given)) < 1e-12


def test_the_average_counts_the_real_steps_only():
    x, mask, _ = _masked_input()
    y = layers.GlobalAveragePooling1D().forward(with_mask(x, mask))
    np.testing.assert_allclose(y[0], x[0, :3].mean(axis=0))
    np.testing.assert_allclose(y[1], x[1, 1:].mean(axis=0))
    np.testing.assert_array_equal(y[2], 0)                      # no real step
    assert mask_of(y) is None


@pytest.mark.parametrize("pool", ["GlobalAveragePooling1D", "GlobalMaxPooling1D"])
def test_embedding_then_global_pooling_matches_keras(pool):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    ids = rng.integers(1, 20, size=(4, 7))
    ids[0, 4:], ids[1, :3], ids[3, 1:] = 0, 0, 0
    stack = lambda k: [k.layers.Embedding(20, 6, mask_zero=True), getattr(k.layers, pool)(),  # noqa: E731
                       k.layers.Dense(3, activation="softmax")]
    ours = nr.Sequential(stack(nr))
    ours.build((None, 7))
    weights = [rng.normal(0, 0.5, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs = keras.Sequential([keras.Input((7,), dtype="int32")] + stack(keras))
    theirs.set_weights(weights)
    y = rng.integers(0, 3, size=4)
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    np.testing.assert_allclose(ours.predict(ids, verbose=0), theirs.predict(ids, verbose=0), atol=1e-6)
    pooled = ours.layers[1].forward(ours.layers[0].forward(ids.astype("float32")))
    probe = keras.Model(theirs.inputs, theirs.layers[1].output)
    np.testing.assert_allclose(pooled, probe.predict(ids, verbose=0), atol=1e-6)
    ours_history = ours.fit(ids, y, epochs=3, batch_size=4, verbose=0).history["loss"]
    theirs_history = theirs.fit(ids, y, epochs=3, batch_size=4, verbose=0).history["loss"]
    np.testing.assert_allclose(ours_history, theirs_history, rtol=1e-5)
