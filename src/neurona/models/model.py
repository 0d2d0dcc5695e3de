r"""Model: layers trained by mini-batch gradient descent, with Keras' compile / fit / evaluate / predict.

    inputs = neurona.Input(shape=(784,))
    h = layers.Dense(64, activation="relu")(inputs)
    model = neurona.Model(inputs, layers.Dense(10, activation="softmax")(h))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=128, validation_split=0.1)

Three ways to make one, one engine: ``Sequential`` (a chain of layers), ``Model(inputs, outputs)``
(a graph of layers, ``neurona.models.functional``) and a subclass of ``Model`` whose ``call`` is traced
into such a graph on symbolic inputs the first time the model sees data.

One training step on a batch (x, y) of m samples:
    forward     each layer, in topological order, computes its output from its inputs
    cost        J = sum_k w_k loss_k(y_k, y_hat_k) + the regularizers' penalties (l ||W||^2, or the slides' lambda / 2m ||W||^2)
    backward    dJ/dy_hat_k from each loss (or dJ/dz = (y_hat - y) / m fused with softmax / sigmoid),
                then each layer, in reverse order, turns dJ/d(output) into dJ/d(input) and dJ/dW
    update      the optimizer moves every trainable parameter against its gradient
"""
from __future__ import annotations

import inspect
import json
import math
import re

import numpy as np

from ..eager import eager
from .. import callbacks as callbacks_module
from .. import layers as layers_module
from .. import config, losses, metrics as metrics_module, optimizers, symbolic
from .functional import Graph, run_layers
from .flat_parameters import FlatParameters
from .model_config import builds, model_from_config
from ..layers.masking import mask_of
from ..losses.base import steps_as_rows
from .steps import Steps
from .training import BatchLogs, Training, _callback_list, _rows, _verbosity
from ..random import new_rng
from ..validation import as_2d_array, check_number, describe_nonfinite, warn_user


class NoGradientWarning(UserWarning):
    r"""Some parameters cannot learn: a step or sign activation lets no gradient through."""


@builds("functional")
class Model(Training, Steps, layers_module.Layer):
    r"""A model: a graph of layers with the Keras training methods.

    Model(inputs, outputs)   the functional API: ``inputs`` are ``neurona.Input`` tensors,
                             ``outputs`` the tensors of layers called on them (one or a list)
    class M(Model): ...      subclassing: build layers in ``__init__``, compose them in ``call``
    seed                     seeds the initial weights, shuffling and dropout: the same seed gives the
                             same run, bit for bit
    dtype                    "float32" (fast) or "float64" (exact arithmetic for gradient checks); None
                             (default) takes ``config.floatx()``, as Keras
    """

    _config_keys = {"name": "layer_name"}

    def __init__(self, inputs=None, outputs=None, name: str | None = None, seed: int | None = None,
                 dtype=None, trainable: bool = True, **keras_arguments):
        if "input_shape" in keras_arguments or "input_dim" in keras_arguments:
            raise TypeError("Model takes inputs= and outputs= (or a subclass's call); give Sequential its "
                            "input shape instead.")
        layers_module.Layer.__init__(self, name, trainable=trainable, **keras_arguments)
        default = "functional" if type(self) is Model else re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()
        self._init_model(seed, dtype, name or default)
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise TypeError("Model(inputs=..., outputs=...) needs both.")
            self._set_graph(Graph(inputs, outputs), rebuild=seed is not None or self.dtype != np.float32)
            self._many_outputs = isinstance(outputs, (list, tuple, dict))
            self._output_keys = list(outputs) if isinstance(outputs, dict) else None
            self._many_inputs = isinstance(inputs, (list, tuple, dict))

    def _init_model(self, seed, dtype, name):
        self.dtype = np.dtype(dtype or config.floatx())
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}.")
        self.seed = seed
        self.rng = new_rng(seed)
        self.name = name
        self._graph = None
        self._many_outputs = self._many_inputs = False
        self._output_keys = None
        self.optimizer = self.loss = None
        self._compiled_metrics: list[tuple[str, metrics_module.Metric]] = []    # (log name, metric) of compile
        self._metric_outputs: list[int] = []
        self._weighted_names: set[str] = set()
        self.compiled = False
        self.stop_training = False
        self.stop_reason: str | None = None
        self.history = None
        self.epoch = 0          # epochs trained so far (saved with the model; resumed runs continue from it)
        self.metadata: dict = {}    # JSON-serialisable annotations saved with the model (class names, ...)
        self.flat_parameters: FlatParameters | None = None   # the trainable parameters as one vector, once built
        self._constrained = []      # layers whose weights a constraint projects after each step

    # -- structure -------------------------------------------------------------------------------
    def _set_graph(self, graph: Graph, rebuild: bool = False):
        self._graph = graph
        if rebuild:
            for layer in graph.layers:
                shape = layer.sample_input_shape
                layer.build((None, *shape) if layer.n_inputs == 1 else [(None, *s) for s in shape], self.rng,
                            self.dtype)
        self.built = True
        self.sample_input_shape = graph.inputs[0].sample_shape if len(graph.inputs) == 1 else \
            [t.sample_shape for t in graph.inputs]
        self.sample_output_shape = graph.outputs[0].sample_shape
        self.input_dim = graph.inputs[0].sample_shape[-1]
        self.output_dim = graph.outputs[0].sample_shape[-1]
        self._pack_parameters()
        if self.compiled:
            self._resolve_compile()
            self._resolved_for = graph

    @property
    def functional_graph(self) -> Graph | None:
        r"""The graph of layers from the inputs to the outputs (``functional.Graph``); None for a
        chain of layers (Sequential) or a subclass that has not been traced."""
        return self._graph

    @property
    def layers(self) -> list:
        if self._graph is None:         # a subclass without call (a VAE's encoder and decoder): its attributes
            return [v for k, v in vars(self).items() if isinstance(v, layers_module.Layer) and k != "_graph"]
        return list(self._graph.layers)

    @property
    def inputs(self):
        return None if self._graph is None else list(self._graph.inputs)

    @property
    def input(self):
        r"""Keras's ``model.input``: the input tensor (a list of them for several inputs) of a built model."""
        tensors = self._require_built("input", self.inputs)
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def output(self):
        r"""Keras's ``model.output``: the output tensor (a list of them for several outputs) of a built model."""
        tensors = self._require_built("output", self.outputs)
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def input_shape(self):
        r"""Keras's ``model.input_shape``: ``(None, *sample shape)``, a list of them for several inputs."""
        shapes = [(None, *t.sample_shape) for t in self._require_built("input_shape", self.inputs)]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        r"""Keras's ``model.output_shape``: ``(None, *sample shape)``, a list of them for several outputs."""
        shapes = [(None, *t.sample_shape) for t in self._require_built("output_shape", self.outputs)]
        return shapes[0] if len(shapes) == 1 else shapes

    def _require_built(self, what, tensors):
        if tensors is None:
            raise ValueError(f"{what}: the model is not built yet; give the first layer input_shape= (or start "
                             f"with keras.Input(shape=...)), call model.build(input_shape), or fit it first.")
        return tensors

    @property
    def outputs(self):
        return None if self._graph is None else list(self._graph.outputs)

    @property
    def output_names(self) -> list[str]:
        names = []
        for k in range(self._n_outputs()):
            layer = self._output_layer(k)
            names.append(layer.display_name(self._layer_index(layer)) if layer is not None else f"output_{k}")
        return names

    def _layer_index(self, layer):
        for i, other in enumerate(self.layers):
            if other is layer:
                return i
        return None

    def _n_outputs(self) -> int:
        return 1 if self._graph is None else len(self._graph.outputs)

    def _n_inputs(self) -> int:
        return 1 if self._graph is None else len(self._graph.inputs)

    @property
    def output_count(self) -> int:
        r"""How many outputs (each with its loss) the model has."""
        return self._n_outputs()

    def _output_layer(self, k):
        return self._graph.output_layer(k)

    def _fusable(self, k) -> bool:
        return self._graph.fusable(k)

    def call(self, inputs, training=None):
        r"""A subclass composes its layers here (traced once on symbolic inputs)."""
        raise NotImplementedError(f"{type(self).__name__} has no graph: give Model(inputs=, outputs=), or define "
                                  f"call(self, inputs) in a subclass.")

    def _is_subclassed(self) -> bool:
        return type(self).call is not Model.call

    def build(self, input_shape=None, rng=None, dtype=None):
        r"""Create the weights for inputs of ``input_shape`` (e.g. (None, 4)). A subclassed model's
        ``call`` is traced on symbolic inputs of that shape into the model's graph."""
        if self._graph is not None:
            if rng is not None or dtype is not None:       # a model nested in another one
                if rng is not None:
                    self.rng = rng
                if dtype is not None and np.dtype(dtype) != self.dtype:
                    self.dtype = np.dtype(dtype)
                self._set_graph(self._graph, rebuild=True)
            return self.sample_output_shape
        if not self._is_subclassed():
            raise ValueError("This Model has no layers: give Model(inputs=, outputs=) or subclass it with call().")
        if input_shape is None:
            raise ValueError(f"{type(self).__name__}.build needs input_shape=, e.g. (None, 4).")
        if rng is not None:
            self.rng = rng
        if dtype is not None:
            self.dtype = np.dtype(dtype)
        many = isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list))
        shapes = input_shape if many else [input_shape]
        inputs = [symbolic.Input(shape=layers_module.sample_shape(type(self).__name__, s), dtype=self.dtype)
                  for s in shapes]
        traced = self._trace_call(inputs if many else inputs[0])
        self._many_outputs = isinstance(traced, (list, tuple, dict))
        self._many_inputs = bool(many)
        graph = Graph(inputs, traced)
        self._set_graph(graph, rebuild=True)
        return self.sample_output_shape

    def _trace_call(self, inputs):
        params = inspect.signature(self.call).parameters
        try:
            outputs = self.call(inputs, training=None) if "training" in params else self.call(inputs)
        except TypeError as error:
            raise TypeError(f"Tracing {type(self).__name__}.call on symbolic inputs failed: {error}. neurona runs "
                            f"call once on neurona.Input tensors; use layers and neurona.ops there, not "
                            f"NumPy functions.") from None
        if not symbolic.is_symbolic(outputs if not isinstance(outputs, dict) else list(outputs.values())):
            raise TypeError(f"{type(self).__name__}.call must return the result of layers or neurona.ops applied "
                            f"to its inputs; got {type(outputs).__name__}.")
        return outputs

    # -- the Layer protocol (a model used as a layer of another) ---------------------------------
    @property
    def activation(self):
        return None

    def _leaves(self, trainable: bool = True):
        r"""(layer, trainable) for every layer that holds arrays, through nested models."""
        for layer in self.layers:
            effective = trainable and layer.trainable
            if isinstance(layer, Model):
                yield from layer._leaves(effective)
            else:
                yield layer, effective

    def leaf_layers(self) -> list:
        r"""Every layer that holds arrays, through nested models, in the order of ``weights``."""
        return [layer for layer, _ in self._leaves()]

    @property
    def params(self) -> list[np.ndarray]:
        return [p for layer, _ in self._leaves() for p in layer.params]

    @params.setter
    def params(self, value):
        pass                       # a model's params are its layers'

    @property
    def grads(self) -> list[np.ndarray]:
        return [g for layer, _ in self._leaves() for g in layer.grads]

    @grads.setter
    def grads(self, value):
        pass

    @property
    def state(self) -> dict:
        return {}

    @property
    def param_names(self):
        return [f"layers.{i}.{n}" for i, layer in enumerate(self.layers) for n in layer.param_names]

    @param_names.setter
    def param_names(self, value):
        pass

    @property
    def state_names(self):
        return []

    @state_names.setter
    def state_names(self, value):
        pass

    def weight_items(self) -> list[tuple[str, np.ndarray]]:
        return [(f"layers.{i}.{name}", array) for i, layer in enumerate(self.layers)
                for name, array in layer.weight_items()]

    @property
    def weights(self) -> list[np.ndarray]:
        return [w for layer in self.layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        return [p for layer, t in self._leaves(self.trainable) if t for p in layer.params]

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        return [w for layer, t in self._leaves(self.trainable) for w in
                ([] if t else list(layer.params)) + list(layer.state.values())]

    def set_param_arrays(self, params, grads):
        params, grads = list(params), list(grads)
        k = 0
        for layer in self.layers:
            n = len(layer.params)
            if n:
                layer.set_param_arrays(params[k:k + n], grads[k:k + n])
            k += n

    def forward(self, x, training=False):
        return self._forward(x, training)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        result = self._graph.backward([grad], [pre_activation], need_input_grads=need_input_grad)
        return result[0] if need_input_grad else None

    def forward_record(self):
        r"""A model used as a layer: its layers' records, and its graph's for its own shared layers."""
        graph_records = None if self._graph is None else dict(self._graph._records)
        return [layer.forward_record() for layer in self.layers], graph_records

    def restore_forward_record(self, record) -> None:
        layer_records, graph_records = record
        for layer, r in zip(self.layers, layer_records):
            layer.restore_forward_record(r)
        if graph_records is not None:
            self._graph._records = dict(graph_records)

    def penalty(self, m):
        return sum(layer.penalty(m) for layer in self.layers)

    @property
    def losses(self) -> list:
        r"""Keras's ``model.losses``: the regularization penalty of each layer that has one (for the
        Keras-convention regularizers, l2(c) gives c sum W^2, independent of the batch size) and the
        terms the layers gave ``add_loss`` in their last call, nested layers' included. After a call
        inside a ``GradientTape`` they are that call's Tensors, so their gradients reach the weights."""
        if self.__dict__.get("_tape_losses") is not None:
            return list(self._tape_losses)
        found = []
        for layer in self.layers:
            if isinstance(layer, Model):
                found += layer.losses
                continue
            penalty = float(layer.penalty(1))           # (a custom layer's includes its add_loss terms)
            found += ([penalty] if penalty != 0.0 else []) + ([] if layer.is_custom else [
                float(np.sum(getattr(v, "data", v))) for v in layer.losses])
        return found

    def describe(self):
        return type(self).__name__

    def get_layer(self, name: str | None = None, index: int | None = None):
        r"""The layer called ``name`` (or at ``index``)."""
        if index is not None:
            if not isinstance(index, int) or not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"get_layer: index {index!r} is out of range; the model has {len(self.layers)} layers.")
            return self.layers[index]
        names = [layer.display_name(i) for i, layer in enumerate(self.layers)]
        for layer, display in zip(self.layers, names):
            if display == name:
                return layer
        raise ValueError(f"No layer named {name!r}; the model's layers are {names}.")

    # -- parameters ----------------------------------------------------------------------------
    def _pack_parameters(self, rebuild_optimizer: bool = True):
        r"""Pack the trainable parameters into ``flat_parameters`` (one vector, its gradients in
        another; each layer keeps views of its part). Frozen layers (``trainable=False``) keep their
        own arrays and are left out."""
        trainable = [layer for layer, t in self._leaves(self.trainable) if t]
        self.flat_parameters = FlatParameters.pack(trainable, self.dtype)
        self._constrained = [layer for layer in trainable if layer.weight_constraints()]
        if self.optimizer is not None and rebuild_optimizer:
            self.optimizer.build([self.flat_parameters.values])

    def __setstate__(self, state):
        # pickling copies the layers' views of the flat vectors: link them again (the optimizer's
        # slots are whole-vector arrays, so they stay valid)
        self.__dict__.update(state)
        if getattr(self, "flat_parameters", None) is not None:
            self._pack_parameters(rebuild_optimizer=False)

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def get_weights(self) -> list[np.ndarray]:
        r"""Copies of all weights in layer order (Dense: kernel (inputs, units), then bias (units,);
        then each layer's non-trainable state, e.g. BatchNormalization's moving statistics)."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        r"""Load arrays of the same shapes as ``get_weights()`` returns; changes nothing on a mismatch."""
        mine = self.weights
        weights = list(weights)
        if len(weights) != len(mine):
            raise ValueError(f"set_weights needs {len(mine)} arrays (one per weight); got {len(weights)}.")
        for i, (p, w) in enumerate(zip(mine, weights)):
            if np.shape(w) != p.shape:
                raise ValueError(f"set_weights: array {i} must have shape {p.shape}; got {np.shape(w)}.")
        for p, w in zip(mine, weights):
            p[...] = w

    # -- compiling ----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None,
                run_eagerly=None, steps_per_execution=1, jit_compile=None, auto_scale_loss=None):
        r"""Choose the optimizer, the loss (one, or one per output as a list or a dict by output
        name, with ``loss_weights``) and the metrics to report (``weighted_metrics`` are weighted by
        ``sample_weight`` / ``class_weight``). ``run_eagerly``, ``steps_per_execution`` and
        ``jit_compile`` are accepted for Keras code and change nothing: neurona always runs NumPy."""
        if loss is None and not self._custom_step("train_step"):
            raise ValueError(f"compile needs a loss, e.g. loss='mse'. Known losses: {', '.join(losses.registry.names())}.")
        self.optimizer = optimizers.get(optimizer)
        self._loss_given, self._metrics_given = loss, metrics
        self._loss_weights_given, self._weighted_given = loss_weights, weighted_metrics
        self.compiled = True
        if self.built:
            self._resolve_compile()
            self._resolved_for = self._graph if self._graph is not None else self
            self._pack_parameters()
            self._warn_if_no_gradient()

    @property
    def metrics_given(self):
        r"""The ``metrics`` argument of ``compile``, as it was given (None before compile)."""
        return getattr(self, "_metrics_given", None)

    @property
    def named_metrics(self) -> list:
        r"""(log name, metric) of each metric ``compile`` set up, in the order of the logs."""
        return list(self._compiled_metrics)

    def _per_output(self, what, value, default=None):
        n, names = self._n_outputs(), self.output_names
        if isinstance(value, dict) and not ("name" in value and "name" not in names):    # not one config
            unknown = sorted(set(value) - set(names))
            if unknown:
                raise ValueError(f"compile: {what} names {unknown} are not outputs of the model; its outputs are "
                                 f"{names}.")
            return [value.get(name, default) for name in names]
        if isinstance(value, (list, tuple)) and n > 1 and what != "metrics":
            if len(value) != n:
                raise ValueError(f"compile: {what} has {len(value)} entries; the model has {n} outputs {names}.")
            return list(value)
        return [value] * n

    def _resolve_compile(self):
        n = self._n_outputs()
        loss_list = self._per_output("loss", self._loss_given)
        self.output_losses = [losses.get(l) if l is not None else None for l in loss_list]
        if all(l is None for l in self.output_losses) and not self._custom_step("train_step"):
            raise ValueError("compile: every output's loss is None; at least one output needs a loss.")
        weights = self._per_output("loss_weights", self._loss_weights_given, 1.0) if self._loss_weights_given \
            is not None else [1.0] * n
        self.loss_weights = [1.0 if w is None else float(w) for w in weights]
        self.loss = self.output_losses[0] if n == 1 else self.output_losses
        self._compiled_metrics, self._metric_outputs, self._weighted_names = [], [], set()
        names = self.output_names
        for given, weighted in ((self._metrics_given, False), (self._weighted_given, True)):
            for k, entries in enumerate(self._metric_lists(given)):
                for m in entries:
                    name, metric = metrics_module.get(m, self.output_losses[k])
                    if weighted and any(existing == name for existing, _ in self._compiled_metrics):
                        name = f"weighted_{name}"
                    if n > 1:
                        name = f"{names[k]}_{name}"
                    self._compiled_metrics.append((name, metric))
                    self._metric_outputs.append(k)
                    if weighted:
                        self._weighted_names.add(name)

    def _metric_lists(self, given) -> list[list]:
        n, names = self._n_outputs(), self.output_names
        if given is None:
            return [[] for _ in range(n)]
        if isinstance(given, dict):
            unknown = sorted(set(given) - set(names))
            if unknown:
                raise ValueError(f"compile: metrics name {unknown}, which are not outputs; the outputs are {names}.")
            return [_as_list(given.get(name)) for name in names]
        given = list(given) if isinstance(given, (list, tuple)) else [given]
        if n > 1 and len(given) == n and all(isinstance(g, (list, tuple)) or g is None for g in given):
            return [_as_list(g) for g in given]
        return [list(given) for _ in range(n)]

    def _warn_if_no_gradient(self):
        blocked = [i for i, layer in enumerate(self.layers)
                   if layer.activation is not None and not getattr(layer.activation, "has_gradient", True)]
        if not blocked:
            return
        last = blocked[-1]
        stuck = [layer.display_name(i) for i, layer in enumerate(self.layers[:last + 1]) if layer.params or not layer.built]
        if stuck:
            name = self.layers[last].activation.registry_name
            warn_user(f"No gradient flows through the {name!r} activation of layer {last}: its derivative "
                          f"is 0 everywhere, so gradient descent cannot change {', '.join(stuck)}. Use sigmoid, "
                          f"tanh or relu to learn by gradient descent (the perceptron rule of "
                          f"neurona.neurons learns with a step).", NoGradientWarning)

    # -- data checks --------------------------------------------------------------------------
    def _input_list(self, x, name="x") -> list:
        if isinstance(x, dict):
            if self._graph is None:
                raise ValueError(f"{name}: a dict of inputs needs a model whose inputs have names.")
            names = [t.name for t in self._graph.inputs]
            missing = [n for n in names if n not in x]
            if missing:
                raise ValueError(f"{name} lacks the inputs {missing}; the model's inputs are {names}.")
            return [x[n] for n in names]
        if isinstance(x, (list, tuple)) and self._n_inputs() > 1:
            if len(x) != self._n_inputs():
                raise ValueError(f"{name} has {len(x)} arrays; the model has {self._n_inputs()} inputs.")
            return list(x)
        return [x]

    def string_inputs(self) -> list:
        r"""For each input: True if it takes texts (``keras.Input(dtype="string")``), False if numbers,
        None if the data decides (a first layer that reads both, before the model is built)."""
        return [] if self._graph is None else [t.dtype == symbolic.STRING for t in self._graph.inputs]

    def _check_inputs(self, x, name="x") -> list[np.ndarray]:
        texts = self.string_inputs()
        xs = []
        for k, v in enumerate(self._input_list(x, name)):
            text = texts[k] if k < len(texts) else False
            if text is None:
                text = np.asarray(v).dtype.kind in "OUS"
            xs.append(symbolic.as_string_array(name, v) if text else
                      as_2d_array(name, v, self.dtype, allow_more_axes=True))
        if any(v.shape[0] != xs[0].shape[0] for v in xs):
            raise ValueError(f"{name}: every input needs the same number of samples; got {[v.shape[0] for v in xs]}.")
        if not self.built:
            self._build_for([v.shape for v in xs])
        expected = self.sample_input_shape if self._n_inputs() > 1 else [self.sample_input_shape]
        for k, (v, shape) in enumerate(zip(xs, expected)):
            if v.shape[1:] == (*shape, 1):                   # Keras's rank adjustment: a trailing axis of 1
                xs[k] = v = v[..., 0]                        # dropped, or added where the model has one
            elif (*v.shape[1:], 1) == tuple(shape):
                xs[k] = v = v[..., None]
            if len(v.shape[1:]) != len(shape) or any(n is not None and n != g for g, n in zip(v.shape[1:], shape)):
                which = f"input {k}" if len(xs) > 1 else name
                if len(shape) == 1 and v.ndim == 2:
                    raise ValueError(f"{which} has {v.shape[1]} features per sample but the model expects "
                                     f"{shape[0]} (input_dim); got shape {v.shape}.")
                raise ValueError(f"{which} has samples of shape {v.shape[1:]}; the model expects {tuple(shape)}.")
        return xs

    def _build_for(self, shapes):
        if len(shapes) == 1:
            self.build((None, *shapes[0][1:]))
        else:
            self.build([(None, *s[1:]) for s in shapes])

    def _target_list(self, y, name="y") -> list:
        n = self._n_outputs()
        if isinstance(y, dict):
            names = self.output_names
            return [y.get(k) for k in names]
        if isinstance(y, (list, tuple)) and n > 1:
            if len(y) != n:
                raise ValueError(f"{name} has {len(y)} arrays; the model has {n} outputs {self.output_names}.")
            return list(y)
        return [y]

    def _check_targets(self, y, m, names=("x", "y")) -> list:
        ys = []
        for k, (target, loss) in enumerate(zip(self._target_list(y, names[1]), self.output_losses)):
            label = names[1] if self._n_outputs() == 1 else f"{names[1]}[{self.output_names[k]!r}]"
            if target is None or loss is None:
                ys.append(None)
                continue
            y_array = np.asarray(target)
            if y_array.ndim == 0 or y_array.shape[0] != m:
                raise ValueError(f"{names[0]} and {label} must have the same number of samples; got "
                                 f"{m} and {y_array.shape[0] if y_array.ndim else 'a scalar'}.")
            if y_array.dtype == object or not (np.issubdtype(y_array.dtype, np.number) or y_array.dtype == bool):
                raise TypeError(f"{label} must hold numbers; got dtype {y_array.dtype}. Encode class names "
                                f"as integers first.")
            problem = describe_nonfinite(label, y_array)
            if problem:
                raise ValueError(problem)
            ys.append(loss.prepare(y_array, self._output_shape(k), self.dtype, label))
        return ys

    def _output_width(self, k):
        return self._output_shape(k)[-1]

    def _output_shape(self, k) -> tuple:
        r"""The sample shape of output k (its batch axis left out)."""
        return tuple(self._graph.outputs[k].sample_shape)

    def _check_xy(self, x, y, names=("x", "y")):
        r"""(x, y) checked and as arrays, for a single-input single-output model (explain, the gradient check)."""
        xs = self._check_inputs(x, names[0])
        ys = self._check_targets(y, xs[0].shape[0], names)
        return (xs[0] if len(xs) == 1 else xs), (ys[0] if len(ys) == 1 else ys)

    def _check_x(self, x, name="x"):
        xs = self._check_inputs(x, name)
        return xs[0] if len(xs) == 1 else xs

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"Call model.compile(optimizer=..., loss=...) before {what}.")
        if not self.layers and not self._is_subclassed():
            raise ValueError("The model has no layers.")

    def check_batch(self, x, y, what: str):
        r"""(x, y) checked and as arrays of the model's dtype, for a tool that takes one batch of a
        compiled model with one input and one output (``what`` names the tool in the errors)."""
        self._require_compiled(what)
        if self._n_inputs() != 1 or self._n_outputs() != 1:
            raise TypeError(f"{what} takes models with one input and one output; this one has "
                            f"{self._n_inputs()} inputs and {self._n_outputs()} outputs.")
        return self._check_xy(x, y)

    def _ensure_compiled_for(self, xs):
        if not self.built:
            self._build_for([v.shape for v in xs])
        if not hasattr(self, "output_losses") or self._resolved_for is not self._graph:
            self._resolve_compile()
            self._resolved_for = self._graph
            self._warn_if_no_gradient()

    _resolved_for = None

    # -- forward and backward -----------------------------------------------------------------
    def _forward_all(self, xs, training) -> list:
        return self._graph.forward(xs, training)

    def _backward_all(self, output_grads, pre_activation):
        self._graph.backward(output_grads, pre_activation)

    def _forward(self, x, training):
        r"""The output for one input array (single-input, single-output models)."""
        return self._forward_all([x], training)[0]

    def _output_gradients(self, ys, outputs, sample_weights):
        grads, pre = [], []
        for k, (y, out, loss) in enumerate(zip(ys, outputs, self.output_losses)):
            if loss is None or y is None:
                grads.append(None)
                pre.append(False)
                continue
            layer = self._output_layer(k)
            grad = None
            shape = out.shape
            y, out, w = _loss_rows(loss, y, out, sample_weights[k] if sample_weights is not None else None)
            if layer is not None and layer.activation is not None and self._fusable(k):
                grad = loss.fused_gradient(layer.activation, y, out)
            pre.append(grad is not None)
            if grad is None:
                grad = loss.gradient(y, out)
            if w is not None:
                grad = grad * w.reshape(-1, *([1] * (grad.ndim - 1))).astype(grad.dtype)
            if grad.shape != shape:            # an output with steps: its rows back to (m, T, ..., k)
                grad = grad.reshape(shape)
            if self.loss_weights[k] != 1.0:
                grad = grad * grad.dtype.type(self.loss_weights[k])
            grads.append(grad)
        return grads, pre

    def loss_backward(self, y, y_pred):
        r"""Backward from the loss of one output (single-output models): fills every layer's grads."""
        grads, pre = self._output_gradients([y], [y_pred], None)
        self._backward_all(grads, pre)

    def _batch_cost(self, ys, outputs, sample_weights, m) -> tuple[float, list]:
        r"""(J, [loss of each output]) with the loss weights, sample weights and penalties."""
        parts = []
        total = 0.0
        for k, (y, out, loss) in enumerate(zip(ys, outputs, self.output_losses)):
            if loss is None or y is None:
                parts.append(None)
                continue
            y, out, w = _loss_rows(loss, y, out, None if sample_weights is None else sample_weights[k])
            value = loss(y, out) if w is None else _weighted_loss(loss, y, out, w)
            parts.append(value)
            total += self.loss_weights[k] * value
        for layer in self.layers:
            total += layer.penalty(m)
        return total, parts

    def train_step(self, x, y=None, sample_weight=None) -> tuple[float, object]:
        r"""One gradient-descent step on the batch (x, y); returns (cost, y_hat). A non-finite cost
        leaves the weights untouched. Called as Keras calls it, ``train_step(data)`` with one batch
        (x, y[, sample_weight]), it is that step and returns the logs (``steps``)."""
        if y is None and sample_weight is None:
            return self._default_train_step(x)
        xs = x if isinstance(x, list) else [x]
        ys = y if isinstance(y, list) else [y]
        outputs = self._forward_all(xs, training=True)
        cost, parts = self._batch_cost(ys, outputs, sample_weight, xs[0].shape[0])
        self._last_parts = parts
        if math.isfinite(cost):
            grads, pre = self._output_gradients(ys, outputs, sample_weight)
            self._backward_all(grads, pre)
            flat = self.flat_parameters
            self.optimizer.apply([flat.values], [flat.gradients], [flat.sizes])
            for layer in self._constrained:
                layer.apply_constraints()
        return cost, (outputs if isinstance(x, list) else outputs[0])

    def _update_metrics(self, ys, outputs, weights):
        for (name, metric), k in zip(self._compiled_metrics, self._metric_outputs):
            if ys[k] is None:
                continue
            y, out, w = ys[k], outputs[k], None if weights is None else weights[k]
            mask = None
            if out.ndim > 2:
                mask = mask_of(out)
                y, out, w = steps_as_rows(y, out, w)
            w = w if name in self._weighted_names else None
            if mask is not None and mask.size == len(out):          # padded steps count for nothing
                keep = mask.reshape(-1).astype(np.float64)
                w = keep if w is None else w * keep
            if w is not None:
                _weighted_update(metric, y, out, w)
            else:
                metric.update(y, out)

    def _logs(self, loss, parts=None):
        logs = {"loss": loss}
        if parts is not None and self._n_outputs() > 1:
            for name, part in zip(self.output_names, parts):
                if part is not None:
                    logs[f"{name}_loss"] = part
        for name, metric in self._compiled_metrics:
            logs[name] = metric.result()
        return logs

    # -- inference ----------------------------------------------------------------------------
    def _evaluate_arrays(self, xs, ys, weights, batch_size=1024, callback_list=None):
        for _, metric in self._compiled_metrics:
            metric.reset()
        total, parts_total = 0.0, [0.0] * self._n_outputs()
        n = xs[0].shape[0]
        if callback_list is not None:
            callback_list.on_test_begin({})
        for step, start in enumerate(range(0, n, batch_size)):
            if callback_list is not None:
                callback_list.on_test_batch_begin(step, {})
            index = slice(start, start + batch_size)
            xb = [_rows(v, index) for v in xs]
            yb = [None if t is None else _rows(t, index) for t in ys]
            wb = None if weights is None else [None if w is None else _rows(w, index) for w in weights]
            outputs = self._forward_all(xb, training=False)
            cost, parts = self._batch_cost(yb, outputs, wb, xb[0].shape[0])
            m = xb[0].shape[0]
            total += cost * m
            parts_total = [t + (p or 0.0) * m for t, p in zip(parts_total, parts)]
            self._update_metrics(yb, outputs, wb)
            if callback_list is not None:
                callback_list.on_test_batch_end(step, self._logs(total / (start + m)))
        logs = self._logs(total / n, [p / n for p in parts_total])
        if callback_list is not None:
            callback_list.on_test_end(dict(logs))
        return logs

    def evaluate(self, x=None, y=None, batch_size: int | None = None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict: bool = False):
        r"""The loss on (x, y) with dropout off, as Keras gives it: a float when the model has no
        metrics and one output, else the list [loss, *metrics] (in ``model.metrics_names`` order);
        ``return_dict=True`` gives {"loss": ..., name: value, ...}.

        The loss adds the regularizers' penalties and ``add_loss`` terms to the data loss, as the
        training log's "loss" and Keras 3's test step (the losses of each output leave them out).
        ``verbose`` 1 draws Keras's bar line (``2/2 ━━━━ 0s 3ms/step - accuracy: ... - loss: ...``),
        2 its line without the bar; "auto" and 0 print nothing.
        """
        self._require_compiled("evaluate")
        verbose = _verbosity("evaluate", verbose, 0)
        if self._uses_steps(x, step="test_step"):     # batches, or the model's own test_step
            callback_list = self._inference_callbacks("evaluate", callbacks, verbose, steps)
            with np.errstate(over="ignore", invalid="ignore"):
                result = self._step_evaluate(x, y, sample_weight, batch_size, steps, callback_list)
            values = list(result.values())
            return result if return_dict else (values[0] if len(values) == 1 else values)
        if x is None or y is None:
            raise ValueError("evaluate needs x and y (arrays), or batches: a generator, a keras.utils.PyDataset "
                             "or an iterable of (x, y) batches.")
        batch_size = 32 if batch_size is None else check_number("evaluate", "batch_size", batch_size, 1, integer=True)
        xs = self._check_inputs(x)
        self._ensure_compiled_for(xs)
        ys = self._check_targets(y, xs[0].shape[0])
        weights = self._sample_weights(sample_weight, None, ys, xs[0].shape[0])
        if steps is not None:
            limit = check_number("evaluate", "steps", steps, 1, integer=True) * batch_size
            xs, ys = [v[:limit] for v in xs], [None if t is None else t[:limit] for t in ys]
            weights = None if weights is None else [None if w is None else w[:limit] for w in weights]
        callback_list = self._inference_callbacks("evaluate", callbacks, verbose, -(-xs[0].shape[0] // batch_size))
        with np.errstate(over="ignore", invalid="ignore"):
            result = self._evaluate_arrays(xs, ys, weights, batch_size, callback_list)
        if return_dict:
            return result
        values = list(result.values())
        return values[0] if len(values) == 1 else values

    def _inference_callbacks(self, owner, callbacks, verbose, steps):
        r"""The CallbackList of one ``evaluate`` / ``predict`` pass of ``steps`` batches (None: not known
        ahead): the bar line when ``verbose``, then the user's callbacks."""
        progress = [callbacks_module.ProgressLogger(verbose)] if verbose else []
        callback_list = callbacks_module.CallbackList(progress + _callback_list(owner, callbacks), self)
        callback_list.set_params({"verbose": verbose, "epochs": 1, "steps": steps})
        return callback_list

    @property
    def metrics_names(self) -> list[str]:
        return list(self._logs(0.0, [0.0] * self._n_outputs()) if self.compiled and self.built and
                    hasattr(self, "output_losses") else ["loss"])

    def predict(self, x, batch_size: int | None = None, verbose="auto", steps=None, callbacks=None):
        r"""The model's outputs for x (probabilities for sigmoid / softmax outputs), dropout off; a
        list of arrays for a model with several outputs. ``verbose`` 1 draws Keras's bar line
        (``57/57 ━━━━ 0s 1ms/step``), 2 that line without the bar; "auto" and 0 print nothing."""
        if not self.layers and not self._is_subclassed():
            raise ValueError("The model has no layers.")
        verbose = _verbosity("predict", verbose, 0)
        if self._uses_steps(x, step="predict_step"):     # batches, or the model's own predict_step
            callback_list = self._inference_callbacks("predict", callbacks, verbose, steps)
            return self._step_predict(x, batch_size, steps, callback_list)
        batch_size = 32 if batch_size is None else check_number("predict", "batch_size", batch_size, 1, integer=True)
        xs = self._check_inputs(x)
        n = xs[0].shape[0]
        if steps is not None:
            n = min(n, check_number("predict", "steps", steps, 1, integer=True) * batch_size)
        callback_list = self._inference_callbacks("predict", callbacks, verbose, -(-n // batch_size))
        callback_list.on_predict_begin({})
        chunks = []
        for step, start in enumerate(range(0, n, batch_size)):
            callback_list.on_predict_batch_begin(step, {})
            outputs = self._forward_all([v[start:min(start + batch_size, n)] for v in xs], training=False)
            outputs = [o.copy() for o in outputs]
            chunks.append(outputs)
            callback_list.on_predict_batch_end(step, {"outputs": outputs if self._many_outputs else outputs[0]})
        callback_list.on_predict_end({})
        joined = [np.concatenate([c[k] for c in chunks]) for k in range(len(chunks[0]))]
        return self._structured(joined)

    def _structured(self, outputs):
        r"""Outputs as the model was given them: one array, a list, or a dict by output name."""
        if self._output_keys is not None:
            return dict(zip(self._output_keys, outputs))
        return outputs if self._many_outputs else outputs[0]

    def __call__(self, inputs, training=None, **kwargs):
        if symbolic.is_symbolic(inputs):
            if not self.built:
                self.build(inputs.shape if isinstance(inputs, symbolic.SymbolicTensor) else
                           [t.shape for t in inputs])
            return symbolic.call_layer(self, inputs)
        xs = self._check_inputs(inputs)
        outputs = self._forward_all(xs, training=bool(training))      # (draws the dropout masks)
        tape = _recording_tape()
        self._tape_losses = None
        if tape is not None:
            outputs = self._on_tape(tape, xs, self._input_list(inputs))
        return eager(self._structured(outputs))

    def _on_tape(self, tape, xs, given=()):
        r"""The outputs as Tensors recorded on ``tape``, each weight standing in as a watched Tensor
        (``tape.watch_array``): TensorFlow's ``tape.gradient(loss, model.trainable_weights)`` loop. An
        input that is already a Tensor of the tape (another model's output: a VAE's decoder(z), a GAN's
        discriminator(generator(z))) stays one, so the gradient flows back through it."""
        from ..autodiff.tensor import Tensor
        found = []          # the penalties and add_loss terms of this call, as Tensors: model.losses

        def forward(layer, a):
            vars(layer)["_added_losses"] = []
            out, penalty = layer.tape_forward(a, [tape.watch_array(p) for p in layer.params])
            if isinstance(penalty, Tensor) or penalty:
                found.append(penalty)
            found.extend(layer.__dict__.get("_added_losses", []))
            return out

        def run(model, inputs):
            return run_layers(model, inputs, lambda layer, a: run(layer, [a])[0] if isinstance(layer, Model)
                              else forward(layer, a))
        given = list(given) if len(given) == len(xs) else [None] * len(xs)
        outputs = run(self, [g if isinstance(g, Tensor) and g.shape == x.shape else Tensor(np.asarray(x))
                             for g, x in zip(given, xs)])
        self._tape_losses = found
        return outputs

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=max(1, len(self._input_list(x)[0])))

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False):
        r"""One gradient step on this batch; returns the loss (and metrics) as ``evaluate`` does."""
        self._require_compiled("train_on_batch")
        xs = self._check_inputs(x)
        self._ensure_compiled_for(xs)
        ys = self._check_targets(y, xs[0].shape[0])
        weights = self._sample_weights(sample_weight, class_weight, ys, xs[0].shape[0])
        for _, metric in self._compiled_metrics:
            metric.reset()
        with np.errstate(over="ignore", invalid="ignore"):
            cost, outputs = self.train_step(xs, ys, weights)
        self._update_metrics(ys, outputs, weights)
        result = self._logs(cost, self._last_parts)
        return result if return_dict else (list(result.values()) if len(result) > 1 else cost)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        return self.evaluate(x, y, batch_size=max(1, len(self._input_list(x)[0])), sample_weight=sample_weight,
                             verbose=0, return_dict=return_dict)

    # -- files --------------------------------------------------------------------------------
    def save(self, filepath, overwrite: bool = True, include_optimizer: bool = True, **kwargs) -> None:
        r"""Write the model to one safetensors file (see ``neurona.saving``) whatever the extension
        (``model.keras``, ``model.safetensors``); ``neurona.models.load_model`` reads it back."""
        from .. import saving
        _check_overwrite(filepath, overwrite)
        saving.save_model(self, filepath, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        r"""Write the weights alone (safetensors); ``load_weights`` puts them into a model of the same
        architecture."""
        from .. import saving
        _check_overwrite(filepath, overwrite)
        saving.save_weights(self, filepath)

    def load_weights(self, filepath, skip_mismatch: bool = False) -> None:
        from .. import saving
        saving.load_weights(self, filepath)

    # -- description --------------------------------------------------------------------------
    def summary_rows(self) -> list[tuple[str, str, str]]:
        r"""(layer (type), output shape, parameters) of each layer, as ``summary`` shows them."""
        rows = []
        for i, layer in enumerate(self.layers):
            shape = f"(None, {', '.join(map(str, layer.sample_output_shape))})" if layer.built else "(unbuilt)"
            rows.append((f"{layer.display_name(i)} ({layer.describe()})", shape, f"{layer.count_params():,}"))
        return rows

    def summary_text(self) -> str:
        r"""The table ``summary`` prints: the layers, their output shapes and parameter counts."""
        rows = [("Layer (type)", "Output Shape", "Param #")] + self.summary_rows()
        widths = [max(len(r[c]) for r in rows) + 2 for c in range(3)]
        rule = "=" * sum(widths)
        lines = [f'Model: "{self.name}"', rule]
        for k, row in enumerate(rows):
            lines.append("".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
            lines.append(rule if k == 0 else "-" * sum(widths) if k < len(rows) - 1 else rule)
        trainable = sum(p.size for p in self.trainable_weights)
        frozen = sum(w.size for w in self.non_trainable_weights)
        lines += [f"Total params: {trainable + frozen:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {frozen:,}"]
        return "\n".join(lines)

    def summary(self, print_fn=None, line_length=None, positions=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        r"""Print the layer table (``summary_text()`` gives it as a string); ``print_fn`` receives
        it instead of ``print``. Returns None, as Keras does."""
        (print_fn or print)(self.summary_text())

    def _repr_html_(self) -> str:
        from ..notebook import model_html
        trainable = sum(p.size for p in self.trainable_weights)
        frozen = sum(w.size for w in self.non_trainable_weights)
        return model_html(self.name, self.summary_rows(), trainable + frozen, trainable)

    def explain(self, x, y, print_fn=print) -> dict:
        r"""One forward and backward pass on (x, y), printed as the chain rule with every z, a,
        dL/da, da/dz, dz/dW and its shape (see ``neurona.explain``); returns the arrays."""
        from ..explain import explain
        return explain(self, x, y, print_fn)

    def get_config(self) -> dict:
        if self._graph is None:
            raise ValueError("An unbuilt model has no config yet: build it (or call it on data) first.")
        return {"class": "functional", "name": self.name, "seed": self.seed, "dtype": self.dtype.name,
                "many_inputs": self._many_inputs, "many_outputs": self._many_outputs, "output_keys": self._output_keys,
                "layers": [layer.file_config() for layer in self.layers], **self._graph.to_config()}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        return model_from_config(config, custom_objects)

    def file_config(self) -> dict:
        r"""A nested model's config in a file: its own config, tagged as a model."""
        return {"name": "model", "config": self.get_config(), "trainable": self.trainable}

    def to_json(self, **kwargs) -> str:
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def _recording_tape():
    r"""The innermost GradientTape that is recording, or None."""
    from ..autodiff.tensor import recording_tape
    return recording_tape()


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _loss_rows(loss, y, out, w):
    r"""(y, y_hat, weights) as a loss reads them: an output with steps as rows (``steps_as_rows``); when
    the output carries a mask (padded steps), Keras's weights: 0 on a padded step and total / valid on the
    others, so that the mean runs over the real steps."""
    if out.ndim <= 2:
        return y, out, w
    mask = mask_of(out)
    if loss.by_step:
        y, out, w = steps_as_rows(y, out, w)
    if mask is None or mask.size != len(out):
        return y, out, w
    keep = mask.reshape(-1).astype(np.float64)
    keep *= keep.size / (keep.sum() + 1e-7)
    return y, out, keep if w is None else w * keep


def _weighted_loss(loss, y, out, w) -> float:
    r"""(1/m) sum_i w_i loss(y_i, y_hat_i): Keras' weighting (the mean over the batch)."""
    per_sample = getattr(loss, "per_sample", None)
    if per_sample is not None:
        values = per_sample(y, out)
    else:
        values = np.array([loss(y[i:i + 1], out[i:i + 1]) for i in range(len(w))])
    return float(np.dot(values, w) / len(w))


def _weighted_update(metric, y, out, w):
    update = metric.update
    if "sample_weight" in inspect.signature(update).parameters:
        update(y, out, sample_weight=w)
        return
    values = getattr(metric, "values", None)
    if values is None or not hasattr(metric, "total"):
        raise ValueError(f"The metric {type(metric).__name__} cannot be weighted by sample; give it in "
                         f"metrics= instead of weighted_metrics=.")
    v = np.asarray(values(y, out), dtype=np.float64).reshape(len(w), -1)
    metric.total += float(np.sum(v * w[:, None]))
    metric.count += float(np.sum(w) * v.shape[1])


def _check_overwrite(filepath, overwrite):
    r"""Refuse to replace a file when ``overwrite=False``; create missing parent directories (as
    Keras does for "checkpoints/model.weights.h5")."""
    import os
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False: nothing was written.")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)


__all__ = ["Model", "NoGradientWarning", "BatchLogs"]
