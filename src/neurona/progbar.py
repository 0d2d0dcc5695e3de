r"""Keras's ``Progbar`` (``keras.utils.Progbar``): the progress line of a custom loop.

    bar = utils.Progbar(target=len(batches), stateful_metrics=["acc"])
    for step, batch in enumerate(batches, 1):
        bar.update(step, values=[("loss", loss), ("acc", acc)])

A value named in ``stateful_metrics`` is shown as given; any other is the mean of what was given
so far, weighted by the steps each covered (Keras's rule). verbose=1 redraws one line; verbose=2
prints a line when the target is reached; verbose=0 prints nothing.
"""
from __future__ import annotations

import sys
import time

from .progress import bar_line


class Progbar:
    r"""A progress bar of ``target`` steps (None: unknown) that averages the values it is given."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step"):
        if target is not None and (isinstance(target, bool) or not isinstance(target, int) or target < 0):
            raise ValueError(f"Progbar: target must be a number of steps >= 0 or None; got {target!r}.")
        self.target, self.width, self.verbose, self.interval = target, width, verbose, interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self._sums, self._counts, self._order = {}, {}, []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_draw = 0.0

    def update(self, current, values=None, finalize=None):
        r"""Move to step ``current`` with ``values``, a list of (name, value)."""
        covered = max(current - self._seen_so_far, 1)
        for name, value in values or ():
            if name not in self._order:
                self._order.append(name)
            value = float(value)
            if name in self.stateful_metrics:
                self._sums[name], self._counts[name] = value, 1
            else:
                self._sums[name] = self._sums.get(name, 0.0) + value * covered
                self._counts[name] = self._counts.get(name, 0) + covered
        self._seen_so_far = current
        finalize = (self.target is not None and current >= self.target) if finalize is None else finalize
        now = time.time()
        if self.verbose == 1 and (finalize or now - self._last_draw >= self.interval):
            sys.stdout.write("\r" + self._line(current, now, running=not finalize) + ("\n" if finalize else ""))
            sys.stdout.flush()
            self._last_draw = now
        elif self.verbose == 2 and finalize:
            sys.stdout.write(self._line(current, now, running=False) + "\n")
            sys.stdout.flush()

    def add(self, n, values=None):
        r"""Move ``n`` steps on."""
        self.update(self._seen_so_far + n, values)

    def _line(self, current, now, running):
        logs = {name: self._sums[name] / self._counts[name] for name in self._order}
        return bar_line(current, self.target, now - self._start, logs, running=running)
