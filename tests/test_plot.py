"""The plots render headless (Agg), return their Figure and write their files."""
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import neurona as nr  # noqa: E402
from neurona import plot  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def trained_xor(seed=0):
    x, y = nr.datasets.make_xor(200, seed=seed)
    model = nr.Sequential([nr.layers.Dense(8, activation="tanh"), nr.layers.Dense(1, activation="sigmoid")],
                          input_dim=2, seed=seed)
    model.compile(optimizer=nr.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x / 5, y, epochs=40, batch_size=32, validation_split=0.2, verbose=0)
    return model, history, x / 5, y


@pytest.fixture(scope="module")
def xor():
    return trained_xor()


def written(path):
    data = path.read_bytes()
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []      # no temporary left
    return data


def test_learning_curves_from_history_and_dict(tmp_path, xor):
    _, history, _, _ = xor
    figure = plot.learning_curves(history, path=tmp_path / "curves.png")
    assert isinstance(figure, matplotlib.figure.Figure)
    assert written(tmp_path / "curves.png").startswith(PNG)
    loss_panel, accuracy_panel = figure.axes
    assert loss_panel.get_title() == "loss" and accuracy_panel.get_title() == "accuracy"
    train, validation = loss_panel.get_lines()
    np.testing.assert_allclose(train.get_ydata(), history.history["loss"])
    np.testing.assert_allclose(validation.get_ydata(), history.history["val_loss"])
    assert [t.get_text() for t in loss_panel.get_legend().get_texts()] == ["train", "validation"]
    only_loss = plot.learning_curves({"loss": [3, 2, 1]}, metrics=["loss"])
    assert len(only_loss.axes) == 1 and len(only_loss.axes[0].get_lines()) == 1
    with pytest.raises(ValueError, match="No logs for \\['f1'\\]"):
        plot.learning_curves(history, metrics=["f1"])
    with pytest.raises(TypeError, match="History"):
        plot.learning_curves([1, 2, 3])


def test_decision_boundary_of_a_trained_model(tmp_path, xor):
    model, _, x, y = xor
    figure = plot.decision_boundary(model, x, y, path=tmp_path / "boundary.svg", resolution=60)
    assert b"<svg" in written(tmp_path / "boundary.svg")
    ax = figure.axes[0]
    assert len(ax.collections) >= 3                      # the shade, the p = 0.5 line, the points
    with pytest.raises(ValueError, match="shape \\(n, 2\\)"):
        plot.decision_boundary(model, np.zeros((5, 3)), np.zeros(5))


def test_decision_boundary_of_a_softmax_model_and_a_scikit_learn_classifier(tmp_path):
    from sklearn.linear_model import LogisticRegression
    x, y = nr.datasets.make_gauss(100, seed=0)
    plot.decision_boundary(LogisticRegression().fit(x, y), x, y, path=tmp_path / "sk.png", resolution=40)
    model = nr.Sequential([nr.layers.Dense(3, activation="softmax")], input_dim=2, seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 2)
    plot.decision_boundary(model, x, nr.data.one_hot(labels, 3), path=tmp_path / "three.png", resolution=40)
    assert written(tmp_path / "sk.png").startswith(PNG) and written(tmp_path / "three.png").startswith(PNG)


def test_confusion_matrix_plot(tmp_path):
    y_true, y_pred = [0, 1, 2, 2, 1, 0, 2], [0, 2, 2, 2, 1, 0, 1]
    cm = nr.metrics.confusion_matrix(y_true, y_pred)
    figure = plot.confusion_matrix(cm, labels=["setosa", "versicolor", "virginica"], path=tmp_path / "cm.pdf")
    assert written(tmp_path / "cm.pdf").startswith(b"%PDF")
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.texts] == [str(v) for v in cm.ravel()]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["setosa", "versicolor", "virginica"]
    normalised = plot.confusion_matrix(nr.metrics.confusion_matrix(y_true, y_pred, normalize="true"))
    assert normalised.axes[0].texts[0].get_text() == "1.00"
    with pytest.raises(ValueError, match="square"):
        plot.confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="2 names for a 3 x 3"):
        plot.confusion_matrix(cm, labels=["a", "b"])


def test_roc_curve_plot(tmp_path):
    scores = [0.21, 0.67, 0.56, 0.31, 0.70, 0.84]
    infected = [0, 1, 0, 0, 1, 0]
    figure = plot.roc_curve(infected, scores, path=tmp_path / "roc.png")
    assert written(tmp_path / "roc.png").startswith(PNG)
    assert "AUC = 0.750" in figure.axes[0].get_legend().get_texts()[0].get_text()
    rng = np.random.default_rng(0)
    y = np.arange(30) % 3
    p = rng.random((30, 3)) + np.eye(3)[y]
    p /= p.sum(axis=1, keepdims=True)
    many = plot.roc_curve(y, p, labels=["a", "b", "c"])
    assert len(many.axes[0].get_lines()) == 4              # a curve per class and the chance line
    assert [t.get_text()[:10] for t in many.axes[0].get_legend().get_texts()[:3]] == ["a vs rest:", "b vs rest:",
                                                                                      "c vs rest:"]


@pytest.mark.parametrize("y_true,y_score,labels,fragment", [
    ([1, 1, 1], [0.2, 0.5, 0.9], None, "single class"),
    ([0, 1, 2, 0], [0.1, 0.2, 0.3, 0.4], None, "3 classes; give y_score one column per class"),
    ([0, 1, 0, 1], np.full((4, 3), 1 / 3), None, "3 columns .* 2 classes"),         # a class absent from y_true
    ([0, 1, 2], np.full((3, 3), 1 / 3), ["a", "b"], "2 names"),
    ([0, 1, 1], [0.2, 0.5], None, "same length; got 3 and 2"),
])
def test_roc_curve_plot_bad_input(y_true, y_score, labels, fragment):
    with pytest.raises(ValueError, match=fragment):
        plot.roc_curve(y_true, y_score, labels=labels)


def test_clear_error_without_matplotlib(monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r'pip install matplotlib \(or pip install "\.\[plot\]" in neurona\'s checkout\)'):
        plot.learning_curves({"loss": [1.0, 0.5]})
    with pytest.raises(ImportError, match="needs matplotlib"):
        plot.confusion_matrix(np.eye(2))
