r"""Callbacks: code that ``fit`` calls at the start and end of training, epochs and batches.

    model.fit(x, y, callbacks=[EarlyStopping(patience=3, restore_best_weights=True)])

``fit`` always adds History and, unless ``verbose=0``, the ProgressLogger; TerminateOnNaN is on
unless ``fit(..., terminate_on_nan=False)``.
"""
from __future__ import annotations

import csv
import math
import os
import time
import warnings

import numpy as np

from .atomicfile import check_destination
from .callback import Callback, CallbackList, History
from .progress import ProgressLogger        # every callback is reachable here, as in keras.callbacks
from .validation import check_number, warn_user

#: what to do about a diverging run (TerminateOnNaN and neurona.models.divergence say it)
DIVERGENCE_ADVICE = ("Diverging like this usually means unscaled inputs (standardise x: (x - mean) / std) "
                     "or a learning rate that is too high (try 10x lower).")


class DivergenceWarning(RuntimeWarning):
    r"""Training diverged (a NaN or infinite loss, or the signs of ``neurona.models.divergence``) and stopped."""


class LambdaCallback(Callback):
    r"""A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch))``.
    Each argument is one hook: Keras's six by name (on_train_begin(logs), on_epoch_end(epoch, logs),
    on_train_batch_end(batch, logs), ...), the others (on_test_*, on_predict_*, the older
    on_batch_begin / on_batch_end) as further keyword arguments."""

    _HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_batch_begin",
              "on_batch_end", "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
              "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
              "on_predict_batch_begin", "on_predict_batch_end")

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **hooks):
        hooks.update(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        unknown = sorted(set(hooks) - set(self._HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback got unknown hook(s) {unknown}; the hooks are {list(self._HOOKS)}.")
        for name, function in hooks.items():
            if function is not None and not callable(function):
                raise TypeError(f"LambdaCallback: {name} must be a function; got {function!r}.")
        self._functions = {name: f for name, f in hooks.items() if f is not None}
        for name, function in self._functions.items():
            setattr(self, name, function)


def _auto_mode(monitor: str, mode: str, compiled=()) -> str | None:
    r"""mode="auto": the direction the metric or loss named ``monitor`` declares (``metrics.direction``);
    None while no metric of that name is known (the model's own metrics are asked in set_model)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max'; got {mode!r}.")
    if mode != "auto":
        return mode
    from .metrics.direction import direction
    return direction(monitor, compiled)


class _Monitor(Callback):
    r"""Shared bookkeeping of EarlyStopping and ReduceLROnPlateau: is the monitored value better?"""

    def __init__(self, monitor, mode, min_delta):
        self.monitor = monitor
        self.mode = _auto_mode(monitor, mode)
        self.min_delta = abs(check_number(type(self).__name__, "min_delta", min_delta))
        self._warned = False

    def set_model(self, model):
        super().set_model(model)
        if self.mode is None:
            self.mode = _auto_mode(self.monitor, "auto", getattr(model, "metrics", None) or ())
        if self.mode is None:       # Keras's rule: an unknown name is not guessed
            raise ValueError(f"{type(self).__name__} cannot tell whether {self.monitor!r} is better high or low "
                             f"(no metric or loss of that name says so); give mode='max' or mode='min'.")

    def _current(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None and not self._warned:
            self._warned = True
            warn_user(f"{type(self).__name__} monitors {self.monitor!r}, which is not among the "
                      f"logged values {sorted(logs or {})}; it does nothing. (val_ values need "
                      f"validation_split or validation_data.)")
        return value

    def _improved(self, value, best):
        if best is None:
            return True
        if self.mode == "min":
            return value < best - self.min_delta
        return value > best + self.min_delta


class EarlyStopping(_Monitor):
    r"""Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights=True`` the model ends training with the weights of its best epoch
    (whether training stopped early or ran all its epochs), as Keras: the best of the epochs
    watched (from ``start_from_epoch``), even when none beat ``baseline``. An epoch short of the
    ``baseline`` counts towards ``patience`` even when it beats the best so far; training never
    stops at its first epoch.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0, verbose: int = 0):
        super().__init__(monitor, mode, min_delta)
        self.patience = check_number("EarlyStopping", "patience", patience, 0, integer=True)
        self.baseline = baseline
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = start_from_epoch
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch = 0, None
        self.best, self.best_epoch, self.best_weights = None, None, None

    def on_epoch_end(self, epoch, logs=None):
        value = self._current(logs)
        if value is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch     # the first epoch watched
        self.wait += 1
        if self._improved(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
        if self.stopped_epoch is not None and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping; best {self.monitor} "
                  f"{self.best:.4f} at epoch {self.best_epoch + 1}.")


class LearningRateScheduler(Callback):
    r"""Set the learning rate at each epoch's start: alpha = schedule(epoch, alpha)."""

    def __init__(self, schedule, verbose: int = 0):
        if not callable(schedule):
            raise TypeError(f"schedule must be a function (epoch, learning_rate) -> learning_rate; got {schedule!r}.")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        rate = float(self.schedule(epoch, _constant_rate(optimizer, "LearningRateScheduler")))
        check_number("LearningRateScheduler", "learning_rate returned by schedule", rate, 0, low_open=True)
        optimizer.learning_rate = rate
        if self.verbose:
            print(f"Epoch {epoch + 1}: learning rate = {rate:.6g}.")


class ReduceLROnPlateau(_Monitor):
    r"""Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0,
                 verbose: int = 0):
        super().__init__(monitor, mode, min_delta)
        self.factor = check_number("ReduceLROnPlateau", "factor", factor, 0, 1, low_open=True, high_open=True)
        self.patience = check_number("ReduceLROnPlateau", "patience", patience, 0, integer=True)
        self.cooldown = check_number("ReduceLROnPlateau", "cooldown", cooldown, 0, integer=True)
        self.min_lr = check_number("ReduceLROnPlateau", "min_lr", min_lr, 0)
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_left = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        value = self._current(logs)
        if value is None:
            return
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.wait = 0
        if self._improved(value, self.best):
            self.best, self.wait = value, 0
            return
        if self.cooldown_left > 0:
            return
        self.wait += 1
        if self.wait >= self.patience:
            optimizer = self.model.optimizer
            old = _constant_rate(optimizer, "ReduceLROnPlateau")
            new = max(old * self.factor, self.min_lr)
            if new < old:
                optimizer.learning_rate = new
                if self.verbose:
                    print(f"Epoch {epoch + 1}: ReduceLROnPlateau lowers the learning rate to {new:.6g}.")
            self.cooldown_left, self.wait = self.cooldown, 0


def _constant_rate(optimizer, owner) -> float:
    if not isinstance(optimizer.learning_rate, (int, float)):
        raise ValueError(f"{owner} sets the learning rate itself, but the optimizer already follows the "
                         f"schedule {optimizer.learning_rate!r}; use one or the other.")
    return float(optimizer.learning_rate)


class CSVLogger(Callback):
    r"""One CSV row per epoch (epoch, then the logged values in the order of their names), flushed at
    each epoch end, as Keras writes it: the columns are the first epoch's keys, and when they hold
    no ``val_`` value their ``val_`` twins too (validation may come later: ``validation_freq``);
    a value missing from an epoch is "NA", a list is written "[a, b]". ``append`` continues the
    file (its header only if it is empty)."""

    def __init__(self, filename, separator: str = ",", append: bool = False):
        self.filename = os.fspath(filename)
        self.separator = separator
        self.append = append

    def on_train_begin(self, logs=None):
        check_destination(self.filename, "the CSVLogger file")      # a FIFO would block, a device swallow
        resume = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._writer, self._keys, self._header_written = None, None, resume

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._keys is None:
            self._keys = sorted(logs)
            if not any(k.startswith("val_") for k in self._keys):
                self._keys += [f"val_{k}" for k in self._keys]
            self._writer = csv.writer(self._file, delimiter=self.separator)
            if not self._header_written:
                self._writer.writerow(["epoch", *self._keys])
        self._writer.writerow([epoch, *(self._cell(logs.get(k, "NA")) for k in self._keys)])
        self._file.flush()

    @staticmethod
    def _cell(value):
        if isinstance(value, str) or np.ndim(value) == 0:
            return value
        return f'"[{", ".join(map(str, value))}]"'

    def on_train_end(self, logs=None):
        self._file.close()


class ModelCheckpoint(_Monitor):
    r"""Save the model every epoch (``save_freq="epoch"``; every ``every_n_epochs`` epochs), or
    every ``save_freq`` batches, or with ``save_best_only`` only when ``monitor`` improves, to
    ``filepath``, which may name the epoch and logged values: ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``.
    ``save_weights_only=True`` writes ``model.save_weights`` files. Each file holds the whole
    training state (or the weights) and is written atomically: a kill at any moment leaves the
    previous or the new file whole.
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq="epoch",
                 initial_value_threshold=None, every_n_epochs: int = 1, save_optimizer: bool = True):
        super().__init__(monitor, mode, 0.0)
        self.filepath = os.fspath(filepath)
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        if save_freq != "epoch":
            check_number("ModelCheckpoint", "save_freq", save_freq, 1, integer=True)
        self.save_freq = save_freq
        self.every_n_epochs = check_number("ModelCheckpoint", "every_n_epochs", every_n_epochs, 1, integer=True)
        self.save_optimizer = bool(save_optimizer)
        self.verbose = verbose
        self.best = initial_value_threshold
        self._batches, self._epoch = 0, 0

    def on_train_begin(self, logs=None):
        if "{" not in self.filepath:        # a name with fields is checked when it is filled in
            check_destination(self.filepath, "the ModelCheckpoint file")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches % self.save_freq == 0:
            self._save(self._epoch, dict(logs or {}), f"batch {batch + 1} of epoch {self._epoch + 1}")

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq != "epoch" or (epoch + 1) % self.every_n_epochs:
            return
        self._save(epoch, logs or {}, f"epoch {epoch + 1}")

    def _save(self, epoch, logs, when):
        if self.save_best_only:
            value = self._current(logs)
            if value is None or not self._improved(value, self.best):
                return
            self.best = value
        try:
            path = self.filepath.format(epoch=epoch + 1, batch=self._batches, **logs)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"ModelCheckpoint cannot fill in the file name {self.filepath!r} ({error!r}); "
                             f"it may use {{epoch}} and the logged values {sorted(logs)}.") from None
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path, include_optimizer=self.save_optimizer)
        if self.verbose:
            print(f"{when[0].upper()}{when[1:]}: saved the {'weights' if self.save_weights_only else 'model'} to {path}.")


class BackupAndRestore(Callback):
    r"""Fault tolerance: save the whole training state (weights, optimizer slots, epoch, RNG,
    history) to one file; at the start of ``fit``, if it exists, restore it and skip the epochs already
    done. ``backup_dir`` is Keras's folder (the file is ``backup.safetensors`` in it when it is a folder)
    or the file itself. ``fit(..., resume_from=path)`` adds this callback. Saved at every epoch end, a run
    killed at any moment and started again with the same call ends bit for bit where the uninterrupted
    run would have.

    Keras's options: ``save_freq=n`` saves after every n-th training batch instead (counted across
    epochs, not at the epochs' ends); a state saved within an epoch resumes that epoch from its
    start with the weights it had then, as Keras's does. ``double_checkpoint`` keeps the previous
    save at ``path + ".bkp"`` and resumes from it when ``path`` is not a readable model file.
    ``delete_checkpoint`` (True, as Keras) removes the file(s) when training ends (killed, it does not
    end); ``fit(resume_from=)`` and the command line keep theirs, the state they continue from with more
    epochs.
    """

    def __init__(self, backup_dir=None, save_freq="epoch", double_checkpoint: bool = False,
                 delete_checkpoint: bool = True, path=None):
        if save_freq != "epoch":
            check_number("BackupAndRestore", "save_freq", save_freq, 1, integer=True)
        where = path if path is not None else backup_dir
        if where is None:
            raise TypeError("BackupAndRestore needs backup_dir: a folder (Keras's) or the file to keep the state in.")
        where = os.fspath(where)
        self.path = os.path.join(where, "backup.safetensors") if os.path.isdir(where) else where
        self.save_freq, self.double_checkpoint = save_freq, bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._batches_since_save, self._last_batch = 0, 0

    @property
    def previous_path(self) -> str:
        r"""Where ``double_checkpoint`` keeps the save before the latest."""
        return self.path + ".bkp"

    def exists(self) -> bool:
        r"""Whether there is a state to resume from; with ``double_checkpoint`` an unreadable latest
        save is first replaced by the previous one."""
        from .saving import is_model_file
        if self.double_checkpoint and os.path.exists(self.previous_path) and not is_model_file(self.path):
            import shutil
            shutil.copyfile(self.previous_path, self.path)
        return os.path.exists(self.path)

    def on_train_begin(self, logs=None):
        from .atomicfile import remove_stale_temporaries
        check_destination(self.path, "the BackupAndRestore file")
        if os.path.isdir(os.path.dirname(os.path.abspath(self.path))):
            remove_stale_temporaries(self.path)      # left by a run killed while writing

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        # batch numbers restart with each epoch: a number not above the last one starts a new epoch
        self._batches_since_save += batch + 1 if batch <= self._last_batch else batch - self._last_batch
        self._last_batch = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save()

    def on_epoch_end(self, epoch, logs=None):
        self._last_batch = 0
        if self.save_freq == "epoch":
            self._save()

    def _save(self):
        if self.double_checkpoint and os.path.exists(self.path):
            import shutil
            shutil.copyfile(self.path, self.previous_path)
        self.model.save(self.path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint:
            for path in (self.path, self.previous_path):
                if os.path.exists(path):
                    os.remove(path)


class TerminateOnNaN(Callback):
    r"""Stop training as soon as the loss of a batch is NaN or infinite.

    ``fit`` does not apply the update of that batch, so the model keeps the last finite weights.
    """

    _epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = getattr(logs, "batch_loss", None)
        if loss is None:
            loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.model.stop_training = True
            message = (f"The loss became {loss} at batch {batch + 1} of epoch {self._epoch + 1}; "
                       f"training stopped and the weights are those before that batch. {DIVERGENCE_ADVICE}")
            self.model.stop_reason = message
            warn_user(message, DivergenceWarning)


class TensorBoard(Callback):
    r"""Keras's ``TensorBoard(log_dir=...)`` accepted and ignored: neurona writes no TensorBoard event
    files. It warns once, so that Keras programs run unchanged and nobody waits for logs that never
    come; ``history.history`` and ``CSVLogger`` hold the same curves."""

    def __init__(self, log_dir="logs", **keras_arguments):
        self.log_dir = log_dir
        self.keras_arguments = keras_arguments

    def on_train_begin(self, logs=None):
        warn_user(f"TensorBoard(log_dir={self.log_dir!r}) writes nothing in neurona: it has no TensorBoard "
                  f"writer. The curves are in the History that fit returns; CSVLogger writes them to a file.",
                  UserWarning)


class _NoDisplay:
    r"""A display that shows nothing (a ProgbarLogger of a pass run with verbose=0)."""

    def __getattr__(self, name):
        return lambda *arguments, **keywords: None


class ProgbarLogger(ProgressLogger):
    r"""Keras's ``ProgbarLogger()``: the progress log, drawn as the pass's ``verbose`` says (1 or
    "auto": a bar, 2: one line an epoch, 0: nothing); given to ``fit``, it replaces the default one."""

    def __init__(self):
        super().__init__(verbose=1)

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose in ("auto", None, True) else int(verbose)
        if not self.verbose:
            self.display = _NoDisplay()


class SwapEMAWeights(Callback):
    r"""Keras's ``SwapEMAWeights``: with an optimizer made with ``use_ema=True``, the model holds the
    moving averages of its weights during each evaluation and prediction (the trained weights come
    back after); ``swap_on_epoch=True`` also from each epoch's end to the next epoch's start, so that
    the callbacks after it (a checkpoint) see the averages."""

    def __init__(self, swap_on_epoch: bool = False):
        self.swap_on_epoch = bool(swap_on_epoch)
        self._averages_in_model = False

    def _swap(self, into_model: bool):
        if self._averages_in_model != into_model:
            self.model.optimizer.swap_moving_averages()
            self._averages_in_model = into_model

    def on_train_begin(self, logs=None):
        if not getattr(self.model.optimizer, "use_ema", False):
            raise ValueError(f"SwapEMAWeights needs an optimizer made with use_ema=True; the model's "
                             f"{type(self.model.optimizer).__name__} has use_ema=False.")

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap(False)

    def on_epoch_end(self, epoch, logs=None):
        if not self.swap_on_epoch:
            return
        if epoch == self.params.get("epochs", 0) - 1:
            # the last epoch: the model keeps the averages, as fit's end gives them anyway
            self.model.optimizer.finalize_variable_values()
            self._averages_in_model = False
        else:
            self._swap(True)

    def on_train_end(self, logs=None):
        # fit's end has put the averages in the model (finalize_variable_values): nothing to swap back
        self._averages_in_model = False

    def on_test_begin(self, logs=None):
        self._swap(True)

    def on_test_end(self, logs=None):
        self._swap(False)

    def on_predict_begin(self, logs=None):
        self._swap(True)

    def on_predict_end(self, logs=None):
        self._swap(False)


__all__ = ["Callback", "CallbackList", "LambdaCallback", "History", "ProgressLogger", "EarlyStopping", "ModelCheckpoint",
           "BackupAndRestore", "ProgbarLogger", "SwapEMAWeights",
           "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger", "TerminateOnNaN",
           "DivergenceWarning"]
