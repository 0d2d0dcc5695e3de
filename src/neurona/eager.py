r"""What a layer or a model called on an array returns: a NumPy array that also answers Keras's
``.numpy()`` (Keras returns backend tensors, and its programs write ``model(x).numpy()``)."""
import numpy as np


class Array(np.ndarray):
    r"""An ndarray with ``numpy()``: a plain copy."""

    def numpy(self):
        return np.array(self)


def eager(value):
    r"""``value`` (an array, or a list / dict of them) with ``numpy()``."""
    if isinstance(value, dict):
        return {k: eager(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(eager(v) for v in value)
    return np.asarray(value).view(Array) if isinstance(value, np.ndarray) else value
