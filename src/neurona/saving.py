r"""Model files: one ``.safetensors`` file holds a whole model.

    model.save("model.safetensors")
    model = neurona.load_model("model.safetensors")

Layout of the file (safetensors: an 8-byte header length, a JSON header, raw tensor bytes):

    tensors    layers.<i>.<param>        the weights of layer i (e.g. layers.0.kernel, layers.0.bias)
               optimizer.<slot>          the optimizer's slot vectors (Adam's m and v, ...), laid out
                                         like the model's flat parameter vector
    metadata   format, format_version    "neurona", "1"
               model                     JSON of Sequential.get_config(): layer types and arguments
               compile                   JSON {"optimizer", "loss", "metrics"} configs
               training                  JSON {"epoch", "optimizer_iterations", "rng", "history"}
               user                      JSON of model.metadata (free annotations, e.g. class names)

Nothing is unpickled: the header is JSON, the tensors are raw numbers, and layers are built only
from the registries' known types, so a hostile file can fail to load but cannot run code. Files
are written atomically (temporary file in the same directory, fsync, rename, fsync of the
directory): a crash at any moment leaves the old file or the new one, never a mix.
"""
from __future__ import annotations

import json
import os
import struct

import numpy as np

from .atomicfile import remove_stale_temporaries, write_atomic  # noqa: F401 (re-exported)

FORMAT = "neurona"
FORMAT_VERSION = "1"


class ModelFileError(ValueError):
    r"""A model file that cannot be read: not safetensors, truncated, or inconsistent."""


# -- writing ----------------------------------------------------------------------------------
def save_model(model, path, include_optimizer: bool = True) -> None:
    r"""Write ``model`` (architecture, weights, compile settings, training state) to ``path``."""
    from safetensors.numpy import save

    if not model.built:
        raise ValueError("save_model needs a built model: give input_dim= or call fit first.")
    tensors = {}
    for i, layer in enumerate(model.layers):
        for name, array in zip(layer.param_names, layer.params):
            tensors[f"layers.{i}.{name}"] = np.ascontiguousarray(array)
    try:
        user = json.dumps(model.metadata)
    except (TypeError, ValueError) as error:
        raise ValueError(f"model.metadata must hold JSON values (str, numbers, lists, dicts): {error}") from None
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "model": json.dumps(model.get_config()),
                "training": json.dumps(_training_state(model)),
                "user": user}
    if model.compiled:
        metadata["compile"] = json.dumps(_compile_config(model))
        if include_optimizer:
            for key, value in model.optimizer.get_state()["slots"][0].items() if model.optimizer._slots else ():
                tensors[f"optimizer.{key}"] = value
    write_atomic(path, save(tensors, metadata=metadata))


def _compile_config(model) -> dict:
    r"""A custom loss or metric is a Python function: the file keeps its name, not its code
    (``load_model(..., custom_objects={name: function})`` gives it back)."""
    loss = model.loss.get_config()
    if callable(loss.get("function")):          # autodiff.FunctionLoss
        loss = {**loss, "function": None}
    return {"optimizer": model.optimizer.get_config(), "loss": loss,
            "metrics": [_metric_config(name, metric) for name, metric in model.metrics]}


def _metric_config(name, metric):
    r"""A registered metric by its config (its settings and log key, from ``get_config``); a custom
    one (a function, an unregistered class) by its name."""
    from . import metrics
    if metrics.registry._class_names.get(type(metric).__name__) is type(metric):
        return metric.get_config()
    return name


def _training_state(model) -> dict:
    history = model.history
    return {"epoch": model.epoch,
            "optimizer_iterations": model.optimizer.iterations if model.compiled else 0,
            "rng": model.rng.bit_generator.state,
            "history": None if history is None else {"epoch": [int(e) for e in history.epoch],
                                                     "history": _numbers_only(history.history)}}


def _numbers_only(history: dict) -> dict:
    r"""The per-epoch values that are numbers (a callback may log anything)."""
    kept = {}
    for key, values in history.items():
        try:
            kept[str(key)] = [float(v) for v in values]
        except (TypeError, ValueError):
            continue
    return kept


# -- reading ----------------------------------------------------------------------------------
def read_file(path) -> tuple[dict, dict[str, np.ndarray]]:
    r"""(metadata with its JSON values decoded, tensors) of a neurona model file; raises
    ``ModelFileError`` for anything that is not one."""
    from safetensors import SafetensorError
    from safetensors.numpy import load

    path = os.fspath(path)
    with open(path, "rb") as file:
        data = file.read()
    raw = _raw_metadata(path, data)
    try:
        tensors = load(data)
    except (SafetensorError, ValueError, TypeError) as error:
        raise ModelFileError(f"{path}: not a valid safetensors file ({error}).") from None
    if raw.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a neurona model file (metadata 'format' is {raw.get('format')!r}, "
                             f"expected {FORMAT!r}).")
    if raw.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: model file format version {raw.get('format_version')!r} is not "
                             f"supported (this neurona reads version {FORMAT_VERSION}).")
    metadata = {}
    for key in ("model", "compile", "training", "user"):
        if key in raw:
            try:
                metadata[key] = json.loads(raw[key])
            except (json.JSONDecodeError, TypeError) as error:
                raise ModelFileError(f"{path}: metadata {key!r} is not valid JSON ({error}).") from None
    if not isinstance(metadata.get("model"), dict):
        raise ModelFileError(f"{path}: metadata 'model' must be a JSON object describing the model.")
    return metadata, tensors


def _raw_metadata(path, data: bytes) -> dict:
    r"""The ``__metadata__`` string table of the safetensors JSON header."""
    if len(data) < 8:
        raise ModelFileError(f"{path}: truncated file ({len(data)} bytes; a safetensors file starts "
                             f"with an 8-byte header length).")
    (size,) = struct.unpack("<Q", data[:8])
    if size > len(data) - 8:
        raise ModelFileError(f"{path}: truncated file, or not a safetensors file (header of {size} "
                             f"bytes announced, {len(data) - 8} present).")
    try:
        header = json.loads(data[8:8 + size])
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelFileError(f"{path}: the safetensors header is not JSON ({error}).") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{path}: no neurona metadata in the safetensors header.")
    return metadata


def load_model(path, compile: bool = True, custom_objects: dict | None = None):
    r"""The model saved in ``path``: same architecture and weights (predictions identical bit
    for bit), compiled as it was, with its optimizer state, epoch count, RNG state and history
    (``fit`` continues as if training had never stopped).

    ``custom_objects`` maps the names of custom losses and metrics (Python functions, which the
    file does not store) to the functions; ``compile=False`` loads the model without them."""
    from .model import Sequential

    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(f"custom_objects must be a dict {{name: function}}; got {type(custom_objects).__name__}.")
    metadata, tensors = read_file(path)
    config = dict(metadata["model"])
    try:
        layer_configs = config.pop("layers")
        model = Sequential(input_dim=config.pop("input_dim"), seed=config.pop("seed", None),
                           dtype=config.pop("dtype", "float32"), name=config.pop("name", None))
        if config:
            raise ValueError(f"unknown model keys {sorted(config)}")
        if not isinstance(layer_configs, list):
            raise ValueError("'layers' must be a list of layer configs")
        from . import layers
        _check_sizes(model.input_dim, layer_configs, tensors)
        for layer_config in layer_configs:
            model.add(layers.get(layer_config))
    except (ValueError, TypeError, KeyError, OverflowError) as error:
        raise ModelFileError(f"{path}: bad model config: {error}") from None
    if compile and "compile" in metadata:
        _compile_from(model, metadata["compile"], path, custom_objects or {})
    user = metadata.get("user") or {}
    if not isinstance(user, dict):
        raise ModelFileError(f"{path}: metadata 'user' must be a JSON object; got {user!r}.")
    model.metadata = user
    restore_state(model, path, (metadata, tensors))
    return model


def _check_sizes(width, layer_configs, tensors):
    r"""Refuse sizes that the tensors cannot back, before building allocates the weights (a
    hostile config could otherwise ask for terabytes)."""
    available = sum(t.size for t in tensors.values())
    for layer_config in layer_configs:
        if not isinstance(layer_config, dict):
            raise ValueError(f"a layer config must be an object; got {layer_config!r}")
        units = layer_config.get("units")
        if isinstance(units, int) and isinstance(width, int):
            if width * units > available:
                raise ValueError(f"a layer of {width} x {units} weights is larger than all the "
                                 f"file's tensors ({available} numbers)")
            width = units


def _compile_from(model, config, path, custom_objects):
    try:
        if not isinstance(config, dict) or config.get("optimizer") is None or config.get("loss") is None:
            raise ValueError(f"expected an object with an optimizer and a loss; got {config!r}")
        loss, metrics = config["loss"], config.get("metrics")
        if isinstance(loss, dict) and "function" in loss:
            loss = _custom_loss(loss, custom_objects, path)
        if isinstance(metrics, list):
            metrics = [custom_objects.get(m, m) if isinstance(m, str) else m for m in metrics]
            if not all(isinstance(m, (str, dict)) or callable(m) for m in metrics):
                raise ValueError(f"metrics must be names or configs; got {config.get('metrics')!r}")
        model.compile(optimizer=config["optimizer"], loss=loss, metrics=metrics)
    except (ValueError, TypeError, KeyError, OverflowError) as error:
        raise ModelFileError(f"{path}: bad compile settings: {error}") from None


def _custom_loss(config, custom_objects, path):
    from .autodiff import FunctionLoss

    name = config.get("name")
    if not callable(custom_objects.get(name)):
        raise ModelFileError(f"{path}: the model was compiled with the custom loss {name!r}, a Python function "
                             f"that model files do not store; pass load_model(path, custom_objects={{{name!r}: "
                             f"function}}), or compile=False.")
    return FunctionLoss(custom_objects[name], accuracy_kind=config.get("accuracy_kind"))


def restore_state(model, path, contents=None) -> None:
    r"""Load weights and training state from ``path`` into ``model``, which must have the same
    architecture. Checks everything before changing anything."""
    metadata, tensors = contents or read_file(path)
    saved_layers = metadata["model"].get("layers")
    mine = json.loads(json.dumps([layer.get_config() for layer in model.layers]))
    if contents is None and saved_layers != mine:
        raise ModelFileError(f"{path} was written by a different model (its layers are {saved_layers}).")
    weights = _weights_from(model, tensors, path)
    epoch, iterations, rng_state, history = _training_from(metadata.get("training"), path)
    slots = {k.removeprefix("optimizer."): v for k, v in tensors.items() if k.startswith("optimizer.")}
    if model.compiled:
        slots = model.optimizer.upgrade_slots(slots)
        _check_slots(model, slots, path)
    model.set_weights(weights)
    model.epoch = epoch
    if rng_state is not None:
        model.rng.bit_generator.state = rng_state        # in place: dropout layers share this generator
    if model.compiled:
        model.optimizer.set_state({"iterations": iterations, "slots": [slots] if slots else []},
                                  [model._flat_params])
        saved_optimizer = (metadata.get("compile") or {}).get("optimizer", {})
        if isinstance(model.optimizer.learning_rate, (int, float)) and isinstance(
                saved_optimizer.get("learning_rate"), (int, float)):
            model.optimizer.learning_rate = saved_optimizer["learning_rate"]   # ReduceLROnPlateau's changes
    model.history = history


def _weights_from(model, tensors, path) -> list[np.ndarray]:
    weights, expected = [], set()
    for i, layer in enumerate(model.layers):
        for name, array in zip(layer.param_names, layer.params):
            key = f"layers.{i}.{name}"
            expected.add(key)
            if key not in tensors:
                raise ModelFileError(f"{path}: tensor {key!r} is missing.")
            tensor = tensors[key]
            if tensor.shape != array.shape:
                raise ModelFileError(f"{path}: tensor {key!r} has shape {tensor.shape}; the model config "
                                     f"needs {array.shape}.")
            if tensor.dtype != array.dtype:
                raise ModelFileError(f"{path}: tensor {key!r} has dtype {tensor.dtype}; the model is {array.dtype}.")
            weights.append(tensor)
    extra = sorted(k for k in tensors if k.startswith("layers.") and k not in expected)
    if extra:
        raise ModelFileError(f"{path}: tensors {extra} belong to no layer of the model config.")
    return weights


def _check_slots(model, slots, path):
    size = model._flat_params.size
    for key, value in slots.items():
        if value.shape != (size,) or value.dtype != model.dtype:
            raise ModelFileError(f"{path}: optimizer slot {key!r} has shape {value.shape} and dtype "
                                 f"{value.dtype}; the model needs ({size},) {model.dtype}.")
    wanted = {k for k in model.optimizer._new_slots(model._flat_params) if not k.startswith("_")}
    if slots and set(slots) != wanted:
        raise ModelFileError(f"{path}: optimizer slots {sorted(slots)} do not match the "
                             f"{type(model.optimizer).__name__} optimizer's {sorted(wanted)}.")


def _training_from(training, path):
    r"""(epoch, optimizer iterations, RNG state, History) of the 'training' metadata, checked."""
    from .callbacks import History

    training = {} if training is None else training
    try:
        if not isinstance(training, dict):
            raise TypeError(f"it must be an object; got {training!r}")
        epoch = _count(training.get("epoch", 0), "epoch")
        iterations = _count(training.get("optimizer_iterations", 0), "optimizer_iterations")
        rng_state = training.get("rng")
        if rng_state is not None:
            np.random.Generator(np.random.PCG64()).bit_generator.state = rng_state   # validate first
        saved = training.get("history") or {}
        if not isinstance(saved, dict) or not isinstance(saved.get("history", {}), dict):
            raise TypeError(f"'history' must be an object of per-epoch lists; got {saved!r}")
        history = None
        if saved:
            history = History()
            history.epoch = [_count(e, "history epoch") for e in saved.get("epoch", [])]
            history.history = {str(k): [float(v) for v in values] for k, values in saved.get("history", {}).items()}
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as error:
        raise ModelFileError(f"{path}: bad training state: {error}") from None
    return epoch, iterations, rng_state, history


def _count(value, name) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name!r} must be an integer >= 0; got {value!r}")
    return value


__all__ = ["save_model", "load_model", "restore_state", "read_file", "write_atomic", "remove_stale_temporaries",
           "ModelFileError"]
