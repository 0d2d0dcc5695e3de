r"""The 2-D sets of the TensorFlow playground (seed 000 and 003 use it).

Classification (500 points there): circle, xor, gauss, spiral. Each returns ``x`` of shape
(n_samples, 2) and labels ``y`` in {0, 1}, half of each class (gauss and spiral also in
``n_classes`` = 3..6 classes, for the multiclass playground). Clean points lie in or near the square
[-5, 5]^2; ``noise`` (0 = clean; the playground's slider goes to 0.5) moves them off their pattern,
so the classes start to overlap.

Regression (1200 points there): reg-plane and reg-gauss. ``x`` is uniform on [-6, 6]^2 and the
target ``y`` (float, in [-1, 1]) is read at the point moved by U(-6, 6) * noise in each coordinate.
"""
from __future__ import annotations

import numpy as np

from ..validation import check_number

RADIUS = 5.0


def _check(owner: str, n_samples, noise):
    check_number(owner, "n_samples", n_samples, 2, integer=True)
    check_number(owner, "noise", noise, 0)


def _halves(n_samples: int) -> tuple[int, int]:
    return n_samples // 2, n_samples - n_samples // 2


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    r"""As equal as can be; the last classes take the remainder (two classes: ``_halves``)."""
    base, extra = divmod(n_samples, n_classes)
    return [base + (i >= n_classes - extra) for i in range(n_classes)]


def _check_classes(owner: str, n_samples, n_classes):
    check_number(owner, "n_classes", n_classes, 2, 6, integer=True)
    if n_samples < n_classes:
        raise ValueError(f"The 'n_samples' argument of {owner} must be >= n_classes ({n_classes}). "
                         f"Got {n_samples}.")


def _shuffled(x, y, rng):
    order = rng.permutation(len(y))
    return x[order], y[order]


def make_circle(n_samples: int = 500, noise: float = 0.0, seed=None):
    r"""Class 1 inside a disc of radius 2.5, class 0 on a ring 3.5 <= r <= 5 around it.

    Each point is jittered by U(-5, 5) * noise in x and in y."""
    _check("make_circle", n_samples, noise)
    rng = np.random.default_rng(seed)
    inner, outer = _halves(n_samples)
    r = np.r_[rng.uniform(0, 0.5 * RADIUS, inner), rng.uniform(0.7 * RADIUS, RADIUS, outer)]
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    x = np.c_[r * np.cos(angle), r * np.sin(angle)] + rng.uniform(-RADIUS, RADIUS, (n_samples, 2)) * noise
    y = np.r_[np.ones(inner, np.int64), np.zeros(outer, np.int64)]
    return _shuffled(x, y, rng)


def make_xor(n_samples: int = 500, noise: float = 0.0, seed=None):
    r"""Points in the four quadrants of [-5, 5]^2 (kept 0.3 off the axes); class 1 where x1 x2 > 0.

    No line separates the classes: XOR needs a hidden layer. Jitter U(-5, 5) * noise."""
    _check("make_xor", n_samples, noise)
    rng = np.random.default_rng(seed)
    first, second = _halves(n_samples)
    signs = np.r_[rng.choice([-1.0, 1.0], first)[:, None] * [1, 1],     # same sign: class 1
                  rng.choice([-1.0, 1.0], second)[:, None] * [1, -1]]   # opposite signs: class 0
    x = signs * (0.3 + rng.uniform(0, RADIUS - 0.3, (n_samples, 2)))
    x += rng.uniform(-RADIUS, RADIUS, (n_samples, 2)) * noise
    y = np.r_[np.ones(first, np.int64), np.zeros(second, np.int64)]
    return _shuffled(x, y, rng)


def make_gauss(n_samples: int = 500, noise: float = 0.0, seed=None, n_classes: int = 2):
    r"""Gaussian blobs with variance sigma^2 = 0.5 + 7 noise in each coordinate (0.5 clean, 4 at the
    playground's top noise 0.5). Class c sits around the point at radius 2 sqrt(2) and angle
    pi/4 + 2 pi (c - 1) / n_classes: with two classes, class 1 around (2, 2), class 0 around (-2, -2)."""
    _check("make_gauss", n_samples, noise)
    _check_classes("make_gauss", n_samples, n_classes)
    rng = np.random.default_rng(seed)
    # class 1 is drawn first (then 0, 2, 3, ...): two-class sets stay those of earlier versions
    y = np.repeat(np.r_[1, 0, 2:n_classes].astype(np.int64), _class_sizes(n_samples, n_classes))
    angle = np.pi / 4 + 2 * np.pi * (y - 1) / n_classes
    centres = np.round(2 * np.sqrt(2) * np.c_[np.cos(angle), np.sin(angle)], 12)
    x = centres + rng.normal(0, np.sqrt(0.5 + 7 * noise), (n_samples, 2))
    return _shuffled(x, y, rng)


def make_spiral(n_samples: int = 500, noise: float = 0.0, seed=None, n_classes: int = 2):
    r"""Interleaved spirals of 1.75 turns out to radius 5: point i of m on spiral c is at radius
    r = 5 i / m and angle t = 3.5 pi i / m + pi - 2 pi c / n_classes, jittered by U(-1, 1) * noise.
    The hardest of the four: it needs several hidden layers or features."""
    _check("make_spiral", n_samples, noise)
    _check_classes("make_spiral", n_samples, n_classes)
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n_samples, n_classes)
    parts = []
    for label, count in enumerate(sizes):
        fraction = np.arange(count) / count
        radius, angle = RADIUS * fraction, 1.75 * 2 * np.pi * fraction + (np.pi - 2 * np.pi * label / n_classes)
        parts.append(np.c_[radius * np.sin(angle), radius * np.cos(angle)])
    x = np.concatenate(parts) + rng.uniform(-1, 1, (n_samples, 2)) * noise
    y = np.repeat(np.arange(n_classes, dtype=np.int64), sizes)
    return _shuffled(x, y, rng)


REGRESSION_RADIUS = 6.0

#: reg-gauss's bumps: (centre x1, centre x2, sign)
BUMPS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def _regression_points(owner, n_samples, noise, seed, target):
    _check(owner, n_samples, noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-REGRESSION_RADIUS, REGRESSION_RADIUS, (n_samples, 2))
    moved = x + rng.uniform(-REGRESSION_RADIUS, REGRESSION_RADIUS, (n_samples, 2)) * noise
    return x, target(moved)


def make_reg_plane(n_samples: int = 1200, noise: float = 0.0, seed=None):
    r"""A tilted plane: y = (x1 + x2) / 10 at the (noise-moved) point, so y is in [-1.2, 1.2] and
    in [-1, 1] inside the square where |x1 + x2| <= 10."""
    return _regression_points("make_reg_plane", n_samples, noise, seed, lambda p: (p[:, 0] + p[:, 1]) / 10)


def make_reg_gauss(n_samples: int = 1200, noise: float = 0.0, seed=None):
    r"""Six bumps of alternating sign on two rows (``BUMPS``): bump k gives
    s_k max(0, 1 - d_k / 2), d_k the distance to its centre, and y is the one largest in absolute
    value (0 far from every bump)."""
    def target(p):
        heights = np.stack([sign * np.clip(1 - np.hypot(p[:, 0] - cx, p[:, 1] - cy) / 2, 0, 1)
                            for cx, cy, sign in BUMPS], axis=1)
        return np.take_along_axis(heights, np.abs(heights).argmax(axis=1)[:, None], axis=1)[:, 0]
    return _regression_points("make_reg_gauss", n_samples, noise, seed, target)
