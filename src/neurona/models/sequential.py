r"""Sequential: a chain of layers, each feeding the next.

    model = Sequential([Dense(64, activation="relu"), Dense(10, activation="softmax")], input_dim=784, seed=0)
    model = Sequential([neurona.Input(shape=(784,)), Dense(64, activation="relu"), Dense(10)])
    model = Sequential(); model.add(Dense(64, input_shape=(784,))); ...

forward   a^[0] = x,  a^[l] = layer_l(a^[l-1]),  y_hat = a^[L]
backward  dJ/da^[l-1] = layer_l.backward(dJ/da^[l]), from the last layer to the first

The input shape comes from ``input_dim``/``input_shape``, an ``Input`` first element, the first
layer's ``input_shape=``, ``build(input_shape)``, or else the data of the first call, fit or predict.
"""
from __future__ import annotations

import numpy as np

from .. import layers as layers_module
from .. import symbolic
from .model import Model
from .model_config import builds, layer_from_config
from ..validation import check_number


@builds("sequential")
class Sequential(Model):
    r"""A linear stack of layers.

    layers       list of layers (``neurona.layers.Dense`` ...; an ``Input`` first); more with ``add``
    input_dim    number of input features (or ``input_shape``, per sample); if None, taken from the
                 first layer's ``input_shape=`` or from the data at the first fit
    seed         seeds the initial weights, shuffling and dropout: the same seed gives the same run,
                 bit for bit
    dtype        "float32" (fast) or "float64" (exact arithmetic for gradient checks); None (default)
                 takes ``config.floatx()``, as Keras
    """

    def __init__(self, layers=None, input_dim: int | None = None, seed: int | None = None, dtype=None,
                 name: str | None = None, trainable: bool = True, input_shape=None):
        layers_module.Layer.__init__(self, name, trainable=trainable)
        self._init_model(seed, dtype, name or "sequential")
        self._layers: list = []
        self._input_shape = None
        self._input_dtype = None        # the dtype of an Input first: symbolic.STRING for texts
        if input_dim is not None:
            self._input_shape = (check_number("Sequential", "input_dim", input_dim, 1, integer=True),)
        if input_shape is not None:
            self._input_shape = layers_module.sample_shape("Sequential", (None, *input_shape)
                                                           if isinstance(input_shape, (tuple, list)) else input_shape)
        self.input_dim = None if self._input_shape is None else self._input_shape[-1]
        for layer in layers or []:
            self.add(layer)

    # -- structure -------------------------------------------------------------------------------
    @property
    def layers(self) -> list:
        return list(self._layers)

    def add(self, layer):
        r"""Append a layer (or a model used as a layer); an ``Input`` or ``InputLayer`` sets the input shape."""
        if isinstance(layer, dict):
            layer = layer_from_config(layer)
        if isinstance(layer, symbolic.SymbolicTensor):
            if layer.node is not None:
                raise TypeError("Sequential.add takes layers, or neurona.Input(...) first; got the output of a layer.")
            self._set_input_shape(layer.sample_shape)
            self._input_dtype = layer.dtype
            return
        if isinstance(layer, layers_module.InputLayer):
            self._set_input_shape(layer.shape)
            return
        if not isinstance(layer, layers_module.Layer):
            raise TypeError(f"Sequential.add takes a layer (e.g. neurona.layers.Dense(10)); got {layer!r}.")
        if layer.n_inputs != 1:
            raise TypeError(f"{type(layer).__name__} merges several inputs: use the functional API "
                            f"(neurona.Model(inputs, outputs)), not a Sequential.")
        if not self._layers and self._input_shape is None:
            declared = layer.input_shape_declared
            if declared is None and layer.built:
                declared = layer.sample_input_shape
            if declared is not None:
                self._input_shape = tuple(declared)
        self._layers.append(layer)
        self.built = False
        if self._input_shape is not None:
            self.build()

    def pop(self):
        r"""Remove and return the last layer."""
        if not self._layers:
            raise IndexError("Sequential.pop: the model has no layers.")
        layer = self._layers.pop()
        if self._layers and self._input_shape is not None:
            self.build()
        else:
            self.built = False
        return layer

    def _set_input_shape(self, shape):
        if self._layers:
            raise ValueError("An Input must come first in a Sequential.")
        self._input_shape = tuple(shape)
        self.input_dim = self._input_shape[-1]

    def build(self, input_shape=None, rng=None, dtype=None):
        r"""Create every layer's weights for inputs of ``input_shape`` (an int n of features, or a
        Keras shape such as (None, 4))."""
        if rng is not None:
            self.rng = rng
        if dtype is not None and np.dtype(dtype) != self.dtype:
            self.dtype = np.dtype(dtype)
        if input_shape is not None:
            shape = layers_module.sample_shape("Sequential.build", input_shape)
            if self._input_shape is not None and shape != self._input_shape and self.built:
                raise ValueError(f"The model was built for inputs of shape {self._input_shape}; got {shape}.")
            self._input_shape = shape
        if self._input_shape is None:
            raise ValueError("The model does not know its input size yet: give input_dim= or call fit first.")
        shape = self._input_shape
        for layer in self._layers:
            if not layer.built or rng is not None:
                layer.build((None, *shape), self.rng, self.dtype)
            elif tuple(layer.sample_input_shape) != tuple(shape):
                raise ValueError(f"Layer {layer.display_name()!r} was built for inputs of shape "
                                 f"{layer.sample_input_shape}; in this model it receives {shape}.")
            shape = layer.sample_output_shape
        self.input_dim = self._input_shape[-1]
        self.sample_input_shape = self._input_shape
        self.sample_output_shape = shape
        self.output_dim = shape[-1]
        self.built = bool(self._layers)
        if self.built:
            self._symbolic_chain()          # the layers' input and output tensors, as Keras sets them
        self._resolved_for = None
        self._pack_parameters()
        if self.compiled and self.built:
            self._resolve_compile()
            self._resolved_for = self
        return shape if input_shape is None or not isinstance(input_shape, int) else shape[-1]

    @property
    def input_shape(self):
        return None if self._input_shape is None else (None, *self._input_shape)

    @property
    def activation(self):
        return self._layers[-1].activation if self._layers else None

    # -- the chain -------------------------------------------------------------------------------
    def _n_outputs(self):
        return 1

    def _n_inputs(self):
        return 1

    def _output_layer(self, k):
        return self._layers[-1]

    def _fusable(self, k):
        return True

    def _output_shape(self, k) -> tuple:
        return tuple(self.sample_output_shape)

    def _ensure_compiled_for(self, xs):
        if not self.built:
            self._build_for([v.shape for v in xs])
        if self._resolved_for is not self:
            self._resolve_compile()
            self._resolved_for = self
            self._warn_if_no_gradient()

    @property
    def output_names(self):
        return [self._layers[-1].display_name(len(self._layers) - 1)] if self._layers else ["output"]

    def _forward(self, x, training):
        for layer in self._layers:
            x = layer.forward(x, training)
        return x

    def _forward_all(self, xs, training):
        return [self._forward(xs[0], training)]

    def _backward_all(self, output_grads, pre_activation):
        self._chain_backward(output_grads[0], pre_activation[0], need_input_grad=False)

    def _chain_backward(self, grad, pre_activation, need_input_grad):
        for i in range(len(self._layers) - 1, -1, -1):
            grad = self._layers[i].backward(grad, pre_activation=pre_activation,
                                            need_input_grad=i > 0 or need_input_grad)
            pre_activation = False
        return grad

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return self._chain_backward(grad, pre_activation, need_input_grad)

    def _is_subclassed(self):
        return False

    @property
    def inputs(self):
        r"""[the symbolic input] of a built Sequential (its layers' ``input``/``output`` are then set too),
        so that ``Model(inputs=seq.inputs, outputs=seq.get_layer("hidden").output)`` extracts features."""
        return None if not self.built else [self._symbolic_chain()[0]]

    @property
    def outputs(self):
        return None if not self.built else [self._symbolic_chain()[1]]

    def _symbolic_chain(self):
        key = [self._input_shape, self.dtype] + [id(layer) for layer in self._layers]
        if getattr(self, "_chain_for", None) != key:
            text = self.string_inputs()[0]
            start = symbolic.Input(shape=self._input_shape, dtype="string" if text else self.dtype)
            end = start
            for layer in self._layers:
                end = symbolic.call_layer(layer, end)
            self._chain, self._chain_for = (start, end), key
        return self._chain

    def string_inputs(self) -> list:
        r"""[True] after an Input of strings, [None] (the data decides) before a first layer that reads
        strings and, as TextVectorization, may be given texts without an Input, else [False]."""
        if self._input_dtype == symbolic.STRING:
            return [True]
        return [None if self._layers and getattr(self._layers[0], "takes_strings", False) else False]

    def get_config(self) -> dict:
        config = {"name": self.name, "input_dim": self.input_dim, "seed": self.seed, "dtype": self.dtype.name,
                  "layers": [layer.file_config() for layer in self._layers]}
        if self._input_shape is not None and len(self._input_shape) > 1:
            config["input_shape"] = list(self._input_shape)
            config["input_dim"] = None
        return config


