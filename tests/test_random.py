r"""``neurona.random``: Keras's draws, their seeds (int, SeedGenerator, None after set_random_seed),
their distributions (moments over many draws), and the gradient of dropout and shuffle."""
import numpy as np
import pytest

import neurona as nr
from neurona import random
from neurona.autodiff import GradientTape, Variable


def test_int_seed_repeats_and_seed_generator_moves_on():
    np.testing.assert_array_equal(random.normal((3, 2), seed=4), random.normal((3, 2), seed=4))
    g = random.SeedGenerator(7)
    a, b = random.uniform((5,), seed=g), random.uniform((5,), seed=g)
    assert not np.array_equal(a, b)
    g2 = random.SeedGenerator(7)
    np.testing.assert_array_equal(a, random.uniform((5,), seed=g2))
    assert random.SeedGenerator.from_config(g.get_config()).seed == 7


def test_set_random_seed_repeats_unseeded_draws():
    nr.utils.set_random_seed(3)
    first = random.normal((4,))
    nr.utils.set_random_seed(3)
    np.testing.assert_array_equal(first, random.normal((4,)))


def test_distributions():
    n = 200_000
    x = random.normal((n,), mean=2.0, stddev=3.0, seed=0)
    assert x.dtype == np.float32 and abs(x.mean() - 2) < 0.03 and abs(x.std() - 3) < 0.03
    u = random.uniform((n,), minval=-1.0, maxval=3.0, seed=0)
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1) < 0.02
    t = random.truncated_normal((n,), mean=1.0, stddev=0.5, seed=0)
    assert np.abs(t - 1).max() <= 1.0 and abs(t.std() - 0.5 * 0.8796) < 0.005    # sd of N(0,1) cut at +-2
    r = random.randint((n,), 2, 5, seed=0)
    assert r.dtype == np.int32 and set(np.unique(r)) == {2, 3, 4}
    assert abs(random.gamma((n,), 3.0, seed=0).mean() - 3.0) < 0.03
    assert abs(random.beta((n,), 2.0, 6.0, seed=0).mean() - 0.25) < 0.005
    assert abs(random.binomial((n,), 10, 0.3, seed=0).mean() - 3.0) < 0.02


def test_categorical_frequencies():
    logits = np.log(np.array([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]]))
    draws = random.categorical(logits, 50_000, seed=0)
    assert draws.shape == (2, 50_000)
    np.testing.assert_allclose(np.bincount(draws[0], minlength=3) / 50_000, [0.2, 0.5, 0.3], atol=0.01)
    np.testing.assert_allclose(np.bincount(draws[1], minlength=3) / 50_000, [0.9, 0.05, 0.05], atol=0.01)


def test_dropout_keeps_the_mean_and_its_gradient_is_the_mask():
    x = np.ones((400, 50), np.float32)
    y = random.dropout(x, 0.3, seed=0)
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.7)} and abs(y.mean() - 1) < 0.02
    rows = random.dropout(x, 0.5, noise_shape=(None, 1), seed=0)
    assert all(len(np.unique(row)) == 1 for row in rows)
    v = Variable(np.full((3, 4), 2.0))
    with GradientTape() as tape:
        out = random.dropout(v, 0.5, seed=1)
        loss = nr.ops.sum(out)
    np.testing.assert_allclose(tape.gradient(loss, v), out.data / 2.0)


def test_shuffle_permutes_and_sends_gradient_back():
    x = np.arange(12.0).reshape(4, 3)
    s = random.shuffle(x, seed=0)
    assert sorted(map(tuple, s)) == sorted(map(tuple, x))
    np.testing.assert_array_equal(np.sort(random.shuffle(x, axis=1, seed=0), axis=1), x)
    v = Variable(x)
    with GradientTape() as tape:
        loss = nr.ops.sum(random.shuffle(v, seed=0) * np.arange(4.0)[:, None])
    g = tape.gradient(loss, v)
    order = (random.shuffle(x, seed=0)[:, 0] / 3).astype(int)              # s = x[order]
    np.testing.assert_allclose(g[order, 0], np.arange(4.0))


def test_bad_arguments():
    with pytest.raises(TypeError, match="seed"):
        random.normal((2,), seed="a")
    with pytest.raises(ValueError, match="rate"):
        random.dropout(np.ones(3), 1.0)
    with pytest.raises(ValueError, match="minval < maxval"):
        random.randint((2,), 3, 3)
    with pytest.raises(ValueError, match="float"):
        random.normal((2,), dtype="int32")
