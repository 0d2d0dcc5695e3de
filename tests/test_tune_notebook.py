"""What Jupyter shows of a hyperparameter search: a tuner's trials table (best first) and a trial's
values and score, in the HTML itself and in a notebook saved by a real kernel."""
import html
import re
from pathlib import Path

import pytest

from neurona import tune
from neurona.tune.trial import TrialStatus

from tune_models import build_model, digits

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
TESTS = Path(__file__).resolve().parent
CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)


def table_rows(page):
    return [[html.unescape(c) for c in CELL.findall(row)] for row in ROW.findall(page)]


def searched(tmp_path):
    x, y, x_val, y_val = digits()
    tuner = tune.GridSearch(build_model, objective="val_accuracy", max_trials=3, directory=str(tmp_path),
                            project_name="grid", overwrite=True, verbose=0)
    tuner.search(x, y, epochs=2, batch_size=64, validation_data=(x_val, y_val))
    return tuner


def test_tuner_html_lists_every_trial_best_first(tmp_path):
    tuner = searched(tmp_path)
    header, *rows = table_rows(tuner._repr_html_())
    assert header == ["trial", "status", "score", "best epoch", "units", "learning_rate"]
    trials = tuner.oracle.trials
    assert sorted(r[0] for r in rows) == sorted(trials)
    scores = [float(r[2]) for r in rows]
    assert scores == sorted(scores, reverse=True)                    # val_accuracy: the highest first
    best = tuner.oracle.get_best_trials(1)[0]
    assert rows[0][0] == best.trial_id and rows[0][1] == TrialStatus.COMPLETED
    assert rows[0][3] == str(best.best_epoch) and rows[0][4] == str(best.values["units"])
    assert float(rows[0][5]) == pytest.approx(best.values["learning_rate"], rel=1e-3)
    assert "GridSearch: 3 trials, objective val_accuracy (max), best first" in tuner._repr_html_()


def test_unscored_trials_come_after_the_scored_ones(tmp_path):
    tuner = searched(tmp_path)
    failed = tuner.oracle.get_best_trials(1)[0]
    failed.status, failed.message = TrialStatus.FAILED, "fit raised <ValueError>"
    rows = table_rows(tuner._repr_html_())[1:]
    assert rows[-1][:2] == [failed.trial_id, "FAILED"] and len(rows) == 3
    page = failed._repr_html_()
    assert "fit raised &lt;ValueError&gt;" in page and "<ValueError>" not in page


def test_trial_html_shows_its_values_and_score(tmp_path):
    trial = searched(tmp_path).oracle.get_best_trials(1)[0]
    rows = dict(tuple(r) for r in table_rows(trial._repr_html_())[1:])
    assert rows["units"] == str(trial.values["units"]) and rows["score"] == f"{trial.score:.4g}"
    assert rows["best epoch"] == str(trial.best_epoch)
    assert f"Trial {trial.trial_id}: COMPLETED" in trial._repr_html_()


def test_a_tuner_before_its_search_says_so(tmp_path):
    tuner = tune.RandomSearch(build_model, objective="val_loss", max_trials=2, directory=str(tmp_path),
                              overwrite=True, verbose=0)
    page = tuner._repr_html_()
    assert "No trials yet." in page and "RandomSearch: 0 trials, objective val_loss (min)" in page


def test_a_saved_notebook_holds_the_trials_table(tmp_path):
    pytest.importorskip("nbclient")
    from notebooks import execute, notebook, outputs_of
    nb = execute(notebook(
        "import sys; sys.path.insert(0, %r)\n"
        "from tune_models import build_model, digits\n"
        "from neurona import tune\n"
        "x, y, x_val, y_val = digits()\n"
        "tuner = tune.RandomSearch(build_model, objective='val_accuracy', max_trials=3, seed=1,\n"
        "                          directory='runs', overwrite=True, verbose=0)\n"
        "tuner.search(x, y, epochs=2, batch_size=64, validation_data=(x_val, y_val))" % str(TESTS),
        "tuner",
        "tuner.oracle.get_best_trials(1)[0]"), tmp_path)
    tuner_cell, trial_cell = nb.cells[1], nb.cells[2]
    (shown,) = outputs_of(tuner_cell, "execute_result")
    header, *rows = table_rows(shown["data"]["text/html"])
    assert header[:4] == ["trial", "status", "score", "best epoch"] and len(rows) == 3
    scores = [float(r[2]) for r in rows]
    assert scores == sorted(scores, reverse=True) and all(r[1] == "COMPLETED" for r in rows)
    (trial,) = outputs_of(trial_cell, "execute_result")
    assert f"Trial {rows[0][0]}: COMPLETED" in trial["data"]["text/html"]
    assert not outputs_of(tuner_cell, "stream") and not outputs_of(trial_cell, "stream")
