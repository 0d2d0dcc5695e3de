r"""The derivatives of every operation: the whole calculus of ``neurona.autodiff`` on one screen.

Each entry maps an operation to its chain-rule step: given g = dL/dy (the gradient arriving at
the output y), the output value y, the input values and the operation's settings, it returns
dL/d(input) for each input. Broadcasting is undone afterwards, in one place (``unbroadcast``):
an input that was stretched along an axis receives the sum of the gradient over that axis.
"""
from __future__ import annotations

import numpy as np

from .. import windows as _windows


def unbroadcast(grad, shape):
    r"""Sum ``grad`` over the axes that broadcasting added or stretched, so it has ``shape``."""
    if grad.shape == shape:
        return grad
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape)))) if grad.ndim > len(shape) else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _expand(g, shape, axis, keepdims):
    r"""Undo a reduction: put back the reduced axes of g and stretch it to ``shape``."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    elif axis is None and not keepdims:
        g = np.reshape(g, (1,) * len(shape))
    return np.broadcast_to(g, shape)


def _count(shape, axis):
    return int(np.prod([shape[a] for a in np.atleast_1d(axis)] if axis is not None else shape))


def _max_grad(g, y, a, axis, keepdims):
    r"""max passes g to the largest entries, shared equally among ties."""
    mask = a == _expand(y, a.shape, axis, keepdims)
    return _expand(g, a.shape, axis, keepdims) * mask / mask.sum(axis=axis, keepdims=True)


def _matmul_grads(g, a, b):
    r"""y = a @ b:  dL/da = g @ b^T,  dL/db = a^T @ g (1-D operands are a row / a column; a
    1-D operand used against a stack of matrices gets the sum over the stack)."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = np.reshape(g, np.matmul(a2, b2).shape)
    da = np.matmul(g2, np.swapaxes(b2, -1, -2))
    db = np.matmul(np.swapaxes(a2, -1, -2), g2)
    return (unbroadcast(da, a2.shape).reshape(a.shape) if a.ndim == 1 else da,
            unbroadcast(db, b2.shape).reshape(b.shape) if b.ndim == 1 else db)


def _getitem_grad(g, a, index):
    out = np.zeros(a.shape, dtype=np.result_type(g, a))
    np.add.at(out, index, g)            # repeated indices add up
    return out


def _split(g, inputs, axis):
    edges = np.cumsum([x.shape[axis] for x in inputs])[:-1]
    return tuple(np.split(g, edges, axis=axis))


def _pow_exponent_grad(g, y, a):
    r"""d(a^b)/db = a^b ln a, taken as 0 where a <= 0 (its limit at a = 0 for b > 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, g * y * np.log(np.where(a > 0, a, 1)), 0)


def _inside(a, low, high):
    r"""Where clip lets x through: low <= x <= high (a bound of None is no bound)."""
    return (a >= (-np.inf if low is None else low)) & (a <= (np.inf if high is None else high))


def _tie(a, b):
    r"""Share of max(a, b) that goes to a: 1 where a > b, 1/2 on ties, 0 where a < b."""
    return (a > b) + 0.5 * (a == b)


def _reverse_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def einsum_grads(g, operands, subscripts):
    r"""y = einsum(s_1,...,s_n -> o):  dL/dx_k = einsum(o, s_j (j != k) -> s_k) of g and the others;
    letters only in s_k are broadcast back, and a letter repeated in s_k (a diagonal) gets g on it."""
    inputs, out = subscripts.split("->")
    inputs = inputs.split(",")
    grads = []
    for k, (s, x) in enumerate(zip(inputs, operands)):
        others = [t for j, t in enumerate(inputs) if j != k]
        seen = "".join(others) + out
        unique = "".join(dict.fromkeys(s))
        kept = "".join(c for c in unique if c in seen)
        part = np.einsum(",".join([out, *others]) + "->" + kept, g, *[t for j, t in enumerate(operands) if j != k])
        sizes = {c: n for c, n in zip(s, x.shape)}
        part = np.expand_dims(part, tuple(i for i, c in enumerate(unique) if c not in seen))
        part = np.broadcast_to(part, tuple(sizes[c] for c in unique))
        if unique == s:
            grads.append(part)
        else:
            grad = np.zeros(x.shape, dtype=np.result_type(g, x))
            np.einsum(s + "->" + unique, grad)[...] = part      # the diagonal view of grad
            grads.append(grad)
    return tuple(grads)


# g = dL/dy,  y = the output,  then the inputs' values and the operation's settings.
DERIVATIVES = {
    "add":         lambda g, y, a, b: (g, g),
    "sub":         lambda g, y, a, b: (g, -g),
    "mul":         lambda g, y, a, b: (g * b, g * a),
    "div":         lambda g, y, a, b: (g / b, -g * a / (b * b)),
    "pow":         lambda g, y, a, b: (g * b * a ** (b - 1), _pow_exponent_grad(g, y, a)),
    "pow_const":   lambda g, y, a, p: (g * np.where(p == 0, 0, p * a ** (p - 1)),),     # x^0: 0, even at x = 0
    "neg":         lambda g, y, a: (-g,),
    "matmul":      lambda g, y, a, b: _matmul_grads(g, a, b),
    "exp":         lambda g, y, a: (g * y,),
    "log":         lambda g, y, a: (g / a,),
    "sqrt":        lambda g, y, a: (g / (2 * y),),
    "sin":         lambda g, y, a: (g * np.cos(a),),
    "cos":         lambda g, y, a: (-g * np.sin(a),),
    "tanh":        lambda g, y, a: (g * (1 - y * y),),
    "sigmoid":     lambda g, y, a: (g * y * (1 - y),),
    "relu":        lambda g, y, a: (g * (a > 0),),
    "abs":         lambda g, y, a: (g * np.sign(a),),
    "erf":         lambda g, y, a: (g * (2 / np.sqrt(np.pi)) * np.exp(-a * a),),
    "maximum":     lambda g, y, a, b: (g * _tie(a, b), g * _tie(b, a)),
    "minimum":     lambda g, y, a, b: (g * _tie(b, a), g * _tie(a, b)),
    "clip":        lambda g, y, a, low, high: (g * _inside(a, low, high),),
    "where":       lambda g, y, a, b, condition: (g * condition, g * ~condition),
    "sum":         lambda g, y, a, axis, keepdims: (_expand(g, a.shape, axis, keepdims),),
    "mean":        lambda g, y, a, axis, keepdims: (_expand(g, a.shape, axis, keepdims) / _count(a.shape, axis),),
    "max":         lambda g, y, a, axis, keepdims: (_max_grad(g, y, a, axis, keepdims),),
    "reshape":     lambda g, y, a, shape: (np.reshape(g, a.shape),),
    "transpose":   lambda g, y, a, axes: (np.transpose(g, None if axes is None else np.argsort(axes)),),
    "getitem":     lambda g, y, a, index: (_getitem_grad(g, a, index),),
    "concatenate": lambda g, y, *inputs, axis: _split(g, inputs, axis),
    "windows":     lambda g, y, a, window, strides, dilation, pads: (
                       _windows.fold(g, a.shape[1:-1], window, strides, dilation, pads),),
    "fold":        lambda g, y, a, window, strides, dilation, pads: (
                       _windows.windows(g, window, strides, dilation, pads, a.shape[1:1 + len(window)]),),
    "softmax":     lambda g, y, a, axis: (y * (g - np.sum(g * y, axis=axis, keepdims=True)),),
    "log_softmax": lambda g, y, a, axis: (g - np.exp(y) * np.sum(g, axis=axis, keepdims=True),),
    "arcsin":      lambda g, y, a: (g / np.sqrt(1 - a * a),),
    "arccos":      lambda g, y, a: (-g / np.sqrt(1 - a * a),),
    "arctan":      lambda g, y, a: (g / (1 + a * a),),
    "arcsinh":     lambda g, y, a: (g / np.sqrt(a * a + 1),),
    "arccosh":     lambda g, y, a: (g / np.sqrt(a * a - 1),),
    "arctanh":     lambda g, y, a: (g / (1 - a * a),),
    "arctan2":     lambda g, y, a, b: (g * b / (a * a + b * b), -g * a / (a * a + b * b)),
    "cumsum":      lambda g, y, a, axis: (_reverse_cumsum(g, axis),),
    "cumprod":     lambda g, y, a, axis: (_reverse_cumsum(g * y, axis) / a,),
    "prod":        lambda g, y, a, axis, keepdims: (_expand(g * y, a.shape, axis, keepdims) / a,),
    "einsum":      lambda g, y, *operands, subscripts: einsum_grads(g, operands, subscripts),
}
