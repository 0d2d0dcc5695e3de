r"""The other optimizers of Keras 3: Adadelta, Ftrl, Lion, Lamb and Adafactor, in Keras's forms (each is
compared with Keras on the same gradients in ``tests/test_optimizers_more.py``).

    Adadelta   E[g^2] <- rho E[g^2] + (1 - rho) g^2
               d = -sqrt(E[d^2] + eps) / sqrt(E[g^2] + eps) g,   E[d^2] <- rho E[d^2] + (1 - rho) d^2
               w <- w + alpha d                                       (Zeiler, 2012)
    Ftrl       n' = n + g^2,  z <- z + g + 2 l2s w - (n'^{-p} - n^{-p}) / alpha w,  n <- n'
               w <- (clip(z, -l1, l1) - z) / (n'^{-p} / alpha + 2 (l2 + beta / (2 alpha)))
               (McMahan et al., 2013; p = -learning_rate_power)
    Lion       w <- w - alpha sign(beta_1 m + (1 - beta_1) g),   m <- beta_2 m + (1 - beta_2) g
               (Chen et al., 2023)
    Lamb       Adam's direction u = m^ / (sqrt(v^) + eps), scaled per variable by the trust ratio
               ||w|| / ||u|| (1 when either is 0):  w <- w - alpha ratio u      (You et al., 2020)
    Adafactor  G = g^2 + eps_1,  beta_t = 1 - t^decay,  rho_t = min(alpha, 1 / sqrt(t));
               a matrix (the last two axes) keeps only the means of G over its rows and columns,
               r <- beta_t r + (1 - beta_t) mean_col(G),  c <- beta_t c + (1 - beta_t) mean_row(G),
               v = (r / mean(r)) c^T;  a vector keeps v <- beta_t v + (1 - beta_t) G;
               u = g / sqrt(v),  u <- u / max(1, rms(u) / d),
               w <- w - max(eps_2, rms(w)) rho_t u                 (Shazeer & Stern, 2018)
"""
from __future__ import annotations

import numpy as np

from ..validation import check_number
from .base import Optimizer, register


@register("adadelta")
class Adadelta(Optimizer):
    r"""Adadelta: steps in the units of w, from running means of g^2 and of the steps' squares."""

    def __init__(self, learning_rate=0.001, rho: float = 0.95, epsilon: float = 1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_number("Adadelta", "rho", rho, 0, 1)
        self.epsilon = check_number("Adadelta", "epsilon", epsilon, 0)

    def slot_names(self):
        return ["accumulated_grad", "accumulated_delta"]

    def _update(self, param, grad, slots, scratch, alpha):
        eg, ed = slots["accumulated_grad"], slots["accumulated_delta"]
        eg *= self.rho
        eg += (1 - self.rho) * grad * grad
        delta = -np.sqrt(ed + self.epsilon) * grad / np.sqrt(eg + self.epsilon)
        ed *= self.rho
        ed += (1 - self.rho) * delta * delta
        param += alpha * delta


@register("ftrl")
class Ftrl(Optimizer):
    r"""Follow The Regularized Leader: per-coordinate rates from the accumulated g^2 and an L1
    term that sets small weights exactly to 0 (sparse linear models)."""

    def __init__(self, learning_rate=0.001, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, l2_shrinkage_regularization_strength: float = 0.0,
                 beta: float = 0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.learning_rate_power = check_number("Ftrl", "learning_rate_power", learning_rate_power, None, 0)
        self.initial_accumulator_value = check_number("Ftrl", "initial_accumulator_value",
                                                      initial_accumulator_value, 0)
        self.l1_regularization_strength = check_number("Ftrl", "l1_regularization_strength",
                                                       l1_regularization_strength, 0)
        self.l2_regularization_strength = check_number("Ftrl", "l2_regularization_strength",
                                                       l2_regularization_strength, 0)
        self.l2_shrinkage_regularization_strength = check_number(
            "Ftrl", "l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength, 0)
        self.beta = check_number("Ftrl", "beta", beta, 0)

    def slot_names(self):
        return ["accumulator", "linear"]

    def initial_slot(self, name, param):
        if name == "accumulator":
            return np.full_like(param, self.initial_accumulator_value)
        return np.zeros_like(param)

    def _update(self, param, grad, slots, scratch, alpha):
        n, z = slots["accumulator"], slots["linear"]
        p = -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * alpha)
        new_n = n + grad * grad
        z += grad + 2 * self.l2_shrinkage_regularization_strength * param \
            - (new_n ** p - n ** p) / alpha * param
        quadratic = new_n ** p / alpha + 2 * l2
        l1 = self.l1_regularization_strength
        param[...] = (np.clip(z, -l1, l1) - z) / quadratic
        n[...] = new_n


@register("lion")
class Lion(Optimizer):
    r"""EvoLved Sign Momentum: every step has size alpha per coordinate, its sign from a blend of
    the momentum and the gradient (use a rate 3-10 times smaller than Adam's)."""

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.99, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_number("Lion", "beta_1", beta_1, 0, 1)
        self.beta_2 = check_number("Lion", "beta_2", beta_2, 0, 1)

    def slot_names(self):
        return ["m"]

    def _update(self, param, grad, slots, scratch, alpha):
        m = slots["m"]
        param -= alpha * np.sign(self.beta_1 * m + (1 - self.beta_1) * grad)
        m *= self.beta_2
        m += (1 - self.beta_2) * grad


@register("lamb")
class Lamb(Optimizer):
    r"""Adam with a layer-wise trust ratio: each variable's step is scaled to ||w|| / ||u|| of its
    own norms (a model's packed parameter vector is split into its variables for this)."""

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_number("Lamb", "beta_1", beta_1, 0, 1, high_open=True)
        self.beta_2 = check_number("Lamb", "beta_2", beta_2, 0, 1, high_open=True)
        self.epsilon = check_number("Lamb", "epsilon", epsilon, 0)

    def slot_names(self):
        return ["m", "v"]

    def apply(self, params, grads, parts=None):
        self._parts = iter(() if parts is None else parts)         # one list of variable sizes per param
        return super().apply(params, grads, parts)

    def _prepare(self, t):
        self._corrections = (1.0 - self.beta_1 ** t, 1.0 - self.beta_2 ** t)

    def _update(self, param, grad, slots, scratch, alpha):
        m, v = slots["m"], slots["v"]
        m += (1 - self.beta_1) * (grad - m)
        v += (1 - self.beta_2) * (grad * grad - v)
        u = (m / self._corrections[0]) / (np.sqrt(v / self._corrections[1]) + self.epsilon)
        sizes = next(self._parts, None)
        flat_w, flat_u = param.reshape(-1), u.reshape(-1)
        starts = np.cumsum([0] + list(sizes or [flat_w.size]))[:-1]
        w_norm = np.sqrt(np.add.reduceat(flat_w * flat_w, starts))
        u_norm = np.sqrt(np.add.reduceat(flat_u * flat_u, starts))
        ratio = np.where((w_norm > 0) & (u_norm > 0), w_norm / np.where(u_norm > 0, u_norm, 1), 1.0)
        counts = np.diff(np.append(starts, flat_w.size))
        param -= (alpha * np.repeat(ratio, counts).astype(param.dtype)).reshape(param.shape) * u


@register("adafactor")
class Adafactor(Optimizer):
    r"""Adafactor: Adam's second moment without its memory for matrices (a row and a column mean in
    place of one entry per weight), steps relative to each variable's size, updates clipped by
    their RMS. A model's packed vector is split into its variables, each with its own shape."""

    def __init__(self, learning_rate=0.001, beta_2_decay: float = -0.8, epsilon_1: float = 1e-30,
                 epsilon_2: float = 1e-3, clip_threshold: float = 1.0, relative_step: bool = True, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_2_decay = check_number("Adafactor", "beta_2_decay", beta_2_decay, None, 0, high_open=True)
        self.epsilon_1 = check_number("Adafactor", "epsilon_1", epsilon_1, 0)
        self.epsilon_2 = check_number("Adafactor", "epsilon_2", epsilon_2, 0)
        self.clip_threshold = check_number("Adafactor", "clip_threshold", clip_threshold, 0, low_open=True)
        self.relative_step = bool(relative_step)

    def slot_names(self):
        # r and c of each matrix sit at the start of its stretch of their (parameter-sized) slots
        return ["r", "c", "velocity"]

    def apply(self, params, grads, parts=None):
        self._parts = iter(() if parts is None else parts)         # one list of variable sizes per param
        return super().apply(params, grads, parts)

    def _prepare(self, t):
        self._t = t

    def _update(self, param, grad, slots, scratch, alpha):
        sizes = next(self._parts, None)
        shapes = [param.shape] if sizes is None else [getattr(s, "shape", (int(s),)) for s in sizes]
        # Keras caps the rate at 1/sqrt(t) with relative_step, and rho_t at it again in every case
        rho = min(alpha, 1.0 / np.sqrt(self._t))
        flat = {name: a.reshape(-1) for name, a in (("w", param), ("g", grad), *slots.items())}
        start = 0
        for shape in shapes:
            n = int(np.prod(shape, dtype=np.int64))
            part = {name: a[start:start + n] for name, a in flat.items()}
            self._step(shape, part, rho)
            start += n

    def _step(self, shape, part, rho):
        w, g, v = (part[name].reshape(shape) for name in ("w", "g", "velocity"))
        alpha_t = max(self.epsilon_2, float(np.sqrt(np.mean(w * w)))) * rho
        squares = g * g + self.epsilon_1
        beta = 1.0 - self._t ** self.beta_2_decay
        if len(shape) >= 2:
            r = part["r"][:int(np.prod(shape[:-1]))].reshape(shape[:-1])
            c = part["c"][:int(np.prod(shape[:-2])) * shape[-1]].reshape(shape[:-2] + shape[-1:])
            r[...] = beta * r + (1 - beta) * squares.mean(axis=-1)
            c[...] = beta * c + (1 - beta) * squares.mean(axis=-2)
            v[...] = (r / r.mean(axis=-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v[...] = beta * v + (1 - beta) * squares
        u = g / np.sqrt(v)
        u /= max(1.0, float(np.sqrt(np.mean(u * u))) / self.clip_threshold)
        w -= alpha_t * u
