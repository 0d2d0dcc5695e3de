r"""TextVectorization (``layers.text_vectorization``). Keras 3 runs it only on TensorFlow, which is not
installed here: the expected outputs are the examples of Keras's documentation, and by hand the
standardisation, splitting, n-grams, output modes, padding, config and model-file round trips."""
import numpy as np
import pytest

import neurona as nr
from neurona import layers


def test_as_documented_by_keras():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    np.testing.assert_array_equal(layer(np.array([["foo qux bar"], ["qux baz"]])), [[4, 1, 3, 0], [1, 2, 0, 0]])
    given = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4,
                                     vocabulary=["earth", "wind", "and", "fire"])
    assert given.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]


def test_standardize_split_and_ngrams():
    layer = layers.TextVectorization(ngrams=2, output_mode="count")
    layer.adapt(np.array(["Hello, World! hello", "world peace."]))
    vocabulary = layer.get_vocabulary()
    assert vocabulary[0] == "[UNK]" and set(vocabulary[1:]) == {"hello", "world", "peace", "hello world",
                                                                 "world hello", "world peace"}
    counts = layer(np.array(["HELLO hello world", "mars"]))
    row = dict(zip(vocabulary, counts[0]))
    assert row["hello"] == 2 and row["world"] == 1 and row["hello world"] == 1 and row["[UNK]"] == 1   # "hello hello"
    assert counts[1].tolist() == [1.0] + [0.0] * (len(vocabulary) - 1)
    characters = layers.TextVectorization(standardize=None, split="character", output_mode="multi_hot")
    characters.adapt(["abba", "ca"])
    assert characters.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    np.testing.assert_array_equal(characters(np.array(["aA"])), [[1, 1, 0, 0]])
    custom = layers.TextVectorization(standardize=lambda t: t.replace("-", " "), split=lambda t: t.split(" "))
    custom.adapt(["x-y"])
    assert custom.get_vocabulary() == ["", "[UNK]", "y", "x"]


def test_int_mode_pads_to_the_longest_text_without_a_length_and_max_tokens_caps_the_vocabulary():
    layer = layers.TextVectorization(max_tokens=4)
    layer.adapt(["a a a b b c d"])
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "b"]
    np.testing.assert_array_equal(layer(np.array(["a b c", "b"])), [[2, 3, 1], [3, 0, 0]])


def test_tf_idf_and_a_model_of_texts(tmp_path):
    texts = np.array(["good film", "bad film", "good good plot", "bad plot"])
    layer = layers.TextVectorization(output_mode="tf_idf")
    layer.adapt(texts)
    weights = dict(zip(layer.get_vocabulary()[1:], layer._lookup.idf_weights))
    assert weights["good"] == pytest.approx(np.log(1 + 4 / 3))
    vectors = layer(np.array(["good good"]))
    assert vectors[0, layer.get_vocabulary().index("good")] == pytest.approx(2 * np.log(1 + 4 / 3))
    sequence = layers.TextVectorization(output_sequence_length=3)
    sequence.adapt(texts)
    ids = np.asarray(sequence(texts), dtype=np.float32)
    model = nr.Sequential([nr.Input((3,)), layers.Embedding(sequence.vocabulary_size(), 4),
                           layers.GlobalAveragePooling1D(), layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(ids, np.array([1, 0, 1, 0]), epochs=2, verbose=0)
    clone = layers.TextVectorization.from_config(sequence.get_config())
    np.testing.assert_array_equal(clone(texts), sequence(texts))


@pytest.mark.parametrize("make, message", [
    (lambda: layers.TextVectorization(standardize="upper"), "standardize must be None, a function or one of"),
    (lambda: layers.TextVectorization(split="comma"), "split must be None, a function or one of whitespace"),
    (lambda: layers.TextVectorization(output_mode="one_hot"), "output_mode must be one of int, multi_hot"),
    (lambda: layers.TextVectorization(ngrams=0), "ngrams must be None, an int >= 1"),
    (lambda: layers.TextVectorization(output_mode="count", output_sequence_length=3), "used only with output_mode='int'"),
    (lambda: layers.TextVectorization()(np.array(["a"])), "no vocabulary yet"),
])
def test_errors_name_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()
