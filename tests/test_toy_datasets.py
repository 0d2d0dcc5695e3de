"""The slides' toy sets and the playground's 2-D sets."""
import numpy as np
import pytest

import neurona as nr
from neurona import datasets


def test_chocolate_prices_answer_the_slides_question():
    x, y = datasets.chocolate_prices()
    assert x.shape == (7, 1) and y.shape == (7,)
    assert x[:, 0].tolist() == [1, 1.5, 2, 2.25, 3, 3.1, 3.5]
    assert y.tolist() == [10, 15, 20, 22.5, 30, 31, 35]
    w = np.linalg.lstsq(x, y, rcond=None)[0][0]          # y = W x, no bias
    assert w * datasets.CHOCOLATE_QUERY == pytest.approx(40)


def test_make_linear_is_the_slides_line_plus_uniform_noise():
    x, y = datasets.make_linear(seed=0)
    assert x.shape == (100, 1) and y.shape == (100,)
    residual = y - 3 * x[:, 0]
    assert np.abs(residual).max() <= 0.5 and 0.05 < np.mean(residual ** 2) < 0.12    # var U(-.5,.5) = 1/12
    np.testing.assert_array_equal(datasets.make_linear(seed=0)[1], y)
    assert not np.array_equal(datasets.make_linear(seed=1)[1], y)
    # gradient descent on it finds w = 3, b = 0 (seed 004 reports w = 3.0076, b = -0.0298)
    model = nr.Sequential([nr.layers.Dense(1)], input_dim=1, seed=0, dtype="float64")
    model.compile(optimizer=nr.optimizers.SGD(learning_rate=0.1), loss="mse")     # the slides' rate
    model.fit(x, y, epochs=300, batch_size=100, verbose=0)
    kernel, bias = model.get_weights()
    w, b = np.linalg.lstsq(np.c_[x, np.ones(100)], y, rcond=None)[0]
    assert kernel[0, 0] == pytest.approx(w, abs=1e-3) and bias[0] == pytest.approx(b, abs=1e-3)
    assert w == pytest.approx(3, abs=0.15) and b == pytest.approx(0, abs=0.1)
    x2, y2 = datasets.make_linear(n_samples=7, w=-2.0, b=1.0, noise=0.0, seed=3)
    np.testing.assert_allclose(y2, -2 * x2[:, 0] + 1)


@pytest.mark.parametrize("name,outputs", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0]),
                                          ("NAND", [1, 1, 1, 0]), ("nor", [1, 0, 0, 0])])
def test_logic_gates(name, outputs):
    x, y = datasets.logic_gate(name)
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == outputs


def best_linear_accuracy(x, y):
    model = nr.Sequential([nr.layers.Dense(1, activation="sigmoid")], input_dim=2, seed=0)
    model.compile(optimizer=nr.optimizers.Adam(0.1), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=300, batch_size=len(y), verbose=0)
    return model.evaluate(x, y, return_dict=True)["accuracy"]


def test_xor_is_not_linearly_separable_and_and_or_are():
    assert best_linear_accuracy(*datasets.logic_gate("and")) == 1.0
    assert best_linear_accuracy(*datasets.logic_gate("or")) == 1.0
    assert best_linear_accuracy(*datasets.logic_gate("xor")) <= 0.75
    with pytest.raises(ValueError, match="known gates: and, or, xor"):
        datasets.logic_gate("xnor")


MAKERS = [datasets.make_circle, datasets.make_xor, datasets.make_gauss, datasets.make_spiral]


@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__)
def test_playground_sets_shapes_balance_and_seeds(make):
    x, y = make(n_samples=301, seed=0)
    assert x.shape == (301, 2) and y.shape == (301,) and x.dtype == np.float64 and y.dtype == np.int64
    assert sorted(np.bincount(y).tolist()) == [150, 151]
    np.testing.assert_array_equal(make(n_samples=301, seed=0)[0], x)
    assert not np.array_equal(make(n_samples=301, seed=1)[0], x)
    assert np.abs(x).max() <= 5 + 1e-12 or make is datasets.make_gauss
    noisy, labels = make(n_samples=301, noise=0.5, seed=0)
    assert not np.allclose(noisy, x)
    with pytest.raises(ValueError, match="'noise' argument"):
        make(noise=-0.1)
    with pytest.raises(ValueError, match="'n_samples' argument"):
        make(n_samples=1)


def test_playground_sets_have_their_shapes():
    x, y = datasets.make_circle(400, seed=0)
    r = np.hypot(*x.T)
    assert r[y == 1].max() <= 2.5 and 3.5 <= r[y == 0].min() and r[y == 0].max() <= 5
    x, y = datasets.make_xor(400, seed=0)
    assert np.array_equal(y == 1, x[:, 0] * x[:, 1] > 0) and np.abs(x).min() >= 0.3
    x, y = datasets.make_gauss(4000, seed=0)
    np.testing.assert_allclose(x[y == 1].mean(axis=0), [2, 2], atol=0.05)
    # the playground's variance 0.5 + 7 noise: standard deviation sqrt(0.5) clean, 2 at noise 0.5
    np.testing.assert_allclose(x[y == 0].std(axis=0), [np.sqrt(0.5)] * 2, rtol=0.05)
    assert datasets.make_gauss(4000, noise=0.5, seed=0)[0][y == 0].std() == pytest.approx(2, rel=0.05)
    x, y = datasets.make_spiral(400, seed=0)
    # the two spirals are the same curve turned by half a turn
    np.testing.assert_allclose(np.sort(np.hypot(*x[y == 0].T)), np.sort(np.hypot(*x[y == 1].T)))


def test_an_mlp_learns_the_circle_a_line_does_not():
    x, y = datasets.make_circle(300, noise=0.0, seed=0)
    assert best_linear_accuracy(x, y) < 0.75
    model = nr.Sequential([nr.layers.Dense(8, activation="tanh"), nr.layers.Dense(1, activation="sigmoid")],
                          input_dim=2, seed=0)
    model.compile(optimizer=nr.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x / 5, y, epochs=100, batch_size=32, verbose=0)
    assert model.evaluate(x / 5, y, return_dict=True)["accuracy"] >= 0.98
