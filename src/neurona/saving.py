r"""Model files: one ``.safetensors`` file holds a whole model.

    model.save("model.safetensors")
    model = neurona.load_model("model.safetensors")

Layout of the file (safetensors: an 8-byte header length, a JSON header, raw tensor bytes):

    tensors    layers.<i>.<name>         what layer i declares: its params and its state (e.g.
                                         layers.0.kernel, layers.0.bias, layers.2.moving_mean; a
                                         nested model's as layers.<i>.layers.<j>.<name>)
               optimizer.<slot>          the slots the optimizer declares (Adam's moment sums, ...),
                                         laid out like the model's flat vector of trainable params
    metadata   format, format_version    "neurona", "1"
               model                     JSON of model.get_config(): a Sequential's layers, or a
                                         functional graph ("class": "functional": layers, nodes)
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
import math
import os
import stat
import struct

import numpy as np

from .atomicfile import remove_stale_temporaries, write_atomic  # noqa: F401 (re-exported)
from .custom_objects import REGISTERED, register_keras_serializable  # noqa: F401  (keras.saving's names)
from .models.model_config import model_from_config

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
    tensors = _tensors(model)
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
            slots = model.optimizer.get_state()["slots"]
            for key, value in (slots[0].items() if slots else ()):
                tensors[f"optimizer.{key}"] = value
    write_atomic(path, save(tensors, metadata=metadata))


def _compile_config(model) -> dict:
    r"""A custom loss or metric is a Python function: the file keeps its name, not its code
    (``load_model(..., custom_objects={name: function})`` gives it back)."""
    def config_of(loss):
        if loss is None:
            return None
        config = loss.get_config()
        return {**config, "function": None} if callable(config.get("function")) else config   # FunctionLoss

    compiled = {"optimizer": model.optimizer.get_config()}
    if isinstance(model.loss, list):
        compiled["loss"] = [config_of(loss) for loss in model.loss]
        compiled["loss_weights"] = list(model.loss_weights)
    else:
        compiled["loss"] = config_of(model.loss)
    given = model.metrics_given
    compiled["metrics"] = [_metric_config(name, metric) for name, metric in model.named_metrics] \
        if not isinstance(given, (list, tuple, dict)) or model.output_count == 1 else _metric_names(given)
    return compiled


def _metric_config(name, metric):
    r"""A registered metric by its config (its settings and log key, from ``get_config``); a custom
    one (a function, an unregistered class) by its name."""
    from . import metrics
    if metrics.registry.holds(type(metric)):
        return metric.get_config()
    return name


def _metric_names(given):
    r"""The metrics of a multi-output compile, by name (strings and registered objects' configs)."""
    def one(m):
        return m if isinstance(m, str) else m.get_config() if hasattr(m, "get_config") else getattr(m, "__name__", str(m))
    if isinstance(given, dict):
        return {k: [one(m) for m in (v if isinstance(v, (list, tuple)) else [v])] for k, v in given.items()}
    return [[one(m) for m in g] if isinstance(g, (list, tuple)) else one(g) for g in given]


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
#: a file declaring more numbers than this (in its tensors or its layers' shapes) is refused
#: before anything is allocated: 2**31 parameters are 8 GiB of float32
PARAMETER_BUDGET = 2 ** 31
MAX_HEADER_BYTES = 100_000_000          # safetensors' own limit
MAX_JSON_DEPTH = 64                     # a model config nests about 5 levels
_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
           "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}


def read_file(path) -> tuple[dict, dict[str, np.ndarray]]:
    r"""(metadata with its JSON values decoded, tensors) of a neurona model file; raises
    ``ModelFileError`` for anything that is not one.

    Nothing is trusted before it is checked: the path must be a regular file (not a FIFO, a
    device or a directory); the 8-byte header length and the JSON header are read first, every
    tensor's dtype, shape and byte range are checked against each other and against the file's
    size, and only then are the tensor bytes read."""
    path = os.fspath(path)
    with _open_regular(path) as file:
        size = os.fstat(file.fileno()).st_size
        header, data_size = _read_header(path, file, size)
        raw = _neurona_metadata(path, header)
        layout = _tensor_layout(path, header, data_size)
        data = bytearray(data_size)
        if file.readinto(data) != data_size:
            raise ModelFileError(f"{path}: the file changed size while it was read.")
    tensors = {name: np.frombuffer(data, dtype, count=count, offset=begin).reshape(shape)
               for name, (dtype, shape, count, begin) in layout.items()}
    metadata = {}
    for key in ("model", "compile", "training", "user"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise ModelFileError(f"{path}: metadata {key!r} must be a JSON string; got {raw[key]!r:.80}.")
            metadata[key] = parse_json(path, raw[key], f"metadata {key!r}")
    if not isinstance(metadata.get("model"), dict):
        raise ModelFileError(f"{path}: metadata 'model' must be a JSON object describing the model.")
    return metadata, tensors


def is_model_file(path) -> bool:
    r"""Whether ``path`` is a regular file with a neurona model file's header (the tensors are not
    read)."""
    try:
        with _open_regular(os.fspath(path)) as file:
            header, _ = _read_header(path, file, os.fstat(file.fileno()).st_size)
            _neurona_metadata(path, header)
    except (ModelFileError, OSError):
        return False
    return True


def _open_regular(path):
    r"""``path`` opened for reading, if it is a regular file. Opening does not block (a FIFO with
    no writer would otherwise hang here)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "not a file")
        raise ModelFileError(f"{path}: {kind}, not a regular file; a model file is a .safetensors file.")
    return os.fdopen(fd, "rb")


def _read_header(path, file, size) -> tuple[dict, int]:
    r"""(the JSON header, the number of tensor bytes after it), the header length checked against
    the file's size before the header is read."""
    if size < 8:
        raise ModelFileError(f"{path}: truncated file ({size} bytes; a safetensors file starts "
                             f"with an 8-byte header length).")
    (length,) = struct.unpack("<Q", file.read(8))
    if length > size - 8:
        raise ModelFileError(f"{path}: truncated file, or not a safetensors file (header of {length} "
                             f"bytes announced, {size - 8} present).")
    if length > MAX_HEADER_BYTES:
        raise ModelFileError(f"{path}: a header of {length} bytes is more than the {MAX_HEADER_BYTES} a "
                             f"safetensors file may have.")
    header = parse_json(path, file.read(length), "the safetensors header", "is not JSON")
    if not isinstance(header, dict):
        raise ModelFileError(f"{path}: the safetensors header must be a JSON object.")
    return header, size - 8 - length


def parse_json(path, text, what, invalid="is not valid JSON"):
    r"""``json.loads(text)``; invalid or too deeply nested JSON is a ``ModelFileError`` naming
    ``path`` and ``what``."""
    try:
        value = json.loads(text)
    except RecursionError:
        value = None
        depth = MAX_JSON_DEPTH + 1
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelFileError(f"{path}: {what} {invalid} ({error}).") from None
    else:
        depth = _depth(value)
    if depth > MAX_JSON_DEPTH:
        raise ModelFileError(f"{path}: {what} nests JSON more than {MAX_JSON_DEPTH} levels deep; a model "
                             f"file never does.")
    return value


def _depth(value) -> int:
    r"""How deeply lists and objects nest in ``value`` (walked without recursion; stops once past
    MAX_JSON_DEPTH)."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= MAX_JSON_DEPTH:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _neurona_metadata(path, header) -> dict:
    r"""The ``__metadata__`` string table of the header, with neurona's format and version."""
    raw = header.get("__metadata__")
    if not isinstance(raw, dict):
        raise ModelFileError(f"{path}: no neurona metadata in the safetensors header.")
    if raw.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a neurona model file (metadata 'format' is {raw.get('format')!r:.80}, "
                             f"expected {FORMAT!r}).")
    if raw.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: model file format version {raw.get('format_version')!r:.80} is not "
                             f"supported (this neurona reads version {FORMAT_VERSION}).")
    return raw


def _tensor_layout(path, header, data_size) -> dict:
    r"""name -> (NumPy dtype, shape, element count, byte offset) of every tensor the header
    declares, checked: known dtype, a shape of whole numbers whose bytes are exactly the tensor's
    byte range, ranges that tile the data after the header exactly, at most PARAMETER_BUDGET
    numbers in all."""
    layout, ranges, total = {}, [], 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        where = f"{path}: tensor {name!r:.80}"
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise ModelFileError(f"{where} must be an object with dtype, shape and data_offsets.")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(dtype, str) or dtype not in _DTYPES:
            raise ModelFileError(f"{where} has dtype {dtype!r:.40}; known: {', '.join(_DTYPES)}.")
        if not isinstance(shape, list) or not all(_whole(n) for n in shape):
            raise ModelFileError(f"{where} has shape {shape!r:.80}; expected a list of integers >= 0.")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_whole(o) for o in offsets)
                and offsets[0] <= offsets[1] <= data_size):
            raise ModelFileError(f"{where} has data_offsets {offsets!r:.80}; expected [begin, end] within the "
                                 f"{data_size} bytes after the header.")
        count = math.prod(shape)
        total += count
        if total > PARAMETER_BUDGET:
            raise ModelFileError(f"{path}: the tensors declare more than {PARAMETER_BUDGET} numbers (2**31).")
        itemsize = np.dtype(_DTYPES[dtype]).itemsize
        if count * itemsize != offsets[1] - offsets[0]:
            raise ModelFileError(f"{where}: shape {shape} of {dtype} is {count * itemsize} bytes, but its "
                                 f"data_offsets span {offsets[1] - offsets[0]}.")
        layout[name] = (np.dtype(_DTYPES[dtype]), tuple(shape), count, offsets[0])
        ranges.append(offsets)
    end = 0
    for begin, stop in sorted(ranges):
        if begin != end:
            raise ModelFileError(f"{path}: the tensors' byte ranges overlap or leave a gap at byte {end}.")
        end = stop
    if end != data_size:
        raise ModelFileError(f"{path}: the tensors take {end} bytes, but {data_size} follow the header "
                             f"(truncated, or not a safetensors file).")
    return layout


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def __getattr__(name):
    r"""Keras's object helpers of ``keras.saving`` (``neurona.serialization``), imported when asked for:
    that module builds on this one."""
    from . import serialization
    if name in ("CustomObjectScope", "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
                "get_registered_name", "get_registered_object", "serialize_keras_object"):
        return getattr(serialization, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _tensors(model) -> dict:
    r"""The model's weights and state as plain contiguous arrays, 0-d ones kept 0-d."""
    return {name: np.ascontiguousarray(np.asarray(array)).reshape(np.shape(array))
            for name, array in model.weight_items()}


def load_model(path, compile: bool = True, custom_objects: dict | None = None):
    r"""The model saved in ``path``: same architecture and weights (predictions identical bit
    for bit), compiled as it was, with its optimizer state, epoch count, RNG state and history
    (``fit`` continues as if training had never stopped).

    ``custom_objects`` maps the class names of custom layers and the names of custom losses and
    metrics (Python classes and functions, which the file does not store) to them;
    ``compile=False`` loads the model without the losses and metrics."""
    from .custom_objects import CustomObjectError

    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(f"custom_objects must be a dict {{name: function}}; got {type(custom_objects).__name__}.")
    metadata, tensors = read_file(path)
    try:
        _check_budget(metadata["model"], tensors)
        model = model_from_config(_upgrade_layers(metadata["model"]), custom_objects)
    except CustomObjectError:
        raise                       # the argument, not the file, is wrong
    except (ValueError, TypeError, KeyError, OverflowError, NotImplementedError) as error:
        raise ModelFileError(f"{path}: bad model config: {error}") from None
    if compile and "compile" in metadata:
        _compile_from(model, metadata["compile"], path, {**REGISTERED, **(custom_objects or {})})
    model.metadata = check_user_metadata(path, metadata.get("user") or {}, model)
    restore_state(model, path, (metadata, tensors))
    return model


#: the layer arguments that hold a regularizer config
_REGULARIZER_KEYS = ("kernel_regularizer", "bias_regularizer", "activity_regularizer")


def _upgrade_layers(config):
    r"""A model config of an earlier file in today's terms: regularizers written before they had a
    ``convention`` penalised with the slides' lambda / 2m ("lectures"), which is what they keep."""
    if not isinstance(config, dict):
        return config
    config = dict(config)
    if isinstance(config.get("layers"), list):
        config["layers"] = [_upgrade_layer(c) for c in config["layers"]]
    return config


def _upgrade_layer(layer):
    if not isinstance(layer, dict):
        return layer
    layer = dict(layer)
    if layer.get("name") == "model":
        layer["config"] = _upgrade_layers(layer.get("config"))
    for key in _REGULARIZER_KEYS:
        regularizer = layer.get(key)
        if isinstance(regularizer, dict) and "convention" not in regularizer:
            layer[key] = {**regularizer, "convention": "lectures"}
    return layer


def _check_budget(config, tensors):
    r"""Refuse sizes that the tensors cannot back, before building allocates the weights (a
    hostile config could otherwise ask for terabytes): a chain's widths are walked layer by layer;
    in a graph, no declared width may exceed the numbers the file holds."""
    available = sum(t.size for t in tensors.values())
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        return
    if config.get("class") == "functional":
        _check_sizes(None, list(_leaf_configs(config["layers"])), tensors)
        for layer_config in _leaf_configs(config["layers"]):
            units = layer_config.get("units")
            if isinstance(units, int) and units > available:
                raise ValueError(f"a layer of {units} units is larger than all the file's tensors ({available} numbers)")
        for spec in config.get("inputs", []):
            shape = spec.get("shape") if isinstance(spec, dict) else None
            if isinstance(shape, list) and all(isinstance(n, int) for n in shape) and np.prod(shape, dtype=float) > \
                    max(available, 1) * 1024:
                raise ValueError(f"an input of shape {shape} is larger than the file can back")
        return
    width = config.get("input_dim")
    if isinstance(config.get("input_shape"), list):
        shape = config["input_shape"]
        width = int(np.prod(shape)) if all(isinstance(n, int) for n in shape) else None
    _check_sizes(width, list(_leaf_configs(config["layers"])), tensors)


def _check_sizes(input_dim, layer_configs, tensors):
    r"""Refuse sizes that the file cannot back, before building allocates any weight (a hostile
    config could otherwise ask for terabytes). Every layer's declared widths count, whether or
    not the model's input_dim is given: a layer's parameters are at most
    (inputs + 1) x units, and all of them together must fit the tensors the file holds and
    PARAMETER_BUDGET."""
    available = sum(t.size for t in tensors.values())
    width, total = input_dim, 0
    for i, layer_config in enumerate(layer_configs):
        if not isinstance(layer_config, dict):
            raise ValueError(f"a layer config must be an object; got {layer_config!r:.80}")
        for key, value in layer_config.items():
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > PARAMETER_BUDGET:
                raise ValueError(f"layer {i} declares {key} = {value}, more than the {PARAMETER_BUDGET} "
                                 f"parameters a model file may hold")
        declared = [w for w in (width, layer_config.get("input_dim")) if isinstance(w, int)]
        units = layer_config.get("units")
        if isinstance(units, int) and not isinstance(units, bool):
            inputs = max(declared, default=0)
            if inputs * units > available:
                raise ValueError(f"layer {i} declares {inputs} x {units} weights, larger than all the "
                                 f"file's tensors ({available} numbers)")
            total += (inputs + 1) * units
            if total > PARAMETER_BUDGET:
                raise ValueError(f"layer {i} ({inputs} inputs x {units} units) takes the model past "
                                 f"{PARAMETER_BUDGET} parameters (2**31)")
            width = units
        elif declared:
            width = max(declared)
        window = layer_config.get("kernel_size", layer_config.get("pool_size"))
        if isinstance(window, list) and all(isinstance(n, int) for n in window):
            filters = layer_config.get("filters")
            if isinstance(filters, int) and np.prod(window, dtype=float) * filters > max(available, 1):
                raise ValueError(f"layer {i} declares {filters} filters of {window}, more than all the file's "
                                 f"tensors ({available} numbers)")
            width = None                # a convolution or pooling: the width after it is not the one before
        if any(key in layer_config for key in ("cropping", "size", "keepdims", "height")) or \
                isinstance(layer_config.get("padding"), list):
            width = None                # cropping, up-sampling, global pooling, zero padding, resizing: likewise


#: the keys of ``model.metadata`` that ``neurona train`` writes and the other commands read
DESCRIPTION_KEYS = ("task", "features", "target", "classes", "scaler", "split", "source")


def check_user_metadata(path, user, model) -> dict:
    r"""The ``user`` metadata (``model.metadata``), checked. Any JSON object is allowed, but the
    keys with which ``neurona train`` describes the data (DESCRIPTION_KEYS) must be what it
    writes, and agree with the model: one feature name per input, one class name per output, a
    scaler with one finite mean and one positive scale per feature."""
    if not isinstance(user, dict):
        raise ModelFileError(f"{path}: metadata 'user' must be a JSON object; got {user!r:.80}.")

    def bad(key, expected):
        raise ModelFileError(f"{path}: metadata 'user' key {key!r} must be {expected}; got {user[key]!r:.80}.")

    def names(key):
        value = user[key]
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)
                and len(set(value)) == len(value)):
            bad(key, "a non-empty list of distinct names (strings)")
        return value

    if user.get("task") is not None and user["task"] not in ("classification", "regression"):
        bad("task", "'classification' or 'regression'")
    for key in ("target", "source"):
        if user.get(key) is not None and not isinstance(user[key], str):
            bad(key, "a string")
    features = names("features") if user.get("features") is not None else None
    if features is not None and model.input_dim is not None and len(features) != model.input_dim:
        bad("features", f"{model.input_dim} names, one per input of the model")
    if user.get("classes") is not None:
        classes = names("classes")
        outputs = model.layers[-1].output_dim if model.built and model.layers else None
        if outputs == 1 and len(classes) != 2:
            bad("classes", "2 names: the model has one (sigmoid) output, the probability of the second class")
        if outputs is not None and outputs > 1 and len(classes) != outputs:
            bad("classes", f"{outputs} names, one per output of the model")
    elif user.get("task") == "classification" and features is not None:
        raise ModelFileError(f"{path}: metadata 'user' describes a classifier but has no 'classes'.")
    if features is not None and user.get("task") is None:
        raise ModelFileError(f"{path}: metadata 'user' describes the inputs ('features') but has no 'task' "
                             f"('classification' or 'regression').")
    if user.get("scaler") is not None:
        scaler = user["scaler"]
        width = len(features) if features is not None else model.input_dim
        if not (isinstance(scaler, dict) and set(scaler) == {"mean", "scale"}
                and all(_finite_list(scaler[k], width) for k in ("mean", "scale"))
                and all(v > 0 for v in scaler["scale"])):
            bad("scaler", f"{{'mean': [...], 'scale': [...]}} with {width or 'one per feature'} finite numbers "
                          f"each, the scales > 0")
    if user.get("split") is not None:
        split = user["split"]
        if not (isinstance(split, dict) and set(split) <= {"test_size", "seed"}
                and (split.get("test_size") is None or (_number(split["test_size"]) and 0 <= split["test_size"] < 1))
                and (split.get("seed") is None or _whole(split["seed"]))):
            bad("split", "{'test_size': a fraction in [0, 1), 'seed': an integer >= 0}")
    return user


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _finite_list(value, length) -> bool:
    return (isinstance(value, list) and (length is None or len(value) == length)
            and all(_number(v) for v in value))


def _leaf_configs(configs):
    for c in configs:
        if isinstance(c, dict) and c.get("name") == "model" and isinstance(c.get("config"), dict):
            yield from _leaf_configs(c["config"].get("layers", []))
        elif isinstance(c, dict):
            yield c
        else:
            raise ValueError(f"a layer config must be an object; got {c!r}")


def _compile_from(model, config, path, custom_objects):
    try:
        if not isinstance(config, dict) or config.get("optimizer") is None or config.get("loss") is None:
            raise ValueError(f"expected an object with an optimizer and a loss; got {config!r}")
        loss, metrics = config["loss"], config.get("metrics")
        if isinstance(loss, list):
            loss = [_custom_loss(l, custom_objects, path) if isinstance(l, dict) and "function" in l else l
                    for l in loss]
        elif isinstance(loss, dict) and "function" in loss:
            loss = _custom_loss(loss, custom_objects, path)
        if isinstance(metrics, list):
            metrics = [_custom_metric(m, custom_objects, path) if isinstance(m, str) else m for m in metrics]
            if not all(isinstance(m, (str, dict)) or callable(m) for m in metrics):
                raise ValueError(f"metrics must be names or configs; got {config.get('metrics')!r}")
        model.compile(optimizer=config["optimizer"], loss=loss, metrics=metrics,
                      loss_weights=config.get("loss_weights"))
    except ModelFileError:
        raise
    except (ValueError, TypeError, KeyError, OverflowError) as error:
        raise ModelFileError(f"{path}: bad compile settings: {error}") from None


def _custom_metric(name, custom_objects, path):
    r"""A metric the file names: given in ``custom_objects``, or one of neurona's."""
    from . import metrics
    if name in custom_objects:
        return custom_objects[name]
    try:
        if name.lower() not in ("accuracy", "acc"):
            metrics.registry.lookup(name)
    except ValueError:
        raise ModelFileError(f"{path}: the model was compiled with the metric {name!r}, which is not one of "
                             f"neurona's: a custom metric, which model files name but do not store; pass "
                             f"load_model(path, custom_objects={{{name!r}: function}}), or compile=False.") from None
    return name


def _custom_loss(config, custom_objects, path):
    from .losses import FunctionLoss

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
    saved_layers = _upgrade_layers(metadata["model"]).get("layers")
    mine = json.loads(json.dumps([layer.file_config() for layer in model.layers]))
    if contents is None and saved_layers != mine:
        raise ModelFileError(f"{path} holds the training state of a different model: "
                             f"{_difference(saved_layers, mine)}. Delete the file (or choose another path) to "
                             f"start over.")
    weights = _weights_from(model, tensors, path)
    epoch, iterations, rng_state, history = _training_from(metadata.get("training"), path)
    slots = {k.removeprefix("optimizer."): v for k, v in tensors.items() if k.startswith("optimizer.")}
    if model.compiled:
        slots = model.optimizer.upgrade_slots(slots)
        _check_slots(model, slots, path)
    _set_weight_items(model, weights)
    model.epoch = epoch
    if rng_state is not None:
        model.rng.bit_generator.state = rng_state        # in place: dropout layers share this generator
    if model.compiled:
        model.optimizer.set_state({"iterations": iterations, "slots": [slots] if slots else []},
                                  [model.flat_parameters.values])
        saved_optimizer = (metadata.get("compile") or {}).get("optimizer", {})
        if isinstance(model.optimizer.learning_rate, (int, float)) and isinstance(
                saved_optimizer.get("learning_rate"), (int, float)):
            model.optimizer.learning_rate = saved_optimizer["learning_rate"]   # ReduceLROnPlateau's changes
    model.history = history


def _difference(saved_layers, layers) -> str:
    r"""The first setting in which two lists of layer configs differ, in words."""
    if not isinstance(saved_layers, list) or len(saved_layers) != len(layers):
        count = len(saved_layers) if isinstance(saved_layers, list) else "no"
        return f"it has {count} layers, this model {len(layers)}"
    for i, (saved, mine) in enumerate(zip(saved_layers, layers)):
        if saved == mine:
            continue
        if not isinstance(saved, dict) or saved.get("name") != mine.get("name"):
            return f"layer {i} is a {saved.get('name') if isinstance(saved, dict) else saved!r} there, a {mine['name']} here"
        key = next(k for k in sorted(set(saved) | set(mine)) if saved.get(k) != mine.get(k))
        return f"layer {i} ({mine['name']}) has {key} = {saved.get(key)!r} there, {mine.get(key)!r} here"
    return "the layers differ"


def _weights_from(model, tensors, path) -> list[np.ndarray]:
    r"""The file's arrays for every weight the model's layers declare, in ``model.weights`` order."""
    weights, expected = [], set()
    for key, array in model.weight_items():
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


def _set_weight_items(model, weights):
    for (_, array), value in zip(model.weight_items(), weights):
        array[...] = value


# -- weights alone --------------------------------------------------------------------------------
WEIGHTS_FORMAT = "neurona-weights"


def save_weights(model, path) -> None:
    r"""Write the weights of ``model`` (what its layers declare) to a safetensors file."""
    from safetensors.numpy import save

    if not model.built:
        raise ValueError("save_weights needs a built model: give it an input shape or call fit first.")
    tensors = _tensors(model)
    write_atomic(path, save(tensors, metadata={"format": WEIGHTS_FORMAT, "format_version": FORMAT_VERSION}))


def load_weights(model, path) -> None:
    r"""Put the weights of ``path`` (``save_weights``' file, or a whole model file) into ``model``,
    which must have the same architecture; checks everything before changing anything."""
    path = os.fspath(path)
    with _open_regular(path) as file:
        size = os.fstat(file.fileno()).st_size
        header, data_size = _read_header(path, file, size)
        raw = header.get("__metadata__")
        if not isinstance(raw, dict) or raw.get("format") not in (FORMAT, WEIGHTS_FORMAT) or \
                raw.get("format_version") != FORMAT_VERSION:
            raise ModelFileError(f"{path}: not a neurona weights or model file (format version {FORMAT_VERSION}).")
        layout = _tensor_layout(path, header, data_size)
        data = bytearray(data_size)
        if file.readinto(data) != data_size:
            raise ModelFileError(f"{path}: the file changed size while it was read.")
    tensors = {name: np.frombuffer(data, dtype, count=count, offset=begin).reshape(shape)
               for name, (dtype, shape, count, begin) in layout.items()}
    if not model.built:
        raise ValueError("load_weights needs a built model: build it (model.build((None, n))) or call it on data first.")
    _set_weight_items(model, _weights_from(model, tensors, path))


def _check_slots(model, slots, path):
    size = model.flat_parameters.size
    for key, value in slots.items():
        if value.shape != (size,) or value.dtype != model.dtype:
            raise ModelFileError(f"{path}: optimizer slot {key!r} has shape {value.shape} and dtype "
                                 f"{value.dtype}; the model needs ({size},) {model.dtype}.")
    wanted = set(model.optimizer.slot_names())
    if slots and set(slots) != wanted:
        raise ModelFileError(f"{path}: optimizer slots {sorted(slots)} do not match the "
                             f"{type(model.optimizer).__name__} optimizer's {sorted(wanted)}.")


def _training_from(training, path):
    r"""(epoch, optimizer iterations, RNG state, History) of the 'training' metadata, checked."""
    from .callback import History

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
           "ModelFileError", "save_weights", "load_weights", "model_from_config"]
