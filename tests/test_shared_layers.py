r"""A layer (or a model) called at several nodes of a functional graph: each call's backward uses
that call's own forward record, and the weight gradients add up over the calls."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona.gradcheck import check_gradients

RNG = np.random.default_rng(0)
XA = RNG.normal(size=(64, 6)).astype("float32")
XB = RNG.normal(size=(64, 6)).astype("float32")
Y = (np.sum(XA * XB, axis=1, keepdims=True) > 0).astype("float32")


def reused_twice_in_a_chain():
    r"""out = Dense(1)(d(x) + d(d(x))): the same Dense at two depths of one path."""
    x = nr.Input((5,))
    d = nr.layers.Dense(5, activation="tanh")
    h = d(x)
    final = nr.layers.Dense(1)
    model = nr.Model(x, final(nr.layers.Add()([h, d(h)])))
    model.compile(optimizer="sgd", loss="mse")
    return model, d, final


def test_a_layer_used_twice_passes_the_gradient_check():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(8, 5)), rng.normal(size=(8, 1))
    report = check_gradients(reused_twice_in_a_chain()[0], x, y)
    assert report.passed, report


def test_the_weight_gradient_is_the_sum_over_the_calls():
    model, d, final = reused_twice_in_a_chain()
    x, y = np.random.default_rng(2).normal(size=(16, 5)).astype("float32"), np.zeros((16, 1), "float32")
    kernel, w = d.kernel.copy(), final.kernel.copy()
    model.set_weights([kernel, np.zeros(5, "float32"), w, np.zeros(1, "float32")])
    model.flat_parameters.gradients[...] = 0
    out = model._forward_all([x], training=True)[0]
    model.loss_backward(y, out)
    # by hand: L = mean(((h + h2) w)^2), h = tanh(x K), h2 = tanh(h K): the same K at both calls
    h = np.tanh(x.astype(np.float64) @ kernel)
    h2 = np.tanh(h @ kernel)
    g_sum = (2 * (h + h2) @ w / len(x)) @ w.T                      # dL/d(h + h2)
    delta2 = g_sum * (1 - h2 ** 2)                                 # second call
    delta1 = (g_sum + delta2 @ kernel.T) * (1 - h ** 2)            # first call
    expected = x.T @ delta1 + h.T @ delta2
    np.testing.assert_allclose(d.grads[0], expected, rtol=1e-4, atol=1e-6)


def siamese(library, initial=None):
    a, b = library.Input((6,)), library.Input((6,))
    shared = library.layers.Dense(8, activation="tanh")
    encoder = library.Sequential([library.Input((8,)), library.layers.Dense(4, activation="relu")])
    left, right = encoder(shared(a)), encoder(shared(b))
    model = library.Model([a, b], library.layers.Dense(1, activation="sigmoid")(
        library.layers.Concatenate()([left, right])))
    model.compile(optimizer=library.optimizers.Adam(0.01), loss="binary_crossentropy")
    if initial is not None:
        model.set_weights(initial)
    first = [np.asarray(w).copy() for w in model.get_weights()]
    losses = model.fit([XA, XB], Y, epochs=5, batch_size=16, shuffle=False, verbose=0).history["loss"]
    return model, first, losses


def test_a_shared_layer_and_a_shared_model_train_as_in_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    ours, initial, our_losses = siamese(nr)
    assert len(ours.get_weights()) == 6                       # each shared layer's weights once
    _, _, their_losses = siamese(keras, initial)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-4)


def test_a_model_with_shared_layers_saves_and_rebuilds_with_one_layer_per_call_site(tmp_path):
    model, _, _ = siamese(nr)
    path = tmp_path / "siamese.neurona"
    model.save(path)
    back = nr.load_model(path)
    np.testing.assert_array_equal(back.predict([XA, XB], verbose=0), model.predict([XA, XB], verbose=0))
    assert len(back.layers) == len(model.layers)
    clone = nr.Model.from_config(model.get_config())
    assert len(clone.get_weights()) == 6
    history = back.fit([XA, XB], Y, epochs=1, batch_size=16, verbose=0).history["loss"]
    assert np.isfinite(history[0])
