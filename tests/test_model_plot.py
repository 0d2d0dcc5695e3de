r"""keras.utils.plot_model and model_to_dot: the diagram's DOT text (boxes, arrows, shapes) and
its drawing by Graphviz, for a Sequential, a functional graph with merges and several inputs and
outputs, a layer with several outputs and models inside models."""
import re
import shutil
import struct

import numpy as np
import pytest

import neurona as keras
from neurona import layers

needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def edges(dot) -> list:
    return re.findall(r'^\s*"([^"]+)" -> "([^"]+)";$', dot.to_string(), re.M)


def boxes(dot) -> list:
    return re.findall(r'^\s*"([^"]+)" \[label=', dot.to_string(), re.M)


def png_size(data: bytes) -> tuple:
    r"""(width, height) of a PNG, after checking its signature and its first chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", data[16:24])


def two_input_two_output_model():
    title = keras.Input(shape=(8,), name="title")
    body = keras.Input(shape=(6,), name="body")
    t = layers.Dense(5, activation="relu", name="title_features")(title)
    b = layers.Dense(5, name="body_features")(body)
    joined = layers.Concatenate(name="joined")([t, b])
    priority = layers.Dense(1, activation="sigmoid", name="priority")(joined)
    department = layers.Dense(3, activation="softmax", name="department")(t)
    return keras.Model([title, body], [priority, department])


def test_sequential_is_the_chain_of_its_layers_with_their_shapes():
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(8, activation="relu"), layers.Dropout(0.5),
                              layers.Dense(2)])
    dot = keras.utils.model_to_dot(model, show_shapes=True, show_layer_activations=True)
    assert boxes(dot) == ["dense_0", "dropout_1", "dense_2"]
    assert edges(dot) == [("dense_0", "dropout_1"), ("dropout_1", "dense_2")]
    text = dot.to_string()
    for shape in ("(None, 4)", "(None, 8)", "(None, 2)"):
        assert f"<b>{shape}</b>" in text
    assert "Activation: <b>relu</b>" in text and text.startswith('digraph "sequential" {')
    plain = keras.utils.model_to_dot(model, show_layer_names=False).to_string()
    assert "Output shape" not in plain and "dense_0</b>" not in plain and "<b>Dense</b>" in plain


def test_functional_graph_with_merges_and_several_inputs_and_outputs():
    dot = keras.utils.model_to_dot(two_input_two_output_model(), show_shapes=True, show_dtype=True,
                                   show_trainable=True)
    assert sorted(boxes(dot)) == sorted(["title", "body", "title_features", "body_features", "joined",
                                         "priority", "department"])
    assert sorted(edges(dot)) == sorted([("title", "title_features"), ("body", "body_features"),
                                         ("title_features", "joined"), ("body_features", "joined"),
                                         ("joined", "priority"), ("title_features", "department")])
    text = dot.to_string()
    assert "Input shape: <b>[(None, 5), (None, 5)]</b>" in text and "Output shape: <b>(None, 10)</b>" in text
    assert text.count("Output dtype: <b>float32</b>") == 7
    assert text.count("<b>Trainable</b>") == 4          # the Dense layers; inputs and Concatenate have no weights


def test_a_layer_with_several_outputs_is_one_box():
    inputs = keras.Input(shape=(5, 3))
    sequence, h, c = layers.LSTM(4, return_sequences=True, return_state=True, name="lstm")(inputs)
    outputs = layers.Concatenate(name="both")([layers.Flatten(name="flat")(sequence), h, c])
    dot = keras.utils.model_to_dot(keras.Model(inputs, outputs))
    assert sorted(boxes(dot)) == ["both", "flat", "input_layer", "lstm"]
    assert sorted(edges(dot)) == [("flat", "both"), ("input_layer", "lstm"), ("lstm", "both"), ("lstm", "flat")]


def nested_model():
    inner = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(4, name="hidden"), layers.Dense(3, name="code")],
                             name="encoder")
    head_in = keras.Input(shape=(3,), name="code_in")
    head = keras.Model(head_in, layers.Dense(2, name="logits")(head_in), name="head")
    inputs = keras.Input(shape=(6,), name="x")
    return keras.Model(inputs, head(inner(inputs)), name="outer")


def test_nested_models_are_boxes_or_expanded_clusters():
    model = nested_model()
    folded = keras.utils.model_to_dot(model, show_shapes=True)
    assert edges(folded) == [("x", "encoder"), ("encoder", "head")]
    assert "<b>encoder</b> (Sequential)" in folded.to_string()
    expanded = keras.utils.model_to_dot(model, expand_nested=True)
    assert sorted(edges(expanded)) == sorted([("x", "encoder/hidden"), ("encoder/hidden", "encoder/code"),
                                              ("encoder/code", "head/code_in"), ("head/code_in", "head/logits")])
    text = expanded.to_string()
    assert 'subgraph "cluster_encoder" {' in text and 'subgraph "cluster_head" {' in text


def test_a_subclassed_model_is_one_box():
    class Twice(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x) * 2.0

    model = Twice()
    model(np.ones((1, 3), dtype="float32"))
    dot = keras.utils.model_to_dot(model)
    assert len(boxes(dot)) == 1 and edges(dot) == []


@needs_graphviz
def test_plot_model_writes_a_png_as_on_keras_io(tmp_path):
    model = two_input_two_output_model()
    target = tmp_path / "model.png"
    keras.utils.plot_model(model, to_file=str(target), show_shapes=True, show_dtype=False, show_layer_names=True,
                           rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False,
                           show_trainable=False)
    width, height = png_size(target.read_bytes())
    assert width > 500 and height > 300
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.png"]       # no temporary left behind
    low = tmp_path / "low.png"
    keras.utils.plot_model(model, to_file=low, show_shapes=True, dpi=50)
    assert png_size(low.read_bytes())[0] < width / 2                         # dpi reaches Graphviz


@needs_graphviz
@pytest.mark.parametrize("name, start", [("m.svg", b"<?xml"), ("m.pdf", b"%PDF"), ("m.jpg", b"\xff\xd8\xff"),
                                         ("m", b"\x89PNG")])
def test_the_extension_picks_the_format(tmp_path, name, start):
    keras.utils.plot_model(nested_model(), to_file=tmp_path / name, expand_nested=True, rankdir="LR")
    assert (tmp_path / name).read_bytes().startswith(start)


def test_the_dot_text_is_written_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    dot = keras.utils.model_to_dot(nested_model())
    dot.write(tmp_path / "model.dot")
    assert (tmp_path / "model.dot").read_text() == dot.to_string()
    with pytest.raises(ImportError, match=r"Graphviz.*apt install graphviz.*model_to_dot\(model\).write"):
        keras.utils.plot_model(nested_model(), to_file=tmp_path / "model.png")
    assert not (tmp_path / "model.png").exists()
    assert dot._repr_svg_() is None


def test_wrong_arguments_name_what_was_expected(tmp_path):
    model = two_input_two_output_model()
    with pytest.raises(ValueError, match="rankdir must be one of TB, LR, BT, RL; got 'XY'"):
        keras.utils.model_to_dot(model, rankdir="XY")
    with pytest.raises(ValueError, match="dpi must be a positive number; got 0"):
        keras.utils.plot_model(model, to_file=tmp_path / "m.png", dpi=0)
    with pytest.raises(TypeError, match="unknown argument.*show_colors"):
        keras.utils.plot_model(model, to_file=tmp_path / "m.png", show_colors=True)
    with pytest.raises(ValueError, match=r"png, svg, pdf.*m.bmp'"):
        keras.utils.plot_model(model, to_file=tmp_path / "m.bmp")
    with pytest.raises(ValueError, match="not built"):
        keras.utils.model_to_dot(keras.Sequential([layers.Dense(2)]))
    assert not any(tmp_path.iterdir())


def test_operations_on_tensors_are_boxes_named_by_their_function():
    inputs = keras.Input(shape=(4,))
    hidden = layers.Dense(3, name="hidden")(inputs)
    model = keras.Model(inputs, [hidden * 2.0, hidden[:, 0:2]])
    dot = keras.utils.model_to_dot(model, show_shapes=True)
    text = dot.to_string()
    assert "(Op multiply)" in text and "Output shape: <b>(None, 2)</b>" in text
    assert sorted(edges(dot)) == [("hidden", "op_1"), ("hidden", "op_2"), ("input_layer", "hidden")]
