r"""Sequential: a stack of layers trained by mini-batch gradient descent.

    model = Sequential([Dense(64, activation="relu"), Dense(10, activation="softmax")], input_dim=784, seed=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=128, validation_split=0.1)

One training step on a batch (x, y) of m samples:
    forward     a^[0] = x,  a^[l] = layer_l(a^[l-1]),  y_hat = a^[L]
    cost        J = loss(y, y_hat) + sum of the regularizers' penalties (l ||W||^2, or the slides' lambda / 2m ||W||^2)
    backward    dJ/dy_hat from the loss (or dJ/dz = (y_hat - y) / m fused with softmax / sigmoid),
                then each layer, last to first, turns dJ/d(output) into dJ/d(input) and dJ/dW
    update      the optimizer moves every parameter against its gradient
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np

from . import callbacks as callbacks_module
from . import layers as layers_module
from . import losses, metrics as metrics_module, optimizers
from .validation import as_2d_array, check_number, describe_nonfinite


class NoGradientWarning(UserWarning):
    r"""Some parameters cannot learn: a step or sign activation lets no gradient through."""


class BatchLogs(Mapping):
    r"""The logs of a batch ("loss", "batch_loss" and each metric), each metric computed only when
    read. A streaming AUC over every sample seen so far costs a sort: computing it after each batch
    would make an epoch quadratic in its length, while most callbacks read only the loss."""

    def __init__(self, loss, batch_loss, metric_by_name):
        self._values = {"loss": loss, "batch_loss": batch_loss}
        self._metrics = metric_by_name

    def __getitem__(self, key):
        if key in self._values:
            return self._values[key]
        return self._metrics[key].result()

    def __iter__(self):
        return iter(["loss", *self._metrics, "batch_loss"])

    def __len__(self):
        return 2 + len(self._metrics)


class Sequential:
    r"""A linear stack of layers.

    layers     list of layers (``neurona.layers.Dense`` ...); more can be added with ``add``
    input_dim  number of input features; if None, taken from the data at the first ``fit``
    seed       seeds the initial weights, shuffling and dropout: the same seed gives the same run,
               bit for bit
    dtype      "float32" (default, fast) or "float64" (exact arithmetic for gradient checks)
    """

    def __init__(self, layers=None, input_dim: int | None = None, seed: int | None = None,
                 dtype="float32", name: str | None = None):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}.")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.name = name or "sequential"
        self.layers: list[layers_module.Layer] = []
        self.input_dim = None if input_dim is None else check_number("Sequential", "input_dim", input_dim, 1, integer=True)
        self.built = False
        self.optimizer = self.loss = None
        self.metrics: list[tuple[str, metrics_module.Metric]] = []
        self.compiled = False
        self.stop_training = False
        self.stop_reason: str | None = None
        self.history = None
        self.epoch = 0          # epochs trained so far (saved with the model; resumed runs continue from it)
        self.metadata: dict = {}    # JSON-serialisable annotations saved with the model (class names, ...)
        for layer in layers or []:
            self.add(layer)

    # -- building -----------------------------------------------------------------------------
    def add(self, layer):
        if not isinstance(layer, layers_module.Layer):
            raise TypeError(f"Sequential.add takes a layer (e.g. neurona.layers.Dense(10)); got {layer!r}.")
        if not self.layers and self.input_dim is None and getattr(layer, "input_dim", None):
            self.input_dim = layer.input_dim
        self.layers.append(layer)
        if self.input_dim is not None:
            self.build(self.input_dim)

    def build(self, input_dim: int | None = None):
        r"""Create every layer's weights for ``input_dim`` input features."""
        input_dim = input_dim or self.input_dim
        if input_dim is None:
            raise ValueError("The model does not know its input size yet: give input_dim= or call fit first.")
        width = input_dim
        for layer in self.layers:
            if not layer.built:
                layer.build(width, self.rng, self.dtype)
            width = layer.output_dim
        self.input_dim = input_dim
        self.built = bool(self.layers)
        self._pack_parameters()

    def _pack_parameters(self, rebuild_optimizer: bool = True):
        r"""Keep all parameters in one contiguous vector and all gradients in another; each layer
        holds reshaped views of its part. The (elementwise) optimizer then updates the whole model
        with a few whole-vector operations per step instead of a few per array."""
        params = self.params
        total = sum(p.size for p in params)
        self._flat_params = np.empty(total, self.dtype)
        self._flat_grads = np.zeros(total, self.dtype)
        offset = 0
        for layer in self.layers:
            views, grad_views = [], []
            for p in layer.params:
                views.append(self._flat_params[offset:offset + p.size].reshape(p.shape))
                grad_views.append(self._flat_grads[offset:offset + p.size].reshape(p.shape))
                views[-1][...] = p
                offset += p.size
            if views:
                layer.set_param_arrays(views, grad_views)
        if self.optimizer is not None and rebuild_optimizer:
            self.optimizer.build([self._flat_params])

    def __setstate__(self, state):
        # pickling copies the layers' views of the flat vectors: link them again (the optimizer's
        # slots are whole-vector arrays, so they stay valid)
        self.__dict__.update(state)
        if getattr(self, "_flat_params", None) is not None:
            self._pack_parameters(rebuild_optimizer=False)

    @property
    def output_dim(self) -> int:
        return self.layers[-1].output_dim

    @property
    def params(self) -> list[np.ndarray]:
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.grads]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def get_weights(self) -> list[np.ndarray]:
        r"""Copies of all parameters in layer order (Dense: kernel (inputs, units), then bias (units,))."""
        return [p.copy() for p in self.params]

    def set_weights(self, weights):
        r"""Load arrays of the same shapes as ``get_weights()`` returns; changes nothing on a mismatch."""
        params = self.params
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(f"set_weights needs {len(params)} arrays (one per parameter); got {len(weights)}.")
        for i, (p, w) in enumerate(zip(params, weights)):
            if np.shape(w) != p.shape:
                raise ValueError(f"set_weights: array {i} must have shape {p.shape}; got {np.shape(w)}.")
        for p, w in zip(params, weights):
            p[...] = w

    # -- compiling ----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        r"""Choose the optimizer, the loss and the metrics to report."""
        if loss is None:
            raise ValueError(f"compile needs a loss, e.g. loss='mse'. Known losses: {', '.join(losses.registry.names())}.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.metrics = [metrics_module.get(m, self.loss) for m in (metrics or [])]
        self.compiled = True
        self._warn_if_no_gradient()

    def _warn_if_no_gradient(self):
        blocked = [i for i, layer in enumerate(self.layers)
                   if layer.activation is not None and not layer.activation.has_gradient]
        if not blocked:
            return
        last = blocked[-1]
        stuck = [layer.name or f"{type(layer).__name__.lower()}_{i}" for i, layer in enumerate(self.layers[:last + 1])
                 if layer.params or not layer.built]
        if stuck:
            name = self.layers[last].activation._registry_name
            warnings.warn(f"No gradient flows through the {name!r} activation of layer {last}: its derivative "
                          f"is 0 everywhere, so gradient descent cannot change {', '.join(stuck)}. Use sigmoid, "
                          f"tanh or relu to learn by gradient descent (the perceptron rule of "
                          f"neurona.neurons learns with a step).", NoGradientWarning, stacklevel=3)

    # -- data checks --------------------------------------------------------------------------
    def _check_x(self, x, name="x"):
        x = as_2d_array(name, x, self.dtype)
        if self.input_dim is not None and x.shape[1] != self.input_dim:
            raise ValueError(f"{name} has {x.shape[1]} features per sample but the model expects "
                             f"{self.input_dim} (input_dim); got shape {x.shape}.")
        return x

    def _check_xy(self, x, y, names=("x", "y")):
        x = self._check_x(x, names[0])
        y_array = np.asarray(y)
        if y_array.ndim == 0 or y_array.shape[0] != x.shape[0]:
            raise ValueError(f"{names[0]} and {names[1]} must have the same number of samples; got "
                             f"{x.shape[0]} and {y_array.shape[0] if y_array.ndim else 'a scalar'}.")
        if y_array.dtype == object or not (np.issubdtype(y_array.dtype, np.number) or y_array.dtype == bool):
            raise TypeError(f"{names[1]} must hold numbers; got dtype {y_array.dtype}. Encode class names "
                            f"as integers first.")
        problem = describe_nonfinite(names[1], y_array)
        if problem:
            raise ValueError(problem)
        if not self.built:
            self.build(x.shape[1])
        return x, self.loss.prepare_targets(y_array, self.output_dim, self.dtype)

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"Call model.compile(optimizer=..., loss=...) before {what}.")
        if not self.layers:
            raise ValueError("The model has no layers.")

    # -- forward and backward -----------------------------------------------------------------
    def _forward(self, x, training):
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def _backward(self, y, y_pred):
        last = self.layers[-1]
        grad = None
        if last.activation is not None:
            grad = self.loss.fused_gradient(last.activation, y, y_pred)
        pre_activation = grad is not None
        if grad is None:
            grad = self.loss.gradient(y, y_pred)
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(grad, pre_activation=pre_activation, need_input_grad=i > 0)
            pre_activation = False

    def train_step(self, x, y) -> tuple[float, np.ndarray]:
        r"""One gradient-descent step on the batch (x, y); returns (cost, y_hat). A non-finite cost
        leaves the weights untouched."""
        y_pred = self._forward(x, training=True)
        cost = self.loss(y, y_pred) + sum(layer.penalty(x.shape[0]) for layer in self.layers)
        if math.isfinite(cost):
            self._backward(y, y_pred)
            self.optimizer.apply([self._flat_params], [self._flat_grads])
        return cost, y_pred

    # -- training -----------------------------------------------------------------------------
    def fit(self, x, y, epochs: int = 1, batch_size: int | None = 32, validation_split: float = 0.0,
            validation_data=None, shuffle: bool = True, callbacks=None, verbose: int = 1,
            initial_epoch: int = 0, terminate_on_nan: bool = True, resume_from=None):
        r"""Train for ``epochs`` passes over (x, y) in mini-batches of ``batch_size``.

        batch_size = len(x) is batch gradient descent, 1 is stochastic gradient descent.
        validation_split takes the *last* fraction of the samples (before shuffling) to validate
        on; validation_data=(x_val, y_val) gives them explicitly. Returns a History whose
        ``.history`` maps "loss", "val_loss" and each metric to its per-epoch values.

        resume_from=path saves the whole training state to ``path`` at every epoch end and, if
        ``path`` exists, first restores it and runs only the epochs still missing: running the
        same call again after a crash ends exactly as an uninterrupted run would
        (``callbacks.BackupAndRestore``).
        """
        self._require_compiled("fit")
        epochs = check_number("fit", "epochs", epochs, 0, integer=True)
        initial_epoch = check_number("fit", "initial_epoch", initial_epoch, 0, integer=True)
        validation_split = check_number("fit", "validation_split", validation_split, 0, 1, high_open=True)
        if verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0 (silent), 1 (progress bar) or 2 (one line per epoch); got {verbose!r}.")
        x, y = self._check_xy(x, y)
        if validation_data is not None and validation_split:
            raise ValueError("Give validation_split or validation_data, not both.")
        if validation_split:
            n_val = int(round(x.shape[0] * validation_split))
            if n_val == 0 or n_val == x.shape[0]:
                raise ValueError(f"validation_split={validation_split} of {x.shape[0]} samples leaves "
                                 f"{'no validation' if n_val == 0 else 'no training'} samples.")
            x, x_val, y, y_val = x[:-n_val], x[-n_val:], y[:-n_val], y[-n_val:]
        elif validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (x_val, y_val).")
            x_val, y_val = self._check_xy(*validation_data, names=("x_val", "y_val"))
        else:
            x_val = y_val = None
        n = x.shape[0]
        batch_size = n if batch_size is None else check_number("fit", "batch_size", batch_size, 1, integer=True)
        batch_size = min(batch_size, n)
        steps = -(-n // batch_size)

        history = callbacks_module.History()
        extra = list(callbacks or [])
        for callback in extra:
            if not isinstance(callback, callbacks_module.Callback):
                raise TypeError(f"callbacks must be Callback instances; got {callback!r}.")
        end_epoch = initial_epoch + epochs
        if resume_from is not None:
            extra.append(callbacks_module.BackupAndRestore(resume_from))
        initial_epoch = self._restore_backup(extra, history, initial_epoch)
        defaults = [history]
        if terminate_on_nan and not any(isinstance(c, callbacks_module.TerminateOnNaN) for c in extra):
            defaults.append(callbacks_module.TerminateOnNaN())
        if verbose:
            defaults.append(callbacks_module.ProgressLogger(verbose))
        callback_list = callbacks_module.CallbackList(defaults + extra, self)
        self._fit_epochs, self._fit_steps = end_epoch, steps
        self.stop_training, self.stop_reason = False, None

        callback_list.on_train_begin()
        # a diverging run overflows: TerminateOnNaN reports it in words instead of NumPy's warnings
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(initial_epoch, end_epoch):
                self._epoch = epoch
                callback_list.on_epoch_begin(epoch)
                logs = self._train_epoch(x, y, batch_size, shuffle, callback_list)
                if x_val is not None and math.isfinite(logs["loss"]):
                    logs.update({f"val_{k}": v for k, v in self._evaluate_arrays(x_val, y_val).items()})
                if not isinstance(self.optimizer.learning_rate, (int, float)) or any(
                        isinstance(c, (callbacks_module.LearningRateScheduler, callbacks_module.ReduceLROnPlateau))
                        for c in extra):
                    logs["learning_rate"] = self.optimizer.current_learning_rate
                self.epoch = epoch + 1
                callback_list.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        callback_list.on_train_end()
        return history

    def _restore_backup(self, callbacks, history, initial_epoch) -> int:
        r"""If a BackupAndRestore callback's file exists, load its state; return the first epoch to run."""
        backups = [c for c in callbacks if isinstance(c, callbacks_module.BackupAndRestore)]
        if len(backups) > 1:
            raise ValueError("fit takes one BackupAndRestore (resume_from= adds one); got "
                             f"{len(backups)}.")
        if not backups or not backups[0].exists():
            return initial_epoch
        from . import saving
        saving.restore_state(self, backups[0].path)
        if self.history is not None:
            history.epoch, history.history = self.history.epoch, self.history.history
        return self.epoch

    def _train_epoch(self, x, y, batch_size, shuffle, callback_list) -> dict:
        r"""One pass over (x, y) in mini-batches; returns the epoch's logs (mean cost, metrics)."""
        n = x.shape[0]
        order = self.rng.permutation(n) if shuffle else None
        total_cost, seen = 0.0, 0
        for _, metric in self.metrics:
            metric.reset()
        metric_by_name = dict(self.metrics)
        self._fit_steps_done = 0
        for step, start in enumerate(range(0, n, batch_size)):
            callback_list.on_train_batch_begin(step)
            if order is None:
                xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            else:
                index = order[start:start + batch_size]
                xb, yb = x[index], y[index]
            cost, y_pred = self.train_step(xb, yb)
            total_cost += cost * xb.shape[0]
            seen += xb.shape[0]
            for _, metric in self.metrics:
                metric.update(yb, y_pred)
            self._fit_steps_done = step + 1
            callback_list.on_train_batch_end(step, BatchLogs(total_cost / seen, cost, metric_by_name))
            if self.stop_training:
                break
        return self._logs(total_cost / seen)

    def _logs(self, loss):
        logs = {"loss": loss}
        for name, metric in self.metrics:
            logs[name] = metric.result()
        return logs

    # -- inference ----------------------------------------------------------------------------
    def _evaluate_arrays(self, x, y, batch_size=1024):
        for _, metric in self.metrics:
            metric.reset()
        total = 0.0
        for start in range(0, x.shape[0], batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            y_pred = self._forward(xb, training=False)
            total += self.loss(yb, y_pred) * xb.shape[0]
            for _, metric in self.metrics:
                metric.update(yb, y_pred)
        return self._logs(total / x.shape[0])

    def evaluate(self, x, y, batch_size: int = 1024, verbose: int = 0) -> dict[str, float]:
        r"""{"loss": mean loss on (x, y), metric name: value, ...} with dropout off.

        The loss is the data loss alone; the training log's "loss" adds the regularizers' penalty.
        """
        self._require_compiled("evaluate")
        batch_size = check_number("evaluate", "batch_size", batch_size, 1, integer=True)
        x, y = self._check_xy(x, y)
        result = self._evaluate_arrays(x, y, batch_size)
        if verbose:
            from .progress import format_logs
            print(format_logs(result).removeprefix(" - "))
        return result

    def predict(self, x, batch_size: int = 1024) -> np.ndarray:
        r"""The model's outputs for x (probabilities for sigmoid / softmax outputs), dropout off."""
        if not self.layers:
            raise ValueError("The model has no layers.")
        batch_size = check_number("predict", "batch_size", batch_size, 1, integer=True)
        x = self._check_x(x)
        if not self.built:
            self.build(x.shape[1])
        outputs = [self._forward(x[i:i + batch_size], training=False) for i in range(0, x.shape[0], batch_size)]
        return np.concatenate(outputs) if len(outputs) > 1 else outputs[0].copy()

    # -- files --------------------------------------------------------------------------------
    def save(self, path, include_optimizer: bool = True) -> None:
        r"""Write the model to one ``.safetensors`` file (see ``neurona.saving``); ``neurona.load_model``
        reads it back."""
        from . import saving
        saving.save_model(self, path, include_optimizer=include_optimizer)

    # -- description --------------------------------------------------------------------------
    def summary(self, print_fn=print) -> str:
        r"""A table of the layers, their output shapes and parameter counts (printed and returned)."""
        rows = [("Layer (type)", "Output Shape", "Param #")]
        for i, layer in enumerate(self.layers):
            kind = type(layer).__name__
            extra = ""
            if isinstance(layer, (layers_module.Dense, layers_module.Activation)):
                extra = f", {layer.activation._registry_name}"
            elif isinstance(layer, layers_module.Dropout):
                extra = f", rate={layer.rate}"
            name = layer.name or f"{kind.lower()}_{i}"
            shape = f"(None, {layer.output_dim})" if layer.built else "(unbuilt)"
            rows.append((f"{name} ({kind}{extra})", shape, f"{layer.count_params():,}"))
        widths = [max(len(r[c]) for r in rows) + 2 for c in range(3)]
        rule = "=" * sum(widths)
        lines = [f'Model: "{self.name}"', rule]
        for k, row in enumerate(rows):
            lines.append("".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
            lines.append(rule if k == 0 else "-" * sum(widths) if k < len(rows) - 1 else rule)
        total = self.count_params()
        lines += [f"Total params: {total:,}", f"Trainable params: {total:,}", "Non-trainable params: 0"]
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text

    def explain(self, x, y, print_fn=print) -> dict:
        r"""One forward and backward pass on (x, y), printed as the chain rule with every z, a,
        dL/da, da/dz, dz/dW and its shape (see ``neurona.explain``); returns the arrays."""
        from .explain import explain
        return explain(self, x, y, print_fn)

    def get_config(self) -> dict:
        return {"name": self.name, "input_dim": self.input_dim, "seed": self.seed, "dtype": self.dtype.name,
                "layers": [layer.get_config() for layer in self.layers]}
