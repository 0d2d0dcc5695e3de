"""What Jupyter shows of neurona's objects, without a kernel: the HTML of a model, a History and a
classification report, summary()'s contract, and the figures' PNG and epoch ticks."""
import math

import numpy as np
import pytest

import neurona as nr
from neurona import notebook

PNG = b"\x89PNG\r\n\x1a\n"


def small_model():
    model = nr.Sequential([nr.layers.Dense(4, activation="relu"), nr.layers.Dense(3, activation="softmax")],
                          input_dim=2, seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_summary_prints_once_returns_none_and_gives_its_text(capsys):
    model = small_model()
    assert model.summary() is None
    printed = capsys.readouterr().out
    assert printed.count("Total params: 27") == 1 and printed == model.summary_text() + "\n"
    received = []
    assert model.summary(print_fn=received.append) is None
    assert received == [model.summary_text()] and capsys.readouterr().out == ""


def test_model_html_is_its_layer_table():
    model = small_model()
    page = model._repr_html_()
    assert page.count("<tr>") == 1 + len(model.layers)            # the header and a row per layer
    for layer, shape, params in model.summary_rows():
        assert f"<td style=\"text-align: left\">{layer}</td>" in page and params in page
    assert "Total params: 27" in page and 'Model: &quot;sequential&quot;' in page


def test_history_html_shows_the_last_epoch_and_a_curve():
    x = np.random.default_rng(0).normal(size=(60, 2))
    y = (x[:, 0] > 0).astype(int)
    history = small_model().fit(x, y, epochs=3, validation_split=0.2, verbose=0)
    page = history._repr_html_()
    assert "History: 3 epochs, last epoch" in page
    assert f"{history.history['val_loss'][-1]:.4f}" in page and f"{history.history['accuracy'][-1]:.4f}" in page
    assert page.count("<polyline") == 2                           # loss and val_loss
    one = notebook.history_html({"loss": [0.5]})
    assert "1 epoch," in one and "<circle" in one and "validation" not in one
    assert "no epochs" in nr.callbacks.History()._repr_html_()
    assert notebook.sparkline({"loss": [math.nan, math.inf]}) == ""    # nothing finite to draw
    assert "<polyline" in notebook.sparkline({"loss": [1.0, math.nan, 0.5]})


def test_html_escapes_names():
    page = notebook.model_html("<b>x</b>", [("a<script>", "(None, 1)", "2")], 2, 2)
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>" not in page


def test_classification_report_is_text_that_shows_as_a_table():
    y_true, y_pred = [0, 1, 2, 2, 1, 0], [0, 2, 2, 2, 1, 0]
    report = nr.metrics.classification_report(y_true, y_pred)
    assert isinstance(report, str) and repr(report) == str(report)
    from sklearn.metrics import classification_report
    assert report == classification_report(y_true, y_pred)
    page = report._repr_html_()
    assert page.count("<tr>") == 1 + 3 + 3 and "weighted avg" in page and ">0.83<" in page
    assert report.rows == nr.metrics.classification_report(y_true, y_pred, output_dict=True)


def test_figures_give_a_png_and_integer_epoch_ticks():
    pytest.importorskip("matplotlib")
    figure = nr.plot.learning_curves({"loss": [1.0, 0.6, 0.5], "val_loss": [1.1, 0.8, 0.7]})
    assert figure._repr_png_().startswith(PNG)
    ticks = figure.axes[0].get_xticks()
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)


def test_outside_a_kernel_nothing_is_a_notebook():
    assert notebook.in_notebook() is False
    notebook.show_in_notebook(object, "image/png")                # no shell: nothing to do, no error
