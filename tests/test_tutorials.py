"""The tutorials (one notebook per lecture) run top to bottom in a real kernel; a failing cell fails
the suite. They are stored without outputs, which the docs build and the tests regenerate."""
import re

import pytest

pytest.importorskip("nbclient")

import nbformat  # noqa: E402

from notebooks import TUTORIALS, outputs_of, stream_text  # noqa: E402

NAMES = sorted(p.name for p in TUTORIALS.glob("*.ipynb"))
LECTURES = ["000", "001", "002", "003", "004", "005"]


def test_one_tutorial_per_lecture():
    assert [name[:3] for name in NAMES] == LECTURES


@pytest.mark.parametrize("name", NAMES)
def test_tutorial_runs_top_to_bottom(executed_tutorials, name):
    path, error, seconds = executed_tutorials[name]
    assert error is None, error
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)                  # every cell ran
    images = sum("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert images >= 2, "the lecture's plots are drawn inline"
    for cell in code:
        assert stream_text(cell, "stderr") == "", (cell.source, stream_text(cell, "stderr"))
        assert outputs_of(cell, "error") == []
    print(f"{name}: {seconds:.1f} s")


@pytest.mark.parametrize("name", NAMES)
def test_tutorial_is_stored_without_outputs(name):
    nb = nbformat.read(TUTORIALS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# Lecture " + name[:3])
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source


def test_worked_numbers_of_the_lectures(executed_tutorials):
    """The numbers the slides work out by hand, as the tutorials print them."""
    def text(name):
        nb = nbformat.read(executed_tutorials[name][0], as_version=4)
        return "".join(stream_text(c) for c in nb.cells if c.cell_type == "code")

    lecture_000 = text("000_supervised_learning.ipynb")
    assert "W = 10.000000;  the last customer (liking 4) pays 40.0000" in lecture_000
    assert "cross-entropy = -log10(0.6)/3 = 0.0739" in lecture_000 and "-ln(p_true) = 0.9163" in lecture_000
    lecture_001 = text("001_deep_learning.ipynb")
    assert "z = x1 + x2 + x3 + x4 = 1 + 0 + 0 + 1 = 2 >= theta = 2 -> y_hat = 1" in lecture_001
    assert "w11 <- -1 + 0.5·(1 - 0)·1 = -0.5" in lecture_001 and "V_1 = 2.99999" in lecture_001
    assert "perceptron on XOR: converged = False" in lecture_001
    assert "Showing 2 best trials" in lecture_001 and "best hyperparameters: {'layers':" in lecture_001
    lecture_002 = text("002_losses_and_optimization.ipynb")
    assert "L_CE = -log2(0.775) = 0.3677" in lecture_002 and "AUC = 0.75" in lecture_002
    lecture_004 = text("004_gradient_learning.ipynb")
    slope, derivative, tape = (line.split(":")[1].strip() for line in lecture_004.splitlines()
                               if line.startswith(("by the slope", "by the derivative", "by the tape")))
    assert slope[:12] == derivative[:12] == tape[:12]             # w to 6 decimals, three ways
    assert "raw features: loss nan ; NaN weights: 30 of 30" in lecture_004
    lecture_003 = text("003_multilayer_perceptron.ipynb")
    script, page = (line.split(":")[1].split() for line in lecture_003.splitlines()
                    if line.startswith(("script, epoch", "page,   epoch")))
    assert script == page and len(script) == 2                    # the exported script replays the page's losses
    lecture_005 = text("005_convolutional_and_recurrent.ipynb")
    assert "y[0, 0] = 0.5 + 0·1 + 1·0 + 2·-1 + 1·2 + 3·0 + 4·-2 + 2·1 + 4·0 + 6·-1 = -11.5" in lecture_005
    assert "Conv2D equals the sums by hand: True" in lecture_005
    assert "padding='same'   strides=2: 5x5 -> (3, 3)" in lecture_005
    assert "c~ = tanh(z_c) = [0.0226 0.7967]" in lecture_005 and "LSTM equals the steps by hand: True" in lecture_005
    accuracy = float(re.search(r"one epoch on 6000 images: test accuracy ([0-9.]+)", lecture_005).group(1))
    assert accuracy > 0.8                                         # the small convnet reads most digits


def test_the_descent_strategies_of_lecture_002_draw_three_different_curves(executed_tutorials):
    r"""Batch, mini-batch and stochastic descent differ by their steps per epoch (1, 18, 569): after
    10 epochs the more often updated model has the lower loss. (A batch_size of None is 32 in fit,
    as in Keras: the "batch" curve was the mini-batch one, hidden under it.)"""
    nb = nbformat.read(executed_tutorials["002_losses_and_optimization.ipynb"][0], as_version=4)
    text = "".join(stream_text(c) for c in nb.cells if c.cell_type == "code")
    final = {label: float(loss) for label, loss in
             re.findall(r"^\s*(batch \(569\)|mini-batch \(32\)|stochastic \(1\)): final loss ([0-9.]+)", text, re.M)}
    assert len(final) == 3, text
    batch, mini, stochastic = final["batch (569)"], final["mini-batch (32)"], final["stochastic (1)"]
    assert batch > 2 * mini > 2 * 1.2 * stochastic, final
