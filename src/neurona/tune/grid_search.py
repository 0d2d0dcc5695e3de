r"""Grid search: every combination of the parameters' values, in odometer order.

The first trial takes every default (that is on the grid); then the last parameter of the space turns fastest, as the
digits of an odometer. A parameter inside a conditional scope joins the product only under the
values of its parent that make it active, so each condition is visited with all of its own
combinations and none is repeated. A Float without a step (and a log-sampled Int without one)
contributes 10 evenly spaced values (Keras Tuner's rule); give ``step`` for a finer grid. The grid
is walked lazily: only the combinations the trials take are ever made.
"""
from __future__ import annotations

from .oracle import RUNNING, STOPPED, Oracle, values_hash


def ordered_values(hp):
    r"""Yield the values of ``hp`` a grid visits: its default first when it is one of them, then the
    others in their order (a Float without a step: its 10 values, whatever its default). Lazily,
    as scikit-learn's ParameterGrid: Int(0, 10**15) costs nothing until its values are visited."""
    default = hp.default
    first = hp.on_grid(default)
    if first:
        yield default
    for value in hp.grid_values():
        if not (first and value == default):
            yield value


def grid(hyperparameters):
    r"""Yield the value dicts of the grid (inactive parameters None), in odometer order."""
    hps = hyperparameters.copy()
    space = hps.space

    def walk(i):
        if i == len(space):
            yield hps.values
            return
        hp = space[i]
        if not hps.is_active(hp):
            yield from walk(i + 1)
            return
        for value in ordered_values(hp):
            hps.set(hp.name, value)
            yield from walk(i + 1)
        hps.set(hp.name, hp.default)

    yield from walk(0)


class GridSearchOracle(Oracle):
    r"""The grid's combinations one after the other; it stops when the grid (or max_trials) is done."""

    def populate_space(self, trial_id):
        seen = {values_hash(t.values) for t in self.trials.values()}
        for values in grid(self.hyperparameters):
            if values_hash(values) not in seen:
                return {"status": RUNNING, "values": values}
        return {"status": STOPPED}
