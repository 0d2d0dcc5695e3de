r"""Controlled A/B runs: what one knob does, everything else held still.

    result = tune.compare(build_model, {"momentum": [0.0, 0.9]}, x, y, seeds=(0, 1, 2),
                          epochs=20, validation_split=0.2)

For each seed s and each variant v, the model ``build_model(hp)`` (``hp`` fixed at v's values, every
other parameter at its default) is re-initialised from one generator seeded with s, which then
shuffles the batches and draws the dropout masks: for one seed every variant starts from the same
initial weights (where its shapes allow) and sees the same batches in the same order. Only the
named setting differs. The result gives, per variant, the mean and standard deviation over the
seeds of every metric of the last epoch, and the learning curves (``tune.plot.compare``).
"""
from __future__ import annotations

import inspect
import itertools

import numpy as np

from .hyperparameters import Fixed, HyperParameters


class CompareResult:
    r"""``variants`` (labels), ``histories[label]`` (one ``.history`` dict per seed), ``summary[label][metric]``
    = (mean, std over seeds of the last epoch)."""

    def __init__(self, variants: dict[str, dict], histories: dict[str, list[dict]], seeds):
        self.variants, self.histories, self.seeds = variants, histories, tuple(seeds)
        self.summary = {}
        for label, runs in histories.items():
            metrics = sorted(set.intersection(*(set(run) for run in runs)))
            self.summary[label] = {}
            for metric in metrics:
                last = np.array([run[metric][-1] for run in runs], dtype=float)
                std = float(last.std(ddof=1)) if len(last) > 1 else 0.0
                self.summary[label][metric] = (float(last.mean()), std)

    def table(self) -> str:
        metrics = sorted({m for row in self.summary.values() for m in row})
        width = max(len(label) for label in self.summary)
        lines = [f"{'variant':<{width}}  " + "  ".join(f"{m:>20}" for m in metrics)]
        for label, row in self.summary.items():
            cells = [f"{row[m][0]:.4f} ± {row[m][1]:.4f}" if m in row else "-" for m in metrics]
            lines.append(f"{label:<{width}}  " + "  ".join(f"{c:>20}" for c in cells))
        return "\n".join(lines) + f"\n(mean ± std over seeds {', '.join(map(str, self.seeds))}, last epoch)"

    def plot(self, metric: str = "loss", path=None):
        from .plot import compare as plot_compare
        return plot_compare(self, metric=metric, path=path)

    def __repr__(self):
        return self.table()


def _variants(settings: dict) -> dict[str, dict]:
    if not isinstance(settings, dict) or not settings:
        raise ValueError(f"compare: settings must be a dict of name -> list of values, e.g. "
                         f"{{'momentum': [0.0, 0.9]}}; got {settings!r}.")
    for name, values in settings.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)) or not values:
            raise ValueError(f"compare: settings[{name!r}] must be a non-empty list of values; got {values!r}.")
    combos = [dict(zip(settings, combo)) for combo in itertools.product(*settings.values())]
    return {", ".join(f"{k}={v}" for k, v in combo.items()): combo for combo in combos}


def _build(build_model, values: dict):
    parameters = inspect.signature(build_model).parameters
    if set(values) <= set(parameters) and "hp" not in parameters:
        return build_model(**values)
    hp = HyperParameters()
    for name, value in values.items():
        hp.ask(Fixed(name, value))
    return build_model(hp)


def reseed(model, seed: int, input_shape) -> None:
    r"""Draw ``model``'s initial weights again from a generator seeded with ``seed``, which the model
    keeps for shuffling and dropout."""
    rng = np.random.default_rng(seed)
    model.build(getattr(model, "input_shape", None) or input_shape, rng=rng)
    model.rng = rng


def compare(build_model, settings: dict, x, y, seeds=(0, 1, 2), print_fn=print, **fit_kwargs) -> CompareResult:
    r"""Train every variant of ``settings`` once per seed under the same conditions; print and return the result."""
    variants = _variants(settings)
    seeds = tuple(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) for s in seeds):
        raise ValueError(f"compare: seeds must be a non-empty list of integers; got {seeds!r}.")
    fit_kwargs.setdefault("verbose", 0)
    input_shape = (None, *np.shape(x)[1:])
    histories: dict[str, list[dict]] = {label: [] for label in variants}
    for seed in seeds:
        for label, values in variants.items():
            model = _build(build_model, values)
            if not hasattr(model, "layers") or not hasattr(model, "fit"):
                raise TypeError(f"compare: build_model must return a compiled neurona model; got {model!r}.")
            reseed(model, int(seed), input_shape)
            history = model.fit(x, y, **fit_kwargs)
            histories[label].append({k: [float(v) for v in vs] for k, vs in history.history.items()
                                     if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vs)})
    result = CompareResult(variants, histories, seeds)
    if print_fn is not None:
        print_fn(result.table())
    return result


__all__ = ["compare", "CompareResult", "reseed"]
