r"""Lambda, Identity, ActivityRegularization, PReLU, the noise layers, Dot, Minimum, Permute,
RepeatVector and EinsumDense against Keras 3 (torch backend) on the same weights and inputs; the
noise layers' statistics; Lambda of several inputs and its model-file name."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona import layers

os.environ.setdefault("KERAS_BACKEND", "torch")
RNG = np.random.default_rng(0)


def _pair(build):
    keras = pytest.importorskip("keras")
    return build(nr), build(keras)


CASES = {
    "prelu": (lambda k: k.layers.PReLU(alpha_initializer=k.initializers.Constant(0.25), shared_axes=[1]), [(3, 4)]),
    "dot": (lambda k: k.layers.Dot(axes=1), [(4,), (4,)]),
    "dot-normalize": (lambda k: k.layers.Dot(axes=(2, 2), normalize=True), [(2, 4), (3, 4)]),
    "dot-axes-1-1": (lambda k: k.layers.Dot(axes=(1, 1)), [(3, 2), (3, 4)]),
    "minimum": (lambda k: k.layers.Minimum(), [(3,), (3,), (3,)]),
    "permute": (lambda k: k.layers.Permute((2, 1)), [(3, 4)]),
    "repeat_vector": (lambda k: k.layers.RepeatVector(3), [(4,)]),
    "einsum_dense": (lambda k: k.layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c",
                                                    activation="tanh"), [(4,)]),
    "einsum_dense-heads": (lambda k: k.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3),
                                                          bias_axes="de"), [(3, 4)]),
    "identity": (lambda k: k.layers.Identity(), [(4,)]),
    "lambda": (lambda k: k.layers.Lambda(lambda x: k.ops.square(x) - k.ops.mean(x, axis=-1, keepdims=True)), [(4,)]),
    "gaussian_noise-inference": (lambda k: k.layers.GaussianNoise(0.3), [(4,)]),
    "alpha_dropout-inference": (lambda k: k.layers.AlphaDropout(0.3), [(4,)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_matches_keras(name):
    build, shapes = CASES[name]
    ours, theirs = _pair(build)
    xs = [RNG.normal(size=(5, *s)).astype(np.float32) for s in shapes]
    arguments = xs if len(xs) > 1 else xs[0]
    keras = pytest.importorskip("keras")
    theirs_out = keras.ops.convert_to_numpy(theirs(arguments))
    ours.build([(None, *s) for s in shapes] if len(xs) > 1 else (None, *shapes[0]))
    weights = [np.asarray(w) for w in theirs.get_weights()]
    for w in weights:
        w[...] = RNG.normal(size=w.shape)
    theirs.set_weights(weights)
    ours.set_weights(weights)
    np.testing.assert_allclose(ours(arguments), keras.ops.convert_to_numpy(theirs(arguments)), rtol=1e-5, atol=1e-6)
    assert theirs_out.shape[1:] == ours.sample_output_shape


def test_activity_regularization_adds_its_penalty_to_the_loss():
    # Keras 3's activity penalty: R(a) / m, m the batch size (l1 sum|a| + l2 sum a^2 for L1L2)
    x, y = RNG.normal(size=(6, 3)).astype(np.float32), RNG.normal(size=(6, 2)).astype(np.float32)
    kernel, bias = np.full((3, 2), 0.3, np.float32), np.array([0.1, -0.2], np.float32)
    model = nr.Sequential([nr.Input((3,)), layers.Dense(2), layers.ActivityRegularization(l1=0.1, l2=0.2)])
    model.set_weights([kernel, bias])
    model.compile(optimizer="sgd", loss="mse")
    a = x @ kernel + bias
    expected = np.mean((a - y) ** 2) + (0.1 * np.abs(a).sum() + 0.2 * (a ** 2).sum()) / len(x)
    assert float(np.ravel(model.train_on_batch(x, y))[0]) == pytest.approx(expected, rel=1e-5)   # the cost of the step
    dense = nr.Sequential([nr.Input((3,)), layers.Dense(2, activity_regularizer=nr.regularizers.L1L2(0.1, 0.2))])
    dense.set_weights([kernel, bias])
    dense.compile(optimizer="sgd", loss="mse")
    dense.train_on_batch(x, y)
    np.testing.assert_allclose(dense.get_weights()[0], model.get_weights()[0], rtol=1e-6)    # the same gradient


@pytest.mark.parametrize("build", ["dense", "activity_regularization", "conv1d"])
def test_activity_penalties_and_steps_are_keras_s(build):
    keras = pytest.importorskip("keras")
    x = RNG.normal(size=(5, 4, 3)).astype(np.float32)
    y = RNG.normal(size=(5, 4, 2)).astype(np.float32)

    def make(lib):
        if build == "dense":
            core = [lib.layers.Dense(2, activity_regularizer=lib.regularizers.L1L2(0.05, 0.1))]
        elif build == "activity_regularization":
            core = [lib.layers.Dense(2), lib.layers.ActivityRegularization(l1=0.05, l2=0.1)]
        else:
            core = [lib.layers.Conv1D(2, 3, padding="same", activation="tanh",
                                      activity_regularizer=lib.regularizers.L2(0.3))]
        model = lib.Sequential([lib.Input((4, 3)), *core])
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        return model

    ours, theirs = make(nr), make(keras)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    for _ in range(2):
        loss_ours = float(np.ravel(ours.train_on_batch(x, y))[0])
        loss_theirs = float(np.ravel(theirs.train_on_batch(x, y))[0])
        assert loss_ours == pytest.approx(loss_theirs, rel=1e-5)
    for mine, keras_weight in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, np.asarray(keras_weight), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer, mean, var", [(layers.GaussianNoise(0.5, seed=1), 1.0, 0.25),
                                              (layers.GaussianDropout(0.2, seed=1), 1.0, 0.25),
                                              (layers.AlphaDropout(0.2, seed=1), 0.0, 1.0)])
def test_noise_statistics_while_training_and_identity_at_inference(layer, mean, var):
    x = np.ones((20_000, 10), np.float32) if mean == 1.0 else RNG.normal(size=(20_000, 10)).astype(np.float32)
    layer.build((None, 10))
    y = layer.forward(x, training=True)
    assert abs(y.mean() - mean) < 0.02 and abs(y.var() - var) < 0.03
    np.testing.assert_array_equal(layer.forward(x, training=False), x)


def test_lambda_of_two_inputs_trains_and_saves_by_name(tmp_path):
    a, b = nr.Input((3,)), nr.Input((3,))
    joined = layers.Lambda(lambda xs: nr.ops.exp(xs[0]) * xs[1])([a, b])
    model = nr.Model([a, b], layers.Dense(1)(joined), seed=0)
    model.compile(optimizer="adam", loss="mse")
    xa, xb, y = RNG.normal(size=(32, 3)), RNG.normal(size=(32, 3)), RNG.normal(size=(32, 1))
    history = model.fit([xa, xb], y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    with pytest.raises(ValueError, match="lambda"):
        joined_layer = [layer for layer in model.layers if isinstance(layer, layers.Lambda)][0]
        joined_layer.get_config()
    named = nr.Sequential([nr.Input((3,)), layers.Lambda(nr.ops.square), layers.Dense(1)], seed=0)
    named.compile("sgd", "mse")
    named.save(tmp_path / "m.keras")
    loaded = nr.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(xa, verbose=0), named.predict(xa, verbose=0), rtol=1e-6)


def test_lambda_refuses_to_import_unknown_modules_from_a_file():
    with pytest.raises(ValueError, match="enable_unsafe_deserialization"):
        layers.get({"name": "lambda", "function": "os:system"})
    # a file names only a public function of neurona.ops or a NumPy ufunc, never a path through them
    for name in ("neurona.ops:builtins.exec", "neurona.ops:np.load", "numpy:load", "numpy_other:f",
                 "neurona.ops.numpy:np.save", "neurona.ops:_dual", "neurona.ops:core.np.save", "numpy:lib.npyio.os.system"):
        with pytest.raises(ValueError, match="enable_unsafe_deserialization"):
            layers.get({"name": "lambda", "function": name})
    assert layers.get({"name": "lambda", "function": "numpy:tanh"}).function is np.tanh


def test_lambda_of_an_ops_function_is_saved_under_neurona_ops():
    layer = layers.Lambda(nr.ops.tanh)            # defined in the autodiff primitives
    assert layer.get_config()["function"] == "neurona.ops:tanh"
    assert layers.get(layer.get_config()).function is nr.ops.tanh


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="permutation"):
        layers.Permute((1, 3))
    with pytest.raises(ValueError, match="input,kernel->output"):
        layers.EinsumDense("ab->b", output_shape=2)
    with pytest.raises(ValueError, match="axes"):
        layers.Dot(axes=0)
    with pytest.raises(ValueError, match="rate"):
        layers.GaussianDropout(1.0)
