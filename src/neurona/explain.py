r"""One forward and one backward pass of a ``Sequential``, written out as seed 001's chain rule:

    forward    a[0] = x,   z[l] = a[l-1] W[l] + b[l],   a[l] = f(z[l])
    loss       L = loss(y, a[L])
    backward   dL/dz[l] = dL/da[l] * da[l]/dz[l]            (softmax: a Jacobian per sample)
               dL/dW[l] = dz[l]/dW[l]^T dL/dz[l] = a[l-1]^T dL/dz[l],   dL/db[l] = sum_n dL/dz[l]
               dL/da[l-1] = dL/dz[l] W[l]^T

    model.explain(x, y)       # prints every array with its shape; returns them in a dict

Each factor is computed here from its own formula (the loss's dL/da, the activation's
derivative), not taken from the model's backward pass, so the two can be checked against each
other. Dropout is off (the pass is the one ``predict`` makes).
"""
from __future__ import annotations

import numpy as np

from . import layers as layers_module


def explain(model, x, y, print_fn=print) -> dict:
    r"""{"loss": J, "layers": [one dict per layer]} for one pass over (x, y); printed unless
    ``print_fn`` is None. A layer's dict holds "a_prev", "z", "a", "dL/da", "da/dz", "dL/dz",
    "dz/dW", "dL/dW", "dL/db", "dL/da_prev" (those that apply to it)."""
    model._require_compiled("explain")
    x, y = model._check_xy(x, y)
    records, a = [], x
    for index, layer in enumerate(model.layers, start=1):
        record = _forward(layer, index, a)
        records.append(record)
        a = record["a"]
    m = x.shape[0]
    data_loss = model.loss(y, a)
    penalty = sum(layer.penalty(m) for layer in model.layers)
    grad = model.loss.gradient(y, a)
    for record in reversed(records):
        grad = _backward(record, grad, m)
    result = {"loss": data_loss + penalty, "data_loss": data_loss, "penalty": penalty, "layers": records}
    if print_fn is not None:
        print_fn("\n".join(describe(model, result)))
    return result


def _forward(layer, index, a_prev) -> dict:
    record = {"index": index, "layer": layer, "a_prev": a_prev}
    if isinstance(layer, layers_module.Dense):
        z = a_prev @ layer.kernel
        if layer.use_bias:
            z = z + layer.bias
        record.update(z=z, a=layer.activation(z))
    elif isinstance(layer, layers_module.Activation):
        record.update(z=a_prev, a=layer.activation(a_prev))
    elif isinstance(layer, layers_module.Dropout):      # the identity at inference
        record.update(a=a_prev)
    else:       # its backward factor is unknown here: treating it as the identity would be wrong
        raise TypeError(f"explain writes out Dense, Activation and Dropout layers; layer {index} is a "
                        f"{type(layer).__name__}.")
    return record


def _backward(record, grad, m):
    r"""Fill the record's backward arrays from dL/da of its output; return dL/da of its input."""
    layer = record["layer"]
    record["dL/da"] = grad
    if "z" not in record:
        record["dL/da_prev"] = grad
        return grad
    derivative = layer.activation.derivative(record["z"])
    record["da/dz"] = derivative
    if derivative.ndim == grad.ndim + 1:                # softmax: dL/dz_j = sum_i dL/da_i da_i/dz_j
        delta = np.einsum("ni,nij->nj", grad, derivative)
    else:
        delta = grad * derivative
    record["dL/dz"] = delta
    if isinstance(layer, layers_module.Dense):
        record["dz/dW"] = record["a_prev"]
        dW = record["a_prev"].T @ delta
        if layer.kernel_regularizer is not None:
            dW = dW + layer.kernel_regularizer.gradient(layer.kernel, m)
        record["dL/dW"] = dW
        if layer.use_bias:
            db = delta.sum(axis=0)
            if layer.bias_regularizer is not None:
                db = db + layer.bias_regularizer.gradient(layer.bias, m)
            record["dL/db"] = db
        record["dL/da_prev"] = delta @ layer.kernel.T
    else:
        record["dL/da_prev"] = delta
    return record["dL/da_prev"]


def _array(value) -> str:
    text = np.array2string(np.asarray(value), precision=4, suppress_small=True, threshold=24, edgeitems=3,
                           max_line_width=96)
    return "\n".join((" " * 8 + line).rstrip() for line in text.split("\n")).lstrip()


def _line(name, value, formula="") -> str:
    shape = tuple(np.shape(value))
    return f"    {name}{' = ' + formula if formula else ''}   shape {shape}\n        {_array(value)}"


def describe(model, result) -> list[str]:
    r"""The lines ``explain`` prints."""
    return _describe_forward(model, result) + _describe_backward(result)


def _describe_forward(model, result) -> list[str]:
    first = result["layers"][0]["a_prev"]
    lines = [f"Forward pass ({model.loss._registry_name}, {first.shape[0]} sample(s)):", _line("a[0]", first, "x")]
    for r in result["layers"]:
        l, layer = r["index"], r["layer"]
        name = layer.activation._registry_name if "z" in r else None
        lines.append(f"  layer {l}: {type(layer).__name__}" + (f", activation {name}" if name else ""))
        if isinstance(layer, layers_module.Dense):
            bias = f" + b[{l}]" if layer.use_bias else ""
            lines.append(_line(f"z[{l}]", r["z"], f"a[{l - 1}] W[{l}]{bias}"))
        formula = f"{name}(z[{l}])" if name else f"a[{l - 1}] (identity at inference)"
        lines.append(_line(f"a[{l}]", r["a"], formula))
    penalty = f" + penalty {result['penalty']:.6g}" if result["penalty"] else ""
    return lines + [f"  L = {result['data_loss']:.6g}{penalty}"]


def _describe_backward(result) -> list[str]:
    lines = ["Backward pass (chain rule: dL/dW[l] = dL/da[l] · da[l]/dz[l] · dz[l]/dW[l]):"]
    n_layers = len(result["layers"])
    for r in reversed(result["layers"]):
        l, layer = r["index"], r["layer"]
        source = "from the loss" if l == n_layers else f"dL/dz[{l + 1}] W[{l + 1}]^T"
        lines += [f"  layer {l}: {type(layer).__name__}", _line(f"dL/da[{l}]", r["dL/da"], source)]
        if "z" not in r:
            continue
        jacobian = r["da/dz"].ndim == 3
        note = " (one Jacobian per sample)" if jacobian else ""
        lines.append(_line(f"da[{l}]/dz[{l}]", r["da/dz"], f"{layer.activation._registry_name}'(z[{l}]){note}"))
        lines.append(_line(f"dL/dz[{l}]", r["dL/dz"], f"dL/da[{l}] {'·' if jacobian else '*'} da[{l}]/dz[{l}]"))
        if "dz/dW" in r:
            regularizer = " + regularizer" if layer.kernel_regularizer is not None else ""
            lines.append(_line(f"dz[{l}]/dW[{l}]", r["dz/dW"], f"a[{l - 1}]"))
            lines.append(_line(f"dL/dW[{l}]", r["dL/dW"], f"a[{l - 1}]^T dL/dz[{l}]{regularizer}"))
        if "dL/db" in r:
            lines.append(_line(f"dL/db[{l}]", r["dL/db"], f"sum over samples of dL/dz[{l}]"))
    return lines
