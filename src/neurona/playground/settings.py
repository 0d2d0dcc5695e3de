r"""Every setting of the playground in one table: its key in the URL hash (TensorFlow Playground's
keys, so its shared links open the same experiment), its kind, its bounds and its default.

The page reads this table (``/settings.json``) to parse and write the hash and to bind its
controls; the server checks every message against it. One source of truth for the page's state.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from urllib.parse import unquote

#: TensorFlow Playground's learning-rate and regularization-rate lists (its <select> options)
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
REGULARIZATION_RATES = (0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)

#: input features: hash key -> (label, formula of x = (x1, x2), written as numpy)
FEATURES = {
    "x": ("X₁", "x[:, 0]"),
    "y": ("X₂", "x[:, 1]"),
    "xSquared": ("X₁²", "x[:, 0] ** 2"),
    "ySquared": ("X₂²", "x[:, 1] ** 2"),
    "xTimesY": ("X₁X₂", "x[:, 0] * x[:, 1]"),
    "sinX": ("sin(X₁)", "np.sin(x[:, 0])"),
    "sinY": ("sin(X₂)", "np.sin(x[:, 1])"),
    "cosX": ("cos(X₁)", "np.cos(x[:, 0])"),
    "cosY": ("cos(X₂)", "np.cos(x[:, 1])"),
}

CLASSIFICATION_SETS = ("circle", "xor", "gauss", "spiral")
MULTICLASS_SETS = ("gauss", "spiral")
REGRESSION_SETS = ("reg-plane", "reg-gauss")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
SCHEDULES = ("none", "step", "exponential", "cosine")

#: bounds of a network: TensorFlow Playground's +/- buttons stop at 6 layers of 8; larger ones on request
MAX_LAYERS = 8
MAX_NEURONS = 16
MAX_SEED_LENGTH = 64

#: the controls the classroom option can hide (``<name>_hide=true``): TensorFlow Playground's list
HIDABLE = ("showTestData", "discretize", "playButton", "stepButton", "resetButton", "learningRate",
           "activation", "regularization", "regularizationRate", "problem", "dataset", "percTrainData",
           "noise", "batchSize", "numHiddenLayers", "optimizer", "loss", "userData")


class SettingsError(ValueError):
    r"""A setting of a message is missing, of the wrong kind or out of its bounds."""


@dataclass(frozen=True)
class Setting:
    r"""One key: ``kind`` is "choice", "number", "integer", "boolean", "string", "integers" (a
    comma-separated list in the hash) or "strings"; ``live`` settings change the running network
    (as TensorFlow Playground's learning rate does) instead of resetting it."""
    name: str
    kind: str
    default: object
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    live: bool = False
    data: bool = False          # changing it draws the data again
    view: bool = False          # only the page's drawing depends on it
    description: str = ""
    extra: dict = field(default_factory=dict)

    def check(self, value):
        r"""``value`` in this setting's kind and bounds (integers given as 3.0 become 3), or raise."""
        def fail(expected):
            raise SettingsError(f"The setting {self.name!r} must be {expected}. Got {value!r}.")

        if self.kind == "choice":
            if value not in self.choices:
                fail("one of " + ", ".join(repr(c) for c in self.choices))
            return value
        if self.kind == "boolean":
            if not isinstance(value, bool):
                fail("true or false")
            return value
        if self.kind == "string":
            if not isinstance(value, str) or len(value) > MAX_SEED_LENGTH:
                fail(f"a string of at most {MAX_SEED_LENGTH} characters")
            return value
        if self.kind in ("number", "integer"):
            return self._number(value, fail)
        if self.kind in ("integers", "strings"):
            if not isinstance(value, list) or len(value) > self.extra["max_length"]:
                fail(f"a list of at most {self.extra['max_length']} entries")
            item = Setting(self.name + " entry", self.extra["item"], None, choices=self.choices,
                           low=self.low, high=self.high)
            return [item.check(v) for v in value]
        raise AssertionError(self.kind)

    def _number(self, value, fail):
        integer = self.kind == "integer"
        expected = f"{'an integer' if integer else 'a number'} in [{self.low:g}, {self.high:g}]"
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            fail(expected)
        if integer:
            if value != int(value):
                fail(expected)
            value = int(value)
        if not self.low <= value <= self.high:
            fail(expected)
        return value

    def to_json(self) -> dict:
        row = {"name": self.name, "kind": self.kind, "default": self.default, "live": self.live,
               "data": self.data, "view": self.view, "description": self.description}
        if self.choices:
            row["choices"] = list(self.choices)
        if self.low is not None:
            row["low"], row["high"] = self.low, self.high
        row.update(self.extra)
        return row


SETTINGS = {s.name: s for s in [
    # TensorFlow Playground's keys, defaults and ranges
    Setting("activation", "choice", "tanh", ACTIVATIONS, description="activation of the hidden layers"),
    Setting("regularization", "choice", "none", ("none", "L1", "L2")),
    Setting("batchSize", "integer", 10, low=1, high=500, live=True),
    Setting("dataset", "choice", "circle", CLASSIFICATION_SETS + ("user",), data=True),
    Setting("regDataset", "choice", "reg-plane", REGRESSION_SETS + ("user",), data=True),
    Setting("learningRate", "number", 0.03, low=1e-6, high=10, live=True, extra={"list": list(LEARNING_RATES)}),
    Setting("regularizationRate", "number", 0, low=0, high=10, live=True,
            extra={"list": list(REGULARIZATION_RATES)}),
    Setting("noise", "integer", 0, low=0, high=50, data=True, description="percent"),
    Setting("networkShape", "integers", [4, 2], low=1, high=MAX_NEURONS,
            extra={"item": "integer", "max_length": MAX_LAYERS}),
    Setting("seed", "string", "0.50000", data=True),
    Setting("showTestData", "boolean", False, view=True),
    Setting("discretize", "boolean", False, view=True),
    Setting("percTrainData", "integer", 50, low=10, high=90, data=True),
    *[Setting(key, "boolean", key in ("x", "y"), description=label) for key, (label, _) in FEATURES.items()],
    Setting("collectStats", "boolean", False, view=True),
    Setting("tutorial", "string", "", view=True),
    Setting("problem", "choice", "classification", ("classification", "regression"), data=True),
    Setting("initZero", "boolean", False),
    Setting("hideText", "boolean", False, view=True),
    # beyond TensorFlow Playground
    Setting("numClasses", "integer", 2, low=2, high=6, data=True, description="classes of gauss and spiral"),
    Setting("loss", "choice", "square", ("square", "crossEntropy")),
    Setting("optimizer", "choice", "sgd", OPTIMIZERS),
    Setting("schedule", "choice", "none", SCHEDULES),
    Setting("layerActivations", "strings", [], ACTIVATIONS + ("",),
            extra={"item": "choice", "max_length": MAX_LAYERS},
            description="one per hidden layer ('' = activation)"),
    Setting("dropout", "integers", [], low=0, high=90, extra={"item": "integer", "max_length": MAX_LAYERS},
            description="percent, one per hidden layer"),
]}


def defaults() -> dict:
    return {name: (list(s.default) if isinstance(s.default, list) else s.default) for name, s in SETTINGS.items()}


def check_settings(values, base: dict | None = None) -> dict:
    r"""``base`` (the defaults if None) updated with ``values``, every key known and in its bounds;
    hide flags ``<control>_hide`` are booleans of a hidable control."""
    if not isinstance(values, dict):
        raise SettingsError(f"settings must be an object of key: value; got {type(values).__name__}.")
    result = dict(defaults() if base is None else base)
    for key, value in values.items():
        if isinstance(key, str) and key.endswith("_hide") and key[:-5] in HIDABLE:
            if not isinstance(value, bool):
                raise SettingsError(f"The setting {key!r} must be true or false. Got {value!r}.")
            result[key] = value
        elif key in SETTINGS:
            result[key] = SETTINGS[key].check(value)
        else:
            raise SettingsError(f"Unknown setting {str(key)[:40]!r}. Known settings: {', '.join(SETTINGS)} "
                                f"and <control>_hide for {', '.join(HIDABLE)}.")
    if not any(result[key] for key in FEATURES):
        raise SettingsError("At least one input feature (x, y, xSquared, ...) must be on.")
    return result


def from_hash(text: str, base: dict | None = None) -> dict:
    r"""The settings of a page's URL hash (``#activation=tanh&networkShape=4,2&...``, TensorFlow
    Playground's format, so its shared links work): ``key=value`` pairs joined by ``&``, lists
    comma-separated, booleans ``true`` / ``false``, values URL-encoded. Read as the page reads it,
    except that a bad value raises instead of being skipped; without ``seed`` the default is kept
    (the page draws a random one)."""
    if not isinstance(text, str):
        raise SettingsError(f"from_hash: text must be a string like '#dataset=xor&noise=0'; got {type(text).__name__}.")
    values = {}
    for pair in text.split("#", 1)[-1].split("&"):
        if not pair:
            continue
        key, _, raw = pair.partition("=")
        raw = unquote(raw)
        if key.endswith("_hide") and key[:-5] in HIDABLE:
            values[key] = raw == "true"
        elif key in SETTINGS:
            values[key] = _parse(SETTINGS[key], raw)
        else:
            values[key] = raw       # check_settings names it and lists the known keys
    return check_settings(values, base)


def _parse(setting: Setting, raw: str):
    kind = setting.kind
    if kind in ("integers", "strings"):
        items = raw.split(",") if raw.strip() else []
        return [_number(setting.name, item) if kind == "integers" else item for item in items]
    if kind in ("number", "integer"):
        return _number(setting.name, raw)
    if kind == "boolean":
        return raw != "false"
    return raw


def _number(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"The setting {name!r} must be a number. Got {raw!r}.") from None


def schema() -> dict:
    r"""The table as JSON for the page."""
    return {"settings": [s.to_json() for s in SETTINGS.values()], "features": {k: v[0] for k, v in FEATURES.items()},
            "hidable": list(HIDABLE), "maxLayers": MAX_LAYERS, "maxNeurons": MAX_NEURONS,
            "pageMaxLayers": 6, "pageMaxNeurons": 8}
