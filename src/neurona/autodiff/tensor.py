r"""Tensor and Variable: NumPy arrays that remember how they were computed.

While a ``GradientTape`` records, every operation on a watched tensor (or on a ``Variable``, or
on a tensor computed from one) keeps a link to its inputs: the computational graph of seed 001.
Walking that graph backwards from the result, node by node, applies the chain rule:

    dL/d(input) = dL/d(output) * d(output)/d(input)        (summed over every use of the input)

Outside a tape nothing is recorded: the operations are plain NumPy and cost no memory.

    >>> from neurona import autodiff as ad
    >>> x = ad.Variable(1.5, dtype="float64")
    >>> with ad.GradientTape() as tape:
    ...     y = ad.exp(ad.sin(x ** 2))
    >>> tape.gradient(y, x)        # e^{sin(x^2)} cos(x^2) 2x
"""
from __future__ import annotations

import numbers
import threading

import numpy as np


class _Tapes(threading.local):
    r"""The tapes open in this thread, innermost last (managed by GradientTape): a tape records
    only the operations of the thread that opened it."""

    def __init__(self):
        self.active: list = []


_tapes = _Tapes()


def open_tape(tape) -> None:
    r"""``tape`` starts recording this thread's operations (``GradientTape.__enter__``)."""
    _tapes.active.append(tape)


def close_tape(tape) -> None:
    _tapes.active.remove(tape)


def recording_tape():
    r"""The innermost GradientTape of this thread that is recording, or None."""
    active = [tape for tape in _tapes.active if tape.recording]
    return active[-1] if active else None


def _to_array(value, dtype=None) -> np.ndarray:
    r"""``value`` as an ndarray. Python floats (and lists of them) become float32, as the engine's
    default; NumPy arrays keep their dtype unless ``dtype`` is given."""
    if isinstance(value, Tensor):
        value = value.data
    if dtype is not None:
        return np.asarray(value, dtype=dtype)
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    try:
        array = np.asarray(value)
    except Exception as error:
        raise TypeError(f"A Tensor needs numbers (a scalar, list or array); could not convert "
                        f"{type(value).__name__}: {error}") from None
    if array.dtype == np.float64:
        return array.astype(np.float32)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"A Tensor needs numbers; got an array of dtype {array.dtype}.")
    return array


class Tensor:
    r"""A NumPy array (``.data``) with, when recorded on a tape, the operation that produced it
    (``.op``) and its inputs (``.inputs``): one node of the computational graph.

    Operators work as on arrays, with NumPy's broadcasting: ``+ - * / ** @``, unary ``-``,
    indexing, comparisons (which give plain boolean arrays: they have no gradient).
    """

    __array_priority__ = 100
    __array_ufunc__ = None      # ndarray <op> Tensor defers to the Tensor's reflected operator

    def __init__(self, data, dtype=None, name: str | None = None):
        self.data = _to_array(data, dtype)
        self.name = name
        self.op: str | None = None            # None: a leaf (an input, a constant, a Variable)
        self.inputs: tuple[Tensor, ...] = ()
        self.attrs: dict = {}
        self.input_values: tuple[np.ndarray, ...] = ()    # the inputs' values when the op ran
        self.followed: tuple[bool, ...] = ()              # the inputs that receive a gradient

    # -- array-like -------------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)

    def numpy(self) -> np.ndarray:
        r"""The value as a NumPy array (the array itself, not a copy)."""
        return self.data

    def item(self):
        return self.data.item()

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __float__(self):
        return float(self.data)

    def __bool__(self):
        return bool(self.data)

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        kind = type(self).__name__
        name = f", name={self.name!r}" if self.name else ""
        op = f", op={self.op!r}" if self.op else ""
        return f"{kind}({np.array2string(self.data, threshold=20, precision=4)}, dtype={self.dtype}{name}{op})"

    @property
    def is_floating(self) -> bool:
        return np.issubdtype(self.dtype, np.floating)

    # -- operators: defined in ops.py and attached there (one place for each operation); the
    # -- graph() method is attached by graph.py, which builds on this module ---------------------
    __hash__ = object.__hash__


class Variable(Tensor):
    r"""A trainable tensor: a tape watches it automatically (``trainable=True``).

    Its value changes only through ``assign`` / ``assign_add`` / ``assign_sub``, which put a new
    array in place (graphs recorded earlier keep the value they saw).
    """

    def __init__(self, data, dtype=None, name: str | None = None, trainable: bool = True):
        super().__init__(data, dtype, name)
        self.trainable = bool(trainable)

    def assign(self, value):
        value = _to_array(value, self.dtype)
        if value.shape != self.shape:
            raise ValueError(f"assign: Variable{f' {self.name!r}' if self.name else ''} has shape "
                             f"{self.shape}; the new value has shape {value.shape}.")
        self.data = value.copy()
        return self

    def assign_add(self, delta):
        return self.assign(self.data + _to_array(delta))

    def assign_sub(self, delta):
        return self.assign(self.data - _to_array(delta))


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    r"""``value`` as a Tensor. A Python number next to a floating tensor takes that tensor's
    dtype, as NumPy does (2.0 * float64 stays float64, 2.0 * float32 stays float32)."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, numbers.Number) and not isinstance(value, bool) \
            and like.is_floating:
        return Tensor(np.asarray(value, dtype=like.dtype))
    return Tensor(value)


def is_watched(tensor: Tensor) -> bool:
    r"""True when some recording tape follows ``tensor`` (it is watched, or a trainable Variable,
    or was computed on a tape)."""
    recording = [tape for tape in _tapes.active if tape.recording]
    if tensor.op is not None:
        return bool(recording)
    return any(tape.watches(tensor) for tape in recording)


def record(op: str, value, inputs, **attrs) -> Tensor:
    r"""The result of operation ``op`` on ``inputs``: a Tensor holding ``value`` that keeps its
    inputs (a graph node) when a tape is recording and some input is followed."""
    out = Tensor(np.asarray(value))
    followed = tuple(is_watched(t) for t in inputs) if _tapes.active else ()
    if any(followed):
        out.op, out.inputs, out.attrs = op, tuple(inputs), attrs
        out.input_values = tuple(t.data for t in inputs)
        out.followed = followed
    return out
