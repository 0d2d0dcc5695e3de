r"""StringLookup and IntegerLookup (``layers.lookup``). Keras 3 runs these layers only on TensorFlow,
which is not installed here, so the expected outputs are the examples of Keras's own documentation
(its inputs, vocabularies and printed outputs), plus adapt's ordering, tf_idf, invert, the config and
model-file round trips and the errors."""
import numpy as np
import pytest

import neurona as nr
from neurona import layers

VOCAB = ["a", "b", "c", "d"]
DATA = np.array([["a", "c", "d"], ["d", "z", "b"]])
DATA4 = np.array([["a", "c", "d", "d"], ["d", "z", "b", "z"]])


def test_string_lookup_as_documented_by_keras():
    np.testing.assert_array_equal(layers.StringLookup(vocabulary=VOCAB)(DATA), [[1, 3, 4], [4, 0, 2]])
    adapted = layers.StringLookup()
    adapted.adapt(DATA)
    assert adapted.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]          # ties: the larger token first
    np.testing.assert_array_equal(adapted(DATA), [[5, 3, 1], [1, 2, 4]])
    one_hot = layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(np.array(["a", "b", "c", "d", "z"]))
    np.testing.assert_array_equal(one_hot, np.eye(5)[[1, 2, 3, 4, 0]])
    np.testing.assert_array_equal(layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(DATA4),
                                  [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    np.testing.assert_array_equal(layers.StringLookup(vocabulary=VOCAB, output_mode="count")(DATA4),
                                  [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])


def test_tf_idf_as_documented_by_keras():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(layer(DATA4), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]])   # OOV: the mean idf
    layer.set_vocabulary(["[UNK]", *VOCAB], idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(layer(DATA4), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]])
    clone = layers.StringLookup.from_config(layer.get_config())
    np.testing.assert_allclose(clone(DATA4), layer(DATA4))


def test_adapted_idf_is_ln_1_plus_documents_over_1_plus_documents_with_the_token():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt(np.array([["a", "b", "b"], ["c", "b", "c"]]))
    assert layer.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    np.testing.assert_allclose(layer.idf_weights, [np.log(1 + 2 / 3), np.log(1 + 2 / 2), np.log(1 + 2 / 2)])


def test_invert_maps_indices_back():
    indices = layers.StringLookup(vocabulary=VOCAB)(DATA)
    back = layers.StringLookup(vocabulary=VOCAB, invert=True)(indices)
    assert back.tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]


def test_integer_lookup_as_documented_by_keras():
    vocab = [12, 36, 1138, 42]
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    np.testing.assert_array_equal(layers.IntegerLookup(vocabulary=vocab)(data), [[1, 3, 4], [4, 0, 2]])
    masked = layers.IntegerLookup(vocabulary=vocab, mask_token=0)
    np.testing.assert_array_equal(masked(np.array([[12, 1138, 0], [42, 0, 36]])), [[2, 4, 0], [5, 0, 3]])
    assert masked.get_vocabulary() == [0, -1, 12, 36, 1138, 42]
    adapted = layers.IntegerLookup()
    adapted.adapt(data)
    assert adapted.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    adapted = layers.IntegerLookup(max_tokens=3)
    adapted.adapt(data)
    assert adapted.get_vocabulary() == [-1, 42, 1138]


def test_lookup_in_a_model_and_its_file(tmp_path):
    lookup = layers.IntegerLookup(vocabulary=[3, 5, 7], output_mode="multi_hot", mask_token=0)
    model = nr.Sequential([nr.Input((4,)), lookup, layers.Dense(2)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[3, 5, 0, 9], [7, 7, 0, 0]], np.float32)
    model.fit(x, np.zeros((2, 2)), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = nr.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].get_vocabulary() == lookup.get_vocabulary()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    vocabulary_file = tmp_path / "vocab.txt"
    vocabulary_file.write_text("a\nb\nc\nd\n", encoding="utf-8")
    assert layers.StringLookup(vocabulary=vocabulary_file).get_vocabulary() == ["[UNK]", *VOCAB]


@pytest.mark.parametrize("make, error, message", [
    (lambda: layers.StringLookup(num_oov_indices=2), ValueError, "num_oov_indices must be 0 or 1"),
    (lambda: layers.StringLookup(output_mode="tfidf"), ValueError, "output_mode must be one of int"),
    (lambda: layers.StringLookup(vocabulary=["a", "b", "a"]), ValueError, "the vocabulary repeats a"),
    (lambda: layers.StringLookup(vocabulary=VOCAB, max_tokens=3), ValueError, "exceed max_tokens=3"),
    (lambda: layers.StringLookup(invert=True, output_mode="count"), ValueError, "needs output_mode='int'"),
    (lambda: layers.StringLookup()(DATA), ValueError, "no vocabulary yet"),
    (lambda: layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)(DATA), KeyError, "'z' is not in the vocabulary"),
    (lambda: layers.IntegerLookup(vocabulary=[1.5]), ValueError, "tokens must be whole numbers; got 1.5"),
])
def test_errors_name_what_was_expected(make, error, message):
    with pytest.raises(error, match=message):
        make()
