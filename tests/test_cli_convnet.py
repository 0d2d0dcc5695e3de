r"""``neurona train --model convnet``: keras.io's MNIST convnet from the command line and from an
experiment file, on a small part of MNIST written as IDX files (one epoch: the test stays short)."""
from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

import neurona as nr
from neurona.cli import experiment
from neurona.convnet import build_convnet
from mnist_data import mnist_dir
from test_cli import run


def ok(*args, cwd):
    result = run(*args, cwd=cwd, timeout=600)           # a loaded machine trains a convnet slowly
    assert result.returncode == 0, result.stderr
    return result.stdout

FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "t10k": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def _read_idx(path):
    with gzip.open(path, "rb") as file:
        data = file.read()
    dims = data[3]
    shape = struct.unpack(f">{dims}I", data[4:4 + 4 * dims])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def _write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as file:
        file.write(header + np.ascontiguousarray(array, np.uint8).tobytes())


@pytest.fixture(scope="module")
def small_mnist(tmp_path_factory):
    r"""The first 400 training and 200 test images of MNIST, as IDX files."""
    mnist_path = mnist_dir()
    folder = tmp_path_factory.mktemp("small_mnist")
    for part, n in (("train", 400), ("t10k", 200)):
        for name in FILES[part]:
            _write_idx(folder / name, _read_idx(mnist_path / name)[:n])
    return folder


def test_the_convnet_is_keras_ios():
    model = build_convnet(784, [32, 64], 10, output_activation="softmax", seed=0)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Reshape", "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"]
    assert model.count_params() == 34826                      # keras.io's summary: 34,826 parameters
    assert model.layers[5].sample_output_shape == (1600,)
    with pytest.raises(ValueError, match="not a square"):
        build_convnet(30, [32], 10)
    with pytest.raises(ValueError, match="too small for 2 blocks"):
        build_convnet(64, [32, 64], 10)                     # 8 x 8 -> 3 x 3 -> nothing left to pool


def test_model_settings_and_their_defaults():
    settings = experiment.merge({}, {"model": "convnet"})
    assert settings["dropout"] == 0.5 and settings["filters"] == [32, 64] and settings["kernel_size"] == 3
    assert experiment.merge({}, {"model": "convnet", "dropout": 0.25})["dropout"] == 0.25
    assert experiment.merge({}, {})["dropout"] == 0.0
    with pytest.raises(experiment.SettingsError, match=r"--model \(\[model\] model\) must be one of mlp, convnet"):
        experiment.merge({}, {"model": "resnet"})
    with pytest.raises(experiment.SettingsError, match=r"--filters \(\[model\] filters\) sizes must be >= 1"):
        experiment.merge({}, {"model": "convnet", "filters": [32, 0]})


def test_train_the_convnet_from_flags(tmp_path, small_mnist):
    out = ok("train", "--dataset", "mnist", "--model", "convnet", "--data-path", small_mnist, "--epochs", "1",
             "--batch-size", "16", "--validation-split", "0", "--verbose", "0", cwd=tmp_path)
    assert "Dataset mnist: 400 train / 200 test samples, 784 features, 10 classes" in out
    assert "(Conv2D" in out and "(MaxPooling2D" in out and "Total params: 34,826" in out
    assert float(out.split("test accuracy: ")[1].split()[0]) > 0.3        # chance: 0.1
    model = nr.load_model(tmp_path / "model.safetensors")
    assert type(model.layers[1]).__name__ == "Conv2D"


def test_train_a_convnet_experiment_file(tmp_path, small_mnist):
    (tmp_path / "cnn.toml").write_text(f'[data]\ndataset = "mnist"\ndata_path = "{small_mnist}"\n\n'
                                       '[model]\nmodel = "convnet"\nfilters = [8, 16]\nkernel_size = 5\n'
                                       'dropout = 0.25\n\n[fit]\nepochs = 1\nbatch_size = 64\nverbose = 0\n')
    out = ok("train", "cnn.toml", cwd=tmp_path)
    assert "(Dropout, rate=0.25)" in out
    # 28 -> (28 - 5 + 1) / 2 = 12 -> (12 - 5 + 1) / 2 = 4: 4 x 4 x 16 features
    assert "(None, 256)" in out
    assert (tmp_path / "model.safetensors").exists()


def test_a_wrong_model_name_is_a_usage_error(tmp_path):
    result = run("train", "--model", "convnett", cwd=tmp_path)
    assert result.returncode == 2 and "must be one of mlp, convnet; got 'convnett'" in result.stderr


def test_tune_says_it_searches_mlps_only(tmp_path):
    (tmp_path / "cnn.toml").write_text('[model]\nmodel = "convnet"\n\n[search]\nlearning_rate = {float = [1e-4, 1e-2]}\n')
    result = run("tune", "cnn.toml", cwd=tmp_path)
    assert result.returncode == 2 and "neurona tune searches the MLP's settings" in result.stderr
