r"""Keras' ``keras.models``: the model classes and the functions that make models from files,
configs, JSON and other models."""
from __future__ import annotations

import json

from .model import Model
from .model_config import model_from_config
from ..saving import load_model
from .sequential import Sequential


def save_model(model, filepath, overwrite: bool = True, **kwargs) -> None:
    model.save(filepath, overwrite=overwrite, **kwargs)


def model_from_json(json_string: str, custom_objects=None):
    r"""The (untrained) model of ``model.to_json()``; ``custom_objects`` maps the class names of
    custom layers to the classes."""
    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"model_from_json needs the JSON text of model.to_json(): {error}") from None
    return model_from_config(config, custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, **kwargs):
    r"""A new model of the same architecture with freshly initialised weights (as Keras does; copy
    the weights with ``clone.set_weights(model.get_weights())``)."""
    if input_tensors is not None or clone_function is not None:
        raise ValueError("clone_model: neurona clones the whole architecture (input_tensors and clone_function "
                         "are not supported).")
    config = model.get_config()
    if config.get("seed") is None:
        config = {**config}
    return model_from_config(config)


__all__ = ["Model", "Sequential", "load_model", "save_model", "model_from_json", "model_from_config", "clone_model"]
