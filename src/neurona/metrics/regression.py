r"""Whole-set regression metrics: mean squared error, mean absolute error and r2 (exact sums)."""
from __future__ import annotations

import math

import numpy as np

from .classification import _check_length


def _fsum_parts(parts: list[float], values) -> list[float]:
    r"""The exact sum of ``parts`` and ``values`` as a few floats p_0, p_1, ... with p_0 the correctly
    rounded sum: p_0 = round(S), p_1 = round(S - p_0), ... (math.fsum is exact before it rounds).

    Carrying the parts from batch to batch gives, after any batches, the same p_0 as math.fsum of
    all the values at once: the streaming MSE equals the whole-set MSE exactly. A NaN or an
    infinity (a diverged model) gives [nan] or [inf], which later batches keep.
    """
    terms = parts + np.ravel(values).tolist()
    try:
        total = math.fsum(terms)
    except OverflowError:                            # finite values whose sum is beyond float range
        with np.errstate(over="ignore"):
            return [float(np.sum(terms))]
    except ValueError:                               # inf - inf
        return [math.nan]
    if not math.isfinite(total):
        return [total]
    out = []
    for _ in range(40):
        if total == 0:
            break
        out.append(total)
        terms.append(-total)
        total = math.fsum(terms)
    return out or [0.0]


def _regression_pair(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    y_true = y_true.reshape(-1, 1) if y_true.ndim == 1 else y_true
    y_pred = y_pred.reshape(-1, 1) if y_pred.ndim == 1 else y_pred
    if y_true.ndim != 2 or y_pred.ndim != 2:
        raise ValueError(f"y_true and y_pred must be 1-D (samples) or 2-D (samples, outputs); "
                         f"got shapes {np.shape(y_true)} and {np.shape(y_pred)}.")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape (samples[, outputs]); "
                         f"got {np.shape(y_true)} and {np.shape(y_pred)}.")
    _check_length(y_true, y_pred)
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.isfinite(array).all():
            raise ValueError(f"{name} must hold finite numbers; it has {int((~np.isfinite(array)).sum())} "
                             f"NaN or infinite value(s).")
    return y_true, y_pred


def _mean_error(errors, multioutput):
    if multioutput == "raw_values":
        return np.array([_fsum_parts([], column)[0] / len(column) for column in errors.T])
    if multioutput != "uniform_average":
        raise ValueError(f"multioutput must be 'raw_values' or 'uniform_average'; got {multioutput!r}.")
    return _fsum_parts([], errors)[0] / errors.size


def mean_squared_error(y_true, y_pred, multioutput="uniform_average"):
    r"""MSE = 1/N sum_j (y_j - y_hat_j)^2 (seed 002; averaged over outputs)."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    return _mean_error(np.square(y_pred - y_true), multioutput)


def mean_absolute_error(y_true, y_pred, multioutput="uniform_average"):
    r"""MAE = 1/N sum_j |y_j - y_hat_j| (seed 002; averaged over outputs)."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    return _mean_error(np.abs(y_pred - y_true), multioutput)


def r2(y_true, y_pred, multioutput="uniform_average"):
    r"""Coefficient of determination R^2 = 1 - sum (y - y_hat)^2 / sum (y - mean(y))^2.

    1 is a perfect fit, 0 is as good as predicting the mean, below 0 worse. For a constant y_true
    (denominator 0) it is 1 if the predictions are exact, else 0. "variance_weighted" averages the
    outputs weighted by their variance.
    """
    y_true, y_pred = _regression_pair(y_true, y_pred)
    if len(y_true) < 2:
        raise ValueError("r2 needs at least two samples.")
    residual = np.sum((y_true - y_pred) ** 2, axis=0)
    total = np.sum((y_true - y_true.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(total > 0, 1 - residual / np.where(total > 0, total, 1), np.where(residual == 0, 1.0, 0.0))
    if multioutput == "raw_values":
        return scores
    if multioutput == "variance_weighted" and total.sum() > 0:
        return float(np.average(scores, weights=total))
    if multioutput not in ("uniform_average", "variance_weighted"):
        raise ValueError(f"multioutput must be 'raw_values', 'uniform_average' or 'variance_weighted'; "
                         f"got {multioutput!r}.")
    return float(np.mean(scores))
