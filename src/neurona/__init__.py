r"""neurona: neural networks from first principles on NumPy.

    import neurona as nr
    model = nr.Sequential([nr.layers.Dense(64, activation="relu"),
                           nr.layers.Dense(10, activation="softmax")], input_dim=784, seed=0)
    model.compile(optimizer=nr.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=10, batch_size=128, validation_split=0.1)
"""
from . import (activations, autodiff, callbacks, data, datasets, initializers, layers, losses, metrics, ops,
               optimizers, plot, regularizers, schedules, utils)
from . import estimators, linear, neurons
from .saving import load_model
from .model import NoGradientWarning, Sequential

__version__ = "0.1.0"

__all__ = ["Sequential", "NoGradientWarning", "load_model", "activations", "autodiff", "callbacks", "data", "datasets",
           "initializers", "layers", "losses", "metrics", "ops", "optimizers", "plot", "regularizers", "schedules",
           "utils"]
__all__ += ["estimators", "linear", "neurons"]
