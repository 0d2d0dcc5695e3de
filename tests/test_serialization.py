r"""Keras's object helpers (keras.saving / keras.utils): serialize/deserialize_keras_object round
trips for every registry family, custom objects (scope, global table, registered), Progbar's
averages, utils.Config, standardize_dtype, get_source_inputs."""
import json

import numpy as np
import pytest

import neurona as keras
from neurona import saving, serialization, utils

OBJECTS = [keras.optimizers.Adam(1e-3, beta_1=0.8), keras.losses.Huber(delta=2.0), keras.activations.get("relu"),
           keras.initializers.VarianceScaling(2.0, "fan_avg", "uniform"), keras.regularizers.L1L2(0.1, 0.2),
           keras.constraints.MaxNorm(3), keras.metrics.BinaryAccuracy(threshold=0.7)]


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: type(o).__name__)
def test_round_trip_through_json(obj):
    config = json.loads(json.dumps(saving.serialize_keras_object(obj)))
    assert config["class_name"] == type(obj).__name__ and "config" in config
    assert saving.deserialize_keras_object(config) == obj


def test_layer_round_trip_and_names():
    layer = keras.layers.Dense(4, activation="tanh", kernel_constraint="non_neg")
    again = saving.deserialize_keras_object(saving.serialize_keras_object(layer))
    assert isinstance(again, keras.layers.Dense) and again.get_config() == layer.get_config()
    assert isinstance(saving.deserialize_keras_object("adam"), keras.optimizers.Adam)
    assert saving.serialize_keras_object([1, "a", None, {"k": 2.0}]) == [1, "a", None, {"k": 2.0}]


class Scaled(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_objects_scope_global_table_and_registration():
    config = saving.serialize_keras_object(Scaled(3.0))
    with pytest.raises(ValueError, match="custom_objects"):
        saving.deserialize_keras_object(config)
    with saving.custom_object_scope({"Scaled": Scaled}):
        assert saving.deserialize_keras_object(config).factor == 3.0
        assert saving.get_registered_object("Scaled") is Scaled
    with utils.CustomObjectScope({"Scaled": Scaled}):
        assert saving.deserialize_keras_object(config).factor == 3.0
    assert saving.get_registered_object("Scaled") is None
    saving.get_custom_objects()["Scaled"] = Scaled
    try:
        assert saving.deserialize_keras_object(config).factor == 3.0
    finally:
        del saving.get_custom_objects()["Scaled"]

    @saving.register_keras_serializable(package="tests")
    def doubled(x):
        return 2 * x

    assert saving.get_registered_name(doubled) == "tests>doubled"
    assert saving.get_registered_object("tests>doubled") is doubled
    assert saving.deserialize_keras_object(saving.serialize_keras_object(doubled)) is doubled


def test_progbar_averages_and_prints(capsys):
    bar = utils.Progbar(4, stateful_metrics=["acc"], interval=0)
    for step, (loss, acc) in enumerate([(4.0, 0.1), (2.0, 0.2), (1.0, 0.3), (1.0, 0.4)], 1):
        bar.update(step, [("loss", loss), ("acc", acc)])
    last = capsys.readouterr().out.split("\r")[-1]
    assert last.startswith("4/4") and "loss: 2.0000" in last and "acc: 0.4000" in last and last.endswith("\n")
    quiet = utils.Progbar(2, verbose=0)
    quiet.add(2, [("loss", 1.0)])
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="target"):
        utils.Progbar(-1)


def test_small_utilities():
    config = utils.Config(a=1)
    config.b = 2
    assert config.a + config["b"] == 3 and config.as_dict() == {"a": 1, "b": 2}
    config.freeze()
    with pytest.raises(ValueError, match="frozen"):
        config.c = 3
    assert utils.standardize_dtype(float) == "float32" and utils.standardize_dtype("float64") == "float64"
    assert utils.standardize_dtype(np.int32) == "int32"
    inputs = keras.Input((3,))
    out = keras.layers.Dense(2)(keras.layers.Dense(4)(inputs))
    assert utils.get_source_inputs(out) == [inputs] and utils.is_keras_tensor(out)
    assert not utils.is_keras_tensor(np.ones(2))
    utils.clear_session()
    assert serialization.get_custom_objects() is saving.get_custom_objects()
