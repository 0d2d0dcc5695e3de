r"""What a search optimises: a logged value and its direction.

    Objective("val_accuracy", "max")
    "val_loss"                           the direction the metric or loss of that name declares
    ["val_loss", Objective("val_auc", "max")]   one score: the minimised values minus the maximised ones

A trial's score is the objective at its best epoch (each execution's best, averaged over executions).
"""
from __future__ import annotations

import math

from ..metrics.direction import direction as metric_direction


class Objective:
    r"""``name`` of a logged value and ``direction``, "min" or "max"."""

    def __init__(self, name: str, direction: str):
        if not isinstance(name, str) or not name:
            raise TypeError(f"Objective: name must be the name of a logged value (e.g. 'val_loss'); got {name!r}.")
        if direction not in ("min", "max"):
            raise ValueError(f"Objective({name!r}): direction must be 'min' or 'max'; got {direction!r}.")
        self.name, self.direction = name, direction

    @property
    def names(self) -> list[str]:
        return [self.name]

    def value(self, logs: dict) -> float:
        r"""The objective in one epoch's logs (KeyError naming the logged keys if it is missing)."""
        if self.name not in logs:
            raise KeyError(f"The objective {self.name!r} is not among the logged values {sorted(logs)}. "
                           f"(val_ values need validation_data or validation_split in search().)")
        return float(logs[self.name])

    def better(self, a: float, b: float | None) -> bool:
        r"""Whether score ``a`` beats ``b`` (None and NaN lose to anything)."""
        if a is None or math.isnan(a):
            return False
        if b is None or math.isnan(b):
            return True
        return a < b if self.direction == "min" else a > b

    def sort_key(self, score):
        r"""A key that sorts the best scores first (None and NaN last)."""
        if score is None or math.isnan(score):
            return (1, 0.0)
        return (0, score if self.direction == "min" else -score)

    def get_config(self) -> dict:
        return {"name": self.name, "direction": self.direction}

    def __eq__(self, other):
        return isinstance(other, Objective) and self.get_config() == other.get_config()

    def __repr__(self):
        return f'Objective(name="{self.name}", direction="{self.direction}")'      # Keras Tuner's text


class MultiObjective(Objective):
    r"""Several objectives as one minimised score: sum of the "min" values - sum of the "max" ones."""

    def __init__(self, objectives):
        self.objectives = list(objectives)
        super().__init__("multi_objective", "min")

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.objectives]

    def value(self, logs: dict) -> float:
        return sum(o.value(logs) * (1 if o.direction == "min" else -1) for o in self.objectives)

    def get_config(self) -> dict:
        return {"name": self.name, "direction": self.direction, "objectives": [o.get_config() for o in self.objectives]}


#: the objective of a hypermodel whose fit returns a single number, minimised (Keras Tuner's name)
DEFAULT_NAME = "default_objective"


def infer_direction(name: str) -> str | None:
    r"""The direction the metric or loss called ``name`` declares (``metrics.direction``: a loss or
    an error is minimised, an accuracy-like score maximised); None for a name none of them knows."""
    return metric_direction(name)


def create(objective) -> Objective:
    r"""An Objective from a name, an Objective, a list of them, or None (the hypermodel's own number)."""
    if objective is None:
        return Objective(DEFAULT_NAME, "min")
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, (list, tuple)):
        if not objective:
            raise ValueError("objective: an empty list; give at least one name or Objective.")
        objectives = [create(o) for o in objective]
        return objectives[0] if len(objectives) == 1 else MultiObjective(objectives)
    if not isinstance(objective, str):
        raise TypeError(f"objective must be a name (e.g. 'val_accuracy'), an Objective or a list of them; "
                        f"got {objective!r}.")
    direction = infer_direction(objective)
    if direction is None:
        raise ValueError(f"Cannot infer whether {objective!r} is to be minimised or maximised: give "
                         f"Objective({objective!r}, direction='min') or direction='max'.")
    return Objective(objective, direction)


def from_config(config: dict) -> Objective:
    if "objectives" in config:
        return MultiObjective([from_config(c) for c in config["objectives"]])
    return Objective(config["name"], config["direction"])
