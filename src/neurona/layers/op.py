r"""Op: a function of ``neurona.ops`` inside a functional graph, e.g. ``2 * x``, ``x[:, 0]``,
``ops.mean(x, axis=-1)`` or ``ops.tensordot(u, v, 2)`` on symbolic tensors (in ``Model.call`` or the
functional API).

Its forward is the function run on autodiff Tensors while a tape records; its backward is that
tape's reverse pass, whose derivatives are the table of ``autodiff.derivatives``:

    dL/dx_k = sum over the outputs y_j of  tape.gradient(y_j, x_k, output_gradients = dL/dy_j)

A model file names the function; it resolves only to a public function of ``neurona.ops`` (nothing
is imported), and the call's constants are kept in the JSON form of ``op_arguments``.
"""
from __future__ import annotations

import numpy as np

from ..autodiff.tape import GradientTape
from ..autodiff.tensor import Tensor
from . import op_arguments
from .base import Layer, register

#: names of the functions of neurona.autodiff.ops that model files of earlier versions hold
_FORMER_NAMES = {"getitem": "get_item"}


def operation(name):
    r"""The public function of ``neurona.ops`` called ``name`` (a ValueError for any other name)."""
    from .. import ops
    name = _FORMER_NAMES.get(name, name) if isinstance(name, str) else name
    if not isinstance(name, str) or name not in ops.OPERATIONS:
        raise ValueError(f"Op: unknown operation {name!r}; it must name a public function of neurona.ops "
                         f"(such as 'tensordot' or 'mean').")
    return name, getattr(ops, name)


def _probe(shape, m: int, steps: int, dtype):
    r"""The values an Op is first run on to find its output shape, for ``shape`` as Keras writes it (a
    batch of m samples for a first None, ``steps`` for another None): 1/2, and 1 on the diagonal of the
    last two axes, so that a matrix is symmetric positive definite (cholesky, inv and solve accept it)."""
    shape = tuple(m if k == 0 and n is None else steps if n is None else n for k, n in enumerate(shape))
    if len(shape) < 2:
        return np.full(shape, 0.5, dtype=dtype)
    return (0.5 + 0.5 * np.eye(shape[-2], shape[-1]) * np.ones(shape)).astype(dtype)


def _outputs(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _array(value):
    return value.data if isinstance(value, Tensor) else np.asarray(value)


@register("op")
class Op(Layer):
    r"""``function`` (a name in ``neurona.ops``) applied to ``arguments`` and ``keywords``, where each
    Slot (``{"class_name": "__input__", ...}`` in a file) is one of the layer's inputs. The older form
    ``constants`` lists the positional arguments with None where the inputs go, in order.

    ``input_shapes`` gives each input's shape as Keras writes it: (None, 3) for a batch of samples of
    shape (3,), (None,) for a batch of numbers, and no None first for a value of the whole batch (an
    output is one when the function sums over the batch, ``ops.tensordot(u, v, 2)`` of two (m, n)
    tensors, as Keras computes it). ``input_dtypes`` names their dtypes (a comparison gives bools)."""

    n_inputs = None

    def __init__(self, function: str, constants=None, keywords=None, arguments=None, input_shapes=None, input_dtypes=None,
                 name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.function, self._function = operation(function)
        if constants is not None:
            slots = iter(range(len(constants)))
            arguments = [op_arguments.Slot(next(slots)) if c is None else c for c in constants]
        self._arguments = op_arguments.from_json(list(arguments if arguments is not None else [op_arguments.Slot(0)]))
        self._keywords = op_arguments.from_json(dict(keywords or {}))
        self._count = _count_slots([self._arguments, self._keywords])
        self.n_inputs = 1 if self._count == 1 else None
        self.input_shapes = None if input_shapes is None else [
            [None if n is None else int(n) for n in shape] for shape in input_shapes]
        self.input_dtypes = None if input_dtypes is None else [np.dtype(d).name for d in input_dtypes]
        self.batched_output = True
        self.output_dtypes = None
        self._shapes = None
        op_arguments.to_json(self._arguments)            # refused now if a file cannot hold it
        op_arguments.to_json(self._keywords, "keyword")

    @property
    def arguments(self):
        return op_arguments.to_json(self._arguments)

    @property
    def keywords(self):
        return op_arguments.to_json(self._keywords, "keyword")

    @property
    def constants(self):
        return None

    def get_config(self):
        config = super().get_config()
        config.pop("constants", None)
        return config

    @property
    def sample_output_shapes(self):
        r"""The per-sample shape of each output when the function gives several (moments, top_k), else None."""
        return self._shapes

    def call(self, inputs):
        r"""The function on Tensors, each input in its Slot."""
        inputs = inputs if isinstance(inputs, list) else [inputs]
        return self._function(*op_arguments.fill(self._arguments, inputs),
                              **op_arguments.fill(self._keywords, inputs))

    def _run(self, xs, record: bool):
        r"""(the output arrays, whether the function gave several, the tape and its Tensors if ``record``)."""
        arrays = list(xs) if isinstance(xs, (list, tuple)) else [xs]
        # index and boolean inputs (a comparison's result) carry no gradient: they stay arrays
        inputs = [Tensor(x) if np.issubdtype(np.asarray(x).dtype, np.floating) else np.asarray(x) for x in arrays]
        if not record:
            out = self.call(inputs)
            return [_array(v) for v in _outputs(out)], isinstance(out, (list, tuple)), None, None
        with GradientTape(persistent=True) as tape:
            tape.watch([x for x in inputs if isinstance(x, Tensor)])
            out = _outputs(self.call(inputs))
        return [_array(v) for v in out], len(out) > 1, tape, (out, inputs)

    def setup(self, input_shape, rng, dtype):
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        keras_shapes = self.input_shapes or [(None, *s) for s in shapes]
        found = []
        # two probes, of 2 and 3 samples of 4 and 5 steps (where steps vary): an axis that follows the
        # batch is the batch axis (first) or ties the samples to each other (an error); one that
        # follows the steps varies
        for m, steps in ((2, 4), (3, 5)):
            probes = [_probe(shape, m, steps, kind) for shape, kind in
                      zip(keras_shapes, self.input_dtypes or [dtype] * len(shapes))]
            with np.errstate(all="ignore"):
                out, many, _, _ = self._run(probes, record=False)
            found.append(out)
        batched = [o.ndim > 0 and (o.shape[0], p.shape[0]) == (2, 3) for o, p in zip(*found)]
        ties = [pair == (2, 3) for o, p, first in zip(*found, batched) for pair in list(zip(o.shape, p.shape))[first:]]
        if any(ties) or len(set(batched)) > 1 or any(o.ndim != p.ndim for o, p in zip(*found)):
            raise ValueError(f"Op {self.function!r}: inputs of shape {keras_shapes} give outputs of shape "
                             f"{[o.shape for o in found[0]]} for 2 samples and {[o.shape for o in found[1]]} for 3; "
                             f"each output must keep the batch axis first (and no other axis of the batch's "
                             f"size), or all must be values of the whole batch.")
        self.batched_output = all(batched)
        self.output_dtypes = [o.dtype for o in found[0]]
        cut = 1 if self.batched_output else 0
        sizes = [tuple(a if a == b else None for a, b in zip(o.shape[cut:], p.shape[cut:])) for o, p in zip(*found)]
        self._shapes = sizes if many else None
        return sizes[0]

    def forward(self, x, training=False):
        values, _, self._tape, self._recorded = self._run(x, record=True)
        return values if self._shapes is not None else values[0]

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        outs, inputs = self._recorded
        grads = [np.zeros_like(np.asarray(x.data if isinstance(x, Tensor) else x), dtype=float) for x in inputs]
        for out, g in zip(outs, grad if self._shapes is not None else [grad]):
            if g is None or not isinstance(out, Tensor) or out.op is None or not out.is_floating:
                continue
            for k, x in enumerate(inputs):
                if isinstance(x, Tensor):
                    grads[k] = grads[k] + self._tape.gradient(out, x, output_gradients=g,
                                                              unconnected_gradients="zero")
        grads = [g.astype(np.asarray(x.data if isinstance(x, Tensor) else x).dtype, copy=False)
                 if isinstance(x, Tensor) else g for g, x in zip(grads, inputs)]
        return grads[0] if self.n_inputs == 1 else grads

    def describe(self):
        return f"Op, {self.function}"


def _count_slots(value) -> int:
    r"""The number of distinct inputs the arguments take (the largest Slot index + 1)."""
    if isinstance(value, op_arguments.Slot):
        return value.index + 1
    if isinstance(value, (list, tuple)):
        return max([_count_slots(v) for v in value] + [0])
    if isinstance(value, dict):
        return max([_count_slots(v) for v in value.values()] + [0])
    return 0


def record(function: str, arguments: tuple, keywords: dict, is_input):
    r"""``function(*arguments, **keywords)`` on symbolic tensors (``is_input``): an Op layer called on
    them, returning its output (a tuple of outputs when the function gives several)."""
    inputs = []
    arguments = op_arguments.slots_for(list(arguments), is_input, inputs)
    keywords = op_arguments.slots_for(dict(keywords), is_input, inputs)
    layer = Op(function, keywords=keywords, arguments=arguments, input_shapes=[list(t.shape) for t in inputs],
               input_dtypes=[t.dtype.name for t in inputs])
    out = layer(inputs) if len(inputs) > 1 else layer(inputs[0])
    for tensor, dtype in zip(out if isinstance(out, list) else [out], layer.output_dtypes):
        tensor.batched, tensor.dtype = layer.batched_output, dtype
    return tuple(out) if isinstance(out, list) else out
