r"""Embedding: a learned vector for each word (each integer id) of a vocabulary.

    y[n, t] = E[ids[n, t]]                   E: (input_dim, output_dim), one row per id
    dL/dE[k] = sum over every (n, t) with ids[n, t] = k of dL/dy[n, t]

The same as a Dense layer without bias applied to the one-hot vector of each id (y = onehot(id) E),
written as a row lookup. The ids are not differentiable: no gradient flows to the input.
"""
from __future__ import annotations

import numpy as np

from .. import initializers, regularizers
from ..validation import check_number
from .base import Layer, register
from .masking import with_mask


@register("embedding")
class Embedding(Layer):
    r"""Turns ids (m, ...) in 0 .. input_dim - 1 into vectors (m, ..., output_dim):

        y[n, t] = E[ids[n, t]],   dL/dE[k] = sum_{n, t: ids[n, t] = k} dL/dy[n, t]

    ``weights=[E]`` starts from given vectors (pretrained ones). ``mask_zero=True``: id 0 is padding; the output carries the mask ids != 0 (see ``masking``),
    which the recurrent layers after it read. ``input_dim`` is the vocabulary's size (with 0 for
    padding when ``mask_zero``); Keras's default initializer, ``"uniform"``, draws U(-0.05, 0.05).
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero: bool = False,
                 weights=None, input_length: int | None = None, name: str | None = None, **keras_arguments):
        if embeddings_constraint is not None:
            raise ValueError("Embedding: neurona has no weight constraints (embeddings_constraint=None); got "
                             f"{embeddings_constraint!r}.")
        self.input_length = None if input_length is None else check_number(
            "Embedding", "input_length", input_length, 1, integer=True)
        if input_length is not None and keras_arguments.get("input_shape") is None:
            keras_arguments["input_shape"] = (input_length,)
        super().__init__(name, **keras_arguments)
        self.input_dim = check_number("Embedding", "input_dim", input_dim, 1, integer=True)
        self.output_dim = check_number("Embedding", "output_dim", output_dim, 1, integer=True)
        self.embeddings_initializer = initializers.RandomUniform(-0.05, 0.05) \
            if embeddings_initializer == "uniform" else initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = None
        self.mask_zero = bool(mask_zero)
        self._initial = None if weights is None else np.asarray(weights[0] if isinstance(weights, (list, tuple))
                                                                else weights)
        if self._initial is not None and self._initial.shape != (self.input_dim, self.output_dim):
            raise ValueError(f"Embedding: weights must hold one ({self.input_dim}, {self.output_dim}) matrix; got "
                             f"shape {self._initial.shape}.")

    def get_config(self):
        config = super().get_config()
        config.pop("weights", None)                 # the arrays go to the model file, not the config
        return config

    def build(self, input_shape, rng=None, dtype=None):
        vocabulary = self.input_dim
        try:
            return super().build(input_shape, rng, dtype)
        finally:
            self.input_dim = vocabulary               # build sets input_dim to the last axis: not ours

    def setup(self, input_shape, rng, dtype):
        shape = (self.input_dim, self.output_dim)
        initial = self.embeddings_initializer(shape, rng, dtype) if self._initial is None else \
            self._initial.astype(dtype)            # weights=[matrix]: pretrained vectors (GloVe, word2vec)
        self.add_param("embeddings", initial)
        return (*input_shape, self.output_dim)

    def _ids(self, x):
        ids = np.asarray(x)
        if ids.dtype.kind == "f":
            if not np.all(np.isfinite(ids)) or np.any(ids != np.round(ids)):
                raise ValueError("Embedding: the inputs must be integer ids; got values that are not whole numbers.")
        ids = ids.astype(np.intp)
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            raise ValueError(f"Embedding: ids must lie in 0 .. input_dim - 1 = {self.input_dim - 1}; got ids from "
                             f"{ids.min()} to {ids.max()}.")
        return ids

    def _mask(self, ids):
        return ids != 0 if self.mask_zero else None

    def forward(self, x, training=False):
        ids = self._ids(x)
        if training:
            self._ids_seen, self._x_shape = ids, np.shape(x)
        return with_mask(self.embeddings[ids], self._mask(ids))

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        ids = self._ids_seen.reshape(-1)
        g = grad.reshape(-1, self.output_dim)
        dE = self.grads[0]
        dE[...] = 0
        np.add.at(dE, ids, g)                      # repeated ids add up
        if self.embeddings_regularizer is not None:
            dE += self.embeddings_regularizer.gradient(self.embeddings, grad.shape[0])
        return np.zeros(self._x_shape, dtype=grad.dtype) if need_input_grad else None

    def penalty(self, m):
        if self.embeddings_regularizer is None:
            return 0.0
        return self.embeddings_regularizer(self.embeddings, m)

    def call(self, inputs):
        ids = self._ids(getattr(inputs, "data", inputs))
        return with_mask(self.embeddings[ids], self._mask(ids))

    def describe(self):
        return f"Embedding, {self.input_dim} ids" + (", mask_zero" if self.mask_zero else "")

    def explain_lines(self, record, line, l, backward):
        if not backward:
            return [line(f"a[{l}]", record["a"], f"E[{l}][a[{l - 1}]] (the row of each id)")]
        return [line(f"dL/dE[{l}]", record["dL/dembeddings"], f"dL/da[{l}] added into the row of each id")]
