r"""Layers that wrap another layer: Bidirectional (a recurrent layer read both ways) and
TimeDistributed (one layer applied to every time step).

A wrapper owns its inner layers' weights (its ``params`` are theirs, in Keras's order: forward
then backward) and its forward and backward are theirs, combined:

    Bidirectional:    y = merge(RNN_fwd(x_1 .. x_T), RNN_bwd(x_T .. x_1))
                      concat: [y_f, y_b];  sum: y_f + y_b;  mul: y_f * y_b;  ave: (y_f + y_b) / 2
                      dL/dx = dL/dx through RNN_fwd + dL/dx through RNN_bwd
    TimeDistributed:  y_t = layer(x_t) for t = 1 .. T: the steps are stacked as extra samples,
                      (m, T, ...) -> (m T, ...), and the layer's own forward and backward run once
"""
from __future__ import annotations

import numpy as np

from .. import ops
from .base import Layer, get, register
from .masking import mask_of, with_mask

_MERGE_MODES = ("concat", "sum", "mul", "ave")


def _inner(owner, layer):
    layer = get(layer) if isinstance(layer, (dict, str)) else layer
    if not isinstance(layer, Layer):
        raise TypeError(f"{owner} wraps a layer (e.g. LSTM(64)); got {type(layer).__name__}.")
    return layer


class Wrapper(Layer):
    r"""The inner layers' weights seen as the wrapper's own (the model packs them in its flat vector)."""

    def _inner_layers(self) -> list:
        raise NotImplementedError

    def _adopt(self):
        self.params, self.param_names, self.grads = [], [], []
        for prefix, layer in self._prefixed():
            self.params += layer.params
            self.grads += layer.grads
            self.param_names += [prefix + name for name in layer.param_names]

    def _prefixed(self):
        return [("", layer) for layer in self._inner_layers()]

    def build(self, input_shape, rng=None, dtype=None):
        output = super().build(input_shape, rng, dtype)
        self._adopt()
        return output

    def set_param_arrays(self, params, grads):
        for layer, p, g in zip(self._inner_layers(), self._split(list(params)), self._split(list(grads))):
            layer.set_param_arrays(p, g)
        self._adopt()

    def penalty(self, m):
        return sum(layer.penalty(m) for layer in self._inner_layers())

    def forward_record(self):
        return {"self": dict(vars(self)), "inner": [layer.forward_record() for layer in self._inner_layers()]}

    def restore_forward_record(self, record):
        vars(self).update(record["self"])
        for layer, saved in zip(self._inner_layers(), record["inner"]):
            layer.restore_forward_record(saved)

    def _split(self, params):
        r"""``params`` (the wrapper's list) cut into each inner layer's own."""
        out, k = [], 0
        for layer in self._inner_layers():
            out.append(params[k:k + len(layer.params)])
            k += len(layer.params)
        return out

    def _call(self, inputs):
        r"""The tape form: the inner layers' own tape forms (``tape_forward``), combined."""
        return self.tape_forward(inputs, [getattr(self, name) for name in self.param_names])[0]


@register("bidirectional")
class Bidirectional(Wrapper):
    r"""A recurrent layer read forwards and (a copy of it) backwards, the two outputs merged.

        y = merge(y_f, y_b)      y_f = layer(x_1 .. x_T),  y_b = copy(x_T .. x_1) (its sequence put back
                                 in time order, so y_t sees x_1 .. x_t and x_t .. x_T)

    ``merge_mode``: "concat" (default; 2u features), "sum", "mul" or "ave". Weights: the forward
    layer's, then the backward layer's (Keras's order). With a mask, the padded steps of returned
    sequences are zeros (as Keras). A layer with ``return_state`` gives [y, forward states ..,
    backward states ..] (Keras's order), each state's gradient going back to the layer that made it.
    """

    def __init__(self, layer, merge_mode: str = "concat", backward_layer=None, name: str | None = None,
                 **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.layer = _inner("Bidirectional", layer)
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {', '.join(_MERGE_MODES)}; got "
                             f"{merge_mode!r}.")
        self.merge_mode = merge_mode
        self.backward_layer = None if backward_layer is None else _inner("Bidirectional", backward_layer)
        if not hasattr(self.layer, "go_backwards"):
            raise TypeError(f"Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU); got "
                            f"{type(self.layer).__name__}.")
        self.forward_layer = self.layer
        if self.backward_layer is None:
            config = {**self.layer.get_config(), "go_backwards": not self.layer.go_backwards}
            config.pop("layer_name", None)
            self._backward = type(self.layer).from_config(config)
        else:
            self._backward = self.backward_layer
        for inner in (self.forward_layer, self._backward):
            inner.zero_output_for_mask = inner.return_sequences
        self.return_sequences = self.layer.return_sequences
        self.return_state = self.layer.return_state

    @property
    def sample_output_shapes(self):
        r"""With return_state: the merged output's shape, then each inner layer's states'."""
        if not self.return_state:
            return None
        return [self.sample_output_shape, *self.forward_layer.sample_output_shapes[1:],
                *self._backward.sample_output_shapes[1:]]

    def _parts(self, out):
        r"""[y, states ..] of an inner layer's output."""
        return list(out) if self.return_state else [out]
    def _inner_layers(self):
        return [self.forward_layer, self._backward]

    def _prefixed(self):
        return [("forward_", self.forward_layer), ("backward_", self._backward)]

    def setup(self, input_shape, rng, dtype):
        shapes = [layer.build((None, *input_shape), rng, dtype) for layer in self._inner_layers()]
        out = shapes[0]
        return (*out[:-1], out[-1] + shapes[1][-1]) if self.merge_mode == "concat" else out

    def _flip(self, y):
        return y[:, ::-1] if self.return_sequences and y is not None else y

    def _merge(self, a, b, concatenate):
        if self.merge_mode == "concat":
            return concatenate([a, b], axis=-1)
        if self.merge_mode == "sum":
            return a + b
        if self.merge_mode == "mul":
            return a * b
        return (a + b) * 0.5

    def forward(self, x, training=False):
        a, *states_a = self._parts(self.forward_layer.forward(x, training))
        b, *states_b = self._parts(self._backward.forward(x, training))
        b = self._flip(b)
        if training:
            self._a, self._b = a, b
        y = self._carry(self._merge(a, b, np.concatenate), x)
        return [y, *states_a, *states_b] if self.return_state else y

    def _carry(self, y, x):
        r"""A returned sequence keeps the steps, and so the mask."""
        return with_mask(y, mask_of(x)) if self.return_sequences else y

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        states_a = states_b = []
        if self.return_state:
            grad, *states = grad
            n = self.forward_layer.state_count
            states_a, states_b = states[:n], states[n:]
        if grad is None:
            ga = gb = None
        elif self.merge_mode == "concat":
            n = self._a.shape[-1]
            ga, gb = grad[..., :n], grad[..., n:]
        elif self.merge_mode == "sum":
            ga = gb = grad
        elif self.merge_mode == "mul":
            ga, gb = grad * self._b, grad * self._a
        else:
            ga = gb = grad * 0.5
        gb = self._flip(gb)
        dx_a, dx_b = [layer.backward([g, *gs] if self.return_state else np.ascontiguousarray(g),
                                     need_input_grad=need_input_grad)
                      for layer, g, gs in ((self.forward_layer, ga, states_a), (self._backward, gb, states_b))]
        return dx_a + dx_b if need_input_grad else None

    def tape_forward(self, x, params):
        (a, pa), (b, pb) = [layer.tape_forward(x, p) for layer, p in zip(self._inner_layers(), self._split(params))]
        (a, *states_a), (b, *states_b) = self._parts(a), self._parts(b)
        if self.return_sequences:
            b = b[:, ::-1]
        y = self._carry(self._merge(a, b, ops.concatenate), x)
        return ([y, *states_a, *states_b] if self.return_state else y), pa + pb

    def call(self, inputs):
        return self._call(inputs)

    def describe(self):
        return f"Bidirectional, {self.layer.describe()}, {self.merge_mode}"


@register("time_distributed")
class TimeDistributed(Wrapper):
    r"""Applies ``layer`` to every time step:  y[:, t] = layer(x[:, t]).  The steps become samples,
    (m, T, ...) -> (m T, ...), so the layer runs once (one GEMM for a Dense) and its backward
    sums its weight gradients over the steps as it does over samples. The mask is handed on."""

    def __init__(self, layer, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.layer = _inner("TimeDistributed", layer)

    def _inner_layers(self):
        return [self.layer]

    def setup(self, input_shape, rng, dtype):
        if len(input_shape) < 2:
            raise ValueError(f"TimeDistributed needs inputs of shape (timesteps, ...); got samples of shape "
                             f"{input_shape}.")
        inner = self.layer.build((None, *input_shape[1:]), rng, dtype)
        return (input_shape[0], *inner)

    def forward(self, x, training=False):
        m, T = x.shape[:2]
        y = self.layer.forward(np.asarray(x).reshape(m * T, *x.shape[2:]), training)
        if training:
            self._shape = x.shape
        return with_mask(y.reshape(m, T, *y.shape[1:]), mask_of(x))

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        m, T = grad.shape[:2]
        dx = self.layer.backward(grad.reshape(m * T, *grad.shape[2:]), need_input_grad=need_input_grad)
        return None if dx is None else dx.reshape(self._shape)

    def tape_forward(self, x, params):
        m, T = x.shape[:2]
        y, penalty = self.layer.tape_forward(ops.reshape(x, (m * T, *x.shape[2:])), params)
        return with_mask(ops.reshape(y, (m, T, *y.shape[1:])), mask_of(x)), penalty

    def call(self, inputs):
        return self._call(inputs)

    def describe(self):
        return f"TimeDistributed, {self.layer.describe()}"
