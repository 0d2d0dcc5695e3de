r"""A model as a config and back: the model a config describes (a chain of layers, or a functional graph),
with its layers rebuilt from their configs (a nested model's, a Keras-style custom layer's by its class
name, a built-in layer's through the layer registry).

The model classes say which kind of config they build (``@builds("functional")`` on ``Model``,
``@builds("sequential")`` on ``Sequential``), so this module imports none of them: ``Model.from_config``,
``load_model`` and a nested model's layer all come here.
"""
from __future__ import annotations

from . import functional
from .. import layers as layers_module
from ..custom_objects import CustomObjectError, custom_object_scope, known as known_custom_objects

#: the model class of each kind of config: "functional" and "sequential"
BUILDERS: dict[str, type] = {}


def builds(kind: str):
    r"""Class decorator: this model class is built from configs of ``kind``."""
    def register(cls):
        BUILDERS[kind] = cls
        return cls
    return register


def model_from_config(config: dict, custom_objects: dict | None = None):
    r"""The model a config describes (Sequential's, or a functional graph's), built, untrained;
    ``custom_objects`` maps the class names of custom layers to the classes."""
    with custom_object_scope(custom_objects):
        return _model_from_config(config)


def _model_from_config(config: dict):
    if isinstance(config, dict) and "class_name" in config and "config" in config:     # to_json's wrapper
        config = config["config"]
    if not isinstance(config, dict):
        raise ValueError(f"a model config must be an object; got {config!r}")
    config = dict(config)
    layer_configs = config.pop("layers", None)
    if not isinstance(layer_configs, list):
        raise ValueError("'layers' must be a list of layer configs")
    if config.pop("class", "sequential") == "functional":
        layers = [layer_from_config(c) for c in layer_configs]
        inputs, outputs = functional.rebuild(config, layers)
        many_in, many_out = config.get("many_inputs", len(inputs) > 1), config.get("many_outputs", len(outputs) > 1)
        keys = config.get("output_keys")
        if isinstance(keys, list) and len(keys) == len(outputs) and all(isinstance(k, str) for k in keys):
            outputs = dict(zip(keys, outputs))
        return BUILDERS["functional"](inputs if many_in else inputs[0], outputs if many_out else outputs[0],
                                      name=config.get("name"), seed=config.get("seed"),
                                      dtype=config.get("dtype", "float32"))
    input_shape = config.pop("input_shape", None)
    model = BUILDERS["sequential"](input_dim=config.pop("input_dim", None), seed=config.pop("seed", None),
                                   dtype=config.pop("dtype", "float32"), name=config.pop("name", None),
                                   input_shape=None if input_shape is None else tuple(input_shape))
    if config:
        raise ValueError(f"unknown model keys {sorted(config)}")
    for layer_config in layer_configs:
        model.add(layer_from_config(layer_config))
    return model


def layer_from_config(config):
    r"""A layer from the config a file keeps (``Layer.file_config``); a nested model's config
    (``{"name": "model", "config": ...}``) too."""
    if isinstance(config, dict) and config.get("name") == "model" and "config" in config:
        model = _model_from_config(config["config"])
        model.trainable = bool(config.get("trainable", True))
        return model
    if isinstance(config, dict) and "custom_class" in config:
        return _custom_layer(config)
    config = dict(config)
    trainable = config.pop("trainable", True)
    layer = layers_module.get(config)
    layer.trainable = bool(trainable)
    return layer


def _custom_layer(config):
    known = known_custom_objects()
    name = config["custom_class"]
    if name not in known:
        raise ValueError(f"The config holds the custom layer {name!r}: pass custom_objects={{{name!r}: {name}}} "
                         f"or decorate the class with @keras.saving.register_keras_serializable(); known custom "
                         f"objects: {sorted(known) or 'none'}.")
    given = known[name]
    if not (isinstance(given, type) and issubclass(given, layers_module.Layer)):
        got = (f"the class {given.__name__}" if isinstance(given, type) else f"{type(given).__name__} {given!r:.60}"
               if isinstance(given, (str, int, float)) else f"a {type(given).__name__} object")
        raise CustomObjectError(f"custom_objects[{name!r}] must be the layer class {name} (a subclass of "
                                f"keras.layers.Layer); got {got}.")
    layer = given.from_config(dict(config["config"]))
    layer.trainable = bool(config.get("trainable", True))
    return layer
