r"""Hyperband: many configurations for a few epochs, the best of them for more (successive halving),
in brackets of different aggressiveness so that an early loser that would have won late still has
a chance (Li et al. 2018, in Keras Tuner's form).

With R = max_epochs and factor eta, s_max + 1 brackets (s_max + 1 = how many times R can be
divided by eta staying >= 1), each with s + 1 rounds; bracket s, round r:

    trials  n(s, r) = ceil( ceil(1 + log_eta R) / (s + 1) * eta^(s - r) )
    epochs  e(s, r) = ceil( R / eta^(s - r) )

Round 0 of a bracket draws n(s, 0) random configurations; round r > 0 promotes the best n(s, r)
of round r - 1, each continuing from its parent's model file for e(s, r) - e(s, r - 1) more
epochs. The brackets run from s_max down to 0, ``hyperband_iterations`` times.
"""
from __future__ import annotations

import math

from .oracle import IDLE, RUNNING, STOPPED, Oracle
from .trial import TrialStatus


def num_brackets(max_epochs: int, factor: int, min_epochs: int = 1) -> int:
    epochs, brackets = max_epochs, 0
    while epochs >= min_epochs:
        epochs, brackets = epochs / factor, brackets + 1
    return brackets


def bracket_size(max_epochs: int, factor: int, bracket: int, round_num: int) -> int:
    r"""n(s, r): how many trials round r of bracket s trains."""
    end = math.ceil(1 + math.log(max_epochs, factor))
    return math.ceil(end / (bracket + 1) * factor ** (bracket - round_num))


def bracket_epochs(max_epochs: int, factor: int, bracket: int, round_num: int) -> int:
    r"""e(s, r): the epoch count a trial of round r of bracket s reaches."""
    return math.ceil(max_epochs / factor ** (bracket - round_num))


class HyperbandOracle(Oracle):
    def __init__(self, objective=None, max_epochs=100, factor=3, hyperband_iterations=1, seed=None,
                 hyperparameters=None, allow_new_entries=True, tune_new_entries=True, max_retries_per_trial=0,
                 max_consecutive_failed_trials=3, max_trials=None):
        super().__init__(objective, max_trials, hyperparameters, allow_new_entries, tune_new_entries, seed,
                         max_retries_per_trial, max_consecutive_failed_trials)
        if isinstance(max_epochs, bool) or not isinstance(max_epochs, int) or max_epochs < 1:
            raise ValueError(f"max_epochs must be a positive integer; got {max_epochs!r}.")
        if isinstance(factor, bool) or not isinstance(factor, int) or factor < 2:
            raise ValueError(f"factor must be an integer >= 2; got {factor!r}.")
        self.max_epochs, self.factor = max_epochs, factor
        self.hyperband_iterations = hyperband_iterations or math.inf
        self.current_iteration = 0
        self.current_bracket = num_brackets(max_epochs, factor) - 1
        self.brackets = [self._new_bracket()]

    def _new_bracket(self) -> dict:
        return {"bracket": self.current_bracket, "rounds": [[] for _ in range(self.current_bracket + 1)]}

    def _size(self, s, r):
        return bracket_size(self.max_epochs, self.factor, s, r)

    def _epochs(self, s, r):
        return bracket_epochs(self.max_epochs, self.factor, s, r)

    def populate_space(self, trial_id):
        self.brackets = [b for b in self.brackets
                         if len(b["rounds"][-1]) < self._size(b["bracket"], len(b["rounds"]) - 1)]
        for bracket in self.brackets:
            s, rounds = bracket["bracket"], bracket["rounds"]
            if len(rounds[0]) < self._size(s, 0):
                return self._random_trial(trial_id, bracket)
            for r in range(1, len(rounds)):
                promoted = self._promote(trial_id, bracket, r)
                if promoted is not None:
                    return promoted
        if self.current_bracket == 0 and self.current_iteration + 1 >= self.hyperband_iterations:
            return {"status": IDLE if self.ongoing_trials() else STOPPED}
        self.current_bracket -= 1
        if self.current_bracket < 0:
            self.current_bracket = num_brackets(self.max_epochs, self.factor) - 1
            self.current_iteration += 1
        self.brackets.append(self._new_bracket())
        return self._random_trial(trial_id, self.brackets[-1])

    def _promote(self, trial_id, bracket, r):
        r"""The best trial of round r - 1 not yet promoted, once the round's losers are known."""
        s, this_round, last_round = bracket["bracket"], bracket["rounds"][r], bracket["rounds"][r - 1]
        taken = {entry["parent"] for entry in this_round}
        candidates = [self.trials[entry["id"]] for entry in last_round if entry["id"] not in taken]
        candidates = [t for t in candidates if t.status == TrialStatus.COMPLETED]
        if len(candidates) <= self._size(s, r - 1) - self._size(s, r):
            return None
        best = min(candidates, key=lambda t: self.objective.sort_key(t.score))
        values = {k: v for k, v in best.values.items() if not k.startswith("tuner/")}
        values.update({"tuner/epochs": self._epochs(s, r), "tuner/initial_epoch": self._epochs(s, r - 1),
                       "tuner/bracket": s, "tuner/round": r, "tuner/trial_id": best.trial_id})
        this_round.append({"parent": best.trial_id, "id": trial_id})
        return {"status": RUNNING, "values": values}

    def _random_trial(self, trial_id, bracket):
        values = self.random_values(trial_id)
        if values is None:
            return {"status": IDLE if self.ongoing_trials() else STOPPED}
        s = bracket["bracket"]
        values.update({"tuner/epochs": self._epochs(s, 0), "tuner/initial_epoch": 0, "tuner/bracket": s,
                       "tuner/round": 0})
        bracket["rounds"][0].append({"parent": None, "id": trial_id})
        return {"status": RUNNING, "values": values}

    def get_state(self):
        return {**super().get_state(), "max_epochs": self.max_epochs, "factor": self.factor,
                "current_iteration": self.current_iteration, "current_bracket": self.current_bracket,
                "brackets": self.brackets}

    def set_state(self, state, trials):
        super().set_state(state, trials)
        self.current_iteration = state["current_iteration"]
        self.current_bracket = state["current_bracket"]
        self.brackets = state["brackets"]
