r"""Attention: each query position takes a weighted average of the values, weighted by how well
the query matches each key (Bahdanau et al., 2015; Vaswani et al., 2017).

    S = Q K^T (times a scale),   W = softmax(S) over the keys,   O = W V
    (Q: (m, Tq, d), K: (m, Tv, d), V: (m, Tv, dv); S, W: (m, Tq, Tv); O: (m, Tq, dv))

Backward, with G = dL/dO:

    dL/dW = G V^T,   dL/dV = W^T G,   dL/dS = W * (dL/dW - sum_j dL/dW_j W_j)   (softmax, row by row)
    dL/dQ = dL/dS K,   dL/dK = dL/dS^T Q                                         (times the scale)

A padded key (the mask of the value input) gets the score S - 1e9: its weight is 0. A padded query's
output is 0 (the mask of the query input), as Keras.
"""
from __future__ import annotations

import math

import numpy as np

from .. import activations, initializers, ops, regularizers
from ..validation import check_number
from .base import Layer, register
from .masking import mask_of, with_mask

_PADDED = 1e9
_SOFTMAX = activations.Softmax()                # over the keys: the last axis


def _swap(x):
    return np.swapaxes(x, -1, -2)


def _attend(q, k, v, key_mask, scale):
    r"""(O, W, S before the scale) of scaled dot-product attention on arrays."""
    raw = q @ _swap(k)
    s = raw * scale
    if key_mask is not None:
        s = np.where(key_mask[..., None, :], s, s - _PADDED)
    w = _SOFTMAX(s)
    return w @ v, w, raw


def _attend_back(g, q, k, v, w, scale):
    r"""(dQ, dK, dV, dL/dS) from G = dL/dO: the module's formulas."""
    dw = g @ _swap(v)
    dv = _swap(w) @ g
    ds = _SOFTMAX.backward(dw, None, w)
    dq = (ds * scale) @ k
    dk = _swap(ds * scale) @ q
    return dq, dk, dv, ds


def _attend_tape(q, k, v, key_mask, scale):
    s = ops.matmul(q, ops.transpose(k, (*range(k.ndim - 2), k.ndim - 1, k.ndim - 2))) * scale
    if key_mask is not None:
        s = ops.where(key_mask[..., None, :], s, s - _PADDED)
    return ops.matmul(ops.softmax(s, axis=-1), v)


@register("attention")
class Attention(Layer):
    r"""Keras's dot-product attention layer, ``Attention()([query, value])`` or
    ``([query, value, key])`` (the key is the value when not given):

        S = s Q K^T  (s = 1, or a learned scalar with ``use_scale=True``),  W = softmax(S),  O = W V

    ``dL/ds = sum(dL/dS * Q K^T)``; the rest as the module says. ``score_mode="dot"`` (Keras's
    default) only; no dropout on the weights.
    """

    n_inputs = None

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0, seed=None,
                 name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        if score_mode != "dot":
            raise ValueError(f"Attention: neurona computes dot-product scores (score_mode='dot'); got {score_mode!r}.")
        if dropout:
            raise ValueError(f"Attention: dropout on the attention weights is not supported (dropout=0); got {dropout!r}.")
        self.use_scale, self.score_mode, self.dropout, self.seed = bool(use_scale), "dot", 0.0, seed

    def setup(self, input_shape, rng, dtype):
        if len(input_shape) not in (2, 3):
            raise ValueError(f"Attention takes [query, value] or [query, value, key]; got {len(input_shape)} inputs.")
        q, v = input_shape[0], input_shape[1]
        k = input_shape[2] if len(input_shape) == 3 else v
        if q[-1] != k[-1] or k[:-1] != v[:-1]:
            raise ValueError(f"Attention: query {q} and key {k} need the same last axis, key and value {v} the same "
                             f"steps.")
        if self.use_scale:
            self.add_param("scale", np.ones((), dtype=dtype))
        return (*q[:-1], v[-1])

    def _scale(self):
        return self.scale if self.use_scale else 1.0

    def forward(self, xs, training=False):
        q, v = xs[0], xs[1]
        k = xs[2] if len(xs) == 3 else v
        out, w, raw = _attend(np.asarray(q), np.asarray(k), np.asarray(v), mask_of(v), self._scale())
        query_mask = mask_of(q)
        if query_mask is not None:
            out = out * query_mask[..., None]
        if training:
            self._saved = (np.asarray(q), np.asarray(k), np.asarray(v), w, raw, query_mask, len(xs))
        return with_mask(out.astype(np.asarray(q).dtype, copy=False), query_mask)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        q, k, v, w, raw, query_mask, n = self._saved
        if query_mask is not None:
            grad = grad * query_mask[..., None]
        dq, dk, dv, ds = _attend_back(grad, q, k, v, w, self._scale())
        if self.use_scale:
            self.grads[0][...] = np.sum(ds * raw)
        if not need_input_grad:
            return None
        return [dq, dv, dk] if n == 3 else [dq, dv + dk]

    def call(self, inputs):
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) == 3 else v
        out = _attend_tape(q, k, v, mask_of(v), self.scale if self.use_scale else 1.0)
        query_mask = mask_of(q)
        return out if query_mask is None else with_mask(out * query_mask[..., None].astype(out.dtype), query_mask)

    def describe(self):
        return "Attention, dot" + (", scaled" if self.use_scale else "")


@register("multi_head_attention")
class MultiHeadAttention(Layer):
    r"""Multi-head attention (Vaswani et al., 2017), Keras's layer and weight layout: ``mha(query, value)``
    or ``mha(query, value, key)`` (self-attention: ``mha(x, x)``). For each head h = 1 .. H,

        Q_h = query W^Q_h + b^Q_h,  K_h = key W^K_h + b^K_h,  V_h = value W^V_h + b^V_h
        O_h = softmax(Q_h K_h^T / sqrt(key_dim)) V_h,   y = sum_h O_h W^O_h + b^O

    W^Q: (d_query, H, key_dim), W^K: (d_key, H, key_dim), W^V: (d_value, H, value_dim), W^O: (H, value_dim,
    d_out) with d_out = d_query (or ``output_shape``). Backward: the attention's formulas for each head,
    then the products' as Dense's (dL/dW = x^T delta summed over the positions, dL/dx = delta W^T).
    Inputs of shape (steps, features); no dropout on the weights.
    """

    n_inputs = None

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None, dropout: float = 0.0,
                 use_bias: bool = True, output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, seed=None,
                 name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        owner = "MultiHeadAttention"
        self.num_heads = check_number(owner, "num_heads", num_heads, 1, integer=True)
        self.key_dim = check_number(owner, "key_dim", key_dim, 1, integer=True)
        self.value_dim = None if value_dim is None else check_number(owner, "value_dim", value_dim, 1, integer=True)
        if dropout:
            raise ValueError(f"{owner}: dropout on the attention weights is not supported (dropout=0); got {dropout!r}.")
        if attention_axes is not None:
            raise ValueError(f"{owner}: attention runs over the steps axis (attention_axes=None); got {attention_axes!r}.")
        if kernel_constraint is not None or bias_constraint is not None:
            raise ValueError(f"{owner}: neurona has no constraints here (kernel_constraint=None, bias_constraint=None).")
        self.dropout, self.attention_axes, self.kernel_constraint, self.bias_constraint = 0.0, None, None, None
        self.use_bias = bool(use_bias)
        self.output_shape = output_shape if output_shape is None or isinstance(output_shape, int) \
            else list(output_shape)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        if activity_regularizer is not None:
            raise ValueError(f"{owner}: activity_regularizer is not supported (None); got {activity_regularizer!r}.")
        self.activity_regularizer = None
        self.seed = seed

    def __call__(self, query, value=None, key=None, training=None, **kwargs):
        inputs = query if value is None else [query, value] + ([] if key is None else [key])
        return super().__call__(inputs, training=training)

    _PROJECTIONS = ("query", "key", "value")

    def setup(self, input_shape, rng, dtype):
        if len(input_shape) not in (2, 3) or any(len(s) != 2 for s in input_shape):
            raise ValueError(f"MultiHeadAttention takes query and value (and key) of shape (steps, features); got "
                             f"{input_shape}.")
        q, v = input_shape[0], input_shape[1]
        k = input_shape[2] if len(input_shape) == 3 else v
        H, dk = self.num_heads, self.key_dim
        dv = self.value_dim or self.key_dim
        out = q[-1] if self.output_shape is None else int(np.atleast_1d(self.output_shape)[-1])
        for name, fan_in, width in (("query", q[-1], dk), ("key", k[-1], dk), ("value", v[-1], dv)):
            self.add_param(f"{name}_kernel", self.kernel_initializer((fan_in, H, width), rng, dtype))
            if self.use_bias:
                self.add_param(f"{name}_bias", self.bias_initializer((H, width), rng, dtype))
        self.add_param("output_kernel", self.kernel_initializer((H, dv, out), rng, dtype))
        if self.use_bias:
            self.add_param("output_bias", self.bias_initializer((out,), rng, dtype))
        return (q[0], out)

    def _project(self, name, x):
        r"""(m, T, d) -> (m, H, T, width): every head's projection in one product."""
        W = getattr(self, f"{name}_kernel")
        y = np.tensordot(x, W, axes=([-1], [0]))                      # (m, T, H, width)
        if self.use_bias:
            y = y + getattr(self, f"{name}_bias")
        return np.swapaxes(y, 1, 2)

    def forward(self, xs, training=False):
        q_in, v_in = np.asarray(xs[0]), np.asarray(xs[1])
        k_in = np.asarray(xs[2]) if len(xs) == 3 else v_in
        Q, K, V = (self._project(n, x) for n, x in zip(self._PROJECTIONS, (q_in, k_in, v_in)))
        key_mask = mask_of(xs[1])
        scale = 1.0 / math.sqrt(self.key_dim)
        O, W, _ = _attend(Q, K, V, None if key_mask is None else key_mask[:, None, :], scale)
        heads = np.swapaxes(O, 1, 2)                                  # (m, Tq, H, dv)
        y = np.tensordot(heads, self.output_kernel, axes=([-2, -1], [0, 1]))
        if self.use_bias:
            y = y + self.output_bias
        if training:
            self._saved = (q_in, k_in, v_in, Q, K, V, W, heads, len(xs))
        return y.astype(q_in.dtype, copy=False)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        q_in, k_in, v_in, Q, K, V, W, heads, n = self._saved
        grads = dict(zip(self.param_names, self.grads))
        m = grad.shape[0]
        grads["output_kernel"][...] = np.tensordot(heads, grad, axes=([0, 1], [0, 1]))
        if self.use_bias:
            grads["output_bias"][...] = grad.sum(axis=(0, 1))
        d_heads = np.tensordot(grad, self.output_kernel, axes=([-1], [-1]))      # (m, Tq, H, dv)
        dQ, dK, dV, _ = _attend_back(np.swapaxes(d_heads, 1, 2), Q, K, V, W, 1.0 / math.sqrt(self.key_dim))
        d_inputs = []
        for name, x, d in zip(self._PROJECTIONS, (q_in, k_in, v_in), (dQ, dK, dV)):
            d = np.swapaxes(d, 1, 2)                                   # (m, T, H, width)
            grads[f"{name}_kernel"][...] = np.tensordot(x, d, axes=([0, 1], [0, 1]))
            if self.use_bias:
                grads[f"{name}_bias"][...] = d.sum(axis=(0, 1))
            d_inputs.append(np.tensordot(d, getattr(self, f"{name}_kernel"), axes=([-2, -1], [1, 2])))
        for name in self.param_names:
            regularizer = self.kernel_regularizer if name.endswith("kernel") else self.bias_regularizer
            if regularizer is not None:
                grads[name] += regularizer.gradient(getattr(self, name), m)
        if not need_input_grad:
            return None
        dq, dk, dv = d_inputs
        return [dq, dv, dk] if n == 3 else [dq, dv + dk]

    def penalty(self, m):
        total = 0.0
        for name in self.param_names:
            regularizer = self.kernel_regularizer if name.endswith("kernel") else self.bias_regularizer
            if regularizer is not None:
                total += regularizer(getattr(self, name), m)
        return total

    def call(self, inputs):
        q_in, v_in = inputs[0], inputs[1]
        k_in = inputs[2] if len(inputs) == 3 else v_in

        def project(name, x):
            W = getattr(self, f"{name}_kernel")
            d, H, width = W.shape
            y = ops.reshape(ops.matmul(x, ops.reshape(W, (d, H * width))), (x.shape[0], x.shape[1], H, width))
            if self.use_bias:
                y = y + getattr(self, f"{name}_bias")
            return ops.transpose(y, (0, 2, 1, 3))

        Q, K, V = (project(n, x) for n, x in zip(self._PROJECTIONS, (q_in, k_in, v_in)))
        key_mask = mask_of(v_in)
        O = _attend_tape(Q, K, V, None if key_mask is None else key_mask[:, None, :], 1.0 / math.sqrt(self.key_dim))
        heads = ops.transpose(O, (0, 2, 1, 3))
        H, dv, out = self.output_kernel.shape
        y = ops.matmul(ops.reshape(heads, (heads.shape[0], heads.shape[1], H * dv)), ops.reshape(self.output_kernel,
                                                                                                 (H * dv, out)))
        return y + self.output_bias if self.use_bias else y

    def describe(self):
        return f"MultiHeadAttention, {self.num_heads} heads"

    # tape_forward's penalty looks for <weight>_regularizer
    def __getattr__(self, name):
        if name.endswith("_kernel_regularizer") or name.endswith("_bias_regularizer"):
            return self.__dict__.get("kernel_regularizer" if "kernel" in name else "bias_regularizer")
        raise AttributeError(name)
