r"""Loss functions L(y_true, y_pred), in Keras 3's two forms, with their gradients.

Classes (``MeanSquaredError(reduction=..., name=...)``) give J, the loss of a batch reduced as
Keras reduces it (``"sum_over_batch_size"`` by default: the mean), with optional
``sample_weight``; ``L.gradient(y_true, y_pred)`` gives dJ/dy_pred for the backward pass.
Functions (``mean_squared_error(y_true, y_pred)``) give one loss per sample, on arrays or on
autodiff Tensors (then recorded on the tape, for custom losses and training loops).

    regression      MeanSquaredError (mse; half=True: the slides' 1/2), MeanAbsoluteError (mae),
                    MeanAbsolutePercentageError (mape), MeanSquaredLogarithmicError (msle), Huber,
                    LogCosh
    probabilistic   BinaryCrossentropy (bce), BinaryFocalCrossentropy, CategoricalCrossentropy (cce),
                    CategoricalFocalCrossentropy, SparseCategoricalCrossentropy (scce),
                    CategoricalGeneralizedCrossEntropy, KLDivergence (kld), Poisson
    overlap         Dice, Tversky (of segmentation masks)
    margin          Hinge, SquaredHinge, CategoricalHinge
    similarity      CosineSimilarity (in ``regression``)

A name, a class name (``"MeanSquaredError"``), a config dict, an instance, a loss function of this
module, or any function f(y_true, y_pred) written with ``neurona.ops`` is a loss for ``compile``;
so is a ``Loss`` subclass that overrides ``call(y_true, y_pred)``.
"""
from __future__ import annotations

import numpy as np

from ..autodiff.tensor import Tensor
from ..registry import not_in_neurona
from .base import EPSILON, REDUCTIONS, Loss, register, registry, snake_case
from .function import FunctionLoss
from .margin import CategoricalHinge, Hinge, SquaredHinge
from .overlap import Dice, Tversky, dice, tversky
from .probabilistic import (BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                            CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy, KLDivergence, Poisson,
                            SparseCategoricalCrossentropy)
from .regression import (CosineSimilarity, ElementwiseLoss, Huber, LogCosh, MeanAbsoluteError,
                         MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError)


def get(identifier) -> Loss:
    r"""A loss from a name, a class name, a config dict, an instance, a loss function of this module,
    or a function f(y_true, y_pred) written with ``neurona.ops`` (its gradient then comes from the
    tape)."""
    if identifier is None:
        raise ValueError(f"A loss is needed. Known losses: {', '.join(registry.names())}.")
    if callable(getattr(identifier, "loss_class", None)) and not isinstance(identifier, (Loss, type)):
        return identifier.loss_class()
    if callable(identifier) and not isinstance(identifier, (Loss, type)):
        return FunctionLoss(identifier)
    return registry.get(identifier)


def _function_form(cls):
    name = cls.registry_name

    def loss_function(y_true, y_pred, **arguments):
        loss = cls(**arguments)
        if isinstance(y_pred, Tensor) or isinstance(y_true, Tensor):
            return loss.sample_losses(y_true, y_pred)
        return loss.values(y_true, y_pred)

    loss_function.__name__ = loss_function.__qualname__ = name
    loss_function.__doc__ = (f"One {name} per sample (shape (N,)), as Keras's ``keras.losses.{name}``; "
                             f"on Tensors it is recorded on the tape.\n\n{cls.__doc__}")
    loss_function.loss_class = cls
    return loss_function


mean_squared_error = _function_form(MeanSquaredError)
mean_absolute_error = _function_form(MeanAbsoluteError)
mean_absolute_percentage_error = _function_form(MeanAbsolutePercentageError)
mean_squared_logarithmic_error = _function_form(MeanSquaredLogarithmicError)
huber = _function_form(Huber)
log_cosh = _function_form(LogCosh)
binary_crossentropy = _function_form(BinaryCrossentropy)
binary_focal_crossentropy = _function_form(BinaryFocalCrossentropy)
categorical_crossentropy = _function_form(CategoricalCrossentropy)
categorical_focal_crossentropy = _function_form(CategoricalFocalCrossentropy)
categorical_generalized_cross_entropy = _function_form(CategoricalGeneralizedCrossEntropy)
sparse_categorical_crossentropy = _function_form(SparseCategoricalCrossentropy)
kl_divergence = _function_form(KLDivergence)
poisson = _function_form(Poisson)
hinge = _function_form(Hinge)
squared_hinge = _function_form(SquaredHinge)
categorical_hinge = _function_form(CategoricalHinge)
cosine_similarity = _function_form(CosineSimilarity)

# Keras's short names
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy
logcosh = log_cosh


def serialize(loss) -> dict:
    return get(loss).get_config()


def deserialize(config) -> Loss:
    return get(config)


__getattr__ = not_in_neurona(__name__, "loss", lambda: registry.class_names())
