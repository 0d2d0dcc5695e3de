r"""Keras's object (de)serialization helpers (``keras.saving`` / ``keras.utils``): a config dict for
any object of neurona's registries, the way back, and the table of custom objects.

    config = saving.serialize_keras_object(optimizers.Adam(1e-3))
    # {"module": "neurona.optimizers", "class_name": "Adam", "config": {...}, "registered_name": "adam"}
    saving.deserialize_keras_object(config)              # Adam(learning_rate=0.001, ...)
    with saving.custom_object_scope({"MyLayer": MyLayer}):
        model = saving.load_model("m.keras")            # the file names MyLayer; the scope supplies it
    saving.get_custom_objects()["my_loss"] = my_loss     # known everywhere from here on

A config names a class; deserializing looks it up in the registries, the custom objects and the
registered ones, never imports a module: a config from a file cannot run code.
"""
from __future__ import annotations

import importlib

from .custom_objects import (REGISTERED, custom_object_scope, get_custom_objects, in_scope,  # noqa: F401
                             register_keras_serializable)

#: the registry families a config's class is looked up in, in this order
FAMILIES = ("activations", "losses", "metrics", "optimizers", "initializers", "regularizers", "constraints",
            "schedules", "layers")


class CustomObjectScope:
    r"""``with CustomObjectScope({"MyLayer": MyLayer}):`` the names resolve to these objects inside."""

    def __init__(self, *custom_objects):
        self.custom_objects = {}
        for objects in custom_objects:
            self.custom_objects.update(objects or {})

    def __enter__(self):
        self._scope = custom_object_scope(self.custom_objects)
        self._scope.__enter__()
        return self

    def __exit__(self, *exc):
        return self._scope.__exit__(*exc)


def get_registered_name(obj) -> str:
    r"""The name ``obj`` was registered under ("package>name"), else its ``__name__``."""
    for key, value in REGISTERED.items():
        if value is obj and ">" in key:
            return key
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    r"""The object known under ``name``: in ``custom_objects``, the open scopes and the global table,
    the registered objects, then ``module_objects``; None when nobody knows it."""
    for table in (custom_objects or {}, in_scope(), REGISTERED, module_objects or {}):
        if name in table:
            return table[name]
    return None


def _family(obj):
    for family in FAMILIES:
        module = importlib.import_module(f"neurona.{family}")
        base = getattr(getattr(module, "registry", None), "base", None)
        if base is not None and isinstance(obj, base):
            return family
    return None


def serialize_keras_object(obj):
    r"""A JSON-able dict of ``obj``: Keras's layout {module, class_name, config, registered_name};
    numbers, strings, None, lists and dicts as they are; a function by its registered name."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if callable(obj) and not hasattr(obj, "get_config"):
        return get_registered_name(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"serialize_keras_object: {type(obj).__name__} {obj!r:.60} has no get_config().")
    config = dict(obj.get_config())
    registered = config.pop("name", None)
    family = _family(obj)
    return {"module": f"neurona.{family}" if family else type(obj).__module__, "class_name": type(obj).__name__,
            "config": {k: serialize_keras_object(v) for k, v in config.items()},
            "registered_name": get_registered_name(type(obj)) if family is None else registered}


def deserialize_keras_object(config, custom_objects=None, module_objects=None, safe_mode=True, **keras_arguments):
    r"""The object of ``serialize_keras_object``'s dict (or of a name): a custom class by its name in
    the custom objects, else the class of that name in neurona's registries."""
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, module_objects) for c in config]
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects, module_objects)
        if found is not None:
            return found
        for family in FAMILIES:
            module = importlib.import_module(f"neurona.{family}")
            try:
                return module.get(config)
            except (ValueError, TypeError, AttributeError):
                continue
        raise ValueError(f"deserialize_keras_object: no object is known as {config!r} (pass it in custom_objects).")
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize_keras_object needs a dict with 'class_name' and 'config'; got {config!r:.80}.")
    inner = config.get("config") or {}
    name = config.get("registered_name") or config["class_name"]
    custom = get_registered_object(name, custom_objects, module_objects) or \
        get_registered_object(config["class_name"], custom_objects, module_objects)
    if custom is not None:
        return custom.from_config(inner) if hasattr(custom, "from_config") else custom(**inner)
    module = str(config.get("module", ""))
    families = [module.split(".")[-1]] if module.startswith("neurona.") else []
    for family in families + [f for f in FAMILIES if f not in families]:
        registry = getattr(importlib.import_module(f"neurona.{family}"), "registry", None)
        if registry is None:
            continue
        try:
            cls = registry.lookup(config["class_name"])
        except ValueError:
            continue
        return registry.get({"name": config["class_name"], **inner}) if family != "layers" else cls.from_config(
            {"name": config["class_name"], **inner})
    raise ValueError(f"deserialize_keras_object: no class {config['class_name']!r} in neurona's registries "
                     f"({', '.join(FAMILIES)}) nor in the custom objects; pass it in custom_objects.")
