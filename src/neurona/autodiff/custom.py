r"""Custom losses: a function f(y_true, y_pred) of autodiff ops, or a ``Loss`` subclass that
overrides ``call(y_true, y_pred)`` (Keras's way), used as a loss in ``fit``.

    def huber(y_true, y_pred, delta=1.0):
        d = ops.abs(y_pred - y_true)
        return ops.mean(ops.where(d <= delta, 0.5 * d ** 2, delta * (d - 0.5 * delta)), axis=-1)

    model.compile(optimizer="sgd", loss=huber)      # dJ/dy_hat comes from the tape

The function receives Tensors (y_true a constant, y_pred watched) and returns one loss per sample
(or the loss J); the values are weighted by ``sample_weight`` and reduced as the loss's
``reduction`` says (the mean by default), as Keras does.
"""
from __future__ import annotations

import numpy as np

from ..losses import Loss, SparseCategoricalCrossentropy
from ..losses.base import _weights, align
from . import ops
from .tape import GradientTape
from .tensor import Tensor


def reduce(loss, values: Tensor, sample_weight=None) -> Tensor:
    r"""sum_n w_n l_n, divided as ``loss.reduction`` says (see ``neurona.losses.base``)."""
    reduction = getattr(loss, "reduction", "sum_over_batch_size")
    if values.ndim == 0:
        return values
    if sample_weight is not None:
        w = _weights(sample_weight, values.shape[0]).astype(values.dtype)
        values = values * Tensor(w.reshape((-1,) + (1,) * (values.ndim - 1)))
    if reduction in ("none", None):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        s = float(np.sum(_weights(sample_weight, values.shape[0])))
        return total / s if s else total * 0.0
    return total / values.size


def loss_tensor(loss, y_true, y_pred: Tensor, sample_weight=None) -> Tensor:
    r"""J of a custom loss as a Tensor recorded on the open tape."""
    y_true = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    value = loss.call(Tensor(y_true), y_pred)
    if not isinstance(value, Tensor):
        raise TypeError(f"The loss {loss.name!r} must return a Tensor built with neurona.ops (or "
                        f"neurona.autodiff) operations on its arguments, so that its gradient can be "
                        f"taken; it returned {type(value).__name__}.")
    return reduce(loss, value, sample_weight)


def loss_gradient(loss, y_true, y_pred, sample_weight=None):
    r"""dJ/dy_pred of a custom loss, by the tape (for reduction "none", of the mean)."""
    prediction = Tensor(np.asarray(y_pred))
    with GradientTape() as tape:
        tape.watch(prediction)
        value = loss_tensor(loss, y_true, prediction, sample_weight)
        if value.size > 1:
            value = ops.mean(value)
    return tape.gradient(value, prediction, unconnected_gradients="zero")


class FunctionLoss(Loss):
    r"""A loss given as a function f(y_true, y_pred) written with autodiff ops;
    dJ/dy_hat is computed by a GradientTape, so no derivative is written by hand.

    accuracy_kind   "binary", "categorical", "sparse" or None: which accuracy ``metrics=
                    ["accuracy"]`` reports with this loss (None: the metric is refused).
    """

    def __init__(self, function, accuracy_kind: str | None = None, reduction="sum_over_batch_size", name=None):
        if not callable(function):
            raise TypeError(f"FunctionLoss needs a function f(y_true, y_pred); got {type(function).__name__}.")
        if accuracy_kind not in (None, "binary", "categorical", "sparse"):
            raise ValueError(f"The 'accuracy_kind' argument of FunctionLoss must be None, 'binary', "
                             f"'categorical' or 'sparse'; got {accuracy_kind!r}.")
        super().__init__(name=name or getattr(function, "__name__", type(function).__name__), reduction=reduction)
        self.function, self.accuracy_kind = function, accuracy_kind

    def call(self, y_true, y_pred):
        return self.function(y_true, y_pred)

    def get_config(self) -> dict:
        return {"name": self.name, "function": self.function, "accuracy_kind": self.accuracy_kind}

    def prepare_targets(self, y, n_outputs: int, dtype):
        r"""Targets checked as the built-in losses check them: integer class labels of shape
        (samples,) for ``accuracy_kind="sparse"``, an array (samples, outputs) otherwise."""
        if self.accuracy_kind == "sparse":
            return SparseCategoricalCrossentropy().prepare_targets(y, n_outputs, dtype)
        return super().prepare_targets(y, n_outputs, dtype)

    def _evaluate(self, y_true, y_pred: Tensor) -> Tensor:
        return loss_tensor(self, y_true, y_pred)
