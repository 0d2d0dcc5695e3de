r"""The optimizer protocol: the packed parameter vector, Keras's learning rates, weight decay and clipping, the
declared slots, and the registry every optimizer is known by."""
from __future__ import annotations

import math

import numpy as np

from .. import kernels, schedules
from ..registry import Configurable, Registry
from ..validation import check_number


def _variables(grad, sizes):
    r"""Views of the consecutive variables of sizes ``sizes`` packed in ``grad`` (all of it when
    ``sizes`` is None)."""
    if sizes is None:
        return [grad]
    flat, views, start = grad.reshape(-1), [], 0
    for size in sizes:
        views.append(flat[start:start + size])
        start += size
    return views


def _keras_order(first, second) -> bool:
    r"""Is ``apply(first, second)`` Keras's (gradients, variables)? The variables are autodiff Tensors or
    arrays that view another (a model's weights), the gradients None, Tensors or arrays of their own."""
    from ..autodiff.tensor import Tensor
    first, second = list(first), list(second) if second is not None else []
    if not second or len(first) != len(second):
        return False
    variables = all(isinstance(v, Tensor) or (isinstance(v, np.ndarray) and v.base is not None) for v in second)
    gradients = all(g is None or isinstance(g, Tensor) or (isinstance(g, np.ndarray) and g.base is None)
                    for g in first)
    return variables and gradients


class Optimizer(Configurable):
    r"""Base class: keeps the step count ``iterations`` and per-parameter slots (velocities, ...).

    A rule declares its slots by name in ``slot_names()`` (its state, what a checkpoint saves) and
    their starting values in ``initial_slot``; a rule that needs a work array of the parameter's
    size sets ``uses_scratch`` and receives one, kept apart from the state.

    Keras's options, for every optimizer:
        weight_decay     decoupled decay before each update, w <- w - alpha wd w (AdamW's)
        clipnorm         each gradient array g scaled to norm at most clipnorm: g min(1, c / ||g||)
        global_clipnorm  all the gradients scaled together to a joint norm of at most c
        clipvalue        each gradient entry clipped to [-c, c]
    """

    #: the Keras options every optimizer takes, saved in its config when set
    _OPTIONS = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm")
    #: does ``_update`` write intermediate results into a work array the size of the parameter?
    uses_scratch = False

    def __init__(self, learning_rate=0.01, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 **unsupported):
        owner = type(self).__name__
        if unsupported:
            known = {"loss_scale_factor": None, "gradient_accumulation_steps": None}
            other = {k: v for k, v in unsupported.items() if k not in known or v != known[k]}
            if other:
                raise TypeError(f"{owner} got arguments neurona does not implement: {sorted(other)}. It takes "
                                f"learning_rate, its own settings, {', '.join(self._OPTIONS)} and name.")
        if isinstance(learning_rate, (schedules.Schedule, dict)):
            learning_rate = schedules.get(learning_rate)
        elif callable(learning_rate):
            raise TypeError(f"The 'learning_rate' argument of {owner} must be a number or a schedule "
                            f"(neurona.optimizers.schedules.*); got the function {learning_rate!r}.")
        else:
            check_number(owner, "learning_rate", learning_rate, 0, low_open=True)
        self.learning_rate = learning_rate
        self.weight_decay = None if weight_decay is None else check_number(owner, "weight_decay", weight_decay, 0)
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError(f"{owner}: give clipnorm or global_clipnorm, not both; got clipnorm={clipnorm}, "
                             f"global_clipnorm={global_clipnorm}.")
        self.clipnorm = None if clipnorm is None else check_number(owner, "clipnorm", clipnorm, 0, low_open=True)
        self.clipvalue = None if clipvalue is None else check_number(owner, "clipvalue", clipvalue, 0, low_open=True)
        self.global_clipnorm = None if global_clipnorm is None else check_number(
            owner, "global_clipnorm", global_clipnorm, 0, low_open=True)
        self.name = name
        self.use_ema = bool(use_ema)
        self.ema_momentum = check_number(owner, "ema_momentum", ema_momentum, 0, 1)
        self.ema_overwrite_frequency = None if ema_overwrite_frequency is None else check_number(
            owner, "ema_overwrite_frequency", ema_overwrite_frequency, 1, integer=True)
        self._averages: list[np.ndarray] | None = None     # use_ema: the moving average of each array
        self._averaged: list[np.ndarray] = []                # the arrays they average
        self.iterations = 0
        self._slots: list[dict[str, np.ndarray]] | None = None     # per parameter array: name -> state
        self._scratch: list[np.ndarray | None] = []                 # per parameter array: a work array
        self._shapes: list[tuple] = []

    def get_config(self) -> dict:
        config = super().get_config()
        for option in self._OPTIONS:
            if getattr(self, option, None) is not None:
                config[option] = getattr(self, option)
        if getattr(self, "name", None) is not None:
            config["display_name"] = self.name
        if getattr(self, "use_ema", False):
            config.update(use_ema=True, ema_momentum=self.ema_momentum,
                          ema_overwrite_frequency=self.ema_overwrite_frequency)
        return config

    @property
    def current_learning_rate(self) -> float:
        r"""alpha at the next step (the schedule's value, or the constant)."""
        if isinstance(self.learning_rate, schedules.Schedule):
            return float(self.learning_rate(self.iterations))
        return float(self.learning_rate)

    def build(self, params):
        r"""Fresh slots (and work arrays) for the parameter arrays ``params``."""
        names = self.slot_names()
        self._slots = [{name: self.initial_slot(name, p) for name in names} for p in params]
        self._scratch = [np.empty_like(p) if self.uses_scratch else None for p in params]
        self._shapes = [p.shape for p in params]

    def slot_names(self) -> list[str]:
        r"""The names of the state arrays this optimizer keeps per parameter array (what a
        checkpoint saves): SGD's "step_velocity", Adam's "m_sum" and "v_sum", ..."""
        return []

    def initial_slot(self, name: str, param) -> np.ndarray:
        r"""The value the slot ``name`` of ``param`` starts from: zeros, unless the rule says otherwise."""
        return np.zeros_like(param)

    @property
    def slots(self) -> list[dict[str, np.ndarray]]:
        r"""The live slot arrays, one dict (slot name -> array) per parameter array; empty before
        the first step. ``get_state`` gives copies."""
        return self._slots or []

    def _clip(self, grads, parts=None):
        r"""The gradients after Keras's clipping options (new arrays; the caller's stay as they are).
        ``parts[k]``, when given, lists the sizes of the variables packed one after the other in
        ``grads[k]``: clipnorm then clips each variable on its own, as Keras does."""
        if self.clipnorm is None and self.clipvalue is None and self.global_clipnorm is None:
            return grads
        grads = [np.array(g, dtype=np.result_type(g, np.float32)) for g in grads]
        if self.clipvalue is not None:
            for g in grads:
                np.clip(g, -self.clipvalue, self.clipvalue, out=g)
        if self.clipnorm is not None:
            for k, g in enumerate(grads):
                for variable in _variables(g, None if parts is None else parts[k]):
                    norm = math.sqrt(float(np.vdot(variable, variable)))
                    if norm > self.clipnorm:
                        variable *= self.clipnorm / norm
        if self.global_clipnorm is not None:
            norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
            if norm > self.global_clipnorm:
                for g in grads:
                    g *= self.global_clipnorm / norm
        return grads

    def apply(self, params, grads, parts=None):
        r"""One update of every parameter array (in place) from its gradient. A model packs all its
        variables into one vector: ``parts`` gives, per array, the sizes of the variables in it
        (for ``clipnorm``, which Keras applies to each variable).

        Keras's order, ``apply(gradients, variables)`` (a custom ``train_step``), is recognised by its
        variables: autodiff Variables or a model's weights (views of its parameter vector), while the
        gradients of ``tape.gradient`` are arrays of their own (or None); it is ``apply_gradients``."""
        if parts is None and _keras_order(params, grads):
            return self.apply_gradients(zip(params, grads))
        if self._slots is None or len(self._shapes) != len(params) or any(
                p.shape != shape for p, shape in zip(params, self._shapes)):
            self.build(params)
        grads = self._clip(grads, parts)
        alpha = self.current_learning_rate
        self._prepare(self.iterations + 1)
        self.iterations += 1
        for param, grad, slots, scratch in zip(params, grads, self._slots, self._scratch):
            if self.weight_decay:
                param -= (alpha * self.weight_decay) * param
            if not self._compiled_update(param, grad, slots, alpha):
                self._update(param, grad, slots, scratch, alpha)
        if getattr(self, "use_ema", False):        # (an optimizer pickled before use_ema existed has none)
            self._update_moving_averages(params)

    # -- moving averages of the weights (use_ema, Keras's) ----------------------------------
    def _update_moving_averages(self, params):
        r"""After step t: a <- m a + (1 - m) w, with m = ema_momentum (0 at t = 1: a starts at w);
        every ``ema_overwrite_frequency`` steps the weights take their averages, w <- a."""
        if self._averages is None or [a.shape for a in self._averages] != [p.shape for p in params]:
            self._averages = [np.zeros_like(p) for p in params]
        m = self.ema_momentum if self.iterations > 1 else 0.0
        overwrite = bool(self.ema_overwrite_frequency) and self.iterations % self.ema_overwrite_frequency == 0
        for average, param in zip(self._averages, params):
            average *= m
            average += (1 - m) * param
            if overwrite:
                param[...] = average
        self._averaged = list(params)

    def swap_moving_averages(self) -> None:
        r"""Exchange the values of the arrays the last step updated and of their moving averages
        (what SwapEMAWeights does around an evaluation); a second call swaps them back."""
        if not getattr(self, "use_ema", False):
            raise ValueError(f"Swapping in the moving averages of the weights needs an optimizer made with "
                             f"use_ema=True; this {type(self).__name__} has use_ema=False.")
        for average, param in zip(self._averages or [], self._averaged):
            kept = param.copy()
            param[...] = average
            average[...] = kept

    def finalize_variable_values(self, variables=None) -> None:
        r"""Keras's end of fit: with use_ema, the weights the steps updated take their moving averages."""
        if getattr(self, "use_ema", False):
            for average, param in zip(self._averages or [], self._averaged):
                param[...] = average

    def _prepare(self, t: int):
        r"""Scalars of step t = 1, 2, ... shared by every parameter (bias corrections)."""

    def _update(self, param, grad, slots, scratch, alpha):
        r"""One step of the rule on ``param`` in place; ``slots`` maps the declared names to their
        arrays, ``scratch`` is a work array like ``param`` (None unless ``uses_scratch``)."""
        raise NotImplementedError

    def _kernel_arguments(self, slots, alpha):
        r"""(name of the rule in ``kernels``, its slot arrays, its scalars) for a one-pass update,
        or None: the NumPy ``_update`` is then the only path."""
        return None

    def _compiled_update(self, param, grad, slots, alpha) -> bool:
        r"""The update by a compiled one-pass kernel (``neurona[fast]``) where one applies; False
        when the NumPy ``_update`` must run (no numba, ``NEURONA_FAST=0``, a small vector, ...)."""
        call = self._kernel_arguments(slots, alpha)
        if call is None:
            return False
        name, state, scalars = call
        kernel = kernels.for_arrays(name, param, grad, *state)
        if kernel is None:
            return False
        dtype = param.dtype.type        # the scalars in the arrays' precision, as on NumPy's path
        kernel(param.reshape(-1), grad.reshape(-1), *(a.reshape(-1) for a in state),
               *(s if isinstance(s, bool) else dtype(s) for s in scalars))
        return True

    def apply_gradients(self, grads_and_vars):
        r"""Keras's ``optimizer.apply_gradients(zip(grads, variables))``: one step on autodiff
        Variables (assigned their new values) or NumPy arrays (updated in place). Pairs whose
        gradient is None (a variable the loss does not use) are left out, as Keras does."""
        from ..autodiff.tensor import Tensor, Variable
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            raise ValueError("apply_gradients got no gradients (every gradient is None): the loss does not "
                             "depend on the variables; check that it is computed from them inside the tape.")
        params, grads = [], []
        for g, v in pairs:
            g = np.asarray(g.data if isinstance(g, Tensor) else g)
            if isinstance(v, Variable):
                params.append(np.array(v.data, dtype=v.dtype))
            elif isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating):
                params.append(v)
            else:
                raise TypeError(f"apply_gradients updates autodiff Variables or float NumPy arrays; got "
                                f"{type(v).__name__}" + (f" of dtype {v.dtype}" if hasattr(v, "dtype") else "") + ".")
            if g.shape != params[-1].shape:
                raise ValueError(f"apply_gradients: a gradient of shape {g.shape} for a variable of shape "
                                 f"{params[-1].shape}.")
            grads.append(g.astype(params[-1].dtype, copy=False))
        self.apply(params, grads)
        for (_, v), p in zip(pairs, params):
            if isinstance(v, Variable):
                v.assign(p)
        return self.iterations

    # -- state, for checkpoints ------------------------------------------------------------
    def get_state(self) -> dict:
        r"""The step count and the slot arrays, to resume training exactly."""
        return {"iterations": self.iterations, "slots": [{k: v.copy() for k, v in s.items()} for s in self.slots]}

    def upgrade_slots(self, slots: dict) -> dict:
        r"""Slots saved by an earlier version of this optimizer, in today's form."""
        return slots

    def set_state(self, state: dict, params=None):
        self.iterations = int(state["iterations"])
        if params is not None:
            self.build(params)
        if state.get("slots"):
            if self._slots is None or len(self._slots) != len(state["slots"]):
                raise ValueError(f"The optimizer state holds {len(state['slots'])} slot sets; the "
                                 f"model has {0 if self._slots is None else len(self._slots)} parameters.")
            for mine, saved in zip(self._slots, state["slots"]):
                saved = self.upgrade_slots(saved)
                if set(saved) != set(mine):
                    raise ValueError(f"The optimizer state holds the slots {sorted(saved)}; "
                                     f"{type(self).__name__} keeps {sorted(mine)}.")
                for key, value in saved.items():
                    mine[key][...] = value


Optimizer._config_keys = {"name": "display_name"}
registry = Registry("optimizer", Optimizer)
register = registry.register
get = registry.get
