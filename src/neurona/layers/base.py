r"""The layer protocol: what every layer owns, so that models, files, summaries, ``explain`` and
the gradient check loop over layers and never ask for their types.

    build(input_shape, rng, dtype) -> output_shape    creates params (trainable) and state (not)
    forward(x, training) -> y                          the formula, written by hand
    backward(dL/dy) -> dL/dx                           fills ``grads``; the chain rule of seed 001
    params / grads / param_names                       trainable arrays, their gradients, their names
    state / state_names                                non-trainable arrays (moving statistics, ...)
    get_config() / from_config(config)                 round-trip through the registry
    describe()                                         the "type, detail" cell of the summary row
    call(inputs)                                       the tape form: the formula in ``neurona.ops``
    explain_lines                                      what ``model.explain`` prints for it

Shapes are per sample: ``(features,)`` for a batch of shape ``(m, features)``. ``layer.build``
also takes Keras' batch shapes, ``(None, 4)``. A layer is called like Keras': ``layer(x)`` on an
array builds it (if needed) and runs ``forward`` at inference; on a symbolic tensor
(``neurona.Input``) it records a node of a functional graph.
"""
from __future__ import annotations

import contextlib
import numbers

import numpy as np

from .. import config, symbolic
from ..eager import Weight, eager
from .traced import CustomCall
from ..registry import Configurable, Registry
from ..random import new_rng

#: constructor arguments every Keras layer takes
_KERAS_ARGUMENTS = ("input_shape", "input_dim", "batch_input_shape", "batch_size", "dtype", "trainable")


def sample_shape(owner: str, shape) -> tuple[int, ...]:
    r"""The per-sample shape of ``shape``: an int n is (n,); a tuple of length >= 2 is a Keras
    batch shape (None or the batch size first), which is dropped; (n,) stays (n,)."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (int(shape),)
    if isinstance(shape, list):
        shape = tuple(shape)
    if not isinstance(shape, tuple) or not shape:
        raise TypeError(f"{owner}: an input shape is an int or a tuple such as (None, 4); got {shape!r}.")
    if len(shape) >= 2 or shape == (None,):       # (None,): Keras's batch of numbers, e.g. x[:, 0]
        shape = shape[1:]
    for n in shape:
        if n is None:
            continue                            # a number of steps that varies (Input(shape=(None,)))
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{owner}: every axis of an input shape (after the batch axis) must be an "
                             f"integer >= 1 (None for a number of steps that varies); got {shape!r}.")
    return tuple(None if n is None else int(n) for n in shape)


class Layer(CustomCall, Configurable):
    r"""Base class. Subclasses write ``setup`` (create params and state, return the output shape),
    ``forward`` and ``backward``; the rest comes from here.

    Keras' arguments are accepted by every layer: ``input_shape=(4,)`` / ``input_dim=4`` /
    ``batch_input_shape=(None, 4)`` on the first layer of a Sequential say what it receives,
    ``trainable=False`` freezes the layer's params.
    """

    _config_keys = {"name": "layer_name"}
    #: how many inputs the layer takes (merges: None, any number >= 2)
    n_inputs: int | None = 1
    #: the activation applied last by this layer, if any (the model fuses it with the loss)
    activation = None
    #: the slides' letter of a weight, by name (Dense: W for the kernel); ``explain`` records the
    #: gradient of the weight under it ("dL/dW"), or under the weight's name
    symbols: dict = {}

    #: a Keras-style subclass (writes ``call``): its ``build(input_shape)``, kept aside (see ``traced``)
    _user_build = None
    _traced = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "call" in cls.__dict__ and "forward" not in cls.__dict__:
            cls._traced = True
            if "build" in cls.__dict__:
                cls._user_build = cls.__dict__["build"]
                cls.build = Layer.build
            if "get_config" in cls.__dict__:
                cls._user_get_config = cls.__dict__["get_config"]

    def __init__(self, name: str | None = None, **keras_arguments):
        self._custom_weights = getattr(self, "_custom_weights", [])
        self._init_weight_names = set()
        unknown = sorted(set(keras_arguments) - set(_KERAS_ARGUMENTS))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unknown argument(s) {', '.join(unknown)}; it takes "
                            f"its own arguments and {', '.join(_KERAS_ARGUMENTS)}.")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a string; got {name!r}.")
        self.name = name
        self.built = False
        self.trainable = bool(keras_arguments.get("trainable", True))
        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []
        self.param_names: list[str] = []
        self.state_names: list[str] = []
        self.input_shape_declared = self._declared_shape(keras_arguments)
        if not hasattr(self, "input_dim"):
            self.input_dim = None
        self.output_dim: int | None = None
        self.sample_input_shape: tuple | None = None
        self.sample_output_shape: tuple | None = None
        self._rng = None

    def _declared_shape(self, arguments):
        owner = type(self).__name__
        if arguments.get("input_shape") is not None:
            shape = arguments["input_shape"]
            return sample_shape(owner, (None, *shape) if isinstance(shape, (tuple, list)) else shape)
        if arguments.get("batch_input_shape") is not None:
            return sample_shape(owner, tuple(arguments["batch_input_shape"]))
        if arguments.get("input_dim") is not None:
            return sample_shape(owner, arguments["input_dim"])
        return None

    # -- building -----------------------------------------------------------------------------
    def build(self, input_shape, rng: np.random.Generator | None = None, dtype=None):
        r"""Create the layer's arrays for inputs of ``input_shape`` (an int, a per-sample tuple or a
        Keras batch shape such as (None, 4)); returns the output shape (per sample)."""
        if self.n_inputs == 1:
            shape = sample_shape(type(self).__name__, input_shape)
        else:
            shape = [sample_shape(type(self).__name__, s) for s in input_shape]
        self._rng = rng if rng is not None else new_rng()
        dtype = np.dtype(dtype or config.floatx())
        self.params, self.param_names, self.state_names = [], [], []
        self._building = True
        try:
            output = tuple(self.setup(shape, self._rng, dtype))
        finally:
            self._building = False
        self.grads = [np.zeros_like(p) for p in self.params]
        self.sample_input_shape, self.sample_output_shape = shape, output
        if self.n_inputs == 1:
            self.input_dim = shape[-1] if shape else None
        self.output_dim = output[-1] if output else None
        self.built = True
        return self.output_dim if isinstance(input_shape, numbers.Integral) else output

    def setup(self, input_shape, rng, dtype) -> tuple:
        r"""Create params (``add_param``) and state (``add_state``); return the output shape."""
        if self._traced:
            return self._traced_setup(input_shape, rng, dtype)
        return input_shape

    def add_weight(self, shape=None, initializer="glorot_uniform", dtype=None, trainable=True, name=None,
                   **keras_arguments):
        r"""Keras's ``add_weight`` for custom layers (see ``layers.traced``)."""
        array = self._traced_add_weight(shape, initializer, dtype, trainable, name, **keras_arguments)
        if not self.built and not getattr(self, "_building", False):
            self._init_weight_names.add(self._custom_weights[-1][0])
        return array

    def add_param(self, name: str, array: np.ndarray) -> np.ndarray:
        self.params.append(array)
        self.param_names.append(name)
        setattr(self, name, array)
        return array

    def add_state(self, name: str, array: np.ndarray) -> np.ndarray:
        array = np.asarray(array).view(Weight)     # Keras's Variable methods: assign, numpy, ...
        self.state_names.append(name)
        setattr(self, name, array)
        return array

    @property
    def state(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.state_names}

    def set_param_arrays(self, params, grads):
        r"""Use ``params`` and ``grads`` (same shapes, same values) as this layer's arrays from now on.
        Models pass views of one flat parameter vector and one flat gradient vector."""
        self.params, self.grads = list(params), list(grads)
        if self._traced:
            return self._traced_set_param_arrays(self.params, self.grads)
        for name, array in zip(self.param_names, self.params):
            setattr(self, name, array)

    # -- the pass -------------------------------------------------------------------------------
    def forward(self, x, training: bool = False):
        if self._traced:
            value, self._tape, self._recorded = self._traced_run(x, record=training, training=training)
            return value
        raise NotImplementedError(f"{type(self).__name__} has no forward pass.")

    def backward(self, grad, pre_activation: bool = False, need_input_grad: bool = True):
        r"""``grad`` is dL/dy, or dL/dz (before this layer's activation) when ``pre_activation``.
        Returns dL/dx, or None when ``need_input_grad`` is False (the first layer)."""
        if self._traced:
            return self._traced_backward(grad, need_input_grad)
        raise NotImplementedError(f"{type(self).__name__} has no backward pass.")

    def forward_record(self):
        r"""What the last training forward left for the backward (its attributes: Dense's x, z and a,
        Dropout's mask, ...). A layer called at several nodes of a graph keeps one per call."""
        return dict(vars(self))

    def restore_forward_record(self, record) -> None:
        r"""Have a ``forward_record`` back, before the backward of the call that made it."""
        vars(self).update(record)

    def weight_constraints(self) -> dict:
        r"""The constraint of each param, by name: its ``<name>_constraint`` attribute (Dense's
        ``kernel_constraint``) or the ``constraint=`` of a custom layer's ``add_weight``."""
        found = {}
        for name in self.param_names:
            c = getattr(self, "_weight_constraints", {}).get(name, getattr(self, f"{name}_constraint", None))
            if callable(c) and not isinstance(c, type):
                found[name] = c
        return found

    def apply_constraints(self) -> None:
        r"""w <- c(w) for each constrained param, in place (after each optimizer step, as Keras)."""
        for name, constraint in self.weight_constraints().items():
            w = getattr(self, name)
            w[...] = constraint(np.asarray(w))

    def add_loss(self, loss) -> None:
        r"""Keras's ``add_loss`` inside ``call``: a term added to the cost J of the model the layer is in
        (an activity penalty, a VAE's KL term). On the tape it is a Tensor, and its gradient joins the
        layer's backward; the terms of each call replace the last call's."""
        vars(self).setdefault("_added_losses", []).append(loss)

    @property
    def is_custom(self) -> bool:
        r"""True for a Keras-style custom layer: a subclass that writes ``call`` (its penalty then holds its
        ``add_loss`` terms too)."""
        return self._traced

    @property
    def losses(self) -> list:
        r"""The ``add_loss`` terms of the last call, this layer's and its sublayers' (attributes)."""
        found = list(self.__dict__.get("_added_losses", []))
        for value in vars(self).values():
            if isinstance(value, Layer) and value is not self:
                found += value.losses
        return found

    @property
    def trainable_variables(self) -> list:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        return self.non_trainable_weights

    @property
    def variables(self) -> list:
        return self.weights

    def penalty(self, m: int) -> float:
        r"""The regularization term this layer adds to the cost of a batch of m samples."""
        if self._traced:
            return self._traced_penalty(m)
        return 0.0

    def __call__(self, inputs, training=None, **kwargs):
        if symbolic.is_symbolic(inputs):
            return symbolic.call_layer(self, inputs)
        if self.n_inputs == 1:
            x = np.asarray(inputs)
            x = x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float32)
            if not self.built:
                self.build((None, *x.shape[1:]), dtype=x.dtype)
            return self._on_tape(self.forward(x, training=bool(training)), [inputs], [x])
        xs = [np.asarray(x, dtype=np.float32) if not np.issubdtype(np.asarray(x).dtype, np.floating)
              else np.asarray(x) for x in inputs]
        if not self.built:
            self.build([(None, *x.shape[1:]) for x in xs], dtype=xs[0].dtype)
        return self._on_tape(self.forward(xs, training=bool(training)), list(inputs), xs)

    def _on_tape(self, out, given, arrays):
        r"""Inside a recording ``GradientTape``, the output again as a Tensor of that tape (the layer's
        tape form, its weights watched), so that ``tape.gradient(loss, layer.trainable_weights)`` and
        the gradient of a Tensor input reach through it; elsewhere the array ``out``."""
        from ..autodiff import tensor as tensor_module
        tape, Tensor = tensor_module.recording_tape(), tensor_module.Tensor
        if tape is None:
            return eager(out)
        xs = [g if isinstance(g, Tensor) and g.shape == a.shape else Tensor(a) for g, a in zip(given, arrays)]
        vars(self)["_added_losses"] = []
        try:
            value, _ = self.tape_forward(xs[0] if self.n_inputs == 1 else xs, [tape.watch_array(p) for p in self.params])
        except NotImplementedError:         # a layer with no tape form: its value, without a gradient
            return eager(out)
        return value

    def tape_forward(self, x, params):
        r"""(output, penalty) of the tape form, ``call(x)`` on x (a Tensor, or a list for a merge), each
        weight standing in as its Tensor of ``params`` (``param_names`` order) while it runs. The penalty
        of a batch of m samples: R(w) of each weight's ``<name>_regularizer`` (Keras's
        ``kernel_regularizer``, ``recurrent_regularizer``, ...) plus R(y) of the ``activity_regularizer``."""
        if not callable(getattr(self, "call", None)):
            raise NotImplementedError(f"{type(self).__name__} has no tape form (a call(inputs) written in "
                                      f"neurona.ops).")
        for name, tensor in zip(self.param_names, params):
            setattr(self, name, tensor)
        try:
            out = self.call(x)
        finally:
            for name, array in zip(self.param_names, self.params):
                setattr(self, name, array)
        m = (x[0] if isinstance(x, list) else x).shape[0]
        total = 0.0
        for name, tensor in zip(self.param_names, params):
            regularizer = getattr(self, f"{name}_regularizer", None)
            if regularizer is not None:
                total = total + regularizer.call(tensor, m)
        if getattr(self, "activity_regularizer", None) is not None:
            total = total + self.activity_regularizer.activity_call(out, m)
        return out, total

    def named(self, name: str, value):
        r"""``value``, unchanged: how ``call`` names an intermediate value for ``model.explain`` (Dense's
        z before its activation, an LSTM's gates at its first step). While explain listens
        (``listening``) the first value of each name in a call is kept (a loop keeps its first step);
        otherwise nothing is. The name "z" means the input of the layer's ``activation``: explain then
        writes out da/dz and dL/dz as well."""
        kept = self.__dict__.get("_named")
        if kept is not None and name not in kept:
            kept[name] = value
        return value

    @contextlib.contextmanager
    def listening(self):
        r"""``with layer.listening() as named:`` the values the layer's ``call`` names gather in ``named``."""
        vars(self)["_named"] = kept = {}
        try:
            yield kept
        finally:
            vars(self)["_named"] = None

    # -- weights (Keras' names) ---------------------------------------------------------------
    @property
    def trainable_weights(self) -> list[np.ndarray]:
        return list(self.params) if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        return ([] if self.trainable else list(self.params)) + list(self.state.values())

    @property
    def weights(self) -> list[np.ndarray]:
        return list(self.params) + list(self.state.values())

    def weight_items(self) -> list[tuple[str, np.ndarray]]:
        r"""(name, array) of every param and then every state array: what files save."""
        return list(zip(self.param_names, self.params)) + list(self.state.items())

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        mine, weights = self.weights, list(weights)
        if len(weights) != len(mine):
            raise ValueError(f"{self.display_name()}.set_weights needs {len(mine)} arrays; got {len(weights)}.")
        for i, (w, v) in enumerate(zip(mine, weights)):
            if np.shape(v) != w.shape:
                raise ValueError(f"{self.display_name()}.set_weights: array {i} must have shape {w.shape}; "
                                 f"got {np.shape(v)}.")
        for w, v in zip(mine, weights):
            w[...] = v

    def count_params(self) -> int:
        return int(sum(w.size for w in self.weights))

    # -- description --------------------------------------------------------------------------
    def display_name(self, index: int | None = None) -> str:
        if self.name:
            return self.name
        kind = type(self).__name__.lower()
        return kind if index is None else f"{kind}_{index}"

    def describe(self) -> str:
        r"""The type cell of this layer's summary row, e.g. "Dense, relu"."""
        return type(self).__name__

    def weight_symbols(self) -> list[str]:
        r"""The slides' letter of each weight (``symbols``), or its name, in ``param_names`` order."""
        return [self.symbols.get(name, name) for name in self.param_names]

    def explain_lines(self, record: dict, line, index: int, backward: bool) -> list[str]:
        r"""The printed lines of this layer's record (``line(name, value, formula)`` formats one)."""
        l = index
        if not backward:
            return [line(f"a[{l}]", record["a"], f"{type(self).__name__}(a[{l - 1}])")]
        lines = [line(f"dL/da[{l - 1}]", record["dL/da_prev"], f"{type(self).__name__}'s backward of dL/da[{l}]")]
        lines += [line(f"dL/d{symbol}[{l}]", record[f"dL/d{symbol}"]) for symbol in self.weight_symbols()]
        return lines

    def file_config(self) -> dict:
        r"""What a model file keeps of this layer: its ``get_config`` (with trainable=False when frozen); a
        Keras-style custom layer's class name and its own ``get_config``."""
        if self._traced:
            own = self._user_get_config() if hasattr(type(self), "_user_get_config") else {}
            return {"custom_class": type(self).__name__, "config": own, "trainable": self.trainable}
        config = self.get_config()
        if not self.trainable:
            config["trainable"] = False
        return config

    @classmethod
    def from_config(cls, config: dict):
        if cls._traced:
            return cls(**{k: v for k, v in config.items() if k not in ("name", "trainable", "dtype")})
        return registry.get({"name": cls.registry_name, **{k: v for k, v in config.items() if k != "name"}})


registry = Registry("layer", Layer)
register = registry.register


def get(identifier) -> Layer:
    return registry.get(identifier)
