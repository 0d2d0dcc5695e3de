r"""check_gradients: does a model's backpropagation compute the right gradients?

For each parameter of each layer it puts three gradients of the cost J side by side:

    backward    the engine's hand-written backward pass (what ``fit`` uses)
    autodiff    the same forward pass rebuilt with autodiff ops, differentiated by the tape
    numerical   central differences (J(w + delta) - J(w - delta)) / (2 delta), entry by entry

and their relative errors max |a - b| / max(|a|, |b|, floor). In float64 all three agree to about
1e-8; an error above ~1e-5 means a wrong derivative (or a kink of relu / abs hit by the +-delta
step). The floor, max(1, |J|) * 1e-15 / (delta * tolerance), is the size below which the rounding
noise of the numerical slope (a few times 1e-16 |J| / delta) would exceed the tolerance: a gradient that
is truly 0 is then not failed by that noise.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .autodiff.numerical import numerical_gradient, relative_error
from .autodiff.tape import GradientTape
from .autodiff.tensor import Tensor, Variable
from .models.functional import run_layers
from .models.model import Model
from .validation import check_number


@dataclass
class GradientRow:
    layer: str
    parameter: str
    shape: tuple
    backward: np.ndarray
    autodiff: np.ndarray | None
    numerical: np.ndarray
    error_backward_numerical: float
    error_autodiff_numerical: float | None
    error_backward_autodiff: float | None


class GradientCheck:
    r"""The result of ``check_gradients``: ``rows`` (one per parameter), ``max_error``, ``passed``
    (every error below ``tolerance``), ``to_dicts()`` and a printable table."""

    def __init__(self, rows, tolerance, cost, notes):
        self.rows, self.tolerance, self.cost, self.notes = rows, tolerance, cost, notes

    @property
    def max_error(self) -> float:
        errors = [e for r in self.rows for e in (r.error_backward_numerical, r.error_autodiff_numerical,
                                                 r.error_backward_autodiff) if e is not None]
        return max(errors, default=0.0)

    @property
    def passed(self) -> bool:
        return self.max_error < self.tolerance

    def to_dicts(self) -> list[dict]:
        return [{key: getattr(r, key) for key in GradientRow.__dataclass_fields__} for r in self.rows]

    def table_rows(self) -> list[tuple[str, ...]]:
        fmt = lambda e: "-" if e is None else f"{e:.1e}"          # noqa: E731
        return [(r.layer, r.parameter, str(r.shape), f"{np.linalg.norm(r.backward):.4g}",
                 fmt(r.error_backward_numerical), fmt(r.error_autodiff_numerical), fmt(r.error_backward_autodiff),
                 "ok" if max(e or 0.0 for e in (r.error_backward_numerical, r.error_autodiff_numerical,
                                                r.error_backward_autodiff)) < self.tolerance else "WRONG")
                for r in self.rows]

    HEADER = ("layer", "parameter", "shape", "|grad|", "backward vs numerical", "autodiff vs numerical",
              "backward vs autodiff", "")

    def summary(self) -> str:
        verdict = "all gradients agree" if self.passed else "SOME GRADIENTS DISAGREE"
        return (f"cost J = {self.cost:.6g}; largest relative error {self.max_error:.1e} "
                f"(tolerance {self.tolerance:.0e}): {verdict}.")

    def __str__(self) -> str:
        rows = [self.HEADER] + self.table_rows()
        widths = [max(len(r[c]) for r in rows) for c in range(len(self.HEADER))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        return "\n".join(lines + [self.summary()] + self.notes)

    def __rich__(self):
        from rich.table import Table
        table = Table(title="Gradient check: relative errors max|a - b| / max(|a|, |b|)",
                      caption="\n".join([self.summary()] + self.notes))
        for name in self.HEADER:
            table.add_column(name, justify="right" if "vs" in name or name == "|grad|" else "left")
        for row in self.table_rows():
            table.add_row(*row[:-1], f"[green]{row[-1]}[/]" if row[-1] == "ok" else f"[bold red]{row[-1]}[/]")
        return table


def _float64_copy(model):
    r"""The model rebuilt in float64 from its config with the same weights (the check then needs
    no care about float32 rounding), compiled with the same loss."""
    from .models.model_config import model_from_config
    config = {**model.get_config(), "dtype": "float64", "seed": 0}
    copy = model_from_config(config)
    copy.set_weights(model.get_weights())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # a step activation's warning was given at compile
        copy.compile(optimizer="sgd", loss=model.loss)
    return copy


class _Replay:
    r"""Every pass starts from the same generator state, so dropout draws the same masks each time
    (the engine's pass, the autodiff pass and every numerical slope see one network)."""

    def __init__(self, model, seed):
        model.rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state
        self.model, self.state = model, model.rng.bit_generator.state

    def forward(self, x):
        self.model.rng.bit_generator.state = self.state
        return self.model.forward(x, training=True)


def _cost(model, replay, x, y):
    r"""J = loss + penalties through the engine's own forward pass, the same random draws."""
    a = replay.forward(x)
    return model.loss(y, a) + sum(layer.penalty(x.shape[0]) for layer in model.layers)


def _autodiff_gradients(model, replay, x, y):
    r"""dJ/dparam for every parameter, by the tape on the autodiff form of each layer (a model
    used as a layer is expanded into its own layers)."""
    replay.forward(x)                  # each layer keeps this pass's random draws (dropout masks)
    leaves = model.leaf_layers()
    variables = {id(layer): [Variable(p.copy()) for p in layer.params] for layer in leaves}
    with GradientTape() as tape:
        a, cost = _autodiff_chain(model, Tensor(x), variables)
        cost = cost + model.loss.on_tape(y, a).mean()
    flat = [v for layer in leaves for v in variables[id(layer)]]
    return tape.gradient(cost, flat, unconnected_gradients="zero") if flat else []


def _autodiff_chain(model, x, variables):
    r"""(output, penalty) of a model's autodiff form: each layer's form along the model's graph (or
    chain), a model used as a layer walked into."""
    penalties = []

    def call(layer, a):
        if id(layer) not in variables and isinstance(layer, Model):
            out, penalty = _autodiff_chain(layer, a, variables)
        else:
            out, penalty = layer.tape_forward(a, variables[id(layer)])
        penalties.append(penalty)
        return out
    return run_layers(model, [x], call)[0], sum(penalties, 0.0)


def check_gradients(model, x, y, delta: float = 1e-6, tolerance: float = 1e-6, seed: int = 0,
                    print_fn=None):
    r"""Compare backward, autodiff and numerical gradients of a compiled model on (x, y).

    Runs on a float64 copy of the model (the model itself is not changed). Random layers
    (dropout) draw from ``seed``, the same draws for all three methods. ``print_fn`` (e.g.
    ``print`` or ``rich.print``) receives the report; it is also returned (``GradientCheck``),
    with every gradient and error as data. Use a small batch: the numerical gradient costs two
    forward passes per parameter entry.
    """
    if not isinstance(model, Model):
        raise TypeError(f"check_gradients needs a compiled neurona model; got {type(model).__name__}.")
    model.check_batch(x, y, "check_gradients")        # its errors, before the copy is made
    check_number("check_gradients", "delta", delta, 0, low_open=True)
    check_number("check_gradients", "tolerance", tolerance, 0, low_open=True)
    copy = _float64_copy(model)
    x, y = copy.check_batch(x, y, "check_gradients")   # in float64
    replay = _Replay(copy, seed)
    y_pred = replay.forward(x)
    copy.flat_parameters.gradients[...] = 0
    copy.loss_backward(y, y_pred)              # the hand-written gradients, left in layer.grads
    cost = _cost(copy, replay, x, y)
    notes = []
    try:
        autodiff = _autodiff_gradients(copy, replay, x, y)
    except (KeyError, NotImplementedError) as error:
        autodiff = None
        notes.append(f"No autodiff form: {error} The autodiff columns are empty.")
    floor = max(1.0, abs(cost)) * 1e-15 / (delta * tolerance)
    report = GradientCheck(_rows(copy, replay, x, y, autodiff, delta, floor), tolerance, cost, notes)
    if print_fn is not None:
        print_fn(report)
    return report


def _rows(model, replay, x, y, autodiff, delta, floor) -> list[GradientRow]:
    errors = lambda a, b: None if a is None else relative_error(a, b, floor)     # noqa: E731
    rows, k = [], 0
    for i, layer in enumerate(model.leaf_layers()):
        for name, param, grad in zip(layer.param_names, layer.params, layer.grads):
            numeric = numerical_gradient(lambda p: _set_and_cost(model, replay, x, y, param, p), param,
                                         delta=delta, method="central")
            auto = None if autodiff is None else autodiff[k]
            rows.append(GradientRow(layer.display_name(i), name, param.shape,
                                    grad.copy(), auto, numeric, errors(grad, numeric), errors(auto, numeric),
                                    errors(auto, grad)))
            k += 1
    return rows


def _set_and_cost(model, replay, x, y, param, value):
    original = param.copy()
    param[...] = value
    try:
        return _cost(model, replay, x, y)
    finally:
        param[...] = original
