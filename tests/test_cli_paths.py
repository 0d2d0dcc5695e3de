"""No command destroys what it reads: an output that is an input, or another output, is refused
before any work (exit 2, the files untouched), and one failed output never loses another."""
import os

import pytest

import neurona as nr
from neurona import cli
from neurona.cli import paths

CSV = "a,b,label\n" + "".join(f"{i % 3},{(i * 7) % 5},{'yes' if i % 2 else 'no'}\n" for i in range(40))
SMALL = ["--layers", "4", "--epochs", "2", "--verbose", "0", "--validation-split", "0"]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text(CSV)
    return tmp_path


def refused(args, capsys, message="output is an input file"):
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert message in err, err
    return err


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.is_symlink()}


@pytest.mark.parametrize("out", ["data.csv", "./data.csv", "sub/../data.csv", "ABS", "link.csv"])
def test_train_out_that_is_the_training_data_is_refused(folder, capsys, out):
    (folder / "sub").mkdir()
    os.symlink(folder / "data.csv", folder / "link.csv")
    out = str(folder / "data.csv") if out == "ABS" else out
    before = snapshot(folder)
    refused(["train", "--csv", "data.csv", *SMALL, "--out", out], capsys)
    assert snapshot(folder) == before and sorted(os.listdir(folder)) == ["data.csv", "link.csv", "sub"]


def test_checkpoint_that_is_the_training_data_is_refused_and_kept(folder, capsys):
    refused(["train", "--csv", "data.csv", *SMALL, "--checkpoint", "./data.csv"], capsys)
    assert (folder / "data.csv").read_text() == CSV


def test_an_existing_checkpoint_that_is_not_a_neurona_file_is_never_deleted(folder, capsys):
    (folder / "notes.txt").write_text("my notes")
    for extra in ([], ["--resume"]):
        refused(["train", "--csv", "data.csv", *SMALL, "--checkpoint", "notes.txt", *extra], capsys,
                "is not a neurona checkpoint")
        assert (folder / "notes.txt").read_text() == "my notes"
    assert sorted(os.listdir(folder)) == ["data.csv", "notes.txt"]


def test_outputs_that_are_one_file_are_refused(folder, capsys):
    os.symlink(folder / "m.safetensors", folder / "alias.safetensors")       # dangling: not written yet
    refused(["train", "--csv", "data.csv", *SMALL, "--out", "m.safetensors", "--checkpoint", "alias.safetensors"],
            capsys, "output is another output file")
    (folder / "plots").mkdir()
    refused(["train", "--csv", "data.csv", *SMALL, "--out", "plots/learning_curves.png", "--plots", "plots"],
            capsys, "output is another output file")
    assert not (folder / "m.safetensors").exists() and os.listdir(folder / "plots") == []


def test_the_experiment_file_is_an_input(folder, capsys):
    (folder / "run.toml").write_text('[data]\ncsv = "data.csv"\n[fit]\nepochs = 1\n')
    refused(["train", "run.toml", "--out", "run.toml"], capsys)
    assert (folder / "run.toml").read_text().startswith("[data]")


def test_plots_path_that_is_a_file_is_refused_before_training(folder, capsys):
    (folder / "plots").write_text("not a directory")
    refused(["train", "--csv", "data.csv", *SMALL, "--plots", "plots"], capsys, "is an existing file")
    out = capsys.readouterr().out
    assert "Epoch" not in out
    assert sorted(os.listdir(folder)) == ["data.csv", "plots"]


def test_a_failed_plot_keeps_the_saved_model_and_leaves_no_checkpoint(folder, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    from neurona import plot

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(plot, "learning_curves", broken)
    assert cli.main(["train", "--csv", "data.csv", *SMALL, "--plots", "plots"]) == 1
    err = capsys.readouterr().err
    assert "saved the model to model.safetensors, but writing the plots to plots failed: disk full" in err
    assert nr.load_model(folder / "model.safetensors").epoch == 2
    assert not (folder / "model.ckpt.safetensors").exists()


def test_predict_output_that_is_the_model_or_the_input_is_refused(folder, capsys):
    assert cli.main(["train", "--csv", "data.csv", *SMALL]) == 0
    capsys.readouterr()
    model_bytes = (folder / "model.safetensors").read_bytes()
    os.link(folder / "model.safetensors", folder / "hard.safetensors")
    for output in ["model.safetensors", str(folder / "model.safetensors"), "./hard.safetensors", "data.csv"]:
        refused(["predict", "model.safetensors", "data.csv", "-o", output], capsys)
    assert (folder / "model.safetensors").read_bytes() == model_bytes
    assert (folder / "data.csv").read_text() == CSV
    assert cli.main(["predict", "model.safetensors", "data.csv", "-o", "p.csv"]) == 0
    assert (folder / "p.csv").read_text().startswith("p_no,p_yes,class\n")


def test_check_paths_directly(tmp_path):
    (tmp_path / "in.csv").write_text("x")
    paths.check_paths({"--csv": str(tmp_path / "in.csv")}, {"--out": str(tmp_path / "out.bin")})
    with pytest.raises(paths.PathError, match="does not exist"):
        paths.check_paths({}, {"--out": str(tmp_path / "missing" / "out.bin")})
    with pytest.raises(paths.PathError, match="is a directory"):
        paths.check_paths({}, {"--out": str(tmp_path)})
    with pytest.raises(paths.PathError, match="output is an input file"):
        paths.check_paths({"--data-path": paths.directory_files(tmp_path)}, {"--out": str(tmp_path / "in.csv")})
