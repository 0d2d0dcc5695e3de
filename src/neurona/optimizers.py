r"""Gradient-descent optimizers. Each updates the parameters in place from their gradients.

    opt = optimizers.get("adam")          # or Adam(learning_rate=1e-3)
    opt.apply(params, grads)              # one step: p <- p - alpha * (the rule's direction)

Batch, mini-batch and stochastic gradient descent are all ``SGD``: what changes is the batch the
gradients are averaged over (``batch_size`` = n, k or 1 in ``fit``).

The learning rate may be a number or a schedule (``schedules.ExponentialDecay(...)``); a schedule
is evaluated at the optimizer's step count before each update.
"""
from __future__ import annotations

import math
import sys

import numpy as np

from . import kernels, schedules
from .registry import Configurable, Registry, not_in_neurona
from .validation import check_number

sys.modules[__name__ + ".schedules"] = schedules      # ``from neurona.optimizers.schedules import ...``, as Keras


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
    from .autodiff.tensor import Tensor
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
        from .autodiff.tensor import Tensor, Variable
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


@register("sgd")
class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum mu, in Keras's velocity form (seed 004):

        v <- mu v - alpha_t dw                  (v starts at 0)
        w <- w + mu v - alpha_t dw    if nesterov
        w <- w + v                    otherwise   (w <- w - alpha_t dw when mu = 0)

    While alpha is constant this is PyTorch's v <- mu v + dw, w <- w - alpha v (its v is ours over
    -alpha); with a schedule, Keras's form (followed here) folds each step's alpha_t into v.

    dampening = beta > 0 gives the slides' exponentially weighted average (seed 001)
        V_dw = beta V_dw + (1 - beta) dw,  w <- w - alpha V_dw,
    with V_1 = (1 - beta) theta_1 (PyTorch's dampened form, which sets V_1 = dw instead).
    """

    uses_scratch = True

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False,
                 dampening: float = 0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = check_number("SGD", "momentum", momentum, 0, 1, high_open=True)
        self.dampening = check_number("SGD", "dampening", dampening, 0, 1)
        self.nesterov = bool(nesterov)
        if nesterov and (momentum == 0 or dampening != 0):
            raise ValueError(f"Nesterov momentum needs momentum > 0 and dampening = 0; got "
                             f"momentum={momentum}, dampening={dampening}.")

    def slot_names(self):
        if self.momentum == 0:
            return []
        return ["velocity"] if self.dampening else ["step_velocity"]

    def upgrade_slots(self, slots: dict) -> dict:
        r"""Files written before the velocity form hold PyTorch's v ("velocity"): ours is -alpha v
        (exact for a constant learning rate)."""
        if not self.dampening and set(slots) == {"velocity"}:
            return {"step_velocity": -self.current_learning_rate * slots["velocity"]}
        return slots

    def _update(self, param, grad, slots, step, alpha):
        if self.momentum == 0:
            np.multiply(grad, alpha, out=step)
            param -= step
        elif self.dampening:
            v = slots["velocity"]
            v *= self.momentum
            np.multiply(grad, 1.0 - self.dampening, out=step)
            v += step
            np.multiply(v, alpha, out=step)
            param -= step
        else:
            v = slots["step_velocity"]
            v *= self.momentum
            np.multiply(grad, alpha, out=step)
            v -= step
            if self.nesterov:
                param -= step
                param += self.momentum * v
            else:
                param += v

    def _kernel_arguments(self, slots, alpha):
        if self.momentum == 0:
            return "sgd_update", (), (alpha,)
        if self.dampening:
            return "sgd_dampened_update", (slots["velocity"],), (alpha, self.momentum, 1.0 - self.dampening)
        return "sgd_velocity_update", (slots["step_velocity"],), (alpha, self.momentum, self.nesterov)


@register("rmsprop")
class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012): divide the step by a running root mean square of the gradient.

        s <- rho s + (1 - rho) dw^2
        w <- w - alpha dw / sqrt(s + epsilon)

    epsilon sits inside the square root, as the slides (seed 002) and Keras write it. PyTorch
    adds it after the root, sqrt(s) + epsilon: with the default epsilon = 1e-7 the floor of the
    denominator is then 1e-7 instead of sqrt(1e-7) = 3.2e-4, so PyTorch's steps are larger for
    gradients below about 3e-4 (the two agree as epsilon -> 0).
    ``centered=True`` divides by the running variance instead, sqrt(s - g_bar^2 + epsilon) with
    g_bar <- rho g_bar + (1 - rho) dw; ``momentum`` mu accumulates the steps,
    b <- mu b + dw / sqrt(...), w <- w - alpha b.
    """

    uses_scratch = True

    def __init__(self, learning_rate=0.001, rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7,
                 centered: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_number("RMSprop", "rho", rho, 0, 1, high_open=True)
        self.momentum = check_number("RMSprop", "momentum", momentum, 0, 1, high_open=True)
        self.epsilon = check_number("RMSprop", "epsilon", epsilon, 0)
        self.centered = bool(centered)

    def slot_names(self):
        return ["mean_square", *(["mean_gradient"] if self.centered else []), *(["momentum"] if self.momentum else [])]

    def _update(self, param, grad, slots, tmp, alpha):
        s = slots["mean_square"]
        s *= self.rho
        np.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - self.rho
        s += tmp
        if self.centered:
            g_bar = slots["mean_gradient"]
            g_bar *= self.rho
            g_bar += (1.0 - self.rho) * grad
            np.subtract(s, g_bar * g_bar, out=tmp)
            tmp += self.epsilon
        else:
            np.add(s, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(grad, tmp, out=tmp)
        if self.momentum:
            b = slots["momentum"]
            b *= self.momentum
            b += tmp
            param -= alpha * b
            return
        tmp *= alpha
        param -= tmp

    def _kernel_arguments(self, slots, alpha):
        if self.centered or self.momentum:
            return None
        return "rmsprop_update", (slots["mean_square"],), (alpha, self.rho, 1.0 - self.rho, self.epsilon)


@register("adam")
class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015) = momentum + RMSprop, with bias correction (seed 001):

        m <- beta_1 m + (1 - beta_1) dw               (first moment, the momentum)
        v <- beta_2 v + (1 - beta_2) dw^2             (second moment, the RMSprop term)
        m_hat = m / (1 - beta_1^t),  v_hat = v / (1 - beta_2^t)     (bias correction, t = 1, 2, ...)
        w <- w - alpha m_hat / (sqrt(v_hat) + epsilon)

    epsilon sits outside the square root, as in PyTorch and Keras; the slides (seed 002) put it
    inside, sqrt(s + epsilon), and also write the averages with a minus sign: both are typos of
    the original algorithm.

    The slots hold the moments without their (1 - beta) factors, the exponentially weighted sums

        m_sum <- beta_1 m_sum + dw,   v_sum <- beta_2 v_sum + dw^2,
        so  m = (1 - beta_1) m_sum,   v = (1 - beta_2) v_sum,

    because the factors then move into the scalars of the last line: an update is 10 passes over
    the parameters instead of 12, which is a tenth of a training step at batch size 32.

    ``amsgrad=True`` divides by the largest v so far (Reddi et al., 2018), as PyTorch and Keras.
    """

    uses_scratch = True

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        owner = type(self).__name__
        self.beta_1 = check_number(owner, "beta_1", beta_1, 0, 1, high_open=True)
        self.beta_2 = check_number(owner, "beta_2", beta_2, 0, 1, high_open=True)
        self.epsilon = check_number(owner, "epsilon", epsilon, 0)
        self.amsgrad = bool(amsgrad)

    def slot_names(self):
        return ["m_sum", "v_sum", "v_max_sum"] if self.amsgrad else ["m_sum", "v_sum"]   # v_max: AMSGrad's largest v

    def upgrade_slots(self, slots: dict) -> dict:
        r"""Files written before the slots were sums hold the moments "m" and "v": convert them."""
        if set(slots) == {"m", "v"}:
            return {"m_sum": slots["m"] / (1.0 - self.beta_1), "v_sum": slots["v"] / (1.0 - self.beta_2)}
        return slots

    def _prepare(self, t):
        # m_hat = c1 m_sum and v_hat = c2 v_sum, with c = (1 - beta) / (1 - beta^t)
        self._c1 = (1.0 - self.beta_1) / (1.0 - self.beta_1 ** t)
        self._sqrt_c2 = math.sqrt((1.0 - self.beta_2) / (1.0 - self.beta_2 ** t))

    #: why the last step was refused (squared gradients beyond the dtype's range), or None
    overflow: str | None = None

    def _update(self, param, grad, slots, tmp, alpha):
        m_sum, v_sum = slots["m_sum"], slots["v_sum"]
        # Overflow guard: a gradient above sqrt(max float) (1.3e154 in float64, 1.8e19 in float32)
        # squares to inf, and v = inf freezes that weight for good (its step m / sqrt(v) is 0 from
        # then on). Such a step is refused, the weights as they were, and ``overflow`` says why
        # (fit stops on it: neurona.divergence). NumPy's overflow flag costs no extra pass.
        with np.errstate(over="raise"):
            try:
                np.multiply(grad, grad, out=tmp)        # before any slot changes
                m_sum *= self.beta_1
                m_sum += grad
                v_sum *= self.beta_2
                v_sum += tmp
                if self.amsgrad:
                    np.maximum(slots["v_max_sum"], v_sum, out=slots["v_max_sum"])
                    v_sum = slots["v_max_sum"]
            except FloatingPointError:
                self.overflow = (f"Adam's second moment overflowed at step {self.iterations}: gradients of "
                                 f"{np.max(np.abs(grad)):.3g} have squares beyond the largest {param.dtype} "
                                 f"({np.finfo(param.dtype).max:.3g}); that step was not applied")
                return
        # alpha m_hat / (sqrt(v_hat) + eps) = (alpha c1 / sqrt(c2)) m_sum / (sqrt(v_sum) + eps / sqrt(c2))
        np.sqrt(v_sum, out=tmp)
        tmp += self.epsilon / self._sqrt_c2
        np.divide(m_sum, tmp, out=tmp)
        tmp *= alpha * self._c1 / self._sqrt_c2
        param -= tmp

    def _kernel_arguments(self, slots, alpha):
        if self.amsgrad:
            return None
        return ("adam_update", (slots["m_sum"], slots["v_sum"]),
                (alpha * self._c1 / self._sqrt_c2, self.beta_1, self.beta_2, self.epsilon / self._sqrt_c2))


@register("adamw")
class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019): before each Adam step
    w <- w - alpha wd w (wd = ``weight_decay``, Keras's default 0.004), as Keras and PyTorch."""

    def __init__(self, learning_rate=0.001, weight_decay: float = 0.004, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)


@register("nadam")
class Nadam(Optimizer):
    r"""Adam with Nesterov momentum (Dozat, 2016), Keras's form: with the momentum schedule
    mu_t = beta_1 (1 - 0.96^t / 2) and P_t = mu_1 ... mu_t,

        m <- beta_1 m + (1 - beta_1) dw,   v <- beta_2 v + (1 - beta_2) dw^2
        m_hat = mu_{t+1} m / (1 - P_{t+1}) + (1 - mu_t) dw / (1 - P_t),   v_hat = v / (1 - beta_2^t)
        w <- w - alpha m_hat / (sqrt(v_hat) + epsilon)
    (PyTorch's NAdam with momentum_decay=1; its default 0.004 stretches the schedule.)
    """

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_number("Nadam", "beta_1", beta_1, 0, 1, high_open=True)
        self.beta_2 = check_number("Nadam", "beta_2", beta_2, 0, 1, high_open=True)
        self.epsilon = check_number("Nadam", "epsilon", epsilon, 0)

    def slot_names(self):
        return ["m", "v"]

    def _mu(self, t):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** t)

    def _prepare(self, t):
        product = 1.0                                  # P_t, recomputed: exact after a resume
        for i in range(1, t + 1):
            product *= self._mu(i)
        mu_t, mu_next = self._mu(t), self._mu(t + 1)
        self._gradient_factor = (1.0 - mu_t) / (1.0 - product)
        self._momentum_factor = mu_next / (1.0 - product * mu_next)
        self._v_correction = 1.0 / (1.0 - self.beta_2 ** t)

    def _update(self, param, grad, slots, scratch, alpha):
        m, v = slots["m"], slots["v"]
        m += (1.0 - self.beta_1) * (grad - m)
        v += (1.0 - self.beta_2) * (grad * grad - v)
        m_hat = self._momentum_factor * m + self._gradient_factor * grad
        param -= alpha * m_hat / (np.sqrt(v * self._v_correction) + self.epsilon)

    def _kernel_arguments(self, slots, alpha):
        return ("nadam_update", (slots["m"], slots["v"]),
                (alpha, 1.0 - self.beta_1, 1.0 - self.beta_2, self._momentum_factor, self._gradient_factor,
                 self._v_correction, self.epsilon))


@register("adagrad")
class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011), Keras's form: every weight's step shrinks with the sum of
    its squared gradients,

        G <- G + dw^2  (G starts at initial_accumulator_value),   w <- w - alpha dw / sqrt(G + epsilon).
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_number("Adagrad", "initial_accumulator_value",
                                                      initial_accumulator_value, 0)
        self.epsilon = check_number("Adagrad", "epsilon", epsilon, 0)

    def slot_names(self):
        return ["accumulator"]

    def initial_slot(self, name, param):
        return np.full_like(param, self.initial_accumulator_value)

    def _update(self, param, grad, slots, scratch, alpha):
        G = slots["accumulator"]
        G += grad * grad
        param -= alpha * grad / np.sqrt(G + self.epsilon)

    def _kernel_arguments(self, slots, alpha):
        return "adagrad_update", (slots["accumulator"],), (alpha, self.epsilon)


@register("adamax")
class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2015), Adam with the infinity norm, Keras's form:

        m <- beta_1 m + (1 - beta_1) dw,   u <- max(beta_2 u, |dw|)
        w <- w - alpha m / ((1 - beta_1^t) (u + epsilon))
    """

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_number("Adamax", "beta_1", beta_1, 0, 1, high_open=True)
        self.beta_2 = check_number("Adamax", "beta_2", beta_2, 0, 1, high_open=True)
        self.epsilon = check_number("Adamax", "epsilon", epsilon, 0)

    def slot_names(self):
        return ["m", "u"]

    def _prepare(self, t):
        self._correction = 1.0 / (1.0 - self.beta_1 ** t)

    def _update(self, param, grad, slots, scratch, alpha):
        m, u = slots["m"], slots["u"]
        m += (1.0 - self.beta_1) * (grad - m)
        np.maximum(self.beta_2 * u, np.abs(grad), out=u)
        param -= (alpha * self._correction) * m / (u + self.epsilon)

    def _kernel_arguments(self, slots, alpha):
        return "adamax_update", (slots["m"], slots["u"]), (alpha * self._correction, 1.0 - self.beta_1,
                                                           self.beta_2, self.epsilon)


def serialize(optimizer) -> dict:
    return get(optimizer).get_config()


def deserialize(config) -> Optimizer:
    return get(config)


from .optimizers_keras import Adadelta, Adafactor, Ftrl, Lamb, Lion  # noqa: E402,F401  (registered there)

__getattr__ = not_in_neurona(__name__, "optimizer", registry.class_names)
