r"""``neurona tune``'s search: the [search] table of an experiment file, and the hypermodel it defines.

    [search]
    units = {int = [16, 128], step = 16}                 the width of every hidden layer
    hidden_layers = {int = [1, 3]}                       how many hidden layers
    learning_rate = {float = [1e-4, 1e-1], sampling = "log"}
    activation = {choice = ["relu", "tanh"]}
    batch_size = {choice = [32, 128]}                    fit's keys are searched too
    dropout = {fixed = 0.1}

Every key is a setting of ``neurona train`` ([model], [compile], [fit]: activation, dropout,
optimizer, learning_rate, epochs, batch_size) or ``units`` / ``hidden_layers``; the other tables of
the file give the settings that are not searched. With no file: units, learning_rate and
activation on the bundled digits.
"""
from __future__ import annotations

import difflib

from .. import mlp, optimizers
from ..tune import HyperModel
from ..tune.hyperparameters import Boolean, Choice, Fixed, Float, Int
from .experiment import SCHEMA, SettingsError

#: the keys a [search] table may hold, and where each one goes
SEARCHABLE = {"units": "model", "hidden_layers": "model", "activation": "model", "dropout": "model",
              "optimizer": "compile", "learning_rate": "compile", "epochs": "fit", "batch_size": "fit"}
KINDS = {"int": Int, "float": Float, "choice": Choice, "boolean": Boolean, "fixed": Fixed}

DEFAULT_SEARCH = {"units": {"int": [16, 128], "step": 16},
                  "learning_rate": {"float": [1e-4, 1e-2], "sampling": "log"},
                  "activation": {"choice": ["relu", "tanh"]}}


def parse_search(table: dict, where: str = "[search]") -> list:
    r"""The hyperparameters of a [search] table; errors name the key and say what is expected."""
    if not isinstance(table, dict) or not table:
        raise SettingsError(f"{where} must be a table of hyperparameters such as units = {{int = [16, 128]}}.")
    space = []
    for name, spec in table.items():
        if name not in SEARCHABLE:
            close = difflib.get_close_matches(name, SEARCHABLE, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise SettingsError(f"{where}: {name!r} cannot be searched{hint} Searchable: {', '.join(SEARCHABLE)}.")
        if not isinstance(spec, dict):
            raise SettingsError(f"{where} {name} must be a table such as {{int = [16, 128], step = 16}}, "
                                f"{{float = [1e-4, 1e-1], sampling = \"log\"}} or {{choice = [...]}}; got {spec!r}.")
        kinds = [k for k in spec if k in KINDS]
        if len(kinds) != 1:
            raise SettingsError(f"{where} {name} needs exactly one of {', '.join(KINDS)}; got {sorted(spec)}.")
        kind, value = kinds[0], spec[kinds[0]]
        options = {k: v for k, v in spec.items() if k != kind}
        try:
            if kind in ("int", "float"):
                if not isinstance(value, list) or len(value) != 2:
                    raise SettingsError(f"{where} {name}: {kind} takes [min, max]; got {value!r}.")
                unknown = set(options) - {"step", "sampling", "default"}
                if unknown:
                    raise SettingsError(f"{where} {name}: unknown option(s) {sorted(unknown)}; "
                                        f"known: step, sampling, default.")
                space.append(KINDS[kind](name, value[0], value[1], **options))
            elif kind == "choice":
                space.append(Choice(name, value, **options))
            elif kind == "boolean":
                space.append(Boolean(name, default=bool(value)))
            else:
                space.append(Fixed(name, value))
        except (TypeError, ValueError) as error:
            if isinstance(error, SettingsError):
                raise
            raise SettingsError(f"{where} {name}: {error}") from None
    return space


class ExperimentHyperModel(HyperModel):
    r"""The MLP of an experiment with its searched settings taken from ``hp`` (``mlp.build_mlp``)."""

    def __init__(self, settings: dict, space: list, n_features: int, n_outputs: int, output_activation, loss, metrics):
        super().__init__("experiment")
        self.settings, self.space = settings, space
        self.n_features, self.n_outputs = n_features, n_outputs
        self.output_activation, self.loss, self.metrics = output_activation, loss, metrics

    def _value(self, hp, name, default):
        spec = next((s for s in self.space if s.name == name), None)
        if spec is None:
            return default
        return hp.ask(spec)

    def build(self, hp):
        s = self.settings
        depth = self._value(hp, "hidden_layers", len(s["layers"]))
        units = self._value(hp, "units", None)
        hidden = [units] * depth if units is not None else list(s["layers"])[:depth] or [64] * depth
        model = mlp.build_mlp(self.n_features, hidden, self.n_outputs, activation=self._value(hp, "activation",
                              s["activation"]), output_activation=self.output_activation,
                              dropout=self._value(hp, "dropout", s["dropout"]), seed=s["seed"])
        optimizer = optimizers.get({"name": self._value(hp, "optimizer", s["optimizer"]),
                                    "learning_rate": self._value(hp, "learning_rate", s["learning_rate"])})
        model.compile(optimizer=optimizer, loss=self.loss, metrics=self.metrics)
        return model

    def fit(self, hp, model, *args, **kwargs):
        kwargs["epochs"] = self._value(hp, "epochs", kwargs.get("epochs"))
        kwargs["batch_size"] = self._value(hp, "batch_size", kwargs.get("batch_size"))
        return model.fit(*args, **kwargs)


def check_searchable(space) -> None:
    r"""A searched setting's values must be ones ``neurona train`` accepts."""
    for hp in space:
        section = SEARCHABLE[hp.name]
        if hp.name in SCHEMA.get(section, {}) and SCHEMA[section][hp.name][0] is str and not isinstance(hp, (Choice, Fixed)):
            raise SettingsError(f"[search] {hp.name} is a name: search it with {{choice = [...]}}.")
