r"""Weight constraints (``keras.constraints``): a projection applied to a weight after every
optimizer step, w <- c(w), as Keras does.

    Dense(64, kernel_constraint=constraints.MaxNorm(3))      # each unit's incoming weights: ||w|| <= 3
    self.add_weight(shape=(n,), constraint="non_neg")        # a custom layer's weight stays >= 0

Norms are taken along ``axis`` (axis 0 of a Dense kernel (n_in, units): the weights into one unit),
||w|| = sqrt(sum_i w_i^2), and e = ``config.epsilon()`` keeps the division finite.
"""
from __future__ import annotations

import numpy as np

from . import config
from .registry import Configurable, Registry
from .validation import check_number


class Constraint(Configurable):
    r"""Base class: ``__call__(w)`` gives the projected weight (the identity here)."""

    def __call__(self, w):
        return w


class _Function(Constraint):
    r"""A plain function w -> c(w) given where a constraint is expected."""

    def __init__(self, function):
        self.function = function

    def __call__(self, w):
        return self.function(w)


registry = Registry("constraint", Constraint)
register = registry.register


def get(identifier):
    r"""A constraint from a name, a config, an instance, a function of the weight, or None."""
    if callable(identifier) and not isinstance(identifier, (type, Constraint)):
        return _Function(identifier)
    return registry.get(identifier)


def serialize(constraint) -> dict | None:
    return None if constraint is None else constraint.get_config()


def deserialize(config):
    return get(config)


def _norm(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


@register("max_norm", "maxnorm")
class MaxNorm(Constraint):
    r"""w <- w min(||w||, max_value) / (e + ||w||): columns longer than ``max_value`` are scaled
    back to it (Srivastava et al., 2014, with dropout)."""

    def __init__(self, max_value: float = 2.0, axis=0):
        self.max_value = check_number("MaxNorm", "max_value", max_value, 0)
        self.axis = axis

    def __call__(self, w):
        norms = _norm(w, self.axis)
        return w * (np.clip(norms, 0, self.max_value) / (config.epsilon() + norms)).astype(w.dtype)


@register("min_max_norm", "minmaxnorm")
class MinMaxNorm(Constraint):
    r"""w <- w d / (e + ||w||) with d = rate clip(||w||, min_value, max_value) + (1 - rate) ||w||:
    the norm moved (all the way when rate = 1) into [min_value, max_value]."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis=0):
        self.min_value = check_number("MinMaxNorm", "min_value", min_value, 0)
        self.max_value = check_number("MinMaxNorm", "max_value", max_value, 0)
        if max_value < min_value:
            raise ValueError(f"MinMaxNorm needs min_value <= max_value; got {min_value} and {max_value}.")
        self.rate = check_number("MinMaxNorm", "rate", rate, 0, 1)
        self.axis = axis

    def __call__(self, w):
        norms = _norm(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (config.epsilon() + norms)).astype(w.dtype)


@register("non_neg", "nonneg")
class NonNeg(Constraint):
    r"""w <- max(w, 0): negative weights become 0."""

    def __call__(self, w):
        return w * (w >= 0).astype(w.dtype)


@register("unit_norm", "unitnorm")
class UnitNorm(Constraint):
    r"""w <- w / (e + ||w||): every column of unit length."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (config.epsilon() + _norm(w, self.axis)).astype(w.dtype)


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm     # Keras's aliases
