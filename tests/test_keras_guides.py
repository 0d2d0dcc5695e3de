r"""Programs in the style of the keras.io guides and TensorFlow tutorials (written for these tests),
run with ``import neurona as keras``: custom layers, Keras's dataset layout, Keras's small helpers."""
import gzip
import struct

import numpy as np
import pytest

import neurona as keras
from neurona import layers, ops


class CustomDense(layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units}


class ComputeSum(layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


def test_custom_layer_forward_is_its_call_and_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    inputs = keras.Input((3,))
    model = keras.Model(inputs, CustomDense(2)(layers.Dense(4, activation="tanh")(inputs)))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    custom = model.layers[-1]
    np.testing.assert_allclose(custom.w.shape, (4, 2))
    h = model.layers[-2](x)
    np.testing.assert_allclose(model.predict(x, verbose=0), h @ custom.w + custom.b, rtol=1e-5, atol=1e-6)

    def loss():
        return float(np.mean((model.predict(x, verbose=0).astype(np.float64) - y) ** 2))
    before = loss()
    start = model.get_weights()
    w0 = custom.w.copy()
    model.train_on_batch(x, y)                    # w <- w - 0.1 dJ/dw
    step = (w0 - custom.w) / 0.1                  # the gradient the layer's backward gave
    model.set_weights(start)
    eps = 1e-3
    for i, j in [(0, 0), (3, 1)]:                 # central differences at the starting weights
        custom.w[i, j] += eps
        up = loss()
        custom.w[i, j] -= 2 * eps
        down = loss()
        custom.w[i, j] += eps
        assert step[i, j] == pytest.approx((up - down) / (2 * eps), rel=1e-2, abs=1e-4)
    assert before > 0


def test_custom_layer_trains_and_its_config_round_trips_with_custom_objects():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 4))
    y = x @ rng.normal(size=(4, 3))
    inputs = keras.Input((4,))
    model = keras.Model(inputs, CustomDense(3)(inputs))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    clone = keras.Model.from_config(model.get_config(), custom_objects={"CustomDense": CustomDense})
    assert clone.layers[-1].units == 3 and isinstance(clone.layers[-1], CustomDense)
    with pytest.raises(ValueError, match="custom_objects"):
        keras.Model.from_config(model.get_config())


def test_non_trainable_weight_of_a_custom_layer_is_state_and_assign_add_accumulates():
    my_sum = ComputeSum(2)
    x = ops.ones((2, 2))
    np.testing.assert_array_equal(my_sum(x).numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(my_sum(x).numpy(), [4.0, 4.0])
    assert len(my_sum.weights) == 1 and len(my_sum.non_trainable_weights) == 1 and my_sum.trainable_weights == []


def _write_idx(path, array):
    header = b"\0\0\x08" + bytes([array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def test_datasets_load_data_in_keras_layout_from_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), "y_train": np.arange(5, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8), "y_test": np.arange(2, dtype=np.uint8)}
    (tmp_path / "datasets").mkdir()
    np.savez(tmp_path / "datasets" / "mnist.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    fashion = tmp_path / "datasets" / "fashion-mnist"
    fashion.mkdir()
    for split, (x, y) in {"train": (arrays["x_train"], arrays["y_train"]), "t10k": (arrays["x_test"], arrays["y_test"])}.items():
        _write_idx(fashion / f"{split}-images-idx3-ubyte.gz", x)
        _write_idx(fashion / f"{split}-labels-idx1-ubyte.gz", y)
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    assert x_train.dtype == np.uint8 and x_train.shape == (5, 28, 28) and y_train.dtype == np.uint8
    np.testing.assert_array_equal(x_test, arrays["x_test"])


def test_datasets_load_data_offline_without_files_says_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("NEURONA_DATA", str(tmp_path / "neurona"))
    monkeypatch.setenv("NEURONA_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="not in the cache"):
        keras.datasets.mnist.load_data()


def test_relu_layer_cap_slope_threshold_as_keras_defines_them():
    x = np.array([[-2.0, -0.5, 0.1, 0.3, 0.5, 2.0]])
    a = layers.ReLU(max_value=0.6, negative_slope=0.1, threshold=0.2)(x)
    np.testing.assert_allclose(a, [[-0.22, -0.07, -0.01, 0.3, 0.5, 0.6]], atol=1e-6)
    with pytest.raises(ValueError, match="threshold"):
        layers.ReLU(threshold=-1.0)


def test_model_losses_input_output_shape_and_gradient_tape_names():
    model = keras.Sequential([layers.Dense(3, input_shape=(4,), kernel_regularizer=keras.regularizers.l2(0.01)),
                              layers.Dense(1)])
    assert model.input_shape == (None, 4) and model.output_shape == (None, 1)
    kernel = model.layers[0].kernel
    assert model.losses == [pytest.approx(0.01 * float(np.sum(kernel.astype(np.float64) ** 2)), rel=1e-5)]
    assert keras.GradientTape is keras.autodiff.GradientTape and keras.Variable is keras.autodiff.Variable
    assert keras.layers.Input is keras.Input


def test_tensorboard_warns_and_plot_model_without_graphviz_raises_import_error(tmp_path, monkeypatch):
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match="TensorBoard"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0,
                  callbacks=[keras.callbacks.TensorBoard(log_dir=str(tmp_path / "logs"), histogram_freq=1)])
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(ImportError, match="install"):
        keras.utils.plot_model(model, str(tmp_path / "model.png"), show_shapes=True)


def test_register_keras_serializable_lets_load_model_find_a_custom_loss(tmp_path):
    @keras.saving.register_keras_serializable(package="my_package")
    def scaled_mse(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1) * 2.0

    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss=scaled_mse)
    x, y = np.random.default_rng(0).normal(size=(8, 2)), np.zeros((8, 1))
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(2 * np.mean(model.predict(x, verbose=0) ** 2), rel=1e-5)


def test_mixed_dtype_dataframe_fits_like_its_float_array():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [True, False, True, False]})
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    np.testing.assert_allclose(model.predict(frame, verbose=0), model.predict(frame.to_numpy(float), verbose=0))


def test_gradient_tape_loop_on_a_model_takes_the_same_step_as_fit():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(32, 5)).astype("float32"), rng.integers(0, 3, 32)

    def make():
        inputs = keras.Input(shape=(5,))
        hidden = layers.Dense(8, activation="relu")(inputs)
        model = keras.Model(inputs, layers.Dense(3)(hidden))
        model.set_weights([w for w in start])
        return model
    seed_model = keras.Sequential([layers.Dense(8, activation="relu", input_shape=(5,)), layers.Dense(3)])
    start = seed_model.get_weights()
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    looped = make()
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    with keras.GradientTape() as tape:
        logits = looped(x, training=True)
        loss_value = loss_fn(y, logits)
    grads = tape.gradient(loss_value, looped.trainable_weights)
    optimizer.apply_gradients(zip(grads, looped.trainable_weights))

    fitted = make()
    fitted.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=loss_fn)
    before = fitted.evaluate(x, y, verbose=0)
    fitted.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    assert float(loss_value) == pytest.approx(before, rel=1e-5)
    for a, b in zip(looped.get_weights(), fitted.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


class CountAbove(keras.metrics.Metric):
    def __init__(self, name="count_above", **kwargs):
        super().__init__(name=name, **kwargs)
        self.count = self.add_variable(shape=(), name="count", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.count.assign_add(ops.sum(ops.cast(y_pred > 0.5, "float32")))

    def result(self):
        return self.count


def test_metric_subclass_with_add_variable_counts_per_epoch_and_resets():
    metric = CountAbove()
    metric.update_state(None, np.array([0.2, 0.7, 0.9]))
    assert float(metric.result()) == 2.0
    metric.reset_state()                          # the default reset puts the variable back to 0
    assert float(metric.result()) == 0.0
    model = keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[CountAbove()])
    x = np.random.default_rng(0).normal(size=(20, 2))
    history = model.fit(x, np.ones((20, 1)), epochs=2, batch_size=20, shuffle=False, verbose=0)
    assert history.history["count_above"][0] <= 20            # reset at each epoch, not accumulated


def test_set_random_seed_makes_models_built_without_a_seed_reproducible():
    import neurona as keras

    def initial_weights():
        model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4), keras.layers.Dropout(0.5),
                                  keras.layers.Dense(1)])
        return model.get_weights()

    keras.utils.set_random_seed(7)
    first = initial_weights()
    keras.utils.set_random_seed(7)
    again = initial_weights()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(initial_weights()[0], first[0])     # the next model draws new weights
    seeded = keras.Sequential([keras.layers.Dense(4)], input_dim=3, seed=1).get_weights()[0]
    keras.utils.set_random_seed(7)
    np.testing.assert_array_equal(keras.Sequential([keras.layers.Dense(4)], input_dim=3, seed=1).get_weights()[0], seeded)


def regularized_dense(base):
    class RegularizedDense(base.layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                     regularizer=base.regularizers.l2(0.05))
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", regularizer="l1")

        def call(self, inputs):
            return base.ops.matmul(inputs, self.w) + self.b
    return RegularizedDense


def test_add_weight_regularizer_adds_its_penalty_and_gradient_as_in_keras():
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    real = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.normal(size=(64, 2)).astype("float32")
    theirs = real.Sequential([real.Input((4,)), regularized_dense(real)(2)])
    ours = keras.Sequential([keras.Input((4,)), regularized_dense(keras)(2)])
    for model, library in ((theirs, real), (ours, keras)):
        model.compile(optimizer=library.optimizers.SGD(learning_rate=0.1), loss="mse")
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    expected = theirs.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0).history["loss"]
    got = ours.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    penalty = 0.05 * float(np.sum(ours.layers[-1].w ** 2)) + 0.01 * float(np.sum(np.abs(ours.layers[-1].b)))
    assert ours.layers[-1].penalty(16) == pytest.approx(penalty, rel=1e-6)

