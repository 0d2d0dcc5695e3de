r"""Preparing arrays for training: split, scale, encode, batch.

    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, seed=0)
    scaler = StandardScaler().fit(x_train)            # fit on train only ...
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)   # ... reuse everywhere

The splitters (``KFold``, ``StratifiedKFold``, ``ShuffleSplit``, ``StratifiedShuffleSplit``) speak
scikit-learn's protocol: ``split(x, y)`` yields (train indices, test indices). Where neurona takes
one split (``train_test_split(..., splitter=...)``) any object with that protocol works, scikit-learn's
own splitters included; and neurona's splitters work inside scikit-learn (``cross_val_score(cv=...)``).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .validation import as_2d_array, check_number, one_seed


def one_hot(labels, num_classes: int | None = None, dtype="float32") -> np.ndarray:
    r"""Integer labels (n,) -> one-hot rows (n, k): row i has a 1 in column labels[i]."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"one_hot needs a 1-D array of integer labels; got dtype {labels.dtype}, shape {labels.shape}.")
    if labels.size and labels.min() < 0:
        raise ValueError(f"one_hot needs labels >= 0; got {labels.min()}.")
    k = int(labels.max()) + 1 if num_classes is None else num_classes
    if labels.size and labels.max() >= k:
        raise ValueError(f"one_hot: label {labels.max()} does not fit num_classes={k}.")
    out = np.zeros((labels.size, k), dtype=dtype)
    out[np.arange(labels.size), labels] = 1
    return out


def from_one_hot(rows) -> np.ndarray:
    r"""One-hot (or probability) rows -> the integer label of each (argmax)."""
    return np.argmax(np.asarray(rows), axis=-1)


# ------------------------------------------------------------------------------ sizes and shares

def _part_size(owner: str, name: str, size, n: int) -> int:
    r"""A part's sample count from a fraction in (0, 1) or a count in 1..n-1."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        return check_number(owner, name, size, 1, n - 1, integer=True)
    count = int(round(n * check_number(owner, name, size, 0, 1, low_open=True, high_open=True)))
    if not 0 < count < n:
        raise ValueError(f"{owner}: {name}={size} of {n} samples leaves the "
                         f"{'test' if count == 0 else 'train'} part empty.")
    return count


def _shares(counts: np.ndarray, sizes: list[int]) -> np.ndarray:
    r"""How many of each class go to each part: a (classes, parts) table of whole numbers whose rows
    sum to the class counts c_k and whose columns sum to the part sizes s_p.

    Every cell starts at floor(c_k s_p / n); the samples left over are dealt one per cell, each class
    in turn (most left over first) to the parts still missing most. So every cell is within one
    sample of its exact share c_k s_p / n.
    """
    counts, sizes = np.asarray(counts), np.asarray(sizes)
    table = (np.outer(counts, sizes) // counts.sum()).astype(np.int64)
    left_in_class, left_in_part = counts - table.sum(axis=1), sizes - table.sum(axis=0)
    for k in np.argsort(-left_in_class, kind="stable"):
        parts = np.argsort(-left_in_part, kind="stable")[:left_in_class[k]]
        table[k, parts] += 1
        left_in_part[parts] -= 1
    return table


def _class_members(labels: np.ndarray, rng, shuffle: bool) -> list[np.ndarray]:
    r"""The indices of each class (sorted by label), shuffled within the class if asked."""
    _, codes = np.unique(labels, return_inverse=True)
    members = [np.flatnonzero(codes == k) for k in range(codes.max() + 1)]
    return [rng.permutation(m) for m in members] if shuffle else members


def _check_labels(owner: str, y, n: int) -> np.ndarray:
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = np.argmax(labels, axis=1)          # one-hot rows stratify by their class
    labels = labels.reshape(-1) if labels.ndim == 2 else labels
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(f"{owner}: the labels to stratify by must be {n} labels (one per sample); "
                         f"got shape {np.asarray(y).shape}.")
    return labels


def _check_smallest_class(owner: str, labels: np.ndarray, parts: int):
    values, counts = np.unique(labels, return_counts=True)
    if counts.min() < parts:
        smallest = int(np.argmin(counts))
        raise ValueError(f"{owner}: class {values[smallest].item()!r} has only {counts[smallest]} member(s), fewer "
                         f"than the {parts} parts asked for; stratification needs at least one per part.")


def _stratified_parts(owner: str, labels, sizes: list[int], rng, shuffle: bool) -> list[np.ndarray]:
    r"""Indices of parts with the given total sizes, each class spread over them by ``_shares``."""
    _check_smallest_class(owner, labels, len(sizes))
    members = _class_members(labels, rng, shuffle)
    table = _shares([m.size for m in members], sizes)
    bounds = np.cumsum(table, axis=1)[:, :-1]
    pieces = [np.split(m, b) for m, b in zip(members, bounds)]
    parts = [np.concatenate([p[j] for p in pieces]) for j in range(len(sizes))]
    return [rng.permutation(p) if shuffle else np.sort(p) for p in parts]


def _random_parts(n: int, sizes: list[int], rng, shuffle: bool) -> list[np.ndarray]:
    order = rng.permutation(n) if shuffle else np.arange(n)
    bounds = np.cumsum(sizes)[:-1]
    return np.split(order, bounds)


def _same_length(owner: str, arrays) -> int:
    lengths = [np.shape(a)[0] if np.ndim(a) else 0 for a in arrays]
    if len(set(lengths)) != 1:
        raise ValueError(f"{owner}: x and y must have the same number of samples; got {' and '.join(map(str, lengths))}.")
    return lengths[0]


# ------------------------------------------------------------------------------------ splits

def train_test_split(x, y, test_size=0.25, stratify=None, shuffle: bool = True, seed=None, splitter=None,
                     random_state=None):
    r"""(x_train, x_test, y_train, y_test).

    seed       seeds the shuffle; ``random_state=`` (scikit-learn's name) is the same: give one.

    test_size  a fraction in (0, 1) (rounded to whole samples) or a sample count (the slides' breast
               cancer split: ``test_size=69`` leaves 500 of 569 to train).
    stratify   labels whose class proportions both parts keep: each class is within one sample
               of its share (see ``_shares``).
    splitter   any object with ``split(x, y)`` (neurona's or scikit-learn's): its first split is used.
    """
    seed = one_seed("train_test_split", seed, random_state)
    x, y = np.asarray(x), np.asarray(y)
    n = _same_length("train_test_split", (x, y))
    if splitter is not None:
        train, test = first_split(splitter, x, y)
        return x[train], x[test], y[train], y[test]
    n_test = _part_size("train_test_split", "test_size", test_size, n)
    train, test = _split_indices("train_test_split", n, [n - n_test, n_test], stratify, shuffle, seed)
    return x[train], x[test], y[train], y[test]


def train_val_test_split(x, y, train_size=0.8, val_size=0.1, test_size=0.1, stratify=None,
                         shuffle: bool = True, seed=None, random_state=None):
    r"""(x_train, x_val, x_test, y_train, y_val, y_test) with the given fractions of the samples.

    The fractions must sum to 1: the slides' 98/1/1 for big data (``0.98, 0.01, 0.01``) or 78/11/11.
    The validation set chooses hyperparameters; the test set is looked at once, at the end.
    """
    seed = one_seed("train_val_test_split", seed, random_state)
    x, y = np.asarray(x), np.asarray(y)
    n = _same_length("train_val_test_split", (x, y))
    fractions = {"train_size": train_size, "val_size": val_size, "test_size": test_size}
    for name, value in fractions.items():
        check_number("train_val_test_split", name, value, 0, 1, low_open=True, high_open=True)
    if abs(sum(fractions.values()) - 1) > 1e-9:
        raise ValueError(f"train_val_test_split: train_size + val_size + test_size must sum to 1; "
                         f"got {train_size} + {val_size} + {test_size} = {sum(fractions.values()):g}.")
    n_val, n_test = int(round(n * val_size)), int(round(n * test_size))
    sizes = [n - n_val - n_test, n_val, n_test]
    for name, size in zip(fractions, sizes):
        if size < 1:
            raise ValueError(f"train_val_test_split: {name}={fractions[name]} of {n} samples leaves the "
                             f"{name[:-5]} part empty; use more samples or a larger fraction.")
    train, val, test = _split_indices("train_val_test_split", n, sizes, stratify, shuffle, seed)
    return x[train], x[val], x[test], y[train], y[val], y[test]


def _split_indices(owner, n, sizes, stratify, shuffle, seed):
    rng = np.random.default_rng(seed)
    if stratify is None:
        return _random_parts(n, sizes, rng, shuffle)
    return _stratified_parts(owner, _check_labels(owner, stratify, n), sizes, rng, shuffle)


def first_split(splitter, x, y=None):
    r"""(train indices, test indices) of the first split of any scikit-learn-style splitter."""
    if isinstance(splitter, (str, bytes)) or not callable(getattr(splitter, "split", None)):
        raise TypeError(f"splitter must have a split(x, y) method (KFold, StratifiedShuffleSplit, or a "
                        f"scikit-learn splitter); got {type(splitter).__name__}.")
    try:
        train, test = next(iter(splitter.split(x, y)))
    except StopIteration:
        raise ValueError(f"{type(splitter).__name__}.split gave no split.") from None
    return np.asarray(train), np.asarray(test)


class _Splitter:
    r"""scikit-learn's splitter protocol: ``split(x, y, groups)`` and ``get_n_splits()``."""

    def get_n_splits(self, x=None, y=None, groups=None) -> int:
        return self.n_splits

    @property
    def random_state(self):
        r"""scikit-learn's name of ``seed``."""
        return self.seed

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class KFold(_Splitter):
    r"""k folds of (almost) equal size; each is the test part once, the rest train.

    The first n mod k folds get one sample more. ``shuffle=True`` shuffles the samples once
    (with ``seed``) before cutting the folds.
    """

    def __init__(self, n_splits: int = 5, shuffle: bool = False, seed=None, random_state=None):
        self.n_splits = check_number(type(self).__name__, "n_splits", n_splits, 2, integer=True)
        self.shuffle, self.seed = bool(shuffle), one_seed(type(self).__name__, seed, random_state)

    def _folds(self, x, y) -> list[np.ndarray]:
        n = len(x)
        if n < self.n_splits:
            raise ValueError(f"KFold: n_splits={self.n_splits} is more than the {n} samples.")
        order = np.random.default_rng(self.seed).permutation(n) if self.shuffle else np.arange(n)
        return np.array_split(order, self.n_splits)

    def split(self, x, y=None, groups=None):
        folds = self._folds(x, y)
        for k, test in enumerate(folds):
            train = np.concatenate([f for j, f in enumerate(folds) if j != k])
            yield np.sort(train), np.sort(test)


class StratifiedKFold(KFold):
    r"""k folds that each keep the class proportions of y: class c's members are dealt round the
    folds, so every fold holds floor(n_c / k) or that + 1 of them (within one of its share).
    A class with fewer members than folds is an error."""

    def _folds(self, x, y):
        if y is None:
            raise ValueError("StratifiedKFold.split needs the labels y.")
        labels = _check_labels("StratifiedKFold", y, len(x))
        _check_smallest_class("StratifiedKFold", labels, self.n_splits)
        rng = np.random.default_rng(self.seed)
        folds = [[] for _ in range(self.n_splits)]
        start = 0
        for members in _class_members(labels, rng, self.shuffle):
            for i, index in enumerate(members):       # dealt on from where the last class stopped
                folds[(start + i) % self.n_splits].append(index)
            start = (start + members.size) % self.n_splits
        return [np.asarray(f, dtype=np.int64) for f in folds]


class ShuffleSplit(_Splitter):
    r"""n_splits independent random (train, test) splits of the given test size."""

    _stratified = False

    def __init__(self, n_splits: int = 10, test_size=0.1, seed=None, random_state=None):
        self.n_splits = check_number(type(self).__name__, "n_splits", n_splits, 1, integer=True)
        self.test_size, self.seed = test_size, one_seed(type(self).__name__, seed, random_state)

    def split(self, x, y=None, groups=None):
        n = len(x)
        n_test = _part_size(type(self).__name__, "test_size", self.test_size, n)
        labels = _check_labels(type(self).__name__, y, n) if self._stratified else None
        rng = np.random.default_rng(self.seed)
        for _ in range(self.n_splits):
            if labels is None:
                train, test = _random_parts(n, [n - n_test, n_test], rng, True)
            else:
                train, test = _stratified_parts(type(self).__name__, labels, [n - n_test, n_test], rng, True)
            yield np.sort(train), np.sort(test)


class StratifiedShuffleSplit(ShuffleSplit):
    r"""Random splits that keep the class proportions of y (each class within one sample of its
    share in both parts)."""

    _stratified = True

    def split(self, x, y=None, groups=None):
        if y is None:
            raise ValueError("StratifiedShuffleSplit.split needs the labels y.")
        yield from super().split(x, y, groups)


# ---------------------------------------------------------------------------------- batches

def batches(x, y=None, batch_size: int = 32, shuffle: bool = False, seed=None):
    r"""Yield mini-batches (x_b, y_b) (or x_b alone if y is None) of ``batch_size`` samples; the last
    may be smaller. ``shuffle=True`` visits the samples in a random order drawn with ``seed``."""
    check_number("batches", "batch_size", batch_size, 1, integer=True)
    x = np.asarray(x)
    if x.ndim == 0:
        raise ValueError(f"batches needs x with one row per sample; got a scalar {x.item()!r}.")
    if y is not None:
        y = np.asarray(y)
        _same_length("batches", (x, y))
    n = x.shape[0]
    order = np.random.default_rng(seed).permutation(n) if shuffle else None
    for start in range(0, n, batch_size):
        index = slice(start, start + batch_size) if order is None else order[start:start + batch_size]
        yield x[index] if y is None else (x[index], y[index])


# ---------------------------------------------------------------------------------- scalers

def _float_array(x) -> np.ndarray:
    r"""``x`` as a checked 2-D array, float32 and float64 kept as they are (no copy), anything
    else as float64."""
    array = np.asarray(x)
    dtype = array.dtype if array.dtype in (np.float32, np.float64) else np.float64
    return as_2d_array("x", array, dtype)


class _Scaler:
    r"""Fit per-feature statistics on training data; apply them to any data of the same width.
    The statistics are float64; ``transform`` works in the dtype of its input (float32 stays
    float32, in one pass and one new array)."""

    def fit(self, x):
        x = _float_array(x)
        self._fit(x)
        self.n_features_in_ = x.shape[1]
        return self

    def _checked(self, x, method: str):
        name = type(self).__name__
        if not hasattr(self, "n_features_in_"):
            raise RuntimeError(f"Call {name}.fit(x_train) before {method}.")
        array = _float_array(x)
        if array.shape[1] != self.n_features_in_:
            raise ValueError(f"{name} was fitted on {self.n_features_in_} features; x has {array.shape[1]}.")
        return array

    def transform(self, x):
        array = self._checked(x, "transform")
        result = array - np.asarray(self.offset_, array.dtype)
        result /= np.asarray(self.scale_, array.dtype)
        return result

    def inverse_transform(self, x):
        array = self._checked(x, "inverse_transform")
        result = array * np.asarray(self.scale_, array.dtype)
        result += np.asarray(self.offset_, array.dtype)
        return result

    def fit_transform(self, x):
        return self.fit(x).transform(x)


def mean_and_std(x) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-column mean mu and standard deviation sigma of a 2-D float array, in float64, in one
    pass over blocks of rows (no float64 copy of a float32 x):

        K = the first row,   mu = K + mean(x - K),   sigma^2 = mean((x - K)^2) - mean(x - K)^2

    The shift K keeps the one-pass variance accurate (x - K is of the order of sigma, not of mu).
    Columns whose squares overflow (|x| of 1e154 and beyond) are measured again in units of
    their largest |x - K|, so a column of +-1e300 gets sigma = 1e300, not inf."""
    n, width = x.shape
    shift = x[0].astype(np.float64)
    total, squares = np.zeros(width), np.zeros(width)
    rows = max(1, 2 ** 16 // max(width, 1))               # blocks of about 64k numbers
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n, rows):
            block = x[start:start + rows] - shift           # float64
            total += np.add.reduce(block, axis=0)
            block *= block
            squares += np.add.reduce(block, axis=0)
        centre = total / n
        variance = squares / n - centre * centre
    std = np.sqrt(np.clip(variance, 0.0, None))
    for j in np.flatnonzero(~np.isfinite(variance)):
        column = x[:, j].astype(np.float64) - shift[j]
        unit = np.max(np.abs(column))
        centre[j], std[j] = np.mean(column / unit) * unit, np.std(column / unit) * unit
    return shift + centre, std


class StandardScaler(_Scaler):
    r"""x' = (x - mu) / sigma per feature, with mu and sigma measured on the data given to ``fit``.

    (The slides divide by sigma^2, the variance: that is a typo; dividing by the standard
    deviation sigma gives every feature mean 0 and standard deviation 1.) Constant features
    (sigma = 0) are only centred.
    """

    def _fit(self, x):
        self.mean_, std = mean_and_std(x)
        self.scale_ = np.where(std > 0, std, 1.0)

    @property
    def offset_(self):
        # derived, so a scaler rebuilt from saved mean_, scale_ and n_features_in_ works as fitted
        return self.mean_


class MinMaxScaler(_Scaler):
    r"""x' = a + (x - min) (b - a) / (max - min) per feature: the training data fills
    ``feature_range`` = (a, b), (0, 1) by default; new data may fall outside it. Constant
    features map to a."""

    def __init__(self, feature_range=(0.0, 1.0)):
        try:
            low, high = (float(bound) for bound in feature_range)
        except (TypeError, ValueError):
            low = high = math.nan
        if not high > low:
            raise ValueError(f"The 'feature_range' argument of MinMaxScaler must be two numbers (low, high) "
                             f"with low < high. Got {feature_range!r}.")
        self.feature_range = (low, high)

    def _fit(self, x):
        low, high = self.feature_range
        self.data_min_, self.data_max_ = x.min(axis=0), x.max(axis=0)
        spread = self.data_max_ - self.data_min_
        self.scale_ = np.where(spread > 0, spread, 1.0) / (high - low)
        self.offset_ = self.data_min_ - low * self.scale_
