r"""The training log as a user sees it in a terminal: each program runs in tmux (a real
pseudo-terminal drawn by a real terminal emulator) at 100, 80 and 40 columns, and the test reads
back what the pane shows, scrollback included. A line wider than the pane wraps onto more rows;
``capture-pane -J`` joins such rows back, so each joined line must be whole, in order, with no
state of a bar left behind."""
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap
import uuid

import numpy as np
import pytest

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

ROOT = pathlib.Path(__file__).resolve().parents[1]
WIDTHS = [100, 80, 40]
NUMBER = r"\d+\.\d{4}"
TIME = r"\d+s \d+(s|ms|us)/step"


def in_terminal(command: str, width: int, cwd, timeout: float = 120) -> list[str]:
    r"""Run ``command`` in a tmux pane ``width`` columns wide; return what the pane shows, wrapped
    rows joined into lines, trailing blanks dropped. A server of its own, without any tmux.conf."""
    tmux = ["tmux", "-L", f"neurona-test-{uuid.uuid4().hex[:10]}", "-f", os.devnull]
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "NO_COLOR", "COLUMNS", "LINES")}
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")
    done = "finished"
    shell = f"{command}; {' '.join(tmux)} wait-for -S {done}; sleep 600"
    try:
        subprocess.run(tmux + ["new-session", "-d", "-x", str(width), "-y", "50", "-c", str(cwd), shell],
                       check=True, env=env, timeout=30)
        subprocess.run(tmux + ["wait-for", done], check=True, timeout=timeout)
        rows = subprocess.run(tmux + ["capture-pane", "-p", "-S", "-", "-E", "-"], check=True, env=env,
                              capture_output=True, text=True).stdout.rstrip("\n").split("\n")
        joined = subprocess.run(tmux + ["capture-pane", "-p", "-J", "-S", "-", "-E", "-"], check=True, env=env,
                                capture_output=True, text=True).stdout
    finally:
        subprocess.run(tmux + ["kill-server"], env=env, capture_output=True)
    lines = [line.rstrip() for line in joined.rstrip().split("\n")]
    assert all(len(row) <= width for row in rows)
    return lines


def python(tmp_path, program: str) -> str:
    (tmp_path / "program.py").write_text(textwrap.dedent(program))
    return f"{sys.executable} program.py"


# 900 samples, validation_split=0.2: 720 to train on in 45 batches of 16; evaluate and predict
# take the 900 in 29 batches of 32. Each batch sleeps 4 ms, so a bar is redrawn several times.
PROGRAM = """
    import time
    import numpy as np
    import neurona as keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(900, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    slow = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: time.sleep(0.004),
                                          on_test_batch_end=lambda batch, logs: time.sleep(0.004),
                                          on_predict_batch_end=lambda batch, logs: time.sleep(0.004))
    model.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, callbacks=[slow]{fit})
    print("after fit")
    model.evaluate(x, y, callbacks=[slow]{evaluate})
    print("after evaluate")
    predictions = model.predict(x, callbacks=[slow]{predict})
    print("after predict", predictions.shape)
"""


def fit_line(steps: int, validation: bool = True) -> str:
    metrics = f" - accuracy: {NUMBER} - loss: {NUMBER}"
    return f"{steps}/{steps} ━{{20}} {TIME}{metrics}" + (f" - val_accuracy: {NUMBER} - val_loss: {NUMBER}"
                                                        if validation else "")


def assert_lines(shown: list[str], expected: list[str]):
    assert len(shown) == len(expected), "\n".join(shown)
    for line, pattern in zip(shown, expected):
        assert re.fullmatch(pattern, line), f"{line!r} is not {pattern!r}; the pane shows:\n" + "\n".join(shown)


@needs_tmux
@pytest.mark.parametrize("width", WIDTHS)
def test_fit_evaluate_predict_verbose_1_leave_keras_lines_whole_and_in_order(tmp_path, width):
    command = python(tmp_path, PROGRAM.format(fit="", evaluate=", verbose=1", predict=", verbose=1"))
    shown = in_terminal(command, width, tmp_path)
    epochs = [line for k in (1, 2, 3) for line in (f"Epoch {k}/3", fit_line(45))]
    assert_lines(shown, epochs + ["after fit", fit_line(29, validation=False), "after evaluate",
                                  rf"29/29 ━{{20}} {TIME}", r"after predict \(900, 2\)"])


@needs_tmux
@pytest.mark.parametrize("width", [80, 40])
def test_verbose_2_prints_one_whole_line_per_epoch_and_pass(tmp_path, width):
    command = python(tmp_path, PROGRAM.format(fit=", verbose=2", evaluate=", verbose=2", predict=", verbose=2"))
    shown = in_terminal(command, width, tmp_path)
    line = f" - accuracy: {NUMBER} - loss: {NUMBER}"
    epoch = rf"45/45 - \d+s - \d+(ms|us)/step{line} - val_accuracy: {NUMBER} - val_loss: {NUMBER}"
    assert_lines(shown, [pattern for k in (1, 2, 3) for pattern in (f"Epoch {k}/3", epoch)] + [
        "after fit", rf"29/29 - \d+s - \d+(ms|us)/step{line}", "after evaluate", r"29/29 - \d+s - \d+(ms|us)/step",
        r"after predict \(900, 2\)"])


@needs_tmux
@pytest.mark.parametrize("width", WIDTHS)
def test_cli_train_verbose_1_keeps_every_epoch_line(tmp_path, width):
    command = (f"{sys.executable} -m neurona train --dataset iris --epochs 3 --verbose 1 --out m.safetensors "
               f"--seed 0")
    shown = in_terminal(command, width, tmp_path)
    start = shown.index("Epoch 1/3")
    # iris: 120 training samples, 108 after the default validation_split 0.1: 4 batches of 32
    assert_lines(shown[start:start + 6], [pattern for k in (1, 2, 3) for pattern in (f"Epoch {k}/3", fit_line(4))])
    assert shown[start + 6].startswith("Test loss: ")
    assert shown[-1] == "Saved the model to m.safetensors"


def table_rows(lines: list[str]) -> list[list[str]]:
    r"""The body rows of the rich tables on screen, each cell's wrapped rows joined back."""
    rows = []
    for line in lines:
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        if cells[0]:
            rows.append(cells)
        else:                                               # the next row of a cell that wraps
            rows[-1] = [a + b for a, b in zip(rows[-1], cells)]
    return rows


@needs_tmux
@pytest.mark.parametrize("width", WIDTHS)
def test_cli_tune_shows_every_trial_whole(tmp_path, width):
    (tmp_path / "search.toml").write_text('[data]\ndataset = "iris"\n[fit]\nepochs = 2\n[search]\n'
                                          'learning_rate = {float = [1e-4, 1e-1], sampling = "log"}\n')
    command = f"{sys.executable} -m neurona tune search.toml --max-trials 3 --out best.safetensors"
    shown = in_terminal(command, width, tmp_path)
    assert "…" not in "\n".join(shown)                     # nothing cut short with an ellipsis
    rows = table_rows(shown)
    assert len(rows) == 6                                   # the live table of the trials, then the results
    for trial in sorted((tmp_path / "tune_runs" / "search").glob("trial_*")):
        stored = json.loads((trial / "trial.json").read_text())
        value = stored["hyperparameters"]["values"]["learning_rate"]
        row = [cells for cells in rows if cells[0] == stored["trial_id"]]
        assert [cells[1] for cells in row] == ["COMPLETED"] * 2
        assert [cells[-1] for cells in row] == [f"learning_rate={value:.4g}"] * 2, shown
    assert shown[-1].startswith("Best trial ") and shown[-1].endswith("saved its model to best.safetensors")


INTERRUPTED = """
    import sys
    import time
    import warnings
    import numpy as np
    import neurona as keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(900, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    def batch_end(batch, logs):
        time.sleep(0.01)
        if batch == 10:
            print("a print in the middle of the epoch")
        if batch == 20:
            warnings.warn("a warning in the middle of the epoch")
        if batch == 30 and {interrupt}:
            raise KeyboardInterrupt

    try:
        model.fit(x, y, epochs=1, batch_size=16, callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=batch_end)])
    except KeyboardInterrupt:
        print("interrupted")
    print("after fit", type(sys.stdout).__name__, type(sys.stderr).__name__)
"""


@needs_tmux
@pytest.mark.parametrize("width", [80, 40])
def test_what_else_is_printed_during_an_epoch_comes_out_whole_above_the_bar(tmp_path, width):
    shown = in_terminal(python(tmp_path, INTERRUPTED.format(interrupt=False)), width, tmp_path)
    assert_lines(shown, ["Epoch 1/1", "a print in the middle of the epoch",
                         r".*program\.py:\d+: UserWarning: a warning in the middle of the epoch", ".*",
                         fit_line(57, validation=False), "after fit TextIOWrapper TextIOWrapper"])


@needs_tmux
def test_an_interrupted_epoch_leaves_its_last_state_and_the_streams_as_they_were(tmp_path):
    shown = in_terminal(python(tmp_path, INTERRUPTED.format(interrupt=True)), 80, tmp_path)
    assert_lines(shown[-3:], [rf"\d\d/57 ━*─+ {TIME} - accuracy: {NUMBER} - loss: {NUMBER}", "interrupted",
                              "after fit TextIOWrapper TextIOWrapper"])


# -- in this process, on a stream that says it is a terminal (no tmux needed) ---------------------
class Screen:
    r"""Just enough of a VT100 to render the log: autowrap (at the last column the cursor waits
    for the next character before moving to the next row), CR, LF (a terminal's tty turns it into
    CR LF), ESC[nA (up), ESC[2K (clear the row); other escapes (colours, rich's cursor hiding)
    change nothing that is read here."""

    def __init__(self, width: int):
        self.width, self.rows, self.wraps = width, [[]], set()
        self.row = self.col = 0
        self.pending = False

    def feed(self, text: str):
        for argument, command, char in re.findall(r"\x1b\[\??([\d;]*)([A-Za-z])|(.)", text, re.S):
            if command == "A":
                self.row, self.pending = max(0, self.row - int(argument or 1)), False
            elif command == "K" and argument == "2":
                self.rows[self.row], self.pending = [], False
                self.wraps.discard(self.row)
            elif command:
                continue
            elif char == "\r":
                self.col, self.pending = 0, False
            elif char == "\n":
                self._down()
            else:
                if self.pending:
                    self.wraps.add(self.row)
                    self._down()
                line = self.rows[self.row]
                line.extend(" " * (self.col + 1 - len(line)))
                line[self.col] = char
                self.pending = self.col == self.width - 1
                self.col = min(self.col + 1, self.width - 1)

    def _down(self):
        self.row, self.col, self.pending = self.row + 1, 0, False
        if self.row == len(self.rows):
            self.rows.append([])

    def lines(self) -> list[str]:
        r"""The rows, a wrapped row joined with the next (as ``tmux capture-pane -J``)."""
        joined, current = [], ""
        for index, row in enumerate(self.rows):
            current += "".join(row) if index in self.wraps else "".join(row).rstrip()
            if index not in self.wraps:
                joined.append(current)
                current = ""
        return [line.rstrip() for line in "\n".join(joined).rstrip().split("\n")]


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("width", WIDTHS)
def test_every_redraw_renders_to_whole_lines_on_a_vt100(monkeypatch, width):
    import neurona as nr
    from neurona import progress

    monkeypatch.setenv("COLUMNS", str(width))               # the stream has no fileno: its width
    monkeypatch.setattr(progress, "REDRAW_SECONDS", 0.0, raising=False)   # redraw at every batch
    monkeypatch.setattr(progress, "REFRESH_SECONDS", 0.001)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = nr.Sequential([nr.layers.Dense(4, activation="relu"), nr.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    say = nr.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batch == 5 and print("meanwhile"))
    model.fit(x, y, epochs=2, batch_size=16, validation_split=0.2, callbacks=[say])
    print("after fit")
    model.evaluate(x, y, verbose=1)
    model.predict(x, verbose=1)
    assert sys.stdout is terminal
    monkeypatch.undo()
    output = terminal.getvalue()
    assert output.count("\x1b[2K") > 30                     # the bars were redrawn
    screen = Screen(width)
    screen.feed(output)
    assert_lines(screen.lines(), ["Epoch 1/2", "meanwhile", fit_line(15), "Epoch 2/2", "meanwhile", fit_line(15),
                                  "after fit", fit_line(10, validation=False), rf"10/10 ━{{20}} {TIME}"])


@pytest.mark.parametrize("term, drawn", [("xterm-256color", True), ("dumb", False)])
def test_a_dumb_terminal_or_no_colour_is_respected(monkeypatch, term, drawn):
    from neurona import progress
    monkeypatch.setenv("TERM", term)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys, "stdout", FakeTerminal())
    logger = progress.ProgressLogger(1)
    assert isinstance(logger.display, progress._TerminalBar) == drawn
    assert not drawn or logger.display.color is False


def test_batches_of_unknown_number_count_up_then_end_on_the_count(monkeypatch):
    import neurona as nr
    from neurona import progress

    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setattr(progress, "REDRAW_SECONDS", 0.0)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(160, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")

    def batches(with_targets=True):                        # a generator: its length is unknown
        for start in range(0, 160, 16):
            yield (x[start:start + 16], y[start:start + 16]) if with_targets else x[start:start + 16]

    model = nr.Sequential([nr.Input((8,)), nr.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(batches(), epochs=1)
    model.evaluate(batches(), verbose=1)
    model.predict(batches(False), verbose=1)
    monkeypatch.undo()
    assert "      1/Unknown" in terminal.getvalue()
    screen = Screen(60)
    screen.feed(terminal.getvalue())
    assert_lines(screen.lines(), ["Epoch 1/1", fit_line(10, validation=False), fit_line(10, validation=False),
                                  rf"10/10 ━{{20}} {TIME}"])


def test_bar_line_shows_the_time_left_while_running_and_the_time_taken_once_ended():
    from neurona.progress import _STYLE, bar_line
    assert bar_line(3, 10, 3.0, {"loss": 0.5}, running=True) == " 3/10 ━━━━━━────────────── 7s 1s/step - loss: 0.5000"
    # an epoch stopped early (a divergence) ends on the time it took
    assert bar_line(3, 10, 3.0, {"loss": 0.5}) == " 3/10 ━━━━━━────────────── 3s 1s/step - loss: 0.5000"
    logs = {"val_loss": 0.3, "loss": 0.25, "val_accuracy": 0.8, "accuracy": 0.9, "batch_loss": 0.1}
    assert bar_line(45, 45, 0.09, logs) == ("45/45 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.9000 - loss: 0.2500 "
                                             "- val_accuracy: 0.8000 - val_loss: 0.3000")
    assert bar_line(7, None, 0.7, {}, running=True) == "      7/Unknown 1s 100ms/step"
    assert bar_line(0, 5, 0.0, {}, running=True) == "0/5 ──────────────────── 0s 0s/step"
    colored = bar_line(3, 10, 3.0, {"loss": 0.5}, running=True, color=True)
    assert "\x1b[32m━━━━━━\x1b[0m" in colored and _STYLE.sub("", colored) == bar_line(3, 10, 3.0, {"loss": 0.5},
                                                                                      running=True)


def test_verbose_0_and_auto_evaluate_predict_print_nothing_in_a_terminal(monkeypatch):
    import neurona as nr
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    x = np.random.default_rng(0).normal(size=(40, 3))
    model = nr.Sequential([nr.Input((3,)), nr.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, x[:, :1], epochs=2, verbose=0)
    model.evaluate(x, x[:, :1])
    model.predict(x)
    model.evaluate(x, x[:, :1], verbose=0)
    model.predict(x, verbose=0)
    assert terminal.getvalue() == "" and sys.stdout is terminal
