r"""The arguments of an ``Op`` layer: the constants of a call such as ``ops.take(x, [0], axis=1)`` or
``x[:, 1:3]``, with a ``Slot`` where a layer input goes, and their JSON form for model files.

Keras 3's forms are kept for what JSON lacks (``keras.saving``'s serialization):

    slice(1, 3)   {"class_name": "__slice__", "config": {"start": 1, "stop": 3, "step": null}}
    ...           {"class_name": "__ellipsis__", "config": {}}
    np.array      {"class_name": "__numpy__", "config": {"value": [...], "dtype": "int64"}}

and two of neurona's: a tuple stays one ({"class_name": "__tuple__", "config": {"value": [...]}}),
as NumPy reads ``x[(0, 1)]`` and ``x[[0, 1]]`` differently; an input is
{"class_name": "__input__", "config": {"index": k}}.
"""
from __future__ import annotations

import numbers

import numpy as np


class Slot:
    r"""Where input ``index`` of the layer goes among the arguments."""

    def __init__(self, index: int):
        self.index = int(index)

    def __eq__(self, other):
        return isinstance(other, Slot) and other.index == self.index

    __hash__ = object.__hash__

    def __repr__(self):
        return f"Slot({self.index})"


def _tagged(class_name, **config):
    return {"class_name": class_name, "config": config}


def to_json(value, where: str = "argument"):
    r"""``value`` (numbers, strings, None, slices, Ellipsis, arrays, Slots, in lists, tuples and dicts)
    as JSON-friendly data."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Number):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, Slot):
        return _tagged("__input__", index=value.index)
    if isinstance(value, slice):
        return _tagged("__slice__", start=to_json(value.start, where), stop=to_json(value.stop, where),
                       step=to_json(value.step, where))
    if value is Ellipsis:
        return _tagged("__ellipsis__")
    if isinstance(value, tuple):
        return _tagged("__tuple__", value=[to_json(v, where) for v in value])
    if isinstance(value, list):
        return [to_json(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v, where) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _tagged("__numpy__", value=value.tolist(), dtype=value.dtype.name)
    if isinstance(value, (np.dtype, type)) and np.dtype(value).kind in "biuf":
        return np.dtype(value).name
    raise TypeError(f"Op: the {where} {value!r} ({type(value).__name__}) cannot be kept in a model file; "
                    f"numbers, strings, None, slices, Ellipsis, arrays and lists or tuples of them can.")


_READERS = {
    "__input__": lambda c: Slot(c["index"]),
    "__slice__": lambda c: slice(from_json(c.get("start")), from_json(c.get("stop")), from_json(c.get("step"))),
    "__ellipsis__": lambda c: Ellipsis,
    "__tuple__": lambda c: tuple(from_json(v) for v in c["value"]),
    "__numpy__": lambda c: np.asarray(c["value"], dtype=np.dtype(c["dtype"])),
}


def from_json(value):
    r"""The arguments ``to_json`` wrote (any other data as it is)."""
    if isinstance(value, list):
        return [from_json(v) for v in value]
    if isinstance(value, dict):
        reader = _READERS.get(value.get("class_name")) if set(value) <= {"class_name", "config"} else None
        if reader is not None:
            return reader(value.get("config") or {})
        return {k: from_json(v) for k, v in value.items()}
    return value


def fill(value, inputs: list):
    r"""``value`` with each Slot replaced by its input."""
    if isinstance(value, Slot):
        return inputs[value.index]
    if isinstance(value, (list, tuple)):
        return type(value)(fill(v, inputs) for v in value)
    if isinstance(value, dict):
        return {k: fill(v, inputs) for k, v in value.items()}
    return value


def slots_for(value, is_input, inputs: list):
    r"""``value`` with each input (``is_input(v)``) replaced by a Slot, the inputs appended to ``inputs``
    once each (a tensor used twice is one input)."""
    if is_input(value):
        for k, seen in enumerate(inputs):
            if seen is value:
                return Slot(k)
        inputs.append(value)
        return Slot(len(inputs) - 1)
    if isinstance(value, (list, tuple)):
        return type(value)(slots_for(v, is_input, inputs) for v in value)
    if isinstance(value, dict):
        return {k: slots_for(v, is_input, inputs) for k, v in value.items()}
    return value
