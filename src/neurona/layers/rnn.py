r"""``RNN(cell)``: a recurrent layer made of a cell (see ``rnn_cells``), as Keras's ``layers.RNN``.

The layer reads x_1 .. x_T (inputs (m, T, d)) one step at a time, the cell carrying the states:

    s_0 = the initial states (zeros, the cell's get_initial_state, or initial_state=)
    y_t, s_t = cell.call(x_t, s_{t-1})                t = 1 .. T (T .. 1 with go_backwards)

and returns y_T, or y_1 .. y_T (``return_sequences``), and with ``return_state`` the states s_T
too (flat: a stacked cell's states one after the other). At a padded step (the mask) the states
are carried, s_t = s_{t-1}, and the output is the last one's (zeros with ``zero_output_for_mask``).
``stateful=True`` starts each batch from the states the batch before ended with (see ``stateful``).

A single built-in cell (SimpleRNNCell, LSTMCell, GRUCell) runs as its layer (SimpleRNN, LSTM, GRU)
with the same weights: the same outputs and, by hand, the same backpropagation through time. Any
other cell (a user's, StackedRNNCells) runs the loop above in ``neurona.ops`` on the tape, and its
backward is the tape's reverse pass:

    dL/dx, dL/dW = tape.gradient(sum_k sum(dL/dy_k * y_k) + penalty, [x, W])
"""
from __future__ import annotations

import contextlib

import numpy as np

from .. import ops, tree
from ..autodiff.tape import GradientTape
from ..autodiff.tensor import Tensor
from .base import register
from .masking import mask_of, with_mask
from .stateful import Stateful
from .rnn_cells import (RecurrentCell, StackedRNNCells, as_cell, build_cell, call_cell, cell_config, initial_states,
                        output_size)
from .wrappers import Wrapper


def _leaves(cell) -> list:
    r"""The cells that hold weights of their own: a stack's cells (recursively), else the cell."""
    if isinstance(cell, StackedRNNCells):
        return [leaf for inner in cell.cells for leaf in _leaves(inner)]
    return [cell]


@contextlib.contextmanager
def _weights_as(cell, tensors):
    r"""Each leaf cell's weights stand in as ``tensors`` (in the layer's order) while the block runs."""
    k, leaves = 0, _leaves(cell)
    try:
        for leaf in leaves:
            for name, tensor in zip(leaf.param_names, tensors[k:k + len(leaf.params)]):
                setattr(leaf, name, tensor)
            k += len(leaf.params)
        yield
    finally:
        for leaf in leaves:
            for name, array in zip(leaf.param_names, leaf.params):
                setattr(leaf, name, array)


@register("rnn")
class RNN(Stateful, Wrapper):
    r"""A recurrent layer of ``cell`` (a cell, or a list of cells: a StackedRNNCells). Weights: the
    cell's. ``initial_state=`` (or ``layer([x, *states])``) starts from given states."""

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, zero_output_for_mask: bool = False,
                 name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        self.cell = as_cell("RNN", cell)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.unroll = bool(go_backwards), bool(unroll)
        self._setup_stateful(stateful, keras_arguments)
        self._runner = None
        if isinstance(self.cell, RecurrentCell):
            batch = {} if self._fixed_batch is None else {"batch_size": self._fixed_batch}
            self._runner = self.cell.sequence_layer(return_sequences=self.return_sequences,
                                                    return_state=self.return_state, go_backwards=self.go_backwards,
                                                    stateful=self.stateful, unroll=self.unroll, **batch)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self._recorded = self._initial = None

    @property
    def zero_output_for_mask(self) -> bool:
        return self._zero_output_for_mask

    @zero_output_for_mask.setter
    def zero_output_for_mask(self, value):
        self._zero_output_for_mask = bool(value)
        if self._runner is not None:
            self._runner.zero_output_for_mask = self._zero_output_for_mask

    @property
    def states(self):
        r"""The states the next batch starts from (stateful layers; see ``Stateful``), else None."""
        return self._runner.states if self._runner is not None else Stateful.states.fget(self)

    def reset_states(self, states=None):
        if self._runner is not None:
            return self._runner.reset_states(states)
        return Stateful.reset_states(self, states)

    reset_state = reset_states

    @property
    def state_size(self):
        return self.cell.state_size

    @property
    def state_count(self) -> int:
        return len(tree.flatten(self.cell.state_size))

    def _inner_layers(self):
        return [self._runner if self._runner is not None else self.cell]

    def _prefixed(self):
        return [("", self._inner_layers()[0])]

    # -- initial states and state outputs ---------------------------------------------------------
    def __call__(self, inputs, training=None, initial_state=None, **kwargs):
        r"""``layer(x)``, ``layer(x, initial_state=states)`` or ``layer([x, *states])`` (Keras's forms)."""
        if initial_state is not None:
            inputs = [inputs, *tree.flatten(list(initial_state) if isinstance(initial_state, tuple)
                                           else initial_state)]
        if isinstance(inputs, (list, tuple)):
            count = len(inputs) - 1
            if count != self.state_count:
                raise ValueError(f"RNN: initial_state takes the cell's {self.state_count} state(s) (state_size "
                                 f"{self.cell.state_size}); got {count}.")
            if self.built and self.n_inputs == 1:
                raise ValueError("RNN was built without initial_state; a layer is called with initial states "
                                 "at its first call or never.")
            self.n_inputs = 1 + count
            if self._runner is not None:
                self._runner.n_inputs = self.n_inputs
        return super().__call__(inputs, training, **kwargs)

    @property
    def sample_output_shapes(self):
        r"""The per-sample shape of each output when the layer has several (return_state), else None."""
        if not self.return_state:
            return None
        return [self.sample_output_shape] + [(int(n),) for n in tree.flatten(self.cell.state_size)]

    def setup(self, input_shape, rng, dtype):
        shapes = input_shape if self.n_inputs != 1 else [input_shape]
        if len(shapes[0]) != 2:
            raise ValueError(f"RNN needs inputs of shape (timesteps, features); got samples of shape {shapes[0]}.")
        if self._runner is not None:
            built = self.cell.built
            weights = self.cell.get_weights() if built else None
            shape = self._runner.build([(None, *s) for s in shapes] if self.n_inputs != 1 else (None, *shapes[0]),
                                       rng, dtype)
            if built:                       # a cell built before: its weights carry over
                self._runner.set_weights(weights)
            self.cell.built = True
            return shape
        if not self.cell.built:
            build_cell(self.cell, shapes[0][1:], rng, dtype)
        size = output_size(self.cell)
        return (shapes[0][0], size) if self.return_sequences else (size,)

    # -- the pass -------------------------------------------------------------------------------
    def forward(self, x, training=False):
        if self._runner is not None:
            return self._runner.forward(x, training)
        given = list(x) if self.n_inputs != 1 else [x]
        self._initial = None
        if self.stateful and self.n_inputs == 1:
            self._initial = self.carried_states(given[0].shape[0], lambda m: self._zero_states(m, given[0].dtype))
        out = self._taped_forward(x, given, training)
        if self.stateful:
            self.keep_states(self._finals)
        return out

    def _zero_states(self, m, dtype):
        return tree.flatten(initial_states(self.cell, m, dtype))

    def _taped_forward(self, x, given, training):
        if not training:
            out, _ = self.tape_forward(x, self.params, training=False)
            self._recorded = None
            values = [with_mask(np.asarray(getattr(o, "data", o)), mask_of(o)) for o in (out if self.return_state
                                                                                      else [out])]
            return values if self.return_state else values[0]
        tape = GradientTape(persistent=True)
        with tape:
            inputs = [with_mask(Tensor(np.asarray(a)), mask_of(a)) for a in given]
            tape.watch(inputs)
            weights = [tape.watch_array(p) for p in self.params]
            out, penalty = self.tape_forward(inputs if self.n_inputs != 1 else inputs[0], weights, training=True)
        outs = list(out) if self.return_state else [out]
        self._recorded = (tape, outs, penalty, inputs, weights)
        data = [with_mask(o.data, mask_of(o)) for o in outs]
        return data if self.return_state else data[0]

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if self._runner is not None:
            return self._runner.backward(grad, pre_activation, need_input_grad)
        tape, outs, penalty, inputs, weights = self._recorded
        grads = list(grad) if self.return_state else [grad]
        with tape:              # L = sum_k sum(dL/dy_k * y_k) + penalty: its gradient is the backward
            target = penalty if isinstance(penalty, Tensor) else Tensor(np.asarray(penalty, dtype=outs[0].dtype))
            for out, g in zip(outs, grads):
                if g is not None:
                    target = target + ops.sum(out * Tensor(np.asarray(g, dtype=out.dtype)))
        found = tape.gradient(target, inputs + weights, unconnected_gradients="zero")
        for g, new in zip(self.grads, found[len(inputs):]):
            g[...] = new
        if not need_input_grad:
            return None
        return found[0] if self.n_inputs == 1 else list(found[:len(inputs)])

    def tape_forward(self, x, params, training=False):
        r"""(output, penalty) of the loop in ``neurona.ops``, the cell's weights standing in as ``params``."""
        if self._runner is not None:
            return self._runner.tape_forward(x, params)
        with _weights_as(self.cell, list(params)):
            out = self._loop(x, training)
            m = (x[0] if self.n_inputs != 1 else x).shape[0]
            return out, self._weight_penalty(params, m)

    def _weight_penalty(self, params, m):
        r"""R(w) of each built-in cell's weight regularizers (kernel_regularizer, ...)."""
        total, k = 0.0, 0
        for leaf in _leaves(self.cell):
            for name, tensor in zip(leaf.param_names, params[k:k + len(leaf.params)]):
                regularizer = getattr(leaf, f"{name}_regularizer", None) if isinstance(leaf, RecurrentCell) else None
                if regularizer is not None:
                    total = total + regularizer.call(tensor, m)
            k += len(leaf.params)
        return total

    def _loop(self, inputs, training):
        x, initial = (inputs, None) if self.n_inputs == 1 else (inputs[0], list(inputs[1:]))
        if initial is None and self.stateful:       # the states this batch started from
            initial = self._initial if self._initial is not None else self.states
        mask = mask_of(x)
        m, T = x.shape[0], x.shape[1]
        structure = initial_states(self.cell, m, x.dtype)
        structure = structure if tree.is_nested(structure) else [structure]     # a cell gets a list of states
        states = tree.flatten(structure) if initial is None else initial
        if hasattr(self.cell, "reset_dropout_mask"):
            self.cell.reset_dropout_mask()
        outputs, last = [], None
        for t in (range(T - 1, -1, -1) if self.go_backwards else range(T)):
            out, new = call_cell(self.cell, x[:, t], tree.pack_sequence_as(structure, states), training)
            new = tree.flatten(new)
            if mask is not None:
                real = mask[:, t][:, None]
                new = [ops.where(real, n, s) for n, s in zip(new, states)]
                held = ops.zeros_like(out) if last is None or self.zero_output_for_mask else last
                out = ops.where(real, out, held)
            states, last = new, out
            outputs.append(out)
        self._finals = states
        y = outputs[-1] if not self.return_sequences else with_mask(ops.stack(outputs, axis=1), mask)
        return [y, *states] if self.return_state else y

    def call(self, inputs):
        r"""The tape form: the loop above (or the built-in cell's layer's) on the layer's weights."""
        return self._call(inputs)

    def get_config(self) -> dict:
        return {"name": "rnn", "cell": cell_config(self.cell), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask, "layer_name": self.name}

    def describe(self):
        sequences = ", sequences" if self.return_sequences else ""
        return f"RNN, {type(self.cell).__name__}{sequences}"
