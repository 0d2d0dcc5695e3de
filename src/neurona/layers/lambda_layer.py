r"""Lambda: a function of the inputs as a layer, ``Lambda(lambda x: ops.square(x))``.

Its forward runs the function on an autodiff Tensor, recorded on a tape; its backward is that tape's
gradient: dL/dx = the chain rule through whatever the function did in ``neurona.ops`` (or in
Tensor arithmetic). A function of plain NumPy calls runs, but passes no gradient back.

In a model file the function is kept by its importable name (``module.qualname``): functions of
``neurona.ops`` and NumPy's ufuncs load anywhere (``neurona.ops:tanh``); any other needs ``config.enable_unsafe_deserialization()``
(loading it imports its module), and a lambda cannot be saved (write a named function).
"""
from __future__ import annotations

import importlib

import numpy as np

from .. import config
from ..autodiff.tape import GradientTape
from ..autodiff.tensor import Tensor
from .base import Layer, register

def _safe_namespaces():
    r"""The namespaces whose public functions a model file may name: neurona.ops, and NumPy's ufuncs."""
    from .. import ops
    return {"neurona.ops": ops, "numpy": np}


def _is_safe(namespace: str, name: str, value) -> bool:
    if name.startswith("_") or "." in name or not callable(value):
        return False
    return namespace == "neurona.ops" or isinstance(value, np.ufunc)


def _name_of(function):
    name = getattr(function, "__name__", "")
    for namespace, module in _safe_namespaces().items():      # ops.tanh is saved as neurona.ops:tanh
        if name and getattr(module, name, None) is function and _is_safe(namespace, name, function):
            return f"{namespace}:{name}"
    module, qualname = getattr(function, "__module__", None), getattr(function, "__qualname__", "")
    if module is None or "<" in qualname:
        raise ValueError(f"Lambda: the function {function!r} has no importable name (a lambda or a nested "
                         f"function), so it cannot be saved; define it with def at module level.")
    return f"{module}:{qualname}"


def _function_from(name):
    r"""The function a model file names. Public functions of neurona.ops and NumPy's ufuncs resolve
    without importing anything; any other name imports its module (which can run code), so it needs
    ``config.enable_unsafe_deserialization()``."""
    if callable(name):
        return name
    module, _, qualname = str(name).partition(":")
    namespace = _safe_namespaces().get(module)
    if namespace is not None:
        value = getattr(namespace, qualname, None) if "." not in qualname else None
        if _is_safe(module, qualname, value):
            return value
    if not config.unsafe_deserialization_enabled():
        raise ValueError(f"Lambda: loading the function {name!r} imports its module, which can run code; call "
                         f"neurona.config.enable_unsafe_deserialization() first if you trust the file.")
    value = importlib.import_module(module)
    for part in qualname.split("."):
        value = getattr(value, part)
    return value


@register("lambda")
class Lambda(Layer):
    r"""y = function(x, **arguments); dL/dx from the tape of the function."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, name: str | None = None,
                 **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.function = _function_from(function)
        if not callable(self.function):
            raise TypeError(f"Lambda needs a function; got {type(function).__name__} {function!r}.")
        self.output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})

    def __call__(self, inputs, training=None, **kwargs):
        self.n_inputs = None if isinstance(inputs, (list, tuple)) else 1     # a function of one or of several
        return super().__call__(list(inputs) if self.n_inputs is None else inputs, training=training, **kwargs)

    def build(self, input_shape, rng=None, dtype=None):
        if isinstance(input_shape, list) and input_shape and not isinstance(input_shape[0], (int, type(None))):
            self.n_inputs = None
        return super().build(input_shape, rng, dtype)

    def get_config(self):
        config = super().get_config()
        config["function"] = _name_of(self.function)
        return config

    def setup(self, input_shape, rng, dtype):
        many = isinstance(input_shape, list)
        shapes = input_shape if many else [input_shape]
        probe = [np.ones((2, *s), dtype=dtype) for s in shapes]
        out = np.asarray(self.function(probe if many else probe[0], **self.arguments))
        return tuple(out.shape[1:])

    def forward(self, x, training=False):
        many = isinstance(x, list)
        self._inputs = [Tensor(v) for v in (x if many else [x])]
        with GradientTape(persistent=False) as tape:
            tape.watch(self._inputs)
            out = self.function(self._inputs if many else self._inputs[0], **self.arguments)
        self._tape, self._out, self._many = tape, out, many
        return out.data if isinstance(out, Tensor) else np.asarray(out)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        if not isinstance(self._out, Tensor) or self._out.op is None:
            grads = [np.zeros_like(t.data) for t in self._inputs]
        else:
            grads = self._tape.gradient(self._out, self._inputs, output_gradients=grad,
                                        unconnected_gradients="zero")
        return list(grads) if self._many else grads[0]

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def describe(self):
        return f"Lambda, {getattr(self.function, '__name__', 'function')}"
