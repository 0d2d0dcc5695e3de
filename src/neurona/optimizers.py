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

import numpy as np

from . import kernels, schedules
from .registry import Configurable, Registry
from .validation import check_number


class Optimizer(Configurable):
    r"""Base class: keeps the step count ``iterations`` and per-parameter slots (velocities, ...)."""

    def __init__(self, learning_rate=0.01):
        if isinstance(learning_rate, (schedules.Schedule, dict)):
            learning_rate = schedules.get(learning_rate)
        else:
            check_number(type(self).__name__, "learning_rate", learning_rate, 0, low_open=True)
        self.learning_rate = learning_rate
        self.iterations = 0
        self._slots: list[dict[str, np.ndarray]] | None = None

    @property
    def current_learning_rate(self) -> float:
        r"""alpha at the next step (the schedule's value, or the constant)."""
        if isinstance(self.learning_rate, schedules.Schedule):
            return float(self.learning_rate(self.iterations))
        return float(self.learning_rate)

    def build(self, params):
        self._slots = [self._new_slots(p) | {"_shape": p.shape} for p in params]

    def _new_slots(self, param) -> dict[str, np.ndarray]:
        return {}

    def apply(self, params, grads):
        r"""One update of every parameter array (in place) from its gradient."""
        if self._slots is None or len(self._slots) != len(params) or any(
                p.shape != s["_shape"] for p, s in zip(params, self._slots)):
            self.build(params)
        alpha = self.current_learning_rate
        self.iterations += 1
        for param, grad, slots in zip(params, grads, self._slots):
            if not self._compiled_update(param, grad, slots, alpha):
                self._update(param, grad, slots, alpha)

    def _update(self, param, grad, slots, alpha):
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

    # -- state, for checkpoints ------------------------------------------------------------
    def get_state(self) -> dict:
        r"""The step count and the slot arrays, to resume training exactly."""
        return {"iterations": self.iterations,
                "slots": [{k: v.copy() for k, v in s.items() if not k.startswith("_")}
                          for s in (self._slots or [])]}

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
                for key, value in self.upgrade_slots(saved).items():
                    mine[key][...] = value


registry = Registry("optimizer", Optimizer)
register = registry.register
get = registry.get


@register("sgd")
class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum (PyTorch's formulation):

        v <- mu v + (1 - dampening) dw          (v starts at 0)
        w <- w - alpha (dw + mu v)    if nesterov
        w <- w - alpha v              otherwise   (w <- w - alpha dw when mu = 0)

    dampening = mu gives the slides' exponentially weighted average (seed 001)
        V_dw = beta V_dw + (1 - beta) dw,  w <- w - alpha V_dw;
    dampening = 0 gives the velocity form of seed 004,
        v = mu v - alpha dw,  w <- w + v,
    which is the same update while alpha is constant. (PyTorch sets v = dw at the first step
    whatever the dampening; neurona starts every form from v = 0, so the two agree exactly for
    dampening = 0, and the EWMA form matches the slides' V_1 = (1 - beta) theta_1.)
    """

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False):
        super().__init__(learning_rate)
        self.momentum = check_number("SGD", "momentum", momentum, 0, 1, high_open=True)
        self.dampening = check_number("SGD", "dampening", dampening, 0, 1)
        self.nesterov = bool(nesterov)
        if nesterov and (momentum == 0 or dampening != 0):
            raise ValueError(f"Nesterov momentum needs momentum > 0 and dampening = 0; got "
                             f"momentum={momentum}, dampening={dampening}.")

    def _new_slots(self, param):
        if self.momentum == 0:
            return {"_scratch": np.empty_like(param)}
        return {"velocity": np.zeros_like(param), "_scratch": np.empty_like(param)}

    def _update(self, param, grad, slots, alpha):
        step = slots["_scratch"]
        if self.momentum == 0:
            np.multiply(grad, alpha, out=step)
        else:
            v = slots["velocity"]
            v *= self.momentum
            if self.dampening:
                np.multiply(grad, 1.0 - self.dampening, out=step)
                v += step
            else:
                v += grad
            if self.nesterov:
                np.multiply(v, self.momentum, out=step)
                step += grad
                step *= alpha
            else:
                np.multiply(v, alpha, out=step)
        param -= step

    def _kernel_arguments(self, slots, alpha):
        if self.momentum == 0:
            return "sgd_update", (), (alpha,)
        return ("sgd_momentum_update", (slots["velocity"],),
                (alpha, self.momentum, 1.0 - self.dampening, self.nesterov))


@register("rmsprop")
class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012): divide the step by a running root mean square of the gradient.

        s <- rho s + (1 - rho) dw^2
        w <- w - alpha dw / (sqrt(s) + epsilon)

    epsilon sits outside the square root, as in PyTorch and Keras. (The slides write
    sqrt(s + epsilon); the difference only matters while s is about epsilon^2.)
    """

    def __init__(self, learning_rate=0.001, rho: float = 0.9, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.rho = check_number("RMSprop", "rho", rho, 0, 1, high_open=True)
        self.epsilon = check_number("RMSprop", "epsilon", epsilon, 0)

    def _new_slots(self, param):
        return {"mean_square": np.zeros_like(param), "_scratch": np.empty_like(param)}

    def _update(self, param, grad, slots, alpha):
        s, tmp = slots["mean_square"], slots["_scratch"]
        s *= self.rho
        np.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - self.rho
        s += tmp
        np.sqrt(s, out=tmp)
        tmp += self.epsilon
        np.divide(grad, tmp, out=tmp)
        tmp *= alpha
        param -= tmp

    def _kernel_arguments(self, slots, alpha):
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
    """

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.beta_1 = check_number("Adam", "beta_1", beta_1, 0, 1, high_open=True)
        self.beta_2 = check_number("Adam", "beta_2", beta_2, 0, 1, high_open=True)
        self.epsilon = check_number("Adam", "epsilon", epsilon, 0)

    def _new_slots(self, param):
        return {"m_sum": np.zeros_like(param), "v_sum": np.zeros_like(param), "_scratch": np.empty_like(param)}

    def upgrade_slots(self, slots: dict) -> dict:
        r"""Files written before the slots were sums hold the moments "m" and "v": convert them."""
        if set(slots) == {"m", "v"}:
            return {"m_sum": slots["m"] / (1.0 - self.beta_1), "v_sum": slots["v"] / (1.0 - self.beta_2)}
        return slots

    def apply(self, params, grads):
        t = self.iterations + 1
        # m_hat = c1 m_sum and v_hat = c2 v_sum, with c = (1 - beta) / (1 - beta^t)
        self._c1 = (1.0 - self.beta_1) / (1.0 - self.beta_1 ** t)
        self._sqrt_c2 = math.sqrt((1.0 - self.beta_2) / (1.0 - self.beta_2 ** t))
        super().apply(params, grads)

    def _update(self, param, grad, slots, alpha):
        m_sum, v_sum, tmp = slots["m_sum"], slots["v_sum"], slots["_scratch"]
        m_sum *= self.beta_1
        m_sum += grad
        v_sum *= self.beta_2
        np.multiply(grad, grad, out=tmp)
        v_sum += tmp
        # alpha m_hat / (sqrt(v_hat) + eps) = (alpha c1 / sqrt(c2)) m_sum / (sqrt(v_sum) + eps / sqrt(c2))
        np.sqrt(v_sum, out=tmp)
        tmp += self.epsilon / self._sqrt_c2
        np.divide(m_sum, tmp, out=tmp)
        tmp *= alpha * self._c1 / self._sqrt_c2
        param -= tmp

    def _kernel_arguments(self, slots, alpha):
        return ("adam_update", (slots["m_sum"], slots["v_sum"]),
                (alpha * self._c1 / self._sqrt_c2, self.beta_1, self.beta_2, self.epsilon / self._sqrt_c2))
