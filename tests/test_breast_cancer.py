"""Seed 004's breast-cancer lesson: 500 train / 69 test, logistic regression (one sigmoid Dense
trained on binary cross-entropy). Unscaled inputs break it; standardised inputs reach >= 95%."""
import numpy as np
import pytest

import neurona as nr
from neurona.callbacks import DivergenceWarning


@pytest.fixture(scope="module")
def split():
    x, y = nr.datasets.load_breast_cancer()
    x_train, x_test, y_train, y_test = nr.data.train_test_split(x, y, test_size=69, stratify=y, seed=0)
    assert len(x_train) == 500 and len(x_test) == 69
    return x_train, x_test, y_train, y_test


def logistic_regression(seed, loss=None):
    # the slides' w, b = tf.random.uniform(minval=-1, maxval=1)
    model = nr.Sequential([nr.layers.Dense(1, activation="sigmoid", kernel_initializer="random_uniform",
                                           bias_initializer="random_uniform")], input_dim=30, seed=seed)
    return model, loss or nr.losses.BinaryCrossentropy()


def test_unscaled_inputs_make_the_slides_loss_nan(split):
    x_train, _, y_train, _ = split
    # the slides' loss has no clipping: -y log(y_hat) - (1 - y) log(1 - y_hat) with epsilon = 0
    model, loss = logistic_regression(0, nr.losses.BinaryCrossentropy(epsilon=0))
    model.compile(optimizer=nr.optimizers.SGD(learning_rate=0.1), loss=loss)
    with np.errstate(all="ignore"), pytest.warns(DivergenceWarning, match="unscaled inputs"):
        history = model.fit(x_train, y_train, epochs=100, batch_size=500, verbose=0)
    assert model.stop_training and len(history.history["loss"]) < 100
    assert np.isfinite(model.get_weights()[0]).all()          # the weights before the NaN batch


def test_unscaled_inputs_do_not_learn_even_with_clipping(split):
    x_train, x_test, y_train, y_test = split
    model, loss = logistic_regression(0)
    model.compile(optimizer=nr.optimizers.SGD(learning_rate=0.1), loss=loss, metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=100, batch_size=500, verbose=0)
    # the sigmoid saturates to exactly 0 or 1: the clipped loss jumps around -ln(1e-7) * share wrong
    assert max(history.history["loss"][-10:]) > 2
    assert model.evaluate(x_test, y_test, return_dict=True)["accuracy"] < 0.9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_standardised_inputs_reach_95_percent(split, seed):
    x_train, x_test, y_train, y_test = split
    scaler = nr.data.StandardScaler().fit(x_train)                # fit on train only
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    model, loss = logistic_regression(seed)
    # the slides' mini-batches of 50 with momentum 0.9, 100 epochs
    model.compile(optimizer=nr.optimizers.SGD(learning_rate=0.1, momentum=0.9), loss=loss, metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=100, batch_size=50, verbose=0)
    assert model.evaluate(x_test, y_test, return_dict=True)["accuracy"] >= 0.95
