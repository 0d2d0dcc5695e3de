"""Splits, splitters, scalers, encoding and batches."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import model_selection, preprocessing

from neurona import data


def labelled(counts, seed=0):
    y = np.repeat(np.arange(len(counts)), counts)
    y = np.random.default_rng(seed).permutation(y)
    return np.arange(len(y) * 2, dtype=float).reshape(len(y), 2), y


def assert_within_one_per_class(y, part, fraction):
    for label in np.unique(y):
        exact = fraction * np.count_nonzero(y == label)
        assert abs(np.count_nonzero(part == label) - exact) <= 1, (label, exact)


# ---------------------------------------------------------------------------- splits

@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(3, 60), min_size=2, max_size=5), test=st.floats(0.1, 0.5), seed=st.integers(0, 99))
def test_stratified_train_test_split_keeps_proportions_within_one(counts, test, seed):
    x, y = labelled(counts, seed)
    x_train, x_test, y_train, y_test = data.train_test_split(x, y, test_size=test, stratify=y, seed=seed)
    n_test = int(round(len(y) * test))
    assert len(y_test) == n_test and len(y_train) == len(y) - n_test
    assert_within_one_per_class(y, y_test, n_test / len(y))
    assert_within_one_per_class(y, y_train, 1 - n_test / len(y))
    # rows stay with their labels and every sample is used once
    np.testing.assert_array_equal(y[(x_test[:, 0] / 2).astype(int)], y_test)
    assert sorted(np.r_[x_train[:, 0], x_test[:, 0]]) == sorted(x[:, 0])


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(3, 80), min_size=2, max_size=4), seed=st.integers(0, 99),
       fractions=st.sampled_from([(0.98, 0.01, 0.01), (0.78, 0.11, 0.11), (0.6, 0.2, 0.2), (0.5, 0.25, 0.25)]))
def test_train_val_test_split_fractions_and_strata(counts, seed, fractions):
    x, y = labelled(counts, seed)
    n = len(y)
    sizes = [n - 2 * int(round(n * fractions[1])), int(round(n * fractions[1])), int(round(n * fractions[2]))]
    if min(sizes) < 1:
        with pytest.raises(ValueError, match="part empty"):
            data.train_val_test_split(x, y, *fractions, stratify=y, seed=seed)
        return
    parts = data.train_val_test_split(x, y, *fractions, stratify=y, seed=seed)
    assert [len(p) for p in parts[3:]] == sizes
    for part, size in zip(parts[3:], sizes):
        assert_within_one_per_class(y, part, size / n)
    assert sorted(np.concatenate([p[:, 0] for p in parts[:3]])) == sorted(x[:, 0])


def test_slides_splits_on_a_big_set():
    x, y = labelled([6000, 4000])
    x_train, x_val, x_test, *_ = data.train_val_test_split(x, y, 0.98, 0.01, 0.01, seed=0)
    assert (len(x_train), len(x_val), len(x_test)) == (9800, 100, 100)
    x_train, x_val, x_test, *_ = data.train_val_test_split(x, y, 0.78, 0.11, 0.11, seed=0)
    assert (len(x_train), len(x_val), len(x_test)) == (7800, 1100, 1100)


def test_split_is_reproducible_and_count_sizes_work():
    x, y = labelled([30, 20])
    a = data.train_test_split(x, y, test_size=0.3, seed=4)
    b = data.train_test_split(x, y, test_size=0.3, seed=4)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    x_train, x_test, *_ = data.train_test_split(x, y, test_size=7, seed=0)
    assert len(x_test) == 7 and len(x_train) == 43
    x_train, x_test, *_ = data.train_test_split(x, y, test_size=0.2, shuffle=False)
    np.testing.assert_array_equal(x_test, x[40:])


@pytest.mark.parametrize("call,error,fragment", [
    (lambda x, y: data.train_val_test_split(x, y, 0.8, 0.1, 0.2), ValueError, "must sum to 1; got 0.8 \\+ 0.1 \\+ 0.2"),
    (lambda x, y: data.train_val_test_split(x, y, 0.9, 0.1, 0.0), ValueError, "'test_size' argument"),
    (lambda x, y: data.train_val_test_split(x[:10], y[:10], 0.9, 0.05, 0.05), ValueError, "leaves the val part empty"),
    (lambda x, y: data.train_test_split(x, y, test_size=1.5), ValueError, "'test_size' argument"),
    (lambda x, y: data.train_test_split(x, y, test_size=50), ValueError, "'test_size' argument"),
    (lambda x, y: data.train_test_split(x, y, test_size=0.001), ValueError, "test_size=0.001 of 50 samples leaves the test part empty"),
    (lambda x, y: data.train_test_split(x, y[:-1]), ValueError, "same number of samples; got 50 and 49"),
    (lambda x, y: data.train_test_split(x, y, stratify=np.r_[y[:-1], 7]), ValueError, "class 7 has only 1 member"),
    (lambda x, y: data.train_val_test_split(x, y, stratify=np.r_[y[:-2], 7, 7]), ValueError, "class 7 has only 2"),
    (lambda x, y: data.train_val_test_split(x, y, stratify=np.r_[y[:-3], 8, 8, 9]), ValueError,
     "class 9 has only 1 member"),                    # the smallest class is named, with its own count
    (lambda x, y: list(data.StratifiedKFold(5).split(x, np.r_[y[:-3], 9, 9, 9])), ValueError, "fewer than the 5 parts"),
    (lambda x, y: list(data.KFold(60).split(x)), ValueError, "more than the 50 samples"),
    (lambda x, y: data.KFold(1), ValueError, "'n_splits' argument"),
    (lambda x, y: data.train_test_split(x, y, splitter="kfold"), TypeError, "split\\(x, y\\) method"),
    (lambda x, y: list(data.batches(x, y, batch_size=0)), ValueError, "'batch_size' argument"),
    (lambda x, y: list(data.batches(np.float64(3.0))), ValueError, "one row per sample; got a scalar"),
    (lambda x, y: data.MinMaxScaler((0,)), ValueError, "'feature_range' argument of MinMaxScaler must be two numbers"),
    (lambda x, y: data.MinMaxScaler(("a", "b")), ValueError, "'feature_range'.*Got \\('a', 'b'\\)"),
])
def test_bad_split_arguments(call, error, fragment):
    x, y = labelled([30, 20])
    with pytest.raises(error, match=fragment):
        call(x, y)


# ------------------------------------------------------------------------- splitters

@pytest.mark.parametrize("n,k", [(10, 3), (17, 5), (6, 6), (100, 4)])
def test_kfold_equals_scikit_learn(n, k):
    x = np.zeros((n, 1))
    for (ours_train, ours_test), (sk_train, sk_test) in zip(data.KFold(k).split(x),
                                                            model_selection.KFold(k).split(x)):
        np.testing.assert_array_equal(ours_train, sk_train)
        np.testing.assert_array_equal(ours_test, sk_test)


@settings(max_examples=30, deadline=None)
@given(counts=st.lists(st.integers(5, 40), min_size=2, max_size=4), k=st.integers(2, 5), seed=st.integers(0, 99),
       shuffle=st.booleans())
def test_stratified_kfold_partitions_and_keeps_proportions(counts, k, seed, shuffle):
    x, y = labelled(counts, seed)
    tests = []
    for train, test in data.StratifiedKFold(k, shuffle=shuffle, seed=seed).split(x, y):
        assert np.intersect1d(train, test).size == 0 and train.size + test.size == len(y)
        assert_within_one_per_class(y, y[test], 1 / k)
        tests.append(test)
    np.testing.assert_array_equal(np.sort(np.concatenate(tests)), np.arange(len(y)))
    assert max(map(len, tests)) - min(map(len, tests)) <= 1


def test_stratified_shuffle_split():
    x, y = labelled([40, 25, 15])
    splitter = data.StratifiedShuffleSplit(n_splits=4, test_size=0.25, seed=0)
    seen = []
    for train, test in splitter.split(x, y):
        assert len(test) == 20 and len(train) == 60
        assert_within_one_per_class(y, y[test], 0.25)
        seen.append(tuple(test))
    assert len(set(seen)) == 4 and splitter.get_n_splits() == 4
    with pytest.raises(ValueError, match="needs the labels"):
        next(splitter.split(x))
    assert all(len(t) == 8 for _, t in data.ShuffleSplit(3, test_size=8, seed=0).split(x))


def test_scikit_learn_splitters_in_neurona_and_back():
    x, y = labelled([30, 20])
    x_train, x_test, y_train, y_test = data.train_test_split(
        x, y, splitter=model_selection.StratifiedShuffleSplit(1, test_size=10, random_state=0))
    assert len(x_test) == 10 and np.bincount(y_test).tolist() == [6, 4]
    x_train, x_test, *_ = data.train_test_split(x, y, splitter=data.KFold(5))
    assert len(x_test) == 10
    from sklearn.linear_model import LogisticRegression
    scores = model_selection.cross_val_score(LogisticRegression(), x, y, cv=data.StratifiedKFold(5, shuffle=True, seed=0))
    assert len(scores) == 5


# --------------------------------------------------------------------------- scalers

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_scalers_equal_scikit_learn(dtype):
    rng = np.random.default_rng(0)
    x_train = (rng.normal(size=(50, 4)) * [1, 100, 0.01, 5] + [0, 50, 3, -2]).astype(dtype)
    x_train[:, 3] = 7.0                                             # a constant feature
    x_new = rng.normal(size=(9, 4)).astype(dtype)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    for ours, theirs in ((data.StandardScaler(), preprocessing.StandardScaler()),
                         (data.MinMaxScaler(), preprocessing.MinMaxScaler()),
                         (data.MinMaxScaler((-1, 1)), preprocessing.MinMaxScaler((-1, 1)))):
        ours.fit(x_train)
        theirs.fit(x_train.astype(np.float64))
        result = ours.transform(x_new)
        assert result.dtype == dtype
        np.testing.assert_allclose(result, theirs.transform(x_new.astype(np.float64)), rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(ours.inverse_transform(ours.transform(x_new)), x_new, rtol=tolerance, atol=tolerance)
    scaled = data.StandardScaler().fit_transform(x_train.astype(np.float64))
    np.testing.assert_allclose(scaled[:, :3].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled[:, :3].std(axis=0), 1, atol=1e-12)       # sigma, not sigma^2
    minmax = data.MinMaxScaler().fit_transform(x_train.astype(np.float64))
    assert minmax[:, :3].min() == 0 and minmax[:, :3].max() == 1


def test_standard_scaler_rebuilt_from_its_statistics():
    x = np.arange(12.0).reshape(4, 3) ** 2
    fitted = data.StandardScaler().fit(x)
    rebuilt = data.StandardScaler()
    rebuilt.mean_, rebuilt.scale_, rebuilt.n_features_in_ = fitted.mean_.copy(), fitted.scale_.copy(), 3
    np.testing.assert_array_equal(rebuilt.transform(x), fitted.transform(x))
    np.testing.assert_array_equal(rebuilt.inverse_transform(rebuilt.transform(x)), fitted.inverse_transform(fitted.transform(x)))


@pytest.mark.parametrize("scaler", [data.StandardScaler, data.MinMaxScaler])
def test_scaler_errors(scaler):
    fitted = scaler().fit(np.ones((5, 3)) * np.arange(5)[:, None])
    with pytest.raises(ValueError, match="fitted on 3 features; x has 2"):
        fitted.transform(np.ones((4, 2)))
    with pytest.raises(RuntimeError, match="before transform"):
        scaler().transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match="non-finite"):
        fitted.transform(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="feature_range"):
        data.MinMaxScaler((1, 0))


# ------------------------------------------------------------------ encoding, batches

def test_one_hot_round_trip_and_errors():
    labels = np.array([2, 0, 1, 2])
    rows = data.one_hot(labels, 4)
    assert rows.shape == (4, 4) and rows.dtype == np.float32
    np.testing.assert_array_equal(data.from_one_hot(rows), labels)
    with pytest.raises(ValueError, match="integer labels"):
        data.one_hot(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="does not fit num_classes=2"):
        data.one_hot(labels, 2)


def test_batches_cover_every_sample_once():
    x, y = np.arange(10).reshape(10, 1), np.arange(10)
    sizes = [len(xb) for xb, _ in data.batches(x, y, batch_size=4)]
    assert sizes == [4, 4, 2]
    seen = np.concatenate([yb for _, yb in data.batches(x, y, 3, shuffle=True, seed=1)])
    assert sorted(seen) == list(range(10)) and list(seen) != list(range(10))
    again = np.concatenate([yb for _, yb in data.batches(x, y, 3, shuffle=True, seed=1)])
    np.testing.assert_array_equal(seen, again)
    for xb, yb in data.batches(x, y, 3, shuffle=True, seed=2):
        np.testing.assert_array_equal(xb[:, 0], yb)
    assert [len(b) for b in data.batches(x, batch_size=5)] == [5, 5]
    with pytest.raises(ValueError, match="same number of samples"):
        next(data.batches(x, y[:5]))


def test_standard_scaler_keeps_float32_and_matches_float64_statistics():
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(3000, 7)) * [1, 1e3, 1e-3, 5, 1, 1, 1] + [1e4, 0, 3, -2, 0, 0, 0]).astype(np.float32)
    scaler = data.StandardScaler().fit(x)
    exact = x.astype(np.float64)
    np.testing.assert_allclose(scaler.mean_, exact.mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scaler.scale_, exact.std(axis=0), rtol=1e-10)
    out = scaler.transform(x)
    assert out.dtype == np.float32 and scaler.inverse_transform(out).dtype == np.float32
    np.testing.assert_allclose(out.astype(np.float64).std(axis=0), 1, atol=1e-5)


def test_standard_scaler_of_huge_finite_columns_is_finite():
    x = np.array([[1e300, 1.0], [-1e300, 2.0], [1e300, 3.0], [-1e300, 4.0]])
    scaler = data.StandardScaler().fit(x)
    assert np.isfinite(scaler.scale_).all() and scaler.scale_[0] == pytest.approx(1e300)
    scaled = scaler.transform(x)
    np.testing.assert_allclose(scaled[:, 0], [1, -1, 1, -1])          # not silently zeroed
    np.testing.assert_allclose(scaled[:, 1], (x[:, 1] - 2.5) / np.std(x[:, 1]))


def test_standard_scaler_fit_makes_no_copy_of_the_data():
    # one pass in blocks: no float64 copy of a float32 x (which cost MNIST's fit 2.3 s), no
    # (x - mean) temporary of x's size (NumPy's std makes one)
    import tracemalloc
    x = np.random.default_rng(0).random((20000, 100), dtype=np.float32)
    tracemalloc.start()
    try:
        data.StandardScaler().fit(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < x.nbytes / 4, (peak, x.nbytes)


def test_scikit_learns_random_state_is_neuronas_seed():
    x, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    for make in (lambda **k: data.StratifiedShuffleSplit(n_splits=1, test_size=0.2, **k),
                 lambda **k: data.ShuffleSplit(n_splits=2, test_size=0.3, **k),
                 lambda **k: data.KFold(3, shuffle=True, **k),
                 lambda **k: data.StratifiedKFold(3, shuffle=True, **k)):
        by_seed, by_random_state = make(seed=5), make(random_state=5)
        assert by_random_state.random_state == by_random_state.seed == 5
        for (a, b), (c, d) in zip(by_seed.split(x, y), by_random_state.split(x, y)):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
        with pytest.raises(ValueError, match="seed= .* or random_state= .*got both"):
            make(seed=1, random_state=1)
    for split in (lambda **k: data.train_test_split(x, y, test_size=0.25, **k),
                  lambda **k: data.train_val_test_split(x, y, 0.6, 0.2, 0.2, **k)):
        for a, b in zip(split(seed=3), split(random_state=3)):
            np.testing.assert_array_equal(a, b)
        with pytest.raises(ValueError, match="got both"):
            split(seed=3, random_state=3)
