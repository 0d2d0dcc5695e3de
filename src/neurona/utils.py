r"""``neurona.utils``: Keras's small helpers for data (``keras.utils``).

    y = utils.to_categorical([0, 2, 1], num_classes=3)     # one-hot rows
    utils.set_random_seed(0)                               # Python's, NumPy's (and torch's) seeds
    x = utils.normalize(x, axis=-1, order=2)               # rows of unit L2 norm
    train, test = utils.split_dataset((x, y), left_size=0.8, shuffle=True, seed=0)
"""
from __future__ import annotations


import numpy as np

from .preprocessing.directory import image_dataset_from_directory, text_dataset_from_directory  # noqa: F401
from .preprocessing.image import array_to_img, img_to_array, load_img, save_img  # noqa: F401  (keras.utils's names)
from .random import new_rng, set_random_seed  # noqa: F401  (keras.utils's names)
from .registry import not_in_neurona


def to_categorical(x, num_classes=None):
    r"""Integer class labels -> one-hot float32 rows (Keras's ``to_categorical``): label c of k
    classes becomes the row with a 1 at position c. A trailing axis of size 1 is dropped first;
    ``num_classes`` defaults to max(x) + 1."""
    labels = np.asarray(x)
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        if not np.issubdtype(labels.dtype, np.floating) or np.any(labels != np.round(labels)):
            raise ValueError(f"to_categorical needs integer class labels; got values of dtype {labels.dtype}.")
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical needs labels >= 0; got {int(labels.min())}.")
    k = int(labels.max()) + 1 if num_classes is None and labels.size else int(num_classes or 0)
    if labels.size and labels.max() >= k:
        raise ValueError(f"to_categorical: num_classes={num_classes} but a label is {int(labels.max())} "
                         f"(labels must lie in [0, num_classes - 1]).")
    out = np.zeros(labels.shape + (k,), dtype=np.float32)
    np.put_along_axis(out, labels[..., None], 1.0, axis=-1)
    return out


def normalize(x, axis=-1, order=2):
    r"""x / ||x||_order along ``axis`` (rows of zero norm stay 0), as Keras's ``normalize``."""
    x = np.asarray(x, dtype=np.result_type(np.asarray(x).dtype, np.float32))
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)


def _size(name, value, n):
    if value is None:
        return None
    if isinstance(value, float) and 0 < value < 1:
        return int(round(value * n))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 < value <= n:
        return int(value)
    raise ValueError(f"split_dataset: {name} must be a fraction in (0, 1) or a count in [1, {n}]; got {value!r}.")


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    r"""(left, right): the samples of ``dataset`` (an array, or a tuple (x, y, ...) of arrays of one length)
    split in two, as Keras's ``split_dataset`` (sizes as fractions or counts; one given, the
    other is the rest; neither, half and half)."""
    arrays = tuple(np.asarray(a) for a in dataset) if isinstance(dataset, tuple) else (np.asarray(dataset),)
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"split_dataset: the arrays have different lengths {[len(a) for a in arrays]}.")
    left, right = _size("left_size", left_size, n), _size("right_size", right_size, n)
    if left is None and right is None:
        left = n // 2
    left = n - right if left is None else left
    if right is not None and left + right > n:
        raise ValueError(f"split_dataset: left_size + right_size = {left + right} exceeds the {n} samples.")
    right_end = n if right is None else left + right
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    pick = lambda idx: tuple(a[idx] for a in arrays) if len(arrays) > 1 else arrays[0][idx]   # noqa: E731
    return pick(order[:left]), pick(order[left:right_end])


from .model_plot import PlotModelUnavailable, model_to_dot, plot_model  # noqa: E402,F401  (keras.utils's names)

from .data_adapters import PyDataset, Sequence, pack_x_y_sample_weight, unpack_x_y_sample_weight  # noqa: E402
from .sequences import pad_sequences, timeseries_dataset_from_array  # noqa: E402

from .config import disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled  # noqa
from .progbar import Progbar  # noqa: E402


class Config(dict):
    r"""A dict whose keys are also attributes (Keras's ``utils.Config``); ``freeze()`` makes it read-only."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        object.__setattr__(self, "_frozen", False)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"Config has no key {name!r}; keys: {sorted(self)}.") from None

    def __setattr__(self, name, value):
        self[name] = value

    def __setitem__(self, key, value):
        if self._frozen:
            raise ValueError(f"Config is frozen: cannot set {key!r}.")
        super().__setitem__(key, value)

    def freeze(self):
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self) -> bool:
        return self._frozen

    def as_dict(self) -> dict:
        return dict(self)

    def to_json(self) -> str:
        import json
        return json.dumps(dict(self))


def clear_session(free_memory=True):
    r"""Keras's reset of its global state: neurona keeps none beyond the random seed sequence
    (``set_random_seed``), which stays; this collects garbage."""
    import gc
    gc.collect()


def is_keras_tensor(x) -> bool:
    r"""True for the symbolic tensors of ``neurona.Input`` and the layers called on them."""
    from .symbolic import SymbolicTensor
    return isinstance(x, SymbolicTensor)


def standardize_dtype(dtype) -> str:
    r"""A dtype's name as Keras writes it: 'float32' for Python's float and None, 'int64' for int, ..."""
    if dtype is None or dtype is float:
        return "float32"
    if dtype is int:
        return "int64"
    if dtype is bool:
        return "bool"
    return np.dtype(getattr(dtype, "name", dtype)).name


def get_source_inputs(tensor):
    r"""The ``Input`` tensors that ``tensor`` (a symbolic tensor) was computed from."""
    seen, stack, found = set(), [tensor], []
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = getattr(t, "node", None)
        parents = [] if node is None else list(node.inputs)
        if not parents:
            found.append(t)
        stack.extend(parents)
    return found


__getattr__ = not_in_neurona(__name__, "utility", lambda: ["PyDataset", "Sequence", "normalize",
                                                          "pack_x_y_sample_weight", "pad_sequences",
                                                          "plot_model", "model_to_dot", "set_random_seed",
                                                          "split_dataset", "timeseries_dataset_from_array",
                                                          "image_dataset_from_directory", "text_dataset_from_directory",
                                                          "load_img", "img_to_array", "array_to_img", "save_img",
                                                          "to_categorical", "unpack_x_y_sample_weight"])
_SERIALIZATION = ("CustomObjectScope", "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
                  "get_registered_name", "get_registered_object", "register_keras_serializable",
                  "serialize_keras_object")
_unknown = __getattr__


def __getattr__(name):
    if name in _SERIALIZATION:               # neurona.serialization builds on the models: imported when asked for
        from . import serialization
        return getattr(serialization, name)
    return _unknown(name)
