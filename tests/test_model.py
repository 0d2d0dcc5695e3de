"""Sequential end to end: learning, reproducibility, callbacks, logs and bad input."""
import math
import warnings

import numpy as np
import pytest

import neurona as nr
from neurona.callbacks import DivergenceWarning


def xor_data():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    return x, y


def small_classifier(seed=0, dtype="float32", **compile_kwargs):
    model = nr.Sequential([nr.layers.Dense(8, activation="tanh"), nr.layers.Dense(3, activation="softmax")],
                          input_dim=4, seed=seed, dtype=dtype)
    model.compile(**({"optimizer": "adam", "loss": "sparse_categorical_crossentropy",
                      "metrics": ["accuracy"]} | compile_kwargs))
    return model


def iris():
    x, y = nr.datasets.load_iris()
    return nr.data.StandardScaler().fit_transform(x), y


def test_xor_is_learned_by_a_small_mlp():
    x, y = xor_data()
    model = nr.Sequential([nr.layers.Dense(4, activation="tanh"), nr.layers.Dense(1, activation="sigmoid")],
                          input_dim=2, seed=1)
    model.compile(optimizer=nr.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=500, batch_size=4, verbose=0)
    assert model.evaluate(x, y, return_dict=True)["accuracy"] == 1.0
    np.testing.assert_array_equal(model.predict(x) >= 0.5, y == 1)


def test_xor_cannot_be_learned_by_one_layer():
    # one sigmoid unit draws one straight line; XOR needs two: at most 3 of the 4 points are right
    x, y = xor_data()
    for seed in range(5):
        model = nr.Sequential([nr.layers.Dense(1, activation="sigmoid")], input_dim=2, seed=seed)
        model.compile(optimizer=nr.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=300, batch_size=4, verbose=0)
        assert model.evaluate(x, y, return_dict=True)["accuracy"] <= 0.75


@pytest.mark.parametrize("output, loss, y_of, bar", [
    ("sigmoid", "binary_crossentropy", lambda y: (y == 0).astype(float), 0.99),                 # binary
    ("sigmoid", "binary_crossentropy", lambda y: np.eye(3)[y], 0.9),                            # multilabel
    ("softmax", "categorical_crossentropy", lambda y: np.eye(3)[y], 0.93),                      # multiclass
    ("softmax", "sparse_categorical_crossentropy", lambda y: y, 0.93),
])
def test_classification_output_kinds_learn_iris(output, loss, y_of, bar):
    x, y = iris()
    target = y_of(y)
    units = 3 if loss.startswith("sparse") else 1 if target.ndim == 1 else target.shape[1]
    model = nr.Sequential([nr.layers.Dense(16, activation="relu"), nr.layers.Dense(units, activation=output)],
                          input_dim=4, seed=0)
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    history = model.fit(x, target, epochs=60, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    assert model.evaluate(x, target, return_dict=True)["accuracy"] >= bar


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_regression_with_two_outputs(loss):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = np.column_stack([x @ [1.0, -2.0, 0.5] + 1, np.sin(x[:, 0])])
    model = nr.Sequential([nr.layers.Dense(32, activation="tanh"), nr.layers.Dense(2)], input_dim=3, seed=0)
    model.compile(optimizer=nr.optimizers.Adam(0.01), loss=loss, metrics=["mae"])
    model.fit(x, y, epochs=100, batch_size=32, verbose=0)
    assert model.evaluate(x, y, return_dict=True)["mae"] < 0.1


def test_batch_minibatch_and_stochastic_descent_all_converge():
    x, y = iris()
    for batch_size in (len(x), 16, 1):
        model = small_classifier(optimizer=nr.optimizers.SGD(0.1 if batch_size > 1 else 0.01))
        history = model.fit(x, y, epochs=40, batch_size=batch_size, verbose=0)
        assert history.history["accuracy"][-1] > 0.85, batch_size


def test_same_seed_same_run_bit_for_bit():
    x, y = iris()
    runs = []
    for _ in range(2):
        model = nr.Sequential([nr.layers.Dense(8, activation="relu"), nr.layers.Dropout(0.3),
                               nr.layers.Dense(3, activation="softmax")], input_dim=4, seed=123)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        history = model.fit(x, y, epochs=5, batch_size=8, validation_split=0.2, verbose=0)
        runs.append((model.get_weights(), history.history))
    for a, b in zip(runs[0][0], runs[1][0]):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    assert runs[0][1] == runs[1][1]
    other = small_classifier(seed=124)
    assert not np.array_equal(other.get_weights()[0], small_classifier(seed=123).get_weights()[0])


def test_float64_models_compute_in_float64():
    x, y = iris()
    model = small_classifier(dtype="float64")
    model.fit(x, y, epochs=1, verbose=0)
    assert all(w.dtype == np.float64 for w in model.get_weights())
    assert model.predict(x).dtype == np.float64


def test_shuffle_false_takes_batches_in_order():
    # with shuffle=False and plain SGD, one epoch equals a hand loop over the batches in order
    x, y = iris()
    model = small_classifier(dtype="float64", optimizer=nr.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    twin = small_classifier(dtype="float64", optimizer=nr.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=50, shuffle=False, verbose=0)
    for start in range(0, 150, 50):
        twin.train_step(x[start:start + 50], y[start:start + 50])
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_history_and_validation_logs():
    x, y = iris()
    model = small_classifier()
    history = model.fit(x, y, epochs=3, batch_size=16, validation_data=(x[:30], y[:30]), verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in history.history.values())
    assert history.epoch == [0, 1, 2]
    assert model.history is history
    assert math.isclose(history.history["val_loss"][-1], model.evaluate(x[:30], y[:30], return_dict=True)["loss"], rel_tol=1e-6)


def test_validation_split_takes_the_last_samples():
    x, y = iris()
    order = np.argsort(y)            # the last 15 samples are all class 2
    x, y = x[order], y[order]
    model = small_classifier()
    history = model.fit(x, y, epochs=1, validation_split=0.1, verbose=0)
    val = model.evaluate(x[-15:], y[-15:], return_dict=True)
    assert math.isclose(history.history["val_loss"][0], val["loss"], rel_tol=1e-6)


def test_evaluate_and_predict():
    x, y = iris()
    model = small_classifier()
    model.fit(x, y, epochs=20, batch_size=8, verbose=0)
    result = model.evaluate(x, y, return_dict=True)
    assert set(result) == {"loss", "accuracy"}
    p = model.predict(x[:5])
    assert p.shape == (5, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)
    expected = np.mean(model.predict(x).argmax(1) == y)
    assert math.isclose(result["accuracy"], expected)
    assert np.array_equal(model.predict(x, batch_size=7), model.predict(x))


def test_get_and_set_weights_follow_keras_layout():
    model = nr.Sequential([nr.layers.Dense(5, activation="relu"), nr.layers.Dropout(0.5), nr.layers.Dense(2)],
                          input_dim=3, seed=0)
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(3, 5), (5,), (5, 2), (2,)]
    new = [np.full(s, i, dtype=np.float32) for i, s in enumerate(shapes)]
    model.set_weights(new)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), new))
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"shape \(3, 5\)"):
        model.set_weights([np.zeros((5, 3))] + new[1:])
    with pytest.raises(ValueError, match="needs 4 arrays"):
        model.set_weights(new[:2])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))


def test_summary_lists_layers_and_parameter_counts():
    model = nr.Sequential([nr.layers.Dense(256, activation="relu"), nr.layers.Dropout(0.2),
                           nr.layers.Dense(128, activation="relu"), nr.layers.Dense(10, activation="softmax")],
                          input_dim=784)
    text = model.summary_text()
    assert "Total params: 235,146" in text
    assert "(None, 256)" in text and "200,960" in text and "Dropout" in text
    assert model.count_params() == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10


def test_input_dim_is_inferred_at_first_fit():
    x, y = iris()
    model = nr.Sequential([nr.layers.Dense(4, activation="relu"), nr.layers.Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, verbose=0)
    assert model.input_dim == 4 and model.get_weights()[0].shape == (4, 4)


# -- callbacks -----------------------------------------------------------------------------------
def test_early_stopping_stops_and_restores_the_best_weights():
    x, y = iris()
    model = small_classifier(optimizer=nr.optimizers.Adam(0.05))
    snapshots = []

    class Snapshot(nr.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(self.model.get_weights())

    stopper = nr.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    # validating on shuffled-label data makes val_loss rise quickly: training must stop early
    bad_y = np.random.default_rng(0).permutation(y)
    history = model.fit(x, y, epochs=100, validation_data=(x, bad_y), callbacks=[Snapshot(), stopper], verbose=0)
    epochs_run = len(history.history["loss"])
    assert epochs_run < 100
    assert stopper.stopped_epoch == epochs_run - 1
    assert epochs_run - 1 - stopper.best_epoch == 2                 # patience epochs without improvement
    best = int(np.argmin(history.history["val_loss"]))
    assert best == stopper.best_epoch
    for a, b in zip(model.get_weights(), snapshots[best]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_on_a_missing_metric_warns():
    x, y = iris()
    model = small_classifier()
    with pytest.warns(UserWarning, match="val_loss"):
        model.fit(x, y, epochs=2, callbacks=[nr.callbacks.EarlyStopping()], verbose=0)


def test_learning_rate_scheduler_and_reduce_on_plateau():
    x, y = iris()
    model = small_classifier(optimizer=nr.optimizers.SGD(0.1))
    history = model.fit(x, y, epochs=4, verbose=0,
                        callbacks=[nr.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** epoch)])
    assert history.history["learning_rate"] == [0.1, 0.05, 0.025, 0.0125]

    model = small_classifier(optimizer=nr.optimizers.SGD(0.1))
    plateau = nr.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=10.0)
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[plateau])
    # min_delta=10: no epoch after the first improves, so each epoch end from the second on halves
    # the rate that the next epoch uses (the log shows the rate each epoch trained with)
    assert history.history["learning_rate"] == [0.1, 0.1, 0.05, 0.025]


def test_schedules_drive_the_learning_rate_per_step():
    x, y = iris()
    schedule = nr.schedules.ExponentialDecay(0.1, decay_rate=0.5, decay_steps=10)
    model = small_classifier(optimizer=nr.optimizers.SGD(schedule))
    history = model.fit(x, y, epochs=2, batch_size=15, verbose=0)      # 10 steps per epoch
    assert history.history["learning_rate"] == pytest.approx([0.05, 0.025])


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    x, y = iris()
    path = tmp_path / "log.csv"
    small_classifier().fit(x, y, epochs=3, verbose=0, callbacks=[nr.callbacks.CSVLogger(path)])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,accuracy,loss,val_accuracy,val_loss"       # Keras's columns for a later validation
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1", "2"]
    assert all(line.endswith(",NA,NA") for line in lines[1:])


def test_divergence_stops_training_with_advice():
    # the seeds' lesson: unscaled breast-cancer features and a large rate blow the loss up
    x, y = nr.datasets.load_breast_cancer()
    model = nr.Sequential([nr.layers.Dense(1)], input_dim=30, seed=0)
    model.compile(optimizer=nr.optimizers.SGD(1.0), loss="mse")
    with pytest.warns(DivergenceWarning, match="scal.*learning rate"):
        history = model.fit(x, y, epochs=50, batch_size=32, verbose=0)
    assert len(history.history["loss"]) < 50
    assert model.stop_reason and "became" in model.stop_reason
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_step_activation_warns_that_no_gradient_flows():
    model = nr.Sequential([nr.layers.Dense(3, activation="relu"), nr.layers.Dense(1, activation="step")], input_dim=2)
    with pytest.warns(nr.NoGradientWarning, match="step"):
        model.compile(optimizer="sgd", loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nr.Sequential([nr.layers.Dense(1, activation="sigmoid")], input_dim=2).compile(optimizer="sgd", loss="mse")


# -- training logs ---------------------------------------------------------------------------------
def test_verbose_2_prints_keras_style_lines(capsys):
    x, y = iris()
    small_classifier().fit(x, y, epochs=2, batch_size=16, validation_split=0.2, verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2"
    assert out[1].startswith("8/8 - ")
    assert "s/step - accuracy: " in out[1] and " - loss: " in out[1] and " - val_accuracy: " in out[1]


def test_verbose_1_draws_a_progress_bar(capsys):
    x, y = iris()
    small_classifier().fit(x, y, epochs=1, batch_size=16, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "10/10" in out and "━" in out and "loss: " in out


def test_verbose_0_is_silent(capsys):
    x, y = iris()
    small_classifier().fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


# -- bad input -------------------------------------------------------------------------------------
@pytest.fixture
def model_and_data():
    x, y = iris()
    return small_classifier(), x, y


def unchanged(model, action):
    before = model.get_weights()
    action()
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


@pytest.mark.parametrize("call, error, message", [
    (lambda m, x, y: m.fit(x, y[:-1], verbose=0), ValueError, "same number of samples; got 150 and 149"),
    (lambda m, x, y: m.fit(x[:, :3], y, verbose=0), ValueError, "3 features per sample but the model expects 4"),
    (lambda m, x, y: m.predict(x[:, :2]), ValueError, "expects 4"),
    (lambda m, x, y: m.fit(np.where(np.arange(600).reshape(150, 4) == 5, np.nan, x), y, verbose=0),
     ValueError, r"1 non-finite value\(s\) \(1 NaN, 0 inf\), first at index \(1, 1\)"),
    (lambda m, x, y: m.fit(x[:0], y[:0], verbose=0), ValueError, "empty"),
    (lambda m, x, y: m.fit(x, y, batch_size=0, verbose=0), ValueError, "'batch_size' argument of fit must be an integer >= 1. Got 0"),
    (lambda m, x, y: m.fit(x, y, validation_split=1.0, verbose=0), ValueError, "'validation_split'.*< 1"),
    (lambda m, x, y: m.fit(x, y, validation_split=-0.1, verbose=0), ValueError, "'validation_split'"),
    (lambda m, x, y: m.fit(x, y + 5, verbose=0), ValueError, r"labels must lie in \[0, 2\]"),
    (lambda m, x, y: m.fit(x, y.astype(str), verbose=0), TypeError, "must hold numbers"),
])
def test_bad_input_raises_a_clear_error_and_changes_nothing(model_and_data, call, error, message):
    model, x, y = model_and_data
    unchanged(model, lambda: _expect(error, message, lambda: call(model, x, y)))


def _expect(error, message, action):
    with pytest.raises(error, match=message):
        action()


def test_integer_labels_for_categorical_crossentropy_suggest_the_fix():
    x, y = iris()
    model = small_classifier(loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy.*one-hot|one-hot.*sparse"):
        model.fit(x, y, verbose=0)


def test_labels_outside_0_1_for_binary_crossentropy():
    x, y = iris()
    model = nr.Sequential([nr.layers.Dense(1, activation="sigmoid")], input_dim=4)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    with pytest.raises(ValueError, match=r"targets in \[0, 1\].*from 0 to 2"):
        model.fit(x, y, verbose=0)


def test_fit_before_compile_and_unknown_names():
    x, y = iris()
    model = nr.Sequential([nr.layers.Dense(3)], input_dim=4)
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(x, y)
    with pytest.raises(RuntimeError, match="compile"):
        model.evaluate(x, y)
    with pytest.raises(ValueError, match="Unknown optimizer 'adamz'.*adam.*rmsprop.*sgd"):
        model.compile(optimizer="adamz", loss="mse")
    with pytest.raises(ValueError, match="Unknown loss 'categorical_crossentropi'. Did you mean 'categorical_crossentropy'"):
        model.compile(optimizer="adam", loss="categorical_crossentropi")
    with pytest.raises(ValueError, match="Unknown activation 'rleu'. Did you mean 'relu'.*Known activations: .*sigmoid"):
        nr.layers.Dense(3, activation="rleu")
    with pytest.raises(ValueError, match="needs a loss"):
        model.compile(optimizer="adam")


def test_a_pickled_model_trains_on_as_the_original():
    import pickle
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5))
    y = (x[:, 0] > 0).astype(int)

    def make():
        model = nr.Sequential([nr.layers.Dense(8, activation="relu"), nr.layers.Dense(2, activation="softmax")],
                              input_dim=5, seed=0)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return model
    original = make()
    original.fit(x, y, epochs=2, verbose=0)
    copy = pickle.loads(pickle.dumps(original))
    original.fit(x, y, epochs=2, verbose=0)
    copy.fit(x, y, epochs=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(original.get_weights(), copy.get_weights()))


def test_batch_logs_compute_a_metric_only_when_a_callback_reads_it(monkeypatch):
    # a streaming AUC sorts every score seen so far: once per epoch, not once per batch
    calls = []
    result = nr.metrics.AUC.result
    monkeypatch.setattr(nr.metrics.AUC, "result", lambda self: calls.append(1) or result(self))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(640, 4))
    y = (x[:, :1] > 0).astype(float)
    model = nr.Sequential([nr.layers.Dense(1, activation="sigmoid")], input_dim=4, seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["auc"])

    class ReadsAUC(nr.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.last = (logs["auc"], dict(logs))

    model.fit(x, y, epochs=2, batch_size=64, verbose=0)
    assert len(calls) == 2                                  # the two epoch ends
    reader = ReadsAUC()
    history = model.fit(x, y, epochs=1, batch_size=64, verbose=0, callbacks=[reader])
    auc, logs = reader.last
    assert sorted(logs) == ["auc", "loss"] and logs["auc"] == auc
    assert auc == history.history["auc"][-1]               # the last batch's value is the epoch's


def test_finite_inputs_that_overflow_the_models_dtype_are_refused_with_their_place():
    model = nr.Sequential([nr.layers.Dense(2, activation="softmax")], input_dim=3, seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.zeros((5, 3))
    x[3, 2] = -1e300                               # finite in float64, -inf in float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # no NumPy RuntimeWarning leaks out
        for call in (lambda: model.predict(x), lambda: model.fit(x, np.zeros(5, int), verbose=0)):
            with pytest.raises(ValueError, match=r"x holds 1 value\(s\) too large for float32 .* first -1e\+300 "
                                                 r"at row 3, column 2"):
                call()


def iris_model(l2=0.0):
    model = nr.Sequential([nr.layers.Dense(8, activation="tanh", kernel_regularizer=nr.regularizers.L2(l2, convention="lectures")),
                           nr.layers.Dense(3, activation="softmax")], input_dim=4, seed=0, dtype="float64")
    return model


def cross_entropy_of(probabilities, labels):
    r"""Mean -ln p[label], written out (the reference the model's losses are compared with)."""
    return float(-np.mean(np.log(np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1.0))))


def test_evaluate_is_the_loss_of_predict_on_the_whole_set_for_any_batch_size():
    x, y = nr.datasets.load_iris()                  # 150 samples: no batch size below divides it evenly
    model = iris_model(l2=0.1)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    probabilities = model.predict(x)
    data_loss = cross_entropy_of(probabilities, y)
    squares = np.sum(model.layers[0].kernel ** 2)
    for batch_size in (7, 32, 64, 149, 1024):
        result = model.evaluate(x, y, batch_size=batch_size, return_dict=True)
        # with the penalty of each batch, lambda / (2 m_b) ||W||^2, weighted by m_b / n, as the training log
        batches = -(-len(x) // batch_size)
        assert result["loss"] == pytest.approx(data_loss + batches / len(x) * 0.1 / 2 * squares, rel=1e-12)
        assert result["accuracy"] == np.mean(probabilities.argmax(axis=1) == y)


@pytest.mark.parametrize("batch_size", [32, 150])
def test_the_logged_epoch_loss_is_the_mean_cost_of_its_samples_with_the_penalty(batch_size):
    # a learning rate too small to move float64 weights: every batch sees the same weights, so the
    # epoch's loss is the sample-weighted mean of the batch costs J_b = L_b + lambda / (2 m_b) ||W||^2
    x, y = nr.datasets.load_iris()
    model = iris_model(l2=0.5)
    model.compile(optimizer=nr.optimizers.SGD(1e-300), loss="sparse_categorical_crossentropy")
    kernel = model.layers[0].kernel.copy()
    history = model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)
    np.testing.assert_array_equal(model.layers[0].kernel, kernel)
    batches = -(-len(x) // batch_size)                  # 5 (the last of 22 samples) or 1
    penalty = sum(m / len(x) * 0.5 / (2 * m) * np.sum(kernel ** 2)
                  for m in [batch_size] * (batches - 1) + [len(x) - batch_size * (batches - 1)])
    expected = cross_entropy_of(model.predict(x), y) + penalty
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-12)
    assert model.evaluate(x, y, batch_size=batch_size, return_dict=True)["loss"] == pytest.approx(expected, rel=1e-12)


def test_warnings_about_the_users_mistakes_point_at_the_users_line(tmp_path):
    x, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    model = nr.Sequential([nr.layers.Dense(2, activation="softmax")], input_dim=3, seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    checkpoint = nr.callbacks.ModelCheckpoint(tmp_path / "best.safetensors", monitor="val_loss", save_best_only=True)
    with pytest.warns(UserWarning, match="monitors 'val_loss', which is not among the logged values") as caught:
        model.fit(x, y, epochs=1, verbose=0, callbacks=[checkpoint])
    assert caught[0].filename == __file__
    with pytest.warns(nr.NoGradientWarning) as caught:
        nr.Sequential([nr.layers.Dense(2, activation="step")], input_dim=3).compile(optimizer="sgd", loss="mse")
    assert caught[0].filename == __file__
