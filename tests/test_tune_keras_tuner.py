r"""Keras Tuner's getting-started guide, its MNIST / dense parts, with only the imports changed
(``import neurona as keras``, ``from neurona import tune as keras_tuner``), on a subset of the
real MNIST: the guide's keras.datasets.mnist.load_data() (a download) is neurona's IDX loader on
the local files; the rest of its data preparation is as written. The HyperModel
and Hyperband parts run on the bundled 8x8 digits (as images), to stay quick."""
import pathlib
import re

import numpy as np
import pytest

import neurona as keras
from neurona import layers
from neurona import tune as keras_tuner
from mnist_data import mnist_dir


@pytest.fixture(scope="module")
def mnist():
    # (x, y), (x_test, y_test) = keras.datasets.mnist.load_data(), on the local files and a subset
    x, y, _, _ = keras.datasets.load_mnist(mnist_dir(), flatten=False, scale=False, download=False, progress=False)
    x, y = x[:900], y[:900]
    x_train = x[:-300]
    x_val = x[-300:]
    y_train = y[:-300]
    y_val = y[-300:]
    x_train = np.expand_dims(x_train, -1).astype("float32") / 255.0
    x_val = np.expand_dims(x_val, -1).astype("float32") / 255.0
    num_classes = 10
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_val = keras.utils.to_categorical(y_val, num_classes)
    return x_train, y_train, x_val, y_val


@pytest.fixture(scope="module")
def digits():
    x, y = keras.datasets.load_digits()
    x = (x / 16.0).astype("float32").reshape(-1, 8, 8, 1)[:600]
    y = keras.data.one_hot(y[:600], 10)
    return x[:400], y[:400], x[400:], y[400:]


def build_model(hp):
    model = keras.Sequential()
    model.add(layers.Flatten())
    model.add(
        layers.Dense(
            # Tune number of units.
            units=hp.Int("units", min_value=32, max_value=64, step=32),
            # Tune the activation function to use.
            activation=hp.Choice("activation", ["relu", "tanh"]),
        )
    )
    # Tune whether to use dropout.
    if hp.Boolean("dropout"):
        model.add(layers.Dropout(rate=0.25))
    model.add(layers.Dense(10, activation="softmax"))
    # Define the optimizer learning rate as a hyperparameter.
    learning_rate = hp.Float("lr", min_value=1e-4, max_value=1e-2, sampling="log")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def test_getting_started(mnist, tmp_path, capsys):
    x_train, y_train, x_val, y_val = mnist
    build_model(keras_tuner.HyperParameters())

    tuner = keras_tuner.RandomSearch(
        hypermodel=build_model,
        objective="val_accuracy",
        max_trials=3,
        executions_per_trial=2,
        overwrite=True,
        directory=str(tmp_path / "my_dir"),
        project_name="helloworld",
    )
    tuner.search_space_summary()
    tuner.search(x_train, y_train, epochs=2, validation_data=(x_val, y_val))

    models = tuner.get_best_models(num_models=2)
    best_model = models[0]
    best_model.summary()
    tuner.results_summary()

    out = capsys.readouterr().out
    assert "Search space summary" in out and "Default search space size: 4" in out
    assert "Results summary" in out and "Showing 3 best trials" in out
    assert len(models) == 2 and best_model.predict(x_val[:4]).shape == (4, 10)
    trials = tuner.oracle.get_best_trials(3)
    assert len(trials) == 3 and trials[0].score > 0.25          # unseeded: even lr = 1e-4 for 2 epochs is far above chance (0.1)
    accuracy = np.mean(best_model.predict(x_val).argmax(1) == y_val.argmax(1))
    assert trials[0].score - 0.05 <= accuracy <= max(t.score for t in trials) + 0.05    # the best execution, at its best epoch

    # Get the top 2 hyperparameters.
    best_hps = tuner.get_best_hyperparameters(5)
    # Build the model with the best hp.
    model = build_model(best_hps[0])
    # Fit with the entire dataset.
    x_all = np.concatenate((x_train, x_val))
    y_all = np.concatenate((y_train, y_val))
    model.fit(x=x_all, y=y_all, epochs=1, verbose=0)
    assert model.predict(x_val[:2]).shape == (2, 10)


class MyHyperModel(keras_tuner.HyperModel):
    def build(self, hp):
        return build_model(hp)

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(
            *args,
            # Tune whether to shuffle the data in each epoch.
            shuffle=hp.Boolean("shuffle"),
            **kwargs,
        )


def test_hypermodel_fit_and_other_tuners(digits, tmp_path):
    x_train, y_train, x_val, y_val = digits
    hp = keras_tuner.HyperParameters()
    hypermodel = MyHyperModel()
    model = hypermodel.build(hp)
    hypermodel.fit(hp, model, x_train[:100], y_train[:100], epochs=1, verbose=0)

    tuner = keras_tuner.Hyperband(
        MyHyperModel(),
        objective=keras_tuner.Objective("val_loss", direction="min"),
        max_epochs=3,
        factor=3,
        overwrite=True,
        directory=str(tmp_path / "my_dir"),
        project_name="hyperband",
    )
    tuner.search(x_train, y_train, validation_data=(x_val, y_val),
                 callbacks=[keras.callbacks.EarlyStopping("val_loss", patience=1)], verbose=0)
    assert len(tuner.oracle.trials) == 3 + 1 + 2     # max_epochs=3, factor=3: bracket 1 (3 trials, 1 promoted), bracket 0 (2)
    assert "shuffle" in tuner.get_best_hyperparameters()[0].values
    best = tuner.get_best_models()[0]
    assert best.predict(x_val[:3]).shape == (3, 10)


def test_the_mnist_tests_find_the_files_through_one_helper():
    r"""Only tests/mnist_data.py knows where MNIST lies: a path of its own in a test file (as
    ``parents[3] / "shared"``) misses a checkout placed elsewhere and skips under CI=true."""
    here = pathlib.Path(__file__).resolve().parent
    own_path = re.compile(r'/\s*"shared"\s*/\s*"data"\s*/\s*"mnist"')
    own = [path.name for path in sorted(here.glob("*.py"))
           if path.name not in ("mnist_data.py", pathlib.Path(__file__).name) and own_path.search(path.read_text())]
    assert own == [], f"these tests look for the shared data themselves, not through mnist_data: {own}"

