r"""Sweep and compare: the page's experiment again for every combination of one or two settings
(learning rate, activation, layers, optimizer, ...), on the same data with the same seed, trained
side by side, one epoch each per round, each with its small decision boundary and its losses.

    sweep = Sweep(experiment, [("learningRate", [0.01, 0.03, 0.1]), ("activation", ["relu", "tanh"])])
    sweep.step(); sweep.cells[0].losses
"""
from __future__ import annotations

import itertools

from .experiment import Experiment
from .settings import SETTINGS, SettingsError

SWEEPABLE = ("learningRate", "activation", "networkShape", "optimizer", "batchSize", "regularizationRate", "loss",
             "regularization", "schedule")
MAX_CELLS = 16
MAX_EPOCHS = 2000
MAP_SIDE = 25


def check_axes(axes) -> list[tuple[str, list]]:
    r"""[(setting, values), ...]: one or two sweepable settings, each value in its bounds, at most
    MAX_CELLS combinations."""
    if not isinstance(axes, list) or not 1 <= len(axes) <= 2:
        raise SettingsError(f"'axes' must be a list of one or two {{name, values}}. Got {str(axes)[:60]}.")
    checked = []
    for axis in axes:
        if not isinstance(axis, dict) or set(axis) != {"name", "values"}:
            raise SettingsError(f"Each axis must be {{'name': setting, 'values': [...]}}. Got {str(axis)[:60]}.")
        name, values = axis["name"], axis["values"]
        if name not in SWEEPABLE:
            raise SettingsError(f"A sweep varies one of {', '.join(SWEEPABLE)}. Got {str(name)[:40]!r}.")
        if not isinstance(values, list) or not values or len(values) > MAX_CELLS:
            raise SettingsError(f"The values of {name!r} must be a list of 1 to {MAX_CELLS}. Got {str(values)[:60]}.")
        checked.append((name, [SETTINGS[name].check(v) for v in values]))
    if len(checked) == 2 and checked[0][0] == checked[1][0]:
        raise SettingsError(f"The two axes of a sweep must be different settings; both are {checked[0][0]!r}.")
    cells = 1
    for _, values in checked:
        cells *= len(values)
    if cells > MAX_CELLS:
        raise SettingsError(f"The sweep has {cells} combinations; the playground trains at most {MAX_CELLS} at once.")
    return checked


class Sweep:
    r"""One experiment per combination of the axes' values, all from ``base``'s settings and data."""

    def __init__(self, base: Experiment, axes):
        self.axes = check_axes(axes)
        names = [name for name, _ in self.axes]
        self.cells: list[Experiment] = []
        self.values: list[dict] = []
        for combination in itertools.product(*(values for _, values in self.axes)):
            values = dict(zip(names, combination))
            settings = {k: v for k, v in base.settings.items() if not k.endswith("_hide")}
            self.cells.append(Experiment(dict(settings, **values), user_data=base.user_data))
            self.values.append(values)
        self.epoch = 0

    def step(self):
        r"""One epoch of every cell; a cell that diverged stays where it stopped."""
        for cell in self.cells:
            if getattr(cell, "diverged", False):
                continue
            try:
                cell.step()
            except FloatingPointError:
                cell.diverged = True
        self.epoch += 1

    def frame(self) -> dict:
        return {"type": "sweep", "epoch": self.epoch, "axes": [[n, v] for n, v in self.axes],
                "cells": [{"values": values, "loss": cell.losses, "diverged": getattr(cell, "diverged", False),
                           "map": cell.boundary(MAP_SIDE), "side": MAP_SIDE}
                          for values, cell in zip(self.values, self.cells)]}
