r"""Sliding windows over the spatial axes of channels-last arrays: the arithmetic that convolutions
and pooling share, in NumPy.

An input x of shape (m, n_1, ..., n_d, C) (d = 1 for sequences, 2 for images) is padded and then
read as windows of k_1 x ... x k_d positions (taps ``dilation`` apart), one window every ``strides``
positions. ``windows`` gives them as a view (no copy):

    X[b, o_1, ..., o_d, u_1, ..., u_d, c] = x_padded[b, o_1 s_1 + u_1 r_1, ..., o_d s_d + u_d r_d, c]

(s: strides, r: dilation). Reshaped to one row per output position, (m o_1 ... o_d, k_1 ... k_d C),
these are the columns of im2col: a convolution is then one matrix product with the kernel
reshaped to (k_1 ... k_d C, filters). ``fold`` is the adjoint of ``windows``: it adds every window
entry back onto the position it was read from (col2im), which is how gradients return to x:

    sum over windows of  <windows(x), G>  =  <x, fold(G)>      for all x, G.

Both loop over the k_1 ... k_d taps of a window (9 for a 3 x 3 kernel), never over positions.
"""
from __future__ import annotations

import math

import numpy as np

from . import kernels

PADDINGS = ("valid", "same")


def tuple_of(owner: str, argument: str, value, d: int, low: int = 1) -> tuple[int, ...]:
    r"""``value`` (an int or d ints) as a tuple of d ints >= ``low``, or a clear error."""
    values = (value,) * d if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
    except TypeError:
        values = ()
    if len(values) != d or any(not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < low
                                for v in values):
        raise ValueError(f"{owner}: {argument} must be an int >= {low} or a tuple of {d} such ints; "
                         f"got {value!r}.")
    return tuple(int(v) for v in values)


def padding_of(owner: str, padding, allowed=PADDINGS) -> str:
    if not isinstance(padding, str) or padding.lower() not in allowed:
        raise ValueError(f"{owner}: padding must be one of {', '.join(repr(p) for p in allowed)}; got {padding!r}.")
    return padding.lower()


def check_input(layer, input_shape) -> None:
    r"""A spatial layer's per-sample input shape must be (*spatial, channels), with ``layer.rank`` spatial axes."""
    if len(input_shape) != layer.rank + 1:
        raise ValueError(f"{type(layer).__name__} {layer.display_name()!r} takes inputs of shape (batch, "
                         f"{layer.rank} spatial axes, channels); got per-sample shape {input_shape}.")


def extent(k: int, r: int) -> int:
    r"""Positions a window of k taps spans with dilation r:  (k - 1) r + 1."""
    return (k - 1) * r + 1


def geometry(spatial, window, strides, dilation, padding):
    r"""Output sizes and (before, after) pads per spatial axis.

        "valid":  o = floor((n - (k - 1) r - 1) / s) + 1,  no padding
        "same":   o = ceil(n / s),  total pad p = max((o - 1) s + (k - 1) r + 1 - n, 0),
                  p // 2 before and the rest after (Keras's and TensorFlow's split)
        "causal": o = n (stride 1), (k - 1) r zeros before

    An unknown size n (None, a length that varies) gives o = None and pads None: known per call.
    """
    out, pads = [], []
    for n, k, s, r in zip(spatial, window, strides, dilation):
        if n is None:
            out.append(None)
            pads.append(None)
            continue
        span = extent(k, r)
        if padding == "valid":
            o, before, after = (n - span) // s + 1, 0, 0
        elif padding == "causal":
            o, before, after = (n + span - 1 - span) // s + 1, span - 1, 0
        else:
            o = -(-n // s)
            total = max((o - 1) * s + span - n, 0)
            before, after = total // 2, total - total // 2
        if o < 1:
            raise ValueError(f"A window of {k} taps with dilation {r} spans {span} positions: more than the "
                             f"{n} of the input's spatial axis (padding='{padding}'). Use smaller kernels or "
                             f"pool sizes, padding='same', or larger inputs.")
        out.append(o)
        pads.append((before, after))
    return tuple(out), tuple(pads)


def transpose_geometry(spatial, window, strides, dilation, padding, output_padding=None):
    r"""Output sizes and pads of a transposed convolution (Keras's, as TensorFlow and JAX):
    the adjoint of a convolution of an input of the output's size, whose windows start ``before``
    positions ahead of it. A full fold covers (n - 1) s + (k - 1) r + 1 positions;

        "valid":  out = (n - 1) s + max((k - 1) r + 1, s) + output_padding extra
        "same":   out = n s   (without output_padding)

    An unknown size n (None) gives out = None and pads None, as ``geometry``.
    """
    out, pads = [], []
    for i, (n, k, s, r) in enumerate(zip(spatial, window, strides, dilation)):
        if n is None:
            out.append(None)
            pads.append(None)
            continue
        span = extent(k, r)
        extra = None if output_padding is None else output_padding[i]
        if padding == "valid":
            extra = max(span, s) - span if extra is None else extra
            left, right = span - 1, span - 1 + extra
        else:
            total = s + span - 2 if extra is None else span + span % 2 - 2 + extra
            left = min(total // 2 + total % 2, span - 1)
            right = total - left
        o = (n - 1) * s + 1 + left + right - span + 1
        before = span - 1 - left                   # positions of the full fold cut off in front
        full = (n - 1) * s + span
        out.append(o)
        pads.append((before, full - before - o))   # after < 0: zeros past the full fold
    return tuple(out), tuple(pads)


def pad(x, pads, value=0.0):
    r"""x with ``pads`` (before, after) around each spatial axis (negative after: nothing)."""
    widths = [(b, max(a, 0)) for b, a in pads]
    if not any(b or a for b, a in widths):
        return x
    return np.pad(x, [(0, 0), *widths, (0, 0)], constant_values=value)


def windows(x, window, strides, dilation, pads, out, value=0.0):
    r"""The windows of x (padded by ``pads`` with ``value``) as a read-only view of shape
    (m, *out, *window, C)."""
    xp = pad(x, pads, value)
    s_batch, *s_spatial, s_channel = xp.strides
    shape = (xp.shape[0], *out, *window, xp.shape[-1])
    steps = (s_batch, *(t * s for t, s in zip(s_spatial, strides)),
             *(t * r for t, r in zip(s_spatial, dilation)), s_channel)
    return np.lib.stride_tricks.as_strided(xp, shape, steps, writeable=False)


def unpad(xp, pads, spatial):
    r"""The inverse of ``pad``: the ``spatial`` positions of xp after each axis's ``before`` padding."""
    return xp[(slice(None), *(slice(b, b + n) for (b, _), n in zip(pads, spatial)))]


def _fold_buffer(m, out, window, strides, dilation, pads, spatial, channels, dtype, fill=np.zeros):
    r"""Zeros to fold into: the padded input, or more where the windows reach past it."""
    reach = [(o - 1) * s + extent(k, r) for o, s, k, r in zip(out, strides, window, dilation)]
    size = [max(n + b + max(a, 0), e) for n, (b, a), e in zip(spatial, pads, reach)]
    return fill((m, *size, channels), dtype=dtype)


def tap_slices(window, strides, dilation, out):
    r"""For each tap u of a window: (u, the slices of the padded input that tap reads at every
    output position), e.g. u r :: s over o positions."""
    for u in np.ndindex(*window):
        yield u, tuple(slice(ui * r, ui * r + (o - 1) * s + 1, s) for ui, r, s, o in zip(u, dilation, strides, out))


def fold(cols, spatial, window, strides, dilation, pads):
    r"""The adjoint of ``windows``: cols (m, *out, *window, C) added back onto an input of
    ``spatial`` size (the padding cut off).  dx[b, i, c] = sum over (o, u) with o s + u r - before = i
    of cols[b, o, u, c]."""
    d = len(window)
    out = cols.shape[1:1 + d]
    buffer = _fold_buffer(cols.shape[0], out, window, strides, dilation, pads, spatial, cols.shape[-1], cols.dtype)
    for u, where in tap_slices(window, strides, dilation, out):
        buffer[(slice(None), *where)] += cols[(slice(None),) * (1 + d) + u]
    return unpad(buffer, pads, spatial)


def fold_matmul(delta, kernel, spatial, strides, dilation, pads):
    r"""fold(delta W^T) without forming delta W^T: tap by tap, delta (m, *out, F) times W[u]^T (F, C)
    added onto the positions that tap read. The input gradient of a convolution (groups = 1) in
    k_1 ... k_d products of (m o_1 ... o_d, F) by (F, C), each written once into a small buffer.
    For images with numba there: one product delta W^T (its taps C columns) and the compiled fold,
    faster than the narrow products and the strided sums of NumPy."""
    d = delta.ndim - 2
    window, channels = kernel.shape[:d], kernel.shape[-2]
    m, out = delta.shape[0], delta.shape[1:1 + d]
    flat = delta.reshape(-1, delta.shape[-1])
    add_back = kernels.for_array("col2im_2d", delta) if d == 2 else None
    if add_back is not None:                  # compiled: one product delta W^T, then its fold
        cols = (flat @ kernel.reshape(-1, kernel.shape[-1]).T).reshape(m, *out, *window, channels)
        buffer = _fold_buffer(m, out, window, strides, dilation, pads, spatial, channels, delta.dtype, np.empty)
        add_back(cols, *strides, *dilation, buffer)
        return unpad(buffer, pads, spatial)
    buffer = _fold_buffer(m, out, window, strides, dilation, pads, spatial, channels, delta.dtype)
    product = np.empty((flat.shape[0], channels), dtype=delta.dtype)
    for u, where in tap_slices(window, strides, dilation, out):
        np.dot(flat, kernel[u].T, out=product)
        buffer[(slice(None), *where)] += product.reshape(m, *out, channels)
    return unpad(buffer, pads, spatial)


def _by_group(cols, kernel, groups):
    r"""cols as (groups, M, taps C_in/g) and the kernel as (groups, taps C_in/g, F/g)."""
    taps, per_group, filters = math.prod(kernel.shape[:-2]), kernel.shape[-2], kernel.shape[-1]
    a = cols.reshape(-1, taps, groups, per_group).transpose(2, 0, 1, 3).reshape(groups, -1, taps * per_group)
    w = kernel.reshape(taps * per_group, groups, filters // groups).transpose(1, 0, 2)
    return a, w


def grouped_matmul(cols, kernel, groups):
    r"""cols (M, K C_in/g ... laid out as taps x C_in) times the kernel (taps, C_in/g, F) group by
    group: output channel f of group j sees only input channels of group j. groups = 1: one GEMM."""
    if groups == 1:
        return cols @ kernel.reshape(-1, kernel.shape[-1])
    a, w = _by_group(cols, kernel, groups)
    return (a @ w).transpose(1, 0, 2).reshape(-1, kernel.shape[-1])


def grouped_matmul_grads(g, cols, kernel, groups):
    r"""Gradients of y = grouped_matmul(cols, kernel):  dL/dcols = g W^T,  dL/dW = cols^T g (per group)."""
    filters = kernel.shape[-1]
    if groups == 1:
        w = kernel.reshape(-1, filters)
        return g @ w.T, (cols.T @ g).reshape(kernel.shape)
    taps, per_group = math.prod(kernel.shape[:-2]), kernel.shape[-2]
    a, w = _by_group(cols, kernel, groups)
    gg = g.reshape(-1, groups, filters // groups).transpose(1, 0, 2)
    dcols = (gg @ w.transpose(0, 2, 1)).reshape(groups, -1, taps, per_group).transpose(1, 2, 0, 3)
    dw = (a.transpose(0, 2, 1) @ gg).reshape(groups, taps, per_group, filters // groups).transpose(1, 2, 0, 3)
    return dcols.reshape(cols.shape), dw.reshape(kernel.shape)


def check_channels_last(owner, data_format):
    r"""Windows run over channels-last arrays (batch, spatial axes..., channels), as Keras's default."""
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{owner}: neurona's convolutions take channels last (data_format='channels_last'); "
                         f"got data_format={data_format!r}.")
