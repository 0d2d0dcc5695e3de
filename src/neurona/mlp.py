r"""The one multilayer-perceptron builder: the CLI, the estimators, the tuner and the playground all
build their networks here, so that they agree on initialisation and output layers.

    model = build_mlp(2, [8, 8], 1, activation="tanh", output_activation="sigmoid", seed=0)

Hidden layer l:   a^[l] = f_l(a^[l-1] W^[l] + b^[l])    (then Dropout(rate_l) when rate_l > 0)
Output layer:     y_hat = g(a^[L-1] W^[L] + b^[L])

Initialisation: He (variance 2 / n_in) for the ReLU family, whose outputs are zero half the time,
Glorot (variance 2 / (n_in + n_out)) for the symmetric activations (tanh, sigmoid, ...).
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence

from . import activations, layers
from .validation import check_number

#: activations whose half-line of zeros asks for He initialisation
RELU_FAMILY = ("relu", "leaky_relu", "elu", "selu", "gelu", "swish", "silu")


def output_for(task: str, n_classes: int | None = None) -> tuple[int, str | None, str]:
    r"""(units, activation, loss) of the output layer a task needs: a sigmoid unit and binary
    cross-entropy for two classes, softmax and sparse categorical cross-entropy for more (targets
    are class indices), a linear unit and the mean squared error for a value."""
    if task == "regression":
        return 1, None, "mse"
    if task != "classification":
        raise ValueError(f"task must be 'classification' or 'regression'; got {task!r}.")
    n = check_number("output_for", "n_classes", n_classes, 2, integer=True)
    if n == 2:
        return 1, "sigmoid", "binary_crossentropy"
    return n, "softmax", "sparse_categorical_crossentropy"


def class_probabilities(outputs):
    r"""(samples, classes) probabilities from the outputs of ``output_for``'s layer: a single
    sigmoid unit p gives the two columns 1 - p, p; softmax outputs are already one column per class."""
    import numpy as np

    outputs = np.asarray(outputs)
    return np.concatenate([1.0 - outputs, outputs], axis=1) if outputs.shape[1] == 1 else outputs


def default_initializer(activation) -> str:
    r"""He (uniform) for the ReLU family, Glorot (uniform) otherwise."""
    name = activation if isinstance(activation, str) else getattr(activation, "registry_name", None)
    return "he_uniform" if name in RELU_FAMILY else "glorot_uniform"


def _per_layer(name: str, value, n: int, kinds) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"build_mlp: {name} has {len(value)} entries but there are {n} hidden layers; "
                             f"give one per layer or a single value.")
        return list(value)
    if value is not None and not isinstance(value, kinds):
        raise TypeError(f"build_mlp: {name} must be one value or a list with one per hidden layer; got {value!r}.")
    return [value] * n


def hidden_layers(hidden: Sequence[int], activation="relu", dropout=0.0, kernel_regularizer=None,
                  kernel_initializer=None) -> list[layers.Layer]:
    r"""The hidden Dense layers (and their Dropout) of an MLP; ``activation`` and ``dropout`` are
    one value or one per layer; ``kernel_initializer=None`` picks He or Glorot by activation."""
    sizes = (hidden,) if isinstance(hidden, numbers.Integral) else tuple(hidden)
    for size in sizes:
        check_number("build_mlp", "hidden layer size", size, 1, integer=True)
    acts = _per_layer("activation", activation, len(sizes), (str, activations.Activation))
    rates = _per_layer("dropout", dropout, len(sizes), numbers.Real)
    stack: list[layers.Layer] = []
    for size, act, rate in zip(sizes, acts, rates):
        init = kernel_initializer or default_initializer(act)
        stack.append(layers.Dense(size, activation=act, kernel_initializer=init,
                                  kernel_regularizer=kernel_regularizer))
        if rate:
            stack.append(layers.Dropout(check_number("build_mlp", "dropout", rate, 0, 1, high_open=True)))
    return stack


def mlp_layers(hidden: Sequence[int], n_outputs: int, activation="relu", output_activation=None, dropout=0.0,
               kernel_regularizer=None, kernel_initializer=None, use_bias: bool = True,
               output_initializer="glorot_uniform") -> list[layers.Layer]:
    r"""The layers of an MLP: those of ``hidden_layers``, then a Dense output of ``n_outputs`` units
    with ``output_activation`` (None: linear), Glorot-initialised unless ``output_initializer`` says
    otherwise (the convex linear models start from zeros)."""
    stack = hidden_layers(hidden, activation, dropout, kernel_regularizer, kernel_initializer)
    stack.append(layers.Dense(check_number("build_mlp", "n_outputs", n_outputs, 1, integer=True),
                              activation=output_activation, use_bias=use_bias,
                              kernel_initializer=output_initializer, kernel_regularizer=kernel_regularizer))
    return stack


def build_mlp(n_inputs: int | None, hidden: Sequence[int], n_outputs: int, activation="relu",
              output_activation=None, dropout=0.0, kernel_regularizer=None, kernel_initializer=None,
              use_bias: bool = True, seed=None, dtype="float32", name: str | None = None):
    r"""An uncompiled ``Sequential`` of ``mlp_layers``."""
    from .models.sequential import Sequential

    stack = mlp_layers(hidden, n_outputs, activation, output_activation, dropout, kernel_regularizer,
                       kernel_initializer, use_bias)
    return Sequential(stack, input_dim=n_inputs, seed=seed, dtype=dtype, name=name)
