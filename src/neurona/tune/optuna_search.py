r"""Optuna drives the search (the ``neurona[optuna]`` extra): each trial is ``study.ask()``, its
values are suggested from the same ``HyperParameters`` the build defined, and its outcome is
``study.tell(...)``. The sampler is Optuna's (TPE by default, any ``optuna.samplers`` object),
and a pruner (``optuna.pruners.MedianPruner()``, ...) stops a trial whose epoch-end reports fall
behind; a pruned trial ends STOPPED, scored on the epochs it ran.

How each parameter meets Optuna:

    Int / Float, linear or log, no step       suggest_int / suggest_float (log=True for log)
    Int / Float, linear with a step           the same with step= (the top value a + k step <= b)
    log or reverse_log with a step            suggest_categorical of the values (Optuna refuses
                                              a step on a log scale)
    reverse_log without a step                suggest_float of p in [0, 1), mapped by the parameter
    Choice, Boolean                           suggest_categorical;  Fixed: not suggested
"""
from __future__ import annotations

import math

from .hyperparameters import Choice, Fixed, Float, Int
from .oracle import RUNNING, Oracle
from .trial import TrialStatus


def _optuna():
    try:
        import optuna
    except ImportError as error:
        raise ImportError("OptunaSearch needs optuna: pip install optuna (or pip install \".[optuna]\" in neurona's "
                          "checkout).") from error
    return optuna


def distribution(hp):
    r"""(Optuna distribution, value -> Optuna's parameter, Optuna's parameter -> value) of ``hp``."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
    same = (lambda v: v, lambda v: v)
    if isinstance(hp, Choice):
        return CategoricalDistribution(hp.values), *same
    if hp.sampling != "linear" and hp.step is not None:
        return CategoricalDistribution(list(hp.values)), *same
    if hp.sampling == "reverse_log":
        return FloatDistribution(0.0, 1.0 - 1e-12), hp.value_to_prob, hp.prob_to_value
    if isinstance(hp, Int):
        top = hp.min_value + (hp.step_count() - 1) * hp.step if hp.step else hp.max_value
        return IntDistribution(hp.min_value, top, log=hp.sampling == "log", step=hp.step or 1), *same
    if isinstance(hp, Float):
        top = hp.min_value + (hp.step_count() - 1) * hp.step if hp.step else hp.max_value
        return FloatDistribution(hp.min_value, top, log=hp.sampling == "log", step=hp.step), *same
    raise TypeError(f"OptunaSearch cannot search {hp!r}.")


def suggest(asked, name, dist):
    r"""Optuna's suggestion for ``name`` from ``dist``, through the trial's public suggest_* calls."""
    from optuna.distributions import CategoricalDistribution, IntDistribution
    if isinstance(dist, CategoricalDistribution):
        return asked.suggest_categorical(name, list(dist.choices))
    if isinstance(dist, IntDistribution):
        return asked.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    return asked.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)


class OptunaOracle(Oracle):
    def __init__(self, objective=None, max_trials=10, sampler=None, pruner=None, seed=None, hyperparameters=None,
                 allow_new_entries=True, tune_new_entries=True, max_retries_per_trial=0,
                 max_consecutive_failed_trials=3):
        super().__init__(objective, max_trials, hyperparameters, allow_new_entries, tune_new_entries, seed,
                         max_retries_per_trial, max_consecutive_failed_trials)
        optuna = _optuna()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.sampler = sampler if sampler is not None else optuna.samplers.TPESampler(seed=self.seed)
        self.pruner = pruner
        self._new_study()

    def _new_study(self):
        optuna = _optuna()
        self.study = optuna.create_study(sampler=self.sampler, pruner=self.pruner or optuna.pruners.NopPruner(),
                                         direction="minimize" if self.objective.direction == "min" else "maximize")
        self.asked = {}

    def populate_space(self, trial_id):
        asked = self.study.ask()
        hps = self.hyperparameters.copy()
        for hp in hps.space:
            if not hps.is_active(hp) or isinstance(hp, Fixed):
                continue
            dist, _, to_value = distribution(hp)
            hps.set(hp.name, to_value(suggest(asked, hp.name, dist)))
        self.asked[trial_id] = asked
        return {"status": RUNNING, "values": hps.values}

    def report(self, trial_id: str, epoch: int, value: float) -> bool:
        r"""An epoch-end value of a running trial; True if the pruner says stop."""
        asked = self.asked.get(trial_id)
        if asked is None or value is None or math.isnan(value):
            return False
        asked.report(value, epoch)
        return asked.should_prune()

    def trial_ended(self, trial):
        from optuna.trial import TrialState
        asked = self.asked.pop(trial.trial_id, None)
        if asked is None:
            return
        if trial.status == TrialStatus.COMPLETED:
            self.study.tell(asked, trial.score)
        elif trial.status == TrialStatus.STOPPED:
            self.study.tell(asked, state=TrialState.PRUNED)
        else:
            self.study.tell(asked, state=TrialState.FAIL)

    def set_state(self, state, trials):
        super().set_state(state, trials)
        optuna = _optuna()
        self._new_study()
        for trial in self.trials.values():
            if trial.status != TrialStatus.COMPLETED:
                continue
            params, dists = {}, {}
            for hp in self.hyperparameters.space:
                value = trial.values.get(hp.name)
                if value is None or isinstance(hp, Fixed):
                    continue
                dist, to_param, _ = distribution(hp)
                params[hp.name], dists[hp.name] = to_param(value), dist
            self.study.add_trial(optuna.trial.create_trial(params=params, distributions=dists, value=trial.score))
