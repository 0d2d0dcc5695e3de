r"""Small programs in the style of the keras.io guides, written once with Keras's names for the
pieces of this part (losses, metrics, optimizers, schedules, regularizers, utils) and run under
neurona and under Keras 3 (torch backend) from the same initial weights: the training logs agree."""
import os
import re

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import neurona as nr                            # noqa: E402


def data(seed=0, n=96):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    logits = x @ np.array([1.5, -2.0, 0.5, 1.0]) + 0.3 * rng.normal(size=n)
    return x, (logits > 0).astype("float32").reshape(-1, 1), (np.digitize(logits, [-1, 1])).astype("int64")


def compile_args(k, which):
    r"""The compile arguments of the program, spelled with Keras's names in the framework ``k``."""
    if which == "binary":
        schedule = k.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=6, decay_rate=0.5)
        return dict(optimizer=k.optimizers.SGD(learning_rate=schedule, momentum=0.9),
                    loss=k.losses.BinaryCrossentropy(label_smoothing=0.1),
                    metrics=[k.metrics.BinaryAccuracy(threshold=0.6), "mse", k.metrics.AUC(),
                             k.metrics.Precision(), k.metrics.TruePositives()])
    return dict(optimizer=k.optimizers.RMSprop(learning_rate=0.01, epsilon=1e-12),
                loss="sparse_categorical_crossentropy",
                metrics=["acc", k.metrics.SparseTopKCategoricalAccuracy(k=2)])


def run(which, framework):
    x, y_binary, y_classes = data()
    y = y_binary if which == "binary" else y_classes
    units, output = (1, "sigmoid") if which == "binary" else (3, "softmax")
    rng = np.random.default_rng(1)
    weights = [rng.normal(0, 0.5, (4, 8)).astype("float32"), np.zeros(8, "float32"),
               rng.normal(0, 0.5, (8, units)).astype("float32"), np.zeros(units, "float32")]
    k = nr if framework == "neurona" else keras
    hidden = dict(activation="elu", kernel_regularizer=k.regularizers.l2(1e-3))
    if framework == "neurona":
        model = nr.Sequential([nr.layers.Dense(8, **hidden), nr.layers.Dense(units, activation=output)], input_dim=4)
    else:
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, **hidden),
                                  keras.layers.Dense(units, activation=output)])
    model.set_weights(weights)
    model.compile(**compile_args(k, which))
    history = model.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0)
    return history.history


@pytest.mark.parametrize("which", ["binary", "classes"])
def test_training_logs_agree_with_keras(which):
    ours, theirs = run(which, "neurona"), run(which, "keras")
    # Keras numbers a metric name already used in the process ("auc_2"); neurona keeps "auc"
    theirs = {re.sub(r"_\d+$", "", key): value for key, value in theirs.items() if key != "learning_rate"}
    assert set(theirs) <= set(ours), (sorted(ours), sorted(theirs))
    for key, values in theirs.items():
        tolerance = 2e-2 if key == "auc" else 2e-4          # Keras's AUC is approximated on 200 thresholds
        np.testing.assert_allclose(ours[key], values, rtol=tolerance, atol=tolerance, err_msg=key)


def test_utils_as_keras_writes_them():
    labels = np.array([0, 2, 1, 2])
    np.testing.assert_array_equal(nr.utils.to_categorical(labels), keras.utils.to_categorical(labels))
    np.testing.assert_array_equal(nr.utils.to_categorical(labels, num_classes=5),
                                  keras.utils.to_categorical(labels, num_classes=5))
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(nr.utils.normalize(x), keras.utils.normalize(x), rtol=1e-6)
    np.testing.assert_allclose(nr.utils.normalize(x, axis=1, order=1), keras.utils.normalize(x, axis=1, order=1),
                               rtol=1e-6)
    nr.utils.set_random_seed(3)
    first = np.random.rand()
    nr.utils.set_random_seed(3)
    assert np.random.rand() == first
    left, right = nr.utils.split_dataset((x, labels[:1].repeat(5)), left_size=0.6)
    assert len(left[0]) == 3 and len(right[0]) == 2
    with pytest.raises(ValueError, match="integer class labels"):
        nr.utils.to_categorical([0.5, 1.0])
    with pytest.raises(NotImplementedError, match="It has: .*to_categorical"):
        nr.utils.audio_dataset_from_directory
