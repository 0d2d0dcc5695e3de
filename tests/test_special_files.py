"""Destinations that exist and are not regular files (a FIFO, a character device, a socket, a
directory, or a symlink to one) are refused with an error naming them, before any training; a
symlink to a regular file is written through (the link is kept). ``neurona predict -o -`` and
``-o /dev/stdout`` write to standard output."""
import os
import socket
import stat
import subprocess
import sys
import threading

import numpy as np
import pytest

import neurona as nr
from neurona import callbacks, cli
from neurona.atomicfile import NotARegularFileError, write_atomic

X = np.random.default_rng(0).normal(size=(20, 3))
Y = (X[:, :1] > 0).astype(float)


def model():
    m = nr.Sequential([nr.layers.Dense(1, activation="sigmoid", input_dim=3)], seed=0)
    m.compile(optimizer="sgd", loss="binary_crossentropy")
    return m


def within(work, seconds=20):
    r"""The exception ``work()`` raises (None if it returns), failing the test if it runs on (opening
    a FIFO with no reader blocks forever)."""
    outcome = {}

    def target():
        try:
            work()
            outcome["error"] = None
        except BaseException as error:       # noqa: BLE001 - reported to the test
            outcome["error"] = error
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert "error" in outcome, f"still running after {seconds} s (blocked on a FIFO?)"
    return outcome["error"]


@pytest.fixture
def specials(tmp_path):
    r"""name -> (path, the kind the message names, a check that the node is still what it was)."""
    os.mkfifo(tmp_path / "fifo")
    os.symlink("/dev/null", tmp_path / "null-link")
    os.symlink(tmp_path / "fifo", tmp_path / "fifo-link")
    (tmp_path / "folder").mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock"))
    yield {"fifo": (tmp_path / "fifo", "a FIFO (named pipe)", stat.S_ISFIFO),
           "null-link": (tmp_path / "null-link", "a character device", stat.S_ISCHR),
           "fifo-link": (tmp_path / "fifo-link", "a FIFO (named pipe)", stat.S_ISFIFO),
           "folder": (tmp_path / "folder", "a directory", stat.S_ISDIR),
           "sock": (tmp_path / "sock", "a socket", stat.S_ISSOCK)}
    server.close()


def still_there(path, is_kind):
    assert is_kind(os.stat(path).st_mode), f"{path} was replaced"
    assert os.path.islink(path) == path.name.endswith("-link"), f"the link {path} was replaced"
    assert not [e for e in os.listdir(os.path.dirname(path)) if e.endswith(".tmp")], "a temporary file was left"


WRITERS = {
    "write_atomic": lambda m, p: write_atomic(p, b"data"),
    "model.save": lambda m, p: m.save(p),
    "save_weights": lambda m, p: m.save_weights(p),
    "models.save_model": lambda m, p: nr.models.save_model(m, p),
}


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("kind", ["fifo", "null-link", "fifo-link", "folder", "sock"])
def test_writers_refuse_a_destination_that_is_not_a_regular_file(specials, writer, kind):
    path, named, is_kind = specials[kind]
    m = model()
    m.build((None, 3))
    error = within(lambda: WRITERS[writer](m, path))
    assert isinstance(error, NotARegularFileError) and isinstance(error, ValueError), error
    assert f"{str(path)!r}: it exists" in str(error) and f"is {named}, not a regular file" in str(error)
    if os.path.islink(path):
        assert f"a link to {os.path.realpath(path)!r}" in str(error)
    still_there(path, is_kind)


def test_a_link_to_standard_output_that_is_a_pipe_is_refused_and_kept(tmp_path):
    os.symlink("/proc/self/fd/1", tmp_path / "out-link")
    code = ("import neurona as nr; m = nr.Sequential([nr.layers.Dense(1, input_dim=2)]); m.build((None, 2)); "
            f"m.save({str(tmp_path / 'out-link')!r})")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "is a FIFO (named pipe), not a regular file" in result.stderr, result.stderr
    assert os.readlink(tmp_path / "out-link") == "/proc/self/fd/1" and result.stdout == ""


def test_a_symlink_to_a_regular_file_is_written_through_and_kept(tmp_path):
    (tmp_path / "models").mkdir()
    target = tmp_path / "models" / "v3.safetensors"
    target.write_bytes(b"old")
    os.symlink(target, tmp_path / "current.safetensors")
    m = model()
    m.build((None, 3))
    m.save(tmp_path / "current.safetensors")
    assert os.path.islink(tmp_path / "current.safetensors")
    assert nr.load_model(target).count_params() == m.count_params()
    assert sorted(os.listdir(tmp_path / "models")) == ["v3.safetensors"]


CALLBACKS = {
    "ModelCheckpoint": lambda p: callbacks.ModelCheckpoint(p, monitor="loss"),
    "ModelCheckpoint weights": lambda p: callbacks.ModelCheckpoint(p, monitor="loss", save_weights_only=True),
    "CSVLogger": lambda p: callbacks.CSVLogger(p),
    "CSVLogger append": lambda p: callbacks.CSVLogger(p, append=True),
    "BackupAndRestore": lambda p: callbacks.BackupAndRestore(p),
}


@pytest.mark.parametrize("callback", CALLBACKS)
@pytest.mark.parametrize("kind", ["fifo", "null-link", "fifo-link"])
def test_callbacks_refuse_a_destination_that_is_not_a_regular_file_before_training(specials, callback, kind):
    path, named, is_kind = specials[kind]
    m = model()
    epochs = []
    watch = callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs.append(epoch))
    error = within(lambda: m.fit(X, Y, epochs=2, verbose=0, callbacks=[watch, CALLBACKS[callback](path)]))
    # (BackupAndRestore reads an existing file first: load_model's refusal names it, as "a FIFO")
    assert isinstance(error, ValueError) and "not a regular file" in str(error), error
    assert epochs == [] and m.epoch == 0, "training started before the destination was checked"
    still_there(path, is_kind)


def test_a_checkpoint_name_with_fields_is_checked_when_filled_in(specials, tmp_path):
    os.mkfifo(tmp_path / "ckpt-1")
    m = model()
    error = within(lambda: m.fit(X, Y, epochs=2, verbose=0,
                                 callbacks=[callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch}"), monitor="loss")]))
    assert isinstance(error, NotARegularFileError) and "a FIFO" in str(error)
    assert stat.S_ISFIFO(os.stat(tmp_path / "ckpt-1").st_mode)


# -- the command line --------------------------------------------------------------------------
CSV = "a,b,label\n" + "".join(f"{i % 3},{(i * 7) % 5},{'yes' if i % 2 else 'no'}\n" for i in range(40))
SMALL = ["--layers", "4", "--epochs", "2", "--verbose", "0", "--validation-split", "0"]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text(CSV)
    return tmp_path


@pytest.mark.parametrize("flag", ["--out", "--checkpoint"])
@pytest.mark.parametrize("kind", ["fifo", "null-link", "fifo-link", "sock"])
def test_train_refuses_an_output_that_is_not_a_regular_file_before_training(folder, specials, capsys, flag, kind):
    path, named, is_kind = specials[kind]
    code = within(lambda: exiting(cli.main(["train", "--csv", "data.csv", *SMALL, flag, str(path)])))
    assert isinstance(code, SystemExit) and code.code == 2, code
    captured = capsys.readouterr()
    assert f"cannot write {flag} {str(path)!r}" in captured.err and f"is {named}, not a regular file" in captured.err
    assert "Epoch" not in captured.out and "Reading" not in captured.out
    still_there(path, is_kind)
    assert not os.path.exists(folder / "model.safetensors")


def exiting(code):
    raise SystemExit(code)


def test_train_refuses_a_plot_file_that_is_a_fifo_before_training(folder, capsys):
    pytest.importorskip("matplotlib")
    (folder / "plots").mkdir()
    os.mkfifo(folder / "plots" / "learning_curves.png")
    code = within(lambda: exiting(cli.main(["train", "--csv", "data.csv", *SMALL, "--plots", "plots"])))
    assert isinstance(code, SystemExit) and code.code == 2
    assert "is a FIFO (named pipe), not a regular file" in capsys.readouterr().err
    assert not os.path.exists(folder / "model.safetensors")


@pytest.fixture
def trained(folder, capsys):
    assert cli.main(["train", "--csv", "data.csv", *SMALL]) == 0
    capsys.readouterr()
    return folder


@pytest.mark.parametrize("kind", ["fifo", "null-link", "fifo-link", "folder"])
def test_predict_refuses_an_output_that_is_not_a_regular_file(trained, specials, capsys, kind):
    path, named, is_kind = specials[kind]
    code = within(lambda: exiting(cli.main(["predict", "model.safetensors", "data.csv", "-o", str(path)])))
    assert isinstance(code, SystemExit) and code.code == 2
    assert "not a regular file" in capsys.readouterr().err or kind == "folder"
    still_there(path, is_kind)


@pytest.mark.parametrize("stream", ["-", "/dev/stdout"])
def test_predict_to_dash_or_dev_stdout_writes_standard_output(trained, capsys, stream):
    assert cli.main(["predict", "model.safetensors", "data.csv"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("p_no,p_yes,class\n") and printed.count("\n") == 41
    assert cli.main(["predict", "model.safetensors", "data.csv", "-o", stream]) == 0
    assert capsys.readouterr().out == printed
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert sorted(os.listdir(trained)) == ["data.csv", "model.safetensors"]
