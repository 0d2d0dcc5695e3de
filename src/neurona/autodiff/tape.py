r"""GradientTape: record a computation, then ask for its gradients (TensorFlow's API, seed 004).

    w = ad.Tensor(rng.uniform(-1, 1))            # or ad.Variable(...), watched automatically
    b = ad.Tensor(rng.uniform(-1, 1))
    with ad.GradientTape() as tape:
        tape.watch([w, b])
        loss = ad.mean((y - (x * w + b)) ** 2)
    gw, gb = tape.gradient(loss, [w, b])         # NumPy arrays, dloss/dw and dloss/db
"""
from __future__ import annotations

import contextlib

import numpy as np

from . import tensor as tensor_module
from .backprop import backpropagate
from .tensor import Tensor, Variable

_UNCONNECTED = ("none", "zero")


class GradientTape:
    r"""Records the operations run inside ``with GradientTape() as tape:`` on watched tensors.

    persistent                 False: one ``gradient`` call, after which the tape is spent (as
                               TensorFlow; it then holds no graph). True: any number of calls.
    watch_accessed_variables   True: every trainable ``Variable`` is watched without ``watch``.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._watched: dict[int, Tensor] = {}
        self._arrays: dict[int, Tensor] = {}      # id(array) -> the watched Tensor standing for it
        self._recording = False
        self._used = False

    def __enter__(self):
        self._recording = True
        tensor_module.open_tape(self)
        return self

    def __exit__(self, *exc):
        self._recording = False
        tensor_module.close_tape(self)
        return False

    @contextlib.contextmanager
    def stop_recording(self):
        r"""``with tape.stop_recording():`` runs operations this tape does not record (metrics,
        logging) while the tape stays open."""
        recording, self._recording = self._recording, False
        try:
            yield self
        finally:
            self._recording = recording

    def watch(self, tensors):
        r"""Follow ``tensors`` (a Tensor or a list of them): operations on them are recorded."""
        for t in _flatten(tensors, "watch"):
            self._watched[id(t)] = t

    def watch_array(self, array: np.ndarray) -> Tensor:
        r"""A watched Tensor standing for the NumPy ``array`` (a model's weight), so that
        ``gradient(loss, model.trainable_weights)`` takes the arrays themselves as sources."""
        if id(array) not in self._arrays:
            tensor = Tensor(array)
            self._watched[id(tensor)] = tensor
            self._arrays[id(array)] = tensor
        return self._arrays[id(array)]

    def watched_variables(self) -> list[Tensor]:
        return list(self._watched.values())

    @property
    def recording(self) -> bool:
        r"""True while the tape is open and not inside ``stop_recording``."""
        return self._recording

    def watches(self, tensor: Tensor) -> bool:
        r"""True when the tape follows ``tensor`` (watched, or a trainable Variable read under it)."""
        if id(tensor) in self._watched:
            return True
        if self.watch_accessed_variables and isinstance(tensor, Variable) and tensor.trainable:
            self._watched[id(tensor)] = tensor      # as TensorFlow: a variable read is watched
            return True
        return False

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        r"""d(target)/d(source) for each source, as NumPy arrays of the sources' shapes, in the
        structure of ``sources`` (one tensor, or a list / tuple of them).

        A non-scalar target is summed first (as TensorFlow does), unless ``output_gradients``
        gives d(loss)/d(target). A source the target does not depend on gets None, or zeros with
        ``unconnected_gradients="zero"`` (TensorFlow's convention); so does an input tensor this
        tape did not watch, even when another tape did (nested tapes, or one opened earlier).
        """
        if unconnected_gradients not in _UNCONNECTED:
            raise ValueError(f"unconnected_gradients must be 'none' or 'zero'; got {unconnected_gradients!r}.")
        if self._used and not self.persistent:
            raise RuntimeError("This GradientTape has already computed its gradients and released its "
                               "graph: a tape gives one set of gradients. Use GradientTape(persistent=True) "
                               "to call gradient several times.")
        if not isinstance(target, Tensor):
            raise TypeError(f"The target of gradient must be a Tensor computed on the tape; got "
                            f"{type(target).__name__}.")
        if isinstance(sources, (list, tuple)):
            sources = type(sources)(self._arrays.get(id(s), s) if isinstance(s, np.ndarray) else s for s in sources)
        source_list = _flatten(sources, "gradient")
        for role, t in [("source", s) for s in source_list] + [("target", target)]:
            if not t.is_floating:
                name = f" {t.name!r}" if t.name else ""
                raise TypeError(f"Gradients exist for floating tensors only; the {role}{name} has dtype "
                                f"{t.dtype}. Create it with a float dtype, e.g. "
                                f"Variable(np.array(values, dtype='float32')).")
        grads = backpropagate(target, output_gradients)
        self._used = True
        result = []
        for s in source_list:
            g = grads.get(id(s)) if s.op is not None or id(s) in self._watched else None
            if g is None and unconnected_gradients == "zero":
                g = np.zeros_like(s.data)
            result.append(None if g is None else np.array(g, dtype=s.dtype))
        if not self.persistent:
            self._watched.clear()
        if isinstance(sources, Tensor):
            return result[0]
        return tuple(result) if isinstance(sources, tuple) else result

    def graph(self, target):
        r"""The computational graph of ``target`` with every node's gradient d(target)/d(node)."""
        from .graph import Graph
        return Graph(target)


def _flatten(tensors, where) -> list[Tensor]:
    items = [tensors] if isinstance(tensors, Tensor) else tensors
    if isinstance(items, dict) or not isinstance(items, (list, tuple)):
        raise TypeError(f"{where} takes a Tensor or a list/tuple of Tensors; got {type(tensors).__name__}.")
    for item in items:
        if not isinstance(item, Tensor):
            raise TypeError(f"{where} takes Tensors (wrap arrays with ad.Tensor or ad.Variable); got "
                            f"{type(item).__name__} in the list.")
    return list(items)
