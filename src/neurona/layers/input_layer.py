r"""InputLayer: Keras' way of saying what a Sequential receives, ``InputLayer(shape=(4,))``."""
from __future__ import annotations

from .. import symbolic
from .base import Layer, register


@register("input_layer")
class InputLayer(Layer):
    r"""Holds the input shape only (no params); a Sequential reads it and drops the layer."""

    def __init__(self, shape=None, batch_size=None, dtype=None, name: str | None = None, input_shape=None,
                 batch_shape=None, **keras_arguments):
        if shape is None and input_shape is None and batch_shape is None:
            raise TypeError("InputLayer needs shape= (per sample, e.g. (4,)).")
        super().__init__(name, **keras_arguments)
        tensor = symbolic.Input(shape=shape if shape is not None else input_shape, batch_shape=batch_shape)
        self.shape = list(tensor.sample_shape)
        self.batch_size = batch_size
        self.dtype = dtype
        self.input_shape = None
        self.batch_shape = None
        self.input_shape_declared = self.shape

    def forward(self, x, training=False):
        return x

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return grad

    def call(self, inputs):
        return inputs
