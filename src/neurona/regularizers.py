r"""Weight penalties added to the cost: Keras's by default, the slides' on request.

convention="keras" (default; what ``keras.regularizers`` computes, so Keras code gets Keras's numbers):
    L2:   J += l2 ||W||_F^2              dJ/dW += 2 l2 W
    L1:   J += l1 sum |W|                dJ/dW += l1 sign(W)
convention="lectures" (the slides' lambda / 2m, m = the samples of the batch):
    L2:   J += lambda / (2m) ||W||_F^2   dJ/dW += lambda / m W
    L1:   J += lambda / m    sum |W|     dJ/dW += lambda / m sign(W)
L1L2: both terms.

    regularizers.l2(1e-4)                          # Keras's spelling: l2 is L2, l1 is L1, l1_l2 is L1L2
    regularizers.L2(0.7, convention="lectures")    # the slides' lambda = 0.7

Dividing by m, as the slides do, makes the penalty weigh the same per sample whatever the batch
size: with the mean loss (1/m) sum L_i the whole cost is (1/m) [sum L_i + lambda/2 ||W||^2].
Keras's penalty is added to the batch's mean loss as it is, so the same l2 weighs 2m times more
than the slides' lambda.
"""
from __future__ import annotations

import numpy as np

from .autodiff import ops as _ad
from .registry import Configurable, Registry, not_in_neurona
from .validation import check_number

CONVENTIONS = ("keras", "lectures")


class Regularizer(Configurable):
    r"""Base class: ``r(weights, m=None)`` is the penalty and ``r.gradient(weights, m=None)`` its
    derivative; m (the batch's samples) matters only for convention="lectures"."""

    def __call__(self, weights, m: int | None = None) -> float:
        raise NotImplementedError

    def gradient(self, weights, m: int | None = None):
        raise NotImplementedError

    def call(self, weights, m: int | None = None):
        r"""The tape form: the penalty of the Tensor ``weights`` from autodiff ops, so that its gradient
        owes nothing to ``gradient``. A custom regularizer whose ``__call__(weights)`` is written with
        ``neurona.ops`` is its own tape form."""
        return self(weights)

    def activity(self, outputs, m: int) -> float:
        r"""The penalty of a layer's outputs for a batch of m samples, as Keras 3 adds it: R(a) / m (a mean
        over the batch; the slides' convention divides by m already)."""
        return self(outputs, m) / self._activity_divisor(m)

    def activity_gradient(self, outputs, m: int):
        return self.gradient(outputs, m) / self._activity_divisor(m)

    def activity_call(self, outputs, m: int):
        r"""The tape form of ``activity``."""
        return self.call(outputs, m) / self._activity_divisor(m)

    def _activity_divisor(self, m) -> float:
        return float(m) if getattr(self, "convention", "keras") == "keras" and m else 1.0

    def _check_convention(self, convention):
        if convention not in CONVENTIONS:
            raise ValueError(f"The 'convention' argument of {type(self).__name__} must be 'keras' (l * sum w^2) "
                             f"or 'lectures' (lambda / 2m sum w^2); got {convention!r}.")
        return convention

    def _per_sample(self, m):
        r"""The slides' 1/m (1 for Keras's convention)."""
        if self.convention == "keras":
            return 1.0
        if m is None:
            raise ValueError(f"{type(self).__name__}(convention='lectures') divides by the batch's samples m; "
                             f"call it as regularizer(weights, m).")
        return 1.0 / m


registry = Registry("regularizer", Regularizer)
register = registry.register
get = registry.get


@register("l2")
class L2(Regularizer):
    r"""Keras: J += l2 ||W||^2, dJ/dW = 2 l2 W.  Lectures: J += l2 / (2m) ||W||^2, dJ/dW = l2 / m W."""

    def __init__(self, l2: float = 0.01, convention: str = "keras"):
        self.l2 = check_number("L2", "l2", l2, 0)
        self.convention = self._check_convention(convention)

    def _factor(self):
        return 1.0 if self.convention == "keras" else 0.5        # the slides' 1/2 cancels the 2

    def __call__(self, weights, m=None):
        scale = self.l2 * self._factor() * self._per_sample(m)
        return float(scale * np.sum(np.square(weights, dtype=np.float64)))

    def gradient(self, weights, m=None):
        return (2.0 * self.l2 * self._factor() * self._per_sample(m)) * weights

    def call(self, weights, m=None):
        return self.l2 * self._factor() * self._per_sample(m) * _ad.sum(weights * weights)


@register("l1")
class L1(Regularizer):
    r"""Keras: J += l1 sum |W|.  Lectures: J += l1 / m sum |W|.  dJ/dW = that factor times sign(W)
    (0 at W = 0). Drives weights to exactly 0."""

    def __init__(self, l1: float = 0.01, convention: str = "keras"):
        self.l1 = check_number("L1", "l1", l1, 0)
        self.convention = self._check_convention(convention)

    def __call__(self, weights, m=None):
        return float(self.l1 * self._per_sample(m) * np.sum(np.abs(weights), dtype=np.float64))

    def gradient(self, weights, m=None):
        return (self.l1 * self._per_sample(m)) * np.sign(weights)

    def call(self, weights, m=None):
        return self.l1 * self._per_sample(m) * _ad.sum(_ad.abs(weights))


@register("l1_l2", "l1l2")
class L1L2(Regularizer):
    r"""Both: the L1 term with l1 and the L2 term with l2, in the same convention."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0, convention: str = "keras"):
        self.l1 = check_number("L1L2", "l1", 0.0 if l1 is None else l1, 0)
        self.l2 = check_number("L1L2", "l2", 0.0 if l2 is None else l2, 0)
        self.convention = self._check_convention(convention)

    def _parts(self):
        return L1(self.l1, self.convention), L2(self.l2, self.convention)

    def __call__(self, weights, m=None):
        return sum(part(weights, m) for part in self._parts())

    def gradient(self, weights, m=None):
        first, second = self._parts()
        return first.gradient(weights, m) + second.gradient(weights, m)

    def call(self, weights, m=None):
        first, second = self._parts()
        return first.call(weights, m) + second.call(weights, m)


# Keras 3's lower-case names are the classes themselves (l1_l2 then defaults to 0, as L1L2)
l1, l2, l1_l2 = L1, L2, L1L2


def serialize(regularizer) -> dict:
    return get(regularizer).get_config()


def deserialize(config) -> Regularizer:
    return get(config)


__getattr__ = not_in_neurona(__name__, "regularizer", lambda: ["L1", "L1L2", "L2", "l1", "l1_l2", "l2"])
