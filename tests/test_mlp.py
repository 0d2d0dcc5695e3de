import numpy as np
import pytest

from neurona import layers
from neurona.mlp import build_mlp, hidden_layers, output_for


def test_build_mlp_shapes_activations_dropout_and_initialisers():
    model = build_mlp(2, [8, 4], 3, activation=["relu", "tanh"], dropout=[0.5, 0.0],
                      output_activation="softmax", seed=0)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dense", "Dropout", "Dense", "Dense"]
    assert [layer.kernel.shape for layer in model.layers if isinstance(layer, layers.Dense)] == [(2, 8), (8, 4), (4, 3)]
    assert type(model.layers[0].kernel_initializer).__name__ == "HeUniform"
    assert type(model.layers[2].kernel_initializer).__name__ == "GlorotUniform"
    assert model.predict(np.zeros((5, 2))).sum(axis=1) == pytest.approx(np.ones(5), rel=1e-6)


def test_same_seed_same_weights_and_no_hidden_layers():
    a = build_mlp(3, [5], 1, seed=1).get_weights()
    b = build_mlp(3, [5], 1, seed=1).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert len(build_mlp(3, [], 1, seed=0).layers) == 1


def test_output_for_each_task():
    assert output_for("classification", 2) == (1, "sigmoid", "binary_crossentropy")
    assert output_for("classification", 4) == (4, "softmax", "sparse_categorical_crossentropy")
    assert output_for("regression") == (1, None, "mse")
    with pytest.raises(ValueError, match="task must be"):
        output_for("clustering")


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="2 entries but there are 3 hidden layers"):
        hidden_layers([4, 4, 4], activation=["relu", "tanh"])
    with pytest.raises(ValueError, match="hidden layer size"):
        hidden_layers([0])
    with pytest.raises(ValueError, match="dropout"):
        hidden_layers([3], dropout=1.5)


def test_the_estimators_build_their_networks_with_the_mlp_builder():
    from neurona import regularizers
    from neurona.estimators import NeuralRegressor
    from neurona.linear import LogisticRegression

    x = np.random.default_rng(0).normal(size=(20, 3))
    y = x @ np.array([1.0, -2.0, 0.5])
    reg = NeuralRegressor(hidden_layer_sizes=(5, 4), activation="tanh", dropout=0.1, l2=0.01, epochs=1,
                          random_state=0).fit(x, y)
    expected = build_mlp(3, (5, 4), 1, activation="tanh", output_activation="identity", dropout=0.1,
                         kernel_regularizer=regularizers.L1L2(l2=0.01, convention="lectures"), seed=0,
                         dtype="float64")
    assert [layer.get_config() for layer in reg.model_.layers] == [layer.get_config() for layer in expected.layers]
    # the linear models keep one output layer, started from zeros and without a bias when asked
    logistic = LogisticRegression(fit_intercept=False, epochs=1).fit(x, (y > 0).astype(int))
    (dense,) = logistic.model_.layers
    assert dense.get_config()["kernel_initializer"]["name"] == "zeros" and not dense.use_bias
