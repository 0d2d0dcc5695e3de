r"""Argument checks that name the argument, the expectation and what was given.

Errors follow one shape: "The 'learning_rate' argument of Adam must be a number > 0. Got -1.0."
"""
from __future__ import annotations

import numbers
import os
import sys
import warnings

import numpy as np

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_user(message: str, category: type = UserWarning) -> None:
    r"""``warnings.warn`` pointing at the user's line: the first caller outside neurona (a warning
    about the user's mistake shown at a line inside the library says nothing useful)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def check_number(owner: str, name: str, value, low=None, high=None, *, low_open=False,
                 high_open=False, integer=False):
    r"""Return ``value`` if it is a real number in the given interval, else raise."""
    kind = "an integer" if integer else "a number"
    ok_type = isinstance(value, numbers.Integral if integer else numbers.Real) and not isinstance(value, bool)
    bounds = []
    if low is not None:
        bounds.append(f"{'>' if low_open else '>='} {low}")
    if high is not None:
        bounds.append(f"{'<' if high_open else '<='} {high}")
    expectation = f"{kind}{' ' + ' and '.join(bounds) if bounds else ''}"
    if not ok_type:
        raise TypeError(f"The {name!r} argument of {owner} must be {expectation}. Got {value!r} "
                        f"({type(value).__name__}).")
    if np.isnan(value) or (low is not None and (value <= low if low_open else value < low)) or (
            high is not None and (value >= high if high_open else value > high)):
        raise ValueError(f"The {name!r} argument of {owner} must be {expectation}. Got {value!r}.")
    return value


def one_seed(owner: str, seed, random_state):
    r"""The seed given as neurona's ``seed=`` or scikit-learn's ``random_state=`` (the same thing;
    giving both is an error)."""
    if seed is not None and random_state is not None:
        raise ValueError(f"{owner} takes seed= (neurona's name) or random_state= (scikit-learn's), which "
                         f"mean the same; got both: seed={seed!r}, random_state={random_state!r}.")
    return seed if random_state is None else random_state


def describe_nonfinite(name: str, array: np.ndarray) -> str | None:
    r"""A sentence saying how many NaN/inf values ``array`` holds and where, or None."""
    if not np.issubdtype(array.dtype, np.floating) and not np.issubdtype(array.dtype, np.complexfloating):
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(array, axis=None)):    # one pass: a NaN or inf makes the sum
            return None                                     # non-finite (a sum that overflows only
    bad = ~np.isfinite(array)                               # costs the exact count below)
    count = int(bad.sum())
    if count == 0:
        return None
    n_nan = int(np.isnan(array).sum())
    where = np.argwhere(bad)[:5]
    places = ", ".join(str(tuple(int(i) for i in w)) if array.ndim > 1 else str(int(w[0])) for w in where)
    more = " ..." if count > 5 else ""
    return (f"{name} holds {count} non-finite value(s) ({n_nan} NaN, {count - n_nan} inf), "
            f"first at index {places}{more}. Remove or impute them before training.")


def as_2d_array(name: str, data, dtype, allow_more_axes: bool = False) -> np.ndarray:
    r"""``data`` as a 2-D floating array (a 1-D array becomes one column), checked for emptiness
    and non-finite values; ``allow_more_axes`` accepts (samples, d_1, ..., d_k) too."""
    try:
        array = np.asarray(data)
    except Exception as error:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers; could not convert it: {error}") from None
    if array.dtype == object:           # a DataFrame of mixed columns (numbers and get_dummies' booleans)
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            pass
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must hold numbers; got an array of dtype {array.dtype}.")
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 and not (allow_more_axes and array.ndim > 2):
        raise ValueError(f"{name} must be 2-D (samples, features); got shape {array.shape}.")
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); at least one sample is needed.")
    problem = describe_nonfinite(name, array)
    if problem:
        raise ValueError(problem)
    with np.errstate(over="ignore"):
        cast = np.ascontiguousarray(array, dtype=dtype)
    if cast.dtype != array.dtype and cast.dtype.kind == "f" and describe_nonfinite(name, cast):
        raise ValueError(overflow_message(name, array, cast.dtype))
    return cast


def overflow_message(name: str, array: np.ndarray, dtype) -> str:
    r"""Where the finite ``array`` has values too large for ``dtype`` (they would become inf)."""
    limit = np.finfo(dtype).max
    with np.errstate(invalid="ignore"):
        too_large = np.abs(array) > limit
    count = int(too_large.sum())
    row, column = (int(i) for i in np.argwhere(too_large.reshape(array.shape[0], -1))[0])
    return (f"{name} holds {count} value(s) too large for {np.dtype(dtype).name} (largest {limit:.3g}), first "
            f"{float(array.reshape(array.shape[0], -1)[row, column]):g} at row {row}, column {column}. Rescale the data "
            f"(e.g. StandardScaler) or use a float64 model (dtype='float64').")
