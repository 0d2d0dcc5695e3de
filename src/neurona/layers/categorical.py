r"""Preprocessing layers for categorical and numeric features, as Keras 3 has them: no weights to
train and no gradient to pass (their outputs are counts and indices; in a model they sit in front,
on the data).

    CategoryEncoding(num_tokens, output_mode)   integer ids 0 .. num_tokens - 1 ->
        one_hot    y[..., k] = 1 if x = k                       (one vector per id)
        multi_hot  y[b, k]   = 1 if k is among the ids of sample b
        count      y[b, k]   = number of times (or sum of ``count_weights``) k is among them
    Discretization(bin_boundaries | num_bins)    a number -> the index of its bin:
        y = the number of boundaries <= x   (bins [-inf, b_1), [b_1, b_2), ..., [b_n, inf))
        ``adapt(data)`` places num_bins - 1 boundaries at the data's quantiles (the same
        approximate quantile summary as Keras, so its boundaries equal Keras's)
"""
from __future__ import annotations

import numbers

import numpy as np

from ..autodiff.tensor import Tensor
from .base import Layer, register

_MODES = ("one_hot", "multi_hot", "count")


def _encode(owner, ids, mode, depth, dtype, count_weights=None):
    r"""Keras's encoding of integer ``ids`` into vectors of ``depth`` (see the module)."""
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= depth):
        raise ValueError(f"{owner}: ids must lie in 0 .. {depth - 1} (num_tokens={depth}); got values from "
                         f"{ids.min():g} to {ids.max():g}.")
    if np.issubdtype(ids.dtype, np.floating) and not np.array_equal(ids, np.round(ids)):
        raise ValueError(f"{owner}: ids must be whole numbers; got {ids[ids != np.round(ids)].ravel()[0]:g}.")
    ids = ids.astype(np.int64)
    if ids.ndim == 0:
        ids = ids.reshape(1)
    if mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids[..., 0]
        return np.eye(depth, dtype=dtype)[ids]
    flat = ids.reshape(1, -1) if ids.ndim == 1 else ids.reshape(ids.shape[0], -1)
    weights = np.ones(flat.shape) if count_weights is None else np.asarray(count_weights, np.float64).reshape(flat.shape)
    out = np.zeros((flat.shape[0], depth))
    np.add.at(out, (np.arange(flat.shape[0])[:, None].repeat(flat.shape[1], 1), flat), weights)
    if mode == "multi_hot":
        out = (out > 0).astype(np.float64)
    out = out.astype(dtype)
    return out[0] if ids.ndim == 1 else out


class _Preprocessing(Layer):
    r"""No weights, no gradient: backward gives zeros (the inputs are data, integer ids or tokens)."""

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return np.zeros(self._input_shape, grad.dtype) if need_input_grad else None

    def forward(self, x, training=False):
        self._input_shape = np.shape(x)
        return self.transform(x)

    def call(self, inputs):
        r"""The tape form: the output as a constant (nothing flows back to ids, bins or tokens)."""
        return Tensor(self.transform(np.asarray(inputs.numpy() if isinstance(inputs, Tensor) else inputs)))


@register("category_encoding")
class CategoryEncoding(_Preprocessing):
    r"""Integer ids 0 .. num_tokens - 1 as one-hot, multi-hot or count vectors (see the module).
    ``layer(x, count_weights=w)`` weighs each id's count (``output_mode="count"`` only)."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        output_mode = "multi_hot" if output_mode == "binary" else output_mode
        if output_mode not in _MODES:
            raise ValueError(f"CategoryEncoding: output_mode must be one of {', '.join(_MODES)}; got {output_mode!r}.")
        if not isinstance(num_tokens, numbers.Integral) or isinstance(num_tokens, bool) or num_tokens < 1:
            raise ValueError(f"CategoryEncoding: num_tokens must be an int >= 1 (the number of ids); got {num_tokens!r}.")
        if sparse:
            raise ValueError("CategoryEncoding: sparse=True (sparse tensors) is not supported; use sparse=False.")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False

    def setup(self, input_shape, rng, dtype):
        if self.output_mode == "one_hot" and not (input_shape and input_shape[-1] == 1):
            return (*input_shape, self.num_tokens)
        return (*input_shape[:-1], self.num_tokens) if self.output_mode == "one_hot" else (self.num_tokens,)

    def __call__(self, inputs, training=None, count_weights=None, **kwargs):
        if count_weights is None:
            return super().__call__(inputs, training, **kwargs)
        if self.output_mode != "count":
            raise ValueError(f"CategoryEncoding: count_weights is used only with output_mode='count'; "
                             f"this layer's is {self.output_mode!r}.")
        return _encode("CategoryEncoding", inputs, "count", self.num_tokens, np.float32, count_weights)

    def transform(self, x):
        dtype = x.dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float32
        return _encode("CategoryEncoding", x, self.output_mode, self.num_tokens, dtype)


def _summary(values, epsilon):
    r"""A batch's quantile summary: about 1/epsilon of its sorted values, evenly spaced, each standing
    for the ``step`` values up to it (row 0 the values, row 1 their weights)."""
    values = np.sort(np.ravel(values))
    step = max(values.size * epsilon, 1)
    kept = values[int(step - 1)::int(step)]
    return np.stack([kept, np.full(kept.shape, float(step), dtype=kept.dtype)])


def _compress(summary, epsilon):
    r"""At most 1/epsilon points: the values at cumulative weight epsilon, 2 epsilon, ..., 1
    (interpolated linearly along the summary's cumulative weights), and the weight between them."""
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = np.cumsum(summary[1])
    fraction = cumulative / cumulative[-1]
    values = np.interp(targets, fraction, summary[0])
    reached = np.interp(targets, fraction, cumulative)
    return np.stack([values, np.diff(reached, prepend=0.0)]).astype(np.float32)


@register("discretization")
class Discretization(_Preprocessing):
    r"""A number -> the index of its bin, y = #{boundaries <= x}, or that index one-hot / multi-hot /
    counted (``output_mode``). Give ``bin_boundaries``, or ``num_bins`` and call ``adapt(data)``.
    An adapted layer's config holds both: its boundaries are used and num_bins kept for a new
    ``adapt`` (Keras refuses both in its constructor and drops num_bins in ``from_config``)."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        if output_mode not in ("int", *_MODES):
            raise ValueError(f"Discretization: output_mode must be one of int, {', '.join(_MODES)}; got {output_mode!r}.")
        if bin_boundaries is None and num_bins is None:
            raise ValueError("Discretization: give bin_boundaries, or num_bins and then call adapt; got neither.")
        if num_bins is not None and (not isinstance(num_bins, numbers.Integral) or num_bins < 0):
            raise ValueError(f"Discretization: num_bins must be an int >= 0; got {num_bins!r}.")
        if sparse:
            raise ValueError("Discretization: sparse=True (sparse tensors) is not supported; use sparse=False.")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.output_mode = output_mode
        self.sparse = False
        self._summary = np.zeros((2, 0), np.float32)

    def adapt(self, data, batch_size=None, steps=None):
        r"""Boundaries at the quantiles 1/num_bins, 2/num_bins, ... of ``data`` (an array, or an
        iterable of batches: each batch summarised, the summaries merged)."""
        if self.num_bins is None:
            raise ValueError("Discretization.adapt: this layer was given bin_boundaries and no num_bins; adapt "
                             "computes the boundaries of a layer made with num_bins.")
        batches = [data] if isinstance(data, np.ndarray) or not hasattr(data, "__iter__") else list(data)[:steps]
        self._summary = np.zeros((2, 0), np.float32)
        for batch in batches:
            merged = np.concatenate([_summary(np.asarray(batch, np.float32), self.epsilon), self._summary], axis=1)
            self._summary = _compress(merged[:, np.argsort(merged[0], kind="stable")], self.epsilon)
        self.bin_boundaries = _compress(self._summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def setup(self, input_shape, rng, dtype):
        if self.output_mode == "int":
            return input_shape
        depth = self._depth()
        if self.output_mode == "one_hot":
            return (*input_shape[:-1], depth) if input_shape and input_shape[-1] == 1 else (*input_shape, depth)
        return (*input_shape[1:], depth)

    def _depth(self):
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def transform(self, x):
        if self.bin_boundaries is None:
            raise ValueError("Discretization: no bin boundaries yet; give bin_boundaries or call adapt(data) first.")
        ids = np.digitize(x, self.bin_boundaries)
        if self.output_mode == "int":
            return ids.astype(np.int32)
        return _encode("Discretization", ids, self.output_mode, self._depth(), np.float32)
