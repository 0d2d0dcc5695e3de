r"""Bayesian optimisation: a Gaussian process (Matern 5/2) fitted to the scores so far, and the
next trial where an upper confidence bound says the best score may be.

Every parameter is seen through its cumulative probability p in [0, 1) (``hyperparameters``), so
the process works in the unit cube. For a minimised score y (a maximised one is negated):

    acquisition(x) = mu(x) - beta sigma(x)          (the lower confidence bound of y, minimised)

beta trades exploitation (small: trust mu) against exploration (large: go where sigma is big).
The first ``num_initial_points`` trials (default 3 per parameter of the space, fixed ones
included, as Keras Tuner counts) are random. Trials still running count as if they had scored a
pessimistic guess, mu + sigma of the process fitted to the finished ones (Keras Tuner's), so that
parallel workers are not all sent to the same point.
"""
from __future__ import annotations

import numpy as np

from .gaussian_process import GaussianProcess
from .oracle import RUNNING, STOPPED, Oracle, values_hash
from .trial import TrialStatus


class BayesianOptimizationOracle(Oracle):
    def __init__(self, objective=None, max_trials=10, num_initial_points=None, alpha=1e-4, beta=2.6, seed=None,
                 hyperparameters=None, allow_new_entries=True, tune_new_entries=True, max_retries_per_trial=0,
                 max_consecutive_failed_trials=3):
        super().__init__(objective, max_trials, hyperparameters, allow_new_entries, tune_new_entries, seed,
                         max_retries_per_trial, max_consecutive_failed_trials)
        if num_initial_points is not None and (not isinstance(num_initial_points, int) or num_initial_points < 1):
            raise ValueError(f"num_initial_points must be a positive integer or None; got {num_initial_points!r}.")
        if not beta >= 0:
            raise ValueError(f"beta must be >= 0; got {beta!r}.")
        self.num_initial_points, self.alpha, self.beta = num_initial_points, float(alpha), float(beta)
        self.gaussian_process = GaussianProcess(self.alpha)

    def _tuned(self):
        return [hp for hp in self.hyperparameters.space if type(hp).__name__ != "Fixed"]

    def _encode(self, trial) -> np.ndarray:
        r"""A trial's point in the unit cube (an inactive parameter at its default's place)."""
        values = trial.values
        return np.array([hp.value_to_prob(values[hp.name] if values.get(hp.name) is not None else hp.default)
                         for hp in self._tuned()])

    def _decode(self, point) -> dict:
        hps = self.hyperparameters.copy()
        for hp, prob in zip(self._tuned(), point):
            hps.set(hp.name, hp.prob_to_value(float(np.clip(prob, 0.0, 1.0 - 1e-12))))
        return hps.values

    def populate_space(self, trial_id):
        tuned = self._tuned()
        n_initial = self.num_initial_points or max(3 * len(self.hyperparameters.space), 3)
        scored = [t for t in self.scored_trials()]
        if not tuned or len(scored) < n_initial or len(self.trials) < n_initial:
            values = self.random_values(trial_id)
            return {"status": STOPPED} if values is None else {"status": RUNNING, "values": values}
        sign = 1.0 if self.objective.direction == "min" else -1.0
        x = np.array([self._encode(t) for t in scored])
        y = np.array([sign * t.score for t in scored])
        running = [t for t in self.trials.values() if t.status == TrialStatus.RUNNING]
        if running:
            pending = np.array([self._encode(t) for t in running])
            mu, sigma = self.gaussian_process.fit(x, y).predict(pending)
            x, y = np.vstack([x, pending]), np.concatenate([y, mu + sigma])
        self.gaussian_process.fit(x, y)
        point = self._minimise_acquisition(self.rng_for(trial_id), len(tuned))
        values = self._decode(point)
        seen = {values_hash(t.values) for t in self.trials.values()}
        if values_hash(values) in seen:       # the bound points at a tried point: draw one instead
            values = self.random_values(trial_id)
            if values is None:
                return {"status": STOPPED}
        return {"status": RUNNING, "values": values}

    def _acquisition(self, points):
        mu, sigma = self.gaussian_process.predict(points)
        return mu - self.beta * sigma

    def _minimise_acquisition(self, rng, dim, n_random=1000, n_local=20, rounds=5):
        r"""Random points of the cube, then shrinking Gaussian steps around the best of them."""
        points = rng.random((n_random, dim))
        values = self._acquisition(points)
        best = points[np.argsort(values)[:n_local]]
        best_values = np.sort(values)[:n_local]
        scale = 0.1
        for _ in range(rounds):
            moved = np.clip(best + rng.normal(0.0, scale, best.shape), 0.0, 1.0 - 1e-12)
            moved_values = self._acquisition(moved)
            better = moved_values < best_values
            best[better], best_values[better] = moved[better], moved_values[better]
            scale /= 2
        return best[int(np.argmin(best_values))]

    def get_state(self):
        return {**super().get_state(), "num_initial_points": self.num_initial_points, "alpha": self.alpha,
                "beta": self.beta}
