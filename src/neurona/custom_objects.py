r"""The objects a config may name besides the registries: those registered with
``register_keras_serializable`` and those given as ``custom_objects`` (a scope, or the global table).

    @register_keras_serializable(package="demo")
    class Scale(keras.layers.Layer): ...            # known as "Scale" and "demo>Scale" from here on

    with custom_object_scope({"MyLayer": MyLayer}):
        model = load_model("m.keras")               # the file names MyLayer; the scope supplies it

Model files, ``deserialize_keras_object`` and ``layers.deserialize`` all look names up here.
"""
from __future__ import annotations

import contextlib

#: objects registered with ``register_keras_serializable``: "package>name" and name -> object
REGISTERED: dict[str, object] = {}
#: the open scopes, innermost last; the first is the global table (``get_custom_objects``)
_scopes: list[dict] = [{}]


class CustomObjectError(TypeError):
    r"""A ``custom_objects`` argument that cannot be used: not a dict, or a custom layer's entry
    that is not a layer class."""


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    r"""Keras's decorator: ``load_model`` finds the decorated function or class by its name
    (``name`` or its ``__name__``, also as ``"package>name"``) without ``custom_objects``."""
    def register(obj):
        key = name or obj.__name__
        REGISTERED[f"{package}>{key}"] = REGISTERED[key] = obj
        return obj
    return register


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    r"""Keras's ``custom_objects``: names -> custom classes or functions, while configs are read."""
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise CustomObjectError(f"custom_objects must be a dict {{name: class or function}}; got "
                                f"{type(custom_objects).__name__}.")
    _scopes.append({**_scopes[-1], **(custom_objects or {})})
    try:
        yield
    finally:
        _scopes.pop()


def get_custom_objects() -> dict:
    r"""The global table of custom objects (name -> class or function); what is put in it is known
    to every load and deserialization outside a narrower scope."""
    return _scopes[0]


def in_scope() -> dict:
    r"""The custom objects of the innermost open scope (the global table outside any)."""
    return _scopes[-1]


def known() -> dict:
    r"""Every name a config may use now: the registered objects and those of the open scope."""
    return {**REGISTERED, **_scopes[-1]}
