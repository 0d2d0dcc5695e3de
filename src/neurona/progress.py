r"""The Keras-style training log:

    Epoch 2/10
    422/422 ━━━━━━━━━━━━━━━━━━━━ 3s 7ms/step - accuracy: 0.9712 - loss: 0.0950 - val_accuracy: 0.9760 - val_loss: 0.0822

verbose=1 draws a live bar per epoch that becomes that line when the epoch ends; verbose=2 prints
only the line (``422/422 - 3s - 7ms/step - ...``). Where it is drawn decides how:

- a terminal: a rich progress bar, redrawn in place;
- a Jupyter kernel (JupyterLab, Notebook, VS Code, Colab: any IPython shell with a kernel): the
  lines as plain text on stdout, which a saved notebook and its HTML keep, one per epoch with its
  metrics; while a long epoch runs, its bar in a display that is emptied when the epoch ends. No
  widgets, so nothing depends on ipywidgets;
- anything else (a pipe, a log file): the same plain lines, written once per epoch.
"""
from __future__ import annotations

import math
import sys
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn
from rich.table import Column
from rich.text import Text

from .callbacks import Callback
from .notebook import in_notebook

BAR_WIDTH = 20
REFRESH_SECONDS = 0.2           # the bar redraws 5 times a second; metrics are read no more often


def format_logs(logs: dict) -> str:
    r"""`` - loss: 0.0950 - accuracy: 0.9712`` (Keras' order: metrics, then loss, then val_)."""
    shown = [k for k in logs if not k.startswith("batch_") and k != "learning_rate"]
    train = sorted(k for k in shown if not k.startswith("val_") and k != "loss")
    validation = sorted(k for k in shown if k.startswith("val_"))
    keys = train + (["loss"] if "loss" in logs else []) + validation
    return "".join(f" - {k}: {logs[k]:.4f}" for k in keys)


def format_duration(seconds: float) -> str:
    if seconds >= 60:
        return f"{int(seconds // 60)}m {int(seconds % 60)}s"
    return f"{seconds:.0f}s"


def format_step_time(seconds: float) -> str:
    return f"{seconds * 1e3:.0f}ms/step" if seconds >= 1e-3 else f"{seconds * 1e6:.0f}us/step"


def text_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    r"""``━━━━━━━━──────────``: the done share of ``width`` cells drawn heavy, the rest light."""
    filled = width if total <= 0 else min(width, int(width * done / total))
    return "━" * filled + "─" * (width - filled)


def bar_line(done: int, total: int, elapsed: float, logs: dict) -> str:
    r"""``done/total bar elapsed time/step - metrics``: one state of the verbose=1 log."""
    steps = f"{done:>{len(str(total))}}/{total}"
    return (f"{steps} {text_bar(done, total)} {format_duration(elapsed)} "
            f"{format_step_time(elapsed / max(done, 1))}{format_logs(logs)}")


class _StepsColumn(ProgressColumn):
    def render(self, task):
        width = len(str(int(task.total or 0)))
        return Text(f"{int(task.completed):>{width}}/{int(task.total or 0)}")


class _TimeAndLogsColumn(ProgressColumn):
    def render(self, task):
        elapsed = task.elapsed or 0.0
        steps = max(int(task.completed), 1)
        text = f"{format_duration(elapsed)} {format_step_time(elapsed / steps)}"
        return Text(text + format_logs(task.fields.get("logs", {})), no_wrap=True, overflow="ignore")


class _RichBar:
    r"""A terminal: rich's live bar, left on screen at the epoch's end."""

    def __init__(self, console: Console):
        self.console = console

    def line(self, text: str):
        self.console.print(text, highlight=False)

    def start(self, steps: int):
        self.progress = Progress(_StepsColumn(), BarColumn(bar_width=BAR_WIDTH),
                                 _TimeAndLogsColumn(table_column=Column(no_wrap=True)),
                                 console=self.console, auto_refresh=True,
                                 refresh_per_second=1 / REFRESH_SECONDS, transient=False)
        self.progress.start()
        self.task = self.progress.add_task("", total=steps, logs={})

    def update(self, done: int, logs: dict | None):
        if logs is None:
            self.progress.update(self.task, completed=done)
        else:
            self.progress.update(self.task, completed=done, logs=logs)

    def finish(self, done: int, logs: dict):
        self.progress.update(self.task, completed=done, logs=logs)
        self.stop()

    def stop(self):
        progress = getattr(self, "progress", None)
        if progress is not None and not progress.finished:
            progress.stop()


class _TextBar:
    r"""Plain lines on stdout (looked up at each write: Jupyter gives each cell its own). Each epoch
    leaves ``Epoch k/N`` and its final line. With ``live`` (a Jupyter kernel), an epoch longer than
    a refresh also shows a bar while it runs, in a display of its own that is emptied when the
    epoch ends: a notebook saved by any client (nbclient, nbconvert, JupyterLab) keeps the lines
    alone, where bars redrawn with ``\r`` on stdout would leave every state in it."""

    def __init__(self, live: bool):
        self.live = live
        self.handle = None

    @staticmethod
    def line(text: str):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def start(self, steps: int):
        self.steps, self.started = steps, time.perf_counter()

    def update(self, done: int, logs: dict | None):
        if not self.live or logs is None:
            return
        state = {"text/plain": bar_line(done, self.steps, time.perf_counter() - self.started, logs)}
        if self.handle is None:
            from IPython.display import display
            self.handle = display(state, raw=True, display_id=True)
        else:
            self.handle.update(state, raw=True)

    def finish(self, done: int, logs: dict):
        self.stop()
        self.line(bar_line(done, self.steps, time.perf_counter() - self.started, logs))

    def stop(self):
        if self.handle is not None:
            self.handle.update({"text/plain": ""}, raw=True)
            self.handle = None


class ProgressLogger(Callback):
    r"""Prints ``Epoch k/N`` and a progress bar (verbose=1) or one line per epoch (verbose=2).

    console  a rich Console to draw on; by default a terminal gets rich's live bar, a Jupyter
             kernel plain text redrawn in place, anything else plain lines
    """

    def __init__(self, verbose: int = 1, console: Console | None = None):
        if verbose not in (1, 2):
            raise ValueError(f"verbose must be 1 (progress bar) or 2 (one line per epoch); got {verbose!r}.")
        self.verbose = verbose
        if console is None and not in_notebook() and sys.stdout.isatty():
            console = Console()
        self.display = _RichBar(console) if console is not None else _TextBar(live=in_notebook())

    def on_train_begin(self, logs=None):
        self.epochs = self.params.get("epochs")
        self.steps = self.params.get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        self.display.line(f"Epoch {epoch + 1}/{self.epochs}")
        self._start, self._done = time.perf_counter(), 0
        if self.verbose == 1:
            self.display.start(self.steps)
            self._logs_shown_at = -math.inf if isinstance(self.display, _RichBar) else self._start

    def on_train_batch_end(self, batch, logs=None):
        self._done = batch + 1
        if self.verbose != 1:
            return
        now = time.perf_counter()
        if now - self._logs_shown_at >= REFRESH_SECONDS:    # reading the metrics can cost a sort:
            self._logs_shown_at = now                        # no more often than the bar redraws
            self.display.update(batch + 1, dict(logs or {}))
        else:
            self.display.update(batch + 1, None)

    def on_epoch_end(self, epoch, logs=None):
        done = self._done
        if self.verbose == 1:
            self.display.finish(done, dict(logs or {}))
            return
        elapsed = time.perf_counter() - self._start
        self.display.line(f"{done}/{self.steps} - {format_duration(elapsed)} - "
                          f"{format_step_time(elapsed / max(done, 1))}{format_logs(logs or {})}")

    def on_train_end(self, logs=None):
        self.display.stop()
