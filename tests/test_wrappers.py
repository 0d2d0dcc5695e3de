r"""Bidirectional and TimeDistributed: against central differences and the tape (in the registry
walk of test_layers_keras.py), and here against Keras 3 (torch backend) on the same weights, with
the mask of an Embedding(mask_zero=True) flowing through; files and gradient checks of whole models."""
import numpy as np
import pytest

import neurona as nr
from neurona import layers
from test_recurrent import assert_matches_keras, keras      # noqa: F401  (the fixture)


@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
def test_bidirectional_matches_keras(keras, merge_mode, return_sequences):      # noqa: F811
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 9, size=(3, 6))
    ids[0, 4:], ids[2, :2] = 0, 0

    def stack(k):
        rnn = k.layers.Bidirectional(k.layers.GRU(3, return_sequences=return_sequences), merge_mode=merge_mode)
        head = k.layers.TimeDistributed(k.layers.Dense(2)) if return_sequences else k.layers.Dense(2)
        return [k.layers.Embedding(9, 4, mask_zero=True), rnn, head]

    assert_matches_keras(keras, stack, ids, rng)


def test_bidirectional_weights_are_the_two_layers_in_keras_order(keras):        # noqa: F811
    ours = layers.Bidirectional(layers.LSTM(4))
    ours.build((None, 5, 3))
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(4))
    theirs.build((None, 5, 3))
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    assert ours.param_names[:3] == ["forward_kernel", "forward_recurrent_kernel", "forward_bias"]
    assert ours.sample_output_shape == (8,) and ours.count_params() == theirs.count_params()
    with pytest.raises(TypeError, match="recurrent layer"):
        layers.Bidirectional(layers.Dense(3))
    with pytest.raises(ValueError, match="merge_mode"):
        layers.Bidirectional(layers.LSTM(3), merge_mode="max")


def test_models_of_wrappers_pass_the_gradient_check_and_reload(tmp_path):
    from neurona.gradcheck import check_gradients
    model = nr.Sequential([nr.Input((4,)), layers.Embedding(6, 3, mask_zero=True),
                           layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True)),
                           layers.TimeDistributed(layers.Dense(2, activation="tanh")),
                           layers.Bidirectional(layers.LSTM(2), merge_mode="sum"),
                           layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ids = np.array([[1, 2, 3, 0], [4, 5, 0, 0], [2, 2, 2, 1]], dtype="float32")
    report = check_gradients(model, ids, np.array([0.0, 1.0, 1.0]))
    assert report.passed, str(report)
    assert all(r.error_autodiff_numerical is not None for r in report.rows)
    path = tmp_path / "bi.keras"
    model.save(path)
    again = nr.models.load_model(path)
    np.testing.assert_allclose(again.predict(ids, verbose=0), model.predict(ids, verbose=0), rtol=1e-6)
