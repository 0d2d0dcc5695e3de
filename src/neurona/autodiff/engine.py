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

from .. import activations, layers, losses, regularizers
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
}

_SOFTPLUS = activations.Softplus()


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


def layer_forward(layer, x, params, mask=None):
    r"""(output, penalty) of ``layer`` on x with its parameters given as Tensors ``params`` (in
    ``layer.param_names`` order); ``mask`` is the dropout mask drawn by the engine's own pass."""
    if isinstance(layer, layers.Dense):
        kernel = params[0]
        z = ops.matmul(x, kernel)
        if layer.use_bias:
            z = z + params[1]
        total = 0.0
        if layer.kernel_regularizer is not None:
            total = total + penalty(layer.kernel_regularizer, kernel, x.shape[0])
        if layer.use_bias and layer.bias_regularizer is not None:
            total = total + penalty(layer.bias_regularizer, params[1], x.shape[0])
        return activation(layer.activation, z), total
    if isinstance(layer, layers.Activation):
        return activation(layer.activation, x), 0.0
    if isinstance(layer, layers.Dropout):
        return (x if mask is None else x * Tensor(mask)), 0.0
    raise NotImplementedError(f"No autodiff form of the layer {type(layer).__name__}.")


LAYERS = ("dense", "activation", "dropout")


def missing() -> list[str]:
    r"""Registered activations, losses, regularizers and layers that have no autodiff form here."""
    out = []
    for kind, registry, table in (("activation", activations.registry, ACTIVATIONS),
                                  ("loss", losses.registry, LOSSES),
                                  ("regularizer", regularizers.registry, REGULARIZERS),
                                  ("layer", layers.registry, LAYERS)):
        names = {registry.lookup(name)._registry_name for name in registry.names()}
        out += [f"{kind} {name!r}" for name in sorted(names - set(table))]
    return out
