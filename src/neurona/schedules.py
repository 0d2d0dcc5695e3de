r"""Learning-rate schedules: alpha as a function of the optimizer step t = 0, 1, 2, ...

Any of them can be passed as ``learning_rate=`` of an optimizer. They count optimizer steps
(mini-batches), as Keras does; for a schedule in epochs, give ``steps`` in units of
steps_per_epoch (e.g. ``StepDecay(0.1, drop=0.5, step_size=10 * steps_per_epoch)``).

Keras 3's schedules, with Keras's arguments (in Keras's order) and values:

    ExponentialDecay(a0, decay_steps, decay_rate, staircase)     a0 * decay_rate^(t / decay_steps)
    InverseTimeDecay(a0, decay_steps, decay_rate, staircase)     a0 / (1 + decay_rate * t / decay_steps)
    PiecewiseConstantDecay(boundaries, values)                    values[i] while t <= boundaries[i]
    PolynomialDecay(a0, decay_steps, end_learning_rate, power, cycle)
    CosineDecay(a0, decay_steps, alpha, warmup_target, warmup_steps)
    CosineDecayRestarts(a0, first_decay_steps, t_mul, m_mul, alpha)

The lectures' own, beside them (their names do not clash with Keras's):

    StepDecay                    alpha_t = alpha_0 * drop^floor(t / step_size)
    TimeBasedDecay               alpha_t = alpha_0 / (1 + decay_rate * t / decay_steps)
    CosineAnnealing              alpha_t = alpha_min + (alpha_0 - alpha_min)(1 + cos(pi t / T)) / 2
    CosineAnnealingWarmRestarts  the same, restarted after T_0, T_0 T_mult, ... steps (SGDR)

``ExponentialDecay`` is both: Keras's order (initial_learning_rate, decay_steps, decay_rate) with
defaults (1, 0.96) so that the lectures' keyword calls keep working.
"""
from __future__ import annotations

import math

from .registry import Configurable, Registry, not_in_neurona
from .validation import check_number


class Schedule(Configurable):
    r"""alpha as a function of the optimizer step (Keras's ``LearningRateSchedule``)."""

    #: Keras's ``name=`` of a schedule is saved as "display_name": "name" holds the type
    _config_keys = {"name": "display_name"}

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


@register("time_based_decay")
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
    r"""alpha_t = alpha_0 * decay_rate^(t / decay_steps)  (floor(t / decay_steps) when staircase);
    Keras's ``ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False)``."""

    def __init__(self, initial_learning_rate: float, decay_steps: int = 1, decay_rate: float = 0.96,
                 staircase: bool = False):
        self.initial_learning_rate = _lr("ExponentialDecay", initial_learning_rate)
        self.decay_rate = check_number("ExponentialDecay", "decay_rate", decay_rate, 0, 1, low_open=True)
        self.decay_steps = check_number("ExponentialDecay", "decay_steps", decay_steps, 1, integer=True)
        self.staircase = bool(staircase)

    def __call__(self, step):
        exponent = step // self.decay_steps if self.staircase else step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** exponent


@register("cosine_annealing")
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



@register("inverse_time_decay")
class InverseTimeDecay(Schedule):
    r"""Keras's ``InverseTimeDecay``: alpha_t = alpha_0 / (1 + decay_rate * t / decay_steps)
    (floor(t / decay_steps) when staircase)."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False):
        self.initial_learning_rate = _lr("InverseTimeDecay", initial_learning_rate)
        self.decay_steps = check_number("InverseTimeDecay", "decay_steps", decay_steps, 0, low_open=True)
        self.decay_rate = check_number("InverseTimeDecay", "decay_rate", decay_rate, 0)
        self.staircase = bool(staircase)

    def __call__(self, step):
        ratio = step / self.decay_steps
        return self.initial_learning_rate / (1.0 + self.decay_rate * (math.floor(ratio) if self.staircase else ratio))


@register("piecewise_constant_decay")
class PiecewiseConstantDecay(Schedule):
    r"""Keras's ``PiecewiseConstantDecay(boundaries, values)``: values[0] while t <= boundaries[0],
    values[i] while boundaries[i-1] < t <= boundaries[i], values[-1] after the last boundary."""

    def __init__(self, boundaries, values):
        boundaries, values = list(boundaries), list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"PiecewiseConstantDecay needs one more value than boundaries; got "
                             f"{len(boundaries)} boundaries and {len(values)} values.")
        if any(b >= c for b, c in zip(boundaries, boundaries[1:])):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must increase; got {boundaries}.")
        self.boundaries = [check_number("PiecewiseConstantDecay", "boundaries", b) for b in boundaries]
        self.values = [check_number("PiecewiseConstantDecay", "values", v, 0) for v in values]

    def __call__(self, step):
        return self.values[sum(step > b for b in self.boundaries)]


@register("polynomial_decay")
class PolynomialDecay(Schedule):
    r"""Keras's ``PolynomialDecay``: with T = decay_steps and t capped at T,

    alpha_t = (alpha_0 - alpha_end) (1 - t / T)^power + alpha_end;
    ``cycle=True`` instead stretches T to the next multiple of decay_steps past t (restarts)."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, end_learning_rate: float = 0.0001,
                 power: float = 1.0, cycle: bool = False):
        self.initial_learning_rate = _lr("PolynomialDecay", initial_learning_rate)
        self.decay_steps = check_number("PolynomialDecay", "decay_steps", decay_steps, 0, low_open=True)
        self.end_learning_rate = check_number("PolynomialDecay", "end_learning_rate", end_learning_rate, 0)
        self.power = check_number("PolynomialDecay", "power", power)
        self.cycle = bool(cycle)

    def __call__(self, step):
        period = self.decay_steps
        if self.cycle:
            period = self.decay_steps * max(1.0, math.ceil(step / self.decay_steps))
        else:
            step = min(step, self.decay_steps)
        fraction = 1.0 - step / period
        return (self.initial_learning_rate - self.end_learning_rate) * fraction ** self.power + self.end_learning_rate


@register("cosine_decay")
class CosineDecay(Schedule):
    r"""Keras's ``CosineDecay``: an optional linear warmup from alpha_0 to warmup_target over
    warmup_steps, then, from the peak a_p (warmup_target, or alpha_0 without warmup), with
    t' = min(t - warmup_steps, decay_steps):

    alpha_t = a_p ((1 - alpha) (1 + cos(pi t' / decay_steps)) / 2 + alpha)   (alpha: the floor, a fraction)
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0, name=None,
                 warmup_target=None, warmup_steps: int = 0):
        self.initial_learning_rate = check_number("CosineDecay", "initial_learning_rate", initial_learning_rate, 0)
        self.decay_steps = check_number("CosineDecay", "decay_steps", decay_steps, 0, low_open=True)
        self.alpha = check_number("CosineDecay", "alpha", alpha, 0, 1)
        self.name = name
        self.warmup_target = None if warmup_target is None else check_number("CosineDecay", "warmup_target",
                                                                              warmup_target, 0)
        self.warmup_steps = check_number("CosineDecay", "warmup_steps", warmup_steps, 0)

    def _decay(self, step, peak):
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return peak * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            rise = self.warmup_target - self.initial_learning_rate
            return self.initial_learning_rate + rise * step / self.warmup_steps
        return self._decay(step - self.warmup_steps, self.warmup_target)


@register("cosine_decay_restarts")
class CosineDecayRestarts(Schedule):
    r"""Keras's ``CosineDecayRestarts`` (SGDR): cycle i lasts first_decay_steps t_mul^i steps and
    starts from alpha_0 m_mul^i; inside it, with the fraction f of the cycle done,

    alpha_t = alpha_0 ((1 - alpha) m_mul^i (1 + cos(pi f)) / 2 + alpha).
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int, t_mul: float = 2.0,
                 m_mul: float = 1.0, alpha: float = 0.0, name=None):
        self.initial_learning_rate = _lr("CosineDecayRestarts", initial_learning_rate)
        self.first_decay_steps = check_number("CosineDecayRestarts", "first_decay_steps", first_decay_steps, 0,
                                              low_open=True)
        self.t_mul = check_number("CosineDecayRestarts", "t_mul", t_mul, 0, low_open=True)
        self.m_mul = check_number("CosineDecayRestarts", "m_mul", m_mul, 0)
        self.alpha = check_number("CosineDecayRestarts", "alpha", alpha, 0, 1)
        self.name = name

    def __call__(self, step):
        done = step / self.first_decay_steps
        if self.t_mul == 1.0:
            restart = math.floor(done)
            done -= restart
        else:         # cycles 0..i-1 cover (1 - t_mul^i) / (1 - t_mul) first cycles
            restart = math.floor(math.log(1.0 - done * (1.0 - self.t_mul)) / math.log(self.t_mul))
            covered = (1.0 - self.t_mul ** restart) / (1.0 - self.t_mul)
            done = (done - covered) / self.t_mul ** restart
        cosine = 0.5 * self.m_mul ** restart * (1.0 + math.cos(math.pi * done))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)


LearningRateSchedule = Schedule

__getattr__ = not_in_neurona(__name__, "schedule", registry.class_names)
