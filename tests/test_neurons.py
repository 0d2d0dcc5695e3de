import warnings

import numpy as np
import pytest

from neurona.base import ConvergenceWarning
from neurona.neurons import MIRA, AveragedPerceptron, McCullochPitts, Perceptron

X_LOGIC = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


# -- McCulloch-Pitts (seed 001) ------------------------------------------------------------------

def test_cinema_neuron_of_seed_001():
    # x1 weekend, x2 tasks to do, x3 cinema closed, x4 new film; theta = 2
    neuron = McCullochPitts(threshold=2)
    assert neuron.decision_function([[1, 0, 0, 1]]).tolist() == [2]
    assert neuron.predict([[1, 0, 0, 1]]).tolist() == [1]
    assert neuron.predict([1, 0, 0, 1]).tolist() == [1]          # one sample as a 1-D x


def test_inhibitory_input_forces_zero():
    neuron = McCullochPitts(threshold=2, inhibitory=[2])          # a closed cinema vetoes the plan
    assert neuron.predict([[1, 0, 0, 1], [1, 1, 1, 1], [1, 0, 1, 0]]).tolist() == [1, 0, 0]
    assert neuron.decision_function([[1, 1, 1, 1]]).tolist() == [3]   # z counts excitatory inputs only


@pytest.mark.parametrize("threshold, truth", [(2, [0, 0, 0, 1]), (1, [0, 1, 1, 1])], ids=["AND", "OR"])
def test_and_or_thresholds(threshold, truth):
    assert McCullochPitts(threshold=threshold).predict(X_LOGIC).tolist() == truth


def test_mcculloch_pitts_trace():
    lines = []
    McCullochPitts(threshold=2, inhibitory=[2], trace=lines.append).predict([[1, 0, 0, 1], [1, 1, 1, 0]])
    assert lines[0] == "z = x1 + x2 + x4 = 1 + 0 + 1 = 2 >= theta = 2 -> y_hat = 1"
    assert lines[1] == "z = x1 + x2 + x4 = 1 + 1 + 0 = 2 ; inhibitory x3 = 1 -> y_hat = 0"


@pytest.mark.parametrize("X, error, words", [
    ([[1, 0.5]], ValueError, "binary inputs"),
    ([[2, 0]], ValueError, "binary inputs"),
    ([["a", "b"]], TypeError, "binary inputs"),
    (np.zeros((0, 2)), ValueError, "shape"),
])
def test_mcculloch_pitts_rejects_non_binary_inputs(X, error, words):
    with pytest.raises(error, match=words):
        McCullochPitts(threshold=1).predict(X)


def test_mcculloch_pitts_bad_settings():
    with pytest.raises(TypeError, match="'threshold' argument of McCullochPitts must be a number"):
        McCullochPitts(threshold="two").predict([[1, 0]])
    with pytest.raises(ValueError, match="holds index 5"):
        McCullochPitts(threshold=1, inhibitory=[5]).predict([[1, 0]])
    with pytest.raises(TypeError, match="list of input indices"):
        McCullochPitts(threshold=1, inhibitory=["x1"]).predict([[1, 0]])


# -- the perceptron step of seed 001 -------------------------------------------------------------

def test_perceptron_step_of_seed_001():
    lines = []
    # email 1: x1 = 1, x2 = 5, y = 1; w11 = -1, w21 = 0, b1 = -0.5; eta = 0.5
    model = Perceptron(learning_rate=0.5, shuffle=False, max_epochs=1, trace=lines.append)
    with pytest.warns(ConvergenceWarning):
        model.fit([[1, 5], [1, 0]], [1, 0], coef_init=[[-1, 0]], intercept_init=[-0.5])
    step = "z = (-1)(1) + (0)(5) + (-0.5) = -1.5 -> y_hat = step(-1.5) = 0 ; w11 <- -1 + 0.5·(1 - 0)·1 = -0.5"
    assert lines[0] == "epoch 1, sample 1: x = (1, 5), y = 1"
    assert lines[1].startswith(step)
    assert lines[1].endswith("w21 <- 0 + 0.5·(1 - 0)·5 = 2.5 ; b1 <- -0.5 + 0.5·(1 - 0) = 0")
    assert model.coef_.tolist() == [[-0.5, 2.5]] and model.intercept_.tolist() == [0.0]
    assert "y = 0, no change" in lines[3]


def test_sign_activation_update():
    lines = []
    model = Perceptron(activation="sign", learning_rate=0.5, shuffle=False, max_epochs=1, trace=lines.append)
    with pytest.warns(ConvergenceWarning):
        model.fit([[1, 5], [2, 1]], [1, -1], coef_init=[[-1, 0]], intercept_init=[-0.5])
    # sign(-1.5) = -1 against y = 1: w11 <- -1 + 0.5 (1 - (-1)) 1 = 0
    assert lines[1].startswith("z = (-1)(1) + (0)(5) + (-0.5) = -1.5 -> y_hat = sign(-1.5) = -1 ; "
                               "w11 <- -1 + 0.5·(1 - (-1))·1 = 0")


# -- learning ------------------------------------------------------------------------------------

@pytest.mark.parametrize("truth", [[0, 0, 0, 1], [0, 1, 1, 1]], ids=["AND", "OR"])
@pytest.mark.parametrize("activation", ["step", "sign"])
def test_perceptron_learns_and_or(truth, activation):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = Perceptron(activation=activation, random_state=0).fit(X_LOGIC, truth)
    assert model.converged_ and model.mistakes_[-1] == 0
    assert model.predict(X_LOGIC).tolist() == truth
    assert model.score(X_LOGIC, truth) == 1.0


@pytest.mark.parametrize("cls", [Perceptron, AveragedPerceptron, MIRA])
def test_xor_never_converges_and_says_so(cls):
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = cls(max_epochs=50, random_state=0).fit(X_LOGIC, [0, 1, 1, 0])
    assert not model.converged_
    assert model.n_iter_ == 50 and min(model.mistakes_) > 0


def test_tol_stops_at_a_share_of_mistakes():
    X, y = _noisy_linear_set(100, seed=0, flip=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)        # stopping by tol is no failure
        model = Perceptron(max_epochs=100, tol=0.2, random_state=0).fit(X, y)
    assert model.n_iter_ < 100 and model.mistakes_[-1] <= 20 and not model.converged_


def test_multiclass_rule_of_seed_000():
    # three classes, no bias, eta = 0.5, starting from W0 (one row per class)
    W0 = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    X, y = np.array([[1.0, 2.0], [0.0, 0.0], [5.0, 5.0]]), np.array([0, 1, 2])
    model = Perceptron(learning_rate=0.5, shuffle=False, max_epochs=1, fit_intercept=False)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y, coef_init=W0)
    # sample 1: z = (2, 1, 0): class 0, right. sample 2: z = (0, 0, 0): argmax 0, wrong, but x = 0
    # moves nothing. sample 3: z = (5, 5, 0): argmax 0, wrong: w_2 <- 0 + 0.5 (5, 5) = (2.5, 2.5),
    # w_0 <- (0, 1) - 0.5 (5, 5) = (-2.5, -1.5)
    assert model.coef_.tolist() == [[-2.5, -1.5], [1.0, 0.0], [2.5, 2.5]]
    assert model.mistakes_ == [2]


def test_multiclass_perceptron_separates_three_blobs():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 4], [4, 0], [-4, -4]])
    X = np.vstack([rng.normal(c, 0.7, (30, 2)) for c in centres])
    y = np.repeat(["red", "green", "blue"], 30)
    model = Perceptron(random_state=0).fit(X, y)
    assert model.converged_ and model.score(X, y) == 1.0
    assert model.coef_.shape == (3, 2) and model.decision_function(X).shape == (90, 3)
    assert set(model.predict(X)) == {"red", "green", "blue"}


def test_several_binary_outputs_at_once_is_independent_units():
    Y = np.array([[0, 0], [0, 1], [0, 1], [1, 1]])          # AND and OR learned by one layer
    layer = Perceptron(shuffle=False).fit(X_LOGIC, Y)
    assert layer.coef_.shape == (2, 2) and layer.predict(X_LOGIC).tolist() == Y.tolist()
    for j in range(2):
        alone = Perceptron(shuffle=False).fit(X_LOGIC, Y[:, j])
        np.testing.assert_array_equal(layer.coef_[j], alone.coef_[0])
    with pytest.raises(ValueError, match=r"fitted on 2 binary outputs; y must be 2-D \(samples, outputs\); got shape \(4,\)"):
        layer.partial_fit(X_LOGIC, Y[:, 0])
    with pytest.raises(ValueError, match="y has 3 outputs but the model was fitted on 2"):
        layer.partial_fit(X_LOGIC, np.column_stack([Y, Y[:, 0]]))


@pytest.mark.parametrize("epochs", [1, 5])
def test_perceptron_and_averaged_match_scikit_learn(epochs):
    from sklearn.linear_model import SGDClassifier
    from sklearn.linear_model import Perceptron as SkPerceptron
    X, y = _noisy_linear_set(60, seed=1)
    i0 = np.argmax(y == 0)          # start on a class-0 sample: then z = 0 never decides anything
    order = np.r_[i0, np.delete(np.arange(y.size), i0)]
    X, y = X[order], y[order]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = Perceptron(shuffle=False, max_epochs=epochs).fit(X, y)
        theirs = SkPerceptron(shuffle=False, max_iter=epochs, tol=None, eta0=1.0).fit(X, y)
        ours_avg = AveragedPerceptron(shuffle=False, max_epochs=epochs).fit(X, y)
        theirs_avg = SGDClassifier(loss="perceptron", penalty=None, learning_rate="constant", eta0=1.0,
                                   shuffle=False, max_iter=epochs, tol=None, average=True).fit(X, y)
    np.testing.assert_array_equal(ours.coef_, theirs.coef_)
    np.testing.assert_array_equal(ours.intercept_, theirs.intercept_)
    np.testing.assert_allclose(ours_avg.coef_, theirs_avg.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours_avg.intercept_, theirs_avg.intercept_, rtol=1e-12, atol=1e-12)


def test_mira_matches_passive_aggressive_of_scikit_learn():
    # without an intercept: scikit-learn leaves the bias input out of ||x||^2, the slides keep x0 = 1
    from sklearn.linear_model import PassiveAggressiveClassifier
    X, y = _noisy_linear_set(60, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = MIRA(C=0.5, shuffle=False, max_epochs=3, fit_intercept=False).fit(X, y)
        theirs = PassiveAggressiveClassifier(C=0.5, shuffle=False, max_iter=3, tol=None,
                                             fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12)


def test_mira_step_is_the_smallest_fix():
    lines = []
    model = MIRA(C=10.0, shuffle=False, max_epochs=1, trace=lines.append)
    model.fit([[1.0, 2.0], [-1.0, -1.0]], [1, 0])
    # first sample: z = 0, loss = 1, ||x||^2 = 1 + 4 + 1 (bias) = 6, tau = 1/6; after it z = 1 exactly
    assert "tau = min(C, loss / ||x||^2) = min(10, 1 / 6) = 0.166667" in lines[1]
    assert lines[1].endswith("w11 <- 0 + 0.166667·(1)·1 = 0.166667 ; w21 <- 0 + 0.166667·(1)·2 = 0.333333 ; "
                             "b1 <- 0 + 0.166667·(1) = 0.166667")
    assert model.score([[1.0, 2.0], [-1.0, -1.0]], [1, 0]) == 1.0
    one = MIRA(C=10.0).partial_fit([[1.0, 2.0]], [1], classes=[0, 1])
    np.testing.assert_allclose(one.coef_, [[1 / 6, 2 / 6]])
    np.testing.assert_allclose(one.intercept_, [1 / 6])
    assert one.decision_function([[1.0, 2.0]])[0] == pytest.approx(1.0)    # the margin is 1, no more


def test_multiclass_mira_step_leaves_a_margin_of_exactly_one_over_the_rival():
    # z = 0 for every class at the start: loss = 1 - (z_y - z_r) = 1, ||x||^2 = 1 + 4 + 1 (bias) = 6,
    # tau = 1 / (2 * 6); w_y gains tau x and w_r loses it, so z_y - z_r grows by 2 tau ||x||^2 = 1
    x, lines = np.array([1.0, 2.0]), []
    model = MIRA(C=10.0, shuffle=False, max_epochs=1, trace=lines.append)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit([x, -x, [0.0, 3.0]], ["a", "b", "c"])
    assert lines[1] == "z = x W^T + b = (0, 0, 0) ; loss = max(0, 1 - (z_'a' - z_'b')) = 1 ; " \
                       "tau = min(C, loss / (2 ||x||^2)) = 0.0833333"
    z = MIRA(C=10.0, shuffle=False, max_epochs=1).partial_fit([x], ["a"], classes=["a", "b", "c"]).decision_function([x])[0]
    assert z.tolist() == pytest.approx([0.5, -0.5, 0.0])        # z_a - z_b = 1; c, not the rival r, unmoved
    capped = MIRA(C=0.05, shuffle=False, max_epochs=1).partial_fit([x], ["a"], classes=["a", "b", "c"])
    assert capped.coef_[0].tolist() == pytest.approx([0.05, 0.1])          # tau = C: the step is capped


def _noisy_linear_set(n, seed, flip=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X @ [1.5, -1.0] + 0.3 > 0).astype(int)
    noisy = rng.random(n) < flip
    y[noisy] = 1 - y[noisy]
    return X, y


def test_averaged_and_mira_generalise_at_least_as_well_on_noisy_data():
    # 15% of the training labels flipped; the test labels are clean. The plain perceptron ends on
    # whatever the last mistakes made of w; averaging smooths them out, and MIRA's cap C keeps one
    # mislabelled example from moving w far (C = 0.1: a small cap is what noisy labels call for;
    # with C = 1 MIRA jumps as far as the perceptron and is no better on this set).
    scores = {Perceptron: [], AveragedPerceptron: [], MIRA: []}
    for seed in range(8):
        X, y = _noisy_linear_set(300, seed, flip=0.15)
        X_test, y_test = _noisy_linear_set(2000, seed + 1000)
        for cls in scores:
            settings = {"C": 0.1} if cls is MIRA else {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model = cls(max_epochs=10, random_state=seed, **settings).fit(X, y)
            scores[cls].append(model.score(X_test, y_test))
    plain = np.mean(scores[Perceptron])
    assert np.mean(scores[AveragedPerceptron]) >= plain + 0.05, scores
    assert np.mean(scores[MIRA]) >= plain + 0.05, scores


# -- online learning and initial weights ---------------------------------------------------------

def test_partial_fit_learns_online_and_checks_classes():
    model = Perceptron(shuffle=False)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(X_LOGIC, [0, 0, 0, 1])
    for _ in range(10):
        model.partial_fit(X_LOGIC, [0, 0, 0, 1], classes=[0, 1])
    assert model.predict(X_LOGIC).tolist() == [0, 0, 0, 1] and model.converged_
    before = (model.coef_.copy(), model.intercept_.copy(), model.t_)
    with pytest.raises(ValueError, match="label 2, which is not among the classes"):
        model.partial_fit([[1, 1], [0, 0]], [1, 2])
    with pytest.raises(ValueError, match="X has 3 features, but Perceptron is expecting 2"):
        model.partial_fit([[1, 1, 1]], [1])
    with pytest.raises(ValueError, match="not the same as on the first call"):
        model.partial_fit([[1, 1]], [1], classes=[0, 1, 2])
    np.testing.assert_array_equal(model.coef_, before[0])     # nothing half-updated
    np.testing.assert_array_equal(model.intercept_, before[1])
    assert model.t_ == before[2]


def test_partial_fit_class_seen_later():
    model = Perceptron(shuffle=False).partial_fit([[0.0, 1.0]], ["a"], classes=["a", "b", "c"])
    model.partial_fit([[1.0, 0.0]], ["c"])
    assert model.classes_.tolist() == ["a", "b", "c"] and model.coef_.shape == (3, 2)
    assert model.predict([[1.0, 0.0]]).tolist() == ["c"]          # "c" learned at its first sight


def test_init_random_zeros_and_given():
    X, y = _noisy_linear_set(20, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = Perceptron(init="random", random_state=7, max_epochs=1).fit(X, y).coef_
        again = Perceptron(init="random", random_state=7, max_epochs=1).fit(X, y).coef_
    np.testing.assert_array_equal(first, again)
    # a sample already on its right side changes nothing: the given weights come back unchanged
    model = Perceptron(max_epochs=1, shuffle=False).fit([[1.0, 1.0], [-1.0, -1.0]], [1, 0],
                                                         coef_init=[3.0, 4.0], intercept_init=0.5)
    assert model.coef_.tolist() == [[3.0, 4.0]] and model.intercept_.tolist() == [0.5]
    with pytest.warns(ConvergenceWarning):     # from zeros: z = 0 -> step says 1, wrong for sample 2
        model = Perceptron(max_epochs=1, shuffle=False).fit([[1.0, 1.0], [-1.0, -1.0]], [1, 0])
    assert model.coef_.tolist() == [[1.0, 1.0]] and model.intercept_.tolist() == [-1.0]
    with pytest.raises(ValueError, match="'coef_init' argument of Perceptron.fit must have shape \\(1, 2\\)"):
        Perceptron().fit(X, y, coef_init=[[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="'coef_init' argument of Perceptron.fit must have shape \\(3, 2\\); got shape \\(6,\\)"):
        Perceptron().fit(X_LOGIC, [0, 1, 2, 1], coef_init=np.arange(6.0))      # 1-D only for a single unit
    with pytest.raises(ValueError, match="'init' argument of Perceptron must be 'zeros' or 'random'"):
        Perceptron(init="ones").fit(X, y)


@pytest.mark.parametrize("bad, error, words", [
    ({"learning_rate": 0}, ValueError, "'learning_rate' argument of Perceptron must be a number > 0"),
    ({"activation": "relu"}, ValueError, "'step' or 'sign'"),
    ({"max_epochs": 2.5}, TypeError, "'max_epochs' argument of Perceptron must be an integer"),
    ({"trace": 3}, TypeError, "'trace' argument of Perceptron must be"),
    ({"shuffle": "yes"}, TypeError, "'shuffle' argument of Perceptron must be True or False; got 'yes'"),
    ({"fit_intercept": 0}, TypeError, "'fit_intercept' argument of Perceptron must be True or False; got 0"),
])
def test_perceptron_bad_settings(bad, error, words):
    with pytest.raises(error, match=words):
        Perceptron(**bad).fit(X_LOGIC, [0, 0, 0, 1])


def test_classifier_bad_targets():
    with pytest.raises(ValueError, match="at least 2 classes.*only 1 class"):
        Perceptron().fit(X_LOGIC, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        MIRA().fit(X_LOGIC, [0.5, 1.5, 0.2, 3.3])
    with pytest.raises(ValueError, match="y holds 1 non-finite value.*first at index 2"):
        MIRA().fit(X_LOGIC, [0, 1, np.nan, 1])
    with pytest.raises(ValueError, match="X has 3 features, but AveragedPerceptron is expecting 2"):
        AveragedPerceptron().fit(X_LOGIC, [0, 0, 0, 1]).predict([[1, 2, 3]])


def test_trace_to_file_path_is_written_whole(tmp_path):
    path = tmp_path / "trace.txt"
    with pytest.warns(ConvergenceWarning):
        Perceptron(max_epochs=2, shuffle=False, trace=str(path)).fit(X_LOGIC, [0, 1, 1, 0])
    text = path.read_text(encoding="utf-8").splitlines()
    assert len(text) == 2 * 4 * 2 and text[0] == "epoch 1, sample 1: x = (0, 0), y = 0"
    assert [p.name for p in tmp_path.iterdir()] == ["trace.txt"]          # no temporary left behind
