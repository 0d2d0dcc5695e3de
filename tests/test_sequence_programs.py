r"""Sequence programs run unchanged with ``import neurona as keras``: an IMDB-style Embedding +
GlobalAveragePooling1D classifier, an LSTM sequence model and a Bidirectional LSTM text classifier
on padded sequences, on synthetic data (no downloads). Each runs under neurona and then under
Keras 3 (torch backend) from neurona's initial weights, without shuffling, on the first samples for
two epochs (Keras's recurrent layers take seconds per batch here): the losses agree. Then neurona
trains on all of them to an accuracy."""
import functools
import numpy as np

import neurona

from test_keras_compat import real_keras, run_both        # noqa: F401  (the fixture)

RNG = np.random.default_rng(0)
VOCABULARY, LENGTH = 50, 12
TOKENS = RNG.integers(1, VOCABULARY, size=(320, LENGTH))
POSITIVE = (np.isin(TOKENS, np.arange(1, 12)).sum(axis=1) > np.isin(TOKENS, np.arange(12, 23)).sum(axis=1))
LABELS = POSITIVE.astype("float32")
LENGTHS = RNG.integers(3, LENGTH + 1, size=320)
PADDED = np.where(np.arange(LENGTH) < LENGTHS[:, None], TOKENS, 0)        # zeros after each text's end
PADDED_LABELS = (np.isin(PADDED, np.arange(1, 6)).sum(axis=1) > 0).astype("float32")
T = 10
START = RNG.uniform(0, 2 * np.pi, size=(240, 1))
WAVES = np.sin(START + 0.4 * np.arange(T + 1)).astype("float32")


def imdb_style_program(keras, initial, n=320, epochs=5):
    r"""keras.io's "text classification" shape: ids -> Embedding -> GlobalAveragePooling1D -> Dense."""
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(LENGTH,), dtype="int32"),
        layers.Embedding(VOCABULARY, 16),
        layers.GlobalAveragePooling1D(),
        layers.Dense(16, activation="tanh"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    start = model.get_weights()
    if initial is not None:
        model.set_weights(initial)
    history = model.fit(TOKENS[:n], LABELS[:n], batch_size=32, epochs=epochs, shuffle=False, verbose=0)
    loss, accuracy = model.evaluate(TOKENS[:n], LABELS[:n], verbose=0)
    return {"initial": start, "losses": history.history["loss"] + [loss], "accuracy": accuracy}


def lstm_sequence_program(keras, initial, n=240, epochs=6):
    r"""The next value of a wave from the last T values: LSTM(16) -> Dense(1), mean squared error."""
    layers = keras.layers
    model = keras.Sequential([keras.Input(shape=(T, 1)), layers.LSTM(16), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    start = model.get_weights()
    if initial is not None:
        model.set_weights(initial)
    x, y = WAVES[:n, :T, None], WAVES[:n, T]
    history = model.fit(x, y, batch_size=24, epochs=epochs, shuffle=False, verbose=0)
    return {"initial": start, "losses": history.history["loss"] + [model.evaluate(x, y, verbose=0)]}


def bidirectional_program(keras, initial, n=320, epochs=6):
    r"""Padded texts (0 after the end, masked) -> Embedding(mask_zero=True) -> Bidirectional(LSTM) -> Dense."""
    layers = keras.layers
    inputs = keras.Input(shape=(LENGTH,), dtype="int32")
    x = layers.Embedding(VOCABULARY, 8, mask_zero=True)(inputs)
    x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(8))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    start = model.get_weights()
    if initial is not None:
        model.set_weights(initial)
    history = model.fit(PADDED[:n], PADDED_LABELS[:n], batch_size=32, epochs=epochs, shuffle=False, verbose=0)
    loss, accuracy = model.evaluate(PADDED[:n], PADDED_LABELS[:n], verbose=0)
    return {"initial": start, "losses": history.history["loss"] + [loss], "accuracy": accuracy}


def short(program, n=64):
    return functools.partial(program, n=n, epochs=2)


# One step's gradients agree with Keras's to 1e-6 (test_recurrent.py, test_wrappers.py). Adam then moves
# every weight by about its learning rate whatever the size of its gradient, so the float32 rounding of
# the tiny ones moves the two runs apart by up to a few 1e-3 within these few steps.
RTOL = 5e-3


def test_imdb_style_embedding_classifier(real_keras):          # noqa: F811
    run_both(short(imdb_style_program), real_keras, rtol=RTOL)
    assert imdb_style_program(neurona, None)["accuracy"] > 0.9


def test_lstm_sequence_model(real_keras):                      # noqa: F811
    run_both(short(lstm_sequence_program, n=24), real_keras, rtol=RTOL)
    losses = lstm_sequence_program(neurona, None)["losses"]
    assert losses[-1] < 0.01 * losses[0]


def test_bidirectional_lstm_text_classifier(real_keras):       # noqa: F811
    run_both(short(bidirectional_program, n=16), real_keras, rtol=RTOL)     # Keras's masked LSTM: slow
    assert bidirectional_program(neurona, None)["accuracy"] > 0.85


def keras_io_bidirectional_program(keras, initial, n=320, epochs=4):
    r"""keras.io's "Bidirectional LSTM on IMDB", smaller: texts of any length (Input(shape=(None,)))."""
    layers = keras.layers
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(VOCABULARY, 16)(inputs)
    x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(8))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    start = model.get_weights()
    if initial is not None:
        model.set_weights(initial)
    history = model.fit(TOKENS[:n], LABELS[:n], batch_size=32, epochs=epochs, shuffle=False, verbose=0)
    loss, accuracy = model.evaluate(TOKENS[:n], LABELS[:n], verbose=0)
    return {"initial": start, "losses": history.history["loss"] + [loss], "accuracy": accuracy, "model": model}


def test_texts_of_any_length(real_keras):                     # noqa: F811
    run_both(short(keras_io_bidirectional_program, n=16), real_keras, rtol=RTOL)
    ours = keras_io_bidirectional_program(neurona, None, epochs=2)
    model = ours["model"]
    assert model.predict(TOKENS[:3, :5], verbose=0).shape == (3, 1)      # shorter texts than in training
