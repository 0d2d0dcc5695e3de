"""Experiment settings: defaults < TOML file < flags, every key a flag, conflicts and bad keys."""
import os
import re

import pytest

from neurona.cli import experiment
from neurona.cli.experiment import SettingsError


def toml(tmp_path, text):
    path = tmp_path / "e.toml"
    path.write_text(text)
    return path


def test_defaults_file_and_flags_in_that_order(tmp_path):
    path = toml(tmp_path, '[compile]\nlearning_rate = 1\n[fit]\nepochs = 7\nbatch_size = 8\n'
                          '[data]\ncsv = "d/data.csv"\ntarget = "y"\n')
    settings = experiment.merge(experiment.read_toml(path), {"epochs": 3, "seed": None})
    assert settings["learning_rate"] == 1.0 and isinstance(settings["learning_rate"], float)
    assert settings["epochs"] == 3 and settings["batch_size"] == 8 and settings["seed"] == 0
    assert settings["csv"] == os.path.join(str(tmp_path), "d/data.csv")      # relative to the file
    assert settings["dataset"] is None and settings["layers"] == [64, 32]
    # a data-source flag replaces the file's data source instead of conflicting with it
    replaced = experiment.merge(experiment.read_toml(path), {"dataset": "iris"})
    assert replaced["dataset"] == "iris" and replaced["csv"] is None and replaced["target"] is None


def test_every_key_has_a_flag_and_a_default():
    assert experiment.flag("learning_rate") == "--learning-rate"
    assert set(experiment.defaults()) == set(experiment.SECTION_OF)
    keys = [key for keys in experiment.SCHEMA.values() for key in keys]
    assert len(keys) == len(set(keys))                    # one flag per key


@pytest.mark.parametrize("text, message", [
    ("[fit]\nepoch = 3\n", "unknown key 'epoch' in [fit]; did you mean [fit] 'epochs'?"),
    ("[model]\nbatch_size = 3\n", "unknown key 'batch_size' in [model]; it belongs in [fit]"),
    ("[modell]\nlayers = [3]\n", "unknown section [modell]; did you mean [model]?"),
    ("[zzz]\nlayers = [3]\n", "unknown section [zzz]; sections: data, model, compile, fit, output"),
    ("fit = 3\n", "[fit] must be a table of settings"),
    ("[model]\nlayers = [3, 'a']\n", "[model] layers must be a list of integers"),
    ("[fit]\nseed = true\n", "[fit] seed must be int; got True"),
    ("[output]\nresume = 1\n", "[output] resume must be bool; got 1"),
])
def test_bad_keys_and_types(tmp_path, text, message):
    with pytest.raises(SettingsError, match=f"e.toml: .*{re.escape(message)}"):
        experiment.read_toml(toml(tmp_path, text))


@pytest.mark.parametrize("flags, message", [
    ({"dataset": "iris", "csv": "a.csv"}, "conflicting settings in flags: --dataset and --csv"),
    ({"target": "y"}, "--target names a column of --csv FILE"),
    ({"task": "cluster"}, "--task ([data] task) must be one of auto, classification, regression"),
    ({"test_size": 1.0}, "--test-size ([data] test_size) must be a number >= 0 and < 1"),
    ({"learning_rate": 0.0}, "--learning-rate ([compile] learning_rate) must be a number > 0"),
    ({"epochs": 0}, "--epochs ([fit] epochs) must be an integer >= 1"),
    ({"verbose": 3}, "--verbose ([fit] verbose) must be 0 (silent)"),
    ({"layers": [3, 0]}, "--layers ([model] layers) sizes must be >= 1"),
])
def test_conflicts_and_ranges(flags, message):
    with pytest.raises(SettingsError, match=re.escape(message)):
        experiment.merge({}, flags)


def test_conflicting_keys_in_the_file(tmp_path):
    path = toml(tmp_path, '[data]\ndataset = "iris"\ncsv = "a.csv"\n')
    with pytest.raises(SettingsError, match="in the experiment file: dataset and csv"):
        experiment.merge(experiment.read_toml(path), {})


def test_parse_layers():
    assert experiment.parse_layers("64, 32") == [64, 32]
    assert experiment.parse_layers("none") == [] == experiment.parse_layers("")
    with pytest.raises(SettingsError, match="--layers takes comma-separated integers"):
        experiment.parse_layers("64;32")


#: a value other than the default for every key, as TOML and as the flag's text
SAMPLES = {"dataset": ('"iris"', "iris"), "csv": ('"/d/a.csv"', "/d/a.csv"), "target": ('"y"', "y"),
           "data_path": ('"/d/idx"', "/d/idx"), "task": ('"regression"', "regression"),
           "drop": ('["id", "name"]', "id,name"), "fill": ('"median"', "median"),
           "test_size": ("0.3", "0.3"), "scale": ("false", None), "layers": ("[8, 4]", "8,4"),
           "activation": ('"tanh"', "tanh"), "dropout": ("0.2", "0.2"), "optimizer": ('"sgd"', "sgd"),
           "learning_rate": ("0.05", "0.05"), "epochs": ("7", "7"), "batch_size": ("8", "8"),
           "validation_split": ("0.2", "0.2"), "seed": ("5", "5"), "verbose": ("0", "0"),
           "out": ('"/d/m.safetensors"', "/d/m.safetensors"), "checkpoint": ('"/d/c.safetensors"', "/d/c.safetensors"),
           "resume": ("true", None), "plots": ('"/d/plots"', "/d/plots"), "model": ('"convnet"', "convnet"),
           "filters": ("[8, 16]", "8,16"), "kernel_size": ("5", "5")}


def test_every_flag_of_train_is_a_toml_key_and_both_set_the_same_value(tmp_path):
    from neurona import cli
    # --debug shows tracebacks; it is not a setting of the experiment
    options = {param.name: param for param in cli.train.params if param.name not in ("config", "help", "debug")}
    assert set(options) == set(experiment.SECTION_OF) == set(SAMPLES)
    for key, (toml_value, flag_value) in SAMPLES.items():
        assert experiment.flag(key) in options[key].opts
        with_csv = key in ("target", "drop", "fill")
        section = experiment.SECTION_OF[key]
        text = f"[{section}]\n{key} = {toml_value}\n" + ('csv = "/d/a.csv"\n' if with_csv else "")
        from_file = experiment.merge(experiment.read_toml(toml(tmp_path, text)), {})
        if flag_value is None:                       # a boolean: --scale/--no-scale, --resume/--no-resume
            args = [options[key].secondary_opts[0] if toml_value == "false" else experiment.flag(key)]
        else:
            args = [experiment.flag(key), flag_value]
        args += ["--csv", "/d/a.csv"] if with_csv else []
        flags = cli.train.make_context("train", args).params
        for sizes in ("layers", "filters"):
            if flags[sizes] is not None:
                flags[sizes] = experiment.parse_layers(flags[sizes], sizes)
        from_flags = experiment.merge({}, flags)
        assert from_file[key] == from_flags[key] != experiment.defaults()[key], key
