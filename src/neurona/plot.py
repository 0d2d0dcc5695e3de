r"""Pictures of training and evaluation, drawn with matplotlib (the optional extra
``pip install ".[plot]"`` in neurona's checkout, or ``pip install matplotlib``).

    plot.learning_curves(history)                 loss and each metric per epoch, train vs validation
    plot.decision_boundary(model, x, y)           what a model predicts over the plane of 2-D data
    plot.confusion_matrix(cm, labels)             the matrix as a heat map with its numbers
    plot.roc_curve(y_true, y_score)               TPR against FPR, with the AUC

Each returns a ``matplotlib.figure.Figure`` and, given ``path``, also writes it there (the format
from the extension: .png, .svg, .pdf, ...), atomically. In Jupyter a returned figure is drawn
inline, once. The figures are made without pyplot, so they work on any backend, headless servers
included; when pyplot is in use (imported), they are made through it, so ``plt.show()`` shows them.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np

from . import metrics as metrics_module
from .metrics.classification import _as_labels
from .atomicfile import write_atomic
from .notebook import show_in_notebook

_MISSING = ("neurona.plot needs matplotlib, which is not installed. Install it with "
            "pip install matplotlib (or pip install \".[plot]\" in neurona's checkout).")


_figure_class = None


def _figure_type():
    r"""``matplotlib.figure.Figure`` with a PNG for notebooks (matplotlib is imported on first use)."""
    global _figure_class
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(_MISSING) from error
    if _figure_class is None:
        class NeuronaFigure(Figure):
            r"""A Figure that Jupyter draws inline when a cell returns it. Under pyplot's inline
            backend the figure is also closed there, so the end of the cell does not draw it again."""

            def _repr_png_(self):
                buffer = io.BytesIO()
                self.savefig(buffer, format="png")
                pyplot = sys.modules.get("matplotlib.pyplot")
                if pyplot is not None and self.canvas.manager is not None and "inline" in pyplot.get_backend():
                    pyplot.close(self)
                return buffer.getvalue()

        _figure_class = NeuronaFigure
    show_in_notebook(_figure_class, "image/png")
    return _figure_class


def _new_figure(width: float, height: float):
    figure_type = _figure_type()
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:          # pyplot in use: make the figure through it, so that plt.show() shows it
        return pyplot.figure(figsize=(width, height), layout="constrained", FigureClass=figure_type)
    return figure_type(figsize=(width, height), layout="constrained")


def _integer_ticks(ax):
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _finish(figure, path):
    r"""Save ``figure`` to ``path`` if given (the format from the extension), written atomically."""
    if path is not None:
        buffer = io.BytesIO()
        figure.savefig(buffer, format=Path(path).suffix.lstrip(".").lower() or "png")
        write_atomic(path, buffer.getvalue())
    return figure


def _history_dict(history) -> dict[str, list[float]]:
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise TypeError(f"history must be a History (from fit) or a non-empty dict of lists; "
                        f"got {type(history).__name__}.")
    return {str(k): list(v) for k, v in logs.items()}


def learning_curves(history, path=None, metrics=None):
    r"""One panel per quantity (loss first, then each metric): training against validation
    ("val_" + name) per epoch. Validation rising while training falls is overfitting.

    history  what ``fit`` returns (a History) or a dict of lists such as ``history.history``
    metrics  the names to draw (default: all that were logged, the learning rate included)
    """
    logs = _history_dict(history)
    names = [k for k in logs if not k.startswith("val_")] if metrics is None else list(metrics)
    names = sorted(names, key=lambda k: k != "loss")
    unknown = [k for k in names if k not in logs and f"val_{k}" not in logs]
    if unknown or not names:
        raise ValueError(f"No logs for {unknown or 'any metric'}; the history holds {sorted(logs)}.")
    figure = _new_figure(4.5 * len(names), 3.6)
    for ax, name in zip(figure.subplots(1, len(names), squeeze=False)[0], names):
        for key, label in ((name, "train"), (f"val_{name}", "validation")):
            if key in logs:
                values = logs[key]
                ax.plot(np.arange(1, len(values) + 1), values, marker="." if len(values) < 30 else None, label=label)
        ax.set(title=name, xlabel="epoch")
        _integer_ticks(ax)
        ax.grid(alpha=0.3)
        ax.legend()
    return _finish(figure, path)


def _predicted_surface(model, grid):
    r"""(values, kind) over the grid points: a probability of class 1 ("probability") or a class
    index ("class")."""
    predict_proba = getattr(model, "predict_proba", None)
    out = np.asarray(predict_proba(grid) if callable(predict_proba) else model.predict(grid))
    if out.ndim == 2 and out.shape[1] > 1:
        return (out[:, 1], "probability") if out.shape[1] == 2 else (np.argmax(out, axis=1), "class")
    out = out.reshape(-1)
    if np.issubdtype(out.dtype, np.floating) and out.min() >= 0 and out.max() <= 1 and not np.all(out == np.round(out)):
        return out, "probability"
    return np.unique(out, return_inverse=True)[1], "class"


def decision_boundary(model, x, y, path=None, resolution: int = 200, padding: float = 0.5, title=None):
    r"""The plane of 2-D data coloured by the model's prediction, with the samples on top.

    model  anything with ``predict`` (a neurona Sequential, a scikit-learn classifier; with
           ``predict_proba`` that is used): one probability column (sigmoid) is drawn as a shade
           with the p = 0.5 line, several columns (softmax) as class regions
    x, y   the samples (n, 2) and their labels (n,), one-hot rows or labels
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"decision_boundary draws 2-D data: x must have shape (n, 2); got {x.shape}.")
    labels = np.asarray(y)
    labels = np.argmax(labels, axis=1) if labels.ndim == 2 and labels.shape[1] > 1 else labels.reshape(-1)
    if labels.shape[0] != x.shape[0]:
        raise ValueError(f"x and y must have the same number of samples; got {x.shape[0]} and {labels.shape[0]}.")
    low, high = x.min(axis=0) - padding, x.max(axis=0) + padding
    g0, g1 = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    values, kind = _predicted_surface(model, np.c_[g0.ravel(), g1.ravel()].astype(np.float32))
    values = values.reshape(g0.shape)
    figure = _new_figure(5.5, 4.8)
    ax = figure.subplots()
    if kind == "probability":
        shade = ax.contourf(g0, g1, values, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        ax.contour(g0, g1, values, levels=[0.5], colors="k", linewidths=1.5)
        figure.colorbar(shade, ax=ax, label="p(class 1)")
    else:
        ax.contourf(g0, g1, values, levels=np.arange(values.max() + 2) - 0.5, cmap="tab10", alpha=0.35)
    classes = np.unique(labels)
    for k, c in enumerate(classes):
        ax.scatter(*x[labels == c].T, s=14, edgecolors="k", linewidths=0.4, label=str(c),
                   color=("tab:blue", "tab:red")[k] if classes.size == 2 else f"C{k}")
    ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), xlabel="x1", ylabel="x2",
           title=title or "decision boundary")
    ax.legend(title="class", loc="best", fontsize="small")
    return _finish(figure, path)


def confusion_matrix(cm, labels=None, path=None, title=None, cmap="Blues"):
    r"""The confusion matrix as a heat map: row = true class, column = predicted, each cell with
    its count (or its fraction when ``cm`` is normalised, e.g. ``normalize="true"``)."""
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.size == 0:
        raise ValueError(f"cm must be a square matrix (classes x classes); got shape {cm.shape}.")
    labels = [str(k) for k in range(cm.shape[0])] if labels is None else [str(k) for k in labels]
    if len(labels) != cm.shape[0]:
        raise ValueError(f"labels has {len(labels)} names for a {cm.shape[0]} x {cm.shape[0]} matrix.")
    integer = np.issubdtype(cm.dtype, np.integer) or np.all(cm == np.round(cm)) and cm.max() > 1
    size = 1.2 + 0.55 * cm.shape[0]
    figure = _new_figure(size + 1.5, size)
    ax = figure.subplots()
    image = ax.imshow(cm, cmap=cmap, vmin=0)
    figure.colorbar(image, ax=ax)
    middle = (cm.max() + cm.min()) / 2
    for (i, j), value in np.ndenumerate(cm):
        ax.text(j, i, f"{int(value)}" if integer else f"{value:.2f}", ha="center", va="center",
                color="white" if value > middle else "black", fontsize="small")
    ticks = np.arange(cm.shape[0])
    ax.set_xticks(ticks, labels, rotation=45 if max(map(len, labels)) > 3 else 0, ha="right" if max(map(len, labels)) > 3 else "center")
    ax.set_yticks(ticks, labels)
    ax.set(xlabel="predicted class", ylabel="true class", title=title or "confusion matrix")
    return _finish(figure, path)


def roc_curve(y_true, y_score, path=None, labels=None, title=None):
    r"""ROC curve(s) with their AUC in the legend and the diagonal of a random guess.

    Binary: ``y_score`` is the score of the positive (greater) class. Several classes: a column
    of probabilities per class, drawn one-vs-rest, a curve per class (``labels`` names them).
    """
    y_true = _as_labels("y_true", y_true)
    score = np.asarray(y_score, dtype=np.float64)
    classes = np.unique(y_true)
    if classes.size < 2:
        raise ValueError(f"y_true holds a single class ({classes.tolist()}); a ROC curve needs two or more.")
    if score.ndim == 1 or score.shape[1] == 1:
        if classes.size > 2:
            raise ValueError(f"y_true holds {classes.size} classes; give y_score one column per class.")
        curves = [("", y_true == classes[-1], score.reshape(-1))]
    else:
        names = [str(c) for c in classes] if labels is None else [str(n) for n in labels]
        if score.shape[1] != classes.size or len(names) != classes.size:
            raise ValueError(f"y_score has {score.shape[1]} columns and labels {len(names)} names, but y_true "
                             f"holds {classes.size} classes {classes.tolist()}; give one of each per class.")
        curves = [(f"{name} vs rest", y_true == c, score[:, k]) for k, (c, name) in enumerate(zip(classes, names))]
    figure = _new_figure(5.2, 4.8)
    ax = figure.subplots()
    for name, positive, column in curves:
        fpr, tpr, _ = metrics_module.roc_curve(positive.astype(np.int64), column)
        area = metrics_module.auc(fpr, tpr)
        ax.plot(fpr, tpr, label=f"{name + ': ' if name else ''}AUC = {area:.3f}")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="false positive rate (1 - specificity)",
           ylabel="true positive rate (recall)", title=title or "ROC curve")
    ax.legend(loc="lower right", fontsize="small")
    return _finish(figure, path)
