r"""Preparing arrays for training: split, scale, encode.

    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, seed=0)
    scaler = StandardScaler().fit(x_train)            # fit on train only ...
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)   # ... reuse everywhere
"""
from __future__ import annotations

import numpy as np

from .validation import as_2d_array, check_number


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


def train_test_split(x, y, test_size: float = 0.25, stratify=None, shuffle: bool = True, seed=None):
    r"""(x_train, x_test, y_train, y_test). With ``stratify=labels`` each class keeps its share in
    both parts (the test part takes round(test_size * class count) of each class)."""
    x, y = np.asarray(x), np.asarray(y)
    n = x.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"x and y must have the same number of samples; got {n} and {y.shape[0]}.")
    check_number("train_test_split", "test_size", test_size, 0, 1, low_open=True, high_open=True)
    rng = np.random.default_rng(seed)
    if stratify is None:
        order = rng.permutation(n) if shuffle else np.arange(n)
        n_test = int(round(n * test_size))
        test, train = order[:n_test], order[n_test:]
    else:
        labels = np.asarray(stratify)
        test_parts, train_parts = [], []
        for label in np.unique(labels):
            members = np.flatnonzero(labels == label)
            if shuffle:
                members = rng.permutation(members)
            n_test = int(round(members.size * test_size))
            test_parts.append(members[:n_test])
            train_parts.append(members[n_test:])
        test, train = np.concatenate(test_parts), np.concatenate(train_parts)
        if shuffle:
            test, train = rng.permutation(test), rng.permutation(train)
    if test.size == 0 or train.size == 0:
        raise ValueError(f"test_size={test_size} of {n} samples leaves an empty {'test' if test.size == 0 else 'train'} part.")
    return x[train], x[test], y[train], y[test]


class StandardScaler:
    r"""x' = (x - mu) / sigma per feature, with mu and sigma measured on the data given to ``fit``.

    (The slides divide by sigma^2, the variance: that is a typo; dividing by the standard
    deviation sigma gives every feature mean 0 and standard deviation 1.) Constant features
    (sigma = 0) are only centred.
    """

    def fit(self, x):
        x = as_2d_array("x", x, np.float64)
        self.mean_ = x.mean(axis=0)
        std = x.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        self.n_features_in_ = x.shape[1]
        return self

    def transform(self, x):
        if not hasattr(self, "mean_"):
            raise RuntimeError("Call StandardScaler.fit(x_train) before transform.")
        array = as_2d_array("x", x, np.float64)
        if array.shape[1] != self.n_features_in_:
            raise ValueError(f"StandardScaler was fitted on {self.n_features_in_} features; x has {array.shape[1]}.")
        dtype = np.asarray(x).dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64
        return ((array - self.mean_) / self.scale_).astype(dtype)

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    def inverse_transform(self, x):
        return np.asarray(x) * self.scale_ + self.mean_
