r"""Recurrent cells, as Keras's: what one step of a recurrent layer does, for ``layers.RNN``.

A cell maps the input of a step and the states at t - 1 to its output and the states at t,

    output, [h_t(, c_t)] = cell.call(x_t, [h_{t-1}(, c_{t-1})])          x_t: (m, d)

and says the states' sizes (``state_size``: an int, or a list of ints) and its output's
(``output_size``). SimpleRNNCell, LSTMCell and GRUCell take the arguments of SimpleRNN, LSTM and
GRU except those of reading a sequence (``return_sequences``, ``go_backwards``, ...), and hold the
same weights in the same layout (kernel, recurrent_kernel, bias): their step is the layer's
(``Recurrent.step``), and ``RNN(LSTMCell(u))`` runs as ``LSTM(u)``, backpropagation through time by
hand. StackedRNNCells chains cells within a step: cell k reads cell k - 1's output,

    y^0 = x_t,   y^k, s^k_t = cell_k(y^{k-1}, s^k_{t-1}),   output = y^K

A user's cell is a Keras-style ``Layer`` with ``state_size`` and ``call(inputs, states)``; its
gradient is the tape's (see ``layers.rnn``).
"""
from __future__ import annotations

import inspect

import numpy as np

from .. import custom_objects, tree
from ..registry import Configurable, Registry
from .base import Layer
from .recurrent import GRU, LSTM, SimpleRNN
from .wrappers import Wrapper

#: the cells by name (a cell is a Layer, but not one a model stacks: it lives in RNN)
registry = Registry("cell", Layer)

#: arguments of a recurrent layer about reading a whole sequence: RNN's, not a cell's
SEQUENCE_ARGUMENTS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "use_cudnn")


def _one_step(cell):
    return TypeError(f"{type(cell).__name__} is one step of a recurrent layer: it reads sequences in "
                     f"layers.RNN({type(cell).__name__}(...)), or steps by call(x_t, states).")


def _delegated(name):
    r"""An attribute of the cell that is its step layer's (read and written there)."""
    return property(lambda self: getattr(self._layer, name), lambda self, value: setattr(self._layer, name, value))


class RecurrentCell(Layer):
    r"""A built-in cell: the arguments, weights and step of a recurrent layer of ``layer_class``."""

    layer_class = None

    def __init__(self, units: int, name: str | None = None, **arguments):
        owner = type(self).__name__
        refused = sorted(set(arguments) & set(SEQUENCE_ARGUMENTS))
        if refused:
            raise TypeError(f"{owner} is one step; {', '.join(refused)} belong to the layer that reads the "
                            f"sequence: RNN({owner}(...), {refused[0]}=...).")
        keras_arguments = {k: arguments[k] for k in ("trainable", "dtype") if k in arguments}
        try:
            self._layer = self.layer_class(units, **arguments)
        except TypeError as error:
            raise TypeError(str(error).replace(self.layer_class.__name__, owner, 1)) from None
        self._arguments = arguments
        super().__init__(name, **keras_arguments)
        self._masks = None

    # the weights and arguments are the step layer's
    params, grads, param_names = _delegated("params"), _delegated("grads"), _delegated("param_names")
    kernel, recurrent_kernel, bias = _delegated("kernel"), _delegated("recurrent_kernel"), _delegated("bias")
    activation = _delegated("activation")

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._layer, name)

    @property
    def state_size(self):
        return [self.units, self.units] if self._layer.state_count == 2 else self.units

    @property
    def output_size(self) -> int:
        return self.units

    def sequence_layer(self, **sequence_arguments) -> Layer:
        r"""A recurrent layer of this cell's arguments reading whole sequences; from now on the cell's
        weights are that layer's (what ``RNN(cell)`` runs)."""
        layer = self.layer_class(self.units, **{**self._arguments, **sequence_arguments})
        self._layer = layer
        return layer

    def setup(self, input_shape, rng, dtype):
        if len(input_shape) != 1:
            raise ValueError(f"{type(self).__name__} reads steps of shape (features,); got samples of shape "
                             f"{input_shape}.")
        self._layer.build((None, 1, input_shape[0]), rng, dtype)
        return (self.units,)

    def set_param_arrays(self, params, grads):
        self._layer.set_param_arrays(params, grads)

    def penalty(self, m):
        return self._layer.penalty(m)

    def reset_dropout_mask(self):
        r"""Draw new dropout masks at the next step (each sequence keeps one for all its steps)."""
        self._masks = None

    reset_recurrent_dropout_mask = reset_dropout_mask

    def get_dropout_mask(self, step_input):
        r"""The masks (m, d) of the inputs and (m, u) of h_{t-1} of this sequence's steps (None for a rate
        of 0), drawn at its first step: keep with probability 1 - rate, scaled by 1 / (1 - rate)."""
        if self._masks is None:
            m, d = step_input.shape
            rng = self._rng if self._rng is not None else np.random.default_rng(self.seed)
            keep = lambda rate, n: None if rate == 0 else (            # noqa: E731
                (rng.random((m, n)) >= rate) / (1 - rate)).astype(step_input.dtype)
            self._masks = keep(self.dropout, d), keep(self.recurrent_dropout, self.units)
        return self._masks

    def forward(self, x, training=False):
        raise _one_step(self)

    def __call__(self, inputs, states, training=None):
        r"""``cell(x_t, states)``: one step (the cell built for x_t's features at its first call)."""
        if not self.built:
            self.build((None, np.shape(inputs)[-1]), dtype=np.asarray(getattr(inputs, "data", inputs)).dtype)
        return self.call(inputs, states, training=bool(training))

    def call(self, inputs, states, training=False):
        r"""(output, new states) of one step; the states a list, or one array for a single state."""
        nested = tree.is_nested(states)
        dropping = training and (self.dropout > 0 or self.recurrent_dropout > 0)
        masks = self.get_dropout_mask(inputs) if dropping else (None, None)
        new = self._layer.step(inputs, list(states) if nested else [states], *masks)
        return new[0], (new if nested else new[0])

    def get_config(self) -> dict:
        config = {key: value for key, value in self._layer.get_config().items()
                  if key not in SEQUENCE_ARGUMENTS and key not in ("name", "layer_name", "activity_regularizer")}
        return {"name": self.registry_name, **config, "layer_name": self.name}

    @classmethod
    def from_config(cls, config: dict):
        return registry.get({**config, "name": cls.registry_name})

    def describe(self):
        return type(self).__name__


@registry.register("simple_rnn_cell")
class SimpleRNNCell(RecurrentCell):
    r"""One step of SimpleRNN: h_t = f(x_t W + h_{t-1} U + b); ``state_size`` = units."""
    layer_class = SimpleRNN


@registry.register("lstm_cell")
class LSTMCell(RecurrentCell):
    r"""One step of LSTM: the gates i, f, c, o of z_t = x_t W + h_{t-1} U + b, c_t = f c_{t-1} + i g,
    h_t = o tanh(c_t); ``state_size`` = [units, units] (h, c)."""
    layer_class = LSTM


@registry.register("gru_cell")
class GRUCell(RecurrentCell):
    r"""One step of GRU (``reset_after`` as GRU's): h_t = z h_{t-1} + (1 - z) h~; ``state_size`` = units."""
    layer_class = GRU


def as_cell(owner, cell):
    r"""``cell`` checked (a ``call`` and a ``state_size``); a config (``cell_config``'s) becomes its cell."""
    if isinstance(cell, dict):
        cell = _cell_from_config(owner, cell)
    if not callable(getattr(cell, "call", None)) or getattr(cell, "state_size", None) is None:
        raise ValueError(f"{owner}: a cell is a Layer with call(inputs, states) and state_size (an int, or a list of "
                         f"ints: one per state); got {cell!r:.80}.")
    if not isinstance(cell, Layer):
        raise TypeError(f"{owner}: a cell is a keras.layers.Layer subclass; got {type(cell).__name__}.")
    return cell


def cell_config(cell) -> dict:
    r"""A cell's config for files: a built-in cell's own; a user's cell, its class name and the config
    of its ``get_config`` (empty without one)."""
    if isinstance(cell, (RecurrentCell, StackedRNNCells)):
        return cell.get_config()
    own = {} if type(cell).get_config is Configurable.get_config else cell.get_config()
    return {"custom_class": type(cell).__name__, "config": own}


def _cell_from_config(owner, config):
    if "custom_class" not in config:
        return registry.get(config)
    name, known = config["custom_class"], custom_objects.known()
    if name not in known:
        raise ValueError(f"{owner}: the config holds the custom cell {name!r}: pass custom_objects={{{name!r}: "
                         f"{name}}} or decorate the class with @keras.saving.register_keras_serializable(); known "
                         f"custom objects: {sorted(known) or 'none'}.")
    return known[name].from_config(dict(config["config"]))


def output_size(cell) -> int:
    r"""The size of a cell's output: its ``output_size``, else its first state's size."""
    size = getattr(cell, "output_size", None)
    return int(size) if size is not None else int(tree.flatten(cell.state_size)[0])


def initial_states(cell, batch_size, dtype):
    r"""The cell's states before the first step, in the nesting of its ``state_size``: its
    ``get_initial_state(batch_size)`` if it has one, else zeros."""
    own = getattr(cell, "get_initial_state", None)
    if own is not None:
        states = own(batch_size=batch_size)
        return tree.map_structure(lambda s: np.asarray(getattr(s, "data", s), dtype=dtype), states)
    return tree.map_structure(lambda n: np.zeros((batch_size, int(n)), dtype=dtype), cell.state_size)


def call_cell(cell, inputs, states, training):
    r"""``cell.call(inputs, states)``, with ``training`` if its call takes it."""
    if "training" in inspect.signature(cell.call).parameters:
        return cell.call(inputs, states, training=training)
    return cell.call(inputs, states)


def build_cell(cell, input_shape, rng, dtype) -> tuple:
    r"""Build ``cell`` for steps of per-sample shape ``input_shape``; returns its output's shape. A
    user's cell is built as a custom layer, whose build probes ``call(x)`` with one argument: for
    that probe its call gets the states before the first step."""
    if isinstance(cell, (RecurrentCell, StackedRNNCells)):
        return cell.build((None, *input_shape), rng, dtype)
    states = initial_states(cell, 2, dtype)
    step = type(cell).call
    vars(cell)["call"] = lambda x: step(cell, x, states)[0]
    try:
        return cell.build((None, *input_shape), rng, dtype)
    finally:
        del vars(cell)["call"]


@registry.register("stacked_rnn_cells")
class StackedRNNCells(Wrapper):
    r"""Cells run one after the other within each step, as one cell: cell k reads cell k - 1's output.
    Its ``state_size`` is the list of the cells' (nested), its output the last cell's; its weights
    are the cells', in order (named ``cells.k.<weight>``)."""

    def __init__(self, cells, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"StackedRNNCells takes a non-empty list of cells; got {cells!r:.80}.")
        self.cells = [as_cell("StackedRNNCells", cell) for cell in cells]

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        return output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        return [initial_states(cell, batch_size, np.float32) for cell in self.cells]

    def _inner_layers(self):
        return self.cells

    def _prefixed(self):
        return [(f"cells.{k}.", cell) for k, cell in enumerate(self.cells)]

    def setup(self, input_shape, rng, dtype):
        for cell in self.cells:
            input_shape = build_cell(cell, input_shape, rng, dtype)
        return input_shape

    def reset_dropout_mask(self):
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def forward(self, x, training=False):
        raise _one_step(self)

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, own in zip(self.cells, states):
            nested = tree.is_nested(own)
            inputs, new = call_cell(cell, inputs, list(own) if nested else [own], training)
            new = list(new) if tree.is_nested(new) else [new]
            new_states.append(new if nested or len(new) > 1 else new[0])
        return inputs, new_states

    def get_config(self) -> dict:
        return {"name": "stacked_rnn_cells", "cells": [cell_config(cell) for cell in self.cells],
                "layer_name": self.name}

    @classmethod
    def from_config(cls, config: dict):
        return registry.get({**config, "name": cls.registry_name})

    def describe(self):
        return f"StackedRNNCells, {len(self.cells)} cells"
