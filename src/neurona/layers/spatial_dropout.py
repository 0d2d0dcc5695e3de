r"""Spatial dropout (Tompson et al., 2015): dropout of whole feature maps. While training, one keep
decision is drawn per (sample, channel) and shared by every position of that channel's map:

    y[n, ..., c] = x[n, ..., c] k[n, c] / (1 - rate),  k[n, c] ~ Bernoulli(1 - rate)
    dL/dx[n, ..., c] = dL/dy[n, ..., c] k[n, c] / (1 - rate)

and the identity at inference. Neighbouring positions of a map are strongly correlated, so dropping
single entries barely regularises; dropping the map does.

    SpatialDropout1D   inputs (batch, steps, channels)
    SpatialDropout2D   inputs (batch, rows, cols, channels), or channels first
    SpatialDropout3D   inputs (batch, dim1, dim2, dim3, channels), or channels first
"""
from __future__ import annotations

from ..validation import check_number
from .base import register
from .noise import _Random

_FORMATS = ("channels_last", "channels_first")


class _SpatialDropout(_Random):
    r"""The mask of shape (batch, 1, ..., 1, channels) (channels last) or (batch, channels, 1, ..., 1)
    (channels first), scaled by 1 / (1 - rate) and broadcast over the spatial axes."""

    spatial_axes = 1

    def __init__(self, rate: float, data_format=None, seed=None, name: str | None = None, **keras_arguments):
        super().__init__(seed, name, **keras_arguments)
        owner = type(self).__name__
        self.rate = check_number(owner, "rate", rate, 0, 1, high_open=True)
        if data_format not in (None, *_FORMATS):
            raise ValueError(f"{owner}: data_format must be one of {_FORMATS}; got {data_format!r}.")
        self.data_format = data_format or "channels_last"

    def setup(self, input_shape, rng, dtype):
        if len(input_shape) != self.spatial_axes + 1:
            raise ValueError(f"{type(self).__name__}: inputs must have {self.spatial_axes} spatial axes and a "
                             f"channel axis per sample, shape (batch, {self.spatial_axes + 1} axes); "
                             f"got per-sample shape {tuple(input_shape)}.")
        return tuple(input_shape)

    def _active(self):
        return self.rate > 0

    def _sample(self, x):
        channel_axis = 1 if self.data_format == "channels_first" else x.ndim - 1
        shape = [1] * x.ndim
        shape[0], shape[channel_axis] = x.shape[0], x.shape[channel_axis]
        keep = (self._rng.random(tuple(shape)) >= self.rate).astype(x.dtype)
        return keep * (1.0 / (1.0 - self.rate))

    def _apply(self, lib, x, mask):
        return x * mask

    def _slope(self, grad, mask):
        return grad * mask

    def describe(self):
        return f"{type(self).__name__}, rate={self.rate}"


@register("spatial_dropout1d")
class SpatialDropout1D(_SpatialDropout):
    r"""Dropout of whole 1D feature maps: inputs (batch, steps, channels), mask (batch, 1, channels)."""

    def __init__(self, rate: float, seed=None, name: str | None = None, **keras_arguments):
        super().__init__(rate, None, seed, name, **keras_arguments)


@register("spatial_dropout2d")
class SpatialDropout2D(_SpatialDropout):
    r"""Dropout of whole 2D feature maps: mask (batch, 1, 1, channels) (or (batch, channels, 1, 1))."""

    spatial_axes = 2


@register("spatial_dropout3d")
class SpatialDropout3D(_SpatialDropout):
    r"""Dropout of whole 3D feature maps: mask (batch, 1, 1, 1, channels) (or (batch, channels, 1, 1, 1))."""

    spatial_axes = 3
