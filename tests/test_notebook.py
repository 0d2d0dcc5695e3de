"""neurona in a real Jupyter kernel: the training log, the plots, summary() and the HTML of a model,
a History and a classification report, as the saved notebook and its HTML keep them."""
import re
from pathlib import Path

import pytest

pytest.importorskip("nbclient")
pytest.importorskip("matplotlib")

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402

from notebooks import execute, notebook, outputs_of, stream_text  # noqa: E402

EPOCHS = 3
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
LINE = re.compile(r"^(\d+)/\1 ━{20} \d+s \d+(ms|us)/step - accuracy: \d\.\d{4} - loss: \d+\.\d{4} "
                  r"- val_accuracy: \d\.\d{4} - val_loss: \d+\.\d{4}$", re.M)

CELLS = [
    "import neurona as nr\n"
    "x, y = nr.datasets.load_digits()\n"
    "x = x / 16.0\n"
    "model = nr.Sequential([nr.layers.Dense(32, activation='relu'), nr.layers.Dense(10, activation='softmax')],\n"
    "                      input_dim=64, seed=0)\n"
    "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])",
    "model.summary()",
    f"history = model.fit(x, y, epochs={EPOCHS}, batch_size=32, validation_split=0.2)",
    "nr.plot.learning_curves(history)",
    "import matplotlib.pyplot as plt\n"
    "cm = nr.metrics.confusion_matrix(y, model.predict(x).argmax(axis=1))\n"
    "nr.plot.confusion_matrix(cm)\n"
    "plt.show()",
    "nr.plot.learning_curves(history)",
    "model",
    "history",
    "nr.metrics.classification_report(y, model.predict(x).argmax(axis=1))",
    "model.fit(x[:64], y[:64], epochs=2, batch_size=64, verbose=2)\n"
    "print(model.summary_text().splitlines()[0])",
    "import time\n"
    "class Slow(nr.callbacks.Callback):\n"
    "    def on_train_batch_end(self, batch, logs=None):\n"
    "        time.sleep(0.02)\n"
    "model.fit(x, y, epochs=1, validation_split=0.2, callbacks=[Slow()]);",
]
SUMMARY, FIT, RETURNED_PLOT, PYPLOT_SHOW, PYPLOT_RETURNED, MODEL, HISTORY, REPORT, VERBOSE_2, LIVE = range(1, 11)


@pytest.fixture(scope="module", params=["without ipywidgets", "with ipywidgets"])
def executed(request, tmp_path_factory):
    first = "import sys\nsys.modules['ipywidgets'] = None    # as if it were not installed"
    if request.param == "with ipywidgets":
        pytest.importorskip("ipywidgets")
        first = "import ipywidgets"
    nb = execute(notebook(first, *[c for c in CELLS]), tmp_path_factory.mktemp("nb"))
    nb.cells = nb.cells[1:]
    return nb


def test_every_epoch_leaves_its_metrics_line_as_text(executed):
    cell = executed.cells[FIT]
    text = stream_text(cell)
    assert [f"Epoch {k}/{EPOCHS}" in text for k in range(1, EPOCHS + 1)] == [True] * EPOCHS
    lines = LINE.findall(text)
    assert len(lines) == EPOCHS and lines[0][0] == "45"          # 1437 training samples / 32
    assert text.count("\n") == 2 * EPOCHS                          # "Epoch k/N" and its line, nothing else
    assert outputs_of(cell, "display_data") == [] and outputs_of(cell, "execute_result") == []


def test_a_long_epoch_shows_a_live_bar_and_saves_only_its_line(executed):
    cell = executed.cells[LIVE]
    assert len(LINE.findall(stream_text(cell))) == 1 and stream_text(cell).count("\n") == 2
    bars = outputs_of(cell, "display_data")         # the bar's display, emptied at the epoch's end
    assert len(bars) == 1 and bars[0]["data"] == {"text/plain": ""}
    assert "transient" not in bars[0]


def test_the_live_bar_is_redrawn_in_place(tmp_path):
    """What the front end receives while the epoch runs: the bar's states, then its emptying."""
    nb = notebook("import time, neurona as nr\n"
                  "x, y = nr.datasets.load_digits()\n"
                  "model = nr.Sequential([nr.layers.Dense(10, activation='softmax')], input_dim=64, seed=0)\n"
                  "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
                  "class Slow(nr.callbacks.Callback):\n"
                  "    def on_train_batch_end(self, batch, logs=None):\n"
                  "        time.sleep(0.02)\n"
                  "model.fit(x / 16, y, epochs=1, callbacks=[Slow()]);")
    updates = []
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    original = client.process_message

    def record(msg, cell, cell_index):
        if msg["msg_type"] in ("display_data", "update_display_data"):
            updates.append(msg["content"]["data"]["text/plain"])
        return original(msg, cell, cell_index)

    client.process_message = record
    client.execute()
    states = [re.match(r"\s*(\d+)/57 [━─]{20} \d+s \d+ms/step - accuracy: \S+ - loss: \S+$", u) for u in updates[:-1]]
    assert len(states) >= 3 and all(states), updates               # about 1.2 s: a state every 0.2 s
    done = [int(m.group(1)) for m in states]
    assert done == sorted(done) and done[-1] < 57 and updates[-1] == ""


def test_no_warning_and_no_widget(executed):
    for cell in executed.cells:
        assert stream_text(cell, "stderr") == "", cell.source
        for output in cell.outputs:
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {})
    assert "widgets" not in executed.metadata


def test_summary_prints_once_and_returns_none(executed):
    cell = executed.cells[SUMMARY]
    assert stream_text(cell).count("Total params: 2,410") == 1
    assert outputs_of(cell, "execute_result") == []


def test_plots_show_inline_once(executed):
    for index in (RETURNED_PLOT, PYPLOT_SHOW, PYPLOT_RETURNED):
        cell = executed.cells[index]
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(images) == 1, (cell.source, [o.get("data", {}).keys() for o in cell.outputs])


def test_html_of_a_model_a_history_and_a_report(executed):
    model = executed.cells[MODEL].outputs[0]["data"]["text/html"]
    assert "<table>" in model and "dense_0 (Dense, relu)" in model and "2,410" in model
    history = executed.cells[HISTORY].outputs[0]["data"]["text/html"]
    assert f"History: {EPOCHS} epochs" in history and "val_accuracy" not in history   # validation is a column
    assert "<svg" in history and "<polyline" in history and ">validation<" in history
    report = executed.cells[REPORT].outputs[0]["data"]
    assert "<table>" in report["text/html"] and "weighted avg" in report["text/html"]
    assert report["text/plain"].splitlines()[0].split() == ["precision", "recall", "f1-score", "support"]


def test_verbose_2_prints_one_line_per_epoch(executed):
    text = stream_text(executed.cells[VERBOSE_2])
    assert re.fullmatch(r"Epoch 1/2\n1/1 - \d+s - \d+(ms|us)/step - accuracy: \S+ - loss: \S+\n"
                        r"Epoch 2/2\n1/1 - .*\nModel: \"sequential\"\n", text), text


def test_the_html_of_the_saved_notebook_shows_the_log_and_the_plots(executed, tmp_path, request):
    """The saved notebook's HTML (nbconvert), looked at in Chromium: the text a student reads."""
    if request.node.callspec.params["executed"] == "with ipywidgets":
        pytest.skip("one browser view is enough: the other tests check both notebooks' saved outputs")
    page, _ = HTMLExporter().from_notebook_node(nbformat.from_dict(executed))
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            view = browser.new_page()
            view.goto((tmp_path / "page.html").as_uri())
            text = view.inner_text("body")
            images = view.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete && i.naturalWidth)")
        finally:
            browser.close()
    for k in range(1, EPOCHS + 1):
        assert f"Epoch {k}/{EPOCHS}" in text
    assert len(LINE.findall(text)) == EPOCHS + 1, text            # the fit cell's and the long epoch's
    assert len(images) == 3 and all(width > 100 for width in images)
    assert text.count("Total params: 2,410") == 2                  # summary() once, the model's table once
