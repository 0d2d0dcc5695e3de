r"""neurona.autodiff: tensors that compute their own gradients (reverse mode), as seed 004 does
with TensorFlow's GradientTape, and the computational graphs of seed 001.

    from neurona import autodiff as ad
    w, b = ad.Variable(0.5), ad.Variable(0.0)
    with ad.GradientTape() as tape:
        loss = ad.mean((y - (x * w + b)) ** 2)
    gw, gb = tape.gradient(loss, [w, b])
    w.assign_sub(0.1 * gw)

    ad.numerical_gradient(f, [w, b], method="central")   # the seeds' slope
    tape.graph(loss).render("graph.svg")                 # the graph, drawn by Graphviz

Modules: tensor (Tensor, Variable), ops (the operations), derivatives (their derivatives, one
table), backprop (the backward walk), tape, numerical, graph. It knows nothing of layers, losses or
models: each of those carries its own tape form (``call``) written with these operations.
The gradient check of whole models, which builds on models, is ``neurona.gradcheck``.
"""
from .derivatives import DERIVATIVES
from .graph import Graph, GraphvizNotFoundError
from .numerical import numerical_gradient, relative_error
from .ops import (abs, add, clip, concatenate, cos, divide, erf, exp, getitem, log, log_softmax, matmul, max,
                  maximum, mean, minimum, multiply, negative, power, relu, reshape, sigmoid, sin, softmax,
                  sqrt, subtract, sum, tanh, transpose, where)
from .tape import GradientTape
from .tensor import Tensor, Variable

reduce_sum, reduce_mean, reduce_max = sum, mean, max        # TensorFlow's names, for the seeds' code

# abs, sum and max are left out of __all__: a star import would hide Python's own (use ad.sum).
__all__ = ["Tensor", "Variable", "GradientTape", "numerical_gradient", "relative_error", "Graph", "GraphvizNotFoundError",
           "DERIVATIVES",
           "add", "clip", "concatenate", "cos", "divide", "erf", "exp", "getitem", "log", "log_softmax", "matmul",
           "maximum", "mean", "minimum", "multiply", "negative", "power", "relu", "reshape", "sigmoid", "sin",
           "softmax", "sqrt", "subtract", "tanh", "transpose", "where", "reduce_sum", "reduce_mean", "reduce_max"]


def __getattr__(name):
    if name == "FunctionLoss":
        raise AttributeError("FunctionLoss is a loss: it is neurona.losses.FunctionLoss.")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
