r"""Keras programs run unchanged: small programs in the style of the keras.io guides and the
TensorFlow tutorials, written against a module ``keras`` that is ``neurona`` (or Keras 3 itself).

Each program asserts its own results under neurona. Where Keras 3 is installed (torch backend),
the deterministic ones also run under Keras from the same initial weights (copied with
``set_weights``), without shuffling, and the losses after training must agree.
"""
import os

import numpy as np
import pytest

import neurona
from mnist_data import mnist_dir
RNG = np.random.default_rng(0)
X_TAB = RNG.normal(size=(240, 6)).astype("float32")
Y_BIN = (X_TAB[:, 0] + 0.5 * X_TAB[:, 1] - X_TAB[:, 2] > 0).astype("float32")
Y_CLS = (X_TAB[:, 0] > 0).astype(int) + (X_TAB[:, 1] > 0.3).astype(int)
Y_REG = (2 * X_TAB[:, 0] - X_TAB[:, 3] + 0.1 * RNG.normal(size=240)).astype("float32")


@pytest.fixture(scope="module")
def real_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def copy_weights(source, target):
    target.set_weights([np.asarray(w) for w in source.get_weights()])


def run_both(program, real_keras, rtol=2e-3):
    r"""The program under neurona, then under Keras from neurona's initial weights: same losses."""
    ours = program(neurona, None)
    theirs = program(real_keras, ours["initial"])
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=rtol, atol=1e-5)
    return ours, theirs


# -- "The Sequential model" ------------------------------------------------------------------
def sequential_program(keras, initial):
    keras.utils.set_random_seed(0)          # neurona's initial weights (Keras's are replaced by them)
    from_keras = keras.layers
    model = keras.Sequential([keras.Input(shape=(6,)), from_keras.Dense(16, activation="relu", name="hidden"),
                              from_keras.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = model.get_weights()
    if initial is not None:
        model.set_weights(initial)
    history = model.fit(X_TAB, Y_CLS, batch_size=32, epochs=5, shuffle=False, verbose=0)
    loss, accuracy = model.evaluate(X_TAB, Y_CLS, verbose=0)
    return {"initial": start, "losses": history.history["loss"] + [loss], "accuracy": accuracy, "model": model}


def test_sequential_guide(real_keras):
    ours, theirs = run_both(sequential_program, real_keras)
    model = ours["model"]
    assert ours["accuracy"] > 0.75
    assert [layer.name for layer in model.layers][0] == "hidden"
    assert model.get_layer("hidden").kernel.shape == (6, 16)
    assert len(model.weights) == 4 and len(model.trainable_weights) == 4
    features = neurona.Model(inputs=model.inputs, outputs=model.get_layer("hidden").output)
    assert features(X_TAB[:2]).shape == (2, 16)
    probabilities = model(X_TAB[:5])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_sequential_building_styles():
    keras, layers = neurona, neurona.layers
    model = keras.Sequential()
    model.add(layers.Dense(4, activation="relu", input_shape=(3,)))
    model.add(layers.Dense(2))
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    model.pop()
    assert len(model.layers) == 1
    deferred = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    assert not deferred.built and deferred.weights == []
    deferred.build((None, 5))
    assert deferred.layers[0].kernel.shape == (5, 4)
    layer = layers.Dense(3)
    assert layer.weights == []
    assert layer(np.ones((1, 4))).shape == (1, 3) and len(layer.weights) == 2
    inner = keras.Sequential([layers.Dense(4, activation="tanh"), layers.Dense(4)])
    outer = keras.Sequential([keras.Input(shape=(3,)), inner, layers.Dense(1)])
    outer.compile(optimizer="sgd", loss="mse")
    outer.fit(X_TAB[:, :3], Y_REG, epochs=2, verbose=0)
    assert len(outer.weights) == 6
    with pytest.raises(NotImplementedError, match="dense"):
        layers.ConvLSTM2D(32, 3)


# -- "The Functional API" --------------------------------------------------------------------
def functional_program(keras, initial):
    layers = keras.layers
    wide = keras.Input(shape=(4,), name="wide")
    deep = keras.Input(shape=(2,), name="deep")
    h = layers.Dense(8, activation="tanh")(deep)
    h = layers.Dense(8, activation="tanh")(h)
    merged = layers.concatenate([wide, h])
    skip = layers.Add()([layers.Dense(8)(merged), h])
    score = layers.Dense(1, activation="sigmoid", name="score")(skip)
    value = layers.Dense(1, name="value")(layers.Multiply()([skip, h]))
    model = keras.Model(inputs=[wide, deep], outputs=[score, value])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
                  loss=["binary_crossentropy", "mse"], loss_weights=[1.0, 0.5])
    start = model.get_weights()
    if initial is not None:
        model.set_weights(initial)
    history = model.fit([X_TAB[:, :4], X_TAB[:, 4:]], [Y_BIN, Y_REG], batch_size=24, epochs=4, shuffle=False,
                        verbose=0)
    result = model.evaluate([X_TAB[:, :4], X_TAB[:, 4:]], [Y_BIN, Y_REG], verbose=0)
    return {"initial": start, "losses": history.history["loss"] + [result[0]], "model": model,
            "keys": sorted(history.history)}


def test_functional_guide(real_keras):
    ours, theirs = run_both(functional_program, real_keras)
    assert ours["keys"] == ["loss", "score_loss", "value_loss"]
    assert ours["losses"][-1] < ours["losses"][0]
    model = ours["model"]
    scores, values = model.predict([X_TAB[:, :4], X_TAB[:, 4:]], verbose=0)
    assert scores.shape == values.shape == (240, 1)


def test_functional_models_nest_ensemble_and_save(tmp_path):
    keras, layers = neurona, neurona.layers

    def get_model():
        inputs = keras.Input(shape=(6,))
        return keras.Model(inputs, layers.Dense(1)(layers.Dense(4, activation="relu")(inputs)))

    members = [get_model() for _ in range(3)]
    inputs = keras.Input(shape=(6,))
    ensemble = keras.Model(inputs, layers.average([m(inputs) for m in members]))
    ensemble.compile(optimizer="adam", loss="mse", metrics=["mae"])
    ensemble.fit(X_TAB, Y_REG, epochs=3, verbose=0)
    expected = np.mean([m.predict(X_TAB, verbose=0) for m in members], axis=0)
    np.testing.assert_allclose(ensemble.predict(X_TAB, verbose=0), expected, rtol=1e-5, atol=1e-6)
    ensemble.save(tmp_path / "ensemble.keras")
    loaded = keras.models.load_model(tmp_path / "ensemble.keras")
    np.testing.assert_array_equal(loaded.predict(X_TAB), ensemble.predict(X_TAB))
    clone = keras.models.model_from_json(ensemble.to_json())
    clone.set_weights(ensemble.get_weights())
    np.testing.assert_array_equal(clone.predict(X_TAB), ensemble.predict(X_TAB))


# -- subclassing -----------------------------------------------------------------------------
def test_subclassed_model_is_traced_into_a_graph(tmp_path):
    keras, layers = neurona, neurona.layers
    from neurona.autodiff import ops

    class Classifier(keras.Model):
        def __init__(self, classes=3, **kwargs):
            super().__init__(**kwargs)
            self.hidden = layers.Dense(16, activation="relu")
            self.dropout = layers.Dropout(0.1)
            self.gate = layers.Dense(16, activation="sigmoid")
            self.head = layers.Dense(classes, activation="softmax")

        def call(self, inputs, training=False):
            h = self.hidden(inputs)
            h = self.dropout(h, training=training)
            return self.head(h * self.gate(inputs) + 0.1 * ops.tanh(h))

    model = Classifier(seed=0)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X_TAB, Y_CLS, epochs=20, batch_size=32, verbose=0)
    loss, accuracy = model.evaluate(X_TAB, Y_CLS, verbose=0)
    assert accuracy > 0.8
    assert sorted(type(layer).__name__ for layer in model.layers) == ["Add", "Dense", "Dense", "Dense", "Dropout",
                                                                        "Multiply", "Op", "Op"]
    model.save(tmp_path / "sub.keras")
    np.testing.assert_array_equal(keras.models.load_model(tmp_path / "sub.keras").predict(X_TAB),
                                  model.predict(X_TAB))


# -- "Training & evaluation with the built-in methods" ---------------------------------------
def weighting_program(keras, initial):
    keras.utils.set_random_seed(0)
    layers = keras.layers
    model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(8, activation="tanh"),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = model.get_weights()
    if initial is not None:
        model.set_weights(initial)
    weights = np.where(Y_CLS == 2, 3.0, 1.0)
    first = model.fit(X_TAB, Y_CLS, batch_size=40, epochs=2, shuffle=False, verbose=0,
                      class_weight={0: 1.0, 1: 0.5, 2: 2.0})
    second = model.fit(X_TAB, Y_CLS, sample_weight=weights, batch_size=40, epochs=2, shuffle=False, verbose=0,
                       validation_data=(X_TAB[:60], Y_CLS[:60]))
    weighted = model.evaluate(X_TAB, Y_CLS, sample_weight=weights, verbose=0)
    logs = model.train_on_batch(X_TAB[:32], Y_CLS[:32], return_dict=True)
    return {"initial": start, "model": model, "second": second.history,
            "losses": first.history["loss"] + second.history["loss"] + second.history["val_loss"]
            + [weighted[0], logs["loss"]]}


def test_training_and_evaluation_guide(real_keras):
    ours, _ = run_both(weighting_program, real_keras, rtol=1e-5)     # RMSprop in Keras's form: 1e-7 seen
    assert sorted(ours["second"]) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    model = ours["model"]
    loss = model.test_on_batch(X_TAB[:32], Y_CLS[:32])
    assert isinstance(loss, list) and len(loss) == 2
    assert model.predict_on_batch(X_TAB[:7]).shape == (7, 3)


def test_fit_loop_arguments_and_callback_hooks():
    keras, layers = neurona, neurona.layers
    seen = []

    class Recorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(("params", dict(self.params)))

        def on_batch_end(self, batch, logs=None):          # Keras' older name
            seen.append(("batch", sorted(logs)))

        def on_test_end(self, logs=None):
            seen.append(("test", sorted(logs)))

        def on_predict_batch_end(self, batch, logs=None):
            seen.append(("predict", logs["outputs"].shape))

    model = keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(6,))])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X_TAB, Y_BIN, epochs=4, batch_size=16, steps_per_epoch=3, validation_split=0.25,
                        validation_freq=2, validation_batch_size=100, initial_epoch=1, verbose=0,
                        callbacks=[Recorder()])
    assert history.epoch == [1, 2, 3, 4]
    assert seen[0] == ("params", {"verbose": 0, "epochs": 5, "steps": 3})
    assert sum(1 for kind, _ in seen if kind == "batch") == 12
    assert [kind for kind, _ in seen].count("test") == 2          # after epochs 2 and 4 (1-based)
    model.predict(X_TAB, batch_size=100, callbacks=[Recorder()])
    assert [s for kind, s in seen if kind == "predict"] == [(100, 1), (100, 1), (40, 1)]
    assert isinstance(model.evaluate(X_TAB, Y_BIN, verbose=0), list)
    assert set(model.evaluate(X_TAB, Y_BIN, verbose=0, return_dict=True)) == {"loss", "accuracy"}


# -- "Basic regression" (TensorFlow tutorial) ------------------------------------------------
def regression_program(keras, initial):
    keras.utils.set_random_seed(0)
    layers = keras.layers
    normalizer = layers.Normalization(axis=-1)
    normalizer.adapt(np.array(X_TAB * 3 + 1))
    model = keras.Sequential([normalizer, layers.Dense(16, activation="relu"), layers.Dense(16, activation="relu"),
                              layers.Dense(1)])
    model.compile(loss="mean_absolute_error", optimizer=keras.optimizers.Adam(0.01))
    model.build((None, 6))
    start = model.get_weights()
    if initial is not None:
        model.set_weights(initial)
    history = model.fit(X_TAB * 3 + 1, Y_REG, validation_split=0.2, epochs=4, batch_size=32, shuffle=False, verbose=0)
    test = model.evaluate(X_TAB * 3 + 1, Y_REG, verbose=0)
    return {"initial": start, "losses": history.history["loss"] + history.history["val_loss"] + [test],
            "normalizer": normalizer, "test": test, "prediction": model.predict(X_TAB[:5] * 3 + 1).flatten()}


def test_basic_regression_tutorial(real_keras):
    # the mean absolute error's gradient is a sign: float32 rounding grows into per-cent differences
    ours, _ = run_both(regression_program, real_keras, rtol=1e-2)
    assert isinstance(ours["test"], float) and ours["test"] < 0.7
    np.testing.assert_allclose(ours["normalizer"].mean, (X_TAB * 3 + 1).mean(axis=0), rtol=1e-5)
    assert ours["prediction"].shape == (5,)


# -- "Basic classification" (TensorFlow tutorial), on real MNIST -----------------------------
def test_basic_classification_tutorial_on_mnist():
    keras = neurona
    x_train, y_train, x_test, y_test = neurona.datasets.load_mnist(mnist_dir(), flatten=False)
    x_train, y_train, x_test, y_test = x_train[:3000], y_train[:3000], x_test[:1000], y_test[:1000]
    model = keras.Sequential([keras.layers.Flatten(input_shape=(28, 28)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dense(10)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=3, verbose=0)
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=2)
    assert test_acc > 0.85
    probability_model = keras.Sequential([model, keras.layers.Softmax()])
    predictions = probability_model.predict(x_test)
    assert predictions.shape == (1000, 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1, rtol=1e-5)
    assert np.mean(np.argmax(predictions, axis=1) == y_test) == pytest.approx(test_acc)


# -- "Overfit and underfit" (TensorFlow tutorial) --------------------------------------------
def test_overfit_and_underfit_tutorial():
    keras, layers = neurona, neurona.layers
    model = keras.Sequential([
        layers.Dense(32, activation="relu", input_shape=(6,), kernel_regularizer="l2"),
        layers.BatchNormalization(),
        layers.Dropout(0.3),
        layers.Dense(32, activation="relu", activity_regularizer={"name": "l2", "l2": 1e-4}),
        layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.005),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, start_from_epoch=3)
    history = model.fit(X_TAB, Y_BIN, validation_split=0.25, epochs=40, batch_size=32, verbose=0, callbacks=[stop])
    assert history.history["val_accuracy"][-1] > 0.8
    assert [w.shape for w in model.layers[1].non_trainable_weights] == [(32,), (32,)]
    summary = model.summary_text()
    assert "Non-trainable params: 64" in summary


# -- "Save and load models" (TensorFlow tutorial) and the saving guide -----------------------
def test_save_and_load_tutorial(tmp_path):
    keras = neurona

    def create_model():
        model = keras.Sequential([keras.layers.Dense(16, activation="relu", input_shape=(6,)),
                                  keras.layers.Dropout(0.2), keras.layers.Dense(3)])
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        return model

    checkpoint_path = str(tmp_path / "training_1" / "cp-{epoch:04d}.weights.h5")
    cp_callback = keras.callbacks.ModelCheckpoint(filepath=checkpoint_path, save_weights_only=True, verbose=0)
    model = create_model()
    model.fit(X_TAB, Y_CLS, epochs=4, validation_data=(X_TAB[:50], Y_CLS[:50]), callbacks=[cp_callback], verbose=0)
    assert sorted(os.listdir(tmp_path / "training_1")) == [f"cp-{e:04d}.weights.h5" for e in range(1, 5)]
    fresh = create_model()
    untrained_loss, _ = fresh.evaluate(X_TAB, Y_CLS, verbose=0)
    fresh.load_weights(checkpoint_path.format(epoch=4))
    loss, acc = fresh.evaluate(X_TAB, Y_CLS, verbose=0)
    assert (loss, acc) == tuple(model.evaluate(X_TAB, Y_CLS, verbose=0)) and loss != untrained_loss
    for mine, theirs in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    model.save(tmp_path / "my_model.keras")
    new_model = keras.models.load_model(tmp_path / "my_model.keras")
    np.testing.assert_array_equal(new_model.predict(X_TAB), model.predict(X_TAB))
    config = model.get_config()
    rebuilt = keras.Sequential.from_config(config)
    assert [type(layer) for layer in rebuilt.layers] == [type(layer) for layer in model.layers]
    layer = keras.layers.Dense(3, activation="relu")
    assert keras.layers.Dense.from_config(layer.get_config()).get_config() == layer.get_config()


def test_the_keras_namespace():
    keras = neurona
    for name in ("Input", "Model", "Sequential", "layers", "models", "callbacks", "losses", "metrics", "optimizers",
                 "regularizers", "initializers", "activations"):
        assert hasattr(keras, name), name
    for name in ("Sequential", "Model", "load_model", "clone_model", "model_from_json"):
        assert callable(getattr(keras.models, name))
    with pytest.raises(NotImplementedError, match="dense, convolutional and recurrent networks"):
        keras.layers.ConvLSTM1D(4, 3)
    with pytest.raises(NotImplementedError, match="Did you mean 'Dense'"):
        keras.layers.Dence(4)


def test_a_missing_keras_layer_is_named_in_a_short_reason():
    for name, expected in (("ConvLSTM2D", "not part of neurona"), ("Densee", "Did you mean 'Dense'")):
        with pytest.raises(NotImplementedError, match=expected) as error:
            getattr(neurona.layers, name)
        assert len(str(error.value)) < 400, str(error.value)
    for name in ("Conv2D", "LSTM", "Embedding", "Lambda", "Rescaling"):        # built now, no longer excused
        assert getattr(neurona.layers, name) is not None
