r"""Pictures of a search (matplotlib, the ``plot`` extra), made without pyplot like ``neurona.plot``.

    tune.plot.history(tuner)                 each trial's score in order, and the best so far
    tune.plot.scores(tuner)                  the score against each hyperparameter, one panel each
    tune.plot.parallel_coordinates(tuner)    one line per trial across the (scaled) hyperparameters
    tune.plot.compare(result, "val_loss")    tune.compare's learning curves, mean +- std per variant

Each returns a ``Figure`` and, given ``path``, writes it there atomically.
"""
from __future__ import annotations

import math

import numpy as np

from ..plot import _finish, _new_figure


def _scored(tuner):
    return [t for t in tuner.oracle.trials.values() if t.score is not None and not math.isnan(t.score)]


def history(tuner, path=None):
    r"""Score per trial (in the order they were asked for) and the best score so far."""
    trials = _scored(tuner)
    objective = tuner.oracle.objective
    figure = _new_figure(6, 3.5)
    axes = figure.add_subplot()
    order = [int(t.trial_id) for t in trials]
    scores = [t.score for t in trials]
    best, best_so_far = None, []
    for score in scores:
        best = score if objective.better(score, best) else best
        best_so_far.append(best)
    axes.plot(order, scores, "o", alpha=0.6, label="trial")
    axes.step(order, best_so_far, where="post", label="best so far")
    axes.set_xlabel("trial")
    axes.set_ylabel(f"{objective.name} ({objective.direction})")
    axes.legend()
    return _finish(figure, path)


def _numeric(hp, values):
    r"""Values of one parameter as positions: numbers as they are, choices by their index."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values if v is not None):
        return [np.nan if v is None else float(v) for v in values], None
    labels = list(getattr(hp, "values", sorted({str(v) for v in values})))
    return [np.nan if v is None else float(labels.index(v)) for v in values], labels


def scores(tuner, path=None):
    r"""The score against each tuned hyperparameter (log axes for log-sampled ones)."""
    trials = _scored(tuner)
    space = [hp for hp in tuner.oracle.hyperparameters.space if type(hp).__name__ != "Fixed"]
    columns = max(1, min(3, len(space)))
    rows = max(1, math.ceil(len(space) / columns))
    figure = _new_figure(4 * columns, 3 * rows)
    for i, hp in enumerate(space):
        axes = figure.add_subplot(rows, columns, i + 1)
        xs, labels = _numeric(hp, [t.values.get(hp.name) for t in trials])
        axes.plot(xs, [t.score for t in trials], "o", alpha=0.7)
        if labels is not None:
            axes.set_xticks(range(len(labels)), [str(v) for v in labels])
        elif getattr(hp, "sampling", "linear") == "log":
            axes.set_xscale("log")
        axes.set_xlabel(hp.name)
        axes.set_ylabel(tuner.oracle.objective.name)
    return _finish(figure, path)


def parallel_coordinates(tuner, path=None, cmap="viridis"):
    r"""One line per trial through every hyperparameter (each scaled to [0, 1]), coloured by score."""
    from matplotlib import colormaps
    trials = _scored(tuner)
    space = [hp for hp in tuner.oracle.hyperparameters.space if type(hp).__name__ != "Fixed"]
    figure = _new_figure(max(5, 1.6 * len(space)), 4)
    axes = figure.add_subplot()
    if not trials or not space:
        return _finish(figure, path)
    grid = np.array([[hp.value_to_prob(t.values[hp.name]) if t.values.get(hp.name) is not None else np.nan
                      for hp in space] for t in trials])
    score = np.array([t.score for t in trials])
    span = score.max() - score.min()
    shade = (score - score.min()) / span if span > 0 else np.full_like(score, 0.5)
    if tuner.oracle.objective.direction == "min":
        shade = 1 - shade           # the best trials always the brightest
    colours = colormaps[cmap]
    for row, s in sorted(zip(grid, shade), key=lambda pair: pair[1]):
        axes.plot(range(len(space)), row, color=colours(s), alpha=0.8)
    axes.set_xticks(range(len(space)), [hp.name for hp in space], rotation=20)
    axes.set_ylabel("position in range (0 = min, 1 = max)")
    axes.set_title(f"{tuner.oracle.objective.name}: brighter is better")
    return _finish(figure, path)


def compare(result, metric: str = "loss", path=None):
    r"""The learning curve of ``metric`` per variant of ``tune.compare``: mean over seeds, +- one std shaded."""
    figure = _new_figure(6, 3.5)
    axes = figure.add_subplot()
    for label, runs in result.histories.items():
        curves = [run[metric] for run in runs if metric in run]
        if not curves:
            raise ValueError(f"plot.compare: no variant logged {metric!r}; logged: {sorted(runs[0])}.")
        n = min(len(c) for c in curves)
        curves = np.array([c[:n] for c in curves])
        epochs = np.arange(1, n + 1)
        mean, std = curves.mean(0), curves.std(0)
        axes.plot(epochs, mean, label=label)
        axes.fill_between(epochs, mean - std, mean + std, alpha=0.2)
    axes.set_xlabel("epoch")
    axes.set_ylabel(metric)
    axes.legend()
    return _finish(figure, path)
