r"""Image preprocessing layers (images channels last, (m, height, width, channels)), written as
Keras 3 has them. The deterministic ones are differentiable maps; the random ones act only when
called with ``training=True`` (in ``fit``), are the identity otherwise, and draw from their own
generator (``seed`` fixes it).

    Rescaling       y = x scale + offset                               dL/dx = g scale
    CenterCrop      y = the centre (height, width) of x                dL/dx = g with zeros around it
    Resizing        y = R_h x R_w^T per channel (bilinear: each output  dL/dx = R_h^T g R_w
                    pixel a weighted mean of the 2x2 nearest inputs,
                    half-pixel centres; nearest: one input per output)
    RandomFlip      y = x reversed along width and/or height, per image dL/dx = g reversed the same way
    RandomContrast  y = (x - mu) c + mu per image and channel,          dL/dx = c g + (1 - c) mean(g)
                    c ~ U[1 - lower, 1 + upper], mu its mean over       (mu depends on every pixel)
                    the pixels

The random layers pass the gradient of the transform they drew (they sit in front of a model and
usually get none: their inputs are the data).
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import ops
from ..validation import check_number
from .base import Layer, register
from .noise import _Random


def _size(owner, argument, value):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1:
        return int(value)
    raise ValueError(f"{owner}: {argument} must be an int >= 1; got {value!r}.")


def _check_image(layer, input_shape):
    if len(input_shape) != 3:
        raise ValueError(f"{type(layer).__name__} {layer.display_name()!r} takes images of shape (batch, height, "
                         f"width, channels); got per-sample shape {input_shape}.")


def _channels_last(owner, data_format):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{owner}: data_format must be 'channels_last' (or None); got {data_format!r}.")


@register("rescaling")
class Rescaling(Layer):
    r"""y = x scale + offset (e.g. scale = 1/255 maps pixels 0..255 to [0, 1]);  dL/dx = g scale.
    ``scale`` and ``offset`` may be numbers or arrays broadcast against the input's last axes."""

    def __init__(self, scale, offset=0.0, name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.scale = scale
        self.offset = offset

    def forward(self, x, training=False):
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
        return (x.astype(dtype, copy=False) * np.asarray(self.scale, dtype) + np.asarray(self.offset, dtype))

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        return grad * np.asarray(self.scale, grad.dtype)

    def call(self, inputs):
        dtype = inputs.dtype if np.issubdtype(inputs.dtype, np.floating) else np.float32
        return inputs * np.asarray(self.scale, dtype) + np.asarray(self.offset, dtype)


@register("center_crop")
class CenterCrop(Layer):
    r"""The centre (height, width) of each image: the crop starts at (H - height) // 2 and
    (W - width) // 2. An image smaller than the target on an axis is first resized up to it along
    that axis (bilinear, as Keras does) and then cropped;  dL/dx = g put back where it was taken."""

    def __init__(self, height, width, data_format=None, name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        _channels_last("CenterCrop", data_format)
        self.height = _size("CenterCrop", "height", height)
        self.width = _size("CenterCrop", "width", width)
        self.data_format = data_format

    def setup(self, input_shape, rng, dtype):
        _check_image(self, input_shape)
        h, w = input_shape[:2]
        # an axis shorter than the target: Keras resizes the image to cover the target, keeping its ratio
        if h < self.height or w < self.width:
            self._resize = Resizing(self.height, self.width, crop_to_aspect_ratio=True)
            self._resize.build((None, *input_shape), dtype=dtype)
            self._start = (0, 0)
        else:
            self._resize = None
            self._start = ((h - self.height) // 2, (w - self.width) // 2)
        return (self.height, self.width, input_shape[-1])

    def _index(self):
        (i, j) = self._start
        return (slice(None), slice(i, i + self.height), slice(j, j + self.width))

    def forward(self, x, training=False):
        if self._resize is not None:
            return self._resize.forward(x, training)
        if training:
            self._shape = x.shape
        return x[self._index()]

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        if self._resize is not None:
            return self._resize.backward(grad)
        dx = np.zeros(self._shape, dtype=grad.dtype)
        dx[self._index()] = grad
        return dx

    def call(self, inputs):
        return self._resize.call(inputs) if self._resize is not None else inputs[self._index()]


def _interpolation_matrix(n_in, n_out, interpolation, start=0, length=None):
    r"""R (n_out, n_in): output position i reads the inputs of R's row i. The part of the axis used is
    [start, start + length) (the crop of ``crop_to_aspect_ratio``); half-pixel centres, as PyTorch's
    ``interpolate(align_corners=False)`` and TensorFlow's ``resize``:
        bilinear: s = (i + 1/2) length / n_out - 1/2 (at least 0), weights 1 - (s - floor s) and s - floor s
                  on floor s and floor s + 1 (the last input repeated past the edge)
        nearest:  the input floor((i + 1/2) length / n_out)"""
    length = n_in if length is None else length
    R = np.zeros((n_out, n_in))
    ratio = length / n_out
    rows = np.arange(n_out)
    if interpolation == "nearest":
        R[rows, start + np.minimum(np.floor((rows + 0.5) * ratio).astype(int), length - 1)] = 1.0
        return R
    s = np.maximum((rows + 0.5) * ratio - 0.5, 0.0)
    low = np.minimum(np.floor(s).astype(int), length - 1)
    high = np.minimum(low + 1, length - 1)
    frac = s - low
    np.add.at(R, (rows, start + low), 1.0 - frac)
    np.add.at(R, (rows, start + high), frac)
    return R


@register("resizing")
class Resizing(Layer):
    r"""Each image resized to (height, width):  y[:, :, :, c] = R_h x[:, :, :, c] R_w^T, R the
    interpolation matrices (``interpolation`` "bilinear" or "nearest"; half-pixel centres, no
    antialiasing, as Keras's default). With ``crop_to_aspect_ratio=True`` the largest centred window
    of the target's aspect ratio is resized instead of the whole image (no distortion).
    A linear map:  dL/dx = R_h^T g R_w."""

    INTERPOLATIONS = ("bilinear", "nearest")

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, data_format=None,
                 name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        _channels_last("Resizing", data_format)
        self.height = _size("Resizing", "height", height)
        self.width = _size("Resizing", "width", width)
        if interpolation not in self.INTERPOLATIONS:
            raise ValueError(f"Resizing: interpolation must be one of {', '.join(self.INTERPOLATIONS)}; "
                             f"got {interpolation!r}.")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.data_format = data_format

    def setup(self, input_shape, rng, dtype):
        _check_image(self, input_shape)
        h, w = input_shape[:2]
        if self.crop_to_aspect_ratio:
            crop_h = max(min(h, int(w * self.height / self.width)), 1)
            crop_w = max(min(w, int(h * self.width / self.height)), 1)
            windows = (((h - crop_h) // 2, crop_h), ((w - crop_w) // 2, crop_w))
        else:
            windows = ((0, h), (0, w))
        self._rows = _interpolation_matrix(h, self.height, self.interpolation, *windows[0]).astype(dtype)
        self._cols = _interpolation_matrix(w, self.width, self.interpolation, *windows[1]).astype(dtype)
        return (self.height, self.width, input_shape[-1])

    def _matrices(self, dtype):
        dtype = dtype if np.issubdtype(dtype, np.floating) else self._rows.dtype
        return self._rows.astype(dtype, copy=False), self._cols.astype(dtype, copy=False)

    def forward(self, x, training=False):
        rows, cols = self._matrices(x.dtype)
        return np.einsum("ij,bjkc,lk->bilc", rows, x.astype(rows.dtype, copy=False), cols, optimize=True)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        rows, cols = self._matrices(grad.dtype)
        return np.einsum("ij,bilc,lk->bjkc", rows, grad, cols, optimize=True)

    def call(self, inputs):
        return ops.einsum("ij,bjkc,lk->bilc", self._rows, inputs, self._cols)


@register("random_flip")
class RandomFlip(_Random):
    r"""While training, each image with probability 1/2 reversed left-right (``mode="horizontal"``),
    upside down (``"vertical"``) or both (``"horizontal_and_vertical"``: one draw per image, as Keras 3,
    so an image is turned half a turn or left as it is);  dL/dx = g reversed the same way."""

    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, name=None, **keras_arguments):
        super().__init__(seed, name, **keras_arguments)
        _channels_last("RandomFlip", data_format)
        if mode not in self.MODES:
            raise ValueError(f"RandomFlip: mode must be one of {', '.join(self.MODES)}; got {mode!r}.")
        self.mode = mode
        self.data_format = data_format

    def setup(self, input_shape, rng, dtype):
        _check_image(self, input_shape)
        return input_shape

    def _sample(self, x):
        flips = self._rng.uniform(size=x.shape[0]) <= 0.5        # one draw per image, for both axes
        none = np.zeros_like(flips)
        return (flips if "vertical" in self.mode else none), (flips if "horizontal" in self.mode else none)

    @staticmethod
    def _apply(lib, x, draw):
        flip_h, flip_w = draw
        shape = (-1, 1, 1, 1)
        x = lib.where(flip_w.reshape(shape), lib.flip(x, axis=2), x)
        return lib.where(flip_h.reshape(shape), lib.flip(x, axis=1), x)

    def _slope(self, grad, draw):
        flip_h, flip_w = draw                          # the same reversals, in the other order
        grad = np.where(flip_h.reshape(-1, 1, 1, 1), grad[:, ::-1], grad)
        return np.where(flip_w.reshape(-1, 1, 1, 1), grad[:, :, ::-1], grad)


@register("random_contrast")
class RandomContrast(_Random):
    r"""Each image's contrast scaled by c ~ U[1 - lower, 1 + upper] while training (``factor`` a
    number f: lower = upper = f, or a pair (lower, upper)):
        y = (x - mu) c + mu,  mu the mean of the image's channel over its pixels,
    clipped to [0, ``value_range`` high] as Keras does. Unclipped entries pass
        dL/dx = c g + (1 - c) mean(g)   (mu depends on every pixel of its channel);
    clipped ones pass 0."""

    def __init__(self, factor, value_range=(0, 255), seed=None, name=None, **keras_arguments):
        super().__init__(seed, name, **keras_arguments)
        pair = tuple(factor) if isinstance(factor, (tuple, list)) else (factor, factor)
        if len(pair) != 2:
            raise ValueError(f"RandomContrast: factor must be a number or a pair (lower, upper); got {factor!r}.")
        self.lower = check_number("RandomContrast", "factor", pair[0], 0, 1)
        self.upper = check_number("RandomContrast", "factor", pair[1], 0)
        self.factor = pair if isinstance(factor, (tuple, list)) else factor
        if not (isinstance(value_range, (tuple, list)) and len(value_range) == 2):
            raise ValueError(f"RandomContrast: value_range must be a pair (low, high); got {value_range!r}.")
        self.value_range = tuple(value_range)

    def setup(self, input_shape, rng, dtype):
        _check_image(self, input_shape)
        return input_shape

    def _sample(self, x):
        c = self._rng.uniform(1.0 - self.lower, 1.0 + self.upper, size=(x.shape[0], 1, 1, 1)).astype(x.dtype)
        mu = x.mean(axis=(1, 2), keepdims=True)
        y = (x - mu) * c + mu
        inside = (y >= self.value_range[0]) & (y <= self.value_range[1])
        return c, inside

    def _apply(self, lib, x, draw):
        c, _ = draw
        mu = lib.mean(x, axis=(1, 2), keepdims=True)
        return lib.clip((x - mu) * c + mu, *self.value_range)

    def _slope(self, grad, draw):
        c, inside = draw
        g = np.where(inside, grad, 0)
        return c * g + (1 - c) * g.mean(axis=(1, 2), keepdims=True)
