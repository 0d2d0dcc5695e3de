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
from ..losses.margin import signed
from . import ops
from .custom import loss_tensor, reduce
from .tensor import Tensor


def _selu(a, z):
    negative = a.scale * a.alpha * (ops.exp(ops.minimum(z, 0.0)) - 1.0)
    return ops.where(z.data > 0, a.scale * z, negative)


def _constant(values, like):
    return Tensor(np.asarray(values, dtype=like.dtype))


def _softplus(z):
    return ops.relu(z) + ops.log(1.0 + ops.exp(-ops.abs(z)))


def _gelu(a, z):
    if a.approximate:
        u = math.sqrt(2.0 / math.pi) * (z + 0.044715 * z ** 3)
        return 0.5 * z * (1.0 + ops.tanh(u))
    return 0.5 * z * (1.0 + ops.erf(z / math.sqrt(2.0)))


ACTIVATIONS = {
    "identity":   lambda a, z: z,
    "step":       lambda a, z: _constant(a(z.data), z),          # derivative 0: no gradient flows
    "sign":       lambda a, z: _constant(a(z.data), z),
    "sigmoid":    lambda a, z: ops.sigmoid(z),
    "tanh":       lambda a, z: ops.tanh(z),
    "relu":       lambda a, z: ops.relu(z),
    "leaky_relu": lambda a, z: ops.where(z.data > 0, z, a.negative_slope * z),
    "selu":       _selu,
    "softplus":   lambda a, z: _softplus(z),
    "softsign":   lambda a, z: z / (1.0 + ops.abs(z)),
    "softmax":    lambda a, z: ops.softmax(z, axis=-1),
    "elu":        lambda a, z: ops.where(z.data > 0, z, a.alpha * (ops.exp(ops.minimum(z, 0.0)) - 1.0)),
    "gelu":       _gelu,
    "silu":       lambda a, z: z * ops.sigmoid(z),
    "hard_sigmoid": lambda a, z: ops.clip(z / 6.0 + 0.5, 0.0, 1.0),
    "hard_silu":  lambda a, z: z * ops.clip(z / 6.0 + 0.5, 0.0, 1.0),
    "exponential": lambda a, z: ops.exp(z),
    "relu6":      lambda a, z: ops.clip(z, 0.0, 6.0),
    "mish":       lambda a, z: z * ops.tanh(_softplus(z)),
}


def _log(p, base):
    return ops.log(p) if base == math.e else ops.log(p) / math.log(base)


def _smooth(loss, y, k):
    s = getattr(loss, "label_smoothing", 0.0)
    return y if not s else y * (1.0 - s) + s / k


def _binary_crossentropy(loss, y, p):
    y = _smooth(loss, y, 2)
    if loss.from_logits:
        nats = ops.relu(p) - p * y + ops.log(1.0 + ops.exp(-ops.abs(p)))
        return ops.mean(nats, axis=-1) / math.log(loss.log_base)
    p = ops.clip(p, loss.epsilon, 1 - loss.epsilon)
    return -ops.mean(y * _log(p, loss.log_base) + (1.0 - y) * _log(1.0 - p, loss.log_base), axis=-1)


def _categorical_crossentropy(loss, y, p):
    y = _smooth(loss, y, p.shape[-1])
    log_p = ops.log_softmax(p, axis=-1) if loss.from_logits else ops.log(ops.clip(p, loss.epsilon, 1.0))
    return -ops.sum(y * log_p, axis=-1) / math.log(loss.log_base)


def _sparse_categorical_crossentropy(loss, labels, p):
    one_hot = np.eye(p.shape[-1], dtype=p.dtype)[np.asarray(labels.data).reshape(-1).astype(np.intp)]
    return _categorical_crossentropy(loss, Tensor(one_hot), p)


def _signed(y, p):
    return _constant(signed(y.data), p)        # 0/1 labels as -1/1, as the engine's hinge


def _mean_squared_error(loss, y, p):
    squares = (p - y) ** 2
    return 0.5 * ops.sum(squares, axis=-1) if loss.half else ops.mean(squares, axis=-1)


def _huber(loss, y, p):
    d = ops.abs(p - y)
    return ops.mean(ops.where(d.data <= loss.delta, 0.5 * d * d, loss.delta * d - 0.5 * loss.delta ** 2), axis=-1)


def _msle(loss, y, p):
    eps = losses.EPSILON
    first = ops.log(ops.maximum(p, eps) + 1.0)
    return ops.mean((first - np.log1p(np.maximum(y.data, eps))) ** 2, axis=-1)


def _kl_divergence(loss, y, p):
    y = ops.clip(y, losses.EPSILON, 1.0)
    return ops.sum(y * ops.log(y / ops.clip(p, losses.EPSILON, 1.0)), axis=-1)


def _mean(values):
    return ops.mean(values, axis=-1)


def _binary_focal_crossentropy(loss, y, p):
    y = _smooth(loss, y, 2)
    p = activation(_SIGMOID, p) if loss.from_logits else p
    q = ops.clip(p, loss.epsilon, 1 - loss.epsilon)
    bce = -(y * ops.log(q) + (1.0 - y) * ops.log(1.0 - q))
    focal = (1.0 - (y * p + (1.0 - y) * (1.0 - p))) ** loss.gamma
    weight = y * loss.alpha + (1.0 - y) * (1.0 - loss.alpha) if loss.apply_class_balancing else 1.0
    return ops.mean(weight * focal * bce, axis=-1)


def _categorical_hinge(loss, y, p):
    y = _constant(np.asarray(y.data), p)
    return ops.relu(1.0 + ops.max((1.0 - y) * p, axis=-1) - ops.sum(y * p, axis=-1))


def _cosine_similarity(loss, y, p):
    def unit(v):
        return v / ops.sqrt(ops.maximum(ops.sum(v * v, axis=-1, keepdims=True), 1e-12))
    return -ops.sum(unit(y) * unit(p), axis=-1)


# one loss per sample, shape (N,): the values that the reduction averages
LOSSES = {
    "mean_squared_error":              _mean_squared_error,
    "mean_absolute_error":             lambda loss, y, p: _mean(ops.abs(p - y)),
    "mean_absolute_percentage_error":  lambda loss, y, p: _mean(100.0 * ops.abs(y - p)
                                                                / np.maximum(np.abs(y.data), losses.EPSILON)),
    "mean_squared_logarithmic_error":  _msle,
    "huber":                           _huber,
    "log_cosh":                        lambda loss, y, p: _mean((p - y) + activation(_SOFTPLUS, -2.0 * (p - y))
                                                                - math.log(2.0)),
    "binary_crossentropy":             _binary_crossentropy,
    "categorical_crossentropy":        _categorical_crossentropy,
    "sparse_categorical_crossentropy": _sparse_categorical_crossentropy,
    "kl_divergence":                   _kl_divergence,
    "poisson":                         lambda loss, y, p: _mean(p - y * ops.log(p + losses.EPSILON)),
    "hinge":                           lambda loss, y, p: _mean(ops.relu(1.0 - _signed(y, p) * p)),
    "squared_hinge":                   lambda loss, y, p: _mean(ops.relu(1.0 - _signed(y, p) * p) ** 2),
    "categorical_hinge":               _categorical_hinge,
    "binary_focal_crossentropy":       _binary_focal_crossentropy,
    "cosine_similarity":               _cosine_similarity,
}

_SOFTPLUS = activations.Softplus()
_SIGMOID = activations.Sigmoid()


REGULARIZERS = {     # the penalty of weights w for a batch of m samples (m counts for convention="lectures")
    "l2":    lambda r, w, m: r.l2 * r._factor() * r._per_sample(m) * ops.sum(w * w),
    "l1":    lambda r, w, m: r.l1 * r._per_sample(m) * ops.sum(ops.abs(w)),
    "l1_l2": lambda r, w, m: sum(penalty(part, w, m) for part in r._parts()),
}


def activation(act, z):
    return ACTIVATIONS[act._registry_name](act, z)


def sample_losses(loss, y_true, y_pred):
    r"""The per-sample losses of a built-in loss as a Tensor (N,), from autodiff ops."""
    y_true = y_true if isinstance(y_true, Tensor) else Tensor(np.asarray(y_true))
    y_pred = y_pred if isinstance(y_pred, Tensor) else Tensor(np.asarray(y_pred))
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1 and loss._registry_name != \
            "sparse_categorical_crossentropy":
        y_true = ops.reshape(y_true, y_true.shape + (1,))
    return LOSSES[loss._registry_name](loss, y_true, y_pred)


def loss_value(loss, y_true, y_pred, sample_weight=None):
    r"""J of ``loss`` on a Tensor ``y_pred`` (reduced as the loss says; "none" gives the mean)."""
    if loss._is_custom():
        value = loss_tensor(loss, y_true, y_pred, sample_weight)
    else:
        value = reduce(loss, sample_losses(loss, y_true, y_pred), sample_weight)
    return ops.mean(value) if value.size > 1 else value


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
    r"""Registered activations, losses, regularizers and layers that have no autodiff form here."""
    from .. import layers            # the registry only: the table is keyed by its names

    out = []
    for kind, registry, table in (("activation", activations.registry, ACTIVATIONS),
                                  ("loss", losses.registry, LOSSES),
                                  ("regularizer", regularizers.registry, REGULARIZERS),
                                  ("layer", layers.registry, LAYERS)):
        names = {registry.lookup(name)._registry_name for name in registry.names()
                 if not callable(getattr(registry.lookup(name), "call", None))}     # own tape form
        out += [f"{kind} {name!r}" for name in sorted(names - set(table))]
    return out
