r"""What Jupyter shows of neurona's objects: the kernel check, and the HTML of a model (its layer
table), a History (the last epoch's metrics beside a small curve of the loss), a classification
report (a table) and a hyperparameter search (its trials, best first).

    model               -> Model: "sequential", a row per layer, the parameter counts
    history             -> 5 epochs; loss, accuracy, ... of the last one, train and validation; the loss curve
    classification_report(y, y_hat)   -> the report as a table
    tuner, trial        -> id, status, score, best epoch and hyperparameter values of each trial

The objects call these from their ``_repr_html_``; their text (``print``) stays what it was. The
HTML is plain tables and an inline SVG: no scripts, no styles from outside, so a saved notebook and
its HTML show the same thing. This module imports nothing of the library.
"""
from __future__ import annotations

import html
import math
import sys

_METHOD = {"image/png": "_repr_png_", "text/html": "_repr_html_"}


def in_notebook() -> bool:
    r"""True inside a Jupyter kernel: an IPython shell that has a kernel (ipykernel's shell, Colab's,
    VS Code's), not a terminal IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_in_notebook(cls, mimetype: str) -> None:
    r"""Make the running IPython shell format ``cls`` for ``mimetype`` with the class's own method
    (``_repr_png_`` for image/png). IPython asks a printer registered for a type before the
    object's method, and matplotlib's inline backend registers one for every Figure: this puts
    the class's own first. Outside IPython it does nothing."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", None)
    if formatters and mimetype in formatters:
        method = _METHOD[mimetype]
        formatters[mimetype].for_type(cls, lambda obj: getattr(obj, method)())


def _cell(value, header: bool = False, align: str = "left") -> str:
    tag = "th" if header else "td"
    return f'<{tag} style="text-align: {align}">{html.escape(str(value))}</{tag}>'


def table(header, rows, align=None, caption=None) -> str:
    r"""An HTML table: ``header`` a list of column names, ``rows`` lists of cells (escaped)."""
    align = align or ["left"] * len(header)
    lines = ["<table>"]
    if caption:
        lines.append(f'<caption style="text-align: left">{html.escape(caption)}</caption>')
    lines.append("<thead><tr>" + "".join(_cell(h, True, a) for h, a in zip(header, align)) + "</tr></thead>")
    lines.append("<tbody>")
    for row in rows:
        lines.append("<tr>" + "".join(_cell(c, False, a) for c, a in zip(row, align)) + "</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def model_html(name: str, rows, total: int, trainable: int) -> str:
    r"""A model's layer table: ``rows`` are (layer, output shape, parameters) as ``summary`` prints."""
    body = table(["Layer (type)", "Output Shape", "Param #"], rows, ["left", "left", "right"],
                 caption=f'Model: "{name}"')
    counts = (f"Total params: {total:,}<br>Trainable params: {trainable:,}<br>"
              f"Non-trainable params: {total - trainable:,}")
    return f"<div>{body}\n<p>{counts}</p></div>"


def _format(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def sparkline(series: dict, width: int = 260, height: int = 90) -> str:
    r"""A small SVG of one or more curves over the epochs (``series``: label -> values), sharing
    one y range; non-finite values are left out. Empty when nothing is finite."""
    finite = [v for values in series.values() for v in values if math.isfinite(v)]
    longest = max((len(v) for v in series.values()), default=0)
    if not finite or longest == 0:
        return ""
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    pad, legend = 6, 16
    inner_w, inner_h = width - 2 * pad, height - 2 * pad - legend

    def point(i, v):
        x = pad + (inner_w * i / (longest - 1) if longest > 1 else inner_w / 2)
        y = pad + legend + inner_h * (high - v) / span
        return f"{x:.1f},{y:.1f}"

    colours = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">',
             f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" stroke="#ccc"/>']
    x_text = pad
    for (label, values), colour in zip(series.items(), colours):
        points = " ".join(point(i, v) for i, v in enumerate(values) if math.isfinite(v))
        if len(values) == 1:
            x, y = point(0, values[0]).split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{colour}"/>')
        else:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{points}"/>')
        parts.append(f'<text x="{x_text}" y="{pad + 10}" font-size="11" fill="{colour}" '
                     f'font-family="sans-serif">{html.escape(label)}</text>')
        x_text += 8 + 7 * len(label)
    parts.append(f'<text x="{width - pad}" y="{pad + 10}" font-size="10" fill="#777" text-anchor="end" '
                 f'font-family="sans-serif">{_format(float(low))} to {_format(float(high))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def history_html(logs: dict) -> str:
    r"""A History: how many epochs, the last epoch's value of each metric (train and validation
    side by side) and the curve of the loss (and val_loss)."""
    if not logs:
        return "<p>History: no epochs recorded yet.</p>"
    epochs = max(len(values) for values in logs.values())
    names = [k for k in logs if not k.startswith("val_")]
    names = sorted(names, key=lambda k: (k != "loss", k))
    names += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in names]
    has_validation = any(k.startswith("val_") for k in logs)
    header = ["metric", "train"] + (["validation"] if has_validation else [])
    last = lambda key: _format(float(logs[key][-1])) if key in logs and logs[key] else ""   # noqa: E731
    rows = [[name, last(name)] + ([last(f"val_{name}")] if has_validation else []) for name in names]
    body = table(header, rows, ["left"] + ["right"] * (len(header) - 1),
                 caption=f"History: {epochs} epoch{'s' if epochs != 1 else ''}, last epoch")
    curve = sparkline({k: [float(v) for v in logs[k]] for k in ("loss", "val_loss") if k in logs})
    return ('<div style="display: flex; gap: 1.5em; align-items: flex-start">'
            f"<div>{body}</div><div>{curve}</div></div>")


def report_html(rows: dict, digits: int) -> str:
    r"""A classification report (``output_dict`` form): a row per class, then accuracy (or micro
    avg) and the macro and weighted averages."""
    columns = ("precision", "recall", "f1-score", "support")
    body = []
    for name, row in rows.items():
        if name == "accuracy":
            support = rows["macro avg"]["support"]
            body.append([name, "", "", f"{row:.{digits}f}", support])
        else:
            body.append([name] + [f"{row[k]:.{digits}f}" for k in columns[:3]] + [row["support"]])
    return table(["", *columns], body, ["left"] + ["right"] * 4)


def _value(value) -> str:
    if value is None:
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def trials_html(caption: str, names, trials) -> str:
    r"""A search's trials table: ``trials`` are (id, status, score, best epoch, values) in the order
    shown (best first), ``names`` the hyperparameters' columns."""
    header = ["trial", "status", "score", "best epoch", *names]
    rows = [[trial_id, status, _value(score), _value(best_epoch), *(_value(values.get(n)) for n in names)]
            for trial_id, status, score, best_epoch, values in trials]
    align = ["left", "left", "right", "right"] + ["right"] * len(names)
    if not rows:
        return f"<div>{table(header, [], align, caption)}\n<p>No trials yet.</p></div>"
    return f"<div>{table(header, rows, align, caption)}</div>"


def trial_html(trial_id: str, status: str, score, best_epoch, values: dict, message=None) -> str:
    r"""One trial: its hyperparameter values, then its score and best epoch (and why it failed)."""
    rows = [[name, _value(value)] for name, value in values.items()]
    rows += [["score", _value(score)], ["best epoch", _value(best_epoch)]]
    body = table(["", "value"], rows, ["left", "right"], caption=f"Trial {trial_id}: {status}")
    note = f"\n<p>{html.escape(message)}</p>" if message else ""
    return f"<div>{body}{note}</div>"
