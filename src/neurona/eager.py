r"""NumPy arrays with Keras's tensor and Variable methods: what a layer or a model called on an array
returns (``Array``: ``.numpy()``, as Keras programs write ``model(x).numpy()``), and the weights of
layers and metrics (``Weight``: also ``assign``, ``assign_add``, ``assign_sub``)."""
import numpy as np


class Array(np.ndarray):
    r"""An ndarray with ``numpy()``: a plain copy."""

    def numpy(self):
        return np.array(self)


class Weight(Array):
    r"""A layer's weight array with Keras's Variable methods (``assign``, ``assign_add``,
    ``assign_sub``, ``numpy``), updated in place so that models that hold it see the change."""

    def assign(self, value):
        self[...] = np.asarray(getattr(value, "data", value))
        return self

    def assign_add(self, value):
        self[...] += np.asarray(getattr(value, "data", value))
        return self

    def assign_sub(self, value):
        self[...] -= np.asarray(getattr(value, "data", value))
        return self


def eager(value):
    r"""``value`` (an array, or a list / dict of them) with ``numpy()``."""
    if isinstance(value, dict):
        return {k: eager(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(eager(v) for v in value)
    return np.asarray(value).view(Array) if isinstance(value, np.ndarray) else value
