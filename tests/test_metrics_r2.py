r"""R2Score and Keras's accuracy functions against Keras 3 (torch backend): streaming over batches,
weighted, several outputs, each class_aggregation, num_regressors."""
import os

import numpy as np
import pytest

from neurona import metrics

os.environ.setdefault("KERAS_BACKEND", "torch")
RNG = np.random.default_rng(0)
Y = RNG.normal(size=(40, 3))
P = Y + RNG.normal(scale=0.5, size=(40, 3))
W = RNG.uniform(0.2, 2.0, size=40)


@pytest.mark.parametrize("arguments", [{}, {"class_aggregation": "variance_weighted_average"},
                                       {"class_aggregation": None}, {"num_regressors": 2}])
@pytest.mark.parametrize("weighted", [False, True])
def test_r2_score_matches_keras_over_batches(arguments, weighted):
    keras = pytest.importorskip("keras")
    ours, theirs = metrics.R2Score(**arguments), keras.metrics.R2Score(**arguments)
    for start in range(0, 40, 16):
        part = slice(start, start + 16)
        w = W[part] if weighted else None
        ours.update_state(Y[part], P[part], sample_weight=w)
        theirs.update_state(Y[part].astype(np.float32), P[part].astype(np.float32),
                            sample_weight=None if w is None else w.astype(np.float32))
    np.testing.assert_allclose(ours.result(), keras.ops.convert_to_numpy(theirs.result()), rtol=1e-5)
    ours.reset_state()
    assert ours.result() == 0.0


def test_r2_score_of_one_output_is_scikit_learns():
    from sklearn.metrics import r2_score
    metric = metrics.R2Score()
    metric.update_state(Y[:, 0], P[:, 0])
    assert metric.result() == pytest.approx(r2_score(Y[:, 0], P[:, 0]))
    with pytest.raises(ValueError, match="class_aggregation"):
        metrics.R2Score(class_aggregation="mean")


@pytest.mark.parametrize("name, y_true, y_pred, kwargs", [
    ("binary_accuracy", (RNG.uniform(size=(6, 2)) > 0.5).astype(float), RNG.uniform(size=(6, 2)), {"threshold": 0.4}),
    ("categorical_accuracy", np.eye(4)[[0, 1, 2, 3, 1]], RNG.uniform(size=(5, 4)), {}),
    ("sparse_categorical_accuracy", np.array([0, 1, 2, 3, 1]), RNG.uniform(size=(5, 4)), {}),
    ("top_k_categorical_accuracy", np.eye(4)[[0, 1, 2, 3, 1]], RNG.uniform(size=(5, 4)), {"k": 2}),
    ("sparse_top_k_categorical_accuracy", np.array([0, 1, 2, 3, 1]), RNG.uniform(size=(5, 4)), {"k": 2}),
])
def test_accuracy_functions_match_keras(name, y_true, y_pred, kwargs):
    keras = pytest.importorskip("keras")
    theirs = keras.ops.convert_to_numpy(getattr(keras.metrics, name)(y_true, y_pred, **kwargs))
    np.testing.assert_allclose(getattr(metrics, name)(y_true, y_pred, **kwargs), theirs)
