r"""Traces: a model prints its own arithmetic, step by step, in the slides' notation.

    Perceptron(trace=True)                 print each line
    Perceptron(trace=lines.append)         call a function with each line
    Perceptron(trace=open("log.txt", "w")) write each line to an open file
    Perceptron(trace="log.txt")            write the whole trace to a file at the end of fit

A perceptron step of seed 001 reads

    z = (-1)(1) + (0)(5) + (-0.5) = -1.5 -> y_hat = step(-1.5) = 0 ; w11 <- -1 + 0.5·(1 - 0)·1 = -0.5
"""
from __future__ import annotations

import os

import numpy as np

from .atomicfile import write_atomic

#: products with more terms than this show the first few and the last, with "..." between
MAX_TERMS = 8


def num(value) -> str:
    r"""A number as the slides write it: 6 significant digits, no trailing zeros (-1, 0.5, 2.5)."""
    value = float(value)
    if value == 0:
        return "0"
    return f"{value:.6g}"


def paren(value) -> str:
    r"""``(value)``: a factor of a product, parenthesised as in the slides' (-1)(1)."""
    return f"({num(value)})"


def factor(value) -> str:
    r"""A factor after "·": negative numbers get parentheses, others not (0.5·(1 - 0)·(-2))."""
    return f"({num(value)})" if float(value) < 0 else num(value)


def shorten(items: list[str]) -> list[str]:
    r"""``items``, or when there are more than ``MAX_TERMS`` the first few, "..." and the last."""
    return items if len(items) <= MAX_TERMS else items[:MAX_TERMS - 2] + ["..."] + items[-1:]


def weighted_sum(weights, inputs, bias=None) -> str:
    r"""``(w1)(x1) + (w2)(x2) + (b)``, shortened with "..." when there are many terms."""
    terms = shorten([f"{paren(w)}{paren(x)}" for w, x in zip(weights, inputs)])
    if bias is not None:
        terms.append(paren(bias))
    return " + ".join(terms)


def vector(values) -> str:
    r"""``(1, 5)``, shortened with "..." when long."""
    return f"({', '.join(shorten([num(v) for v in np.ravel(values)]))})"


class Tracer:
    r"""Sends trace lines where the ``trace`` argument says: nowhere (False / None), stdout (True),
    a function, an open file (anything with ``write``), or a file path (written at ``close``)."""

    def __init__(self, target, owner: str = "the model"):
        self._lines: list[str] | None = None
        self._path = None
        if target is None or target is False:
            self._emit = None
        elif target is True:
            self._emit = print
        elif isinstance(target, (str, os.PathLike)):
            self._path = os.fspath(target)
            directory = os.path.dirname(os.path.abspath(self._path))
            if not os.path.isdir(directory):
                raise ValueError(f"The 'trace' file {self._path!r} of {owner} is in a directory that does not exist.")
            self._lines = []
            self._emit = self._lines.append
        elif hasattr(target, "write"):
            self._emit = lambda line: target.write(line + "\n")
        elif callable(target):
            self._emit = target
        else:
            raise TypeError(f"The 'trace' argument of {owner} must be True/False, a function taking a line, an "
                            f"open file or a file path; got {type(target).__name__} {target!r}.")

    @property
    def on(self) -> bool:
        return self._emit is not None

    def __call__(self, line: str):
        if self._emit is not None:
            self._emit(line)

    def close(self):
        r"""Write the collected lines of a path target atomically (temp file, fsync, replace)."""
        if self._path is None or self._lines is None:
            return
        write_atomic(self._path, "".join(line + "\n" for line in self._lines).encode("utf-8"))
        self._lines = None


def check_trace(owner: str, target):
    r"""Raise now (before any learning) if ``target`` cannot receive a trace."""
    Tracer(target, owner)

