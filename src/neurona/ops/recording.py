r"""Every public function of ``neurona.ops`` on the symbolic tensors of a model being built: called
with one anywhere in its arguments (also inside a list, e.g. ``ops.stack([x, y])``, or as a keyword),
it is recorded as an ``Op`` layer instead of run, as ``keras.ops`` does on ``keras.Input`` tensors:

    x = neurona.Input((3, 4))
    y = ops.tensordot(x, x, 2)          # an Op layer: y has shape (None,)

On arrays and autodiff Tensors the function runs as written; the check costs a few isinstance calls.
"""
from __future__ import annotations

import inspect

from ..symbolic import SymbolicTensor, apply_op


_SEQUENCES = (list, tuple)


def _holds_symbolic(values) -> bool:
    for v in values:
        if isinstance(v, SymbolicTensor) or isinstance(v, _SEQUENCES) and _holds_symbolic(v):
            return True
    return False


def symbolic_aware(name: str, function):
    r"""``function`` that records an Op layer named ``name`` when an argument is symbolic."""
    def apply(*args, **kwargs):
        for v in args:                          # the loop inline: the eager call pays a few isinstance
            if isinstance(v, SymbolicTensor) or isinstance(v, _SEQUENCES) and _holds_symbolic(v):
                return apply_op(name, *args, **kwargs)
        if kwargs and _holds_symbolic(kwargs.values()):
            return apply_op(name, *args, **kwargs)
        return function(*args, **kwargs)

    apply.__name__, apply.__qualname__, apply.__doc__ = name, name, function.__doc__
    apply.__module__ = function.__module__
    if hasattr(function, "__wrapped__"):        # a differentiable one (``_dual``) stays marked as such
        apply.__wrapped__ = function
    else:
        try:
            apply.__signature__ = inspect.signature(function)
        except (TypeError, ValueError):         # pragma: no cover - a builtin without a signature
            pass
    return apply


#: facts about a tensor, not functions of its values: asked of a symbolic tensor, they answer (shape,
#: ndim) or have nothing to record
UNRECORDED = {"shape", "ndim", "size", "dtype", "is_tensor"}


def make_aware(namespace: dict, names) -> None:
    r"""Each function of ``names`` in the module ``namespace``, made symbolic-aware in place."""
    for name in names:
        if name not in UNRECORDED:
            namespace[name] = symbolic_aware(name, namespace[name])
