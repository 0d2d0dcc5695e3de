r"""Gradient-descent optimizers. Each updates the parameters in place from their gradients.

    opt = optimizers.get("adam")          # or Adam(learning_rate=1e-3)
    opt.apply(params, grads)              # one step: p <- p - alpha * (the rule's direction)

Batch, mini-batch and stochastic gradient descent are all ``SGD``: what changes is the batch the
gradients are averaged over (``batch_size`` = n, k or 1 in ``fit``).

The learning rate may be a number or a schedule (``schedules.ExponentialDecay(...)``); a schedule
is evaluated at the optimizer's step count before each update.
"""
import sys

from .. import schedules
from ..registry import not_in_neurona
from .base import Optimizer, get, register, registry  # noqa: F401  (the public names)
from .classic import SGD, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop  # noqa: F401
from .others import Adadelta, Adafactor, Ftrl, Lamb, Lion  # noqa: F401

#: the public names, which the API reference shows on this package's page
__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Nadam", "Adagrad", "Adamax", "Adadelta", "Adafactor", "Ftrl",
           "Lamb", "Lion", "get", "register", "registry", "serialize", "deserialize"]

sys.modules[__name__ + ".schedules"] = schedules      # ``from neurona.optimizers.schedules import ...``, as Keras


def serialize(optimizer) -> dict:
    return get(optimizer).get_config()


def deserialize(config) -> Optimizer:
    return get(config)


__getattr__ = not_in_neurona(__name__, "optimizer", registry.class_names)
