r"""Learning-rate schedules: alpha as a function of the optimizer step t = 0, 1, 2, ...

Any of them can be passed as ``learning_rate=`` of an optimizer. They count optimizer steps
(mini-batches), as Keras does; for a schedule in epochs, give ``steps`` in units of
steps_per_epoch (e.g. ``StepDecay(0.1, drop=0.5, step_size=10 * steps_per_epoch)``).

    StepDecay                    alpha_t = alpha_0 * drop^floor(t / step_size)
    TimeBasedDecay               alpha_t = alpha_0 / (1 + decay_rate * t / decay_steps)
    ExponentialDecay             alpha_t = alpha_0 * decay_rate^(t / decay_steps)
    CosineAnnealing              alpha_t = alpha_min + (alpha_0 - alpha_min)(1 + cos(pi t / T)) / 2
    CosineAnnealingWarmRestarts  the same, restarted after T_0, T_0 T_mult, ... steps (SGDR)
"""
from __future__ import annotations

import math

from .registry import Configurable, Registry
from .validation import check_number


class Schedule(Configurable):
    def __call__(self, step: int) -> float:
        raise NotImplementedError


registry = Registry("schedule", Schedule)
register = registry.register
get = registry.get


def _lr(owner, value):
    return check_number(owner, "initial_learning_rate", value, 0, low_open=True)


@register("step_decay")
class StepDecay(Schedule):
    r"""alpha_t = alpha_0 * drop^floor(t / step_size): the rate falls by a factor every step_size steps."""

    def __init__(self, initial_learning_rate: float, drop: float = 0.5, step_size: int = 10):
        self.initial_learning_rate = _lr("StepDecay", initial_learning_rate)
        self.drop = check_number("StepDecay", "drop", drop, 0, 1, low_open=True)
        self.step_size = check_number("StepDecay", "step_size", step_size, 1, integer=True)

    def __call__(self, step):
        return self.initial_learning_rate * self.drop ** (step // self.step_size)


@register("time_based_decay", "inverse_time_decay")
class TimeBasedDecay(Schedule):
    r"""alpha_t = alpha_0 / (1 + decay_rate * t / decay_steps)."""

    def __init__(self, initial_learning_rate: float, decay_rate: float = 0.01, decay_steps: int = 1):
        self.initial_learning_rate = _lr("TimeBasedDecay", initial_learning_rate)
        self.decay_rate = check_number("TimeBasedDecay", "decay_rate", decay_rate, 0)
        self.decay_steps = check_number("TimeBasedDecay", "decay_steps", decay_steps, 1, integer=True)

    def __call__(self, step):
        return self.initial_learning_rate / (1.0 + self.decay_rate * step / self.decay_steps)


@register("exponential_decay")
class ExponentialDecay(Schedule):
    r"""alpha_t = alpha_0 * decay_rate^(t / decay_steps)  (floor(t / decay_steps) when staircase)."""

    def __init__(self, initial_learning_rate: float, decay_rate: float = 0.96, decay_steps: int = 1,
                 staircase: bool = False):
        self.initial_learning_rate = _lr("ExponentialDecay", initial_learning_rate)
        self.decay_rate = check_number("ExponentialDecay", "decay_rate", decay_rate, 0, 1, low_open=True)
        self.decay_steps = check_number("ExponentialDecay", "decay_steps", decay_steps, 1, integer=True)
        self.staircase = bool(staircase)

    def __call__(self, step):
        exponent = step // self.decay_steps if self.staircase else step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** exponent


@register("cosine_annealing", "cosine_decay")
class CosineAnnealing(Schedule):
    r"""alpha_t = alpha_min + (alpha_0 - alpha_min) (1 + cos(pi t / T)) / 2 for t <= T, then alpha_min
    (Loshchilov & Hutter, 2017, without restarts)."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, min_learning_rate: float = 0.0):
        self.initial_learning_rate = _lr("CosineAnnealing", initial_learning_rate)
        self.decay_steps = check_number("CosineAnnealing", "decay_steps", decay_steps, 1, integer=True)
        self.min_learning_rate = check_number("CosineAnnealing", "min_learning_rate", min_learning_rate, 0)

    def __call__(self, step):
        progress = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.min_learning_rate + (self.initial_learning_rate - self.min_learning_rate) * cosine


@register("cosine_annealing_warm_restarts", "sgdr")
class CosineAnnealingWarmRestarts(Schedule):
    r"""Cosine annealing restarted to alpha_0 at the end of each cycle (SGDR, Loshchilov & Hutter,
    2017). Cycle i lasts T_0 * t_mult^i steps:

    alpha_t = alpha_min + (alpha_0 - alpha_min) (1 + cos(pi t_cur / T_i)) / 2,
    t_cur = steps since the last restart.
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int, t_mult: int = 1,
                 min_learning_rate: float = 0.0):
        self.initial_learning_rate = _lr("CosineAnnealingWarmRestarts", initial_learning_rate)
        self.first_decay_steps = check_number("CosineAnnealingWarmRestarts", "first_decay_steps",
                                              first_decay_steps, 1, integer=True)
        self.t_mult = check_number("CosineAnnealingWarmRestarts", "t_mult", t_mult, 1, integer=True)
        self.min_learning_rate = check_number("CosineAnnealingWarmRestarts", "min_learning_rate",
                                              min_learning_rate, 0)

    def __call__(self, step):
        period, t_cur = self.first_decay_steps, step
        if self.t_mult == 1:
            t_cur = step % period
        while t_cur >= period:                      # cycles grow geometrically: few turns
            t_cur -= period
            period *= self.t_mult
        cosine = 0.5 * (1.0 + math.cos(math.pi * t_cur / period))
        return self.min_learning_rate + (self.initial_learning_rate - self.min_learning_rate) * cosine
