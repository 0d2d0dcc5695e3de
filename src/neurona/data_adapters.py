r"""Data as Keras 3 takes it: the batches ``fit``, ``evaluate`` and ``predict`` read when ``x`` is not
an array.

    model.fit(generator, steps_per_epoch=100)       # a Python generator (read once: infinite is fine)
    model.fit(MyPyDataset(workers=4))               # keras.utils.PyDataset / Sequence: len + batch i
    model.fit(torch_loader)                         # any iterable of batches, read again each epoch
    model.fit(x_memmap, y, batch_size=64)           # arrays (also memmaps, Dask arrays): rows sliced per batch

A batch is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` (``unpack_x_y_sample_weight``); x
and y may be arrays, lists / tuples of arrays (several inputs or outputs) or dicts by name, and
anything NumPy converts (PyTorch tensors: ``np.asarray``). Only the batch being used is in memory:
a generator, a ``PyDataset`` reading from disk or a memory-mapped array trains on sets larger than
memory.

A ``PyDataset`` with ``workers`` > 1 prepares the next batches in a pool while the model trains on
the current one: threads, or processes with ``use_multiprocessing=True`` (the dataset is pickled to
each process); ``max_queue_size`` batches are asked for ahead, and they arrive in order.
"""
from __future__ import annotations

import concurrent.futures
import itertools
import math
import types
from collections import deque

import numpy as np

from .validation import check_number


def unpack_x_y_sample_weight(data):
    r"""(x, y, sample_weight) of a batch: ``(x,)`` -> (x, None, None), ``(x, y)`` -> (x, y, None),
    ``(x, y, w)`` -> (x, y, w) (a list as a tuple); anything else is x alone."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(f"A batch is x, (x,), (x, y) or (x, y, sample_weight); got a tuple of {len(data)} items.")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    r"""The batch Keras builds from its parts: x alone (a tuple around x when x is itself a tuple, so
    that it is not read as (x, y)), (x, y), or (x, y, sample_weight)."""
    if y is None:
        return (x,) if isinstance(x, tuple) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def to_numpy(value):
    r"""Arrays all the way down: NumPy arrays as they are, PyTorch / TensorFlow / JAX tensors and
    Dask arrays through ``np.asarray`` (a CUDA or grad-tracking torch tensor first detached and moved
    to the CPU), lists / tuples / dicts item by item, None as None."""
    if value is None or isinstance(value, np.ndarray):
        return value
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and value and not isinstance(value[0], (int, float, np.number)):
        return type(value)(to_numpy(v) for v in value)
    for method in ("detach", "cpu"):                      # torch.Tensor
        if callable(getattr(value, method, None)) and type(value).__module__.startswith("torch"):
            value = getattr(value, method)()
    if type(value).__module__.startswith("dask") and callable(getattr(value, "compute", None)):
        value = value.compute()
    return np.asarray(getattr(value, "data", value)) if type(value).__name__ == "Tensor" and \
        type(value).__module__.startswith("neurona") else np.asarray(value)


class PyDataset:
    r"""Keras's ``keras.utils.PyDataset``: a dataset of batches by index, for data that does not fit
    in memory or is made on the fly. A subclass writes ``__len__`` (the number of batches) and
    ``__getitem__(i)`` (batch i: x, (x, y) or (x, y, sample_weight)); ``on_epoch_end`` runs after each
    epoch (shuffle there). ``num_batches`` may replace ``__len__`` (None: an endless dataset; give
    ``steps_per_epoch``).

    workers              how many batches are prepared at the same time (1: in the training loop)
    use_multiprocessing  prepare them in processes instead of threads (the dataset must pickle)
    max_queue_size       how many batches are asked for ahead of the one in use
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        self._workers = check_number("PyDataset", "workers", workers, 1, integer=True)
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = check_number("PyDataset", "max_queue_size", max_queue_size, 1, integer=True)

    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index) -> a batch.")

    @property
    def num_batches(self):
        if type(self).__len__ is not PyDataset.__len__:
            return len(self)
        return None

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__ (its number of batches) or "
                                  f"num_batches.")

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


#: Keras's older name
Sequence = PyDataset


def _get_item(dataset, index):
    return dataset[index]


class Batches:
    r"""Where the batches of ``fit`` / ``evaluate`` / ``predict`` come from when ``x`` is not a set of
    arrays. ``epoch(steps)`` yields up to ``steps`` batches (None: until the data ends); ``length`` is
    the number of batches of one pass when it is known."""

    def __init__(self, data, owner="fit"):
        self.data = data
        self.owner = owner
        self._iterator = None
        if isinstance(data, PyDataset) or _looks_like_sequence(data):
            self.kind = "dataset"
            n = data.num_batches if isinstance(data, PyDataset) else len(data)
            self.length = None if n is None else int(n)
        elif isinstance(data, (types.GeneratorType, itertools.count)) or (
                hasattr(data, "__next__") and iter(data) is data):
            self.kind = "iterator"                  # read once: each epoch goes on where the last stopped
            self.length = None
        elif hasattr(data, "__iter__"):
            self.kind = "iterable"                  # a DataLoader, a list of batches: read again each epoch
            self.length = len(data) if hasattr(data, "__len__") else None
        else:
            raise TypeError(f"{owner}: x must be arrays, a generator, a keras.utils.PyDataset / Sequence or an "
                            f"iterable of batches; got {type(data).__name__}.")

    def epoch(self, steps=None):
        r"""The batches of one epoch (at most ``steps``), as NumPy arrays in Keras's nesting."""
        if self.kind == "dataset":
            yield from self._dataset_epoch(steps)
            return
        if self.kind == "iterable":
            source = iter(self.data)
        else:
            if self._iterator is None:
                self._iterator = iter(self.data)
            source = self._iterator
        taken = 0
        while steps is None or taken < steps:
            try:
                batch = next(source)
            except StopIteration:
                if self.kind == "iterator" and steps is not None and taken == 0:
                    raise ValueError(f"{self.owner}: the generator is exhausted: it gave no batch for this "
                                     f"epoch. Make it endless (while True: ...) or give as many batches as "
                                     f"epochs x steps_per_epoch.") from None
                return
            taken += 1
            yield to_numpy(batch)

    def _dataset_epoch(self, steps):
        data = self.data
        getattr(data, "on_epoch_begin", lambda: None)()
        n = self.length
        count = n if steps is None else (steps if n is None else min(steps, n))
        if count is None:
            raise ValueError(f"{self.owner}: the PyDataset has no length (num_batches is None): give "
                             f"steps_per_epoch (steps for evaluate and predict).")
        indices = range(count) if n is None else (i % n for i in range(count))
        workers = getattr(data, "workers", 1) or 1
        if workers <= 1:
            for i in indices:
                yield to_numpy(data[i])
        else:
            pool_type = concurrent.futures.ProcessPoolExecutor if getattr(data, "use_multiprocessing", False) \
                else concurrent.futures.ThreadPoolExecutor
            ahead = max(workers, getattr(data, "max_queue_size", 10))
            with pool_type(max_workers=workers) as pool:
                queue, indices = deque(), iter(indices)
                for i in itertools.islice(indices, ahead):
                    queue.append(pool.submit(_get_item, data, i))
                while queue:
                    batch = queue.popleft().result()
                    nxt = next(indices, None)
                    if nxt is not None:
                        queue.append(pool.submit(_get_item, data, nxt))
                    yield to_numpy(batch)
        getattr(data, "on_epoch_end", lambda: None)()


def _looks_like_sequence(data) -> bool:
    r"""A Keras-2-style Sequence not derived from ours: ``__len__`` and ``__getitem__`` of batches, not
    a plain list or array (those are the data itself or a list of batches)."""
    return (hasattr(data, "__getitem__") and hasattr(data, "__len__") and callable(getattr(data, "on_epoch_end", None))
            and not isinstance(data, (list, tuple, dict, np.ndarray)))


def is_batches(x) -> bool:
    r"""True when ``x`` is read as batches (a generator, a PyDataset, an iterable of batches), False when
    it is the data itself (arrays, a list / tuple / dict of arrays, anything array-like)."""
    if x is None or isinstance(x, (np.ndarray, dict, str, bytes)):
        return False
    if isinstance(x, PyDataset) or _looks_like_sequence(x):
        return True
    if isinstance(x, (list, tuple)):        # the data (inputs), unless a list of (x, y[, w]) batches
        return isinstance(x, list) and bool(x) and all(isinstance(b, tuple) and 1 <= len(b) <= 3 for b in x)
    if hasattr(x, "__array__") or hasattr(x, "shape") and hasattr(x, "dtype"):
        return False                                       # an array-like: torch tensor, Dask array, memmap
    return hasattr(x, "__iter__") or hasattr(x, "__next__")


def is_lazy(x) -> bool:
    r"""Arrays read a batch at a time rather than loaded whole: a NumPy memmap, a Dask array (or a
    list / tuple / dict of them)."""
    if isinstance(x, dict):
        return any(is_lazy(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return any(is_lazy(v) for v in x)
    return isinstance(x, np.memmap) or type(x).__module__.startswith("dask")


def array_batches(x, y, sample_weight, batch_size, shuffle, rng):
    r"""Batches of arrays for the step loop (a custom ``train_step`` on arrays): rows taken in a shuffled
    order each epoch, packed as Keras packs them. Works on anything with ``shape`` and row slicing,
    so a memmap is read one batch at a time."""
    flat_x = x if isinstance(x, (list, tuple)) else [x]
    n = int(np.shape(next(iter(x.values())) if isinstance(x, dict) else flat_x[0])[0])

    def rows(value, index):
        if value is None:
            return None
        if isinstance(value, dict):
            return {k: rows(v, index) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(rows(v, index) for v in value)
        if isinstance(value, np.ndarray) and not isinstance(value, np.memmap):
            return value[index] if isinstance(index, slice) else value.take(index, axis=0)
        if isinstance(index, slice):
            return to_numpy(value[index])
        order = np.argsort(index)                   # a memmap / Dask array reads sorted rows fastest
        part = to_numpy(value[index[order]])
        return part[np.argsort(order)]

    class _Rows:
        length = math.ceil(n / batch_size)

        def epoch(self, steps=None):
            order = rng.permutation(n) if shuffle == True else None       # noqa: E712  ("batch": kept in order)
            for step in range(self.length if steps is None else min(steps, self.length)):
                start = step * batch_size
                index = slice(start, start + batch_size) if order is None else order[start:start + batch_size]
                yield pack_x_y_sample_weight(rows(x, index), rows(y, index), rows(sample_weight, index))
    return _Rows()
