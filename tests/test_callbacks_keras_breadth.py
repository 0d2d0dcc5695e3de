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


def run(lib, callbacks=(), epochs=3, **optimizer_arguments):
    model = small_model(lib, **optimizer_arguments)
    history = model.fit(X, Y, epochs=epochs, batch_size=8, shuffle=False, verbose=0, validation_data=(X[:8], Y[:8]),
                        callbacks=list(callbacks))
    return model, history.history


@pytest.mark.parametrize("case", ["ema", "overwrite", "swap", "swap_on_epoch"])
def test_moving_averages_and_swap_ema_weights_match_keras(case):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    arguments = {"use_ema": True, "ema_momentum": 0.75}
    if case == "overwrite":
        arguments["ema_overwrite_frequency"] = 3
    results = []
    for lib in (nr, keras):
        callbacks = {"swap": [lib.callbacks.SwapEMAWeights()],
                     "swap_on_epoch": [lib.callbacks.SwapEMAWeights(swap_on_epoch=True)]}.get(case, [])
        model, history = run(lib, callbacks, **arguments)
        evaluated = model.evaluate(X, Y, batch_size=8, verbose=0, callbacks=callbacks)
        results.append(([np.asarray(w) for w in model.get_weights()], history, evaluated))
    (ours, our_history, our_eval), (theirs, their_history, their_eval) = results
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(our_history[key], their_history[key], rtol=1e-5)
    np.testing.assert_allclose(our_eval, their_eval, rtol=1e-5)


def test_averages_differ_from_the_trained_weights_and_swap_back():
    model, _ = run(nr, use_ema=True, ema_momentum=0.9, epochs=1)
    plain, _ = run(nr, epochs=1)
    assert not np.allclose(model.get_weights()[0], plain.get_weights()[0])    # fit ends on the averages
    before = [w.copy() for w in model.get_weights()]
    model.evaluate(X, Y, verbose=0, callbacks=[nr.callbacks.SwapEMAWeights()])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_swap_ema_weights_needs_use_ema():
    model = small_model(nr)
    with pytest.raises(ValueError, match="use_ema=True"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[nr.callbacks.SwapEMAWeights()])
    with pytest.raises(ValueError, match="ema_momentum"):
        nr.optimizers.SGD(use_ema=True, ema_momentum=1.5)
