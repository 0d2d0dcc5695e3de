r"""A Gaussian process regressor in NumPy: the surrogate of Bayesian optimisation.

Kernel (Matern, nu = 5/2), r = ||x - x'|| / l:

    k(x, x') = (1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r)

Fit on n points X with targets y, standardised to mean 0 and variance 1 (y_s = (y - m) / s):

    K = k(X, X) + alpha I = L L^T              (Cholesky)
    a = K^-1 y_s = L^-T (L^-1 y_s)
    log p(y_s | X, l) = -1/2 y_s^T a - sum_i log L_ii - n/2 log(2 pi)

The length scale l is the one of a log-spaced grid (refined around its best) that maximises the
log marginal likelihood. Prediction at new points X*:

    mu(X*)      = m + s k(X*, X) a
    sigma^2(X*) = s^2 (1 - sum_j v_j^2),  v = L^-1 k(X, X*)
"""
from __future__ import annotations

import numpy as np

SQRT5 = np.sqrt(5.0)


def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""||a_i - b_j|| for every pair."""
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(squared, 0.0))


def matern52(distance: np.ndarray, length_scale: float) -> np.ndarray:
    r"""k = (1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r), r = distance / l."""
    r = distance / length_scale
    return (1.0 + SQRT5 * r + 5.0 / 3.0 * r * r) * np.exp(-SQRT5 * r)


class GaussianProcess:
    r"""``fit(X, y)`` then ``predict(X*) -> (mu, sigma)``; ``alpha`` is the noise added to K's diagonal."""

    def __init__(self, alpha: float = 1e-4):
        if not alpha > 0:
            raise ValueError(f"GaussianProcess: alpha (the noise variance) must be > 0; got {alpha!r}.")
        self.alpha = float(alpha)

    def _factor(self, length_scale):
        K = matern52(self.distances, length_scale) + self.alpha * np.eye(len(self.x))
        L = np.linalg.cholesky(K)
        a = np.linalg.solve(L.T, np.linalg.solve(L, self.y_std))
        return L, a

    def log_marginal_likelihood(self, length_scales) -> np.ndarray:
        r"""log p(y_s | X, l) for each l of ``length_scales`` (one stacked Cholesky); -inf where K is not
        positive definite in floating point."""
        scales = np.atleast_1d(np.asarray(length_scales, dtype=np.float64))
        n = len(self.x)
        K = matern52(self.distances[None], scales[:, None, None]) + self.alpha * np.eye(n)
        try:
            L = np.linalg.cholesky(K)
        except np.linalg.LinAlgError:
            return np.array([self._one_lml(l) for l in scales])
        z = np.linalg.solve(L, np.broadcast_to(self.y_std[:, None], (len(scales), n, 1)))[..., 0]
        log_det = np.log(np.diagonal(L, axis1=1, axis2=2)).sum(1)
        return -0.5 * (z * z).sum(1) - log_det - 0.5 * n * np.log(2 * np.pi)

    def _one_lml(self, length_scale) -> float:
        try:
            L, a = self._factor(length_scale)
        except np.linalg.LinAlgError:
            return -np.inf
        return float(-0.5 * self.y_std @ a - np.log(np.diag(L)).sum() - 0.5 * len(self.x) * np.log(2 * np.pi))

    def fit(self, x, y) -> "GaussianProcess":
        self.x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self.mean = y.mean()
        self.scale = y.std() if y.std() > 0 else 1.0
        self.y_std = (y - self.mean) / self.scale
        self.distances = distances(self.x, self.x)
        grid = np.logspace(-2.5, 1.5, 33)
        best = int(np.argmax(self.log_marginal_likelihood(grid)))
        fine = np.exp(np.linspace(np.log(grid[max(best - 1, 0)]), np.log(grid[min(best + 1, len(grid) - 1)]), 17))
        self.length_scale = float(fine[int(np.argmax(self.log_marginal_likelihood(fine)))])
        self.L, self.a = self._factor(self.length_scale)
        return self

    def predict(self, x) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=np.float64)
        k = matern52(distances(x, self.x), self.length_scale)
        mu = self.mean + self.scale * (k @ self.a)
        v = np.linalg.solve(self.L, k.T)
        variance = np.maximum(1.0 - (v * v).sum(0), 1e-12)
        return mu, self.scale * np.sqrt(variance)
