"""The playground's regression sets and the multiclass gauss and spiral sets."""
import numpy as np
import pytest

from neurona import datasets


@pytest.mark.parametrize("make", [datasets.make_reg_plane, datasets.make_reg_gauss], ids=lambda f: f.__name__)
def test_regression_sets_cover_the_view_and_are_seeded(make):
    x, y = make(seed=0)
    assert x.shape == (1200, 2) and y.shape == (1200,) and y.dtype == np.float64
    assert np.abs(x).max() <= 6 and np.abs(x).max() > 5.9
    np.testing.assert_array_equal(make(seed=0)[1], y)
    assert not np.array_equal(make(seed=1)[0], x)
    noisy_x, noisy_y = make(noise=0.5, seed=0)
    np.testing.assert_array_equal(noisy_x, x)          # noise moves where the target is read, not the point
    assert not np.allclose(noisy_y, y)
    with pytest.raises(ValueError, match="'noise' argument"):
        make(noise=-1)


def test_reg_plane_is_the_scaled_sum_and_reg_gauss_its_bumps():
    x, y = datasets.make_reg_plane(300, seed=2)
    np.testing.assert_allclose(y, (x[:, 0] + x[:, 1]) / 10)
    x, y = datasets.make_reg_gauss(3000, seed=2)
    assert -1 <= y.min() < -0.8 and 0.8 < y.max() <= 1
    # at a bump's centre the target is its sign; far from all of them it is 0
    near = np.hypot(x[:, 0] - 4, x[:, 1] + 2.5) < 0.3
    assert near.any() and (y[near] < -0.85).all()
    far = (np.abs(x[:, 1]) < 0.2) & (np.abs(np.abs(x[:, 0]) - 2) < 0.2)
    assert far.any() and np.all(y[far] == 0)


@pytest.mark.parametrize("make", [datasets.make_gauss, datasets.make_spiral], ids=lambda f: f.__name__)
@pytest.mark.parametrize("k", [3, 6])
def test_multiclass_sets(make, k):
    x, y = make(601, seed=0, n_classes=k)
    counts = np.bincount(y, minlength=k)
    assert len(counts) == k and counts.max() - counts.min() <= 1 and counts.sum() == 601
    centres = np.array([x[y == c].mean(axis=0) for c in range(k)])
    if make is datasets.make_gauss:
        np.testing.assert_allclose(np.hypot(*centres.T), 2 * np.sqrt(2), atol=0.25)
    with pytest.raises(ValueError, match="'n_classes' argument"):
        make(100, n_classes=7)


def test_two_class_sets_keep_their_earlier_draws():
    x, y = datasets.make_gauss(10, seed=0)
    # class 1 first around (2, 2), as before multiclass sets existed
    rng = np.random.default_rng(0)
    drawn = np.r_[np.full((5, 2), 2.0), np.full((5, 2), -2.0)] + rng.normal(0, np.sqrt(0.5), (10, 2))
    order = rng.permutation(10)
    np.testing.assert_array_equal(x, drawn[order])
    np.testing.assert_array_equal(y, np.r_[np.ones(5), np.zeros(5)][order])
