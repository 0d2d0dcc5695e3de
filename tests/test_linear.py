import warnings

import numpy as np
import pytest

import neurona as nr
from neurona.linear import LinearRegression, LogisticRegression, NumericalSlopeModel, SoftmaxRegression


# seed 000, "Estudio del precio del chocolate": liking -> price the customer will pay, y = W x + 0
CHOCOLATE_LIKING = np.array([1, 1.5, 2, 2.25, 3, 3.1, 3.5]).reshape(-1, 1)
CHOCOLATE_PRICE = np.array([10, 15, 20, 22.5, 30, 31, 35])


@pytest.mark.parametrize("solver", ["gradient", "numerical"])
def test_chocolate_prices_of_seed_000(solver):
    model = LinearRegression(fit_intercept=False, solver=solver, learning_rate=0.05, epochs=200,
                             batch_size=None, tol=None).fit(CHOCOLATE_LIKING, CHOCOLATE_PRICE)
    assert model.coef_ == pytest.approx([10.0], abs=1e-5)
    assert model.intercept_ == 0.0
    assert model.predict([[4]]) == pytest.approx([40.0], abs=1e-4)      # the last customer's ???
    with_intercept = LinearRegression(solver=solver, learning_rate=0.05, epochs=3000, batch_size=None,
                                      tol=None).fit(CHOCOLATE_LIKING, CHOCOLATE_PRICE)
    assert with_intercept.coef_ == pytest.approx([10.0], abs=1e-3)
    assert with_intercept.intercept_ == pytest.approx(0.0, abs=1e-3)


def test_linear_regression_with_its_defaults_is_fitted_on_the_chocolate_prices():
    # as scikit-learn's SGDRegressor: a tolerance stops it, under a generous cap (was 100 epochs: 38.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", nr.base.ConvergenceWarning)
        model = LinearRegression().fit(CHOCOLATE_LIKING, CHOCOLATE_PRICE)
    assert model.n_iter_ < model.epochs
    assert model.predict([[4]]) == pytest.approx([40.0], abs=0.1)
    assert model.coef_ == pytest.approx([10.0], abs=0.1)


def test_linear_regression_warns_when_the_cap_comes_before_convergence():
    with pytest.warns(nr.base.ConvergenceWarning, match=r"did not converge: after all 100 epochs .* tol=0.0001"):
        model = LinearRegression(epochs=100).fit(CHOCOLATE_LIKING, CHOCOLATE_PRICE)
    assert model.n_iter_ == 100
    with warnings.catch_warnings():
        warnings.simplefilter("error", nr.base.ConvergenceWarning)
        LinearRegression(epochs=100, tol=None).fit(CHOCOLATE_LIKING, CHOCOLATE_PRICE)   # every epoch asked for
        LinearRegression(epochs=5000, tol=1e-2).fit(CHOCOLATE_LIKING, CHOCOLATE_PRICE)  # stopped by tol


def test_numerical_slopes_follow_the_analytic_gradient():
    # seed 004's line y = x + 3 + noise, both solvers from the same start, step by step
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (100, 1))
    y = x[:, 0] + 3 + rng.uniform(-0.5, 0.5, 100)
    settings = dict(learning_rate=0.1, epochs=500, batch_size=None, tol=None)
    analytic = LinearRegression(**settings).fit(x, y)
    numerical = LinearRegression(solver="numerical", **settings).fit(x, y)
    assert isinstance(numerical.model_, NumericalSlopeModel)
    np.testing.assert_allclose(numerical.coef_, analytic.coef_, atol=1e-4)
    assert numerical.intercept_ == pytest.approx(analytic.intercept_, abs=1e-4)
    np.testing.assert_allclose(numerical.loss_curve_, analytic.loss_curve_, rtol=1e-4)
    exact, *_ = np.linalg.lstsq(np.hstack([x, np.ones((100, 1))]), y, rcond=None)
    np.testing.assert_allclose([analytic.coef_[0], analytic.intercept_], exact, atol=1e-6)


def test_linear_regression_matches_least_squares():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    y = X @ [2.0, -1.0, 0.5] + 4.0 + 0.1 * rng.normal(size=200)
    model = LinearRegression(learning_rate=0.1, epochs=300, batch_size=None, tol=None).fit(X, y)
    exact, *_ = np.linalg.lstsq(np.hstack([X, np.ones((200, 1))]), y, rcond=None)
    np.testing.assert_allclose(model.coef_, exact[:3], atol=1e-6)
    assert model.intercept_ == pytest.approx(exact[3], abs=1e-6)
    Y = np.column_stack([y, -y])                              # two targets at once
    both = LinearRegression(learning_rate=0.1, epochs=300, batch_size=None, tol=None).fit(X, Y)
    assert both.coef_.shape == (2, 3) and both.predict(X).shape == (200, 2)
    np.testing.assert_allclose(both.coef_[1], -both.coef_[0], atol=1e-6)


def test_linear_regression_trace_shows_each_step():
    lines = []
    LinearRegression(fit_intercept=False, learning_rate=0.05, epochs=1, batch_size=None, tol=None,
                     trace=lines.append).fit(CHOCOLATE_LIKING, CHOCOLATE_PRICE)
    # J = mean (0 - y)^2 = 616.75;  dJ/dw = 2/N sum (w x - y) x = -2 mean(10 x^2) = -123.35
    assert lines == ["epoch 1, batch 1: J = 616.75", "  dJ/dw11 = -123.35 ; w11 <- 0 - 0.05·(-123.35) = 6.1675"]
    lines.clear()
    LinearRegression(fit_intercept=False, solver="numerical", learning_rate=0.05, epochs=1, batch_size=None,
                     tol=None, trace=lines.append).fit(CHOCOLATE_LIKING, CHOCOLATE_PRICE)
    assert lines[1].startswith("  slope_w11 = (J(w11 + 1e-06) - J) / 1e-06 = (616.74987665")
    assert lines[1].endswith("= -123.35 ; w11 <- 0 - 0.05·(-123.35) = 6.1675")


def test_trace_writes_momentum_as_seed_004_velocity():
    lines = []
    LinearRegression(fit_intercept=False, learning_rate=0.05, momentum=0.9, epochs=2, batch_size=None, tol=None,
                     trace=lines.append).fit(CHOCOLATE_LIKING, CHOCOLATE_PRICE)
    # v = 0.9 v - 0.05 dJ/dw, w = w + v; the first step is the plain one, the second carries 0.9 of it
    assert lines[1] == "  dJ/dw11 = -123.35 ; v_w11 <- 0.9·0 - 0.05·(-123.35) = 6.1675 ; w11 <- 0 + 6.1675 = 6.1675"
    gradient = 2 * np.mean((6.1675 * CHOCOLATE_LIKING[:, 0] - CHOCOLATE_PRICE) * CHOCOLATE_LIKING[:, 0])
    velocity = 0.9 * 6.1675 - 0.05 * gradient
    assert lines[3] == (f"  dJ/dw11 = {gradient:.6g} ; v_w11 <- 0.9·6.1675 - 0.05·({gradient:.6g}) = {velocity:.6g} ; "
                        f"w11 <- 6.1675 + {velocity:.6g} = {6.1675 + velocity:.6g}")


def test_trace_names_other_optimizers_steps():
    lines = []
    LogisticRegression(optimizer="adam", epochs=1, batch_size=None, tol=None,
                       trace=lines.append).fit([[0.0], [1.0]], [0, 1])
    # Keras's Adam: epsilon is added to sqrt(v) before the bias correction, so the first step is
    # lr sqrt(1 - beta_2) |g| / (sqrt(1 - beta_2) |g| + eps) = 0.1 (1 - 1.26e-5), not quite lr
    step = 0.1 * np.sqrt(0.001) * 0.25 / (np.sqrt(0.001) * 0.25 + 1e-7)
    assert lines[1] == f"  dJ/dw11 = -0.25 ; w11 <- 0 -> {step:.6g} (Adam step)"


def _breast_cancer_500_69(seed=None):
    r"""Scaled breast cancer, 500 samples to train and 69 to test: seed 004's x[:500] / x[500:], or a
    shuffled split of the same sizes with ``seed``."""
    x, y = nr.datasets.load("breast_cancer")
    if seed is None:
        x_train, x_test, y_train, y_test = x[:500], x[500:], y[:500], y[500:]
    else:
        x_train, x_test, y_train, y_test = nr.data.train_test_split(x, y, test_size=69 / 569, seed=seed)
    scaler = nr.data.StandardScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_test), y_train, y_test


def _seed_004_logistic(seed):
    # mini-batches of 50, SGD + momentum 0.9
    return LogisticRegression(learning_rate=0.01, momentum=0.9, batch_size=50, epochs=100, random_state=seed)


def test_logistic_regression_on_breast_cancer():
    x_train, x_test, y_train, y_test = _breast_cancer_500_69()
    assert (x_train.shape, x_test.shape) == ((500, 30), (69, 30))
    model = _seed_004_logistic(0).fit(x_train, y_train)
    assert model.score(x_test, y_test) >= 0.95
    assert model.coef_.shape == (1, 30) and model.intercept_.shape == (1,)
    p = model.predict_proba(x_test)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    z = model.decision_function(x_test)
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-10)
    np.testing.assert_allclose(z, x_test @ model.coef_[0] + model.intercept_[0], rtol=1e-10)


def test_logistic_regression_on_shuffled_500_69_splits():
    # the 69 test samples of one split hold 3 to 4 hard cases, so the bar is on the mean of 8 splits
    scores = [_seed_004_logistic(seed).fit(x_train, y_train).score(x_test, y_test)
              for seed in range(8) for x_train, x_test, y_train, y_test in [_breast_cancer_500_69(seed)]]
    assert np.mean(scores) >= 0.95 and min(scores) >= 0.93, scores


def test_logistic_regression_agrees_with_scikit_learn():
    from sklearn.linear_model import LogisticRegression as SkLogistic
    x_train, x_test, y_train, _ = _breast_cancer_500_69()
    # an L2 penalty makes the optimum unique; sklearn's C = 1 / (lambda), our penalty is lambda/2m ||W||^2
    # on the mean loss, the same as sklearn's (1 / 2C) ||W||^2 on the summed loss with lambda = 1 / C
    ours = LogisticRegression(learning_rate=1.0, l2=1.0, batch_size=None, epochs=3000, tol=None).fit(x_train, y_train)
    theirs = SkLogistic(C=1.0, tol=1e-10, max_iter=10000).fit(x_train, y_train)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-3)
    np.testing.assert_allclose(ours.predict_proba(x_test), theirs.predict_proba(x_test), atol=1e-3)


def test_softmax_regression_agrees_with_scikit_learn():
    from sklearn.linear_model import LogisticRegression as SkLogistic
    x, y = nr.datasets.load("iris")
    x = nr.data.StandardScaler().fit_transform(x)
    # scikit-learn's multinomial logistic regression penalises all k weight vectors, as l2 does here
    ours = SoftmaxRegression(learning_rate=1.0, l2=1.0, batch_size=None, epochs=2000, tol=None).fit(x, y)
    theirs = SkLogistic(C=1.0, tol=1e-10, max_iter=10000).fit(x, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(x), theirs.predict_proba(x), atol=1e-5)


def test_l1_drives_weights_to_zero_and_early_stopping_keeps_the_best():
    x_train, x_test, y_train, y_test = _breast_cancer_500_69()
    dense = LogisticRegression(epochs=30, random_state=0).fit(x_train, y_train)
    sparse = LogisticRegression(epochs=30, l1=20.0, random_state=0).fit(x_train, y_train)
    assert np.sum(np.abs(sparse.coef_) < 0.02) > np.sum(np.abs(dense.coef_) < 0.02)
    stopped = LogisticRegression(epochs=500, early_stopping=True, n_iter_no_change=3, random_state=0).fit(x_train, y_train)
    assert stopped.n_iter_ < 500 and len(stopped.validation_scores_) == stopped.n_iter_
    assert stopped.score(x_test, y_test) >= 0.9


def test_softmax_regression_on_mnist(mnist_path):
    # seed 004: softmax regression, SGD with momentum 0.9, mini-batches of 50
    x_train, y_train, x_test, y_test = nr.datasets.load_mnist(mnist_path)
    model = SoftmaxRegression(optimizer="sgd", learning_rate=0.01, momentum=0.9, batch_size=50, epochs=5,
                              tol=None, random_state=0, dtype="float32").fit(x_train, y_train)
    accuracy = model.score(x_test, y_test)
    assert accuracy >= 0.91, accuracy
    assert model.coef_.shape == (10, 784) and model.predict_proba(x_test[:3]).shape == (3, 10)


def test_softmax_regression_on_iris_with_string_labels():
    x, y = nr.datasets.load("iris")
    x = nr.data.StandardScaler().fit_transform(x)
    names = np.array(nr.datasets.class_names("iris"))[y]
    model = SoftmaxRegression(epochs=200, random_state=0).fit(x, names)
    assert model.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert model.score(x, names) >= 0.95
    assert model.decision_function(x).shape == (150, 3)
    two = SoftmaxRegression(epochs=50, random_state=0).fit(x[:100], names[:100])
    z = two.decision_function(x[:100])              # two classes: the log-odds z_2 - z_1
    assert z.shape == (100,)
    np.testing.assert_allclose(two.predict_proba(x[:100])[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-9)


def test_bad_input_is_refused_and_changes_nothing():
    x, y = nr.datasets.load("iris")
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        LogisticRegression().fit(x, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        SoftmaxRegression().fit(x[:50], y[:50])
    with pytest.raises(TypeError, match="LinearRegression is a regressor: y must hold numbers"):
        LinearRegression().fit(x, np.array(["a", "b", "c"])[y])
    with pytest.raises(ValueError, match="solver='numerical' needs dtype='float64'"):
        LinearRegression(solver="numerical", dtype="float32").fit(x, x[:, 0])
    with pytest.raises(ValueError, match="'solver' argument of LinearRegression"):
        LinearRegression(solver="exact").fit(x, x[:, 0])
    with pytest.raises(TypeError, match="'fit_intercept' argument of LinearRegression must be True or False; got 'no'"):
        LinearRegression(fit_intercept="no").fit(x, x[:, 0])
    with pytest.raises(TypeError, match="'trace' argument of SoftmaxRegression must be True/False, a function"):
        SoftmaxRegression(trace=3).fit(x, y)
    with pytest.raises(ValueError, match="'momentum' argument of LogisticRegression applies to optimizer='sgd'"):
        LogisticRegression(optimizer="adam", momentum=0.9).fit(x[:100], y[:100])
    model = LinearRegression(epochs=5).fit(x, x[:, 0])
    coef = model.coef_.copy()
    with pytest.raises(ValueError, match="'learning_rate' argument of LinearRegression must be a number > 0"):
        model.set_params(learning_rate=-1).fit(x, x[:, 0])
    with pytest.raises(ValueError, match="X has 2 features, but LinearRegression is expecting 4"):
        model.predict(x[:, :2])
    np.testing.assert_array_equal(model.coef_, coef)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LinearRegression(epochs=2, tol=None).fit(x, x[:, 0])
