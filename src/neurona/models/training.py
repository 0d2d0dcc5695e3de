r"""The training loop of a model: ``fit``, epoch by epoch and batch by batch (Keras's).

    for each epoch:          shuffle the rows (one permutation per epoch)
        for each batch:      gather its rows, then ``train_step``: forward, cost, backward, update
        validate             on validation_split's last rows or validation_data, every validation_freq
        callbacks            History, the divergence detector, the progress log, the user's

``Training`` is a mixin of ``Model``: it uses the model's ``train_step``, ``_evaluate_arrays`` and
metric updates, and keeps here what only training needs (sample and class weights, resuming from a
backup, the epoch loop and its logs).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np

from .. import config
from ..callback import Callback, CallbackList
from ..callbacks import BackupAndRestore, History, LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN
from .divergence import DivergenceDetector
from ..progress import ProgressLogger, lines_ended
from ..validation import check_number, warn_user


def _rows(v, index):
    r"""The rows of v at index: a slice, or the shuffled positions of a batch (``take`` costs a third
    of ``v[index]`` on a small batch)."""
    return v[index] if isinstance(index, slice) else v.take(index, axis=0)


def _take_rows(xs, ys, weights, index):
    r"""The rows at ``index`` of every input, target and weight array (a missing one stays None)."""
    return ([_rows(v, index) for v in xs], [None if t is None else _rows(t, index) for t in ys],
            None if weights is None else [None if w is None else _rows(w, index) for w in weights])


def _fit_counts(epochs, initial_epoch, validation_split, verbose):
    r"""fit's epochs (capped by keras.config.set_max_epochs), initial_epoch, validation_split and
    verbose ("auto": 1), checked."""
    epochs = check_number("fit", "epochs", epochs, 0, integer=True)
    epochs = min(epochs, config.max_epochs() or epochs)
    initial_epoch = check_number("fit", "initial_epoch", initial_epoch, 0, integer=True)
    validation_split = check_number("fit", "validation_split", validation_split, 0, 1, high_open=True)
    return epochs, initial_epoch, validation_split, _verbosity("fit", verbose, 1)


def _batching(n, batch_size, steps_per_epoch) -> tuple[int, int]:
    r"""(batch size, batches per epoch) of ``n`` samples: batches of 32 by default, at most n;
    steps = ceil(n / batch_size), capped by steps_per_epoch and keras.config.set_max_steps_per_epoch."""
    batch_size = 32 if batch_size is None else check_number("fit", "batch_size", batch_size, 1, integer=True)
    batch_size = min(batch_size, n)
    steps = -(-n // batch_size)
    if steps_per_epoch is not None:
        steps = min(steps, check_number("fit", "steps_per_epoch", steps_per_epoch, 1, integer=True))
    return batch_size, min(steps, config.max_steps_per_epoch() or steps)


class _EpochPlan(NamedTuple):
    r"""What each epoch of ``fit`` runs over, once the arguments are checked."""
    train: tuple                # (xs, ys, weights)
    val: tuple | None           # (x_val, y_val, w_val), or None: no validation
    batch_size: int
    steps: int                  # batches per epoch
    val_batch: int
    validate_after: Callable    # epoch (1-based) -> validate after it?
    shuffle: bool


def _default_callbacks(history, extra, verbose, terminate_on_nan) -> list:
    r"""The callbacks ``fit`` adds before the user's ``extra``: History, the divergence detector
    (unless terminate_on_nan=False or the user gives a TerminateOnNaN), the progress log (verbose, unless
    the user gives one: Keras's ProgbarLogger)."""
    defaults = [history]
    if terminate_on_nan and not any(isinstance(c, TerminateOnNaN) for c in extra):
        defaults.append(DivergenceDetector())       # NaN, and the divergence a clipped loss hides
    if verbose and not any(isinstance(c, ProgressLogger) for c in extra):
        defaults.append(ProgressLogger(verbose))
    return defaults


class BatchLogs(Mapping):
    r"""The logs of a batch ("loss" and each metric), each metric computed only when read. A
    streaming AUC over every sample seen so far costs a sort: computing it after each batch would
    make an epoch quadratic in its length, while most callbacks read only the loss. ``batch_loss``
    (the cost of this batch alone) is an attribute, not a key: Keras' logs hold running means."""

    def __init__(self, loss, batch_loss, metric_by_name):
        self._values = {"loss": loss}
        self.batch_loss = batch_loss
        self._metrics = metric_by_name

    def __getitem__(self, key):
        if key in self._values:
            return self._values[key]
        return self._metrics[key].result()

    def __iter__(self):
        return iter([*self._values, *self._metrics])

    def __len__(self):
        return len(self._values) + len(self._metrics)

    def __repr__(self):
        return repr(dict(self))


def _verbosity(owner, verbose, auto):
    if verbose == "auto" or verbose is None:
        return auto
    if verbose not in (0, 1, 2):
        raise ValueError(f"{owner}: verbose must be 'auto', 0 (silent), 1 (progress bar) or 2 (one line per "
                         f"epoch); got {verbose!r}.")
    return verbose


def _callback_list(owner, callbacks) -> list:
    extra = list(callbacks or [])
    for callback in extra:
        if not isinstance(callback, Callback):
            raise TypeError(f"{owner}: callbacks must be Callback instances; got {callback!r}.")
    return extra


def _validation_epochs(freq):
    if isinstance(freq, numbers.Integral) and not isinstance(freq, bool) and freq >= 1:
        return lambda epoch: epoch % freq == 0
    if isinstance(freq, (list, tuple, set)) and all(isinstance(e, numbers.Integral) for e in freq):
        chosen = set(freq)
        return lambda epoch: epoch in chosen
    raise ValueError(f"validation_freq must be an integer >= 1 or a list of epochs (1-based); got {freq!r}.")


def _class_weight_table(class_weight) -> dict:
    r"""{class index: weight} of ``class_weight``, checked as ``sample_weight`` is: whole-number
    keys, finite weights >= 0 (a NaN weight would make the loss NaN)."""
    table = {}
    for key, value in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, numbers.Real) or not math.isfinite(key) or key != int(key):
            raise TypeError(f"class_weight keys must be class indices (integers); got {key!r}.")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"class_weight[{key!r}] must be a number; got {type(value).__name__} {value!r}.")
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"class_weight[{key!r}] must be a finite number >= 0; got {value!r}.")
        table[int(key)] = float(value)
    return table


def _class_labels(y) -> np.ndarray:
    r"""The class of each sample: the index of the largest entry of one-hot rows, else the value."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    return np.rint(y.reshape(-1)).astype(int)


class Training:
    r"""``fit`` and its epoch loop, for ``Model``."""

    # -- training -----------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size: int | None = None, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True, class_weight=None,
            sample_weight=None, initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps=None, validation_batch_size: int | None = None, validation_freq=1,
            terminate_on_nan: bool = True, resume_from=None):
        r"""Train for ``epochs`` passes over (x, y) in mini-batches of ``batch_size`` (default 32).

        batch_size = len(x) is batch gradient descent, 1 is stochastic gradient descent.
        validation_split takes the *last* fraction of the samples (before shuffling) to validate
        on; validation_data=(x_val, y_val[, sample_weight_val]) gives them explicitly, and
        ``validation_freq`` says after which epochs to validate (every k-th, or a list of epochs).
        ``class_weight={class: weight}`` and ``sample_weight`` (finite numbers >= 0) weight each sample's loss.
        Returns a History whose ``.history`` maps "loss", "val_loss" and each metric to its
        per-epoch values.

        resume_from=path saves the whole training state to ``path`` at every epoch end and, if
        ``path`` exists, first restores it and runs only the epochs still missing: running the
        same call again after a crash ends exactly as an uninterrupted run would
        (``callbacks.BackupAndRestore``).
        """
        self._require_compiled("fit")
        if self._uses_steps(x, validation_data):       # batches from a generator / dataset, or the model's own train_step
            if resume_from is not None:
                raise ValueError("fit: resume_from needs arrays and the built-in train_step.")
            return self._step_fit(x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
                                  shuffle, class_weight, sample_weight, initial_epoch, steps_per_epoch,
                                  validation_steps, validation_batch_size, validation_freq, terminate_on_nan)
        epochs, initial_epoch, validation_split, verbose = _fit_counts(epochs, initial_epoch, validation_split,
                                                                       verbose)
        train, val = self._fit_arrays(x, y, sample_weight, class_weight, validation_split, validation_data)
        batch_size, steps = _batching(train[0][0].shape[0], batch_size, steps_per_epoch)
        val_batch = check_number("fit", "validation_batch_size", validation_batch_size or batch_size, 1, integer=True)
        plan = _EpochPlan(train, val, batch_size, steps, val_batch, _validation_epochs(validation_freq), shuffle)

        history, callback_list, to_run = self._fit_callbacks(callbacks, range(initial_epoch, initial_epoch + epochs),
                                                             steps, verbose, terminate_on_nan, resume_from)
        self._run_epochs(plan, to_run, callback_list)
        return history

    def _fit_callbacks(self, callbacks, epochs, steps, verbose, terminate_on_nan, resume_from):
        r"""fit's History, its CallbackList (History, the divergence detector and the progress log, then
        the user's callbacks and resume_from's BackupAndRestore) and the ``epochs`` still to run once
        a backup is restored."""
        history = History()
        extra = _callback_list("fit", callbacks) + ([] if resume_from is None else [BackupAndRestore(resume_from, delete_checkpoint=False)])
        first_epoch = self._resume(extra, history, epochs.start, epochs.stop, resume_from, verbose)
        callback_list = CallbackList(_default_callbacks(history, extra, verbose, terminate_on_nan) + extra, self)
        callback_list.set_params({"verbose": verbose, "epochs": epochs.stop, "steps": steps})
        return history, callback_list, range(first_epoch, epochs.stop)

    def _fit_arrays(self, x, y, sample_weight, class_weight, validation_split, validation_data):
        r"""The checked training arrays (xs, ys, weights) and the validation ones: validation_split's
        last rows (before shuffling), validation_data's, or None."""
        if x is None or y is None:
            raise ValueError(f"fit needs x and y (arrays), or batches: a generator, a keras.utils.PyDataset or an "
                             f"iterable of (x, y) batches; got x of type {type(x).__name__} and "
                             f"{'no y' if y is None else 'no x'}.")
        xs = self._check_inputs(x)
        self._ensure_compiled_for(xs)
        n = xs[0].shape[0]
        ys = self._check_targets(y, n)
        train = (xs, ys, self._sample_weights(sample_weight, class_weight, ys, n))
        if validation_data is not None and validation_split:
            raise ValueError("Give validation_split or validation_data, not both.")
        if validation_split:
            n_val = int(round(n * validation_split))
            if n_val == 0 or n_val == n:
                raise ValueError(f"validation_split={validation_split} of {n} samples leaves "
                                 f"{'no validation' if n_val == 0 else 'no training'} samples.")
            return _take_rows(*train, slice(None, n - n_val)), _take_rows(*train, slice(n - n_val, None))
        if validation_data is not None:
            return train, self._validation_arrays(validation_data)
        return train, None

    def _validation_arrays(self, validation_data):
        r"""(x_val, y_val, w_val) of ``validation_data``, checked as fit's own arrays are."""
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be a pair (x_val, y_val) or a triple (x_val, y_val, "
                             "sample_weight_val).")
        x_val = self._check_inputs(validation_data[0], "x_val")
        n_val = x_val[0].shape[0]
        y_val = self._check_targets(validation_data[1], n_val, ("x_val", "y_val"))
        w_val = None if len(validation_data) == 2 else self._sample_weights(validation_data[2], None, y_val, n_val)
        return x_val, y_val, w_val

    def _resume(self, callbacks, history, initial_epoch, end_epoch, resume_from, verbose) -> int:
        r"""The first epoch to run: the one after a restored backup's, else ``initial_epoch``;
        ``resume_from`` says which it is."""
        restored = any(isinstance(c, BackupAndRestore) and c.exists() for c in callbacks)
        first_epoch = self._restore_backup(callbacks, history, initial_epoch)
        if resume_from is not None:
            self._say_how_resumed(resume_from, restored, first_epoch, end_epoch, verbose)
        return first_epoch

    def _run_epochs(self, plan, epochs, callback_list):
        r"""The epoch loop of ``fit`` over ``plan``, from ``on_train_begin`` to ``on_train_end``."""
        logs_rate = any(isinstance(c, (LearningRateScheduler, ReduceLROnPlateau)) for c in callback_list.callbacks)
        self.stop_training, self.stop_reason = False, None
        callback_list.on_train_begin({})
        logs = {}
        self._pass = (None, 0)          # (the pass's row order, its next batch): see _train_epoch
        # a diverging run overflows: TerminateOnNaN reports it in words instead of NumPy's warnings
        with np.errstate(over="ignore", invalid="ignore"), lines_ended(callback_list.callbacks):
            for epoch in epochs:
                logs = self._fit_epoch(epoch, plan, callback_list, logs_rate)
                if self.stop_training:
                    break
        if hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values()    # use_ema: the weights take their averages, as Keras
        callback_list.on_train_end(dict(logs))

    def _fit_epoch(self, epoch, plan, callback_list, logs_rate) -> dict:
        r"""One epoch of ``fit``: train, validate when ``plan`` says so, and the epoch's logs
        (with the learning rate when a schedule or a callback changes it)."""
        self._epoch = epoch
        callback_list.on_epoch_begin(epoch, {})
        logs = self._train_epoch(*plan.train, plan.batch_size, plan.steps, plan.shuffle, callback_list)
        if plan.val is not None and math.isfinite(logs["loss"]) and plan.validate_after(epoch + 1):
            results = self._evaluate_arrays(*plan.val, plan.val_batch, callback_list)
            logs.update({f"val_{k}": v for k, v in results.items()})
        if logs_rate or not isinstance(self.optimizer.learning_rate, (int, float)):
            logs["learning_rate"] = self.optimizer.current_learning_rate
        self.epoch = epoch + 1
        callback_list.on_epoch_end(epoch, logs)
        return logs

    def _sample_weights(self, sample_weight, class_weight, ys, n):
        r"""One weight per sample and output (None: unweighted), from ``sample_weight`` and ``class_weight``."""
        if sample_weight is None and class_weight is None:
            return None
        k_out = self._n_outputs()
        if sample_weight is not None:
            given = self._target_list(sample_weight, "sample_weight") if k_out > 1 else [sample_weight]
            out = []
            for w in given:
                if w is None:
                    out.append(None)
                    continue
                w = np.asarray(w, dtype=np.float64).reshape(-1) if np.ndim(w) <= 1 or np.shape(w)[1:] == (1,) \
                    else None
                if w is None or w.shape[0] != n:
                    raise ValueError(f"sample_weight must hold one number per sample ({n}); got shape "
                                     f"{np.shape(given[0])}.")
                if not np.all(np.isfinite(w)) or np.any(w < 0):
                    raise ValueError("sample_weight must hold finite numbers >= 0.")
                out.append(w)
        else:
            out = [None] * k_out
        if class_weight is not None:
            if k_out > 1:
                raise ValueError("class_weight is for models with one output; give sample_weight per output.")
            if not isinstance(class_weight, dict):
                raise TypeError(f"class_weight must be a dict {{class index: weight}}; got {type(class_weight).__name__}.")
            table = _class_weight_table(class_weight)
            weights = np.array([table.get(int(c), 1.0) for c in _class_labels(ys[0])])
            out[0] = weights if out[0] is None else out[0] * weights
        return out

    def _restore_backup(self, callbacks, history, initial_epoch) -> int:
        r"""If a BackupAndRestore callback's file exists, load its state; return the first epoch to run."""
        backups = [c for c in callbacks if isinstance(c, BackupAndRestore)]
        if len(backups) > 1:
            raise ValueError("fit takes one BackupAndRestore (resume_from= adds one); got "
                             f"{len(backups)}.")
        if not backups or not backups[0].exists():
            return initial_epoch
        from .. import saving
        saving.restore_state(self, backups[0].path)
        if self.history is not None:
            history.epoch, history.history = self.history.epoch, self.history.history
        return self.epoch

    def _say_how_resumed(self, path, restored, first_epoch, end_epoch, verbose):
        r"""Resuming is never silent: where it starts, or that there was nothing to resume."""
        import os
        path = os.fspath(path)
        if restored and first_epoch >= end_epoch:
            warn_user(f"The checkpoint {path} already holds {self.epoch} epochs, all of the {end_epoch} asked for: "
                      f"nothing to train. Delete it to train again, or ask for more epochs.")
        elif verbose and restored:
            print(f"Resuming from epoch {first_epoch} of {end_epoch} (checkpoint {path}).")
        elif verbose:
            print(f"No checkpoint at {path}: starting afresh.")

    def _epoch_order(self, n, full, steps, shuffle):
        r"""(row order, first batch, batches) of this epoch: a new permutation at the start of a pass; with
        steps_per_epoch below a pass, Keras goes on where the last epoch stopped and ends at the pass's end
        (fit sets ``_pass`` before the first epoch)."""
        order, first = self._pass if steps < full else (None, 0)
        if first == 0:
            order = self.rng.permutation(n) if shuffle else None
        return order, first, min(steps, full - first)

    def _train_batch(self, xb, yb, wb, single):
        r"""One step on a batch, the compiled metrics updated: (cost, outputs)."""
        if single:
            cost, y_pred = self.train_step(xb[0], yb[0])
            outputs = [y_pred]
        else:
            cost, outputs = self.train_step(xb, yb, wb)
        if self._compiled_metrics:
            self._update_metrics(yb, outputs, wb)
        return cost, outputs

    def _train_epoch(self, xs, ys, weights, batch_size, steps, shuffle, callback_list) -> dict:
        r"""One pass over the data in mini-batches; returns the epoch's logs (mean cost, metrics)."""
        n = xs[0].shape[0]
        full = -(-n // batch_size)
        order, first, steps = self._epoch_order(n, full, steps, shuffle)
        total_cost, seen = 0.0, 0
        for _, metric in self._compiled_metrics:
            metric.reset()
        metric_by_name = dict(self._compiled_metrics)
        single = len(xs) == 1 and len(ys) == 1 and weights is None
        many = self._n_outputs() > 1
        parts = [0.0] * self._n_outputs()
        for step in range(steps):
            start = (first + step) * batch_size
            callback_list.on_train_batch_begin(step, {})
            index = slice(start, start + batch_size) if order is None else order[start:start + batch_size]
            xb, yb, wb = _take_rows(xs, ys, weights, index)
            cost, outputs = self._train_batch(xb, yb, wb, single)
            m = xb[0].shape[0]
            total_cost += cost * m
            seen += m
            if many:
                parts = [t + (p or 0.0) * m for t, p in zip(parts, self._last_parts)]
            callback_list.on_train_batch_end(step, BatchLogs(total_cost / seen, cost, metric_by_name))
            if self.stop_training:
                break
        done = first + step + 1
        self._pass = (order, 0 if done >= full else done)
        return self._logs(total_cost / seen, [p / seen for p in parts] if many else None)
