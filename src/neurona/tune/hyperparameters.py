r"""The search space, defined by running the model-building function: ``build(hp)`` asks ``hp`` for
each value it needs, and the first time a name is asked for, it joins the space.

    units = hp.Int("units", min_value=32, max_value=512, step=32)              32, 64, ..., 512
    rate = hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")              1e-4 .. 1e-2, log-uniform
    act = hp.Choice("activation", ["relu", "tanh"])
    with hp.conditional_scope("model", ["mlp"]):                                only when model == "mlp"
        depth = hp.Int("depth", 1, 3)

Every searcher (random, grid, Gaussian process, Hyperband, Optuna) meets a parameter through one
map, its cumulative probability p in [0, 1) and back:

    linear       x = a + p (b - a)
    log          x = a (b / a)^p                       (equal mass to each decade)
    reverse_log  x = b + a - a (b / a)^(1 - p)         (mass crowded near b)
    with step s  the n values a, a + s, ... (log: a, a s, a s^2, ...) each own 1 / n of [0, 1)

Defaults are Keras Tuner's: min_value for numbers, the first value of a Choice, False for a
Boolean. A parameter whose conditions do not hold is inactive and its value is None.
"""
from __future__ import annotations

import contextlib
import math
import numbers

import numpy as np

SAMPLINGS = ("linear", "log", "reverse_log")


class Condition:
    r"""``parent_name``'s value is one of ``values``."""

    def __init__(self, parent_name: str, values):
        if not isinstance(parent_name, str) or not parent_name:
            raise TypeError(f"Condition: parent_name must be a parameter's name; got {parent_name!r}.")
        self.parent_name = parent_name
        self.values = list(values) if isinstance(values, (list, tuple, set)) else [values]

    def holds(self, values: dict) -> bool:
        return values.get(self.parent_name) in self.values

    def get_config(self) -> dict:
        return {"class_name": "Parent", "config": {"name": self.parent_name, "values": list(self.values)}}

    @classmethod
    def from_config(cls, config: dict) -> "Condition":
        r"""Keras Tuner's {"class_name": "Parent", "config": {"name", "values"}} or the earlier
        {"parent_name", "values"} of neurona's files."""
        if "config" in config:
            return cls(config["config"]["name"], config["config"]["values"])
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, Condition) and self.get_config() == other.get_config()


class HyperParameter:
    r"""One named dimension of the search space."""

    kind = "hyperparameter"

    def __init__(self, name: str, default=None, conditions=None):
        if not isinstance(name, str) or not name:
            raise TypeError(f"A hyperparameter's name must be a non-empty string; got {name!r}.")
        self.name = name
        self._default = default
        self.conditions = [c if isinstance(c, Condition) else Condition.from_config(c) for c in conditions or []]

    @property
    def default(self):
        return self._default

    @property
    def values(self) -> list:
        r"""The values a grid search visits, in order."""
        raise NotImplementedError

    def grid_values(self):
        r"""The values of ``values``, one at a time (a long grid is never held in memory)."""
        return iter(self.values)

    def on_grid(self, value) -> bool:
        r"""Whether ``value`` is one of ``values`` (found without listing them)."""
        return value in self.values

    def random_sample(self, rng: np.random.Generator):
        return self.prob_to_value(float(rng.random()))

    def prob_to_value(self, prob: float):
        raise NotImplementedError

    def value_to_prob(self, value) -> float:
        raise NotImplementedError

    def check_value(self, value) -> None:
        r"""Raise ValueError if ``value`` is outside this parameter's range."""

    def get_config(self) -> dict:
        # the default in effect (a Choice's first value, an Int's min_value), as Keras Tuner writes it
        return {"class_name": type(self).__name__, "name": self.name, "default": self.default,
                "conditions": [c.get_config() for c in self.conditions]}

    @classmethod
    def from_config(cls, config: dict) -> "HyperParameter":
        config = dict(config)
        kind = KINDS.get(config.pop("class_name", cls.__name__))
        if kind is None:
            raise ValueError(f"Unknown hyperparameter class {config!r}; known: {', '.join(KINDS)}.")
        return kind(**config)

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __repr__(self):
        config = {k: v for k, v in self.get_config().items() if k not in ("class_name", "conditions")}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in config.items())})"


class Fixed(HyperParameter):
    r"""A value that is not searched (but recorded with each trial)."""

    def __init__(self, name, value, conditions=None, default=None):
        if not isinstance(value, (bool, numbers.Real, str)) and value is not None:
            raise TypeError(f"Fixed({name!r}): value must be a bool, number, string or None; got {value!r}.")
        super().__init__(name, value, conditions)
        self.value = value

    @property
    def values(self):
        return [self.value]

    def prob_to_value(self, prob):
        return self.value

    def value_to_prob(self, value):
        return 0.5

    def check_value(self, value):
        if value != self.value or isinstance(value, bool) != isinstance(self.value, bool):
            raise ValueError(f"{self.name!r} is fixed at {self.value!r}; got {value!r}.")

    def get_config(self):
        config = super().get_config()
        config.pop("default")
        config["value"] = self.value
        return config


class Choice(HyperParameter):
    r"""One of ``values`` (all numbers, all strings or all booleans); the first is the default.

    ordered: whether the values have an order the searchers may use (default: True for numbers).
    """

    def __init__(self, name, values, ordered=None, default=None, conditions=None):
        if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)) or not values:
            raise ValueError(f"Choice({name!r}): values must be a non-empty list; got {values!r}.")
        kinds = {bool if isinstance(v, bool) else str if isinstance(v, str) else
                 numbers.Real if isinstance(v, numbers.Real) else None for v in values}
        if None in kinds or len(kinds) > 1:
            raise TypeError(f"Choice({name!r}): values must be all numbers, all strings or all booleans; "
                            f"got {values!r}.")
        if len(set(values)) != len(values):
            raise ValueError(f"Choice({name!r}): values must be distinct; got {values!r}.")
        numeric = kinds == {numbers.Real}
        if ordered and not numeric:
            raise ValueError(f"Choice({name!r}): ordered=True needs numeric values; got {values!r}.")
        self._values = [v.item() if isinstance(v, np.generic) else v for v in values]
        self.ordered = numeric if ordered is None else bool(ordered)
        if default is not None and default not in self._values:
            raise ValueError(f"Choice({name!r}): default {default!r} is not one of the values {values!r}.")
        super().__init__(name, default, conditions)

    @property
    def default(self):
        return self._values[0] if self._default is None else self._default

    @property
    def values(self):
        return list(self._values)

    def prob_to_value(self, prob):
        return self._values[_prob_to_index(prob, len(self._values))]

    def value_to_prob(self, value):
        return (self._values.index(value) + 0.5) / len(self._values)

    def check_value(self, value):
        if value not in self._values:
            raise ValueError(f"{self.name!r} must be one of {self._values!r}; got {value!r}.")

    def get_config(self):
        return {**super().get_config(), "values": list(self._values), "ordered": self.ordered}


class Boolean(Choice):
    r"""True or False (default False)."""

    def __init__(self, name, default=False, conditions=None):
        if not isinstance(default, bool):
            raise TypeError(f"Boolean({name!r}): default must be True or False; got {default!r}.")
        super().__init__(name, [False, True], ordered=False, default=default, conditions=conditions)

    def get_config(self):
        config = HyperParameter.get_config(self)
        return config


class Numerical(HyperParameter):
    r"""A number in [min_value, max_value], on a linear, log or reverse-log scale, optionally in steps."""

    def __init__(self, name, min_value, max_value, step=None, sampling="linear", default=None, conditions=None):
        kind = type(self).__name__
        if min_value > max_value:
            raise ValueError(f"{kind}({name!r}): min_value {min_value} is greater than max_value {max_value}.")
        sampling = "linear" if sampling is None else str(sampling).lower()
        if sampling not in SAMPLINGS:
            raise ValueError(f"{kind}({name!r}): sampling must be one of {', '.join(SAMPLINGS)}; got {sampling!r}.")
        if sampling != "linear" and min_value <= 0:
            raise ValueError(f"{kind}({name!r}): sampling={sampling!r} needs min_value > 0; got {min_value}.")
        if step is not None and step <= (1 if sampling != "linear" else 0):
            raise ValueError(f"{kind}({name!r}): step must be > {1 if sampling != 'linear' else 0} with "
                             f"sampling={sampling!r} (a {'factor' if sampling != 'linear' else 'difference'} "
                             f"between neighbours); got {step}.")
        self.min_value, self.max_value, self.step, self.sampling = min_value, max_value, step, sampling
        super().__init__(name, default, conditions)
        if default is not None:
            self.check_value(default)

    @property
    def default(self):
        return self.min_value if self._default is None else self._default

    def _scale(self, prob, high):
        a, b = self.min_value, high
        if self.sampling == "linear":
            return a + prob * (b - a)
        if self.sampling == "log":
            return a * (b / a) ** prob
        return b + a - a * (b / a) ** (1 - prob)

    def _unscale(self, value, high):
        a, b = self.min_value, high
        if b == a:
            return 0.5
        if self.sampling == "linear":
            return (value - a) / (b - a)
        if self.sampling == "log":
            return math.log(value / a) / math.log(b / a)
        return 1 - math.log((b + a - value) / a) / math.log(b / a)

    def step_count(self) -> int:
        r"""How many values the grid of ``step`` holds from min_value up to max_value."""
        if self.sampling == "linear":
            return int((self.max_value - self.min_value) // self.step + 1)
        return int(math.log(self.max_value / self.min_value, self.step) + 1e-8) + 1

    def _step_value(self, index: int):
        a, b, s = self.min_value, self.max_value, self.step
        if self.sampling == "linear":
            return a + index * s
        if self.sampling == "log":
            return a * s ** index
        return b + a - a * s ** index

    def _step_index(self, value) -> float:
        a, b, s = self.min_value, self.max_value, self.step
        if self.sampling == "linear":
            return (value - a) // s
        if self.sampling == "log":
            return round(math.log(value / a, s))
        return round(math.log((b - value + a) / a, s))

    def check_value(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                self.min_value <= value <= self.max_value):
            raise ValueError(f"{self.name!r} must be a number in [{self.min_value}, {self.max_value}]; got {value!r}.")

    def grid_values(self):
        if self.step is None:
            return super().grid_values()
        return (self._typed(self._step_value(i)) for i in range(self.step_count()))

    def on_grid(self, value) -> bool:
        if self.step is None:
            return super().on_grid(value)
        try:
            self.check_value(value)
        except ValueError:
            return False
        index = self._step_index(value)
        return index == int(index) and self._typed(self._step_value(int(index))) == value

    def _typed(self, value):
        return value

    def get_config(self):
        return {**super().get_config(), "min_value": self.min_value, "max_value": self.max_value,
                "step": self.step, "sampling": self.sampling}


class Int(Numerical):
    r"""An integer in [min_value, max_value] (both included); linear sampling steps by 1 by default."""

    def __init__(self, name, min_value, max_value, step=None, sampling="linear", default=None, conditions=None):
        for arg, value in (("min_value", min_value), ("max_value", max_value), ("step", step), ("default", default)):
            if value is not None and (isinstance(value, bool) or not float(value).is_integer()):
                raise TypeError(f"Int({name!r}): {arg} must be an integer; got {value!r}.")
        step = int(step) if step is not None else (1 if (sampling or "linear") == "linear" else None)
        super().__init__(name, int(min_value), int(max_value), step, sampling,
                         None if default is None else int(default), conditions)

    @property
    def values(self):
        if self.step is None:
            return sorted({self.prob_to_value(i * 0.1 + 0.05) for i in range(10)})
        return [int(self._step_value(i)) for i in range(self.step_count())]

    def _typed(self, value):
        return int(value)

    def get_config(self):
        return {**super().get_config(), "default": self._default}     # None when not given, as Keras Tuner

    def check_value(self, value):
        super().check_value(value)
        if not float(value).is_integer():
            raise ValueError(f"{self.name!r} must be an integer in [{self.min_value}, {self.max_value}]; "
                             f"got {value!r}.")

    def prob_to_value(self, prob):
        if self.step is None:
            return int(math.floor(self._scale(prob, self.max_value + 1)))
        return int(self._step_value(_prob_to_index(prob, self.step_count())))

    def value_to_prob(self, value):
        if self.step is None:
            return self._unscale(value + 0.5, self.max_value + 1)
        return (self._step_index(value) + 0.5) / self.step_count()


class Float(Numerical):
    r"""A float in [min_value, max_value]; without a step, a grid search visits 10 evenly spaced
    values (the centres of ten equal slices of p)."""

    def __init__(self, name, min_value, max_value, step=None, sampling="linear", default=None, conditions=None):
        super().__init__(name, float(min_value), float(max_value), None if step is None else float(step), sampling,
                         None if default is None else float(default), conditions)

    @property
    def values(self):
        if self.step is None:
            return [self.prob_to_value(i * 0.1 + 0.05) for i in range(10)]
        return [self._step_value(i) for i in range(self.step_count())]

    def prob_to_value(self, prob):
        if self.step is None:
            return float(min(max(self._scale(prob, self.max_value), self.min_value), self.max_value))
        return float(self._step_value(_prob_to_index(prob, self.step_count())))

    def value_to_prob(self, value):
        if self.step is None:
            return self._unscale(value, self.max_value)
        return (self._step_index(value) + 0.5) / self.step_count()


KINDS = {kind.__name__: kind for kind in (Fixed, Choice, Boolean, Int, Float)}


def _prob_to_index(prob: float, n: int) -> int:
    return min(int(math.floor(prob * n)), n - 1)


class HyperParameters:
    r"""The search space (``space``) and one point of it (``values``).

    ``build(hp)`` calls ``hp.Int``, ``hp.Float``, ``hp.Choice``, ``hp.Boolean``, ``hp.Fixed``: each
    registers its parameter the first time and returns the value of the point being tried (the
    default while the space is being discovered; None if the parameter is inactive).
    """

    def __init__(self):
        self.space: list[HyperParameter] = []
        self._by_name: dict[str, HyperParameter] = {}
        self._values: dict = {}
        self._conditions: list[Condition] = []
        self._scopes: list[str] = []
        self.allow_new_entries = True
        self.tune_new_entries = True

    # -- scopes ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def name_scope(self, name: str):
        r"""Prefix the names registered inside with ``name/``."""
        self._scopes.append(name)
        try:
            yield
        finally:
            self._scopes.pop()

    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values):
        r"""The parameters registered inside are active only when ``parent_name`` is one of
        ``parent_values``."""
        full = self._full_name(parent_name)
        if full not in self._by_name and parent_name in self._by_name:
            full = parent_name
        parent = self._by_name.get(full)
        if parent is None:
            raise ValueError(f"conditional_scope: the parent {parent_name!r} must be defined first; "
                             f"known: {', '.join(self._by_name) or 'none'}.")
        condition = Condition(full, parent_values)
        for value in condition.values:
            if not parent.on_grid(value):
                raise ValueError(f"conditional_scope: {value!r} is not a value of {full!r} ({parent.values!r}).")
        self._conditions.append(condition)
        try:
            yield
        finally:
            self._conditions.pop()

    def _full_name(self, name: str) -> str:
        return "/".join([*self._scopes, name])

    # -- registering -------------------------------------------------------------------------
    def _register(self, kind, name, parent_name=None, parent_values=None, **config):
        if parent_name is not None:
            with self.conditional_scope(parent_name, parent_values):
                return self._register(kind, name, **config)
        full = self._full_name(name)
        hp = self._by_name.get(full)
        if hp is None:
            hp = kind(full, conditions=list(self._conditions), **config)
            self._add(hp)
        return self.get(full) if self.is_active(hp) else None

    def _add(self, hp: HyperParameter) -> None:
        if not self.allow_new_entries:
            raise RuntimeError(f"The hypermodel asks for {hp.name!r}, a hyperparameter not in the search space, "
                               f"and allow_new_entries=False.")
        if not self.tune_new_entries and not isinstance(hp, Fixed):
            hp = Fixed(hp.name, hp.default, conditions=hp.conditions)
        self.space.append(hp)
        self._by_name[hp.name] = hp
        self._values.setdefault(hp.name, hp.default)

    def Int(self, name, min_value, max_value, step=None, sampling="linear", default=None,
            parent_name=None, parent_values=None):
        return self._register(Int, name, parent_name, parent_values, min_value=min_value, max_value=max_value,
                              step=step, sampling=sampling, default=default)

    def Float(self, name, min_value, max_value, step=None, sampling="linear", default=None,
              parent_name=None, parent_values=None):
        return self._register(Float, name, parent_name, parent_values, min_value=min_value, max_value=max_value,
                              step=step, sampling=sampling, default=default)

    def Choice(self, name, values, ordered=None, default=None, parent_name=None, parent_values=None):
        return self._register(Choice, name, parent_name, parent_values, values=values, ordered=ordered,
                              default=default)

    def Boolean(self, name, default=False, parent_name=None, parent_values=None):
        return self._register(Boolean, name, parent_name, parent_values, default=default)

    def Fixed(self, name, value, parent_name=None, parent_values=None):
        return self._register(Fixed, name, parent_name, parent_values, value=value)

    def ask(self, hp: HyperParameter):
        r"""Register the parameter object ``hp`` (if its name is new) and return its value."""
        if not isinstance(hp, HyperParameter):
            raise TypeError(f"ask takes a hyperparameter (Int, Float, Choice, ...); got {hp!r}.")
        if hp.name not in self._by_name:
            self._add(hp)
        return self.get(hp.name) if self.is_active(hp.name) else None

    # -- values ------------------------------------------------------------------------------
    def is_active(self, hp) -> bool:
        r"""Whether every condition on ``hp`` (a parameter or a name) holds, its parents active too."""
        hp = self._by_name[hp] if isinstance(hp, str) else hp
        for condition in hp.conditions:
            parent = self._by_name.get(condition.parent_name)
            if parent is None or not self.is_active(parent) or not condition.holds(self._values):
                return False
        return True

    def get(self, name: str):
        self.parameter(name)            # a KeyError for a name not in the space
        return self._values.get(name) if self.is_active(name) else None

    def __getitem__(self, name: str):
        return self.get(name)

    def __contains__(self, name) -> bool:
        return name in self._by_name

    def parameter(self, name: str) -> HyperParameter:
        r"""The hyperparameter called ``name`` (its range, default and conditions)."""
        if name not in self._by_name:
            raise KeyError(f"{name!r} is not in the search space; known: {', '.join(self._by_name) or 'none'}.")
        return self._by_name[name]

    @property
    def values(self) -> dict:
        r"""Every parameter's value, None for the inactive ones (then any bookkeeping value, e.g.
        Hyperband's ``tuner/epochs``)."""
        values = {hp.name: self.get(hp.name) for hp in self.space}
        values.update({k: v for k, v in self._values.items() if k not in self._by_name})
        return values

    @values.setter
    def values(self, values: dict) -> None:
        self._values = dict(values)
        for hp in self.space:
            if self._values.get(hp.name) is None:
                self._values[hp.name] = hp.default

    def set(self, name: str, value) -> None:
        self._values[name] = value

    def active_space(self) -> list[HyperParameter]:
        return [hp for hp in self.space if self.is_active(hp)]

    def copy(self) -> "HyperParameters":
        new = HyperParameters.from_config(self.get_config())
        new.allow_new_entries, new.tune_new_entries = self.allow_new_entries, self.tune_new_entries
        return new

    def with_values(self, values: dict) -> "HyperParameters":
        r"""A copy of this space placed at ``values`` (missing names take their defaults)."""
        new = self.copy()
        new.values = {k: v for k, v in values.items() if k in new._by_name}
        for name, value in values.items():
            if name not in new._by_name:       # bookkeeping values such as Hyperband's tuner/epochs
                new._values[name] = value
        return new

    def merge(self, other: "HyperParameters") -> None:
        r"""Add the parameters of ``other`` this space does not have yet."""
        for hp in other.space:
            if hp.name not in self._by_name:
                self.space.append(hp)
                self._by_name[hp.name] = hp
                self._values.setdefault(hp.name, hp.default)

    def get_config(self) -> dict:
        return {"space": [hp.get_config() for hp in self.space],
                "values": {k: v for k, v in self._values.items()}}

    @classmethod
    def from_config(cls, config: dict) -> "HyperParameters":
        hps = cls()
        for item in config.get("space", []):
            hp = HyperParameter.from_config(item)
            hps.space.append(hp)
            hps._by_name[hp.name] = hp
        hps._values = {hp.name: hp.default for hp in hps.space}
        hps._values.update(config.get("values", {}))
        return hps

    def space_config(self) -> list:
        return [hp.get_config() for hp in self.space]

    def __repr__(self):
        return f"HyperParameters({self.values!r})"
