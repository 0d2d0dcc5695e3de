r"""The optimizers of the lectures and their usual variants: SGD (momentum, Nesterov), RMSprop, Adam (AMSGrad),
AdamW, Nadam, Adagrad, Adamax, each with its update rule beside the code."""
from __future__ import annotations

import math

import numpy as np

from ..validation import check_number
from .base import Optimizer, register


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
    the original algorithm. Keras adds epsilon before the bias correction, to sqrt(v) rather than
    sqrt(v_hat), and neurona takes its form:

        w <- w - alpha_t m / (sqrt(v) + epsilon),   alpha_t = alpha sqrt(1 - beta_2^t) / (1 - beta_1^t)

    that is the line above with epsilon / sqrt(1 - beta_2^t) in epsilon's place. The two differ
    only where sqrt(v) is near epsilon (gradients below about 1e-5), where Keras's steps are smaller.

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
        # Keras's epsilon, added to sqrt(v) = sqrt(1 - beta_2) sqrt(v_sum), in the units of sqrt(v_sum)
        self._epsilon_sum = self.epsilon / math.sqrt(1.0 - self.beta_2)

    #: why the last step was refused (squared gradients beyond the dtype's range), or None
    overflow: str | None = None

    def _update(self, param, grad, slots, tmp, alpha):
        m_sum, v_sum = slots["m_sum"], slots["v_sum"]
        # Overflow guard: a gradient above sqrt(max float) (1.3e154 in float64, 1.8e19 in float32)
        # squares to inf, and v = inf freezes that weight for good (its step m / sqrt(v) is 0 from
        # then on). Such a step is refused, the weights as they were, and ``overflow`` says why
        # (fit stops on it: neurona.models.divergence). NumPy's overflow flag costs no extra pass.
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
        # alpha_t m / (sqrt(v) + eps) = (alpha c1 / sqrt(c2)) m_sum / (sqrt(v_sum) + eps / sqrt(1 - beta_2))
        np.sqrt(v_sum, out=tmp)
        tmp += self._epsilon_sum
        np.divide(m_sum, tmp, out=tmp)
        tmp *= alpha * self._c1 / self._sqrt_c2
        param -= tmp

    def _kernel_arguments(self, slots, alpha):
        if self.amsgrad:
            return None
        return ("adam_update", (slots["m_sum"], slots["v_sum"]),
                (alpha * self._c1 / self._sqrt_c2, self.beta_1, self.beta_2, self._epsilon_sum))


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
