r"""Weight penalties added to the cost, in the slides' notation (m = samples in the batch):

    L2:   J += lambda / (2m) ||W||_F^2        dJ/dW += lambda / m W
    L1:   J += lambda / m    sum |W|          dJ/dW += lambda / m sign(W)
    L1L2: both.

Dividing by m, as the slides do, makes the penalty weigh the same per sample whatever the batch
size: with the mean loss (1/m) sum L_i the whole cost is (1/m) [sum L_i + lambda/2 ||W||^2].
"""
from __future__ import annotations

import numpy as np

from .registry import Configurable, Registry
from .validation import check_number


class Regularizer(Configurable):
    def __call__(self, weights, m: int) -> float:
        raise NotImplementedError

    def gradient(self, weights, m: int):
        raise NotImplementedError


registry = Registry("regularizer", Regularizer)
register = registry.register
get = registry.get


@register("l2")
class L2(Regularizer):
    r"""J += lambda / (2m) ||W||_F^2;  dJ/dW = lambda / m W."""

    def __init__(self, l2: float = 0.01):
        self.l2 = check_number("L2", "l2", l2, 0)

    def __call__(self, weights, m):
        return float(self.l2 / (2 * m) * np.sum(np.square(weights, dtype=np.float64)))

    def gradient(self, weights, m):
        return (self.l2 / m) * weights


@register("l1")
class L1(Regularizer):
    r"""J += lambda / m sum |W|;  dJ/dW = lambda / m sign(W) (0 at W = 0). Drives weights to exactly 0."""

    def __init__(self, l1: float = 0.01):
        self.l1 = check_number("L1", "l1", l1, 0)

    def __call__(self, weights, m):
        return float(self.l1 / m * np.sum(np.abs(weights), dtype=np.float64))

    def gradient(self, weights, m):
        return (self.l1 / m) * np.sign(weights)


@register("l1_l2", "l1l2")
class L1L2(Regularizer):
    r"""J += l1 / m sum |W| + l2 / (2m) ||W||_F^2;  dJ/dW = l1 / m sign(W) + l2 / m W."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = check_number("L1L2", "l1", l1, 0)
        self.l2 = check_number("L1L2", "l2", l2, 0)

    def __call__(self, weights, m):
        return L1(self.l1)(weights, m) + L2(self.l2)(weights, m)

    def gradient(self, weights, m):
        return L1(self.l1).gradient(weights, m) + L2(self.l2).gradient(weights, m)
