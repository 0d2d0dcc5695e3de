r"""Every option of the monitoring callbacks against Keras 3's own callbacks (torch backend), in
every direction: the same sequences of logged values fed to EarlyStopping, ReduceLROnPlateau and
ModelCheckpoint of both libraries, on a stand-in model whose weights are the epoch's number, for a
matrix of options (monitor and mode min / max / auto, patience, min_delta, baseline, restoring the
best weights when training stops early or runs to its end, start_from_epoch, factor, cooldown,
min_lr, save_best_only, initial_value_threshold, save_freq, save_weights_only, every_n_epochs).
The epochs run, the learning rate after each epoch, the epochs saved and the weights restored
must be Keras's. ``CASES`` lists the options each case sets (``test_option_coverage`` reads it)."""
import itertools
import os
import pathlib
from collections.abc import Mapping
import types

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

from neurona import callbacks  # noqa: E402

#: the logged values of a run (the same for "val_loss" and "val_accuracy"; their direction differs)
SEQUENCES = {
    "falls then stalls": [1.0, 0.8, 0.7, 0.69, 0.7, 0.72, 0.71, 0.73, 0.74, 0.75],
    "rises then stalls": [0.2, 0.4, 0.5, 0.52, 0.5, 0.49, 0.51, 0.48, 0.47, 0.46],
    "best at the end": [0.5, 0.6, 0.55, 0.58, 0.57, 0.59, 0.56, 0.3, 0.9, 0.1],
    "flat": [0.5] * 8,
    "small steps": [0.5, 0.49, 0.485, 0.482, 0.481, 0.4805, 0.48, 0.479],
}
MONITORS = ("val_loss", "val_accuracy")

#: (callback class name, options set by the cases of this file): what test_option_coverage counts
CASES = []


class StandIn:
    r"""What a callback sees of a model: weights (the epoch's number), the optimizer's rate, the saves."""

    def __init__(self, metrics, learning_rate=0.1):
        self.metrics, self.epoch, self.stop_training = metrics, 0, False
        self.optimizer = types.SimpleNamespace(learning_rate=learning_rate)
        self.restored, self.saved = None, []

    def get_weights(self):
        return [np.array([float(self.epoch)])]

    def set_weights(self, weights):
        self.restored = int(weights[0][0])

    def save(self, path, **_):
        self.saved.append(("model", self.epoch, self.batch))

    def save_weights(self, path, **_):
        self.saved.append(("weights", self.epoch, self.batch))


def keras_metrics():
    from keras.src.trainers import compile_utils
    compiled = compile_utils.CompileMetrics(metrics=["accuracy"], weighted_metrics=None)
    compiled.build(np.zeros((4, 1), "float32"), np.full((4, 1), 0.3, "float32"))
    return [compiled]


KERAS_METRICS = keras_metrics()


def drive(callback, model, monitor, values, steps=0, every=1):
    r"""Run ``callback`` through len(values) epochs (``steps`` batches each); what the model went through."""
    callback.set_model(model)
    if getattr(callback, "monitor_op", 0) is None:     # Keras's, which a batch-level save finds unset
        callback._set_monitor_op()
    callback.on_train_begin({})
    rates = []
    for epoch, value in enumerate(values):
        model.epoch, model.batch = epoch, None
        callback.on_epoch_begin(epoch, {})
        for batch in range(steps):
            model.batch = batch
            callback.on_train_batch_end(batch, {"loss": value + 0.01 * ((batch * 7) % 3), monitor: value})
        model.batch = None
        if (epoch + 1) % every == 0:
            callback.on_epoch_end(epoch, {"loss": value, monitor: value})
        rates.append(model.optimizer.learning_rate)
        if model.stop_training:
            break
    callback.on_train_end({})
    return {"epochs": len(rates), "rates": rates, "restored": model.restored, "saved": model.saved}


def compare(ours, theirs, options, monitor, steps=0, every=1):
    r"""The mismatches of one case over every sequence ([] when neurona does what Keras does)."""
    mismatches = []
    for name, values in SEQUENCES.items():
        got = drive(ours(), StandIn([]), monitor, values, steps)
        expected = drive(theirs(), StandIn(KERAS_METRICS), monitor, values, steps, every)
        if got != expected:
            mismatches.append((options, monitor, name, got, expected))
    return mismatches


def matrix(grid):
    r"""Every combination of the grid's values, as option dicts (default values left out)."""
    keys = list(grid)
    for values in itertools.product(*grid.values()):
        yield {k: v for k, v in zip(keys, values) if v is not None}


EARLY_STOPPING = {"mode": ["auto", "min", "max"], "patience": [0, 1, 3], "min_delta": [None, 0.015],
                  "baseline": [None, 0.52], "restore_best_weights": [False, True], "start_from_epoch": [None, 2]}
CASES += [("EarlyStopping", {"monitor", *EARLY_STOPPING})]


def test_early_stopping_every_option_as_keras():
    mismatches = []
    for monitor in MONITORS:
        for options in matrix(EARLY_STOPPING):
            mismatches += compare(lambda: callbacks.EarlyStopping(monitor, **options),
                                  lambda: keras.callbacks.EarlyStopping(monitor, **options), options, monitor)
    assert not mismatches, f"{len(mismatches)} differ from Keras, e.g. {mismatches[:3]}"


def test_restore_best_weights_when_training_runs_to_its_end():
    # the best epoch is the last-but-two; patience 5 never stops: the weights are still the best epoch's
    model = StandIn([])
    run = drive(callbacks.EarlyStopping("val_loss", patience=5, restore_best_weights=True), model, "val_loss",
                [0.9, 0.5, 0.4, 0.45, 0.41])
    assert run["epochs"] == 5 and run["restored"] == 2
    stopped = drive(callbacks.EarlyStopping("val_accuracy", patience=1, restore_best_weights=True), StandIn([]),
                    "val_accuracy", [0.5, 0.7, 0.6, 0.65])
    assert stopped["epochs"] == 3 and stopped["restored"] == 1


REDUCE_LR = {"mode": ["auto", "min", "max"], "factor": [None, 0.5], "patience": [0, 1, 2],
             "min_delta": [None, 0.015], "cooldown": [None, 1, 3], "min_lr": [None, 0.03]}
CASES += [("ReduceLROnPlateau", {"monitor", *REDUCE_LR})]


def test_reduce_lr_on_plateau_every_option_as_keras():
    mismatches = []
    for monitor in MONITORS:
        for options in matrix(REDUCE_LR):
            mismatches += compare(lambda: callbacks.ReduceLROnPlateau(monitor, **options),
                                  lambda: keras.callbacks.ReduceLROnPlateau(monitor, **options), options, monitor)
    assert not mismatches, f"{len(mismatches)} differ from Keras, e.g. {mismatches[:3]}"


def test_cooldown_counts_no_patience():
    # patience 2, cooldown 3 on a flat curve: lowered at epochs 2, 6 and 10; the epoch that ends the
    # cooldown starts the count again, so each lowering waits cooldown + patience - 1 epochs
    run = drive(callbacks.ReduceLROnPlateau("val_loss", factor=0.5, patience=2, cooldown=3), StandIn([]),
                "val_loss", [1.0] * 12)
    assert run["rates"] == [0.1] * 2 + [0.05] * 4 + [0.025] * 4 + [0.0125] * 2
    keras_run = drive(keras.callbacks.ReduceLROnPlateau("val_loss", factor=0.5, patience=2, cooldown=3),
                      StandIn(KERAS_METRICS), "val_loss", [1.0] * 12)
    assert keras_run == run


CHECKPOINT = {"mode": ["auto", "min", "max"], "save_best_only": [False, True],
              "initial_value_threshold": [None, 0.52], "save_weights_only": [False, True]}
CASES += [("ModelCheckpoint", {"monitor", "filepath", *CHECKPOINT})]


def _checkpoint_files(options):
    weights = options.get("save_weights_only")
    return f"ckpt.{'weights.h5' if weights else 'keras'}", f"ckpt.{'weights.' if weights else ''}safetensors"


def test_model_checkpoint_every_option_as_keras(tmp_path):
    mismatches = []
    for monitor in MONITORS:
        for options in matrix(CHECKPOINT):
            keras_file, our_file = _checkpoint_files(options)
            mismatches += compare(lambda: callbacks.ModelCheckpoint(tmp_path / our_file, monitor, **options),
                                  lambda: keras.callbacks.ModelCheckpoint(tmp_path / keras_file, monitor, **options),
                                  options, monitor)
    assert not mismatches, f"{len(mismatches)} differ from Keras, e.g. {mismatches[:3]}"


CASES += [("ModelCheckpoint", {"save_freq"})]


@pytest.mark.parametrize("save_freq", [1, 2, 3, 5])
@pytest.mark.parametrize("monitor, save_best_only", [("loss", False), ("loss", True)])
def test_model_checkpoint_every_few_batches_as_keras(tmp_path, save_freq, monitor, save_best_only):
    options = {"save_freq": save_freq, "save_best_only": save_best_only}
    mismatches = compare(lambda: callbacks.ModelCheckpoint(tmp_path / "c.safetensors", monitor, **options),
                         lambda: keras.callbacks.ModelCheckpoint(tmp_path / "c.keras", monitor, **options),
                         options, monitor, steps=4)
    assert not mismatches, mismatches[:3]


CASES += [("ModelCheckpoint", {"every_n_epochs"})]


@pytest.mark.parametrize("every", [2, 3])
@pytest.mark.parametrize("save_best_only", [False, True])
def test_every_n_epochs_is_keras_s_checkpoint_seeing_those_epochs(tmp_path, every, save_best_only):
    # Keras 3 dropped every_n_epochs (Keras 2's period): its checkpoint shown only every n-th epoch's end
    options = {"save_best_only": save_best_only}
    mismatches = compare(lambda: callbacks.ModelCheckpoint(tmp_path / "c.safetensors", "val_accuracy",
                                                           every_n_epochs=every, **options),
                         lambda: keras.callbacks.ModelCheckpoint(tmp_path / "c.keras", "val_accuracy", **options),
                         options, "val_accuracy", every=every)
    assert not mismatches, mismatches[:3]


def test_save_best_only_with_auto_mode_keeps_the_highest_accuracy(tmp_path):
    model = StandIn([])
    drive(callbacks.ModelCheckpoint(tmp_path / "c.safetensors", "val_accuracy", save_best_only=True), model,
          "val_accuracy", [0.5, 0.7, 0.6, 0.8, 0.4])
    assert [epoch for _, epoch, _ in model.saved] == [0, 1, 3]


#: the epochs' logs a CSVLogger is given: validation every other epoch (as validation_freq=2 logs it) and a
#: value that is a list (a metric of several outputs)
CSV_LOGS = [{"loss": 0.9, "accuracy": 0.25, "per_class": [0.5, 0.25]},
            {"loss": 0.7, "accuracy": 0.5, "per_class": [0.75, 0.5], "val_loss": 0.8, "val_accuracy": 0.4},
            {"loss": 0.6, "accuracy": 0.75, "per_class": [1.0, 0.5]}]
CSV_LOGGER = {"separator": [None, ";", "\t"], "append": [None, True]}
CASES += [("CSVLogger", {"filename", *CSV_LOGGER})]


def csv_run(make, path, logs, runs=2):
    r"""The bytes ``make(path)`` writes over ``runs`` trainings of the epochs of ``logs`` (the file kept between)."""
    for _ in range(runs):
        callback = make(path)
        callback.on_train_begin({})
        for epoch, epoch_logs in enumerate(logs):
            callback.on_epoch_end(epoch, dict(epoch_logs))
        callback.on_train_end({})
    return path.read_bytes()


@pytest.mark.parametrize("logs", [CSV_LOGS, CSV_LOGS[1:]], ids=["validation later", "validation first"])
def test_csv_logger_writes_keras_s_file(tmp_path, logs):
    for options in matrix(CSV_LOGGER):
        ours = csv_run(lambda p: callbacks.CSVLogger(p, **options), tmp_path / "ours.csv", logs)
        theirs = csv_run(lambda p: keras.callbacks.CSVLogger(str(p), **options), tmp_path / "theirs.csv", logs)
        assert ours == theirs, options
        (tmp_path / "ours.csv").unlink()
        (tmp_path / "theirs.csv").unlink()


#: every hook of a callback (Keras's LambdaCallback names six, the others come as keyword arguments)
HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")
CASES += [("LambdaCallback", {"on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
                              "on_train_batch_begin", "on_train_batch_end"})]


def hook_calls(library, hooks):
    r"""The hooks a LambdaCallback of ``hooks`` sees, in order, through fit (with validation every other
    epoch), evaluate and predict of a small classifier: (hook, epoch or batch, the logs' keys)."""
    import neurona as nr
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(20, 4)).astype("float32"), rng.integers(0, 3, 20)
    y = np.eye(3, dtype="float32")[labels]
    seen = []

    def recorder(hook):
        def record(*args, logs=None):         # (logs), (epoch or batch, logs), logs given by name or not
            number = next((a for a in args if isinstance(a, int)), None)
            logs = next((a for a in args if isinstance(a, Mapping)), logs)
            seen.append((hook, number, sorted((logs or {}).keys())))
        return record

    hooked = {hook: recorder(hook) for hook in hooks}
    if library == "keras":
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
        callback = keras.callbacks.LambdaCallback(**hooked)
    else:
        model = nr.Sequential([nr.layers.Dense(3, activation="softmax")], input_dim=4)
        callback = callbacks.LambdaCallback(**hooked)
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=3, batch_size=8, validation_data=(x[:12], y[:12]), validation_freq=2, verbose=0,
              callbacks=[callback])
    model.evaluate(x, y, batch_size=16, verbose=0, callbacks=[callback])
    model.predict(x, batch_size=16, verbose=0, callbacks=[callback])
    return seen


@pytest.mark.parametrize("hooks", [HOOKS, HOOKS[:6], ("on_epoch_end", "on_test_batch_end", "on_predict_end")],
                         ids=["every hook", "the named six", "three"])
def test_lambda_callback_sees_keras_s_hooks(hooks):
    ours, theirs = hook_calls("neurona", hooks), hook_calls("keras", hooks)
    assert [call[:2] for call in ours] == [call[:2] for call in theirs]
    assert ours == theirs


class SavingStandIn(StandIn):
    r"""A stand-in whose saves write "epoch,batch" to the file they name (Keras's backup saves weights)."""
    built = True

    def save(self, path, **_):
        super().save(path)
        pathlib.Path(path).write_text(f"{self.epoch},{self.batch}")

    def save_weights(self, filepath, **_):
        super().save_weights(filepath)
        pathlib.Path(filepath).write_text(f"{self.epoch},{self.batch}")


BACKUP = {"save_freq": [None, 1, 3, 7], "double_checkpoint": [None, True], "delete_checkpoint": [False, True]}
CASES += [("BackupAndRestore", set(BACKUP))]


def backup_run(make, latest, values, steps):
    r"""The saves of ``make()`` through a run, what its latest file and the previous one (or None) held when
    the last epoch began and after the run, and whether any backup is left."""
    model = SavingStandIn([])
    callback = make()
    read = lambda path: path.read_text() if path.exists() else None     # noqa: E731
    seen = []

    class Watch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append((read(latest), read(latest.with_name(latest.name + ".bkp"))))

    run = drive(CallbackPair(callback, Watch()), model, "loss", values, steps)
    return run["saved"], seen, latest.exists() or latest.parent.exists() and any(latest.parent.iterdir())


class CallbackPair:
    r"""Two callbacks driven as one (the second only watches)."""

    def __init__(self, first, second):
        self.first, self.second = first, second

    def __getattr__(self, hook):
        def both(*args, **kwargs):
            for callback in (self.first, self.second):
                getattr(callback, hook)(*args, **kwargs)
        return both


def test_backup_and_restore_saves_as_keras(tmp_path):
    values = [0.9, 0.8, 0.7, 0.6]
    mismatches = []
    for number, options in enumerate(matrix(BACKUP)):
        ours_dir, keras_dir = tmp_path / f"ours{number}", tmp_path / f"keras{number}"
        ours_dir.mkdir()
        ours = backup_run(lambda: callbacks.BackupAndRestore(ours_dir / "backup", **options),
                          ours_dir / "backup", values, steps=4)
        theirs = backup_run(lambda: keras.callbacks.BackupAndRestore(keras_dir, **options),
                            keras_dir / "latest.weights.h5", values, steps=4)
        if [s[1:] for s in ours[0]] != [s[1:] for s in theirs[0]] or ours[1:] != theirs[1:]:
            mismatches.append((options, ours, theirs))
    assert not mismatches, mismatches[:2]


def test_a_backup_saved_within_an_epoch_resumes_that_epoch(tmp_path):
    import neurona as nr
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = x.sum(1, keepdims=True)

    def model(seed):
        m = nr.Sequential([nr.layers.Dense(1)], input_dim=3, seed=seed)
        m.compile(optimizer="sgd", loss="mse")
        return m

    path = tmp_path / "backup.safetensors"
    first = model(0)
    first.fit(x, y, epochs=2, batch_size=8, verbose=0,                 # 5 batches an epoch: saved after 3, 6, 9
              callbacks=[callbacks.BackupAndRestore(path, save_freq=3, double_checkpoint=True,
                                                    delete_checkpoint=False)])
    assert path.exists() and pathlib.Path(f"{path}.bkp").exists()
    path.write_bytes(b"torn")                                            # the latest save is unreadable
    resumed = model(1)
    history = resumed.fit(x, y, epochs=3, batch_size=8, verbose=0,
                          callbacks=[callbacks.BackupAndRestore(path, save_freq=3, double_checkpoint=True,
                                                                delete_checkpoint=True)])
    assert history.epoch == [0, 1, 2] and len(history.history["loss"]) == 3   # from the save after batch 6: epoch 1
    assert not path.exists() and not pathlib.Path(f"{path}.bkp").exists()


def test_backup_and_restore_takes_keras_s_backup_dir(tmp_path):
    import neurona as nr
    x = np.random.default_rng(0).normal(size=(20, 3))
    y = x.sum(1, keepdims=True)
    folder = tmp_path / "backup"
    folder.mkdir()
    model = nr.Sequential([nr.layers.Dense(1)], input_dim=3, seed=0)
    model.compile(optimizer="sgd", loss="mse")
    saved = []
    backup = callbacks.BackupAndRestore(backup_dir=folder)
    watch = nr.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: saved.append(sorted(p.name for p in folder.iterdir())))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[backup, watch])
    assert saved == [["backup.safetensors"], ["backup.safetensors"]]
    assert list(folder.iterdir()) == []                    # deleted when training ends, as Keras's default
