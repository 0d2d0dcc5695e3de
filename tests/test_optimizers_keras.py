r"""Keras 3's optimizer surface: AdamW, Nadam, Adagrad, Adamax, AMSGrad, RMSprop's momentum and
centered forms, weight_decay and the clipping options, each against torch.optim (or Keras where
PyTorch's formula differs) to 1e-6 over 100 steps in float64; ``apply_gradients`` on autodiff
Variables and on NumPy arrays, in the GradientTape loop of the lectures."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona import autodiff as ad
from neurona import optimizers, schedules

torch = pytest.importorskip("torch")
from test_optimizers import N_STEPS, SHAPES, assert_close, random_gradients, random_params, run_neurona, run_torch  # noqa: E402,E501

TORCH = {
    # PyTorch adds Adam's epsilon to sqrt(v_hat), Keras and neurona to sqrt(v): a tiny epsilon compares the rest
    "adamw": (lambda: optimizers.AdamW(learning_rate=0.01, weight_decay=0.05, epsilon=1e-14),
              lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.05, eps=1e-14)),
    "adam_weight_decay": (lambda: optimizers.Adam(learning_rate=0.01, weight_decay=0.05, epsilon=1e-14),
                          lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.05, eps=1e-14)),
    "adam_amsgrad": (lambda: optimizers.Adam(learning_rate=0.01, amsgrad=True, epsilon=1e-14),
                     lambda ps: torch.optim.Adam(ps, lr=0.01, eps=1e-14, amsgrad=True)),
    "nadam": (lambda: optimizers.Nadam(learning_rate=0.01),
              lambda ps: torch.optim.NAdam(ps, lr=0.01, eps=1e-7, momentum_decay=1.0)),
    "rmsprop_centered_momentum": (lambda: optimizers.RMSprop(learning_rate=0.01, momentum=0.8, centered=True,
                                                             epsilon=1e-14),
                                  lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-14, momentum=0.8,
                                                                 centered=True)),
    "sgd_weight_decay": (lambda: optimizers.SGD(learning_rate=0.05, weight_decay=0.1),
                         lambda ps: torch.optim.SGD(ps, lr=0.05, weight_decay=0.0, maximize=False)),
}


@pytest.mark.parametrize("name", sorted(TORCH))
def test_matches_torch_after_100_steps(name):
    ours, theirs = TORCH[name]
    params, gradients = random_params(), random_gradients()
    if name == "sgd_weight_decay":      # Keras's decoupled decay: w <- (1 - alpha wd) w, then SGD
        expected = [p.copy() for p in params]
        for grads in gradients:
            for p, g in zip(expected, grads):
                p *= 1 - 0.05 * 0.1
                p -= 0.05 * g
    else:
        expected = run_torch(theirs, params, gradients)
    for got, want in zip(run_neurona(ours(), params, gradients), expected):
        assert_close(got, want)


def keras_run(make, params, gradients):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    variables = [keras.Variable(p, dtype="float64") for p in params]
    optimizer = make(keras.optimizers)
    for grads in gradients:
        optimizer.apply_gradients(zip([keras.ops.convert_to_tensor(g, dtype="float64") for g in grads], variables))
    return [keras.ops.convert_to_numpy(v) for v in variables]


KERAS = {
    "adagrad": lambda m: m.Adagrad(learning_rate=0.05),
    "adagrad_settings": lambda m: m.Adagrad(learning_rate=0.05, initial_accumulator_value=0.3, epsilon=1e-3),
    "adamax": lambda m: m.Adamax(learning_rate=0.01),
    "nadam": lambda m: m.Nadam(learning_rate=0.01, beta_1=0.8),
    # (Adam's default epsilon against Keras: test_adam_epsilon_keras.py)
    "adam_clipnorm": lambda m: m.Adam(learning_rate=0.01, clipnorm=1.5, epsilon=1e-12),
    "sgd_clipvalue": lambda m: m.SGD(learning_rate=0.05, momentum=0.9, clipvalue=0.5),
    "sgd_nesterov_schedule": lambda m: m.SGD(learning_rate=m.schedules.PiecewiseConstantDecay([20, 50], [0.1, 0.03, 0.01]),
                                             momentum=0.8, nesterov=True),
    "rmsprop_global_clipnorm": lambda m: m.RMSprop(learning_rate=0.01, global_clipnorm=2.0),
    "rmsprop": lambda m: m.RMSprop(),
    "rmsprop_centered_momentum": lambda m: m.RMSprop(learning_rate=0.01, momentum=0.8, centered=True, rho=0.8),
    "adamw_schedule": lambda m: m.AdamW(learning_rate=m.schedules.ExponentialDecay(0.02, 10, 0.9), weight_decay=0.01,
                                               epsilon=1e-12),
}


def test_rmsprop_matches_keras_where_epsilon_matters():
    # gradients of 1e-4: sqrt(s + 1e-7) is about 3.3e-4, twice PyTorch's sqrt(s) + 1e-7
    params = random_params(2)
    gradients = [[1e-4 * g for g in grads] for grads in random_gradients(seed=3)]
    expected = keras_run(lambda m: m.RMSprop(learning_rate=0.01), params, gradients)
    for got, want in zip(run_neurona(optimizers.RMSprop(learning_rate=0.01), params, gradients), expected):
        assert_close(got, want)


@pytest.mark.parametrize("name", sorted(KERAS))
def test_matches_keras_after_100_steps(name):
    params, gradients = random_params(2), random_gradients(seed=3)
    ours = KERAS[name](optimizers)
    assert ours.get_config() == optimizers.get(ours.get_config()).get_config()
    expected = keras_run(KERAS[name], params, gradients)
    for got, want in zip(run_neurona(ours, params, gradients), expected):
        assert_close(got, want)


def test_apply_gradients_in_a_gradient_tape_loop():
    # the lectures' linear regression, as TensorFlow writes it
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 1))
    y = 3.0 * x - 2.0 + 0.01 * rng.normal(size=(64, 1))
    w, b = ad.Variable(0.0, dtype="float64"), ad.Variable(0.0, dtype="float64")
    optimizer = nr.optimizers.Adam(learning_rate=0.1)
    for _ in range(300):
        with ad.GradientTape() as tape:
            loss = nr.ops.mean(nr.ops.square(y - (x * w + b)))
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))
    assert float(w.data) == pytest.approx(3.0, abs=1e-2) and float(b.data) == pytest.approx(-2.0, abs=1e-2)
    assert optimizer.iterations == 300


def test_apply_gradients_on_arrays_equals_apply():
    params, gradients = random_params(), random_gradients(10)
    arrays = [p.copy() for p in params]
    optimizer = optimizers.SGD(0.1, momentum=0.9)
    for grads in gradients:
        optimizer.apply_gradients(zip(grads, arrays))
    for got, want in zip(arrays, run_neurona(optimizers.SGD(0.1, momentum=0.9), params, gradients)):
        np.testing.assert_array_equal(got, want)


def test_apply_gradients_skips_none_and_checks_its_input():
    a, b = ad.Variable(np.ones(2)), ad.Variable(np.ones(3))
    optimizers.SGD(0.5).apply_gradients([(np.ones(2), a), (None, b)])
    assert a.data.tolist() == [0.5, 0.5] and b.data.tolist() == [1, 1, 1]
    with pytest.raises(ValueError, match="every gradient is None"):
        optimizers.SGD().apply_gradients([(None, a)])
    with pytest.raises(ValueError, match="shape"):
        optimizers.SGD().apply_gradients([(np.ones(3), a)])
    with pytest.raises(TypeError, match="Variables or float NumPy arrays"):
        optimizers.SGD().apply_gradients([(np.ones(2), [1.0, 2.0])])


def test_slots_are_declared():
    assert optimizers.Adam().slot_names() == ["m_sum", "v_sum"]
    assert optimizers.Adam(amsgrad=True).slot_names() == ["m_sum", "v_sum", "v_max_sum"]
    assert optimizers.SGD().slot_names() == [] and optimizers.SGD(momentum=0.9).slot_names() == ["step_velocity"]
    assert optimizers.Adagrad().slot_names() == ["accumulator"]


def test_keras_names_defaults_and_errors():
    assert optimizers.get("AdamW").weight_decay == 0.004
    assert optimizers.get("Nadam").learning_rate == 0.001
    assert isinstance(optimizers.get({"class_name": "Adam", "config": {"learning_rate": 0.01, "name": "adam"}}),
                      optimizers.Adam)
    with pytest.raises(TypeError, match="loss_scale_factor"):
        optimizers.Adam(loss_scale_factor=128.0)
    with pytest.raises(ValueError, match="clipnorm or global_clipnorm"):
        optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(NotImplementedError, match="It has: .*AdamW"):
        optimizers.Muon
    assert isinstance(optimizers.Adam(schedules.CosineDecay(0.1, 10)).learning_rate, schedules.CosineDecay)


def test_clipnorm_in_fit_clips_each_variable_as_keras():
    # fit updates one packed vector of all the variables: clipnorm must still clip each on its own
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1)) * 5).astype("float32")       # large errors: every variable clipped
    reference = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)])
    reference.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, clipnorm=0.1), loss="mse")
    ours = nr.Sequential([nr.layers.Dense(8, activation="tanh"), nr.layers.Dense(1)], input_dim=5, seed=0)
    ours.compile(optimizer=optimizers.SGD(learning_rate=0.05, clipnorm=0.1), loss="mse")
    ours.set_weights([np.asarray(w) for w in reference.get_weights()])
    expected = reference.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0).history["loss"]
    got = ours.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    for w_ours, w_keras in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(w_ours, np.asarray(w_keras), rtol=1e-5, atol=1e-6)
