r"""Masks: which time steps of a padded sequence are real.

A batch of sequences of different lengths is padded to one length T; the mask (m, T) of booleans
says which steps are real (True) and which are padding (False). As in Keras, the mask travels
*with the values*: a layer that makes one (``Embedding(mask_zero=True)``, ``Masking``) returns its
output with the mask attached as ``_keras_mask``, and the next layer reads it there
(``mask_of(x)``). A recurrent layer then skips the padded steps (its state is carried through
them); a layer that keeps the time axis as it is (Dropout, Masking) hands the mask on
(``with_mask``); any other layer's output carries no mask. Nothing in the models has to know.

    Masking(mask_value=0.):   mask_t = any_j (x_tj != mask_value),   y_t = x_t mask_t
                              dL/dx_t = dL/dy_t mask_t
"""
from __future__ import annotations

import numpy as np

from ..validation import check_number
from .base import Layer, register


class Masked(np.ndarray):
    r"""An array with the mask of its time steps (``_keras_mask``, (m, T) booleans). An array
    computed from it carries no mask: only the layers that keep the time steps hand it on."""

    _keras_mask = None

    def __array_finalize__(self, obj):
        self._keras_mask = None


def mask_of(x):
    r"""The (m, T) boolean mask attached to ``x`` (an array or an autodiff Tensor), or None."""
    mask = getattr(x, "_keras_mask", None)
    return None if mask is None else np.asarray(mask, dtype=bool)


def with_mask(y, mask):
    r"""``y`` with ``mask`` attached (an autodiff Tensor gets the attribute; an array, a view)."""
    if mask is None:
        return y
    if isinstance(y, np.ndarray):
        y = y.view(Masked)
    y._keras_mask = mask
    return y


@register("masking")
class Masking(Layer):
    r"""Marks the time steps whose features all equal ``mask_value`` as padding, and sets them to 0:

        mask_t = any_j (x_tj != mask_value),   y_t = x_t mask_t,   dL/dx_t = dL/dy_t mask_t

    for inputs (m, T, features). The layers after it (LSTM, GRU, SimpleRNN, ...) skip those steps.
    """

    def __init__(self, mask_value: float = 0.0, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.mask_value = check_number("Masking", "mask_value", mask_value)

    def setup(self, input_shape, rng, dtype):
        if len(input_shape) < 2:
            raise ValueError(f"Masking needs inputs of shape (timesteps, features); got samples of shape "
                             f"{input_shape}.")
        return input_shape

    def _mask(self, x):
        return np.any(np.asarray(x) != self.mask_value, axis=-1)

    def forward(self, x, training=False):
        mask = self._mask(x)
        self._keep = mask[..., None].astype(x.dtype)
        return with_mask(x * self._keep, mask)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return grad * self._keep if need_input_grad else None

    def call(self, inputs):
        mask = self._mask(getattr(inputs, "data", inputs))
        return with_mask(inputs * mask[..., None].astype(inputs.dtype), mask)

    def describe(self):
        return f"Masking, mask_value={self.mask_value}"
