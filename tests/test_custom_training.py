r"""Custom training as Keras 3 writes it: ``train_step(data)`` / ``test_step`` / ``predict_step``
overrides, ``compute_loss``, ``compute_metrics``, ``self.metrics``, ``add_loss``, ``Metric.add_weight``
and training loops from scratch on ``GradientTape``. The programs are the keras.io guides'
("Customizing what happens in fit()", "Writing a training loop from scratch", the VAE), their
TensorFlow form with the import changed; each is compared with the same guide's PyTorch form run by
Keras 3 (torch backend) from the same initial weights."""
import os

import numpy as np
import pytest

import neurona as keras
from neurona import layers, ops


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras"), pytest.importorskip("torch")


def _data(n=96, d=8, k=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ rng.normal(size=(d, k)) + 0.1 * rng.normal(size=(n, k))).astype("float32")
    return x, y


# -- "Customizing what happens in fit()" (neurona: the TensorFlow form, the import changed) -------
class CustomModel(keras.Model):
    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _keras_custom_model(keras_module, torch):
    class KerasCustomModel(keras_module.Model):        # the guide's PyTorch form
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}
    return KerasCustomModel


def _twin(build, k, keras_model_class=None):
    r"""The same architecture in neurona and in Keras, Keras given neurona's initial weights."""
    model = build(keras, CustomModel if keras_model_class is None else keras_model_class[0])
    reference = build(k, keras_model_class[1] if keras_model_class else k.Model)
    reference.set_weights(model.get_weights())
    return model, reference


def _dense_net(lib, cls, d=8, k=1):
    if lib is keras:
        keras.utils.set_random_seed(0)          # the same initial weights every run
    inputs = lib.Input(shape=(d,))
    h = lib.layers.Dense(16, activation="tanh")(inputs)
    return cls(inputs, lib.layers.Dense(k)(h))


def test_guide_train_step_matches_keras_losses_metrics_and_weights():
    k, torch = _keras()
    x, y = _data()
    model = _dense_net(keras, CustomModel)
    reference = _dense_net(k, _keras_custom_model(k, torch))
    reference.set_weights(model.get_weights())
    for m in (model, reference):
        m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    expected = reference.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    assert set(history.history) == set(expected.history) == {"loss", "mae"}
    for key in ("loss", "mae"):
        np.testing.assert_allclose(history.history[key], expected.history[key], rtol=1e-5, atol=1e-6)
    for mine, theirs in zip(model.get_weights(), reference.get_weights()):    # Adam: 1e-5 near zero
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-5)
    mine, theirs = model.evaluate(x, y, verbose=0), reference.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(mine, theirs, rtol=1e-5)


class LowerLevelModel(keras.Model):
    r"""The guide's "going lower-level": no loss in compile, the model's own trackers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


def test_guide_lower_level_train_step_without_a_compiled_loss_resets_its_metrics_each_epoch():
    k, torch = _keras()

    class KerasLowerLevel(k.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = k.metrics.Mean(name="loss")
            self.mae_metric = k.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = k.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in trainable_weights], trainable_weights)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    x, y = _data(seed=1)
    model, reference = _dense_net(keras, LowerLevelModel), _dense_net(k, KerasLowerLevel)
    reference.set_weights(model.get_weights())
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    reference.compile(optimizer=k.optimizers.SGD(0.05))
    history = model.fit(x, y, epochs=3, batch_size=32, shuffle=False, verbose=0)
    expected = reference.fit(x, y, epochs=3, batch_size=32, shuffle=False, verbose=0)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(history.history[key], expected.history[key], rtol=1e-5)
    for mine, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


class WeightedModel(keras.Model):
    r"""The guide's sample_weight and custom test_step."""

    def train_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_guide_sample_weight_and_test_step_match_keras():
    k, torch = _keras()

    class KerasWeighted(k.Model):
        def train_step(self, data):
            x, y, sample_weight = k.utils.unpack_x_y_sample_weight(data)
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in trainable_weights], trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = _data(seed=2)
    w = np.random.default_rng(3).random(len(x)).astype("float32")
    model, reference = _dense_net(keras, WeightedModel), _dense_net(k, KerasWeighted)
    reference.set_weights(model.get_weights())
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    reference.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    history = model.fit(x, y, sample_weight=w, epochs=2, batch_size=32, shuffle=False, verbose=0,
                        validation_data=(x[:40], y[:40]))
    expected = reference.fit(x, y, sample_weight=w, epochs=2, batch_size=32, shuffle=False, verbose=0,
                             validation_data=(x[:40], y[:40]))
    assert set(history.history) == set(expected.history)
    for key in expected.history:
        np.testing.assert_allclose(history.history[key], expected.history[key], rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), reference.evaluate(x, y, verbose=0), rtol=1e-5)


def test_default_steps_called_by_name_and_predict_step_override():
    x, y = _data(seed=4)

    class Doubled(keras.Model):
        def predict_step(self, data):
            return 2 * self(keras.utils.unpack_x_y_sample_weight(data)[0], training=False)

    model = _dense_net(keras, Doubled)
    model.compile(optimizer="sgd", loss="mse")
    logs = model.train_step((x[:16], y[:16]))            # Keras's call: one batch, logs back
    assert set(logs) == {"loss"} and np.isfinite(logs["loss"])
    plain = keras.Model(model.inputs[0], model.outputs[0])
    np.testing.assert_allclose(model.predict(x, verbose=0), 2 * plain.predict(x, verbose=0), rtol=1e-6)
    assert model.metrics[0].name == "loss" and [m.name for m in model.metrics] == ["loss"]


# -- "Writing a training loop from scratch" ------------------------------------------------------
def test_training_loop_from_scratch_matches_keras():
    k, torch = _keras()
    rng = np.random.default_rng(5)
    x = rng.normal(size=(128, 12)).astype("float32")
    y = rng.integers(0, 4, size=128)

    def get_model(lib):
        inputs = lib.Input(shape=(12,), name="digits")
        x1 = lib.layers.Dense(16, activation="relu")(inputs)
        x2 = lib.layers.Dense(16, activation="relu")(x1)
        return lib.Model(inputs=inputs, outputs=lib.layers.Dense(4, name="predictions")(x2))

    keras.utils.set_random_seed(0)
    model, reference = get_model(keras), get_model(k)
    reference.set_weights(model.get_weights())
    batches = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 128, 32)]

    # the guide's Adam(1e-3) agrees to 2e-4 here: Keras's Adam puts epsilon beside sqrt(v), not sqrt(v_hat)
    optimizer = keras.optimizers.SGD(learning_rate=1e-2, momentum=0.9)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    losses = []
    for epoch in range(2):
        for step, (x_batch_train, y_batch_train) in enumerate(batches):
            with keras.GradientTape() as tape:
                logits = model(x_batch_train, training=True)
                loss_value = loss_fn(y_batch_train, logits)
            grads = tape.gradient(loss_value, model.trainable_weights)
            optimizer.apply(grads, model.trainable_weights)
            train_acc_metric.update_state(y_batch_train, logits)
            losses.append(float(loss_value))
        accuracy = float(train_acc_metric.result())
        train_acc_metric.reset_state()

    k_optimizer = k.optimizers.SGD(learning_rate=1e-2, momentum=0.9)
    k_loss_fn = k.losses.SparseCategoricalCrossentropy(from_logits=True)
    k_metric = k.metrics.SparseCategoricalAccuracy()
    expected = []
    for epoch in range(2):
        for step, (x_batch_train, y_batch_train) in enumerate(batches):
            logits = reference(x_batch_train, training=True)
            loss_value = k_loss_fn(torch.as_tensor(y_batch_train), logits)
            reference.zero_grad()
            loss_value.backward()
            trainable_weights = [v for v in reference.trainable_weights]
            with torch.no_grad():
                k_optimizer.apply([v.value.grad for v in trainable_weights], trainable_weights)
            k_metric.update_state(torch.as_tensor(y_batch_train), logits)
            expected.append(float(loss_value))
        k_accuracy = float(k_metric.result())
        k_metric.reset_state()
    np.testing.assert_allclose(losses, expected, rtol=1e-5)
    assert accuracy == pytest.approx(k_accuracy)
    for mine, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def test_optimizer_apply_in_keras_and_in_neurona_order():
    w = keras.Variable(np.array([1.0, 2.0], dtype="float32"))
    opt = keras.optimizers.SGD(0.5)
    opt.apply([np.array([1.0, 1.0], dtype="float32")], [w])            # Keras: (gradients, variables)
    np.testing.assert_allclose(w.numpy(), [0.5, 1.5])
    param = np.array([1.0, 2.0], dtype="float32")
    opt.apply([param], [np.array([2.0, 2.0], dtype="float32")])       # neurona: (params, grads)
    np.testing.assert_allclose(param, [0.0, 1.0])


# -- add_loss, model.losses, Metric.add_weight ---------------------------------------------------
class ActivityRegularizationLayer(layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.sum(inputs))
        return inputs


def test_add_loss_in_a_layer_joins_the_cost_and_its_gradient_as_in_keras():
    k, torch = _keras()

    class KerasActivityRegularization(k.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * k.ops.sum(inputs))
            return inputs

    def build(lib, regularizer):
        inputs = lib.Input(shape=(8,))
        h = lib.layers.Dense(6, activation="relu")(inputs)
        h = regularizer(0.05)(h)
        return lib.Model(inputs, lib.layers.Dense(1)(h))

    x, y = _data(seed=6)
    keras.utils.set_random_seed(0)
    model, reference = build(keras, ActivityRegularizationLayer), build(k, KerasActivityRegularization)
    reference.set_weights(model.get_weights())
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    reference.compile(optimizer=k.optimizers.SGD(0.01), loss="mse")
    history = model.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    expected = reference.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-5)
    for mine, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
    model(x[:4])
    assert len(model.losses) == 1 and model.losses[0] > 0


def test_model_losses_on_the_tape_carry_the_penalty_gradient():
    inputs = keras.Input(shape=(3,))
    outputs = layers.Dense(2, kernel_regularizer=keras.regularizers.l2(0.1))(inputs)
    model = keras.Model(inputs, outputs)
    x = np.ones((4, 3), dtype="float32")
    kernel = model.layers[-1].kernel
    with keras.GradientTape() as tape:
        model(x, training=True)
        penalty = ops.sum(model.losses)
    grad = tape.gradient(penalty, [kernel])[0]
    np.testing.assert_allclose(float(penalty), 0.1 * np.sum(kernel ** 2), rtol=1e-6)
    np.testing.assert_allclose(grad, 0.2 * kernel, rtol=1e-6)


class BinaryTruePositives(keras.metrics.Metric):
    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="tp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "bool")
        y_pred = ops.cast(y_pred, "bool")
        values = ops.logical_and(ops.equal(y_true, True), ops.equal(y_pred, True))
        values = ops.cast(values, self.dtype or "float32")
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(sample_weight, self.dtype or "float32"))
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0)


def test_metric_subclass_with_add_weight_in_fit():
    m = BinaryTruePositives()
    m.update_state([0, 1, 1, 1], [0, 1, 0, 1])
    assert float(m.result()) == 2.0
    m.reset_state()
    assert float(m.result()) == 0.0
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.integers(0, 2, size=(64, 1))
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[BinaryTruePositives()])
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert history.history["binary_true_positives"][0] >= 0


# -- a variational autoencoder (keras.io's, dense) ------------------------------------------------
class Sampling(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class VAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def train_step(self, data):
        with keras.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            reconstruction_loss = ops.mean(ops.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=1))
            kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {"loss": self.total_loss_tracker.result(),
                "reconstruction_loss": self.reconstruction_loss_tracker.result(),
                "kl_loss": self.kl_loss_tracker.result()}


def test_dense_variational_autoencoder_trains():
    latent_dim = 2
    encoder_inputs = keras.Input(shape=(4, 4))
    h = layers.Dense(8, activation="relu")(layers.Flatten()(encoder_inputs))
    z_mean = layers.Dense(latent_dim, name="z_mean")(h)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(h)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")
    latent_inputs = keras.Input(shape=(latent_dim,))
    decoder_outputs = layers.Reshape((4, 4))(
        layers.Dense(16, activation="sigmoid")(layers.Dense(8, activation="relu")(latent_inputs)))
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    rng = np.random.default_rng(8)
    digits = (rng.random((256, 4, 4)) < np.linspace(0.1, 0.9, 16).reshape(4, 4)).astype("float32")
    vae = VAE(encoder, decoder)
    assert len(vae.trainable_weights) == len(encoder.trainable_weights) + len(decoder.trainable_weights)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = vae.fit(digits, epochs=6, batch_size=32, verbose=0)
    assert set(history.history) == {"loss", "reconstruction_loss", "kl_loss"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(v >= 0 for v in history.history["kl_loss"])


def test_a_diverging_custom_step_stops_with_advice_and_the_last_finite_weights():
    x, y = _data(seed=9)

    class Diverging(keras.Model):
        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                loss = self.compute_loss(y=y, y_pred=self(x, training=True))
            self.optimizer.apply(tape.gradient(loss, self.trainable_variables), self.trainable_variables)
            self._loss_tracker.update_state(loss)
            return self.get_metrics_result()

    inputs = keras.Input((8,))
    model = Diverging(inputs, layers.Dense(1)(inputs), seed=0)
    model.compile(optimizer=keras.optimizers.SGD(10.0), loss="mse")
    with pytest.warns(keras.callbacks.DivergenceWarning if hasattr(keras.callbacks, "DivergenceWarning")
                      else UserWarning, match="learning rate"):
        history = model.fit(100 * x, 100 * y, epochs=20, batch_size=32, verbose=0)
    assert len(history.history["loss"]) < 20 and "learning rate" in model.stop_reason
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_the_gradient_flows_through_one_model_into_another_on_the_tape():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    first = keras.Model(inputs, layers.Dense(4, activation="tanh")(inputs))
    middle = keras.Input((4,))
    second = keras.Model(middle, layers.Dense(2)(middle))
    x = np.random.default_rng(10).normal(size=(5, 3)).astype("float32")
    with keras.GradientTape() as tape:
        loss = ops.sum(ops.square(second(first(x, training=True), training=True)))
    grads = tape.gradient(loss, first.trainable_weights + second.trainable_weights)
    joined = keras.Model(inputs, second(first(inputs)))        # the same weights, one graph
    with keras.GradientTape() as tape:
        expected = ops.sum(ops.square(joined(x, training=True)))
    reference = tape.gradient(expected, joined.trainable_weights)
    assert all(g is not None for g in grads)
    for g, r in zip(grads, reference):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)


class GAN(keras.Model):
    r"""The keras.io guide's end-to-end GAN (its TensorFlow form, dense networks)."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.seed_generator = keras.random.SeedGenerator(1337)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        batch_size = ops.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(shape=(batch_size, self.latent_dim), seed=self.seed_generator)
        generated_images = self.generator(random_latent_vectors)
        combined_images = ops.concatenate([generated_images, real_images], axis=0)
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * keras.random.uniform(ops.shape(labels), seed=self.seed_generator)
        with keras.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        random_latent_vectors = keras.random.normal(shape=(batch_size, self.latent_dim), seed=self.seed_generator)
        misleading_labels = ops.zeros((batch_size, 1))
        with keras.GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def test_guide_gan_trains_both_networks():
    latent_dim = 4
    discriminator = keras.Sequential([keras.Input((8,)), layers.Dense(16), layers.LeakyReLU(negative_slope=0.2),
                                      layers.Dense(1)], name="discriminator", seed=0)
    generator = keras.Sequential([keras.Input((latent_dim,)), layers.Dense(16), layers.LeakyReLU(negative_slope=0.2),
                                  layers.Dense(8, activation="sigmoid")], name="generator", seed=1)
    gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate=3e-4),
                g_optimizer=keras.optimizers.Adam(learning_rate=3e-4),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    d_before, g_before = discriminator.get_weights(), generator.get_weights()
    real = np.random.default_rng(11).random((64, 8)).astype("float32")
    history = gan.fit(real, epochs=2, batch_size=16, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert all(np.isfinite(v) for values in history.history.values() for v in values)
    assert all(not np.array_equal(a, b) for a, b in zip(d_before, discriminator.get_weights()))
    assert all(not np.array_equal(a, b) for a, b in zip(g_before, generator.get_weights()))


def test_own_compute_loss_and_compute_metrics_as_in_keras_docstrings():
    k, torch = _keras()

    def classes(lib):
        class LossModel(lib.Model):               # Keras's compute_loss docstring, without model.add_loss
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.loss_tracker = lib.metrics.Mean(name="loss")

            def compute_loss(self, x, y, y_pred, sample_weight, training=True):
                loss = lib.ops.mean((y_pred - y) ** 2)
                if self.losses:                    # (Keras's ops.sum of no tensors is an error)
                    loss += lib.ops.sum(self.losses)
                self.loss_tracker.update_state(loss)
                return loss

            def reset_metrics(self):
                self.loss_tracker.reset_state()

            @property
            def metrics(self):
                return [self.loss_tracker]

        class MetricsModel(lib.Model):            # compute_metrics overridden, calling super
            def compute_metrics(self, x, y, y_pred, sample_weight=None):
                results = super().compute_metrics(x, y, y_pred, sample_weight)
                results["max_error"] = float(lib.ops.max(lib.ops.abs(y_pred - y)))
                return results
        return LossModel, MetricsModel

    x, y = _data(seed=12)
    for mine, theirs in zip(classes(keras), classes(k)):
        model, reference = _dense_net(keras, mine), _dense_net(k, theirs)
        reference.set_weights(model.get_weights())
        for m, lib in ((model, keras), (reference, k)):
            m.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
        history = model.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
        expected = reference.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
        assert set(history.history) == set(expected.history), mine.__name__
        for key in expected.history:
            np.testing.assert_allclose(history.history[key], expected.history[key], rtol=1e-5, err_msg=key)
        for a, b in zip(model.get_weights(), reference.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(model.evaluate(x, y, verbose=0), reference.evaluate(x, y, verbose=0), rtol=1e-5)


class Linear(layers.Layer):
    r"""The keras.io "Layer class" guide's Linear layer."""

    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


@pytest.mark.parametrize("make", [lambda: Linear(3), lambda: layers.Dense(3, activation="tanh")])
def test_a_layer_called_inside_a_tape_gives_the_gradients_of_its_weights_and_input(make):
    layer = make()
    x = np.random.default_rng(13).normal(size=(4, 2)).astype("float32")
    layer(x)                                         # built
    source = keras.Variable(x)
    with keras.GradientTape() as tape:
        loss = ops.sum(ops.square(layer(source)))
    grads = tape.gradient(loss, [source] + layer.trainable_weights)
    assert all(g is not None for g in grads)
    eps, w = 1e-3, layer.trainable_weights[0]
    w[0, 0] += eps
    up = float(np.sum(np.asarray(layer(x), dtype=np.float64) ** 2))
    w[0, 0] -= 2 * eps
    down = float(np.sum(np.asarray(layer(x), dtype=np.float64) ** 2))
    w[0, 0] += eps
    np.testing.assert_allclose(grads[1][0, 0], (up - down) / (2 * eps), rtol=2e-2, atol=1e-3)
    assert grads[0].shape == x.shape


def test_custom_train_step_with_validation_split_and_steps_per_epoch_as_keras():
    k, torch = _keras()
    x, y = _data(n=120, seed=14)
    model = _dense_net(keras, CustomModel)
    reference = _dense_net(k, _keras_custom_model(k, torch))
    reference.set_weights(model.get_weights())
    model.compile(optimizer=keras.optimizers.SGD(0.02), loss="mse", metrics=["mae"])
    reference.compile(optimizer=k.optimizers.SGD(0.02), loss="mse", metrics=["mae"])
    kwargs = dict(epochs=2, batch_size=16, shuffle=False, verbose=0, validation_split=0.25, steps_per_epoch=4)
    history, expected = model.fit(x, y, **kwargs), reference.fit(x, y, **kwargs)
    assert set(history.history) == set(expected.history)
    for key in expected.history:
        np.testing.assert_allclose(history.history[key], expected.history[key], rtol=1e-5, err_msg=key)
