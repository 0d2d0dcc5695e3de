r"""String inputs (``keras.Input(shape=(1,), dtype="string")``): the end-to-end model of keras.io's
"Text classification from scratch", which takes raw texts in predict, evaluate and fit. Strings
stay strings up to the layer that reads them (TextVectorization, StringLookup, Hashing)."""
import numpy as np
import pytest

import neurona as keras
from neurona import layers

TEXTS = np.array(["A great movie!", "a terrible movie", "great acting", "terrible, terrible plot",
                  "great great fun", "boring and terrible", "what a great cast", "dull and boring"])
LABELS = np.array([1, 0, 1, 0, 1, 0, 1, 0], dtype="float32")


def text_classifier(vocabulary_size=30, length=8):
    r"""keras.io's model, after the vectorization: it takes token indices."""
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(vocabulary_size, 6)(inputs)
    x = layers.Conv1D(5, 3, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    model = keras.Model(inputs, predictions)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def end_to_end(vectorize_layer, model):
    inputs = keras.Input(shape=(1,), dtype="string")
    indices = vectorize_layer(inputs)
    outputs = model(indices)
    end_to_end_model = keras.Model(inputs, outputs)
    end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return end_to_end_model


def test_the_end_to_end_model_of_keras_io_reads_raw_texts():
    vectorize_layer = layers.TextVectorization(max_tokens=30, output_mode="int", output_sequence_length=8)
    vectorize_layer.adapt(TEXTS)
    model = text_classifier()
    model.fit(vectorize_layer(TEXTS), LABELS, epochs=3, batch_size=4, verbose=0)
    end_to_end_model = end_to_end(vectorize_layer, model)
    assert end_to_end_model.input.dtype == np.dtype(object) and end_to_end_model.input.shape == (None, 1)
    assert end_to_end_model.layers[0].output.dtype == np.float32
    np.testing.assert_allclose(end_to_end_model.evaluate(TEXTS[:, None], LABELS, verbose=0),
                               model.evaluate(vectorize_layer(TEXTS), LABELS, verbose=0), rtol=1e-6)
    one = end_to_end_model.predict(np.array([["great movie"]]), verbose=0)
    assert one.shape == (1, 1)
    np.testing.assert_allclose(one, model.predict(vectorize_layer(np.array(["great movie"])), verbose=0))
    np.testing.assert_allclose(end_to_end_model.predict(TEXTS, verbose=0),          # (n,) texts: one per row
                               end_to_end_model.predict(TEXTS[:, None], verbose=0))
    before = model.get_weights()[0].copy()
    end_to_end_model.fit(TEXTS[:, None], LABELS, epochs=1, batch_size=4, verbose=0)
    assert not np.allclose(model.get_weights()[0], before)                         # it trains the inner model


def test_a_text_dataset_from_a_directory_is_evaluated_fitted_and_predicted(tmp_path):
    for k, (text, label) in enumerate(zip(TEXTS, LABELS)):
        folder = tmp_path / ("pos" if label else "neg")
        folder.mkdir(exist_ok=True)
        (folder / f"{k}.txt").write_text(str(text))
    raw_ds = keras.utils.text_dataset_from_directory(tmp_path, batch_size=3, seed=0)
    vectorize_layer = layers.TextVectorization(max_tokens=30, output_mode="int", output_sequence_length=8)
    vectorize_layer.adapt([x for x, _ in raw_ds])
    end_to_end_model = end_to_end(vectorize_layer, text_classifier())
    loss, accuracy = end_to_end_model.evaluate(raw_ds, verbose=0)
    assert np.isfinite(loss) and 0 <= accuracy <= 1
    history = end_to_end_model.fit(raw_ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert end_to_end_model.predict(raw_ds, verbose=0).shape == (len(TEXTS), 1)


def test_strings_never_become_numbers_on_their_way_to_a_lookup():
    inputs = keras.Input(shape=(2,), dtype="string")
    lookup = layers.StringLookup(vocabulary=["007", "1e3", "b"], output_mode="multi_hot")
    model = keras.Model(inputs, lookup(inputs))
    got = model.predict(np.array([["007", "1e3"], ["7", "1000"], [b"b", "007"]], dtype=object), verbose=0)
    # index 0 is the out-of-vocabulary token: "7" and "1000" are not "007" and "1e3"
    np.testing.assert_array_equal(got, [[0, 1, 1, 0], [1, 0, 0, 0], [0, 1, 0, 1]])
    hashed = keras.Model(inputs, layers.Hashing(num_bins=7)(inputs))
    np.testing.assert_array_equal(hashed.predict(np.array([["x", "y"]]), verbose=0),
                                  layers.Hashing(num_bins=7)(np.array([["x", "y"]])))


@pytest.mark.parametrize("dtype", ["string", str, "str", object])
def test_keras_string_dtype_names_give_a_string_input(dtype):
    assert keras.Input(shape=(1,), dtype=dtype).dtype == np.dtype(object)
    assert keras.Input(shape=(1,), dtype="int64").dtype == np.float32       # numbers are fed as floats


def test_only_layers_that_read_strings_take_a_string_input_and_a_string_input_takes_only_texts():
    inputs = keras.Input(shape=(1,), dtype="string")
    with pytest.raises(TypeError, match="Dense 'dense' takes numbers.*string input.*TextVectorization"):
        layers.Dense(2)(inputs)
    vectorize_layer = layers.TextVectorization(max_tokens=30, output_mode="int", output_sequence_length=8)
    vectorize_layer.adapt(TEXTS)
    model = end_to_end(vectorize_layer, text_classifier())
    with pytest.raises(TypeError, match=r"x goes to a string input.*must hold texts; got a float \(1.5\)"):
        model.predict(np.full((2, 1), 1.5), verbose=0)


def test_a_model_with_a_string_input_is_saved_loaded_and_drawn(tmp_path):
    vectorize_layer = layers.TextVectorization(max_tokens=30, output_mode="int", output_sequence_length=8)
    vectorize_layer.adapt(TEXTS)
    model = end_to_end(vectorize_layer, text_classifier())
    model.save(tmp_path / "text.keras")
    loaded = keras.models.load_model(tmp_path / "text.keras")
    assert loaded.input.dtype == np.dtype(object)
    np.testing.assert_allclose(loaded.predict(TEXTS[:, None], verbose=0), model.predict(TEXTS[:, None], verbose=0),
                               rtol=1e-6)
    dot = keras.utils.model_to_dot(loaded, show_dtype=True).to_string()
    assert "(InputLayer)" in dot and "Output dtype: <b>string</b>" in dot


def test_a_sequential_takes_texts_after_a_string_input_or_a_vectorization_first():
    vectorize_layer = layers.TextVectorization(max_tokens=30, output_mode="int", output_sequence_length=8)
    vectorize_layer.adapt(TEXTS)
    model = keras.Sequential([layers.Embedding(30, 4), layers.GlobalAveragePooling1D(), layers.Dense(1)])
    model.compile(loss="binary_crossentropy", optimizer="adam")
    model.fit(vectorize_layer(TEXTS), LABELS, epochs=1, verbose=0)
    # TensorFlow's "Basic text classification": export_model = Sequential([vectorize_layer, model, sigmoid])
    export_model = keras.Sequential([vectorize_layer, model, layers.Activation("sigmoid")])
    export_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    examples = ["The movie was great!", "The movie was okay.", "The movie was terrible..."]
    want = 1 / (1 + np.exp(-model.predict(vectorize_layer(np.array(examples)), verbose=0)))
    np.testing.assert_allclose(export_model.predict(examples, verbose=0), want, rtol=1e-5)
    assert len(export_model.evaluate(TEXTS, LABELS, verbose=0)) == 2
    declared = keras.Sequential([keras.Input(shape=(1,), dtype="string"), vectorize_layer, model])
    assert declared.input.dtype == np.dtype(object) and declared.layers[0].output.dtype == np.float32
    np.testing.assert_allclose(declared.predict(TEXTS[:, None], verbose=0),
                               model.predict(vectorize_layer(TEXTS), verbose=0), rtol=1e-6)
    with pytest.raises(TypeError, match="must hold texts"):
        declared.predict(np.ones((2, 1)), verbose=0)
