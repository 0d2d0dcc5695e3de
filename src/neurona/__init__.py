r"""neurona: neural networks from first principles on NumPy.

    import neurona as nr
    model = nr.Sequential([nr.layers.Dense(64, activation="relu"),
                           nr.layers.Dense(10, activation="softmax")], input_dim=784, seed=0)
    model.compile(optimizer=nr.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=10, batch_size=128, validation_split=0.1)

Keras code for dense networks runs with ``import neurona as keras``: ``keras.Input``,
``keras.Model``, ``keras.Sequential``, ``keras.layers``, ``keras.models``, ``keras.callbacks``, ...
"""
import importlib

from . import (activations, autodiff, callbacks, config, constraints, data, datasets, initializers, layers, losses,
               metrics, ops, optimizers, plot, random, regularizers, schedules, utils)
from . import estimators, linear, neurons
from . import models, saving
from .models.model import Model, NoGradientWarning
from .saving import load_model
from .models.sequential import Sequential
from .symbolic import Input, SymbolicTensor
from .autodiff import GradientTape, Variable
from .initializers import Initializer
from .layers import Layer
from .losses import Loss
from .metrics import Metric
from .optimizers import Optimizer
from .regularizers import Regularizer

__version__ = "0.1.0"

__all__ = ["Sequential", "Model", "Input", "GradientTape", "Variable", "NoGradientWarning", "load_model", "activations", "autodiff", "callbacks",
           "data", "datasets", "initializers", "layers", "losses", "metrics", "models", "ops", "optimizers",
           "plot", "regularizers", "saving", "schedules", "utils"]
__all__ += ["estimators", "linear", "neurons", "config", "constraints", "random"]
__all__ += ["Initializer", "Layer", "Loss", "Metric", "Optimizer", "Regularizer"]


def __getattr__(name):
    import importlib.util
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")        # a submodule not imported yet (cli, ...)
    from ._unsupported import unsupported
    raise unsupported("neurona", name, __all__)
