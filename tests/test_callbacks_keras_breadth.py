r"""Keras's ProgbarLogger (the progress log as a callback, drawn as the pass's verbose says, replacing
fit's own) and SwapEMAWeights (the optimizer's moving averages in the model for evaluation, or from
each epoch's end), compared with Keras 3 (torch backend) where they change numbers."""
import os

import numpy as np
import pytest

import neurona as nr

rng = np.random.default_rng(0)
X, Y = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")


def small_model(lib, **optimizer_arguments):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, activation="tanh"), lib.layers.Dense(1)])
    model.set_weights([w.astype("float32") for w in (np.full((3, 4), 0.3), np.zeros(4), np.full((4, 1), -0.2),
                                                     np.zeros(1))])
    model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1, **optimizer_arguments), loss="mse")
    return model


@pytest.mark.parametrize("verbose, lines", [(0, 0), (1, 2), (2, 2)])
def test_progbar_logger_draws_as_verbose_says_and_replaces_the_default(capsys, verbose, lines):
    model = small_model(nr)
    capsys.readouterr()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=verbose, callbacks=[nr.callbacks.ProgbarLogger()])
    out = capsys.readouterr().out
    assert out.count("Epoch 1/2") == (1 if lines else 0)
    assert out.count("4/4") == lines


def test_progbar_logger_draws_evaluate(capsys):
    model = small_model(nr)
    capsys.readouterr()
    model.evaluate(X, Y, batch_size=8, verbose=0, callbacks=[nr.callbacks.ProgbarLogger()])
    assert capsys.readouterr().out == ""
