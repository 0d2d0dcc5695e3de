r"""Compiled one-pass kernels: the optional accelerator of ``neurona[fast]`` (numba).

An optimizer update written in NumPy is a chain of whole-array operations (Adam's is ten), and each
one streams the parameters, the gradients and the slots through memory again. The functions below
are the same update written as the lecture writes it, one parameter at a time, in a plain loop;
numba compiles each loop to machine code, so the optimizer's state is read and written once per
step. The loops of the convolutional and pooling layers are written the same way: a bias and ReLU
in one pass over z, ReLU's backward with the bias gradient, the fold of the input gradient (col2im),
max pooling. The NumPy code (``optimizers.py``, the layers, ``windows.py``) stays the reference: it
runs whenever numba is not installed, when the environment sets ``NEURONA_FAST=0``, and for parameter vectors too small for a
kernel to pay (below ``MIN_SIZE``; importing numba alone costs about half a second).

    pip install ".[fast]"      # in neurona's checkout ("neurona[fast]" from an index): adds numba

Each kernel is compiled with ``error_model="numpy"`` (a division by zero gives inf or NaN, as in
NumPy, instead of raising) and cached on disk (``cache=True``): a later process loads the
machine code instead of compiling it. Each runs on one thread: beside OpenBLAS's threads a
parallel loop only competes for the same cores. (The layers' loops split over the batch with
``prange`` made the MNIST convnet's epoch slower on a busy two-core machine, each parallel region
waiting for its slowest thread; on one thread they made it faster: ``benchmarks/mnist_convnet.py``.)
numba keeps that cache in the package's ``__pycache__`` when it is writable; for a read-only
install this module points numba at
``<user cache>/neurona/numba`` (``NUMBA_CACHE_DIR``), unless the user has chosen a directory.

Called without numba (``kernels.adam_update(...)`` on small arrays, as the tests do), the loops
run as plain Python and compute the same numbers.
"""
from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

#: Parameter vectors smaller than this are updated by NumPy: below it a kernel saves a few
#: microseconds a step (benchmarks/optimizer_update.py), less over a short run such as
#: ``neurona train``'s default than the half second numba takes to import.
MIN_SIZE = 1 << 16

FLOAT_TYPES = (np.float32, np.float64)


# ----------------------------------------------------------------------- the update rules
def sgd_update(param, grad, learning_rate):
    r"""w <- w - alpha dw, for each parameter."""
    for i in range(param.size):
        param[i] -= learning_rate * grad[i]


def sgd_velocity_update(param, grad, step_velocity, learning_rate, momentum, nesterov):
    r"""SGD with momentum in the velocity form (``optimizers.SGD``, no dampening), for each parameter:

        v <- mu v - alpha dw
        w <- w - alpha dw + mu v    if nesterov,   w <- w + v   otherwise
    """
    for i in range(param.size):
        step = grad[i] * learning_rate
        step_velocity[i] = momentum * step_velocity[i] - step
        if nesterov:
            param[i] = (param[i] - step) + momentum * step_velocity[i]
        else:
            param[i] += step_velocity[i]


def sgd_dampened_update(param, grad, velocity, learning_rate, momentum, gradient_share):
    r"""SGD with dampened momentum, for each parameter (gradient_share = 1 - dampening):

        v <- mu v + (1 - dampening) dw,   w <- w - alpha v
    """
    for i in range(param.size):
        velocity[i] = momentum * velocity[i] + gradient_share * grad[i]
        param[i] -= velocity[i] * learning_rate


def rmsprop_update(param, grad, mean_square, learning_rate, rho, one_minus_rho, epsilon):
    r"""RMSprop, for each parameter:

        s <- rho s + (1 - rho) dw^2
        w <- w - alpha dw / sqrt(s + epsilon)
    """
    for i in range(param.size):
        mean_square[i] = rho * mean_square[i] + one_minus_rho * (grad[i] * grad[i])
        param[i] -= learning_rate * (grad[i] / math.sqrt(mean_square[i] + epsilon))


def adam_update(param, grad, m_sum, v_sum, step_size, beta_1, beta_2, epsilon_hat):
    r"""Adam, for each parameter, on the moments kept as sums (``optimizers.Adam``):

        m_sum <- beta_1 m_sum + dw,     v_sum <- beta_2 v_sum + dw^2
        w <- w - step_size m_sum / (sqrt(v_sum) + epsilon_hat)

    with step_size = alpha c1 / sqrt(c2), c = (1 - beta) / (1 - beta^t), and epsilon_hat =
    epsilon / sqrt(1 - beta_2): the same step as Keras's w <- w - alpha_t m / (sqrt(v) + epsilon),
    alpha_t = alpha sqrt(1 - beta_2^t) / (1 - beta_1^t).
    """
    for i in range(param.size):
        m_sum[i] = beta_1 * m_sum[i] + grad[i]
        v_sum[i] = beta_2 * v_sum[i] + grad[i] * grad[i]
        param[i] -= step_size * (m_sum[i] / (math.sqrt(v_sum[i]) + epsilon_hat))


def nadam_update(param, grad, m, v, learning_rate, one_minus_beta_1, one_minus_beta_2, momentum_factor,
                 gradient_factor, v_correction, epsilon):
    r"""Nadam (``optimizers.Nadam``), for each parameter:

        m <- m + (1 - beta_1)(dw - m),   v <- v + (1 - beta_2)(dw^2 - v)
        m_hat = momentum_factor m + gradient_factor dw,   v_hat = v_correction v
        w <- w - alpha m_hat / (sqrt(v_hat) + epsilon)
    """
    for i in range(param.size):
        m[i] += one_minus_beta_1 * (grad[i] - m[i])
        v[i] += one_minus_beta_2 * (grad[i] * grad[i] - v[i])
        m_hat = momentum_factor * m[i] + gradient_factor * grad[i]
        param[i] -= learning_rate * m_hat / (math.sqrt(v[i] * v_correction) + epsilon)


def adagrad_update(param, grad, accumulator, learning_rate, epsilon):
    r"""Adagrad, for each parameter:  G <- G + dw^2,   w <- w - alpha dw / sqrt(G + epsilon)."""
    for i in range(param.size):
        accumulator[i] += grad[i] * grad[i]
        param[i] -= learning_rate * grad[i] / math.sqrt(accumulator[i] + epsilon)


def adamax_update(param, grad, m, u, step_size, one_minus_beta_1, beta_2, epsilon):
    r"""Adamax, for each parameter (step_size = alpha / (1 - beta_1^t)):

        m <- m + (1 - beta_1)(dw - m),   u <- max(beta_2 u, |dw|)
        w <- w - step_size m / (u + epsilon)
    """
    for i in range(param.size):
        m[i] += one_minus_beta_1 * (grad[i] - m[i])
        u[i] = max(beta_2 * u[i], abs(grad[i]))
        param[i] -= step_size * m[i] / (u[i] + epsilon)


RULES = {rule.__name__: rule for rule in (sgd_update, sgd_velocity_update, sgd_dampened_update, rmsprop_update,
                                          adam_update, nadam_update, adagrad_update, adamax_update)}


# ------------------------------------------------------------------- the loops of layers
#: rows of a (M, F) array summed apart before the blocks are added up (shorter float32 sums)
ROW_BLOCK = 1024


def row_blocks(rows):
    r"""The number of blocks of ``ROW_BLOCK`` rows covering ``rows`` rows."""
    return (rows + ROW_BLOCK - 1) // ROW_BLOCK


def bias_relu_forward(z, bias):
    r"""a = max(z + b, 0) in place, z (M, F), b (F,): one pass over z instead of two (NaN stays NaN)."""
    rows, width = z.shape
    for i in range(rows):
        for f in range(width):
            value = z[i, f] + bias[f]
            z[i, f] = 0.0 if value < 0 else value


def relu_bias_backward(grad, a, bias_grad, partial):
    r"""ReLU's backward and the bias gradient in one pass, grad (M, F) turned into delta in place:

        delta[i, f] = grad[i, f] if a[i, f] > 0 else 0,      dL/db[f] = sum over i of delta[i, f]

    each block of rows summing into its row of ``partial`` (row_blocks(M), F), then the blocks in order."""
    rows, width = grad.shape
    for block in range((rows + ROW_BLOCK - 1) // ROW_BLOCK):
        for f in range(width):
            partial[block, f] = 0.0
        for i in range(block * ROW_BLOCK, min(rows, (block + 1) * ROW_BLOCK)):
            for f in range(width):
                if a[i, f] > 0:
                    partial[block, f] += grad[i, f]
                else:
                    grad[i, f] = 0.0
    for f in range(width):
        total = partial[0, f]
        for block in range(1, partial.shape[0]):
            total += partial[block, f]
        bias_grad[f] = total


def col2im_2d(cols, stride_h, stride_w, rate_h, rate_w, dxp):
    r"""The fold of a convolution's input gradient (``windows.fold``, col2im) for a channels-last batch of
    images: each entry of the windows cols (m, o_h, o_w, k_h, k_w, C) added back where it was read
    (dxp, the padded input's shape or more, is zeroed first):

        dxp[b, i s_h + u r_h, j s_w + v r_w, c] += cols[b, i, j, u, v, c]
    """
    m, out_h, out_w, window_h, window_w, channels = cols.shape
    for b in range(m):
        for p in range(dxp.shape[1]):
            for q in range(dxp.shape[2]):
                for c in range(channels):
                    dxp[b, p, q, c] = 0.0
        for i in range(out_h):
            for j in range(out_w):
                for u in range(window_h):
                    for v in range(window_w):
                        row, col = i * stride_h + u * rate_h, j * stride_w + v * rate_w
                        for c in range(channels):
                            dxp[b, row, col, c] += cols[b, i, j, u, v, c]


def max_pool2d_forward(xp, pool_h, pool_w, stride_h, stride_w, y, winner):
    r"""Max pooling of a padded channels-last batch xp (m, H, W, C), one window at a time:

        y[b, i, j, c] = max over u < pool_h, v < pool_w of xp[b, i s_h + u, j s_w + v, c]
        winner[b, i, j, c] = u pool_w + v of the first largest entry (the tap that gets the gradient)
    """
    m, out_h, out_w, channels = y.shape
    for b in range(m):
        for i in range(out_h):
            for j in range(out_w):
                row, col = i * stride_h, j * stride_w
                for c in range(channels):
                    y[b, i, j, c] = xp[b, row, col, c]
                    winner[b, i, j, c] = 0
                for u in range(pool_h):
                    for v in range(pool_w):
                        if u + v > 0:
                            for c in range(channels):
                                value = xp[b, row + u, col + v, c]
                                if value > y[b, i, j, c]:
                                    y[b, i, j, c] = value
                                    winner[b, i, j, c] = u * pool_w + v


def max_pool2d_backward(grad, winner, pool_w, stride_h, stride_w, dxp):
    r"""dxp[b, i s_h + u, j s_w + v, c] += grad[b, i, j, c] for the winning tap (u, v) of each window
    (dxp is zeroed first)."""
    m, out_h, out_w, channels = grad.shape
    for b in range(m):
        for p in range(dxp.shape[1]):
            for q in range(dxp.shape[2]):
                for c in range(channels):
                    dxp[b, p, q, c] = 0.0
        for i in range(out_h):
            for j in range(out_w):
                for c in range(channels):
                    k = winner[b, i, j, c]
                    dxp[b, i * stride_h + k // pool_w, j * stride_w + k % pool_w, c] += grad[b, i, j, c]


#: the loops of layers (not optimizer rules), compiled the same way
LAYER_LOOPS = {loop.__name__: loop for loop in (bias_relu_forward, relu_bias_backward, col2im_2d,
                                                max_pool2d_forward, max_pool2d_backward)}
def for_array(name: str, x):
    r"""The compiled kernel ``name`` for the array ``x``, or None (then the NumPy reference runs):
    numba wanted and installed, x C-contiguous, of a float dtype and of at least ``MIN_SIZE`` entries."""
    if x.size < MIN_SIZE or x.dtype.type not in FLOAT_TYPES or not x.flags.c_contiguous or not wanted():
        return None
    return compiled(name)



# ------------------------------------------------------------------------ choosing the path
def wanted() -> bool:
    r"""True unless the environment says ``NEURONA_FAST=0`` (read at every call, so a test or a
    user can switch at any time)."""
    return os.environ.get("NEURONA_FAST", "1").strip() != "0"


_compiled: dict[str, object] = {}
_numba_missing = False


def compiled(name: str):
    r"""The numba-compiled form of rule ``name``, compiled (or loaded from the disk cache) on first
    use; None when numba is not installed."""
    global _numba_missing
    kernel = _compiled.get(name)
    if kernel is None and not _numba_missing:
        numba = _import_numba()
        if numba is None:
            _numba_missing = True
            return None
        kernel = _compiled[name] = numba.njit(cache=True, error_model="numpy")(RULES.get(name) or LAYER_LOOPS[name])
    return kernel


def for_arrays(name: str, param, grad, *state):
    r"""The compiled rule ``name`` if it should update ``param`` and its ``state`` from ``grad``,
    else None (then the NumPy reference runs): numba wanted and installed, all arrays C-contiguous
    with one float dtype and one size of at least ``MIN_SIZE``, the updated ones writable."""
    if param.size < MIN_SIZE or param.dtype.type not in FLOAT_TYPES or not wanted():
        return None
    if any(a.dtype != param.dtype or a.size != param.size or not a.flags.c_contiguous
           for a in (param, grad, *state)) or not all(a.flags.writeable for a in (param, *state)):
        return None
    return compiled(name)


# ------------------------------------------------------------------------- numba and its cache
def _import_numba():
    try:
        if "numba" not in sys.modules:
            _choose_cache_dir()
        import numba
    except ImportError:
        return None
    return numba


def user_cache_dir() -> Path:
    r"""neurona's directory in the user's cache: ``$XDG_CACHE_HOME`` or ``~/.cache`` (Linux),
    ``~/Library/Caches`` (macOS), ``%LOCALAPPDATA%`` (Windows), each + ``/neurona/numba``."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "neurona" / "numba"


def _writable(directory: Path) -> bool:
    r"""Whether files can be created in ``directory`` (made if missing), tried as numba tries it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError:
        return False
    return True


def _choose_cache_dir():
    r"""Before numba loads: keep its cache beside this module if that is writable, else in the
    user's cache (a read-only install is never written into). A ``NUMBA_CACHE_DIR`` already set
    is the user's choice and is kept."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    if not _writable(Path(__file__).resolve().parent / "__pycache__"):
        os.environ["NUMBA_CACHE_DIR"] = str(user_cache_dir())
