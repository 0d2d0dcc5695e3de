r"""The four 2-D classification sets of the TensorFlow playground (seed 000 and 003 use it).

Each returns ``x`` of shape (n_samples, 2) and labels ``y`` in {0, 1}, half of each class. Clean points
lie in or near the square [-5, 5]^2; ``noise`` (0 = clean; the playground's slider goes to 0.5) moves them
off their pattern, so the classes start to overlap.
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


def make_gauss(n_samples: int = 500, noise: float = 0.0, seed=None):
    r"""Two Gaussian blobs: class 1 around (2, 2), class 0 around (-2, -2), with variance
    sigma^2 = 0.5 + 7 noise in each coordinate (0.5 clean, 4 at the playground's top noise 0.5)."""
    _check("make_gauss", n_samples, noise)
    rng = np.random.default_rng(seed)
    first, second = _halves(n_samples)
    centres = np.r_[np.full((first, 2), 2.0), np.full((second, 2), -2.0)]
    x = centres + rng.normal(0, np.sqrt(0.5 + 7 * noise), (n_samples, 2))
    y = np.r_[np.ones(first, np.int64), np.zeros(second, np.int64)]
    return _shuffled(x, y, rng)


def make_spiral(n_samples: int = 500, noise: float = 0.0, seed=None):
    r"""Two interleaved spirals of 1.75 turns out to radius 5: point i of m on a spiral is at
    radius r = 5 i / m and angle t = 3.5 pi i / m (+ pi for the second spiral), jittered by
    U(-1, 1) * noise. The hardest of the four: it needs several hidden layers or features."""
    _check("make_spiral", n_samples, noise)
    rng = np.random.default_rng(seed)
    parts = []
    for label, (count, turn) in enumerate(zip(_halves(n_samples), (np.pi, 0.0))):
        fraction = np.arange(count) / count
        radius, angle = RADIUS * fraction, 1.75 * 2 * np.pi * fraction + turn
        parts.append(np.c_[radius * np.sin(angle), radius * np.cos(angle)])
    x = np.concatenate(parts) + rng.uniform(-1, 1, (n_samples, 2)) * noise
    y = np.r_[np.zeros(_halves(n_samples)[0], np.int64), np.ones(_halves(n_samples)[1], np.int64)]
    return _shuffled(x, y, rng)
