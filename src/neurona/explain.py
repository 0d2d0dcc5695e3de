r"""One forward and one backward pass of a ``Sequential``, written out as seed 001's chain rule:

    forward    a[0] = x,   z[l] = a[l-1] W[l] + b[l],   a[l] = f(z[l])
    loss       L = loss(y, a[L])
    backward   dL/dz[l] = dL/da[l] * da[l]/dz[l]            (softmax: a Jacobian per sample)
               dL/dW[l] = dz[l]/dW[l]^T dL/dz[l] = a[l-1]^T dL/dz[l],   dL/db[l] = sum_n dL/dz[l]
               dL/da[l-1] = dL/dz[l] W[l]^T

    model.explain(x, y)       # prints every array with its shape; returns them in a dict

The numbers come from the tape: each layer's tape form (its ``call``, written in ``neurona.ops``)
runs on a ``GradientTape``, which gives a (and the values ``call`` names with ``Layer.named``, such
as z before the activation) and then, from the loss's dL/da, the gradients dL/da[l-1], dL/dW, dL/db
and dL/dz; da/dz is the tape's Jacobian of the activation at z. None of them comes from the
hand-written backward that ``fit`` uses, so the two check each other. A layer with no tape form
shows what its hand-written backward gives. Each layer prints its own part
(``Layer.explain_lines``). Dropout is off (the pass is the one ``predict`` makes).
"""
from __future__ import annotations

import numpy as np

from .autodiff import GradientTape, Tensor


def explain(model, x, y, print_fn=print) -> dict:
    r"""{"loss": J, "layers": [one dict per layer]} for one pass over (x, y); printed unless
    ``print_fn`` is None. A layer's dict holds "a_prev", "a", "dL/da", "dL/da_prev", the gradient of
    each weight ("dL/d" and its symbol: Dense's "dL/dW", "dL/db") and the values its ``call`` names
    (Dense: "z", "dz/dW"; with z also "da/dz" and "dL/dz")."""
    if model.compiled and (model.output_count != 1 or not _is_chain(model)):
        raise TypeError("explain writes out a chain of layers (a Sequential, or a graph without branches).")
    x, y = model.check_batch(x, y, "explain")
    records, passes, a = [], [], x
    for index, layer in enumerate(model.layers, start=1):
        record = {"index": index, "layer": layer, "a_prev": a}
        passes.append(_forward(layer, record))
        records.append(record)
        a = record["a"]
    m = x.shape[0]
    data_loss = model.loss(y, a)
    penalty = sum(layer.penalty(m) for layer in model.layers)
    grad = model.loss.gradient(y, a)
    for record, taped in zip(reversed(records), reversed(passes)):
        record["dL/da"] = grad
        grad = _own_backward(record, grad) if taped is None else _backward(record, taped, grad)
    result = {"loss": data_loss + penalty, "data_loss": data_loss, "penalty": penalty, "layers": records}
    if print_fn is not None:
        print_fn("\n".join(describe(model, result)))
    return result


def _forward(layer, record):
    r"""Fill ``record`` with a and the named values of the layer's tape form on a_prev; return that
    pass (tape, output, penalty, sources by name), or None for a layer with no tape form."""
    out = layer.forward(record["a_prev"], training=False)    # the inference pass: no dropout mask, moving statistics
    x, tape = Tensor(record["a_prev"]), GradientTape(persistent=True)
    with tape, layer.listening() as named:
        tape.watch(x)
        params = [tape.watch_array(p) for p in layer.params]     # the Tensors a sublayer's call watches too
        try:
            a, penalty = layer.tape_forward(x, params)
        except NotImplementedError:
            record["a"] = out
            return None
    record.update({name: np.array(getattr(value, "data", value)) for name, value in named.items()})
    record["a"] = a.data
    sources = {"a_prev": x, **dict(zip(layer.weight_symbols(), params))}
    if isinstance(named.get("z"), Tensor):
        sources["z"] = named["z"]
    return tape, a, penalty, sources


def _backward(record, taped, grad):
    r"""dL/d(source) of every source of the pass by the tape, from dL/da (and the layer's penalty);
    with z, da/dz as well. Returns dL/da_prev."""
    tape, a, penalty, sources = taped
    grads = tape.gradient(a, list(sources.values()), output_gradients=grad, unconnected_gradients="zero")
    if isinstance(penalty, Tensor):
        grads = [g + p for g, p in zip(grads, tape.gradient(penalty, list(sources.values()),
                                                             unconnected_gradients="zero"))]
    for name, g in zip(sources, grads):
        record[f"dL/d{name}"] = g
    layer = record["layer"]
    if "z" in sources and layer.activation is not None:
        record["da/dz"] = _jacobian(layer.activation, record["z"])
    return record["dL/da_prev"]


def _jacobian(activation, z):
    r"""da/dz of a = activation(z) by the tape. An activation of each unit alone has a diagonal
    Jacobian, so dL/dz = dL/da * da/dz for any dL/da (checked with a random one): its diagonal
    [..., i] = da_i/dz_i is dL/dz for dL/da = 1. One that mixes the units (softmax) gives a matrix
    per sample [..., i, j] = da_i/dz_j, row i from copy i of z with dL/da = unit vector i."""
    slopes = _vjp(activation, z, np.ones_like(z))
    probe = np.random.default_rng(0).uniform(0.5, 1.5, size=z.shape).astype(z.dtype)
    if np.allclose(_vjp(activation, z, probe), probe * slopes, rtol=1e-4, atol=0):
        return slopes
    k = z.shape[-1]
    copies = np.broadcast_to(z, (k, *z.shape))
    units = np.broadcast_to(np.eye(k, dtype=z.dtype).reshape(k, *[1] * (z.ndim - 1), k), copies.shape)
    return np.moveaxis(_vjp(activation, copies, units), 0, -2)


def _vjp(activation, z, seed):
    r"""dL/dz of a = activation(z) for dL/da = ``seed``, by the tape."""
    zt = Tensor(np.array(z))
    with GradientTape() as tape:
        tape.watch(zt)
        a = activation.call(zt)
    return tape.gradient(a, zt, output_gradients=seed, unconnected_gradients="zero")


def _own_backward(record, grad):
    r"""A layer with no tape form: what its hand-written backward gives, after a training pass that
    keeps what it needs (its weights' gradients and statistics are put back as they were)."""
    layer = record["layer"]
    saved = [g.copy() for g in layer.grads]
    state = {name: array.copy() for name, array in layer.state.items()}
    layer.forward(record["a_prev"], training=True)
    for name, array in state.items():
        getattr(layer, name)[...] = array
    record["dL/da_prev"] = layer.backward(np.array(grad, copy=True))
    for symbol, g in zip(layer.weight_symbols(), layer.grads):
        record[f"dL/d{symbol}"] = g.copy()
    for g, old in zip(layer.grads, saved):
        g[...] = old
    return record["dL/da_prev"]


def _is_chain(model) -> bool:
    graph = model.functional_graph
    return graph is None or len(graph.inputs) == 1 and all(len(node.inputs) == 1 for node in graph.nodes) and [
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
    lines = [f"Forward pass ({model.loss.registry_name}, {first.shape[0]} sample(s)):", _line("a[0]", first, "x")]
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
