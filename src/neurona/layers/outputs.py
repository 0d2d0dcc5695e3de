r"""Layers with several outputs in a graph: a recurrent layer under ``return_state`` gives
``[y, h_T, c_T]``. Its node holds the list of its outputs, and a ``Part`` node after it picks each
one, so every tensor of the graph is still the one output of one node:

    forward    y_k = outputs[k]
    backward   dL/d(outputs) = [None, .., dL/dy_k, .., None]   (None: no gradient through that output)

The gradients of the parts meet in a ``Parts`` list, whose sum goes element by element. A Part
holds no weights and is no layer of the model (``Model.layers`` lists the layer it picks from).
"""
from __future__ import annotations

from .base import Layer


class Parts(list):
    r"""The gradients of a layer's outputs, one per output (None where nothing flows back); two
    add element by element."""

    def __add__(self, other):
        return Parts(b if a is None else a if b is None else a + b for a, b in zip(self, other))


class Part(Layer):
    r"""Output ``index`` of ``count`` outputs of the layer before it."""

    def __init__(self, index: int, count: int, shape: tuple):
        super().__init__()
        self.index, self.count, self._shape = index, count, tuple(shape)

    def setup(self, input_shape, rng, dtype):
        return self._shape

    def forward(self, x, training=False):
        return x[self.index]

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return Parts(grad if k == self.index else None for k in range(self.count))

    def call(self, inputs):
        return inputs[self.index]

    def describe(self):
        return f"output {self.index}"


def split(packed, shapes) -> list:
    r"""The symbolic tensors of each output of the node that made ``packed`` (shapes per sample)."""
    from ..symbolic import Node

    tensors = []
    for k, shape in enumerate(shapes):
        part = Part(k, len(shapes), shape)
        part.build((None, *packed.sample_shape), dtype=packed.dtype)
        tensors.append(Node(part, [packed], shape, packed.dtype).output)
    return tensors
