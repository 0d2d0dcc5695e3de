r"""``config.set_floatx("float64")`` sets the dtype of what is made afterwards, as Keras 3's does:
Inputs, layers' weights, Sequential and functional models, ``ops`` constructors and ``random``
draws; a model built after it trains in float64 end to end (weights, optimizer slots, predictions,
loss). 'float16' and 'bfloat16' are refused with the reason."""
import os

import numpy as np
import pytest

import neurona as nr

os.environ.setdefault("KERAS_BACKEND", "torch")


@pytest.fixture
def float64():
    nr.config.set_floatx("float64")
    yield
    nr.config.set_floatx("float32")


def dtype_names(lib):
    ops = lib.ops
    names = {"Input": lib.Input(shape=(3,)).dtype, "integer Input": lib.Input(shape=(3,), dtype="int32").dtype,
             "zeros": ops.zeros((2,)).dtype, "ones": ops.ones((2,)).dtype, "eye": ops.eye(2).dtype,
             "identity": ops.identity(2).dtype, "tri": ops.tri(2).dtype,
             "random.normal": lib.random.normal((2,)).dtype, "random.uniform": lib.random.uniform((2,)).dtype}
    return {key: str(value).replace("torch.", "") for key, value in names.items()}


def test_new_objects_take_floatx_as_keras(float64):
    keras = pytest.importorskip("keras")
    keras.config.set_floatx("float64")
    try:
        want = dtype_names(keras)
    finally:
        keras.config.set_floatx("float32")
    got = dtype_names(nr)
    assert got == {**want, "integer Input": "float64"}   # integer inputs are fed on as floats here
    assert set(want.values()) - {"int32"} == {"float64"}


def build_and_train():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) > 0).astype("float64")
    sequential = nr.Sequential([nr.Input(shape=(3,)), nr.layers.Dense(8, activation="relu"),
                                nr.layers.Dense(1, activation="sigmoid")])
    inputs = nr.Input(shape=(3,))
    functional = nr.Model(inputs, nr.layers.Dense(1)(nr.layers.Dense(4, activation="tanh")(inputs)))
    for model in (sequential, functional):
        model.compile(optimizer="adam", loss="binary_crossentropy" if model is sequential else "mse")
        history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
        yield model, history, model.predict(x, verbose=0)


def test_a_model_built_after_set_floatx_trains_in_float64(float64):
    for model, history, predictions in build_and_train():
        assert model.dtype == np.float64
        assert {w.dtype for w in model.get_weights()} == {np.dtype("float64")}
        slots = [a for per_weight in model.optimizer.get_state()["slots"] for a in per_weight.values()]
        assert slots and {a.dtype for a in slots} == {np.dtype("float64")}
        assert predictions.dtype == np.float64
        assert history.history["loss"][-1] < history.history["loss"][0]


def test_float32_is_back_after_the_fixture():
    assert nr.config.floatx() == "float32"
    model = nr.Sequential([nr.Input(shape=(2,)), nr.layers.Dense(1)])
    assert model.dtype == np.float32 and model.get_weights()[0].dtype == np.float32
    assert nr.ops.zeros((1,)).dtype == np.float32


def test_an_explicit_dtype_wins_over_floatx(float64):
    model = nr.Sequential([nr.Input(shape=(2,), dtype="float32"), nr.layers.Dense(1)], dtype="float32")
    assert model.get_weights()[0].dtype == np.float32
    assert nr.ops.zeros((1,), dtype="float32").dtype == np.float32


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_half_precision_is_refused_with_the_reason(name):
    with pytest.raises(ValueError, match="float32' or 'float64'.*float16"):
        nr.config.set_floatx(name)
    assert nr.config.floatx() == "float32"



def test_float64_training_matches_keras_under_the_same_setting(float64):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(32, 3)), rng.normal(size=(32, 2))
    policy = keras.config.dtype_policy()        # another test may have set Keras's global policy
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        theirs = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(5, activation="tanh"),
                                   keras.layers.Dense(2)])
        theirs.compile(optimizer=keras.optimizers.SGD(0.125), loss="mse")   # 0.125: exact in float32 too
        ours = nr.Sequential([nr.Input(shape=(3,)), nr.layers.Dense(5, activation="tanh"), nr.layers.Dense(2)])
        ours.compile(optimizer=nr.optimizers.SGD(0.125), loss="mse")
        ours.set_weights(theirs.get_weights())
        want = theirs.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history["loss"]
        got = ours.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history["loss"]
        assert str(theirs.get_weights()[0].dtype) == "float64"
    finally:
        keras.config.set_floatx("float32")
        keras.config.set_dtype_policy(policy)
    # Keras's float64 run is float64 to about 1e-8 only (its logged mean and parts of its step
    # round through float32): neurona's exactness is checked on the step below
    np.testing.assert_allclose(got, want, rtol=2e-7)
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=2e-8)


def test_a_float64_step_is_exact(float64):
    # one SGD step of a linear layer under mse: W - alpha (2 / (m k)) x^T (x W + b - y), to the last bit
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    model = nr.Sequential([nr.Input(shape=(3,)), nr.layers.Dense(2)])
    model.compile(optimizer=nr.optimizers.SGD(0.125), loss="mse")
    kernel, bias = model.get_weights()
    expected = kernel - 0.125 * 2 * x.T @ (x @ kernel + bias - y) / (8 * 2)
    model.train_on_batch(x, y)
    np.testing.assert_allclose(model.get_weights()[0], expected, rtol=1e-14, atol=1e-15)
