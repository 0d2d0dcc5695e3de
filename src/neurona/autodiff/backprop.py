r"""Reverse-mode differentiation: the chain rule applied node by node, from the output back.

    1. order the graph so that every node comes after its inputs (a loop, not recursion: a chain
       of 10,000 operations is as easy as one of 3);
    2. start with dL/dL = 1 at the output;
    3. visit the nodes from the output back; each passes g = dL/d(node) through its entry of
       DERIVATIVES to its inputs, which add up what they receive from all their uses.
"""
from __future__ import annotations

import numpy as np

from .derivatives import DERIVATIVES, unbroadcast


def topological_order(output) -> list:
    r"""The nodes of the graph of the Tensor ``output``, each after all of its inputs (an iterative
    depth-first search; ``output`` comes last)."""
    order, seen = [], set()
    stack = [(output, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((parent, False) for parent in node.inputs if id(parent) not in seen)
    return order


def backpropagate(output, output_gradient=None) -> dict[int, np.ndarray]:
    r"""dL/d(node) for every node of the graph of L = ``output`` (keyed by ``id(node)``).

    ``output_gradient`` is dL/d(output) (ones by default: a non-scalar output is summed, as
    TensorFlow does).
    """
    seed = np.ones_like(output.data) if output_gradient is None else np.asarray(output_gradient, output.dtype)
    if seed.shape != output.shape:
        raise ValueError(f"output_gradients must have the target's shape {output.shape}; got {seed.shape}.")
    grads = {id(output): seed}
    for node in reversed(topological_order(output)):
        g = grads.get(id(node))
        if node.op is None or g is None:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            input_grads = DERIVATIVES[node.op](g, node.data, *node.input_values, **node.attrs)
        for parent, value, grad, followed in zip(node.inputs, node.input_values, input_grads, node.followed):
            if not followed or not np.issubdtype(value.dtype, np.floating):
                continue                        # constants, integers and booleans carry no gradient
            grad = unbroadcast(np.asarray(grad, dtype=value.dtype), value.shape)
            key = id(parent)
            grads[key] = grad if key not in grads else grads[key] + grad
    return grads
