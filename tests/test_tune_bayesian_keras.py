r"""Bayesian optimisation against Keras Tuner's: the Gaussian process's posterior (mean and spread,
so the acquisition mu - beta sigma) against the scikit-learn regressor Keras Tuner's oracle builds,
on the same trials; how many random trials come first (fixed parameters counted, as Keras Tuner
counts them); and the pessimistic score a trial still running is given."""
import math
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras_tuner = pytest.importorskip("keras_tuner")
pytest.importorskip("sklearn")

from neurona.tune import BayesianOptimizationOracle, HyperParameters, TrialStatus  # noqa: E402
from neurona.tune.gaussian_process import GaussianProcess  # noqa: E402
from neurona.tune.oracle import IDLE, STOPPED  # noqa: E402


def branin(x):
    x1, x2 = 15 * x[:, 0] - 5, 15 * x[:, 1]
    return (x2 - 5.1 / (4 * math.pi ** 2) * x1 ** 2 + 5 / math.pi * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * \
        np.cos(x1) + 10


SURFACES = {
    "branin, 12 trials": (lambda rng: rng.random((12, 2)), branin),
    "a wave, 6 trials": (lambda rng: rng.random((6, 1)), lambda x: np.sin(6 * x[:, 0]) + x[:, 0]),
    "a bowl in 3 parameters, 15 trials": (lambda rng: rng.random((15, 3)), lambda x: ((x - 0.4) ** 2).sum(1)),
}


@pytest.mark.parametrize("alpha", [1e-4, 1e-2])
@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_the_posterior_is_keras_tuner_s(surface, alpha):
    draw, function = SURFACES[surface]
    rng = np.random.default_rng(1)
    x = draw(rng)
    y = function(x)
    theirs = keras_tuner.oracles.BayesianOptimizationOracle(objective=keras_tuner.Objective("score", "min"),
                                                            max_trials=20, alpha=alpha, seed=0).gpr
    theirs.fit(x, y)
    ours = GaussianProcess(alpha).fit(x, y)
    # the same evidence for every length scale (on the standardised scores), maximised alike
    scales = np.logspace(-2, 1, 7)
    np.testing.assert_allclose(ours.log_marginal_likelihood(scales),
                               [theirs.log_marginal_likelihood(np.log([s])) for s in scales], rtol=1e-9)
    their_scale = theirs.kernel_.length_scale
    assert ours.length_scale == pytest.approx(their_scale, rel=0.03)
    assert ours.log_marginal_likelihood(ours.length_scale)[0] >= theirs.log_marginal_likelihood_value_ - 1e-2
    # so nearly the same posterior and acquisition mu - beta sigma
    points = rng.random((200, x.shape[1]))
    mu, sigma = ours.predict(points)
    their_mu, their_sigma = theirs.predict(points, return_std=True)
    np.testing.assert_allclose(mu, their_mu, atol=0.05 * y.std())
    np.testing.assert_allclose(sigma, their_sigma, atol=0.05 * y.std())
    beta = 2.6
    best, their_best = np.argmin(mu - beta * sigma), np.argmin(their_mu - beta * their_sigma)
    assert (their_mu - beta * their_sigma)[best] <= (their_mu - beta * their_sigma)[their_best] + 0.02 * y.std()


def random_trials_first(library, build, num_initial_points=None):
    r"""How many trials an oracle creates (each ended at once) before it first fits its process."""
    created, fits = 0, []
    if library == "keras":
        hp = keras_tuner.HyperParameters()
        build(hp)
        oracle = keras_tuner.oracles.BayesianOptimizationOracle(objective=keras_tuner.Objective("score", "min"),
                                                                max_trials=30, seed=0, hyperparameters=hp,
                                                                num_initial_points=num_initial_points)
        import tempfile
        oracle._set_project_dir(tempfile.mkdtemp(), "bayesian")
        fit = oracle.gpr.fit
        oracle.gpr.fit = lambda x, y: fits.append(created) or fit(x, y)
        while not fits:
            trial = oracle.create_trial(f"worker{created}")
            created += 1
            oracle.update_trial(trial.trial_id, {"score": float(created % 5)})
            trial.status = "COMPLETED"
            oracle.end_trial(trial)
    else:
        hp = HyperParameters()
        build(hp)
        oracle = BayesianOptimizationOracle(objective="val_loss", max_trials=30, seed=0, hyperparameters=hp,
                                            num_initial_points=num_initial_points)
        fit = oracle.gaussian_process.fit
        oracle.gaussian_process.fit = lambda x, y: fits.append(created) or fit(x, y)
        while not fits:
            trial = oracle.create_trial()
            assert trial not in (IDLE, STOPPED)
            created += 1
            trial.tries += 1
            oracle.end_trial(trial, {"status": TrialStatus.COMPLETED, "score": float(created % 5)})
    return fits[0]


SPACES = {
    "one float": lambda hp: hp.Float("x", 0.0, 1.0),
    "a float and a fixed value": lambda hp: (hp.Float("x", 0.0, 1.0), hp.Fixed("units", 8)),
    "three": lambda hp: (hp.Float("x", 0.0, 1.0), hp.Int("units", 4, 64), hp.Choice("kind", ["a", "b"]),
                         hp.Fixed("seed", 3)),
}


@pytest.mark.parametrize("num_initial_points", [None, 4])
@pytest.mark.parametrize("space", sorted(SPACES))
def test_as_many_random_trials_first_as_keras_tuner(space, num_initial_points, capsys):
    build = SPACES[space]
    assert random_trials_first("neurona", build, num_initial_points) == \
        random_trials_first("keras", build, num_initial_points)


def test_a_running_trial_counts_as_its_pessimistic_guess():
    # Keras Tuner's guess for a trial still running: mu + sigma of the process fitted to the finished trials
    hp = HyperParameters()
    hp.Float("x", 0.0, 1.0)
    oracle = BayesianOptimizationOracle(objective="val_loss", max_trials=10, seed=0, hyperparameters=hp,
                                        num_initial_points=3)
    for n in range(3):
        trial = oracle.create_trial()
        trial.tries += 1
        oracle.end_trial(trial, {"status": TrialStatus.COMPLETED, "score": (trial.values["x"] - 0.3) ** 2})
    running = oracle.create_trial()
    fitted = []
    fit = oracle.gaussian_process.fit
    oracle.gaussian_process.fit = lambda x, y: fitted.append((np.array(x), np.array(y))) or fit(x, y)
    oracle.create_trial()
    (x, y), (x_all, y_all) = fitted
    mu, sigma = GaussianProcess(oracle.alpha).fit(x, y).predict(np.array([[hp.space[0].value_to_prob(
        running.values["x"])]]))
    assert len(y_all) == len(y) + 1 and y_all[-1] == pytest.approx(mu[0] + sigma[0])
