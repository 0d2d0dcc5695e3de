r"""Sequences as Keras prepares them: ``pad_sequences`` (lists of different lengths -> one array) and
``timeseries_dataset_from_array`` (sliding windows of a series, as batches ``fit`` reads).

    x = utils.pad_sequences([[1, 2], [3, 4, 5]], maxlen=4)           # [[0 0 1 2] [0 3 4 5]]
    windows = utils.timeseries_dataset_from_array(series, targets, sequence_length=10, batch_size=32)
    model.fit(windows, epochs=5)
"""
from __future__ import annotations

import numpy as np

from .data_adapters import PyDataset
from .eager import eager
from .validation import check_number


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    r"""An array of shape (number of sequences, maxlen) (more axes if the items are arrays): each
    sequence cut to its last (``truncating="pre"``) or first ("post") ``maxlen`` items and filled with
    ``value`` before ("pre") or after ("post") it. ``maxlen`` defaults to the longest sequence."""
    for name, given in (("padding", padding), ("truncating", truncating)):
        if given not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post'; got {given!r}.")
    try:
        sequences = [np.asarray(s) for s in sequences]
    except TypeError:
        raise TypeError("pad_sequences: sequences must be an iterable of sequences (lists or arrays).") from None
    for i, s in enumerate(sequences):
        if s.ndim == 0:
            raise ValueError(f"pad_sequences: sequence {i} is a single value ({s!r}); each item must be a list.")
    if maxlen is None:
        maxlen = max((len(s) for s in sequences), default=0)
    else:
        maxlen = check_number("pad_sequences", "maxlen", maxlen, 1, integer=True)
    item_shape = next((s.shape[1:] for s in sequences if len(s)), ())
    if np.issubdtype(np.dtype(dtype), np.integer) and isinstance(value, float) and not value.is_integer():
        raise ValueError(f"pad_sequences: value {value!r} is not an integer but dtype is {dtype!r}.")
    out = np.full((len(sequences), maxlen) + item_shape, value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if kept.shape[1:] != item_shape:
            raise ValueError(f"pad_sequences: sequence {i} has items of shape {kept.shape[1:]}; the others "
                             f"{item_shape}.")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out


class TimeseriesDataset(PyDataset):
    r"""The windows of ``timeseries_dataset_from_array`` as batches: window i is
    data[start + p_i + k r] for k = 0 .. sequence_length - 1 (r the sampling rate, p_i the i-th start
    position, every ``sequence_stride``-th), its target targets[start + p_i]. Only the batch asked
    for is gathered: a memmap series stays on disk."""

    def __init__(self, data, targets, positions, sequence_length, sampling_rate, batch_size, start):
        super().__init__()
        self.data, self.targets = data, targets
        self.positions = positions
        self.offsets = np.arange(sequence_length) * sampling_rate
        self.batch_size, self.start = batch_size, start

    def __len__(self):
        return -(-len(self.positions) // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of a TimeseriesDataset of {len(self)} batches")
        starts = self.start + self.positions[index * self.batch_size:(index + 1) * self.batch_size]
        x = np.asarray(self.data[(starts[:, None] + self.offsets).reshape(-1)])
        x = x.reshape(len(starts), len(self.offsets), *x.shape[1:])
        if self.targets is None:
            return x
        return x, np.asarray(self.targets[starts])

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def take(self, count: int) -> list:
        r"""The first ``count`` batches, their arrays with ``.numpy()`` (as ``dataset.take(count)`` is read in
        Keras's programs)."""
        return [eager(self[i]) for i in range(min(int(count), len(self)))]


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None):
    r"""Sliding windows over ``data`` (rows are time steps) as batches of (windows, targets), Keras's
    function: a window of ``sequence_length`` rows taken every ``sampling_rate`` rows, a new window every
    ``sequence_stride`` rows, within [start_index, end_index); window i's target is the row of
    ``targets`` where it starts (targets=None: windows alone). ``shuffle`` mixes the windows
    (``seed``); ``batch_size=None`` gives one window per item."""
    owner = "timeseries_dataset_from_array"
    sequence_length = check_number(owner, "sequence_length", sequence_length, 1, integer=True)
    sequence_stride = check_number(owner, "sequence_stride", sequence_stride, 1, integer=True)
    sampling_rate = check_number(owner, "sampling_rate", sampling_rate, 1, integer=True)
    if not hasattr(data, "shape"):
        data = np.asarray(data)
    n = len(data)
    start = 0 if start_index is None else check_number(owner, "start_index", start_index, 0, n - 1, integer=True)
    end = n if end_index is None else check_number(owner, "end_index", end_index, start + 1, n, integer=True)
    if targets is not None:
        targets = targets if hasattr(targets, "shape") else np.asarray(targets)
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        count = min(count, len(targets) - start)
    positions = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        np.random.default_rng(seed).shuffle(positions)
    if batch_size is None:
        one = TimeseriesDataset(data, targets, positions, sequence_length, sampling_rate, 1, start)
        return _Unbatched(one)
    batch_size = check_number(owner, "batch_size", batch_size, 1, integer=True)
    return TimeseriesDataset(data, targets, positions, sequence_length, sampling_rate, batch_size, start)


class _Unbatched:
    r"""One window (and target) per item."""

    def __init__(self, batches):
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        for i in range(len(self.batches)):
            item = self.batches[i]
            yield tuple(v[0] for v in item) if isinstance(item, tuple) else item[0]
