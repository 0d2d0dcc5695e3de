r"""Recurrent layers: SimpleRNN, LSTM and GRU, their forward and backpropagation through time
written by hand, with Keras's weight layout (so Keras weights load with ``set_weights``).

A sequence x_1 .. x_T (inputs (m, T, d)) is read one step at a time; a state h_t (u units) carries
what was read so far. The input's part of every step is one product for all steps at once,

    P = X W + b            (m T, d) @ (d, k u): one GEMM, k = 1 (SimpleRNN), 4 (LSTM), 3 (GRU)

and each step adds the state's part, h_{t-1} U. Backpropagation through time walks the steps
backwards, t = T .. 1, with dL/dh_t = (dL/dy_t from the output) + (dL/dh_t from step t + 1), and
collects dL/dP_t for every step; then again one GEMM each:

    dL/dW = X^T dP,   dL/dU = H_prev^T dR,   dL/db = sum dP,   dL/dX = dP W^T

(dR: the gradient at h_{t-1} U of each step; R = P for SimpleRNN and LSTM).

Options, as Keras: ``return_sequences`` (y: every h_t, (m, T, u); else h_T, (m, u)),
``go_backwards`` (read x_T .. x_1; the sequence returned in that order), ``dropout`` /
``recurrent_dropout`` (one mask per sample on x_t / on h_{t-1}, the same at every step), and the mask
of padded steps (see ``masking``): at a padded step the state is carried unchanged,

    h_t = mask_t h~_t + (1 - mask_t) h_{t-1}        (h~_t: the step's new state)

so dL/dh~_t = mask_t dL/dh_t and dL/dh_{t-1} gets (1 - mask_t) dL/dh_t besides its own terms. A
returned sequence hands the mask on (as Keras), for the next recurrent layer.

``return_state`` adds the final states as outputs, ``[y, h_T]`` (LSTM: ``[y, h_T, c_T]``), and a call
``layer(x, initial_state=[h_0, c_0])`` starts from given states instead of zeros (an encoder's final
states start a decoder). Backward, dL/dh_T from the state output joins dL/dh_T from y (and
dL/dc_T starts the cell's), and the walk back ends at dL/dh_0 (dL/dc_0): the initial states' gradients.
"""
from __future__ import annotations

import numpy as np

import contextlib

from .. import activations, initializers, ops, regularizers
from ..validation import check_number
from .base import Layer, register
from .masking import mask_of, with_mask
from .stateful import Stateful

#: below this many multiply-adds in a step's product h_{t-1} U, the layer runs on one BLAS thread
SMALL_STEP = 1 << 22
_controller = []


def _blas_threads(m, units, k):
    r"""One BLAS thread for a layer of small steps: T products of (m, u) @ (u, k u) one after the
    other, each too small to share (handing each to two threads costs more than it saves), and the
    few products of all steps at once, which gain a millisecond from a second thread. On a busy
    machine a BLAS thread that waits for a descheduled partner waits a whole time slice: 50x slower
    steps measured at m = u = 64 under a load of 12 on 2 cores. Needs threadpoolctl; without it,
    the BLAS decides."""
    if m * units * k >= SMALL_STEP:
        return contextlib.nullcontext()
    if not _controller:
        try:
            from threadpoolctl import ThreadpoolController
            _controller.append(ThreadpoolController())
        except ImportError:
            _controller.append(None)
    if _controller[0] is None:
        return contextlib.nullcontext()
    return _controller[0].limit(limits=1, user_api="blas")


class Recurrent(Stateful, Layer):
    r"""What SimpleRNN, LSTM and GRU share: the arguments, the projection of all steps in one GEMM,
    the masks, dropout, go_backwards and the output. A subclass writes its steps: ``_steps``
    (forward over the projected inputs), ``_steps_back`` (backward through time) and ``_tape_step``
    (one step in ``neurona.ops``, for the tape form)."""

    gates = 1
    #: Keras fills masked steps of a returned sequence with the state carried (False) or zeros
    zero_output_for_mask = False

    def __init__(self, units: int, activation="tanh", use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, seed=None,
                 name: str | None = None, **keras_arguments):
        owner = type(self).__name__
        super().__init__(name, **keras_arguments)
        self.units = check_number(owner, "units", units, 1, integer=True)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        for argument, value in (("kernel_constraint", kernel_constraint), ("recurrent_constraint", recurrent_constraint),
                                ("bias_constraint", bias_constraint)):
            if value is not None:
                raise ValueError(f"{owner}: neurona has no weight constraints ({argument}=None); got {value!r}.")
        self.kernel_constraint = self.recurrent_constraint = self.bias_constraint = None
        self.dropout = check_number(owner, "dropout", dropout, 0, 1, high_open=True)
        self.recurrent_dropout = check_number(owner, "recurrent_dropout", recurrent_dropout, 0, 1, high_open=True)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self._setup_stateful(stateful, keras_arguments)         # states carried from batch to batch
        self.go_backwards = bool(go_backwards)
        self.unroll = bool(unroll)
        self.seed = seed
        self._drop = self._recurrent_drop = None
        self._initial = self._state_grads = None

    # -- initial states and state outputs ---------------------------------------------------------
    def __call__(self, inputs, training=None, initial_state=None, **kwargs):
        r"""``layer(x)``, ``layer(x, initial_state=[h_0, c_0])`` or ``layer([x, h_0, c_0])`` (Keras's forms)."""
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            inputs = [inputs, *states]
        if isinstance(inputs, (list, tuple)):
            self._take_states(len(inputs) - 1)
        return super().__call__(inputs, training, **kwargs)

    def _take_states(self, count):
        names = "h, c" if self.state_count == 2 else "h"
        if count != self.state_count:
            raise ValueError(f"{type(self).__name__}: initial_state takes {self.state_count} state(s) ({names}), each "
                             f"of shape (batch, {self.units}); got {count}.")
        if self.built and self.n_inputs == 1:
            raise ValueError(f"{type(self).__name__} was built without initial_state; a layer is called with "
                             f"initial states at its first call or never.")
        self.n_inputs = 1 + count

    def _split_inputs(self, inputs):
        r"""(x, [h_0, c_0] or None) of the layer's inputs."""
        if self.n_inputs == 1:
            return inputs, None
        return inputs[0], list(inputs[1:])

    @property
    def sample_output_shapes(self):
        r"""The per-sample shape of each output when the layer has several (return_state), else None."""
        if not self.return_state:
            return None
        return [self.sample_output_shape] + [(self.units,)] * self.state_count

    def _start(self, k, T, m, dtype):
        r"""State k over the steps, (T + 1, m, u): zeros, and row 0 the initial state (if one is given)."""
        S = np.zeros((T + 1, m, self.units), dtype=dtype)
        if self._initial is not None:
            S[0] = self._initial[k]
        return S

    def _final_states(self):
        return [self._H[-1]]

    def _state_grad(self, k, like):
        r"""dL/d(state k's output), where the walk back starts (zeros if that output has no gradient)."""
        g = None if self._state_grads is None else self._state_grads[k]
        return np.zeros_like(like) if g is None else np.array(g, dtype=like.dtype)

    # Keras names the recurrent kernel's regularizer and constraint ``recurrent_*``; the weight is
    # ``recurrent_kernel``: the engine finds them under the weight's name
    recurrent_kernel_regularizer = property(lambda self: self.recurrent_regularizer)
    recurrent_kernel_constraint = property(lambda self: self.recurrent_constraint)

    # -- shapes and weights ---------------------------------------------------------------------
    def build(self, input_shape, rng=None, dtype=None):
        output = super().build(input_shape, rng, dtype)
        if self.seed is not None:
            self._rng = np.random.default_rng(self.seed)
        return output

    def setup(self, input_shape, rng, dtype):
        if self.n_inputs != 1:
            input_shape, states = input_shape[0], input_shape[1:]
            if any(tuple(s) != (self.units,) for s in states):
                raise ValueError(f"{type(self).__name__}: each initial state has shape (batch, {self.units}); "
                                 f"got samples of shapes {[tuple(s) for s in states]}.")
        if len(input_shape) != 2:
            raise ValueError(f"{type(self).__name__} needs inputs of shape (timesteps, features); got samples of "
                             f"shape {input_shape}.")
        d, k = input_shape[-1], self.gates * self.units
        self.add_param("kernel", self.kernel_initializer((d, k), rng, dtype))
        self.add_param("recurrent_kernel", self.recurrent_initializer((self.units, k), rng, dtype))
        if self.use_bias:
            self.add_param("bias", self._initial_bias(rng, dtype))
        return (input_shape[0], self.units) if self.return_sequences else (self.units,)

    def _initial_bias(self, rng, dtype):
        return self.bias_initializer((self.gates * self.units,), rng, dtype)

    def _input_bias(self):
        return self.bias if self.use_bias else 0.0

    # -- forward --------------------------------------------------------------------------------
    def _prepare(self, x, training):
        r"""Inputs (T, m, d) in reading order, the mask (T, m, 1) or None, and the dropout masks."""
        mask = mask_of(x)
        x = np.asarray(x)
        xs = np.swapaxes(x, 0, 1)
        if mask is not None:
            mask = np.swapaxes(mask, 0, 1)[..., None]
        if self.go_backwards:
            xs = xs[::-1]
            mask = None if mask is None else mask[::-1]
        m, d = x.shape[0], x.shape[-1]
        rng = self._rng if self._rng is not None else np.random.default_rng()
        keep = lambda rate, n: (rng.random((m, n)) >= rate).astype(x.dtype) / (1 - rate)    # noqa: E731
        self._drop = keep(self.dropout, d) if training and self.dropout > 0 else None
        self._recurrent_drop = keep(self.recurrent_dropout, self.units) if training and self.recurrent_dropout > 0 \
            else None
        if self._drop is not None:
            xs = xs * self._drop
        return np.ascontiguousarray(xs), mask

    def forward(self, x, training=False):
        x, initial = self._split_inputs(x)
        if initial is None and self.stateful:
            initial = self.carried_states(x.shape[0], lambda m: [np.zeros((m, self.units), np.asarray(x).dtype)]
                                          * self.state_count)
        self._initial = None if initial is None else [np.asarray(s, dtype=np.asarray(x).dtype) for s in initial]
        with _blas_threads(x.shape[0], self.units, self.recurrent_kernel.shape[-1]):
            y = self._forward(x, training)
        if self.stateful:
            self.keep_states(self._final_states())
        return y

    def _forward(self, x, training):
        xs, mask = self._prepare(x, training)
        T, m, d = xs.shape
        P = (xs.reshape(T * m, d) @ self.kernel).reshape(T, m, -1)      # every step's input part: one GEMM
        if self.use_bias:
            P += self._input_bias()
        H = self._steps(P, mask, training)                              # (T + 1, m, u), H[0] = 0
        if self.zero_output_for_mask and mask is not None:
            H = H.copy()
            H[1:] *= mask
        y = np.swapaxes(H[1:], 0, 1) if self.return_sequences else H[-1]
        y = np.ascontiguousarray(y)
        if training:
            self._xs, self._mask = xs, mask
        if training or self.activity_regularizer is not None:         # evaluate's loss adds R(y)
            self._y = y
        y = with_mask(y, mask_of(x)) if self.return_sequences else y
        if not self.return_state:
            return y
        return [y, *(np.array(s) for s in self._final_states())]

    def _blend(self, mask, t, new, old):
        r"""The step's new state where the step is real, the carried one where it is padding."""
        return new if mask is None else np.where(mask[t], new, old)

    def _recurrent_input(self, h):
        r"""h_{t-1} under the recurrent dropout mask (and, backward, dL/dh_{t-1} under the same mask)."""
        return h if self._recurrent_drop is None else h * self._recurrent_drop

    # -- backward -------------------------------------------------------------------------------
    def backward(self, grad, pre_activation=False, need_input_grad=True):
        r"""``grad``: dL/dy, or under return_state the list [dL/dy, dL/dh_T(, dL/dc_T)] (None for an
        output without a gradient). Returns dL/dx, and with initial states [dL/dx, dL/dh_0(, dL/dc_0)]."""
        self._state_grads = None
        if self.return_state:
            grad, *self._state_grads = grad
        with _blas_threads(self._xs.shape[1], self.units, self.recurrent_kernel.shape[-1]):
            dx = self._backward(grad, need_input_grad)
        if self.n_inputs == 1 or dx is None:
            return dx
        return [dx, *self._initial_grads]

    def _backward(self, grad, need_input_grad):
        xs, mask = self._xs, self._mask
        T, m, d = xs.shape
        dH = np.zeros((T, m, self.units), dtype=self._y.dtype)       # dL/dh_t from the output
        if grad is not None:
            if self.activity_regularizer is not None:
                grad = grad + self.activity_regularizer.activity_gradient(self._y, m)
            if self.return_sequences:
                dH[...] = np.swapaxes(grad, 0, 1)
            else:
                dH[-1] = grad
            if self.zero_output_for_mask and mask is not None:
                dH *= mask
        dH[-1] += self._state_grad(0, dH[-1])                         # h_T is also an output
        dP, dR = self._steps_back(dH, mask)
        self._dP = dP
        H_prev = self._recurrent_input(self._H[:-1]).reshape(T * m, self.units)
        flat = dP.reshape(T * m, -1)
        np.matmul(xs.reshape(T * m, d).T, flat, out=self.grads[0])
        np.matmul(H_prev.T, dR.reshape(T * m, -1), out=self.grads[1])
        if self.use_bias:
            self._bias_grad(dP, dR, self.grads[2])
        for k, (weight, name) in enumerate(zip(self.params, ("kernel", "recurrent", "bias"))):
            regularizer = getattr(self, f"{name}_regularizer")
            if regularizer is not None:
                self.grads[k] += regularizer.gradient(weight, m)
        if not need_input_grad:
            return None
        dxs = (flat @ self.kernel.T).reshape(T, m, d)
        if self._drop is not None:
            dxs *= self._drop
        if self.go_backwards:
            dxs = dxs[::-1]
        return np.ascontiguousarray(np.swapaxes(dxs, 0, 1))

    def _bias_grad(self, dP, dR, out):
        np.sum(dP, axis=(0, 1), out=out)

    def _masked(self, mask, t, dh):
        r"""(dL/dh~_t, the part carried to h_{t-1}) of dL/dh_t at step t."""
        if mask is None:
            return dh, 0.0
        return dh * mask[t], dh * ~mask[t]

    def penalty(self, m):
        total = 0.0
        for weight, name in zip(self.params, ("kernel", "recurrent", "bias")):
            regularizer = getattr(self, f"{name}_regularizer")
            if regularizer is not None:
                total += regularizer(weight, m)
        if self.activity_regularizer is not None and getattr(self, "_y", None) is not None:
            total += self.activity_regularizer.activity(self._y, self._y.shape[0])
        return total

    # -- the tape form --------------------------------------------------------------------------
    def call(self, inputs):
        r"""The same forward in ``neurona.ops``, one step at a time (the tape differentiates it)."""
        inputs, initial = self._split_inputs(inputs)
        mask = mask_of(inputs)
        x = inputs if self._drop is None else inputs * self._drop[:, None, :]
        P = ops.matmul(x, self.kernel)
        if self.use_bias:
            P = P + self._input_bias()
        m, T = x.shape[0], x.shape[1]
        self.named("x_1", x[:, T - 1 if self.go_backwards else 0])         # the first step read
        zeros = ops.zeros((m, self.units), dtype=x.dtype)
        if initial is None and self.stateful:       # the states the last forward started from
            initial = self._initial if self._initial is not None else self.states
        state = [zeros] * self.state_count if initial is None else list(initial)
        outputs = []
        for t in (range(T - 1, -1, -1) if self.go_backwards else range(T)):
            h = self._recurrent_input(state[0])
            new = self._tape_step(P[:, t], h, state)
            if mask is not None:
                real = mask[:, t][:, None]
                new = [ops.where(real, n, s) for n, s in zip(new, state)]
            state = new
            out = state[0]
            if mask is not None and self.zero_output_for_mask:
                out = out * real.astype(x.dtype)
            outputs.append(out)
        y = outputs[-1] if not self.return_sequences else \
            with_mask(ops.stack(outputs, axis=1), None if mask is None else mask_of(inputs))
        return [y, *state] if self.return_state else y

    def step(self, x_t, states, dropout_mask=None, recurrent_dropout_mask=None):
        r"""One step in ``neurona.ops`` (a cell's ``call``): the new states [h_t(, c_t)] of x_t (m, d)
        and the states at t - 1, the dropout masks (m, d) and (m, u) applied to x_t and h_{t-1}."""
        x_t = x_t if dropout_mask is None else x_t * dropout_mask
        p = ops.matmul(x_t, self.kernel)
        if self.use_bias:
            p = p + self._input_bias()
        h = states[0] if recurrent_dropout_mask is None else states[0] * recurrent_dropout_mask
        return self._tape_step(p, h, list(states))

    def _act(self, activation, z):
        return activation.call(z)

    def describe(self):
        sequences = ", sequences" if self.return_sequences else ""
        return f"{type(self).__name__}, {self.activation.registry_name}{sequences}"


@register("simple_rnn")
class SimpleRNN(Recurrent):
    r"""The plain recurrent layer (Elman, 1990):

        h_t = f(x_t W + h_{t-1} U + b)                 W: (d, u), U: (u, u), b: (u,), f = tanh

    Backward through time, with dL/dh_t the sum of the output's and the next step's gradient:

        dL/dz_t = dL/dh_t f'(z_t),   dL/dh_{t-1} = dL/dz_t U^T,   then dL/dW, dL/dU, dL/db, dL/dx as
        the module says (sums over the steps of x_t^T dz_t, h_{t-1}^T dz_t, dz_t).

    PyTorch's ``nn.RNN`` holds the same weights transposed: W = weight_ih^T, U = weight_hh^T,
    b = bias_ih + bias_hh.
    """

    gates, state_count = 1, 1

    def _steps(self, P, mask, training):
        T, m, _ = P.shape
        H = self._start(0, T, m, P.dtype)
        Z = np.empty_like(P) if self.activation.backward_needs_z else None
        U = self.recurrent_kernel
        for t in range(T):
            z = P[t] + self._recurrent_input(H[t]) @ U
            if Z is not None:
                Z[t] = z
            H[t + 1] = self._blend(mask, t, self.activation(z), H[t])
        self._H, self._Z = H, Z
        return H

    def _steps_back(self, dH, mask):
        H, U = self._H, self.recurrent_kernel
        T = dH.shape[0]
        dZ = np.empty((T, *dH.shape[1:]), dtype=dH.dtype)
        dh = np.zeros_like(dH[0])
        for t in range(T - 1, -1, -1):
            dh_new, carried = self._masked(mask, t, dh + dH[t])
            # (at a padded step H[t + 1] is the carried h, but there dh_new = 0)
            dZ[t] = self.activation.backward(dh_new, None if self._Z is None else self._Z[t], H[t + 1])
            dh = carried + self._recurrent_input(dZ[t] @ U.T)
        self._initial_grads = [dh]
        return dZ, dZ

    def _tape_step(self, p, h, state):
        return [self._act(self.activation, p + ops.matmul(h, self.recurrent_kernel))]


@register("lstm")
class LSTM(Recurrent):
    r"""Long short-term memory (Hochreiter & Schmidhuber, 1997), Keras's gate order i, f, c, o:

        z_t = x_t W + h_{t-1} U + b                  W: (d, 4u), U: (u, 4u), b: (4u,)
        i = s(z_i),  f = s(z_f),  g = tanh(z_c),  o = s(z_o)      (s = recurrent_activation, sigmoid)
        c_t = f c_{t-1} + i g,      h_t = o tanh(c_t)

    Backward through time, t = T .. 1, with dh = dL/dh_t and dc = dL/dc_t (each the sum of what
    the output and step t + 1 send back):

        do = dh tanh(c_t),   dc += dh o (1 - tanh^2 c_t)
        di = dc g,   df = dc c_{t-1},   dg = dc i,   dL/dc_{t-1} = dc f
        dz = [di s'(z_i), df s'(z_f), dg (1 - g^2), do s'(z_o)],   dL/dh_{t-1} = dz U^T

    ``unit_forget_bias`` starts b_f at 1 (remember by default). PyTorch's ``nn.LSTM`` holds the
    same gates in the same order, transposed: W = weight_ih^T, U = weight_hh^T, b = bias_ih + bias_hh.
    """

    gates, state_count = 4, 2

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, seed=None,
                 use_cudnn="auto", name: str | None = None, **keras_arguments):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         return_sequences, return_state, go_backwards, stateful, unroll, seed, name,
                         **keras_arguments)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.use_cudnn = use_cudnn                  # Keras's GPU switch: nothing to switch on NumPy

    def _initial_bias(self, rng, dtype):
        b = self.bias_initializer((4 * self.units,), rng, dtype)
        if self.unit_forget_bias:
            b[self.units:2 * self.units] = 1
        return b

    def _final_states(self):
        return [self._H[-1], self._C[-1]]

    def _fused(self):
        r"""Keras's default activations (sigmoid gates, tanh): then all four gates are one tanh,
        s(z) = (1 + tanh(z / 2)) / 2, and a step costs a dozen NumPy calls instead of thirty."""
        return type(self.recurrent_activation) is activations.Sigmoid and type(self.activation) is activations.Tanh

    def _gate_constants(self, dtype):
        r"""a = alpha tanh(scale z) + beta gate by gate (i, f, o: 1/2, 1/2, 1/2; g: 1, 1, 0)."""
        u = self.units
        scale = np.full(4 * u, 0.5, dtype=dtype)
        scale[2 * u:3 * u] = 1
        beta = np.full(4 * u, 0.5, dtype=dtype)
        beta[2 * u:3 * u] = 0
        return scale, scale, beta                   # alpha = scale

    def _steps(self, P, mask, training):
        if self._fused():
            return self._fused_steps(P, mask)
        return self._general_steps(P, mask)

    def _fused_steps(self, P, mask):
        T, m, _ = P.shape
        u = self.units
        scale, alpha, beta = self._gate_constants(P.dtype)
        P *= scale                                  # z scale = P scale + h (U scale)
        U = self.recurrent_kernel * scale
        H, C = self._start(0, T, m, P.dtype), self._start(1, T, m, P.dtype)
        A = np.empty_like(P)                        # the gates i, f, g, o of every step
        TC = np.empty((T, m, u), dtype=P.dtype)     # tanh(c_t)
        for t in range(T):
            a = A[t]
            np.matmul(self._recurrent_input(H[t]), U, out=a)
            a += P[t]
            np.tanh(a, out=a)
            a *= alpha
            a += beta
            c = np.multiply(a[:, u:2 * u], C[t], out=C[t + 1] if mask is None else None)
            c += a[:, :u] * a[:, 2 * u:3 * u]
            np.tanh(c, out=TC[t])
            h = np.multiply(a[:, 3 * u:], TC[t], out=H[t + 1] if mask is None else None)
            if mask is not None:
                C[t + 1] = self._blend(mask, t, c, C[t])
                H[t + 1] = self._blend(mask, t, h, H[t])
        self._H, self._C, self._A, self._Z, self._TC = H, C, A, None, TC
        return H

    def _general_steps(self, P, mask):
        T, m, _ = P.shape
        u, U = self.units, self.recurrent_kernel
        s, f_act = self.recurrent_activation, self.activation
        keep_z = s.backward_needs_z or f_act.backward_needs_z
        H, C = self._start(0, T, m, P.dtype), self._start(1, T, m, P.dtype)
        A = np.empty_like(P)                                  # the gates i, f, g, o of every step
        Z = np.empty_like(P) if keep_z else None
        TC = np.empty((T, m, u), dtype=P.dtype)               # tanh(c_t)
        for t in range(T):
            z = P[t] + self._recurrent_input(H[t]) @ U
            if Z is not None:
                Z[t] = z
            a = A[t]
            a[:, :2 * u] = s(z[:, :2 * u])
            a[:, 2 * u:3 * u] = f_act(z[:, 2 * u:3 * u])
            a[:, 3 * u:] = s(z[:, 3 * u:])
            i, f, g, o = a[:, :u], a[:, u:2 * u], a[:, 2 * u:3 * u], a[:, 3 * u:]
            c = f * C[t] + i * g
            TC[t] = f_act(c)
            h = o * TC[t]
            C[t + 1] = self._blend(mask, t, c, C[t])
            H[t + 1] = self._blend(mask, t, h, H[t])
        self._H, self._C, self._A, self._Z, self._TC = H, C, A, Z, TC
        return H

    def _steps_back(self, dH, mask):
        if self._fused():
            return self._fused_steps_back(dH, mask)
        return self._general_steps_back(dH, mask)

    def _fused_steps_back(self, dH, mask):
        r"""The same steps as the general backward, with what does not depend on dL/dh taken for all
        steps at once before the loop: every gate's derivative, da/dz = s (1 - s) for i, f, o and
        1 - g^2 for g; o tanh'(c_t); and the factors [g, c_{t-1}, i] of di, df, dg (one product a step)."""
        u, U, C, A, TC = self.units, self.recurrent_kernel, self._C, self._A, self._TC
        T, m = dH.shape[:2]
        gates = A.reshape(T, m, 4, u)                   # i, f, g, o
        D = A * (1 - A)                                 # s' = s (1 - s) ...
        D = D.reshape(T, m, 4, u)
        np.subtract(1, gates[:, :, 2] ** 2, out=D[:, :, 2])      # ... and tanh' = 1 - g^2
        O_DTC = gates[:, :, 3] * (1 - TC * TC)          # o tanh'(c_t)
        FACTORS = np.stack([gates[:, :, 2], C[:-1], gates[:, :, 0]], axis=2)     # (T, m, 3, u): g, c_{t-1}, i
        dZ = np.empty((T, m, 4, u), dtype=dH.dtype)
        dh = np.zeros_like(dH[0])
        dc = self._state_grad(1, dh)
        only_last = not self.return_sequences          # dL/dy reaches h_T only
        for t in range(T - 1, -1, -1):
            if not only_last or t == T - 1:
                dh = dh + dH[t]
            dh_new, dh_carried = self._masked(mask, t, dh)
            dc_new, dc_carried = self._masked(mask, t, dc)
            dz = dZ[t]
            np.multiply(dh_new, TC[t], out=dz[:, 3])                          # do = dh tanh(c_t)
            dc_new = dc_new + dh_new * O_DTC[t]
            np.multiply(FACTORS[t], dc_new[:, None, :], out=dz[:, :3])       # di, df, dg = dc [g, c_{t-1}, i]
            dz *= D[t]
            dc = dc_new * gates[t, :, 1]
            dh = dz.reshape(m, 4 * u) @ U.T
            if self._recurrent_drop is not None:
                dh *= self._recurrent_drop
            if mask is not None:
                dc += dc_carried
                dh += dh_carried
        self._initial_grads = [dh, dc]
        dZ = dZ.reshape(T, m, 4 * u)
        return dZ, dZ

    def _general_steps_back(self, dH, mask):
        u, U = self.units, self.recurrent_kernel
        s, f_act = self.recurrent_activation, self.activation
        C, A, Z, TC = self._C, self._A, self._Z, self._TC
        T = dH.shape[0]
        dZ = np.empty((T, dH.shape[1], 4 * u), dtype=dH.dtype)
        dh = np.zeros_like(dH[0])
        dc = self._state_grad(1, dh)
        for t in range(T - 1, -1, -1):
            dh_new, dh_carried = self._masked(mask, t, dh + dH[t])
            dc_new, dc_carried = self._masked(mask, t, dc)
            a = A[t]
            i, f, g, o = a[:, :u], a[:, u:2 * u], a[:, 2 * u:3 * u], a[:, 3 * u:]
            # (at a padded step C[t + 1] is the carried c, but there dh_new = dc_new = 0)
            dc_new = dc_new + f_act.backward(dh_new * o, C[t + 1], TC[t])
            z = None if Z is None else Z[t]
            dz = dZ[t]
            dz[:, :u] = s.backward(dc_new * g, None if z is None else z[:, :u], i)
            dz[:, u:2 * u] = s.backward(dc_new * C[t], None if z is None else z[:, u:2 * u], f)
            dz[:, 2 * u:3 * u] = f_act.backward(dc_new * i, None if z is None else z[:, 2 * u:3 * u], g)
            dz[:, 3 * u:] = s.backward(dh_new * TC[t], None if z is None else z[:, 3 * u:], o)
            dc = dc_carried + dc_new * f
            back = dz @ U.T
            dh = dh_carried + self._recurrent_input(back)
        self._initial_grads = [dh, dc]
        return dZ, dZ

    # -- explain: the first step of the first sequence, with numbers --------------------------------
    def explain_lines(self, record, line, l, backward):
        r"""The first step (named by ``call`` for every sequence) of the first sequence, gate by gate."""
        if backward:
            return super().explain_lines(record, line, l, backward)
        s, f_act = self.recurrent_activation.registry_name, self.activation.registry_name
        bias = f" + b[{l}]" if self.use_bias else ""
        first = {name: record[name][0] for name in ("x_1", "z_1", "i_1", "f_1", "g_1", "o_1", "c_1", "h_1")}
        return [line("x_1", first["x_1"], f"the first step of the first sequence of a[{l - 1}]"),
                line(f"z_1[{l}]", first["z_1"], f"x_1 W[{l}] + h_0 U[{l}]{bias}  (h_0 = 0; blocks i, f, c, o)"),
                line("i_1", first["i_1"], f"{s}(z_i): how much of the candidate enters"),
                line("f_1", first["f_1"], f"{s}(z_f): how much of c_0 is kept"),
                line("g_1", first["g_1"], f"{f_act}(z_c): the candidate"),
                line("o_1", first["o_1"], f"{s}(z_o): how much of the cell is shown"),
                line("c_1", first["c_1"], "f_1 c_0 + i_1 g_1  (c_0 = 0)"),
                line("h_1", first["h_1"], f"o_1 {f_act}(c_1)"),
                line(f"a[{l}]", record["a"], "h_T of every sequence (the same step repeated over t = 1 .. T)"
                     if not self.return_sequences else "h_1 .. h_T of every sequence")]

    def _tape_step(self, p, h, state):
        u, s, f_act = self.units, self.recurrent_activation, self.activation
        z = p + ops.matmul(h, self.recurrent_kernel)
        i, f = self._act(s, z[:, :u]), self._act(s, z[:, u:2 * u])
        g, o = self._act(f_act, z[:, 2 * u:3 * u]), self._act(s, z[:, 3 * u:])
        c = f * state[1] + i * g
        h = o * self._act(f_act, c)
        for name, value in zip(("z_1", "i_1", "f_1", "g_1", "o_1", "c_1", "h_1"), (z, i, f, g, o, c, h)):
            self.named(name, value)                 # for explain: its first step's values
        return [h, c]


@register("gru")
class GRU(Recurrent):
    r"""Gated recurrent unit (Cho et al., 2014), Keras's default form (``reset_after=True``, the
    one of cuDNN and PyTorch), gate order z, r, h:

        x_z, x_r, x_h = x_t W + b_in          r_z, r_r, r_h = h_{t-1} U + b_rec      b: (2, 3u)
        z = s(x_z + r_z),   r = s(x_r + r_r),   h~ = tanh(x_h + r * r_h)
        h_t = z h_{t-1} + (1 - z) h~

    Backward through time, with dh = dL/dh_t:

        dh~ = dh (1 - z),   da = dh~ (1 - h~^2)                    (a = x_h + r r_h)
        dz = dh (h_{t-1} - h~) s'(.),   dr = da r_h s'(.)
        dL/dP_t = [dz, dr, da],   dL/dR_t = [dz, dr, da r],   dL/dh_{t-1} = dh z + dL/dR_t U^T

    ``reset_after=False`` (Keras's older form) resets before the product: h~ = tanh(x_h + (r h_{t-1}) U_h),
    one bias (3u,). PyTorch's ``nn.GRU`` orders the gates r, z, n: W = weight_ih^T with its first two
    blocks swapped, likewise U; b_in = bias_ih, b_rec = bias_hh (also swapped).
    """

    gates, state_count = 3, 1

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, reset_after: bool = True, seed=None, use_cudnn="auto",
                 name: str | None = None, **keras_arguments):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         return_sequences, return_state, go_backwards, stateful, unroll, seed, name,
                         **keras_arguments)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.use_cudnn = use_cudnn                  # Keras's GPU switch: nothing to switch on NumPy

    def _initial_bias(self, rng, dtype):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        return self.bias_initializer(shape, rng, dtype)

    def _input_bias(self):
        if not self.use_bias:
            return 0.0
        return self.bias[0] if self.reset_after else self.bias

    def _recurrent_part(self, h):
        r"""h_{t-1} U (+ b_rec): all three blocks after the reset (reset_after), else z and r only."""
        U = self.recurrent_kernel
        if not self.reset_after:
            return h @ U[:, :2 * self.units]
        out = h @ U
        return out + self.bias[1] if self.use_bias else out

    def _steps(self, P, mask, training):
        T, m, _ = P.shape
        u, s, f_act = self.units, self.recurrent_activation, self.activation
        keep_z = s.backward_needs_z or f_act.backward_needs_z
        H = self._start(0, T, m, P.dtype)
        A = np.empty_like(P)                                    # z, r, h~ of every step
        R = np.empty((T, m, u), dtype=P.dtype)                  # r_h (reset_after) or (r h_{t-1}) (before)
        Z = np.empty_like(P) if keep_z else None
        for t in range(T):
            h_in = self._recurrent_input(H[t])
            rec = self._recurrent_part(h_in)
            zr = P[t, :, :2 * u] + rec[:, :2 * u]
            a = A[t]
            a[:, :2 * u] = s(zr)
            r = a[:, u:2 * u]
            if self.reset_after:
                R[t] = rec[:, 2 * u:]
                pre = P[t, :, 2 * u:] + r * R[t]
            else:
                R[t] = r * h_in
                pre = P[t, :, 2 * u:] + R[t] @ self.recurrent_kernel[:, 2 * u:]
            if Z is not None:
                Z[t, :, :2 * u], Z[t, :, 2 * u:] = zr, pre
            a[:, 2 * u:] = f_act(pre)
            z = a[:, :u]
            h = z * H[t] + (1 - z) * a[:, 2 * u:]
            H[t + 1] = self._blend(mask, t, h, H[t])
        self._H, self._A, self._R, self._Z = H, A, R, Z
        return H

    def _steps_back(self, dH, mask):
        u, U, s, f_act = self.units, self.recurrent_kernel, self.recurrent_activation, self.activation
        H, A, R, Z = self._H, self._A, self._R, self._Z
        T = dH.shape[0]
        dP = np.empty((T, dH.shape[1], 3 * u), dtype=dH.dtype)
        dRec = np.empty_like(dP)
        dh = np.zeros_like(dH[0])
        for t in range(T - 1, -1, -1):
            dh_new, carried = self._masked(mask, t, dh + dH[t])
            a = A[t]
            z, r, hh = a[:, :u], a[:, u:2 * u], a[:, 2 * u:]
            zt = None if Z is None else Z[t]
            da = f_act.backward(dh_new * (1 - z), None if zt is None else zt[:, 2 * u:], hh)
            dP[t, :, :u] = s.backward(dh_new * (H[t] - hh), None if zt is None else zt[:, :u], z)
            if self.reset_after:
                dr_value = da * R[t]
            else:
                dRh = da @ U[:, 2 * u:].T                         # dL/d(r h_{t-1})
                dr_value = dRh * self._recurrent_input(H[t])
            dP[t, :, u:2 * u] = s.backward(dr_value, None if zt is None else zt[:, u:2 * u], r)
            dP[t, :, 2 * u:] = da
            dRec[t, :, :2 * u] = dP[t, :, :2 * u]
            if self.reset_after:
                dRec[t, :, 2 * u:] = da * r
                back = dRec[t] @ U.T
            else:
                dRec[t, :, 2 * u:] = 0.0
                back = dRec[t, :, :2 * u] @ U[:, :2 * u].T + dRh * r
            dh = carried + dh_new * z + self._recurrent_input(back)
        self._initial_grads = [dh]
        return dP, dRec

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        out = super().backward(grad, pre_activation, need_input_grad)
        if not self.reset_after:             # the h-block of U multiplies r h_{t-1}, not h_{t-1}
            T, m, _ = self._R.shape
            u = self.units
            dP = self._dP
            self.grads[1][:, 2 * u:] = self._R.reshape(T * m, u).T @ dP[:, :, 2 * u:].reshape(T * m, u)
            if self.recurrent_regularizer is not None:
                self.grads[1][:, 2 * u:] += self.recurrent_regularizer.gradient(self.recurrent_kernel, m)[:, 2 * u:]
        return out

    def _bias_grad(self, dP, dR, out):
        if self.reset_after:
            np.sum(dP, axis=(0, 1), out=out[0])
            np.sum(dR, axis=(0, 1), out=out[1])
        else:
            np.sum(dP, axis=(0, 1), out=out)

    def _tape_step(self, p, h, state):
        u, s, f_act = self.units, self.recurrent_activation, self.activation
        U = self.recurrent_kernel
        if self.reset_after:
            rec = ops.matmul(h, U)
            if self.use_bias:
                rec = rec + self.bias[1]
            z = self._act(s, p[:, :u] + rec[:, :u])
            r = self._act(s, p[:, u:2 * u] + rec[:, u:2 * u])
            hh = self._act(f_act, p[:, 2 * u:] + r * rec[:, 2 * u:])
        else:
            rec = ops.matmul(h, U[:, :2 * u])
            z = self._act(s, p[:, :u] + rec[:, :u])
            r = self._act(s, p[:, u:2 * u] + rec[:, u:])
            hh = self._act(f_act, p[:, 2 * u:] + ops.matmul(r * h, U[:, 2 * u:]))
        return [z * state[0] + (1.0 - z) * hh]
