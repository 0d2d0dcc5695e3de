import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import neurona as nr
from neurona.base import ConvergenceWarning, NotFittedError
from neurona.estimators import NeuralClassifier, NeuralRegressor
from neurona.linear import LinearRegression, LogisticRegression, SoftmaxRegression
from neurona.neurons import MIRA, AveragedPerceptron, Perceptron

# small budgets keep the ~60 checks per estimator fast; the defaults pass them too
ESTIMATORS = [
    Perceptron(max_epochs=20), AveragedPerceptron(max_epochs=20), MIRA(max_epochs=20),
    LinearRegression(epochs=30), LogisticRegression(epochs=30), SoftmaxRegression(epochs=30),
    NeuralClassifier(hidden_layer_sizes=(16,), epochs=30, learning_rate=0.01),
    NeuralRegressor(hidden_layer_sizes=(16,), epochs=30, learning_rate=0.01),
]


def not_applicable(estimator):
    r"""The checks that do not apply, with why; scikit-learn skips them itself, nothing fails."""
    reasons = {"check_array_api_input": "neurona computes with NumPy arrays; it takes no other array API"}
    if isinstance(estimator, (Perceptron, MIRA)):
        reasons["check_classifiers_multilabel_output_format_predict_proba"] = (
            "perceptrons give classes and scores, no probabilities (no predict_proba)")
    return reasons


with warnings.catch_warnings():     # neurona's estimators keep the conventions without sklearn's base class
    warnings.filterwarnings("ignore", message="Estimator .* does not inherit from `sklearn.base.BaseEstimator`")
    contract = parametrize_with_checks(ESTIMATORS, expected_failed_checks=not_applicable)


@contract
def test_scikit_learn_contract(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_ecosystem_tools_work():
    x, y = nr.datasets.load("breast_cancer")
    names = np.array(nr.datasets.class_names("breast_cancer"))[y]
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(epochs=20, random_state=0))
    scores = cross_val_score(pipeline, x, names, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9
    search = GridSearchCV(make_pipeline(StandardScaler(), NeuralClassifier(epochs=10, random_state=0)),
                          {"neuralclassifier__hidden_layer_sizes": [(4,), (8,)],
                           "neuralclassifier__learning_rate": [0.01]}, cv=2)
    search.fit(x, names)
    assert search.best_score_ > 0.9 and set(search.predict(x[:5])) <= {"malignant", "benign"}
    assert is_classifier(Perceptron()) and is_regressor(LinearRegression())
    assert clone(Perceptron(learning_rate=0.5)).get_params()["learning_rate"] == 0.5


def test_neural_classifier_string_labels_multiclass_and_multilabel():
    x, y = nr.datasets.load("iris")
    x = nr.data.StandardScaler().fit_transform(x)
    names = np.array(nr.datasets.class_names("iris"))[y]
    model = NeuralClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=100, random_state=0).fit(x, names)
    assert model.score(x, names) > 0.95 and model.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert model.predict_proba(x).shape == (150, 3)
    assert model.model_.layers[-1].activation.registry_name == "softmax"
    Y = np.column_stack([y == 0, y == 2, x[:, 0] > 0]).astype(int)         # several labels per flower
    multi = NeuralClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=100, random_state=0).fit(x, Y)
    assert multi.predict(x).shape == (150, 3) and multi.score(x, Y) > 0.9
    assert multi.model_.loss.registry_name == "binary_crossentropy"


def test_neural_regressor_fits_a_curve_and_stops_on_a_plateau():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (300, 1))
    y = np.sin(x[:, 0]) + 0.05 * rng.normal(size=300)
    model = NeuralRegressor(hidden_layer_sizes=(32, 32), activation="tanh", learning_rate=0.01, epochs=500,
                            random_state=0).fit(x, y)
    assert model.score(x, y) > 0.97
    assert model.n_iter_ < 500                     # the training loss stopped improving by tol


def test_same_seed_same_model_and_pickling():
    x, y = nr.datasets.load("iris")
    a = NeuralClassifier(hidden_layer_sizes=(8,), epochs=5, random_state=3).fit(x, y)
    b = NeuralClassifier(hidden_layer_sizes=(8,), epochs=5, random_state=3).fit(x, y)
    np.testing.assert_array_equal(a.predict_proba(x), b.predict_proba(x))
    copy = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(copy.predict_proba(x), a.predict_proba(x))
    layer = copy.model_.layers[0]               # the layers again view the model's flat vector
    assert np.shares_memory(layer.kernel, copy.model_.flat_parameters.values)


def test_bad_input():
    x, y = nr.datasets.load("iris")
    with pytest.raises(NotFittedError, match="not fitted yet"):
        NeuralClassifier().predict(x)
    with pytest.raises(ValueError, match="at least 2 classes"):
        NeuralClassifier().fit(x, np.zeros(150, int))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        NeuralClassifier().fit(x, x[:, 0])
    with pytest.raises(TypeError, match="NeuralRegressor is a regressor: y must hold numbers"):
        NeuralRegressor().fit(x, np.array(["a", "b", "c"])[y])
    with pytest.raises(ValueError, match="'hidden_layer_sizes entry' argument of NeuralClassifier must be"):
        NeuralClassifier(hidden_layer_sizes=(0,)).fit(x, y)
    with pytest.raises(ValueError, match="Unknown activation 'rleu'. Did you mean 'relu'"):
        NeuralClassifier(activation="rleu").fit(x, y)
    with pytest.raises(TypeError, match="'optimizer' argument of NeuralRegressor must be a name"):
        NeuralRegressor(optimizer=3).fit(x, y)
    with pytest.raises(TypeError, match="sparse"):
        from scipy.sparse import csr_matrix
        NeuralRegressor().fit(csr_matrix(x), y)
    with pytest.raises(TypeError, match="'early_stopping' argument of NeuralClassifier must be True or False"):
        NeuralClassifier(early_stopping="yes").fit(x, y)
    with pytest.raises(ValueError, match="'validation_fraction' argument of NeuralClassifier is 0.01: of 20 "
                                         "samples that leaves no validation samples"):
        NeuralClassifier(early_stopping=True, validation_fraction=0.01).fit(x[::7][:20], y[::7][:20])
    model = NeuralRegressor(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(x, x[:, 0])
    with pytest.raises(ValueError, match="X has 3 features, but NeuralRegressor is expecting 4 features"):
        model.predict(x[:, :3])


def test_optimizer_given_as_object_is_not_shared_between_fits():
    x, y = nr.datasets.load("iris")
    optimizer = nr.optimizers.SGD(learning_rate=0.05, momentum=0.9)
    model = SoftmaxRegression(optimizer=optimizer, epochs=3, random_state=0)
    first = model.fit(x, y).coef_.copy()
    np.testing.assert_array_equal(model.fit(x, y).coef_, first)
    assert optimizer.iterations == 0


@pytest.mark.parametrize("make", [lambda **k: NeuralClassifier(hidden_layer_sizes=(4,), epochs=3, **k),
                                  lambda **k: Perceptron(max_epochs=3, **k)])
def test_estimators_take_seed_as_well_as_random_state(make):
    x, y = nr.datasets.load_iris()
    by_seed, by_random_state = make(seed=2).fit(x, y), make(random_state=2).fit(x, y)
    np.testing.assert_array_equal(by_seed.predict(x), by_random_state.predict(x))
    assert by_seed.get_params()["seed"] == 2 and by_random_state.get_params()["random_state"] == 2
    with pytest.raises(ValueError, match="got both"):
        make(seed=1, random_state=1).fit(x, y)
