r"""``neurona.config``: the global settings of Keras 3 (``keras.config``) that have a meaning here.

    config.floatx()                  'float32': the dtype of new models, layers' weights, Inputs, random
                                     draws and ops.zeros / ones / eye / identity / tri / empty
    config.set_floatx("float64")     exact arithmetic (gradient checks); 'float16' is refused (no gain on NumPy)
    config.epsilon()                 1e-7: the fuzz factor e that keeps log(p) and x / y finite
    config.image_data_format()       'channels_last' (samples, ..., channels), as Keras's default
    config.backend()                 'numpy': the arrays neurona computes with
    config.set_max_epochs(n)         every fit stops after at most n epochs (Keras's cap, for quick tests)

Traceback filtering and interactive logging are flags that programs switch and read; neurona's
tracebacks are not filtered and its progress bars print on the terminal either way.
"""
from __future__ import annotations

import numpy as np

_settings = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last",
             "traceback_filtering": True, "interactive_logging": True, "unsafe_deserialization": False,
             "max_epochs": None, "max_steps_per_epoch": None}


def floatx() -> str:
    r"""The default float dtype, as a string ('float32' unless ``set_floatx`` changed it)."""
    return _settings["floatx"]


def set_floatx(value) -> None:
    r"""Set the default float dtype: 'float32' (fast) or 'float64' (exact). What is made afterwards
    takes it (models, weights, Inputs, ops constructors, random draws); what exists keeps its dtype."""
    name = np.dtype(value).name if isinstance(value, (str, type, np.dtype)) else value
    if name not in ("float32", "float64"):
        raise ValueError(f"set_floatx: value must be 'float32' or 'float64' (NumPy computes float16 no faster); "
                         f"got {value!r}.")
    _settings["floatx"] = name


def epsilon() -> float:
    r"""The fuzz factor e (1e-7) that Keras adds to keep divisions and logarithms finite."""
    return _settings["epsilon"]


def set_epsilon(value) -> None:
    r"""Set the fuzz factor returned by ``epsilon()``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0 <= value < 1:
        raise ValueError(f"set_epsilon: value must be a number in [0, 1); got {value!r}.")
    _settings["epsilon"] = float(value)


def image_data_format() -> str:
    r"""'channels_last' or 'channels_first': where image arrays keep their channel axis."""
    return _settings["image_data_format"]


def set_image_data_format(data_format) -> None:
    r"""Set ``image_data_format()``: 'channels_last' or 'channels_first'."""
    value = str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"set_image_data_format: data_format must be 'channels_last' or 'channels_first'; "
                         f"got {data_format!r}.")
    _settings["image_data_format"] = value


def backend() -> str:
    r"""The array library neurona computes with: 'numpy'."""
    return "numpy"


def _flag(key, doc):
    def enable():
        _settings[key] = True

    def disable():
        _settings[key] = False

    def is_enabled() -> bool:
        return _settings[key]

    for function, verb in ((enable, "Enable"), (disable, "Disable"), (is_enabled, "Whether")):
        function.__doc__ = f"{verb} {doc}."
    return enable, disable, is_enabled


enable_traceback_filtering, disable_traceback_filtering, is_traceback_filtering_enabled = _flag(
    "traceback_filtering", "traceback filtering (a flag: neurona's tracebacks are always whole)")
enable_interactive_logging, disable_interactive_logging, is_interactive_logging_enabled = _flag(
    "interactive_logging", "interactive logging (a flag: progress prints on the terminal either way)")


def unsafe_deserialization_enabled() -> bool:
    r"""Whether model files may name functions that loading imports (``enable_unsafe_deserialization``)."""
    return _settings["unsafe_deserialization"]


def enable_unsafe_deserialization() -> None:
    r"""Allow loading what could run code (Keras's lambdas in files). neurona's model files hold no
    code, so this only sets the flag that ``Lambda``'s loader reads."""
    _settings["unsafe_deserialization"] = True


def _positive_or_none(name, value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
        raise ValueError(f"{name}: expected a positive integer or None; got {value!r}.")
    return None if value is None else int(value)


def max_epochs():
    r"""The cap on the epochs of every fit (None: no cap)."""
    return _settings["max_epochs"]


def set_max_epochs(max_epochs) -> None:
    r"""Cap the epochs of every fit at ``max_epochs`` (None removes the cap), as Keras does."""
    _settings["max_epochs"] = _positive_or_none("set_max_epochs", max_epochs)


def max_steps_per_epoch():
    r"""The cap on the steps of every epoch (None: no cap)."""
    return _settings["max_steps_per_epoch"]


def set_max_steps_per_epoch(max_steps_per_epoch) -> None:
    r"""Cap the batches of every epoch of fit at ``max_steps_per_epoch`` (None removes the cap)."""
    _settings["max_steps_per_epoch"] = _positive_or_none("set_max_steps_per_epoch", max_steps_per_epoch)
