"""Whether a logged value is better high or low: one answer (``metrics.direction``) for every
registered metric and loss name, checked against Keras's callbacks (mode="auto"), and used by
EarlyStopping / ModelCheckpoint / ReduceLROnPlateau, the tuner's objective and ``neurona info``."""
import os
import types

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

import neurona as nr
from neurona import callbacks, cli, losses, metrics
from neurona.tune import objective

NAMES = sorted(set(metrics.registry.names()) | set(losses.registry.names()))
#: the Keras metrics that cannot be built from their name alone: their class and a required argument
KERAS_ARGUMENTS = {"precision_at_recall": ("PrecisionAtRecall", {"recall": 0.5}),
                   "recall_at_precision": ("RecallAtPrecision", {"precision": 0.5}),
                   "sensitivity_at_specificity": ("SensitivityAtSpecificity", {"specificity": 0.5}),
                   "specificity_at_sensitivity": ("SpecificityAtSensitivity", {"sensitivity": 0.5})}


def keras_direction(monitor, metric_name):
    r"""What Keras's EarlyStopping(mode="auto") decides for ``monitor`` on a model compiled with
    ``metrics=[metric_name]``: "min", "max", None (Keras cannot tell), or "not a metric"."""
    keras = pytest.importorskip("keras")
    from keras.src.trainers import compile_utils
    if metric_name in KERAS_ARGUMENTS:
        class_name, arguments = KERAS_ARGUMENTS[metric_name]
        metric = getattr(keras.metrics, class_name)(**arguments, name=metric_name)   # (a second default name has _1)
    else:
        metric = metric_name
    compiled = compile_utils.CompileMetrics(metrics=[metric], weighted_metrics=None)
    try:
        compiled.build(np.zeros((4, 3), "float32"), np.full((4, 3), 0.3, "float32"))
    except ValueError:
        return "not a metric"
    answers = set()
    for callback in (keras.callbacks.EarlyStopping(monitor=monitor, mode="auto"),
                     keras.callbacks.ReduceLROnPlateau(monitor=monitor, mode="auto"),
                     keras.callbacks.ModelCheckpoint("never.keras", monitor=monitor, mode="auto")):
        callback._model = types.SimpleNamespace(metrics=[compiled])
        try:
            callback._set_monitor_op()
            answers.add("min" if callback.monitor_op is keras.ops.less else "max")
        except ValueError:
            answers.add(None)
    assert len(answers) == 1, (monitor, answers)        # Keras's three monitoring callbacks agree
    return answers.pop()


def ours(monitor):
    r"""What neurona's three monitoring callbacks decide with mode="auto" (None: they refuse)."""
    answers = set()
    for callback in (callbacks.EarlyStopping(monitor), callbacks.ReduceLROnPlateau(monitor),
                     callbacks.ModelCheckpoint("never.safetensors", monitor)):
        try:
            callback.set_model(types.SimpleNamespace(metrics=[]))
            answers.add(callback.mode)
        except ValueError as error:
            assert "give mode='max' or mode='min'" in str(error)
            answers.add(None)
    assert len(answers) == 1, (monitor, answers)
    return answers.pop()


def test_every_registered_metric_and_loss_name_has_keras_s_direction():
    compared = 0
    for name in NAMES:
        for monitor in (name, f"val_{name}"):
            expected = keras_direction(monitor, name)
            if expected == "not a metric":
                # not a metric name in Keras (rmse, kld, huber, ...): the answer of the class it names
                registry = metrics.registry if name in metrics.registry.names() else losses.registry
                cls = registry.lookup(name)
                expected = None if cls.higher_is_better is None else ("max" if cls.higher_is_better else "min")
            else:
                compared += 1
            assert metrics.direction(monitor) == ours(monitor) == expected, monitor
            if expected is not None:
                assert objective.create(monitor).direction == expected
    assert compared >= 60        # most names are Keras's metric names too


ALIASES = [("mse", "mean_squared_error"), ("rmse", "root_mean_squared_error"), ("mae", "mean_absolute_error"),
           ("mape", "mean_absolute_percentage_error"), ("msle", "mean_squared_logarithmic_error"), ("f1", "f1_score"),
           ("roc_auc", "auc"), ("kld", "kl_divergence"), ("logcosh", "log_cosh_error")]


@pytest.mark.parametrize("alias, canonical", ALIASES)
def test_an_alias_and_a_val_prefix_resolve_to_the_same_answer(alias, canonical):
    answers = {metrics.direction(n) for n in (alias, canonical, f"val_{alias}", f"val_{canonical}")}
    assert len(answers) == 1 and answers != {None}


def test_losses_and_unknown_names():
    assert metrics.direction("loss") == metrics.direction("val_loss") == metrics.direction("output_1_loss") == "min"
    assert metrics.direction("huber") == metrics.direction("val_binary_focal_crossentropy") == "min"
    assert metrics.direction("val_my_score") is None and metrics.direction("true_positives") is None
    with pytest.raises(TypeError, match="name must be"):
        metrics.direction(3)


def test_cosine_similarity_metric_is_keras_s():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    ours, theirs = metrics.CosineSimilarity(), keras.metrics.CosineSimilarity()
    for part in (slice(0, 4), slice(4, 7)):
        ours.update_state(y[part], p[part])
        theirs.update_state(y[part], p[part])
    assert ours.result() == pytest.approx(float(theirs.result()), rel=1e-6)
    assert metrics.get("cosine_similarity")[1].get_config() == {"name": "cosine_similarity", "axis": -1}


def _model(metric_list):
    model = nr.Sequential([nr.layers.Dense(1)], input_dim=2)
    model.compile(optimizer="sgd", loss="mse", metrics=metric_list)
    return model


@pytest.mark.parametrize("make", [lambda m, mode: callbacks.EarlyStopping(m, mode=mode),
                                  lambda m, mode: callbacks.ReduceLROnPlateau(m, mode=mode),
                                  lambda m, mode: callbacks.ModelCheckpoint("never.safetensors", m, mode=mode)])
def test_the_monitoring_callbacks_ask_the_metric(make):
    for monitor, mode in (("val_mae", "min"), ("val_rmse", "min"), ("val_msle", "min"),
                          ("val_cosine_similarity", "max"), ("val_f1_score", "max"), ("val_loss", "min")):
        callback = make(monitor, "auto")
        callback.set_model(_model(["mae"]))
        assert callback.mode == mode, monitor
    with pytest.raises(ValueError, match="cannot tell whether 'val_true_positives' is better high or low"):
        make("val_true_positives", "auto").set_model(_model(["mae"]))
    assert make("val_true_positives", "max").mode == "max"


def test_a_custom_metric_is_found_among_the_model_s_metrics():
    class Margin(metrics.Mean):
        higher_is_better = True

    class KerasStyle(metrics.Mean):
        _direction = "down"

    compiled = [Margin(name="margin"), KerasStyle(name="spread")]
    stopper = callbacks.EarlyStopping("val_margin")
    stopper.set_model(types.SimpleNamespace(metrics=compiled))
    assert stopper.mode == "max" and metrics.direction("val_spread", compiled) == "min"
    assert metrics.direction("val_spread", [("spread", compiled[1])]) == "min"
    assert metrics.direction("val_margin", [types.SimpleNamespace(metrics=compiled)]) == "max"
    model = _model(["mae", Margin(name="margin")])
    assert metrics.direction("val_margin", model.metrics) == "max"


def test_the_tuner_objective_takes_the_metric_s_direction():
    for name, direction in (("val_mae", "min"), ("val_rmse", "min"), ("mape", "min"), ("val_auc", "max"),
                            ("val_cosine_similarity", "max"), ("val_loss", "min")):
        assert objective.create(name).direction == direction
    with pytest.raises(ValueError, match="Cannot infer"):
        objective.create("val_true_positives")


def test_info_reports_the_best_value_in_the_metric_s_direction(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2))
    y = x @ np.array([1.5, -2.0]) + 0.3
    model = _model(["mae", "mse", "rmse", "mape", "msle"])
    model.fit(x, y, epochs=4, validation_split=0.25, verbose=0)
    path = tmp_path / "model.safetensors"
    model.save(path)
    assert cli.main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    history = model.history.history
    for key in ("val_mae", "val_mse", "rmse", "val_rmse", "mape", "val_msle", "loss"):
        values = history[key]
        assert values[-1] < values[0]       # training improves them: the best is the lowest
        assert f"  {key}: first {values[0]:.4f}, last {values[-1]:.4f}, best {min(values):.4f}" in out, key
