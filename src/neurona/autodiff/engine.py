r"""The engine's activations, losses, regularizers and layers written again with autodiff ops.

These are second, independent forms of the engine's forward passes: built from the primitives
of ``ops`` (whose derivatives are the table in ``derivatives``), they give gradients that owe
nothing to the hand-written ``derivative`` / ``gradient`` / ``backward`` methods, so the two can
check each other (``check_gradients``).
"""
from __future__ import annotations

from . import ops


def activation(act, z):
    return act.call(z)


def penalty(regularizer, weights, m):
    return regularizer.call(weights, m)


def loss_value(loss, y_true, y_pred, sample_weight=None):
    r"""J of ``loss`` on a Tensor ``y_pred`` (reduced as the loss says; "none" gives the mean)."""
    value = loss.on_tape(y_true, y_pred, sample_weight)
    return ops.mean(value) if value.size > 1 else value
