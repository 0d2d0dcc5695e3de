import numpy as np
import pytest

from neurona.base import check_X, check_y, target_kind
from neurona.linear import LinearRegression
from neurona.neurons import Perceptron


def test_params_round_trip_and_repr():
    model = Perceptron(learning_rate=0.5, activation="sign")
    assert model.get_params()["learning_rate"] == 0.5
    assert repr(model) == "Perceptron(activation='sign', learning_rate=0.5)"
    assert model.set_params(max_epochs=3) is model and model.max_epochs == 3
    with pytest.raises(ValueError, match="Invalid parameter 'eta' for estimator Perceptron"):
        model.set_params(eta=0.1)


def test_r2_score_agrees_with_scikit_learn():
    from sklearn.metrics import r2_score
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    y = X @ [1.0, 2.0] + rng.normal(size=50)
    model = LinearRegression(epochs=20, random_state=0).fit(X, y)
    assert model.score(X, y) == pytest.approx(r2_score(y, model.predict(X)), rel=1e-12)
    Y = np.column_stack([y, 2 * y + 1])
    both = LinearRegression(epochs=20, random_state=0).fit(X, Y)
    assert both.score(X, Y) == pytest.approx(r2_score(Y, both.predict(X)), rel=1e-12)


@pytest.mark.parametrize("y, kind", [
    ([0, 1, 1], "binary"), (["a", "b", "c"], "multiclass"), ([0.5, 1.0], "continuous"),
    ([1.0, 2.0, 3.0], "multiclass"), ([[0, 1], [1, 1]], "multilabel-indicator"),
    ([[0, 2], [1, 1]], "multiclass-multioutput"), (np.array([1, "a"], dtype=object), "unknown"),
])
def test_target_kinds_as_scikit_learn_names_them(y, kind):
    from sklearn.utils.multiclass import type_of_target
    assert target_kind(np.asarray(y)) == kind
    if kind != "unknown":
        assert type_of_target(np.asarray(y)) == kind


@pytest.mark.parametrize("X, error, words", [
    (None, ValueError, "needs X"), ([1.0, 2.0], ValueError, "Reshape your data"),
    (np.zeros((0, 2)), ValueError, "0 sample"), (np.zeros((3, 0)), ValueError, "0 feature"),
    ([[1.0, np.nan]], ValueError, "NaN"), ([["a"]], TypeError, "must hold numbers"),
    ([[1 + 2j]], ValueError, "Complex data not supported"),
])
def test_check_X_errors(X, error, words):
    with pytest.raises(error, match=words):
        check_X("Model", X)


def test_check_y_errors():
    with pytest.raises(ValueError, match="requires y to be passed"):
        check_y("Model", None, 3)
    with pytest.raises(ValueError, match="inconsistent numbers of samples: 3 and 2"):
        check_y("Model", [1, 2], 3)
