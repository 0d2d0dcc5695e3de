r"""Geometric augmentation layers, as Keras 3 has them: while training (``training=True``) each image
is moved by an affine map drawn for it, the identity otherwise. The output pixel at row i, column j
reads the input at

    column = a0 j + a1 i + a2,   row = b0 j + b1 i + b2

interpolated (bilinear: the 2x2 inputs around it weighted by 1 - distance; nearest: the closest,
ties to even) and, outside the image, filled by ``fill_mode``: "reflect" (d c b a | a b c d | d c b a),
"wrap" (a b c d | a b c d), "nearest" (a a | a b c d | d d) or "constant" (``fill_value``).
The maps (angles in degrees, factors as fractions):

    RandomRotation     turn by theta ~ U[360 lower, 360 upper] about the centre ((W - 1)/2, (H - 1)/2),
                       counter-clockwise for theta > 0 as the image is drawn
    RandomTranslation  shift by dy ~ U[lower, upper] H rows and dx ~ U[lower, upper] W columns
    RandomZoom         column = zx (j - cx) + cx, row = zy (i - cy) + cy, z ~ 1 + U[lower, upper]
                       (z > 1 shows more of the image: zooms out)

For a given draw the output is linear in the image, y = S x with S a sparse matrix of interpolation
weights, so dL/dx = S^T dL/dy (the weights scattered back; filled positions pass nothing).
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import ops
from .base import register
from .image_preprocessing import _channels_last, _check_image
from .noise import _Random

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")


def _factor(owner, argument, value, low=-1.0, high=1.0):
    r"""A number f -> (-f, f); a pair -> (lower, upper); each within [low, high]."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else None
    if pair is None and isinstance(value, numbers.Real) and not isinstance(value, bool):
        pair = (-abs(float(value)), abs(float(value)))
    if pair is None or len(pair) != 2 or not all(isinstance(v, numbers.Real) for v in pair) or pair[0] > pair[1] \
            or min(pair) < low or max(pair) > high:
        raise ValueError(f"{owner}: {argument} must be a number or a pair (lower, upper) with lower <= upper, "
                         f"within [{low:g}, {high:g}]; got {value!r}.")
    return float(pair[0]), float(pair[1])


def _fix(index, size, mode):
    r"""Where an index outside 0 .. size - 1 reads, by the fill mode (constant: clipped, then masked)."""
    if mode in ("constant", "nearest"):
        return np.clip(index, 0, size - 1)
    if mode == "wrap":
        return index % size
    # reflect: the mirror of the half-integer grid, edges repeated
    return (np.abs((2 * index + 1 + 2 * size) % (4 * size) - 2 * size) - 1) // 2


def sampling(matrices, height, width, interpolation, fill_mode):
    r"""For each image b (its 6 affine coefficients in ``matrices[b]``) and output pixel p = i W + j:
    the input pixels ``index[b, p, k]`` and weights ``weight[b, p, k]`` it reads, and the weight
    ``fill[b, p]`` of ``fill_value`` (constant mode)."""
    # float32 coordinates, summed in Keras's order: a pixel whose coordinate falls near a half (nearest)
    # or an edge reads the same neighbour as in Keras
    i, j = np.meshgrid(np.arange(height, dtype=np.float32), np.arange(width, dtype=np.float32), indexing="ij")
    i, j = i.ravel(), j.ravel()
    a0, a1, a2, b0, b1, b2 = (np.asarray(matrices, np.float32)[:, k:k + 1] for k in range(6))
    rows, cols = (i * b1 + j * b0) + b2, (i * a1 + j * a0) + a2
    rows, cols = rows.astype(np.float64), cols.astype(np.float64)
    if interpolation == "nearest":
        nodes_r = [(np.round(rows).astype(np.int64), np.ones_like(rows))]
        nodes_c = [(np.round(cols).astype(np.int64), np.ones_like(cols))]
    else:
        r0, c0 = np.floor(rows), np.floor(cols)
        nodes_r = [(r0.astype(np.int64), 1 - (rows - r0)), (r0.astype(np.int64) + 1, rows - r0)]
        nodes_c = [(c0.astype(np.int64), 1 - (cols - c0)), (c0.astype(np.int64) + 1, cols - c0)]
    index, weight, fill = [], [], np.zeros_like(rows)
    for r, wr in nodes_r:
        for c, wc in nodes_c:
            w = wr * wc
            if fill_mode == "constant":
                outside = (r < 0) | (r >= height) | (c < 0) | (c >= width)
                fill += np.where(outside, w, 0.0)
                w = np.where(outside, 0.0, w)
            index.append(_fix(r, height, fill_mode) * width + _fix(c, width, fill_mode))
            weight.append(w)
    return np.stack(index, -1), np.stack(weight, -1), fill


class _Affine(_Random):
    r"""Base: draws one affine map per image (``_matrices``), samples each image through it."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 name=None, **keras_arguments):
        super().__init__(seed, name, **keras_arguments)
        owner = type(self).__name__
        _channels_last(owner, data_format)
        if fill_mode not in FILL_MODES:
            raise ValueError(f"{owner}: fill_mode must be one of {', '.join(FILL_MODES)}; got {fill_mode!r}.")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"{owner}: interpolation must be one of {', '.join(INTERPOLATIONS)}; "
                             f"got {interpolation!r}.")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value, self.data_format = float(fill_value), data_format

    def setup(self, input_shape, rng, dtype):
        _check_image(self, input_shape)
        return input_shape

    def _sample(self, x):
        m, height, width = x.shape[:3]
        return sampling(self._matrices(m, height, width), height, width, self.interpolation, self.fill_mode)

    def _apply(self, lib, x, draw):
        index, weight, fill = draw
        m, height, width, channels = x.shape
        flat = lib.reshape(x, (m, height * width, channels))
        rows = np.arange(m)[:, None, None] * (height * width) + index                    # (m, p, k)
        taken = lib.take(lib.reshape(flat, (m * height * width, channels)), rows.ravel(), axis=0)
        taken = lib.reshape(taken, (*index.shape, channels))
        filled = (fill * self.fill_value)[..., None].astype(x.dtype)
        out = lib.sum(taken * weight[..., None].astype(x.dtype), axis=2) + filled
        return lib.reshape(out, (m, height, width, channels))

    def _slope(self, grad, draw):
        index, weight, _ = draw
        m, height, width, channels = grad.shape
        g = grad.reshape(m, height * width, 1, channels) * weight[..., None]
        dx = np.zeros((m * height * width, channels), grad.dtype)
        np.add.at(dx, (np.arange(m)[:, None, None] * (height * width) + index).ravel(), g.reshape(-1, channels))
        return dx.reshape(grad.shape)


@register("random_rotation")
class RandomRotation(_Affine):
    r"""Each image turned by theta ~ U[360 lower, 360 upper] degrees about its centre while training
    (``factor`` f: lower = -f, upper = f, in fractions of a full turn; or a pair)."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 value_range=(0, 255), data_format=None, name=None, **keras_arguments):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, name, **keras_arguments)
        self.factor = tuple(factor) if isinstance(factor, (tuple, list)) else factor
        self.lower, self.upper = _factor("RandomRotation", "factor", factor)
        self.value_range = tuple(value_range)

    def _matrices(self, m, height, width):
        return rotation_matrices(self._rng.uniform(360 * self.lower, 360 * self.upper, m), height, width)


def rotation_matrices(degrees, height, width):
    r"""The affine coefficients of turns by ``degrees`` about ((W - 1)/2, (H - 1)/2)."""
    theta = np.radians(np.asarray(degrees, np.float64))
    cx, cy = (width - 1) / 2, (height - 1) / 2
    cos, sin = np.cos(theta), np.sin(theta)
    return np.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos], axis=1)


@register("random_translation")
class RandomTranslation(_Affine):
    r"""Each image shifted by dy ~ U[lower, upper] H rows and dx ~ U[lower, upper] W columns while
    training (``height_factor``, ``width_factor``: a number f for (-f, f), or a pair)."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, name=None, **keras_arguments):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, name, **keras_arguments)
        self.height_factor = tuple(height_factor) if isinstance(height_factor, (tuple, list)) else height_factor
        self.width_factor = tuple(width_factor) if isinstance(width_factor, (tuple, list)) else width_factor
        self._height = _factor("RandomTranslation", "height_factor", height_factor)
        self._width = _factor("RandomTranslation", "width_factor", width_factor)

    def _matrices(self, m, height, width):
        dy = self._rng.uniform(*self._height, m) * height
        dx = self._rng.uniform(*self._width, m) * width
        return translation_matrices(dx, dy)


def translation_matrices(dx, dy):
    r"""The output at (i, j) reads the input at (i - dy, j - dx)."""
    one, zero = np.ones(len(dx)), np.zeros(len(dx))
    return np.stack([one, zero, -np.asarray(dx, np.float64), zero, one, -np.asarray(dy, np.float64)], axis=1)


@register("random_zoom")
class RandomZoom(_Affine):
    r"""Each image zoomed about its centre by zy ~ 1 + U[lower, upper] (rows) and zx (columns; the
    same draw as zy when ``width_factor`` is None) while training; a factor above 0 zooms out."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, name=None, **keras_arguments):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, name, **keras_arguments)
        self.height_factor = tuple(height_factor) if isinstance(height_factor, (tuple, list)) else height_factor
        self.width_factor = tuple(width_factor) if isinstance(width_factor, (tuple, list)) else width_factor
        self._height = _factor("RandomZoom", "height_factor", height_factor, -1.0, np.inf)
        self._width = None if width_factor is None else \
            _factor("RandomZoom", "width_factor", width_factor, -1.0, np.inf)

    def _matrices(self, m, height, width):
        zy = 1 + self._rng.uniform(*self._height, m)
        zx = zy if self._width is None else 1 + self._rng.uniform(*self._width, m)
        return zoom_matrices(zx, zy, height, width)


def zoom_matrices(zx, zy, height, width):
    r"""The output at (i, j) reads the input at (zy (i - cy) + cy, zx (j - cx) + cx)."""
    zx, zy = np.asarray(zx, np.float64), np.asarray(zy, np.float64)
    zero = np.zeros(len(zx))
    return np.stack([zx, zero, (width - 1) / 2 * (1 - zx), zero, zy, (height - 1) / 2 * (1 - zy)], axis=1)
