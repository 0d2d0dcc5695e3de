r"""The tuner chooses a convolutional network's filters and kernel sizes, as keras.io's Keras Tuner guides do."""
from __future__ import annotations

import numpy as np

import neurona as keras
from neurona import tune


def images(n=96, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0.0, 0.3, size=(n, 8, 8, 1)).astype(np.float32)
    x[y == 1, 2:6, 2:6, 0] += 1.0                      # class 1: a bright square in the middle
    return x, y


def build_model(hp):
    model = keras.Sequential([keras.Input((8, 8, 1))])
    for i in range(hp.Int("blocks", 1, 2)):
        model.add(keras.layers.Conv2D(hp.Choice(f"filters_{i}", [4, 8]), hp.Choice(f"kernel_{i}", [3, 5]),
                                      padding="same", activation="relu"))
    model.add(keras.layers.GlobalAveragePooling2D())
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=keras.optimizers.Adam(hp.Float("learning_rate", 1e-3, 1e-1, sampling="log")),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_the_search_chooses_filters_and_kernel_sizes(tmp_path):
    x, y = images()
    tuner = tune.RandomSearch(build_model, objective="val_accuracy", max_trials=4, seed=3, directory=tmp_path,
                              project_name="conv")
    tuner.search(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)
    trials = tuner.oracle.get_best_trials(4)
    assert len(trials) == 4
    chosen = {(t.hyperparameters.get("filters_0"), t.hyperparameters.get("kernel_0")) for t in trials}
    assert len(chosen) > 1 and all(f in (4, 8) and k in (3, 5) for f, k in chosen)
    best = tuner.get_best_models(1)[0]
    conv = best.layers[0]
    assert conv.filters == trials[0].hyperparameters.get("filters_0")
    assert conv.kernel_size == (trials[0].hyperparameters.get("kernel_0"),) * 2
    assert best.evaluate(x, y, verbose=0)[1] >= 0.5
