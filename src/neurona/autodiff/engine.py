r"""The engine's activations, losses, regularizers and layers written again with autodiff ops.

These are second, independent forms of the engine's forward passes: built from the primitives
of ``ops`` (whose derivatives are the table in ``derivatives``), they give gradients that owe
nothing to the hand-written ``derivative`` / ``gradient`` / ``backward`` methods, so the two can
check each other (``check_gradients``). Every name in the engine's registries needs an entry here;
``missing()`` lists those that have none.
"""
from __future__ import annotations

import numpy as np

from . import ops
from .tensor import Tensor


def activation(act, z):
    return act.call(z)


def penalty(regularizer, weights, m):
    return regularizer.call(weights, m)


def loss_value(loss, y_true, y_pred, sample_weight=None):
    r"""J of ``loss`` on a Tensor ``y_pred`` (reduced as the loss says; "none" gives the mean)."""
    value = loss.on_tape(y_true, y_pred, sample_weight)
    return ops.mean(value) if value.size > 1 else value


def _constant(values, like):
    return Tensor(np.asarray(values, dtype=like.dtype))


def _dense(layer, x, params):
    kernel = params[0]
    z = ops.matmul(x, kernel)
    if layer.use_bias:
        z = z + params[1]
    total = 0.0
    if layer.kernel_regularizer is not None:
        total = total + penalty(layer.kernel_regularizer, kernel, x.shape[0])
    if layer.use_bias and layer.bias_regularizer is not None:
        total = total + penalty(layer.bias_regularizer, params[1], x.shape[0])
    a = activation(layer.activation, z)
    if layer.activity_regularizer is not None:
        total = total + penalty(layer.activity_regularizer, a, x.shape[0])
    if x.ndim > 2:
        from ..layers.masking import mask_of, with_mask
        a = with_mask(a, mask_of(x))
    return a, total


def _elu(layer, x, params):
    return ops.where(x.data > 0, x, layer.alpha * (ops.exp(ops.minimum(x, 0.0)) - 1.0)), 0.0


def _relu_layer(layer, x, params):
    a = ops.where(x.data < layer.threshold, layer.negative_slope * (x - layer.threshold), x)
    if layer.max_value is not None:
        a = ops.minimum(a, float(layer.max_value))
    return a, 0.0


def _dropout(layer, x, params):                  # the mask the engine's own pass drew
    from ..layers.masking import mask_of, with_mask        # (and the padded steps' mask handed on)
    return (x if layer._mask is None else with_mask(x * Tensor(layer._mask), mask_of(x))), 0.0


def _reshape(layer, x, params):
    return ops.reshape(x, (x.shape[0], *layer.sample_output_shape)), 0.0


def _normalization(layer, x, params):
    if layer.invert:
        return layer.mean + x * _constant(np.sqrt(layer.variance), x), 0.0
    return (x - _constant(layer.mean, x)) / _constant(layer._scale(), x), 0.0


def _batch_normalization(layer, x, params):
    flat = ops.reshape(x, (-1, x.shape[-1]))
    if layer._training:
        mu = ops.mean(flat, axis=0)
        centred = flat - mu
        variance = ops.mean(centred * centred, axis=0)
    else:
        centred, variance = flat - _constant(layer.moving_mean, x), _constant(layer.moving_variance, x)
    y = centred / ops.sqrt(variance + layer.epsilon)
    k = 0
    if layer.scale:
        y, k = y * params[0], 1
    if layer.center:
        y = y + params[k]
    return ops.reshape(y, x.shape), 0.0


def _sum(xs):
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


def _product(xs):
    total = xs[0]
    for x in xs[1:]:
        total = total * x
    return total


def _maximum(xs):
    total = xs[0]
    for x in xs[1:]:
        total = ops.where(x.data > total.data, x, total)     # the first largest wins, as the layer's backward
    return total


def _op(layer, xs, params):
    xs = xs if isinstance(xs, list) else [xs]
    inputs = iter(xs)
    arguments = [next(inputs) if c is None else c for c in layer.constants]
    return getattr(ops, layer.function)(*arguments, **layer.keywords), 0.0


#: the autodiff form of each layer, by registry name: (layer, input Tensor(s), param Tensors) ->
#: (output, penalty); a layer's params are given in ``layer.param_names`` order
LAYERS = {
    "dense":               _dense,
    "activation":          lambda layer, x, params: (activation(layer.activation, x), 0.0),
    "softmax":             lambda layer, x, params: (activation(layer.activation, x), 0.0),
    "relu":                _relu_layer,
    "leaky_relu":          lambda layer, x, params: (activation(layer.activation, x), 0.0),
    "elu":                 _elu,
    "dropout":             _dropout,
    "flatten":             _reshape,
    "reshape":             _reshape,
    "normalization":       _normalization,
    "batch_normalization": _batch_normalization,
    "input_layer":         lambda layer, x, params: (x, 0.0),
    "add":                 lambda layer, xs, params: (_sum(xs), 0.0),
    "subtract":            lambda layer, xs, params: (xs[0] - xs[1], 0.0),
    "multiply":            lambda layer, xs, params: (_product(xs), 0.0),
    "average":             lambda layer, xs, params: (_sum(xs) * (1.0 / len(xs)), 0.0),
    "maximum":             lambda layer, xs, params: (_maximum(xs), 0.0),
    "concatenate":         lambda layer, xs, params: (ops.concatenate(xs, axis=-1), 0.0),
    "op":                  _op,
}


def layer_forward(layer, x, params):
    r"""(output, penalty) of ``layer`` on x (a Tensor, or a list for a merge) with its parameters
    given as Tensors ``params``; a layer that is itself a model runs its own ``autodiff_forward``."""
    form = getattr(layer, "autodiff_forward", None)
    if form is not None:
        return form(x, params)
    name = layer._registry_name
    if name in LAYERS:
        return LAYERS[name](layer, x, params)
    if callable(getattr(layer, "call", None)):
        return own_call(layer, x, params)
    raise NotImplementedError(f"No autodiff form of the layer {type(layer).__name__} ({name!r}).")


def own_call(layer, x, params):
    r"""A built-in layer's own tape form: its Keras-style ``call(inputs)`` written in ``neurona.ops``,
    each weight standing in as the given Tensor. Penalty: each weight's ``<name>_regularizer`` (Keras's
    ``kernel_regularizer``, ``recurrent_regularizer``, ...) and the ``activity_regularizer`` of the output."""
    for weight, tensor in zip(layer.param_names, params):
        setattr(layer, weight, tensor)
    try:
        out = layer.call(x)
    finally:
        for weight, array in zip(layer.param_names, layer.params):
            setattr(layer, weight, array)
    m = (x[0] if isinstance(x, list) else x).shape[0]
    total = 0.0
    for weight, tensor in zip(layer.param_names, params):
        regularizer = getattr(layer, f"{weight}_regularizer", None)
        if regularizer is not None:
            total = total + penalty(regularizer, tensor, m)
    if getattr(layer, "activity_regularizer", None) is not None:
        total = total + penalty(layer.activity_regularizer, out, m)
    return out, total


def missing() -> list[str]:
    r"""Registered layers that have no autodiff form here."""
    from .. import layers            # the registry only: the table is keyed by its names

    names = {layers.registry.lookup(name)._registry_name for name in layers.registry.names()
             if not callable(getattr(layers.registry.lookup(name), "call", None))}     # own tape form
    return [f"layer {name!r}" for name in sorted(names - set(LAYERS))]
