r"""The Keras-style training log:

    Epoch 2/10
    422/422 ━━━━━━━━━━━━━━━━━━━━ 3s 7ms/step - accuracy: 0.9712 - loss: 0.0950 - val_accuracy: 0.9760 - val_loss: 0.0822

verbose=1 draws a bar per epoch that becomes that line when the epoch ends; verbose=2 prints
only the line (``422/422 - 3s - 7ms/step - ...``). ``evaluate`` and ``predict`` given verbose 1
or 2 draw one such line of their own, without ``Epoch k/N``. Where it is drawn decides how:

- a terminal: the line redrawn in place, with a carriage return, showing the time left while the
  epoch runs and the time taken once it ends. A line wider than the terminal wraps onto more
  rows, and each redraw first goes back up over all of them: at any width the final line is
  whole, nothing piles up, and what the program prints next comes below it;
- a Jupyter kernel (JupyterLab, Notebook, VS Code, Colab: any IPython shell with a kernel): the
  lines as plain text on stdout, which a saved notebook and its HTML keep, one per epoch with its
  metrics; while a long epoch runs, its bar in a display that is emptied when the epoch ends. No
  widgets, so nothing depends on ipywidgets;
- anything else (a pipe, a log file, a ``dumb`` terminal, an old Windows console): the same plain lines,
  written once per epoch.
"""
from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import sys
import time

from .callback import Callback
from .notebook import in_notebook

BAR_WIDTH = 20
REFRESH_SECONDS = 0.2           # metrics are read no more often: reading them can cost a sort
REDRAW_SECONDS = 0.05           # a terminal's bar moves up to 20 times a second, as Keras's does
_STYLE = re.compile(r"\x1b\[[0-9;]*m")


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
    r"""``7ms/step``: in s from 1 s (and for 0, as Keras), ms from 1 ms, else us."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    return f"{seconds * 1e3:.0f}ms/step" if seconds >= 1e-3 else f"{seconds * 1e6:.0f}us/step"


def text_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    r"""``━━━━━━━━──────────``: the done share of ``width`` cells drawn heavy, the rest light."""
    filled = width if total <= 0 else min(width, int(width * done / total))
    return "━" * filled + "─" * (width - filled)


def bar_line(done: int, total: int | None, elapsed: float, logs: dict, running: bool = False,
             color: bool = False) -> str:
    r"""``done/total bar time time/step - metrics``: one state of the verbose=1 log. The time is
    the time taken, or while ``running`` the time left, (total - done) * elapsed / done. An
    unknown total (batches from a generator) shows ``done/Unknown``, no bar and the time taken.
    ``color``: the counts bold and the done part of the bar green, as Keras draws them."""
    per_step = elapsed / max(done, 1)
    if total is None:
        steps, bar, seconds = f"{done:>7}/Unknown", "", elapsed
    else:
        seconds = per_step * max(total - done, 0) if running else elapsed
        steps, bar = f"{done:>{len(str(total))}}/{total}", text_bar(done, total) + " "
    if color:
        filled = len(bar.rstrip("─ "))
        steps, bar = f"\x1b[1m{steps}\x1b[0m", f"\x1b[32m{bar[:filled]}\x1b[0m{bar[filled:]}"
    return f"{steps} {bar}{format_duration(seconds)} {format_step_time(per_step)}{format_logs(logs)}"


def _columns(stream) -> int:
    r"""The terminal's width now (it may have been resized since the last line)."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or shutil.get_terminal_size().columns


class _TerminalBar:
    r"""A terminal: the running line redrawn in place; its final state stays on screen.

    The line on screen has no newline yet. A redraw clears it row by row, from the last row it
    wrapped onto up to its first (ESC[2K, ESC[1A: unlike clearing to the end of the screen, which
    tmux takes for a clear screen at the top-left corner and pushes to its history), then writes
    the new state. Its rows are counted at the terminal's width of the moment: terminals re-wrap
    lines when resized (tmux, VTE, iTerm2, kitty, Windows Terminal). While the line is open,
    stdout and stderr pass through a _Guard, so that what else is printed meanwhile (a warning,
    a callback's print) clears it first and comes out whole above it."""

    def __init__(self, color: bool):
        self.color = color
        self.shown = 0                  # columns of the line on screen still open; 0: none
        self.fresh_line = True          # the cursor is at the start of a line

    def line(self, text: str):
        self._show(text, end=True)

    def start(self, steps: int):
        self.steps, self.started, self.logs, self.drawn_at = steps, time.perf_counter(), {}, -math.inf

    def update(self, done: int, logs: dict | None):
        now = time.perf_counter()
        if logs is not None:
            self.logs = logs
        elif now - self.drawn_at < REDRAW_SECONDS:
            return
        self.drawn_at = now
        self._show(bar_line(done, self.steps, now - self.started, self.logs, True, self.color), end=False)

    def finish(self, done: int, logs: dict):
        elapsed = time.perf_counter() - self.started
        self._show(bar_line(done, self.steps or done, elapsed, logs, color=self.color), end=True)

    def stop(self):
        if self.shown:                  # never finished: its last state stays, its line ended
            self._write("\n")
            self.shown, self.fresh_line = 0, True
        self._guard(False)

    def make_way(self):
        r"""Clear the open line (something else is about to be written); the next update redraws it."""
        if self.shown:
            self._write(self._clear())
            self.shown, self.fresh_line = 0, True

    def _clear(self) -> str:
        rows = -(-self.shown // _columns(_unguarded(sys.stdout)))
        return "\r" + "\x1b[2K\x1b[1A" * (rows - 1) + "\x1b[2K"

    def _show(self, text: str, end: bool):
        before = self._clear() if self.shown else "" if self.fresh_line else "\n"
        self._write(before + text + ("\n" if end else ""))
        self.shown = 0 if end else max(len(_STYLE.sub("", text)), 1)
        self.fresh_line = end
        self._guard(not end)

    def _guard(self, on: bool):
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            mine = isinstance(stream, _Guard) and stream.bar is self
            if on and not mine and (name == "stdout" or getattr(stream, "isatty", lambda: False)()):
                setattr(sys, name, _Guard(_unguarded(stream), self))
            elif not on and mine:
                setattr(sys, name, stream.stream)

    @staticmethod
    def _write(text: str):
        out = _unguarded(sys.stdout)
        out.write(text)
        out.flush()


class _Guard:
    r"""stdout or stderr while a bar's line is open: a write first clears that line."""

    def __init__(self, stream, bar: _TerminalBar):
        self.stream, self.bar = stream, bar

    def write(self, text: str) -> int:
        self.bar.make_way()
        written = self.stream.write(text)
        if text:
            self.bar.fresh_line = text.endswith("\n")
        return written

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _unguarded(stream):
    r"""The stream under any _Guard (one left by a run cut short by an exception included)."""
    while isinstance(stream, _Guard):
        stream = stream.stream
    return stream


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
        state = {"text/plain": bar_line(done, self.steps, time.perf_counter() - self.started, logs, running=True)}
        if self.handle is None:
            from IPython.display import display
            self.handle = display(state, raw=True, display_id=True)
        else:
            self.handle.update(state, raw=True)

    def finish(self, done: int, logs: dict):
        self.stop()
        self.line(bar_line(done, self.steps or done, time.perf_counter() - self.started, logs))

    def stop(self):
        if self.handle is not None:
            self.handle.update({"text/plain": ""}, raw=True)
            self.handle = None


def _takes_escapes() -> bool:
    r"""Whether stdout is a terminal that moves its cursor when told (ANSI escapes): not a ``dumb``
    one; on Windows, a console that accepts to (Windows 10 and later, once asked)."""
    if not sys.stdout.isatty() or os.environ.get("TERM") == "dumb":
        return False
    if os.name != "nt":
        return True
    try:
        import ctypes
        kernel32, mode = ctypes.windll.kernel32, ctypes.c_uint32()
        handle = kernel32.GetStdHandle(-11)                             # STD_OUTPUT_HANDLE
        return bool(kernel32.GetConsoleMode(handle, ctypes.byref(mode)) and
                    kernel32.SetConsoleMode(handle, mode.value | 0x0004))   # ENABLE_VIRTUAL_TERMINAL_PROCESSING
    except (AttributeError, OSError):
        return False


def _display():
    r"""How stdout shows the log: a Jupyter kernel, a terminal, or plain lines."""
    if in_notebook():
        return _TextBar(live=True)
    if _takes_escapes():
        return _TerminalBar(color="NO_COLOR" not in os.environ)
    return _TextBar(live=False)


class ProgressLogger(Callback):
    r"""Prints ``Epoch k/N`` and a progress bar (verbose=1) or one line per epoch (verbose=2);
    given to ``evaluate`` or ``predict``, the one bar or line of that pass (as Keras's
    ProgbarLogger; the validation inside ``fit`` is not drawn)."""

    def __init__(self, verbose: int = 1):
        if verbose not in (1, 2):
            raise ValueError(f"verbose must be 1 (progress bar) or 2 (one line per epoch); got {verbose!r}.")
        self.verbose = verbose
        self.display = _display()
        self._in_fit = False

    # -- fit ----------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._in_fit = True
        self.epochs = self.params.get("epochs")

    def on_epoch_begin(self, epoch, logs=None):
        self.display.line(f"Epoch {epoch + 1}/{self.epochs}")
        self._begin()

    def on_train_batch_end(self, batch, logs=None):
        self._step(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._end(logs)

    def on_train_end(self, logs=None):
        self.display.stop()
        self._in_fit = False

    # -- evaluate and predict -----------------------------------------------------------------
    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._begin()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._step(batch + 1, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._end(logs)
            self.display.stop()

    def on_predict_begin(self, logs=None):
        self._begin()

    def on_predict_batch_end(self, batch, logs=None):
        self._step(batch + 1, {})           # the outputs are not metrics

    def on_predict_end(self, logs=None):
        self._end({})
        self.display.stop()

    # -- one pass -----------------------------------------------------------------------------
    def _begin(self):
        self.steps = self.params.get("steps") or getattr(self, "_counted", None)  # None: unknown until counted
        self._start, self._done = time.perf_counter(), 0
        if self.verbose == 1:
            self.display.start(self.steps)
            self._logs_shown_at = -math.inf if isinstance(self.display, _TerminalBar) else self._start

    def _step(self, done, logs):
        self._done = done
        if self.verbose != 1:
            return
        now = time.perf_counter()
        if now - self._logs_shown_at >= REFRESH_SECONDS:
            self._logs_shown_at = now
            self.display.update(done, dict(logs or {}))
        else:
            self.display.update(done, None)

    def _end(self, logs):
        done = self._done
        if self.steps is None:
            self._counted = done
        if self.verbose == 1:
            self.display.finish(done, dict(logs or {}))
            return
        elapsed = time.perf_counter() - self._start
        self.display.line(f"{done}/{self.steps or done} - {format_duration(elapsed)} - "
                          f"{format_step_time(elapsed / max(done, 1))}{format_logs(logs or {})}")


@contextlib.contextmanager
def lines_ended(callbacks):
    r"""Around a loop that drives ProgressLoggers: if an exception (Ctrl-C included) leaves it,
    each logger's last state stays on screen and its line is ended before the traceback."""
    try:
        yield
    finally:
        for callback in callbacks:
            if isinstance(callback, ProgressLogger):
                callback.display.stop()
