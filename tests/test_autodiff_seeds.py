r"""Seed 004's programs written with neurona.autodiff in place of TensorFlow: linear regression
by the numerical slope, by the hand-derived gradient and by the tape; logistic regression on the
breast cancer set with mini-batches and momentum; softmax regression on MNIST.
"""

import numpy as np
import pytest

import neurona as nr
from neurona import autodiff as ad



def linear_data(seed=0):
    r"""100 points of y = 3x + noise (seed 004), x in [-1, 1), noise in [-0.5, 0.5), and the
    starting w and b from U(-1, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, 100)
    return x, 3 * x + rng.uniform(-0.5, 0.5, 100), rng.uniform(-1, 1, 2)


def mse(y_true, y_pred):
    return np.mean((y_true - y_pred) ** 2)


def train_by_slope(x, y, w, b, epochs=100, learning_rate=0.1):
    for _ in range(epochs):
        pw, pb = ad.numerical_gradient(lambda w, b: mse(y, x * w + b), [w, b], delta=1e-6)
        w, b = w - learning_rate * pw, b - learning_rate * pb
    return float(w), float(b)


def train_by_hand(x, y, w, b, epochs=100, learning_rate=0.1):
    n = len(x)
    for _ in range(epochs):
        residual = y - (x * w + b)
        gw, gb = -2 * np.sum(residual * x) / n, -2 * np.sum(residual) / n      # the seed's derivatives
        w, b = w - learning_rate * gw, b - learning_rate * gb
    return float(w), float(b)


def train_by_tape(x, y, w, b, epochs=100, learning_rate=0.1):
    x, y = x.astype(np.float32), y.astype(np.float32)              # as the seed: float32 for the tape
    w, b = ad.Tensor(np.float32(w)), ad.Tensor(np.float32(b))
    errors = []
    for _ in range(epochs):
        with ad.GradientTape() as g:
            g.watch([w, b])
            loss = ad.mean((y - (x * w + b)) ** 2)
            errors.append(float(loss.numpy()))
        gw, gb = g.gradient(loss, [w, b])
        w = w - learning_rate * gw
        b = b - learning_rate * gb
    return float(w.numpy()), float(b.numpy()), errors


def test_seed_004_linear_regression_three_ways_agree():
    x, y, (w0, b0) = linear_data()
    slope = train_by_slope(x, y, w0, b0)
    hand = train_by_hand(x, y, w0, b0)
    w, b, errors = train_by_tape(x, y, w0, b0)
    assert slope == pytest.approx(hand, abs=1e-3) and (w, b) == pytest.approx(hand, abs=1e-3)   # the bar
    assert slope == pytest.approx(hand, abs=1e-5) and (w, b) == pytest.approx(hand, abs=1e-5)   # what they reach
    assert hand == pytest.approx(np.polyfit(x, y, 1), abs=0.01)           # near the least-squares line
    assert errors[-1] < 0.2 * errors[0]
    variable_w, variable_b = ad.Variable(np.float32(w0)), ad.Variable(np.float32(b0))   # seed's tf.Variable form
    for _ in range(100):
        with ad.GradientTape() as g:
            loss = ad.mean((y - (x * variable_w + variable_b)) ** 2)
        gw, gb = g.gradient(loss, [variable_w, variable_b])
        variable_w.assign(variable_w - 0.1 * gw)
        variable_b.assign(variable_b - 0.1 * gb)
    assert (float(variable_w), float(variable_b)) == pytest.approx((w, b), abs=1e-5)


def logistic_regression(x, w, b):
    r"""The seed writes 1 / (1 + exp(-(x W + b))): in float32 exp overflows for z < -88, and the
    backward step through it is 0 * inf = NaN, the NaNs the seed meets with momentum. ad.sigmoid
    is the same function computed without overflow."""
    return ad.sigmoid(ad.matmul(x, w) + b)[:, 0]


def crossentropy(yt, yp):
    yp = ad.clip(yp, 1e-7, 1 - 1e-7)                # the seed clips the extreme values
    return ad.mean(-yt * ad.log(yp) - (1 - yt) * ad.log(1 - yp))


def test_seed_004_breast_cancer_logistic_regression_minibatches_momentum():
    x, y = nr.datasets.load("breast_cancer")
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    x, y = x[order].astype(np.float32), y[order].astype(np.float32)
    scaler = nr.data.StandardScaler().fit(x[:500])
    x_train, x_test = scaler.transform(x[:500]), scaler.transform(x[500:])     # 500 to train, 69 to test
    y_train, y_test = y[:500], y[500:]
    w = ad.Tensor(rng.uniform(-1, 1, (30, 1)).astype(np.float32))
    b = ad.Tensor(np.float32(rng.uniform(-1, 1)))
    vw, vb = np.zeros((30, 1), np.float32), np.float32(0)
    learning_rate, momentum, losses = 0.1, 0.9, []
    for _ in range(30):
        shuffled = rng.permutation(500)
        x_s, y_s = x_train[shuffled], y_train[shuffled]
        for mb in range(0, 500, 50):
            with ad.GradientTape() as g:
                g.watch([w, b])
                loss = crossentropy(y_s[mb:mb + 50], logistic_regression(x_s[mb:mb + 50], w, b))
            gw, gb = g.gradient(loss, [w, b])
            vw = momentum * vw - learning_rate * gw
            vb = momentum * vb - learning_rate * gb
            w, b = w + vw, b + vb
            losses.append(float(loss))
    assert w.dtype == np.float32 and np.all(np.isfinite(losses))
    assert np.mean(losses[-10:]) < 0.25 * np.mean(losses[:10])
    accuracy = np.mean((logistic_regression(x_test, w, b).numpy() >= 0.5) == y_test)
    print(f"breast cancer logistic regression, 30 epochs: test accuracy {accuracy:.4f} on 69 samples")
    assert accuracy >= 0.94


def test_seed_004_softmax_regression_on_mnist(mnist_path):
    x_train, y_train, x_test, y_test = nr.datasets.load_mnist(mnist_path)         # (n, 784) in [0, 1], float32
    yc_train = nr.data.one_hot(y_train, 10)
    rng = np.random.default_rng(0)
    w = ad.Variable(rng.uniform(-1, 1, (784, 10)).astype(np.float32))
    b = ad.Variable(rng.uniform(-1, 1, 10).astype(np.float32))
    vw, vb = np.zeros((784, 10), np.float32), np.zeros(10, np.float32)
    learning_rate, momentum = 0.05, 0.9

    def loss_f(y, x, w, b):               # -sum y log softmax(x W + b) / n, by the stable log_softmax
        return -ad.sum(y * ad.log_softmax(ad.matmul(x, w) + b)) / x.shape[0]

    for _ in range(3):                    # the seed's U(-1, 1) start needs a few epochs to pass 90%
        order = rng.permutation(len(x_train))
        x_s, y_s = x_train[order], yc_train[order]
        for mb in range(0, len(x_s), 50):
            with ad.GradientTape() as g:
                loss = loss_f(y_s[mb:mb + 50], x_s[mb:mb + 50], w, b)
            gw, gb = g.gradient(loss, [w, b])
            vw = momentum * vw - learning_rate * gw
            vb = momentum * vb - learning_rate * gb
            w.assign(w + vw)
            b.assign(b + vb)
    accuracy = float(np.mean(np.argmax((ad.matmul(x_test, w) + b).numpy(), axis=1) == y_test))
    print(f"softmax regression, 3 epochs: test accuracy {accuracy:.4f}")
    assert accuracy >= 0.90
