r"""Keras 3's step protocol: ``train_step(data)``, ``test_step(data)``, ``predict_step(data)`` and what
they call (``compute_loss``, ``compute_metrics``, ``self.metrics``), and the loop of ``fit``,
``evaluate`` and ``predict`` over batches (generators, ``PyDataset``, iterables; ``data_adapters``).

A model that overrides ``train_step`` trains as Keras 3 runs it, one call per batch:

    class CustomModel(neurona.Model):
        def train_step(self, data):
            x, y, sample_weight = neurona.utils.unpack_x_y_sample_weight(data)
            with neurona.GradientTape() as tape:
                y_pred = self(x, training=True)                   # Tensors recorded on the tape
                loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            gradients = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(gradients, self.trainable_variables)
            for metric in self.metrics:                           # the loss tracker, then compile's metrics
                metric.update_state(loss) if metric.name == "loss" else metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

``self.metrics`` is Keras's list: the loss tracker (``Mean`` named "loss"), the compiled metrics as one
metric named "compile_metrics" (its result a dict, spread into the logs), then the metrics the model
holds as attributes. Each epoch begins with ``reset_metrics()``; its logs are the last step's.

Without an override, the default ``train_step(data)`` is the engine's step on that batch (hand-written
backward, the fast path), the loss tracked per sample. The gradient step of PyTorch's
(``loss.backward()``), TensorFlow's (``tf.GradientTape``) or JAX's (``stateless_call``) backends needs
those libraries' tensors: neurona's tensors are its own, so such a step runs only once rewritten on
``neurona.GradientTape`` (the TensorFlow form, the import changed).
"""
from __future__ import annotations

import inspect
import math

import numpy as np

from .. import config
from ..callback import CallbackList
from ..callbacks import History
from ..data_adapters import Batches, array_batches, is_batches, is_lazy, to_numpy, unpack_x_y_sample_weight
from ..metrics.streaming import Mean, Metric
from ..progress import lines_ended
from .training import (_callback_list, _class_labels, _class_weight_table, _default_callbacks, _validation_epochs,
                       _verbosity)
from ..validation import check_number


class CompileMetrics(Metric):
    r"""The metrics given to ``compile``, as one metric (Keras's "compile_metrics"): ``update_state(y,
    y_pred, sample_weight)`` updates each on its output, ``result()`` is {name: value}."""

    def __init__(self, model):
        self._model = model
        super().__init__(name="compile_metrics")

    @property
    def metrics(self) -> list:
        return [metric for _, metric in self._model.named_metrics]

    @property
    def named_metrics(self) -> list:
        r"""(log name, metric) of each compiled metric."""
        return self._model.named_metrics

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._model.update_compiled_metrics(y_true, y_pred, sample_weight)

    def reset_state(self):
        for metric in self.metrics:
            metric.reset()

    def result(self) -> dict:
        return {name: metric.result() for name, metric in self._model.named_metrics}


class Steps:
    r"""The Keras 3 step methods of ``Model`` (see the module's docstring)."""

    def update_compiled_metrics(self, y_true, y_pred, sample_weight=None) -> None:
        r"""Update the metrics ``compile`` set up on one batch (targets checked as ``fit`` checks them)."""
        n = self._n_outputs()
        outputs = [to_numpy(o) for o in (y_pred if n > 1 and isinstance(y_pred, (list, tuple)) else
                                          list(y_pred.values()) if isinstance(y_pred, dict) else [y_pred])]
        m = outputs[0].shape[0]
        ys = self._check_targets(to_numpy(y_true), m)
        weights = None if sample_weight is None else self._sample_weights(to_numpy(sample_weight), None, ys, m)
        self._update_metrics(ys, outputs, weights)

    # -- the metrics Keras's steps loop over ------------------------------------------------------
    @property
    def metrics(self) -> list:
        r"""Keras's ``model.metrics``: the loss tracker, the compiled metrics (one "compile_metrics"),
        then the ``Metric`` objects the model holds as attributes."""
        found = []
        if self.compiled:
            found.append(self._loss_tracker)
            if self._compiled_metrics:
                found.append(self._compile_metrics)
        own = (self.__dict__.get("_loss_tracker_metric"), self.__dict__.get("_compile_metrics_metric"))
        found += [v for v in vars(self).values() if isinstance(v, Metric) and not any(v is o for o in own)]
        return found

    @property
    def _loss_tracker(self):
        tracker = self.__dict__.get("_loss_tracker_metric")
        if tracker is None:
            tracker = self.__dict__["_loss_tracker_metric"] = Mean(name="loss")
        return tracker

    @property
    def _compile_metrics(self):
        wrapper = self.__dict__.get("_compile_metrics_metric")
        if wrapper is None:
            wrapper = self.__dict__["_compile_metrics_metric"] = CompileMetrics(self)
        return wrapper

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def get_metrics_result(self) -> dict:
        r"""{name: result} of ``self.metrics``, a metric whose result is a dict spread into it."""
        out = {}
        for metric in self.metrics:
            value = metric.result()
            if isinstance(value, dict):
                out.update(value)
            else:
                out[metric.name] = value
        return out

    # -- what a step computes -----------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        r"""J = sum_k w_k loss_k(y_k, y_hat_k) + sum(model.losses): the compiled losses (with
        ``loss_weights``) plus the regularizers' penalties and ``add_loss`` terms. On the Tensors of a
        ``GradientTape`` it is a recorded Tensor (its gradient reaches every weight); on arrays, a
        number."""
        terms = []
        output_losses = getattr(self, "output_losses", None)
        if output_losses is None and self.compiled and self._loss_given is not None and self.built:
            self._resolve_compile()
            output_losses = self.output_losses
        if output_losses is not None and y is not None:
            n = len(output_losses)
            preds = list(y_pred.values()) if isinstance(y_pred, dict) else \
                list(y_pred) if n > 1 and isinstance(y_pred, (list, tuple)) else [y_pred]
            ys = self._target_list(y) if n > 1 else [y]
            weights = self._target_list(sample_weight, "sample_weight") if n > 1 and isinstance(
                sample_weight, (list, tuple, dict)) else [sample_weight] * n
            for k, (loss, target, pred, w) in enumerate(zip(output_losses, ys, preds, weights)):
                if loss is None or target is None:
                    continue
                target = np.asarray(to_numpy(target))
                shape = tuple(pred.shape[1:]) if len(pred.shape) > 1 else (1,)
                target = loss.prepare(target, shape, np.dtype(getattr(pred, "dtype", np.float32)))
                value = loss(target, pred, None if w is None else np.asarray(to_numpy(w), dtype=np.float64))
                terms.append(value if self.loss_weights[k] == 1.0 else value * self.loss_weights[k])
        terms += list(self.losses)
        if not terms:
            raise ValueError("No loss to compute: give compile a loss, or add terms with add_loss, or compute "
                             "the loss in train_step yourself.")
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        r"""Update the compiled metrics on (y, y_pred) and give ``get_metrics_result()``."""
        if self._compiled_metrics and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    # -- the default steps ----------------------------------------------------------------------
    def _default_train_step(self, data) -> dict:
        r"""The engine's step on one batch (forward, cost, the layers' own backward, update)."""
        x, y, w = unpack_x_y_sample_weight(data)
        if y is None:
            raise ValueError("fit: the batches have no targets (y); give (x, y) batches, or override train_step "
                             "to train without them.")
        x, y, w = to_numpy(x), to_numpy(y), to_numpy(w)
        if self._custom_step("compute_loss"):
            return self._tape_train_step(x, y, w)
        xs = self._check_inputs(x)
        self._ensure_compiled_for(xs)
        m = xs[0].shape[0]
        ys = self._check_targets(y, m)
        weights = self._sample_weights(w, None, ys, m)
        cost, outputs = self.train_step(xs, ys, weights)
        self._loss_tracker.update_state([cost], sample_weight=[m])    # the mean per sample
        outputs = outputs if isinstance(outputs, list) else [outputs]
        if self._custom_step("compute_metrics"):
            return self.compute_metrics(x, y, self._structured(outputs), sample_weight=w)
        if self._compiled_metrics:
            self._update_metrics(ys, outputs, weights)
        return self.get_metrics_result()

    def _tape_train_step(self, x, y, w) -> dict:
        r"""Keras's default step on the tape, for a model with its own ``compute_loss``: forward,
        J = compute_loss(...), dJ/dW by the tape, the optimizer's update, then ``compute_metrics``."""
        from ..autodiff.tape import GradientTape
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self._own_compute_loss(x, y, y_pred, w, training=True)
        variables = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        m = len(next(iter(x.values())) if isinstance(x, dict) else x[0] if isinstance(x, (list, tuple)) else x)
        self._loss_tracker.update_state([float(to_numpy(loss))], sample_weight=[m])
        return self.compute_metrics(x, y, y_pred, sample_weight=w)

    def _own_compute_loss(self, x, y, y_pred, w, training):
        r"""``compute_loss``, with ``training=`` only when an override takes it (Keras 3.3 added it)."""
        if "training" in inspect.signature(self.compute_loss).parameters:
            return self.compute_loss(x, y, y_pred, w, training=training)
        return self.compute_loss(x, y, y_pred, w)

    def test_step(self, data) -> dict:
        r"""Keras's ``test_step``: the loss and metrics of one batch, dropout off (the model's own
        ``compute_loss`` / ``compute_metrics`` when it has them)."""
        x, y, w = unpack_x_y_sample_weight(data)
        x, y, w = to_numpy(x), to_numpy(y), to_numpy(w)
        xs = self._check_inputs(x)
        self._ensure_compiled_for(xs)
        m = xs[0].shape[0]
        y_pred = self._forward_all(xs, training=False)
        if y is None:
            return self.get_metrics_result()
        if self._custom_step("compute_loss"):
            loss = self._own_compute_loss(x, y, self._structured(y_pred), w, training=False)
            self._loss_tracker.update_state([float(to_numpy(loss))], sample_weight=[m])
            return self.compute_metrics(x, y, self._structured(y_pred), sample_weight=w)
        ys = self._check_targets(y, m)
        weights = self._sample_weights(w, None, ys, m)
        cost, _ = self._batch_cost(ys, y_pred, weights, m)             # with the penalties, as Keras
        self._loss_tracker.update_state([cost], sample_weight=[m])    # the mean per sample
        if self._custom_step("compute_metrics"):
            return self.compute_metrics(x, y, self._structured(y_pred), sample_weight=w)
        if self._compiled_metrics:
            self._update_metrics(ys, y_pred, weights)
        return self.get_metrics_result()

    def predict_step(self, data):
        r"""Keras's ``predict_step``: the model's output on the batch's x, dropout off."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _custom_step(self, name) -> bool:
        r"""Does this model's class override Keras's ``name`` step (``train_step(self, data)``, ...)?
        An override in the engine's own form, ``train_step(self, x, y)`` (a model that measures its
        gradients another way, as ``linear.NumericalSlopeModel``), stays in the engine's loop."""
        model_class = next(c for c in type(self).__mro__ if Steps in c.__bases__)  # Model, which mixes Steps in
        mine = getattr(type(self), name)
        if mine is getattr(model_class, name):
            return False
        return not (name == "train_step" and "y" in inspect.signature(mine).parameters)

    def _uses_steps(self, x, validation_data=None, step="train_step") -> bool:
        r"""Does ``fit`` / ``evaluate`` / ``predict`` go through the step loop: batches (not arrays), or an
        overridden step?"""
        return is_batches(x) or is_batches(validation_data) or is_lazy(x) or self._custom_step(step) or \
            self._custom_step("compute_loss") or self._custom_step("compute_metrics")

    # -- the loops ------------------------------------------------------------------------------
    def _batches(self, x, y, sample_weight, batch_size, shuffle, owner):
        if is_batches(x):
            if y is not None or sample_weight is not None:
                raise ValueError(f"{owner}: x is a generator or dataset of batches, which carry their targets: "
                                 f"give no y or sample_weight (got {'y' if y is not None else 'sample_weight'}).")
            return Batches(x, owner)
        if x is None:
            raise ValueError(f"{owner} needs x (arrays, a generator, a PyDataset or an iterable of batches).")
        batch_size = 32 if batch_size is None else check_number(owner, "batch_size", batch_size, 1, integer=True)
        return array_batches(x, y, sample_weight, batch_size, shuffle, self.rng)

    def _step_fit(self, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data, shuffle,
                  class_weight, sample_weight, initial_epoch, steps_per_epoch, validation_steps,
                  validation_batch_size, validation_freq, terminate_on_nan):
        r"""``fit`` as Keras 3 runs it: ``train_step(batch)`` for each batch, the logs it returns."""
        if validation_split:
            if is_batches(x):
                raise ValueError("fit: validation_split needs arrays; with a generator or dataset give "
                                 "validation_data.")
            x, y, sample_weight, validation_data = _split_off(x, y, sample_weight, validation_split)
        if class_weight is not None and not isinstance(class_weight, dict):
            raise TypeError(f"class_weight must be a dict {{class index: weight}}; got {type(class_weight).__name__}.")
        epochs = check_number("fit", "epochs", epochs, 0, integer=True)
        epochs = min(epochs, config.max_epochs() or epochs)
        verbose = _verbosity("fit", verbose, 1)
        source = self._batches(x, y, sample_weight, batch_size, shuffle, "fit")
        if class_weight is not None:
            source = _ClassWeighted(source, class_weight)
        steps = None if steps_per_epoch is None else check_number("fit", "steps_per_epoch", steps_per_epoch, 1,
                                                                 integer=True)
        if steps is None and source.length is None and getattr(source, "kind", "") == "dataset":
            raise ValueError("fit: the PyDataset has no length (num_batches is None): give steps_per_epoch.")
        if steps is not None and source.length is not None and getattr(source, "kind", "arrays") in ("arrays",
                                                                                                  "iterable"):
            source = _Continuing(source)
        validate_after = _validation_epochs(validation_freq)
        history = History()
        extra = _callback_list("fit", callbacks)
        defaults = _default_callbacks(history, extra, verbose, terminate_on_nan)
        callback_list = CallbackList(defaults + extra, self)
        known = steps if steps is not None else source.length
        callback_list.set_params({"verbose": verbose, "epochs": initial_epoch + epochs, "steps": known})
        self.stop_training, self.stop_reason = False, None
        custom = self._custom_step("train_step")
        train_step = self.train_step if custom else self._default_train_step
        guard = custom and terminate_on_nan      # the engine's step itself skips a non-finite update
        callback_list.on_train_begin({})
        logs = {}
        with np.errstate(over="ignore", invalid="ignore"), lines_ended(defaults):
            for epoch in range(initial_epoch, initial_epoch + epochs):
                self._epoch = epoch
                self.reset_metrics()
                callback_list.on_epoch_begin(epoch, {})
                logs, seen = {}, 0
                for step, data in enumerate(source.epoch(steps)):
                    callback_list.on_train_batch_begin(step, {})
                    self._build_from_batch(data)
                    before = [w.copy() for w in self.trainable_weights] if guard else None
                    logs = _numbers(train_step(data))
                    if guard and not math.isfinite(logs.get("loss", 0.0)):
                        for w, old in zip(self.trainable_weights, before):    # the weights before that batch
                            w[...] = old
                    seen += 1
                    callback_list.on_train_batch_end(step, _BatchView(logs))
                    if self.stop_training:
                        break
                if seen == 0:
                    raise ValueError("fit: the data gave no batch in this epoch (an exhausted generator or an "
                                     "empty dataset).")
                logs = dict(logs)
                if validation_data is not None and validate_after(epoch + 1) and math.isfinite(
                        logs.get("loss", 0.0)):
                    val = self._step_evaluate(*_validation_parts(validation_data), validation_batch_size or batch_size,
                                              validation_steps, callback_list)
                    logs.update({f"val_{k}": v for k, v in val.items()})
                self.epoch = epoch + 1
                callback_list.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        callback_list.on_train_end(dict(logs))
        return history

    def _build_from_batch(self, data):
        r"""Build the layers (and resolve compile) for the first batch's inputs, as the built-in path does."""
        if self.built or (self._graph is None and not self._is_subclassed()):
            return
        x, _, _ = unpack_x_y_sample_weight(data)
        xs = self._check_inputs(to_numpy(x))
        if self.compiled and self._loss_given is not None:
            self._ensure_compiled_for(xs)

    def _step_evaluate(self, x, y, sample_weight, batch_size, steps, callback_list=None) -> dict:
        source = self._batches(x, y, sample_weight, batch_size, False, "evaluate")
        steps = None if steps is None else check_number("evaluate", "steps", steps, 1, integer=True)
        self.reset_metrics()
        if callback_list is not None:
            callback_list.on_test_begin({})
        logs = {}
        for step, data in enumerate(source.epoch(steps)):
            if callback_list is not None:
                callback_list.on_test_batch_begin(step, {})
            self._build_from_batch(data)
            logs = _numbers(self.test_step(data))
            if callback_list is not None:
                callback_list.on_test_batch_end(step, dict(logs))
        if callback_list is not None:
            callback_list.on_test_end(dict(logs))
        return logs

    def _step_predict(self, x, batch_size, steps, callback_list):
        source = self._batches(x, None, None, batch_size, False, "predict")
        steps = None if steps is None else check_number("predict", "steps", steps, 1, integer=True)
        callback_list.on_predict_begin({})
        chunks = []
        for step, data in enumerate(source.epoch(steps)):
            callback_list.on_predict_batch_begin(step, {})
            self._build_from_batch(data)
            out = to_numpy(self.predict_step(data))
            chunks.append(out)
            callback_list.on_predict_batch_end(step, {"outputs": out})
        callback_list.on_predict_end({})
        if not chunks:
            raise ValueError("predict: the data gave no batch.")
        first = chunks[0]
        if isinstance(first, dict):
            return {k: np.concatenate([c[k] for c in chunks]) for k in first}
        if isinstance(first, (list, tuple)):
            return [np.concatenate([c[k] for c in chunks]) for k in range(len(first))]
        return np.concatenate(chunks)


class _Continuing:
    r"""Keras's rule for ``steps_per_epoch`` on data of known length: an epoch goes on where the last
    one stopped, and ends early at the end of the pass (the next epoch starts a new pass)."""

    def __init__(self, source):
        self.source, self.length, self.kind = source, source.length, getattr(source, "kind", "arrays")
        self._batches, self._seen = None, 0

    def epoch(self, steps=None):
        if self._batches is None:
            self._batches, self._seen = iter(self.source.epoch(None)), 0
        for _ in range(self.length if steps is None else steps):
            if self._seen >= self.length:
                break
            batch = next(self._batches, None)
            if batch is None:
                break
            self._seen += 1
            yield batch
        if self._seen >= self.length:
            self._batches = None


class _ClassWeighted:
    r"""Batches whose sample weights are multiplied by the weight of each sample's class (Keras's
    ``class_weight``: the class of a one-hot row is its largest entry's index); a class not in the
    table weighs 1."""

    def __init__(self, source, class_weight):
        self.source, self.length = source, source.length
        self.kind = getattr(source, "kind", "arrays")
        self.table = _class_weight_table(class_weight)

    def epoch(self, steps=None):
        for data in self.source.epoch(steps):
            x, y, w = unpack_x_y_sample_weight(data)
            if y is None or isinstance(y, (list, tuple, dict)):
                raise ValueError("fit: class_weight needs batches with one target array (x, y); give "
                                 "sample_weight per output for a model with several.")
            weights = np.array([self.table.get(int(c), 1.0) for c in _class_labels(y)], dtype=np.float32)
            yield x, y, weights if w is None else np.asarray(w, dtype=np.float32).reshape(-1) * weights


class _BatchView(dict):
    r"""A step's logs as callbacks read them (``batch_loss``: the running loss, the only one known)."""

    @property
    def batch_loss(self):
        return self.get("loss", float("nan"))


def _numbers(logs) -> dict:
    r"""A step's returned logs as plain floats, nested dicts spread (Keras's rule)."""
    if not isinstance(logs, dict):
        raise TypeError(f"train_step / test_step must return a dict {{name: value}}; got {type(logs).__name__}.")
    out = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            out.update(_numbers(value))
            continue
        value = to_numpy(value)
        out[key] = float(value) if np.size(value) == 1 else value
    return out


def _validation_parts(validation_data):
    if is_batches(validation_data):
        return validation_data, None, None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be (x_val, y_val), (x_val, y_val, sample_weight_val), a generator "
                         "or a PyDataset.")
    x, y, w = unpack_x_y_sample_weight(tuple(validation_data))
    return x, y, w


def _split_off(x, y, sample_weight, fraction):
    r"""The last ``fraction`` of the samples as validation data (before any shuffling), as Keras."""
    def cut(value, lo, hi):
        if value is None:
            return None
        if isinstance(value, dict):
            return {k: cut(v, lo, hi) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(cut(v, lo, hi) for v in value)
        return value[lo:hi]
    first = next(iter(x.values())) if isinstance(x, dict) else x[0] if isinstance(x, (list, tuple)) else x
    n = len(first)
    k = n - int(round(n * fraction))
    if k <= 0 or k >= n:
        raise ValueError(f"validation_split={fraction} of {n} samples leaves no training or no validation samples.")
    return cut(x, 0, k), cut(y, 0, k), cut(sample_weight, 0, k), (cut(x, k, n), cut(y, k, n), cut(sample_weight, k, n))
