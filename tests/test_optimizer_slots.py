r"""Each optimizer declares its slots (slot_names); its state holds exactly those, work arrays stay
outside it, and a model file stores exactly the declared slots."""
import inspect

import numpy as np
import pytest

import neurona as nr
from neurona import optimizers
from neurona.saving import read_file
from registry_cases import canonical_names

#: the settings that change which slots a rule keeps
VARIANTS = [{}, {"momentum": 0.9}, {"momentum": 0.9, "dampening": 0.5}, {"centered": True, "momentum": 0.5},
            {"amsgrad": True}]


def configured():
    for name in canonical_names(optimizers.registry):
        rule = optimizers.registry.lookup(name)
        takes = inspect.signature(rule).parameters
        for settings in VARIANTS:
            if set(settings) <= set(takes):
                yield rule(**settings)


CASES = list(configured())


def one_step(optimizer, size=5):
    w = np.linspace(-1.0, 1.0, size)
    optimizer.apply([w], [np.cos(w)])
    return w


@pytest.mark.parametrize("optimizer", CASES, ids=lambda o: f"{type(o).__name__}{o.get_config()}")
def test_the_state_holds_exactly_the_declared_slots(optimizer):
    one_step(optimizer)
    declared = optimizer.slot_names()
    assert list(optimizer.slots[0]) == declared
    assert list(optimizer.get_state()["slots"][0]) == declared
    assert all(a.shape == (5,) for a in optimizer.slots[0].values())


def test_the_declarations_differ_by_setting():
    assert optimizers.SGD().slot_names() == []
    assert optimizers.SGD(momentum=0.9, dampening=0.5).slot_names() == ["velocity"]
    assert optimizers.RMSprop(centered=True, momentum=0.5).slot_names() == ["mean_square", "mean_gradient",
                                                                            "momentum"]
    assert optimizers.Ftrl().slot_names() == ["accumulator", "linear"]


def test_slots_start_from_the_rules_values():
    adagrad, ftrl = optimizers.Adagrad(initial_accumulator_value=0.3), optimizers.Ftrl(initial_accumulator_value=0.2)
    for optimizer in (adagrad, ftrl):
        optimizer.build([np.zeros(3)])
    np.testing.assert_array_equal(adagrad.slots[0]["accumulator"], [0.3] * 3)
    np.testing.assert_array_equal(ftrl.slots[0]["accumulator"], [0.2] * 3)
    np.testing.assert_array_equal(ftrl.slots[0]["linear"], [0.0] * 3)


def test_a_state_with_other_slots_is_refused():
    first, second = optimizers.Adam(), optimizers.Adam(amsgrad=True)
    one_step(first)
    with pytest.raises(ValueError, match=r"holds the slots \['m_sum', 'v_sum'\]; Adam keeps \['m_sum', 'v_max_sum', "
                                         r"'v_sum'\]"):
        second.set_state(first.get_state(), [np.zeros(5)])


def test_the_work_array_is_not_state():
    sgd = optimizers.SGD()                  # plain SGD keeps no state but writes alpha dw into a work array
    w = one_step(sgd)
    assert sgd.get_state()["slots"] == [{}]
    np.testing.assert_allclose(w, np.linspace(-1.0, 1.0, 5) - 0.01 * np.cos(np.linspace(-1.0, 1.0, 5)))


@pytest.mark.parametrize("optimizer", [optimizers.Adam(amsgrad=True), optimizers.RMSprop(), optimizers.SGD()],
                         ids=lambda o: type(o).__name__)
def test_a_model_file_stores_exactly_the_declared_slots(tmp_path, optimizer):
    model = nr.Sequential([nr.layers.Dense(2)], input_dim=3, seed=0)
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "m.safetensors")
    _, tensors = read_file(tmp_path / "m.safetensors")
    stored = sorted(k.removeprefix("optimizer.") for k in tensors if k.startswith("optimizer."))
    assert stored == sorted(optimizer.slot_names())
    loaded = nr.load_model(tmp_path / "m.safetensors")
    for name in optimizer.slot_names():
        np.testing.assert_array_equal(loaded.optimizer.slots[0][name], optimizer.slots[0][name])
