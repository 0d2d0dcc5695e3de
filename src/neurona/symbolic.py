r"""Symbolic tensors: the placeholders of Keras' functional API.

    inputs = neurona.Input(shape=(4,))          # a SymbolicTensor of shape (None, 4)
    h = layers.Dense(8, activation="relu")(inputs)   # calling a layer records a Node
    outputs = layers.Dense(1)(h)
    model = neurona.Model(inputs, outputs)

A symbolic tensor holds no numbers: only its shape (batch axis None), the node that produced it
and which of the node's outputs it is. ``neurona.Model(inputs, outputs)`` walks these nodes back
from the outputs to the inputs and runs them in topological order.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import config


class Node:
    r"""One call of a layer on symbolic tensors: ``outputs = layer(inputs)``."""

    def __init__(self, layer, inputs: list, output_shape: tuple, dtype):
        self.layer = layer
        self.inputs = list(inputs)
        self.output = SymbolicTensor(output_shape, dtype, node=self)


class SymbolicTensor:
    r"""A placeholder of shape ``(None, *sample_shape)``; ``node`` is None for a model input."""

    def __init__(self, sample_shape: tuple, dtype, node: Node | None = None, name: str | None = None):
        self.sample_shape = tuple(sample_shape)
        self.dtype = np.dtype(dtype)
        self.node = node
        self.name = name

    #: False for a value computed over the whole batch (ops.tensordot(u, v, 2) of two (m, n) tensors):
    #: then sample_shape is its whole shape
    batched = True

    @property
    def shape(self) -> tuple:
        return (None, *self.sample_shape) if self.batched else self.sample_shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        producer = "Input" if self.node is None else type(self.node.layer).__name__
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype.name} from {producer}>"

    def __len__(self):
        raise TypeError("A symbolic tensor has no length: its batch size is known only when the model runs.")

    def __bool__(self):
        raise TypeError("A symbolic tensor has no truth value: it holds no numbers until the model runs.")

    __hash__ = object.__hash__

    # operators: two symbolic tensors meet in a merge layer, anything else in an op layer
    def _merge_or_op(self, other, merge: str, op: str, reverse: bool = False):
        from . import layers
        if isinstance(other, SymbolicTensor) and other.sample_shape == self.sample_shape and not reverse:
            return getattr(layers, merge)()([self, other])
        return apply_op(op, other, self) if reverse else apply_op(op, self, other)

    def __add__(self, other):
        return self._merge_or_op(other, "Add", "add")

    def __radd__(self, other):
        return self._merge_or_op(other, "Add", "add", reverse=True)

    def __sub__(self, other):
        return self._merge_or_op(other, "Subtract", "subtract")

    def __rsub__(self, other):
        return self._merge_or_op(other, "Subtract", "subtract", reverse=True)

    def __mul__(self, other):
        return self._merge_or_op(other, "Multiply", "multiply")

    def __rmul__(self, other):
        return self._merge_or_op(other, "Multiply", "multiply", reverse=True)

    def __truediv__(self, other):
        return apply_op("divide", self, other)

    def __rtruediv__(self, other):
        return apply_op("divide", other, self)

    def __pow__(self, other):
        return apply_op("power", self, other)

    def __neg__(self):
        return apply_op("negative", self)

    def __matmul__(self, other):
        return apply_op("matmul", self, other)

    def __getitem__(self, index):
        return apply_op("get_item", self, _index_constant(index))

    # comparisons and logic record ops too; == stays identity, as in Keras (tensors are found in lists)
    def __lt__(self, other):
        return apply_op("less", self, other)

    def __le__(self, other):
        return apply_op("less_equal", self, other)

    def __gt__(self, other):
        return apply_op("greater", self, other)

    def __ge__(self, other):
        return apply_op("greater_equal", self, other)

    def __ne__(self, other):
        return apply_op("not_equal", self, other)

    def __and__(self, other):
        return apply_op("logical_and", self, other)

    def __rand__(self, other):
        return apply_op("logical_and", other, self)

    def __or__(self, other):
        return apply_op("logical_or", self, other)

    def __ror__(self, other):
        return apply_op("logical_or", other, self)

    def __invert__(self):
        return apply_op("logical_not", self)

    def neurona_apply_op(self, function, *arguments, **keywords):
        r"""``neurona.autodiff`` operations (and ``neurona.ops``) called on placeholders come here."""
        if function == "concatenate":
            from . import layers
            tensors, axis = arguments[0], keywords.get("axis", arguments[1] if len(arguments) > 1 else 0)
            if axis in (-1, len(tensors[0].shape) - 1):
                return layers.Concatenate()(list(tensors))
            raise ValueError("On symbolic tensors, concatenate joins the last axis (axis=-1).")
        return apply_op(function, *arguments, **keywords)


def _index_constant(index):
    r"""An index of ``x[...]``: the batch axis first is kept whole (x[:, 0], x[:, 1:3], x[..., -1], x[:, None])."""
    first = index[0] if isinstance(index, tuple) and index else index
    if not (first is Ellipsis or isinstance(first, slice) and first == slice(None)):
        raise ValueError("Index a symbolic tensor with the batch axis first, e.g. x[:, 0], x[:, 1:3] or x[..., -1].")
    return index


def is_symbolic(value) -> bool:
    if isinstance(value, SymbolicTensor):
        return True
    return isinstance(value, (list, tuple)) and any(isinstance(v, SymbolicTensor) for v in value)


#: the dtype of a string input (keras.Input(dtype="string")): arrays of Python str
STRING = np.dtype(object)


def is_string_dtype(dtype) -> bool:
    r"""Keras's "string" (and str, object, NumPy's str dtypes)."""
    if dtype is None:
        return False
    if dtype in ("string", "str", str, object, bytes):
        return True
    try:
        return np.dtype(dtype).kind in "OUS"
    except TypeError:
        return False


def as_string_array(name: str, data) -> np.ndarray:
    r"""The texts ``data`` for a string input: an object array of str (bytes read as UTF-8), at least
    (samples, 1); numbers are refused, as Keras refuses them for a string input."""
    array = np.asarray(data, dtype=object)
    if array.ndim == 0 or array.shape[0] == 0:
        raise ValueError(f"{name} is a batch of texts for a string input; got {array.shape} (at least one sample "
                         f"is needed).")
    wrong = next((v for v in array.flat if not isinstance(v, (str, bytes))), None)
    if wrong is not None:
        raise TypeError(f"{name} goes to a string input (keras.Input(dtype='string')) and must hold texts; "
                        f"got a {type(wrong).__name__} ({wrong!r:.40}).")
    text = np.vectorize(lambda v: v.decode("utf-8") if isinstance(v, bytes) else v, otypes=[object])(array)
    return text.reshape(-1, 1) if text.ndim == 1 else text


def Input(shape=None, batch_size=None, dtype=None, name: str | None = None, batch_shape=None, **kwargs):
    r"""A model input: ``Input(shape=(4,))`` stands for batches of shape (m, 4)."""
    if kwargs:
        raise TypeError(f"Input got unknown argument(s) {', '.join(sorted(kwargs))}; it takes shape, "
                        f"batch_size, dtype, name and batch_shape.")
    if shape is None and batch_shape is not None:
        shape = tuple(batch_shape)[1:]
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not shape or any(
            not (n is None or isinstance(n, numbers.Integral) and n >= 1) for n in shape):
        raise ValueError(f"Input needs shape=, a tuple of positive integers per sample such as (4,) "
                         f"(the batch axis is left out; None for a number of steps that varies, as (None,) "
                         f"or (None, 8)); got shape={shape!r}.")
    if is_string_dtype(dtype):
        dtype = STRING                      # texts stay texts: only layers that take strings read them
    else:
        dtype = np.dtype(dtype or config.floatx())
        if not np.issubdtype(dtype, np.floating):
            dtype = np.dtype(config.floatx())     # integer inputs (class indices, counts) are fed as floats
    return SymbolicTensor(tuple(None if n is None else int(n) for n in shape), dtype, name=name)


def call_layer(layer, inputs):
    r"""``layer(inputs)`` on symbolic tensors: build the layer for their shapes (if it is not built)
    and record the node; returns the output tensor."""
    many = isinstance(inputs, (list, tuple))
    tensors = list(inputs) if many else [inputs]
    for t in tensors:
        if not isinstance(t, SymbolicTensor):
            raise TypeError(f"{type(layer).__name__} was called on a mix of symbolic tensors and {type(t).__name__}; "
                            f"call layers on neurona.Input(...) tensors or on arrays, not both.")
    if getattr(layer, "_traced", False) and many and not layer.built:
        layer.n_inputs = len(tensors)          # a custom layer whose call takes a list (z_mean, z_log_var)
    if layer.n_inputs == 1 and len(tensors) != 1:
        raise ValueError(f"{type(layer).__name__} takes one input; got {len(tensors)}. Merge them first "
                         f"(layers.Concatenate()([a, b]) or layers.Add()([a, b])).")
    if layer.n_inputs != 1 and not many:
        raise TypeError(f"{type(layer).__name__} merges several inputs: call it on a list, e.g. "
                        f"{type(layer).__name__}()([a, b]).")
    dtype = tensors[0].dtype
    if any(t.dtype == STRING for t in tensors):
        if not getattr(layer, "takes_strings", False):
            raise TypeError(f"{type(layer).__name__} {layer.display_name()!r} takes numbers and was called on a "
                            f"string input: turn the texts into numbers first with layers.TextVectorization, "
                            f"StringLookup or Hashing.")
        dtype = np.dtype("float32")         # indices and counts, fed on as floats
    shapes = [(None, *t.sample_shape) for t in tensors]
    if layer.built:
        expected = layer.sample_input_shape
        given = tensors[0].sample_shape if layer.n_inputs == 1 else [t.sample_shape for t in tensors]
        if not (_fits(expected, given) if layer.n_inputs == 1 else
                len(expected) == len(given) and all(map(_fits, expected, given))):
            raise ValueError(f"Layer {layer.display_name()!r} was built for inputs of shape {expected} and is "
                             f"now called on {given}.")
        output = layer.sample_output_shape
    else:
        layer.build(shapes[0] if layer.n_inputs == 1 else shapes, dtype=dtype)
        output = layer.sample_output_shape
    node = Node(layer, tensors, output, dtype)
    result = node.output
    shapes = getattr(layer, "sample_output_shapes", None)
    if shapes is not None:                  # several outputs (return_state): one tensor for each
        from .layers.outputs import split
        result = split(node.output, shapes)
    if not isinstance(getattr(type(layer), "input", None), property):   # a model answers from its own graph
        layer.input = tensors[0] if layer.n_inputs == 1 else tensors      # Keras' layer.input / layer.output
        layer.output = result
    return result


def _fits(expected, given) -> bool:
    r"""A sample shape a layer was built for takes ``given``: the same, where None (a number of steps
    that varies) takes any length (a decoder trained on sequences of None steps decodes one step)."""
    return len(expected) == len(given) and all(e is None or e == g for e, g in zip(expected, given))


def apply_op(function: str, *arguments, **keywords):
    r"""A function of ``neurona.ops`` (by name) applied to symbolic tensors (anywhere among its arguments)
    and constants: recorded as an ``Op`` layer, whose backward is the tape's."""
    from .layers.op import record
    return record(function, arguments, keywords, lambda v: isinstance(v, SymbolicTensor))
