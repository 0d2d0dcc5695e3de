"""neurona predict reads its CSV a bounded number of rows at a time: the header and the first rows
are checked before anything is predicted or written, the memory taken does not grow with the
file's length, the output is the same whatever the chunk size, and a bad row anywhere leaves an
output file untouched. A model whose saved description disagrees with its network is named."""
import json
import tracemalloc

import numpy as np
import pytest

from neurona import cli
from neurona.models import model as model_module
from neurona.cli import csvfile

CSV = "a,b,label\n" + "".join(f"{i % 3},{(i * 7) % 5},{'yes' if i % 2 else 'no'}\n" for i in range(40))


@pytest.fixture
def trained(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text(CSV)
    assert cli.main(["train", "--csv", "data.csv", "--layers", "4", "--epochs", "2", "--verbose", "0",
                     "--validation-split", "0"]) == 0
    capsys.readouterr()
    return tmp_path


def inputs(path, rows, bad_line=None, extra=""):
    r"""A CSV of ``rows`` samples (columns b, then a, and an ignored note); line ``bad_line`` holds a
    word where a number goes."""
    with open(path, "w") as file:
        file.write("b,note,a\n")
        for line in range(2, rows + 2):
            a = "oops" if line == bad_line else f"{(line * 0.37) % 3:.3f}"
            file.write(f"{(line * 1.3) % 5:.3f},n{line}{extra},{a}\n")


@pytest.mark.parametrize("cells", [3, 7, 100, 10 ** 6])
def test_the_predictions_do_not_depend_on_the_chunk_size(trained, monkeypatch, capsys, cells):
    inputs(trained / "in.csv", 50)
    assert cli.main(["predict", "model.safetensors", "in.csv"]) == 0
    whole = capsys.readouterr().out
    monkeypatch.setattr(csvfile, "CHUNK_CELLS", cells)
    assert cli.main(["predict", "model.safetensors", "in.csv", "-o", "out.csv"]) == 0
    assert (trained / "out.csv").read_text() == whole and whole.count("\n") == 51
    assert "Wrote 50 predictions to out.csv" in capsys.readouterr().out


def test_a_bad_header_is_refused_before_any_row_is_read(trained, monkeypatch, capsys):
    (trained / "in.csv").write_text("b,c\n" + "1,2\n" * 5000)
    parsed = []
    original = csvfile._features
    monkeypatch.setattr(csvfile, "_features", lambda *args, **kw: parsed.append(1) or original(*args, **kw))
    assert cli.main(["predict", "model.safetensors", "in.csv"]) == 2
    assert "in.csv: missing feature column(s) ['a']" in capsys.readouterr().err
    assert parsed == []


def test_a_bad_row_late_in_the_file_leaves_the_output_untouched(trained, monkeypatch, capsys):
    monkeypatch.setattr(csvfile, "CHUNK_CELLS", 30)         # 10 rows a chunk: the bad row is in chunk 40
    inputs(trained / "in.csv", 500, bad_line=400)
    (trained / "out.csv").write_text("my old predictions\n")
    predicted = []
    original = model_module.Model.predict
    monkeypatch.setattr(model_module.Model, "predict", lambda self, x, **kw: predicted.append(len(x)) or
                        original(self, x, **kw))
    assert cli.main(["predict", "model.safetensors", "in.csv", "-o", "out.csv"]) == 2
    assert "in.csv: line 400, column 'a': 'oops' is not a number." in capsys.readouterr().err
    assert (trained / "out.csv").read_text() == "my old predictions\n"
    assert sorted(p.name for p in trained.iterdir()) == ["data.csv", "in.csv", "model.safetensors", "out.csv"]
    assert len(predicted) == 39 and set(predicted) == {10}          # chunk by chunk, none after the bad one


def test_a_bad_first_row_prints_nothing(trained, capsys):
    inputs(trained / "in.csv", 50, bad_line=2)
    assert cli.main(["predict", "model.safetensors", "in.csv"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "in.csv: line 2, column 'a': 'oops' is not a number." in captured.err


def peak_bytes(rows, tmp_path):
    r"""(peak bytes allocated while predicting ``rows`` rows, the file's size)."""
    inputs(tmp_path / "in.csv", rows, extra="x" * 40)
    tracemalloc.start()
    try:
        assert cli.main(["predict", "model.safetensors", "in.csv", "-o", "out.csv"]) == 0
        return tracemalloc.get_traced_memory()[1], (tmp_path / "in.csv").stat().st_size
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_length_of_the_file(trained, monkeypatch, capsys):
    monkeypatch.setattr(csvfile, "CHUNK_CELLS", 300)      # 100 rows a chunk
    (small, small_size), (large, large_size) = peak_bytes(4_000, trained), peak_bytes(32_000, trained)
    # a few hundred kB for either; read whole, each byte of the file took some 7 bytes of memory
    assert large - small < (large_size - small_size) / 10, (small, large, small_size, large_size)
    assert (trained / "out.csv").read_text().count("\n") == 32_001


def saved_with_user(trained, **changes):
    from safetensors import safe_open
    from safetensors.numpy import load, save
    with safe_open(str(trained / "model.safetensors"), framework="numpy") as file:
        metadata = dict(file.metadata())
    user = {k: v for k, v in (json.loads(metadata["user"]) | changes).items() if v is not None}
    tensors = load((trained / "model.safetensors").read_bytes())
    (trained / "bad.safetensors").write_bytes(save(tensors, metadata=metadata | {"user": json.dumps(user)}))


@pytest.mark.parametrize("changes, message", [
    ({"classes": ["yes"]}, "bad.safetensors: metadata 'user' key 'classes' must be 2 names: the model has one "
                           "(sigmoid) output"),
    ({"classes": ["no", "yes", "maybe"]}, "bad.safetensors: metadata 'user' key 'classes' must be 2 names"),
    ({"task": None}, "bad.safetensors: metadata 'user' describes the inputs ('features') but has no 'task'"),
])
def test_a_description_that_disagrees_with_the_network_names_the_file_and_the_key(trained, capsys, changes,
                                                                                  message):
    saved_with_user(trained, **changes)
    for command in (["predict", "bad.safetensors", "data.csv"], ["info", "bad.safetensors"]):
        assert cli.main(command) == 2
        assert message in capsys.readouterr().err


def test_a_large_csv_is_predicted_in_chunks_of_bounded_size(trained, monkeypatch):
    sizes = []
    original = csvfile._features
    monkeypatch.setattr(csvfile, "_features", lambda path, header, columns, rows, *a: sizes.append(len(rows)) or
                        original(path, header, columns, rows, *a))
    rows = csvfile.CHUNK_CELLS // 3 + 5
    inputs(trained / "in.csv", rows)
    assert cli.main(["predict", "model.safetensors", "in.csv", "-o", "out.csv"]) == 0
    assert sizes == [csvfile.CHUNK_CELLS // 3, 5]
    assert np.loadtxt(trained / "out.csv", delimiter=",", skiprows=1, usecols=(0, 1)).shape == (rows, 2)
