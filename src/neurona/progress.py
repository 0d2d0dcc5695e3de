r"""The Keras-style training log, drawn with rich (terminal and Jupyter alike):

    Epoch 2/10
    422/422 ━━━━━━━━━━━━━━━━━━━━ 3s 7ms/step - accuracy: 0.9712 - loss: 0.0950 - val_accuracy: 0.9760 - val_loss: 0.0822

verbose=1 draws a live bar per epoch; verbose=2 prints one line per epoch.
"""
from __future__ import annotations

import math
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn
from rich.table import Column
from rich.text import Text

from .callbacks import Callback


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


class ProgressLogger(Callback):
    r"""Prints ``Epoch k/N`` and a progress bar (verbose=1) or one line per epoch (verbose=2)."""

    def __init__(self, verbose: int = 1, console: Console | None = None):
        if verbose not in (1, 2):
            raise ValueError(f"verbose must be 1 (progress bar) or 2 (one line per epoch); got {verbose!r}.")
        self.verbose = verbose
        if console is None:
            console = Console()
            if not console.is_terminal and not console.is_jupyter:
                console = Console(width=250)        # a log file: keep each epoch on one line
        self.console = console

    def on_train_begin(self, logs=None):
        self.epochs = self.params.get("epochs")
        self.steps = self.params.get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        self.console.print(f"Epoch {epoch + 1}/{self.epochs}", highlight=False)
        self._start = time.perf_counter()
        self._done = 0
        if self.verbose == 1:
            self._progress = Progress(_StepsColumn(), BarColumn(bar_width=20),
                                      _TimeAndLogsColumn(table_column=Column(no_wrap=True)),
                                      console=self.console, auto_refresh=True, refresh_per_second=5,
                                      transient=False)
            self._progress.start()
            self._task = self._progress.add_task("", total=self.steps, logs={})
            self._logs_shown_at = -math.inf

    def on_train_batch_end(self, batch, logs=None):
        self._done = batch + 1
        if self.verbose != 1:
            return
        now = time.perf_counter()
        if now - self._logs_shown_at >= 0.2:        # the bar redraws 5 times a second: read the
            self._logs_shown_at = now               # metrics (some cost a sort) no more often
            self._progress.update(self._task, completed=batch + 1, logs=dict(logs or {}))
        else:
            self._progress.update(self._task, completed=batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose == 1:
            self._progress.update(self._task, logs=logs)
            self._progress.stop()
            return
        elapsed = time.perf_counter() - self._start
        done = self._done
        self.console.print(f"{done}/{self.steps} - {format_duration(elapsed)} - "
                           f"{format_step_time(elapsed / max(done, 1))}{format_logs(logs or {})}",
                           highlight=False)

    def on_train_end(self, logs=None):
        progress = getattr(self, "_progress", None)
        if progress is not None and not progress.finished:
            progress.stop()
