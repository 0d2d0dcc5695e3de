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
