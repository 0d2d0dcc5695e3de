r"""Custom losses: a Python function f(y_true, y_pred) of autodiff ops used as a loss in ``fit``.

    def huber(y_true, y_pred, delta=1.0):
        d = ad.abs(y_pred - y_true)
        return ad.mean(ad.where(d <= delta, 0.5 * d ** 2, delta * (d - 0.5 * delta)))

    model.compile(optimizer="sgd", loss=huber)      # dJ/dy_hat comes from the tape

The function receives Tensors (y_true a constant, y_pred watched) and returns the loss J; a
result that is not a scalar (one loss per sample, say) is averaged, as Keras does.
"""
from __future__ import annotations

import numpy as np

from ..losses import Loss, SparseCategoricalCrossentropy
from .tape import GradientTape
from .tensor import Tensor


class FunctionLoss(Loss):
    r"""A loss given as a function f(y_true, y_pred) -> J written with autodiff ops;
    dJ/dy_hat is computed by a GradientTape, so no derivative is written by hand.

    accuracy_kind   "binary", "categorical", "sparse" or None: which accuracy ``metrics=
                    ["accuracy"]`` reports with this loss (None: the metric is refused).
    """

    def __init__(self, function, accuracy_kind: str | None = None):
        if not callable(function):
            raise TypeError(f"FunctionLoss needs a function f(y_true, y_pred); got {type(function).__name__}.")
        if accuracy_kind not in (None, "binary", "categorical", "sparse"):
            raise ValueError(f"The 'accuracy_kind' argument of FunctionLoss must be None, 'binary', "
                             f"'categorical' or 'sparse'; got {accuracy_kind!r}.")
        self.function, self.accuracy_kind = function, accuracy_kind
        self.name = getattr(function, "__name__", type(function).__name__)

    def get_config(self) -> dict:
        return {"name": self.name, "function": self.function, "accuracy_kind": self.accuracy_kind}

    def prepare_targets(self, y, n_outputs: int, dtype):
        r"""Targets checked as the built-in losses check them: integer class labels of shape
        (samples,) for ``accuracy_kind="sparse"``, an array (samples, outputs) otherwise."""
        if self.accuracy_kind == "sparse":
            return SparseCategoricalCrossentropy().prepare_targets(y, n_outputs, dtype)
        return super().prepare_targets(y, n_outputs, dtype)

    def _evaluate(self, y_true, y_pred: Tensor) -> Tensor:
        value = self.function(Tensor(np.asarray(y_true)), y_pred)
        if not isinstance(value, Tensor):
            raise TypeError(f"The loss function {self.name!r} must return a Tensor built with "
                            f"neurona.autodiff operations (so that its gradient can be taken); it "
                            f"returned {type(value).__name__}.")
        return value if value.size == 1 else value.mean()

    def __call__(self, y_true, y_pred) -> float:
        return float(np.asarray(self._evaluate(y_true, Tensor(np.asarray(y_pred))).data).reshape(()))

    def gradient(self, y_true, y_pred):
        prediction = Tensor(np.asarray(y_pred))
        with GradientTape() as tape:
            tape.watch(prediction)
            value = self._evaluate(y_true, prediction)
        return tape.gradient(value, prediction, unconnected_gradients="zero")
