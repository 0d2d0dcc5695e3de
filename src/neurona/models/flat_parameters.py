r"""A model's trainable parameters packed into one contiguous vector, their gradients into another.

    values      theta = (W_1, b_1, W_2, b_2, ...) flattened one after the other
    gradients   dJ/dtheta, in the same order (each layer's backward pass writes its part)
    sizes       the number of entries of each parameter array, in that order (each a Size: its shape too)

Every layer holds reshaped views of its part of both vectors, so a whole-vector update by the
optimizer (``optimizer.apply([values], [gradients], [sizes])``) changes every layer's weights at
once: a few vector operations per step instead of a few per array.
"""
from __future__ import annotations

import numpy as np


class Size(int):
    r"""A parameter array's number of entries that also carries its ``shape`` (an optimizer that
    treats matrices apart, Adafactor, reads it; everything else sees the int)."""

    def __new__(cls, shape):
        size = super().__new__(cls, int(np.prod(shape, dtype=np.int64)))
        size.shape = tuple(int(n) for n in shape)
        return size

    def __reduce__(self):
        return Size, (self.shape,)


class FlatParameters:
    r"""The vectors ``values`` and ``gradients`` (one entry per trainable parameter) and the
    ``sizes`` of the parameter arrays packed in them, in layer order."""

    __slots__ = ("values", "gradients", "sizes")

    def __init__(self, values: np.ndarray, gradients: np.ndarray, sizes: list[int]):
        if values.shape != gradients.shape or values.ndim != 1:
            raise ValueError(f"FlatParameters: 'values' and 'gradients' must be vectors of one shape; got "
                             f"{values.shape} and {gradients.shape}.")
        if sum(sizes) != values.size:
            raise ValueError(f"FlatParameters: 'sizes' must add up to the {values.size} entries of 'values'; "
                             f"they add up to {sum(sizes)}.")
        self.values, self.gradients, self.sizes = values, gradients, sizes

    @classmethod
    def pack(cls, layers, dtype) -> FlatParameters:
        r"""Copy the parameters of ``layers`` into one new vector (gradients: zeros) and hand each
        layer views of its part (``layer.set_param_arrays``)."""
        total = sum(p.size for layer in layers for p in layer.params)
        values, gradients = np.empty(total, dtype), np.zeros(total, dtype)
        offset, sizes = 0, []
        for layer in layers:
            if not layer.params:
                continue
            views, gradient_views = [], []
            for p in layer.params:
                views.append(values[offset:offset + p.size].reshape(p.shape))
                gradient_views.append(gradients[offset:offset + p.size].reshape(p.shape))
                views[-1][...] = p
                offset += p.size
                sizes.append(Size(p.shape))
            layer.set_param_arrays(views, gradient_views)
        return cls(values, gradients, sizes)

    @property
    def size(self) -> int:
        r"""The number of trainable parameters."""
        return self.values.size

    def __repr__(self):
        return f"FlatParameters({self.size} values in {len(self.sizes)} arrays, {self.values.dtype})"


__all__ = ["FlatParameters"]
