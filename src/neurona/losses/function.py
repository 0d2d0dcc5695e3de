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

from ..autodiff.tensor import Tensor
from .base import Loss
from .probabilistic import SparseCategoricalCrossentropy


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

