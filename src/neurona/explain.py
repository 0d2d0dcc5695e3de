r"""One forward and one backward pass of a ``Sequential``, written out as seed 001's chain rule:

    forward    a[0] = x,   z[l] = a[l-1] W[l] + b[l],   a[l] = f(z[l])
    loss       L = loss(y, a[L])
    backward   dL/dz[l] = dL/da[l] * da[l]/dz[l]            (softmax: a Jacobian per sample)
               dL/dW[l] = dz[l]/dW[l]^T dL/dz[l] = a[l-1]^T dL/dz[l],   dL/db[l] = sum_n dL/dz[l]
               dL/da[l-1] = dL/dz[l] W[l]^T

    model.explain(x, y)       # prints every array with its shape; returns them in a dict

Each layer writes out its own part (``Layer.explain_forward`` / ``explain_backward`` /
``explain_lines``): Dense and Activation compute every factor from its own formula (the loss's
dL/da, the activation's derivative), not taken from the model's backward pass, so the two can be
checked against each other; other layers show what their hand-written backward gives. Dropout
is off (the pass is the one ``predict`` makes).
"""
from __future__ import annotations

import numpy as np


def explain(model, x, y, print_fn=print) -> dict:
    r"""{"loss": J, "layers": [one dict per layer]} for one pass over (x, y); printed unless
    ``print_fn`` is None. A layer's dict holds "a_prev", "a", "dL/da", "dL/da_prev" and the
    factors the layer writes out (Dense: "z", "da/dz", "dL/dz", "dz/dW", "dL/dW", "dL/db")."""
    model._require_compiled("explain")
    if model._n_inputs() != 1 or model._n_outputs() != 1 or not _is_chain(model):
        raise TypeError("explain writes out a chain of layers (a Sequential, or a graph without branches).")
    x, y = model._check_xy(x, y)
    records, a = [], x
    for index, layer in enumerate(model.layers, start=1):
        record = {"index": index, "layer": layer, "a_prev": a, **layer.explain_forward(a)}
        records.append(record)
        a = record["a"]
    m = x.shape[0]
    data_loss = model.loss(y, a)
    penalty = sum(layer.penalty(m) for layer in model.layers)
    grad = model.loss.gradient(y, a)
    for record in reversed(records):
        grad = record["layer"].explain_backward(record, grad, m)
    result = {"loss": data_loss + penalty, "data_loss": data_loss, "penalty": penalty, "layers": records}
    if print_fn is not None:
        print_fn("\n".join(describe(model, result)))
    return result


def _is_chain(model) -> bool:
    graph = getattr(model, "_graph", None)
    return graph is None or all(len(node.inputs) == 1 for node in graph.nodes) and [
        node.layer for node in graph.nodes] == model.layers


def _array(value) -> str:
    text = np.array2string(np.asarray(value), precision=4, suppress_small=True, threshold=24, edgeitems=3,
                           max_line_width=96)
    return "\n".join((" " * 8 + line).rstrip() for line in text.split("\n")).lstrip()


def _line(name, value, formula="") -> str:
    shape = tuple(np.shape(value))
    return f"    {name}{' = ' + formula if formula else ''}   shape {shape}\n        {_array(value)}"


def describe(model, result) -> list[str]:
    r"""The lines ``explain`` prints."""
    first = result["layers"][0]["a_prev"]
    lines = [f"Forward pass ({model.loss._registry_name}, {first.shape[0]} sample(s)):", _line("a[0]", first, "x")]
    for r in result["layers"]:
        lines.append(f"  layer {r['index']}: {r['layer'].describe()}")
        lines += r["layer"].explain_lines(r, _line, r["index"], backward=False)
    penalty = f" + penalty {result['penalty']:.6g}" if result["penalty"] else ""
    lines.append(f"  L = {result['data_loss']:.6g}{penalty}")
    lines.append("Backward pass (chain rule: dL/dW[l] = dL/da[l] · da[l]/dz[l] · dz[l]/dW[l]):")
    n_layers = len(result["layers"])
    for r in reversed(result["layers"]):
        l = r["index"]
        source = "from the loss" if l == n_layers else f"from layer {l + 1}"
        lines += [f"  layer {l}: {r['layer'].describe()}", _line(f"dL/da[{l}]", r["dL/da"], source)]
        lines += r["layer"].explain_lines(r, _line, l, backward=True)
    return lines
