r"""``evaluate``, ``test_on_batch`` and fit's ``val_loss`` report the loss with the penalties
(kernel, bias and activity regularizers, ``add_loss`` terms), as Keras 3's test step adds
``model.losses`` to the compiled loss; compared with Keras on the same weights, batch by batch
(the last batch smaller: each batch's penalty weighs by its size, as Keras's loss tracker)."""
import os

import numpy as np
import pytest

import neurona as nr

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 4)).astype("float32")
Y = RNG.normal(size=(20, 2)).astype("float32")


def regularized(lib):
    return lib.Sequential([
        lib.Input(shape=(4,)),
        lib.layers.Dense(3, activation="tanh", kernel_regularizer=lib.regularizers.L2(0.1),
                         bias_regularizer=lib.regularizers.L1(0.2), bias_initializer="ones",
                         activity_regularizer=lib.regularizers.L1(0.05)),
        lib.layers.ActivityRegularization(l2=0.03),
        lib.layers.Dense(2, kernel_regularizer=lib.regularizers.L1L2(0.01, 0.02))])


def with_add_loss(lib):
    class Squares(lib.layers.Layer):
        def call(self, inputs):
            self.add_loss(0.01 * lib.ops.sum(lib.ops.square(inputs)))
            return inputs

    inputs = lib.Input(shape=(4,))
    hidden = Squares()(lib.layers.Dense(3, activation="relu")(inputs))
    return lib.Model(inputs, lib.layers.Dense(2)(hidden))


def pair(build):
    theirs, ours = build(keras), build(nr)
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"])
    ours.compile(optimizer=nr.optimizers.SGD(0.01), loss="mse", metrics=["mae"])
    return theirs, ours


@pytest.mark.parametrize("build", [regularized, with_add_loss])
def test_evaluate_adds_the_penalties_as_keras(build):
    theirs, ours = pair(build)
    for batch_size in (8, 20):
        want = theirs.evaluate(X, Y, batch_size=batch_size, verbose=0, return_dict=True)
        got = ours.evaluate(X, Y, batch_size=batch_size, verbose=0, return_dict=True)
        assert got["loss"] == pytest.approx(want["loss"], rel=1e-5)
        assert got["mae"] == pytest.approx(want["mae"], rel=1e-5)
    data_loss = float(np.mean((ours.predict(X, verbose=0) - Y) ** 2))
    assert got["loss"] > data_loss + 1e-3          # the penalties are really there
    assert ours.test_on_batch(X, Y)[0] == pytest.approx(theirs.test_on_batch(X, Y)[0], rel=1e-5)


def test_val_loss_adds_the_penalties_as_keras():
    theirs, ours = pair(regularized)
    want = theirs.fit(X, Y, validation_data=(X[:12], Y[:12]), epochs=1, batch_size=8, shuffle=False, verbose=0).history
    got = ours.fit(X, Y, validation_data=(X[:12], Y[:12]), epochs=1, batch_size=8, shuffle=False, verbose=0).history
    assert got["val_loss"][0] == pytest.approx(want["val_loss"][0], rel=1e-5)
    assert got["loss"][0] == pytest.approx(want["loss"][0], rel=1e-5)


def test_evaluate_of_a_batch_generator_adds_the_penalties():
    theirs, ours = pair(regularized)
    batches = [(X[i:i + 8], Y[i:i + 8]) for i in range(0, 20, 8)]
    want = theirs.evaluate(X, Y, batch_size=8, verbose=0)[0]
    assert ours.evaluate(iter(batches), verbose=0)[0] == pytest.approx(want, rel=1e-5)
