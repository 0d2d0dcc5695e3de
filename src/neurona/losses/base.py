r"""The loss protocol: per-sample values, Keras's reductions and sample weights, the gradient.

A loss L gives one value l_n per sample (``values``: the mean over the sample's outputs, as
Keras's loss functions do) and reduces them, with optional sample weights w_n:

    "sum_over_batch_size" (default), "mean"   J = 1/N sum_n w_n l_n
    "sum"                                     J = sum_n w_n l_n
    "mean_with_sample_weight"                 J = sum_n w_n l_n / sum_n w_n
    "none" / None                             the vector (w_n l_n)_n

``L(y_true, y_pred, sample_weight=None)`` is J and ``L.gradient(y_true, y_pred, sample_weight=None)``
is dJ/dy_pred (with the 1/N inside), which a layer's backward pass turns into the batch's
gradient; for "none" the gradient is that of the default reduction, the one ``fit`` minimises.

Every loss has a tape form, ``call(y_true, y_pred)``: its per-sample values written with autodiff ops.
A built-in loss writes it beside its hand-written ``values`` / ``_mean_gradient`` (the fast path), so that
the two check each other; a custom loss (Keras's way: a subclass that overrides only ``call``) has no
other form, and its gradient comes from the tape.
"""
from __future__ import annotations

import re

import numpy as np

from ..autodiff import ops as _ad
from ..autodiff.tape import GradientTape
from ..autodiff.tensor import Tensor
from ..registry import Configurable, Registry

EPSILON = 1e-7
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)
_MEANS = ("sum_over_batch_size", "mean")
_AS_MEAN = _MEANS + ("none", None)             # reductions whose gradient is that of the mean
#: the methods of a hand-written loss: a class that writes ``call`` without any of them is a custom loss
_HAND_WRITTEN = ("values", "_mean_gradient", "elementwise", "elementwise_gradient")


def check_reduction(owner, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"The 'reduction' argument of {owner} must be one of "
                         f"{', '.join(repr(r) for r in REDUCTIONS)}; got {reduction!r}.")
    return reduction


def snake_case(name: str) -> str:
    r"""'MeanSquaredError' -> 'mean_squared_error' (Keras's default object names)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def align(y_true, y_pred):
    r"""(y_true, y_pred) as arrays of the same rank: a label vector (N,) beside predictions (N, 1)
    gets its axis back, as Keras squeezes or expands one of them."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    elif y_pred.ndim == y_true.ndim - 1 and y_true.shape[-1] == 1:
        y_pred = y_pred[..., None]
    return y_true, y_pred


def mean_of(values) -> float:
    r"""The mean of every element, as a float: sum / size (np.mean's Python wrapper costs 5 µs, more
    than the sum itself on a batch-sized array); NaN for no values, as np.mean."""
    return float(np.add.reduce(values, axis=None)) / values.size if values.size else float("nan")


def _weights(sample_weight, n):
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n, float(w))
    w = w.reshape(-1) if w.ndim == 2 and w.shape[1] == 1 else w
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have one weight per sample, shape ({n},); got shape "
                         f"{np.shape(sample_weight)}.")
    return w


def _ndim(x) -> int:
    return x.ndim if type(x) is np.ndarray else np.ndim(x)       # np.ndim's wrapper costs more than the attribute


def steps_as_rows(y_true, y_pred, sample_weight=None):
    r"""(y_true, y_pred, sample_weight) of an output with steps, (m, T, ..., k), as rows (m T ..., k): labels
    (m, T, ...) or targets (m, T, ..., k) alike; a sample's weight repeated over its steps. An output
    (m, k) is given back as it is."""
    steps = _ndim(y_pred) - 2
    if steps <= 0:
        return y_true, y_pred, sample_weight
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true)
    lead = y_pred.shape[:1 + steps]
    if y_true.shape[:1 + steps] != lead:
        raise ValueError(f"y_true must have the leading axes {lead} of y_pred {y_pred.shape}; got shape {y_true.shape}.")
    if sample_weight is not None:
        w = np.asarray(sample_weight, dtype=np.float64)
        sample_weight = np.repeat(w.reshape(-1), int(np.prod(lead[1:]))) if w.ndim <= 1 else w.reshape(-1)
    return y_true.reshape(-1, *y_true.shape[1 + steps:]), y_pred.reshape(-1, y_pred.shape[-1]), sample_weight


class Loss(Configurable):
    r"""Base class. A built-in loss defines ``values`` (one loss per sample), ``_mean`` and
    ``_mean_gradient`` (the default reduction and its gradient, written for speed) and its tape form
    ``call``; a custom loss defines only ``call(y_true, y_pred)`` with ``neurona.ops`` (or ``__call__``
    and ``gradient``)."""

    #: the accuracy that fits this loss's targets: "binary", "categorical", "sparse" or None
    accuracy_kind: str | None = None
    #: a loss is minimised (``metrics.direction``, EarlyStopping(mode="auto"), the tuner)
    higher_is_better = False
    #: J and its gradient come from the tape of ``call`` (a custom loss: set for a subclass that writes
    #: ``call`` and none of the hand-written methods)
    uses_tape = False
    #: an output with steps, (m, T, ..., k), is a row per step (False: ``values`` reduce their own axes, as
    #: the overlap losses do over a whole image)
    by_step = True
    reduction = "sum_over_batch_size"
    name: str | None = None
    #: the object's own name (Keras's ``name=``) is saved as "display_name": "name" holds the type
    _config_keys = {"name": "display_name"}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "call" in cls.__dict__:
            cls.uses_tape = not any(method in cls.__dict__ for method in _HAND_WRITTEN)

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or self.default_name()
        self.reduction = check_reduction(type(self).__name__, reduction)
        self.dtype = dtype

    @classmethod
    def default_name(cls) -> str:
        return cls.registry_name if cls.__dict__.get("registry_name") else snake_case(cls.__name__)

    def call(self, y_true, y_pred):
        r"""The per-sample losses l_n as a Tensor (N,), written with autodiff ops (``y_true`` and ``y_pred``
        Tensors of the same rank): the tape form of a built-in loss, the definition of a custom one."""
        raise NotImplementedError(f"{type(self).__name__} defines no tape form (call).")

    def values(self, y_true, y_pred):
        r"""One loss per sample, shape (N,)."""
        if self.uses_tape:
            return np.asarray(self.call(*align(y_true, y_pred)))
        raise NotImplementedError(f"{type(self).__name__} defines no per-sample values.")

    # -- the tape form of J ---------------------------------------------------------------
    def sample_losses(self, y_true, y_pred) -> Tensor:
        r"""``call`` on Tensors: a label vector (N,) beside predictions (N, 1) gets its axis back."""
        y_true = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
        y_pred = y_pred if isinstance(y_pred, Tensor) else Tensor(np.asarray(y_pred))
        if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
            y_true = y_true[..., None]
        values = self.call(Tensor(y_true), y_pred)
        if not isinstance(values, Tensor):
            raise TypeError(f"The loss {self.name!r} must return a Tensor built with neurona.ops (or "
                            f"neurona.autodiff) operations on its arguments, so that its gradient can be "
                            f"taken; it returned {type(values).__name__}.")
        return values

    def on_tape(self, y_true, y_pred, sample_weight=None) -> Tensor:
        r"""J as a Tensor recorded on the open tape: sum_n w_n l_n divided as ``reduction`` says."""
        values = self.sample_losses(y_true, y_pred)
        if values.ndim == 0:
            return values
        if sample_weight is not None:
            w = _weights(sample_weight, values.shape[0]).astype(values.dtype)
            values = values * Tensor(w.reshape((-1,) + (1,) * (values.ndim - 1)))
        if self.reduction in ("none", None):
            return values
        total = _ad.sum(values)
        if self.reduction == "sum":
            return total
        if self.reduction == "mean_with_sample_weight" and sample_weight is not None:
            s = float(np.sum(_weights(sample_weight, values.shape[0])))
            return total / s if s else total * 0.0
        return total / values.size

    def tape_gradient(self, y_true, y_pred, sample_weight=None):
        r"""dJ/dy_pred by the tape of ``call`` (for reduction "none", that of the mean)."""
        prediction = Tensor(np.asarray(y_pred))
        with GradientTape() as tape:
            tape.watch(prediction)
            value = self.on_tape(y_true, prediction, sample_weight)
            if value.size > 1:
                value = _ad.mean(value)
        return tape.gradient(value, prediction, unconnected_gradients="zero")

    # -- J and dJ/dy_pred -----------------------------------------------------------------
    def __call__(self, y_true, y_pred, sample_weight=None):
        if sample_weight is None and type(y_pred) is np.ndarray and y_pred.ndim <= 2 and self.reduction in _MEANS \
                and not self.uses_tape:
            return self._mean(y_true, y_pred)               # fit's case, once per batch
        if isinstance(y_pred, Tensor):          # inside a GradientTape: the loss as a recorded Tensor
            return self.on_tape(y_true, y_pred, sample_weight)
        if self.uses_tape:
            value = self.on_tape(y_true, y_pred, sample_weight).data
            return float(value) if np.ndim(value) == 0 else value
        if _ndim(y_pred) > 2 and self.by_step:         # (m, T, ..., k): every step a row, as Keras averages them
            lead = np.shape(y_pred)[:-1]
            value = self(*steps_as_rows(y_true, y_pred, sample_weight))
            return value.reshape(lead) if self.reduction in ("none", None) else value
        if sample_weight is None and self.reduction in _MEANS:
            return self._mean(y_true, y_pred)               # fit's case, once per batch
        values = self.values(y_true, y_pred)
        weighted = values if sample_weight is None else values * _weights(sample_weight, values.shape[0])
        if self.reduction in ("none", None):
            return weighted
        total = float(np.sum(weighted))
        return total / self._divisor(values.shape[0], sample_weight)

    def _divisor(self, n, sample_weight):
        if self.reduction == "sum":
            return 1.0
        if self.reduction == "mean_with_sample_weight" and sample_weight is not None:
            s = float(np.sum(_weights(sample_weight, n)))
            return s if s != 0 else float("inf")                 # Keras: divide_no_nan
        return float(n)

    def gradient(self, y_true, y_pred, sample_weight=None):
        if self.uses_tape:
            return self.tape_gradient(y_true, y_pred, sample_weight)
        if _ndim(y_pred) > 2 and self.by_step:
            return self.gradient(*steps_as_rows(y_true, y_pred, sample_weight)).reshape(np.shape(y_pred))
        g = self._mean_gradient(y_true, y_pred)
        if sample_weight is None and self.reduction in _AS_MEAN:
            return g
        return self._reweigh(g, sample_weight)

    def fused_gradient(self, activation, y_true, a, sample_weight=None):
        r"""dJ/dz straight from the output activation's value ``a``, or None when this loss and
        activation have no simpler combined form."""
        g = self._fused_mean_gradient(activation, y_true, a)
        if g is None or (sample_weight is None and self.reduction in _AS_MEAN):
            return g
        return self._reweigh(g, sample_weight)

    def _fused_mean_gradient(self, activation, y_true, a):
        return None

    def _reweigh(self, mean_gradient, sample_weight):
        r"""The gradient of the default reduction turned into that of this one: row n of the
        mean's gradient is (1/N) dl_n/dy_pred_n, so J's is w_n N / divisor times it."""
        if sample_weight is None and self.reduction in _AS_MEAN:
            return mean_gradient
        n = mean_gradient.shape[0]
        scale = n / (float(n) if self.reduction in ("none", None) else self._divisor(n, sample_weight))
        if sample_weight is None:
            return mean_gradient * scale
        w = _weights(sample_weight, n).astype(mean_gradient.dtype) * scale
        return mean_gradient * w.reshape((n,) + (1,) * (mean_gradient.ndim - 1))

    def _mean(self, y_true, y_pred) -> float:
        return mean_of(self.values(y_true, y_pred))

    def _mean_gradient(self, y_true, y_pred):
        raise NotImplementedError

    # -- targets and config ---------------------------------------------------------------
    def prepare(self, y, sample_shape, dtype, label="y"):
        r"""The targets ``y`` of an output of ``sample_shape`` (its batch axis left out), checked by
        ``prepare_targets``. An output with time (or other) axes before its last, (m, T, ..., k), takes
        targets (m, T, ..., k) or labels (m, T, ...): each (sample, step) is one row of the loss, as Keras
        averages over every step."""
        y = np.asarray(y)
        steps = len(sample_shape) - 1 if self.by_step else 0
        if steps <= 0 or y.ndim <= 1:
            return self.prepare_targets(y, sample_shape[-1], dtype)
        if y.ndim < 1 + steps or any(n is not None and n != g for n, g in zip(sample_shape[:-1], y.shape[1:1 + steps])):
            axes = ", ".join("None" if n is None else str(n) for n in sample_shape)
            raise ValueError(f"{label} must have shape (samples, {axes.rsplit(', ', 1)[0]}, ...) to match the "
                             f"model's output (None, {axes}); got shape {y.shape}.")
        rows = self.prepare_targets(y.reshape(-1, *y.shape[1 + steps:]), sample_shape[-1], dtype)
        return rows.reshape(*y.shape[:1 + steps], *rows.shape[1:])

    def prepare_targets(self, y, n_outputs: int, dtype):
        r"""Check the targets ``y`` (as given by the user) and return them as an array for this
        loss; raise a ValueError that says how to fix them otherwise."""
        y = np.asarray(y)
        if y.ndim == 3 and y.shape[2] == 1:          # Keras squeezes a trailing axis of 1 to the outputs' rank
            y = y[:, :, 0]
        if y.ndim == 2 and y.shape[1] == 1 and n_outputs > 1:
            y = np.broadcast_to(y, (y.shape[0], n_outputs))    # and broadcasts a (m, 1) target over the outputs
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise ValueError(f"y must have shape (samples, {n_outputs}) to match the model's "
                             f"{n_outputs} output(s); got shape {np.asarray(y).shape}.")
        return np.ascontiguousarray(y, dtype=dtype)

    def get_config(self) -> dict:
        r"""{"name": type, its arguments...}; the object's own name only when it is not the
        default, and the arguments a custom subclass keeps under their own names."""
        config = super().get_config() if self._stores_arguments() else {
            "name": self.registry_name or type(self).__name__}
        config.pop("dtype", None) if getattr(self, "dtype", None) is None else None
        if config.get("display_name") in (None, self.default_name()):
            config.pop("display_name", None)
        if type(self).__init__ is Loss.__init__ or not self._stores_arguments():
            config.setdefault("reduction", self.reduction)
        return config

    def _stores_arguments(self) -> bool:
        import inspect
        names = [p for p in inspect.signature(type(self).__init__).parameters if p not in ("self", "args", "kwargs")]
        return all(hasattr(self, p) for p in names)


registry = Registry("loss", Loss)
register = registry.register
