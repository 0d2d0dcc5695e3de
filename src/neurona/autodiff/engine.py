r"""The engine's activations, losses, regularizers and layers written again with autodiff ops.

These are second, independent forms of the engine's forward passes: built from the primitives
of ``ops`` (whose derivatives are the table in ``derivatives``), they give gradients that owe
nothing to the hand-written ``derivative`` / ``gradient`` / ``backward`` methods, so the two can
check each other (``check_gradients``). Every name in the engine's registries needs an entry here;
``missing()`` lists those that have none.
"""
from __future__ import annotations

import math

import numpy as np

from .. import activations, losses, regularizers
from . import ops
from .custom import FunctionLoss
from .tensor import Tensor


def _selu(a, z):
    negative = a.scale * a.alpha * (ops.exp(ops.minimum(z, 0.0)) - 1.0)
    return ops.where(z.data > 0, a.scale * z, negative)


def _constant(values, like):
    return Tensor(np.asarray(values, dtype=like.dtype))


ACTIVATIONS = {
    "identity":   lambda a, z: z,
    "step":       lambda a, z: _constant(a(z.data), z),          # derivative 0: no gradient flows
    "sign":       lambda a, z: _constant(a(z.data), z),
    "sigmoid":    lambda a, z: ops.sigmoid(z),
    "tanh":       lambda a, z: ops.tanh(z),
    "relu":       lambda a, z: ops.relu(z),
    "leaky_relu": lambda a, z: ops.where(z.data > 0, z, a.negative_slope * z),
    "selu":       _selu,
    "softplus":   lambda a, z: ops.relu(z) + ops.log(1.0 + ops.exp(-ops.abs(z))),
    "softsign":   lambda a, z: z / (1.0 + ops.abs(z)),
    "softmax":    lambda a, z: ops.softmax(z, axis=-1),
}


def _log(p, base):
    return ops.log(p) if base == math.e else ops.log(p) / math.log(base)


def _binary_crossentropy(loss, y, p):
    if loss.from_logits:
        nats = ops.relu(p) - p * y + ops.log(1.0 + ops.exp(-ops.abs(p)))
        return ops.mean(nats) / math.log(loss.log_base)
    p = ops.clip(p, loss.epsilon, 1 - loss.epsilon)
    return -ops.mean(y * _log(p, loss.log_base) + (1.0 - y) * _log(1.0 - p, loss.log_base))


def _categorical_crossentropy(loss, y, p):
    log_p = ops.log_softmax(p, axis=-1) if loss.from_logits else ops.log(ops.clip(p, loss.epsilon, 1.0))
    return -ops.sum(y * log_p) / (p.shape[0] * math.log(loss.log_base))


def _sparse_categorical_crossentropy(loss, labels, p):
    one_hot = np.eye(p.shape[-1], dtype=p.dtype)[np.asarray(labels.data).reshape(-1).astype(np.intp)]
    return _categorical_crossentropy(loss, Tensor(one_hot), p)


def _signed(loss, y, p):
    return _constant(loss._signed(y.data), p)           # 0/1 labels as -1/1, as the engine's hinge


def _mean_squared_error(loss, y, p):
    squares = ops.sum((p - y) ** 2)
    return squares / (2 * p.shape[0]) if loss.half else squares / p.size


LOSSES = {
    "mean_squared_error":              _mean_squared_error,
    "mean_absolute_error":             lambda loss, y, p: ops.mean(ops.abs(p - y)),
    "binary_crossentropy":             _binary_crossentropy,
    "categorical_crossentropy":        _categorical_crossentropy,
    "sparse_categorical_crossentropy": _sparse_categorical_crossentropy,
    "hinge":                           lambda loss, y, p: ops.mean(ops.relu(1.0 - _signed(loss, y, p) * p)),
}

REGULARIZERS = {     # the penalty of weights w for a batch of m samples
    "l2":    lambda r, w, m: r.l2 / (2 * m) * ops.sum(w * w),
    "l1":    lambda r, w, m: r.l1 / m * ops.sum(ops.abs(w)),
    "l1_l2": lambda r, w, m: r.l1 / m * ops.sum(ops.abs(w)) + r.l2 / (2 * m) * ops.sum(w * w),
}


def activation(act, z):
    return ACTIVATIONS[act._registry_name](act, z)


def loss_value(loss, y_true, y_pred):
    if isinstance(loss, FunctionLoss):
        return loss._evaluate(y_true, y_pred)
    return LOSSES[loss._registry_name](loss, y_true, y_pred)


def penalty(regularizer, weights, m):
    return REGULARIZERS[regularizer._registry_name](regularizer, weights, m)


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
    return a, total


def _elu(layer, x, params):
    return ops.where(x.data > 0, x, layer.alpha * (ops.exp(ops.minimum(x, 0.0)) - 1.0)), 0.0


def _dropout(layer, x, params):                  # the mask the engine's own pass drew
    return (x if layer._mask is None else x * Tensor(layer._mask)), 0.0


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
    "relu":                lambda layer, x, params: (activation(layer.activation, x), 0.0),
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
    if name not in LAYERS:
        raise NotImplementedError(f"No autodiff form of the layer {type(layer).__name__} ({name!r}).")
    return LAYERS[name](layer, x, params)


def missing() -> list[str]:
    r"""Registered activations, losses, regularizers and layers that have no autodiff form here."""
    from .. import layers            # the registry only: the table is keyed by its names

    out = []
    for kind, registry, table in (("activation", activations.registry, ACTIVATIONS),
                                  ("loss", losses.registry, LOSSES),
                                  ("regularizer", regularizers.registry, REGULARIZERS),
                                  ("layer", layers.registry, LAYERS)):
        names = {registry.lookup(name)._registry_name for name in registry.names()}
        out += [f"{kind} {name!r}" for name in sorted(names - set(table))]
    return out
