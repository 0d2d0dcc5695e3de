"""fit(class_weight=...) is checked before training as sample_weight is: finite weights >= 0 and
integer class keys; a refused dict leaves the model untouched, an accepted one weights the loss as
the same sample_weight would."""
import numpy as np
import pytest

import neurona as nr

X = np.random.default_rng(0).normal(size=(30, 3))
Y = (X[:, 0] > 0).astype(int)


def model():
    m = nr.Sequential([nr.layers.Dense(2, activation="softmax", input_dim=3)], seed=0)
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return m


@pytest.mark.parametrize("class_weight, error, message", [
    ({0: float("nan")}, ValueError, "class_weight[0] must be a finite number >= 0; got nan."),
    ({0: 1.0, 1: float("inf")}, ValueError, "class_weight[1] must be a finite number >= 0; got inf."),
    ({1: -0.5}, ValueError, "class_weight[1] must be a finite number >= 0; got -0.5."),
    ({0: np.float32("nan")}, ValueError, "class_weight[0] must be a finite number >= 0"),
    ({0: "2"}, TypeError, "class_weight[0] must be a number; got str '2'."),
    ({0: None}, TypeError, "class_weight[0] must be a number; got NoneType None."),
    ({"cat": 1.0}, TypeError, "class_weight keys must be class indices (integers); got 'cat'."),
    ({0.5: 1.0}, TypeError, "class_weight keys must be class indices (integers); got 0.5."),
])
def test_bad_class_weights_are_refused_before_training(class_weight, error, message):
    m = model()
    before = m.get_weights()
    with pytest.raises(error) as raised:
        m.fit(X, Y, epochs=1, verbose=0, class_weight=class_weight)
    assert message in str(raised.value)
    assert m.epoch == 0 and all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))


def test_good_class_weights_weight_the_loss_as_sample_weight_does():
    history = {}
    for name, weights in [("class", {0: 2.0, np.int64(1): 0}), ("sample", None)]:
        m = model()
        sample = None if weights is not None else np.where(Y == 0, 2.0, 0.0)
        history[name] = m.fit(X, Y, epochs=2, verbose=0, shuffle=False, class_weight=weights,
                              sample_weight=sample).history["loss"]
    assert np.isfinite(history["class"]).all()
    np.testing.assert_allclose(history["class"], history["sample"], rtol=1e-6)
