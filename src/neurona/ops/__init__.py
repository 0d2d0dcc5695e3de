r"""``neurona.ops``: the autodiff operations under Keras 3's names (``keras.ops``).

Arrays in, arrays out; Tensors in, Tensors out. On autodiff Tensors (``neurona.autodiff``) every
operation is recorded on an open ``GradientTape``, so a custom loss, metric or training loop
written with these functions gets its gradient from the tape:

    from neurona import ops
    def rmse(y_true, y_pred):
        return ops.sqrt(ops.mean(ops.square(y_pred - y_true), axis=-1))

The differentiable ones are built from the primitives of ``autodiff.ops`` (their derivatives are
the table in ``autodiff.derivatives``); the activations are those of ``neurona.activations`` in
their tape form (each activation's ``call``). Index-valued and boolean operations (``argmax``,
``one_hot``, comparisons) have no gradient and give arrays.

On the symbolic tensors of a model being built (``neurona.Input``, or a subclassed model's ``call``)
every function records an ``Op`` layer instead (see ``ops.recording``), as ``keras.ops`` does.
The namespaces of ``keras.ops`` are here too: ``ops.numpy``, ``ops.nn``, ``ops.linalg``.
"""
from ..registry import not_in_neurona
from .core import *        # noqa: F401,F403  shapes, casts, conversions, stop_gradient
from .numpy import *       # noqa: F401,F403  keras.ops.numpy: arithmetic, reductions, shapes, gathers, ...
from .nn import *          # noqa: F401,F403  keras.ops.nn: activations, convolutions, cross-entropies, ...
from .linalg import *      # noqa: F401,F403  keras.ops.linalg: inverses, solutions, factorisations

#: the public functions, the only ones a model file's Op layer may name
OPERATIONS = frozenset(name for name, value in globals().items() if callable(value) and not name.startswith("_")
                       and not isinstance(value, type) and name != "not_in_neurona")

__getattr__ = not_in_neurona(__name__, "operation", lambda: sorted(OPERATIONS))
