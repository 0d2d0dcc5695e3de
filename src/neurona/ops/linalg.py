r"""The linear algebra of ``keras.ops`` (``keras.ops.linalg``): determinants, inverses, solutions and
factorisations of matrices (or stacks of them, where NumPy takes stacks). These give values only,
without a gradient; ``norm`` (written with ``neurona.ops.numpy``) has one.
"""
from __future__ import annotations

import numpy as np

from .core import _data
from .recording import make_aware

_IMPORTED = set(globals())


def _values(function, doc):
    def apply(*args, **kwargs):
        return function(*[_data(a) if hasattr(a, "data") and not isinstance(a, np.ndarray) else a for a in args],
                        **kwargs)
    apply.__name__ = apply.__qualname__ = function.__name__
    apply.__doc__ = doc + " (values only: no gradient)"
    return apply


det = _values(np.linalg.det, "The determinant of each square matrix.")


inv = _values(np.linalg.inv, "The inverse A^{-1} of each square matrix.")


pinv = _values(np.linalg.pinv, "The Moore-Penrose pseudo-inverse.")


solve = _values(np.linalg.solve, "x with A x = b.")


cholesky = _values(np.linalg.cholesky, "L with A = L L^T (A symmetric positive definite).")


eigh = _values(np.linalg.eigh, "(eigenvalues, eigenvectors) of a symmetric matrix.")


qr = _values(np.linalg.qr, "(Q, R) with A = Q R, Q orthonormal, R upper triangular.")


slogdet = _values(np.linalg.slogdet, "(sign, ln |det A|).")


matrix_rank = _values(np.linalg.matrix_rank, "The number of singular values above the tolerance.")


def svd(x, full_matrices=True, compute_uv=True):
    r"""(U, S, V^T) with A = U diag(S) V^T (values only: no gradient)."""
    return np.linalg.svd(_data(x), full_matrices=full_matrices, compute_uv=compute_uv)


def logdet(x):
    r"""ln det A of a positive definite A (values only: no gradient)."""
    return np.linalg.slogdet(_data(x))[1]


def lstsq(a, b, rcond=None):
    r"""x minimising ||a x - b||^2 (values only: no gradient)."""
    return np.linalg.lstsq(_data(a), _data(b), rcond=rcond)[0]


def solve_triangular(a, b, lower=False):
    r"""x with A x = b for a triangular A (values only: no gradient)."""
    from scipy.linalg import solve_triangular as solve_it
    return solve_it(_data(a), _data(b), lower=lower)


def lu_factor(x):
    r"""(LU, pivots) of the LU factorisation with partial pivoting (values only: no gradient)."""
    from scipy.linalg import lu_factor as factor
    return factor(_data(x))


def cholesky_inverse(x, upper=False):
    r"""A^{-1} from A's Cholesky factor L (A = L L^T; U^T U when ``upper``) (values only)."""
    factor = np.asarray(_data(x))
    a = factor.T @ factor if upper else factor @ factor.T
    return np.linalg.inv(a)


__all__ = sorted(n for n, v in globals().items() if callable(v) and not n.startswith("_") and n not in _IMPORTED)
make_aware(globals(), __all__)

from .numpy import norm  # noqa: E402  (keras.ops.linalg.norm is keras.ops.numpy.norm)

__all__ = sorted(__all__ + ["norm"])
