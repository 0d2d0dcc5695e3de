r"""One registry per family of objects (activations, losses, optimizers, ...).

A registry turns what a user writes into an object:

    get("relu")                        -> ReLU()
    get({"name": "leaky_relu", "negative_slope": 0.2})
    get(ReLU())                        -> the same instance
    get(None)                          -> None

Every registered class gets ``get_config()``: the ``{"name": ..., **arguments}`` dict that
``get`` turns back into an equal object. Model files, experiment files and the tuner all
speak this one format.
"""
from __future__ import annotations

import difflib
import inspect


class Configurable:
    r"""Mixin: ``get_config()`` from the constructor's arguments.

    Convention: every argument of ``__init__`` is stored under an attribute of the same name.
    """

    _registry_name: str | None = None
    #: constructor arguments stored under another config key ("name" is taken by the type)
    _config_keys: dict[str, str] = {}

    def get_config(self) -> dict:
        config = {"name": self._registry_name or type(self).__name__}
        for name, parameter in inspect.signature(type(self).__init__).parameters.items():
            if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            value = getattr(self, name)
            if isinstance(value, Configurable):
                value = value.get_config()
            config[self._config_keys.get(name, name)] = value
        return config

    def __repr__(self) -> str:
        config = self.get_config()
        name = config.pop("name")
        args = ", ".join(f"{k}={v!r}" for k, v in config.items())
        return f"{type(self).__name__}({args})" if args else f"{type(self).__name__}()"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    __hash__ = object.__hash__


class Registry:
    r"""Name -> class table of one kind, filled by the ``register`` decorator."""

    def __init__(self, kind: str, base: type):
        self.kind = kind
        self.base = base
        self._classes: dict[str, type] = {}

    def register(self, name: str, *aliases: str):
        def decorate(cls):
            cls._registry_name = name
            for key in (name, *aliases):
                self._classes[key] = cls
            return cls

        return decorate

    def names(self) -> list[str]:
        return sorted(self._classes)

    def lookup(self, name: str) -> type:
        key = name.lower() if isinstance(name, str) else name
        if key in self._classes:
            return self._classes[key]
        known = self.names()
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown {self.kind} {name!r}.{hint} Known {self.kind}s: {', '.join(known)}.")

    def get(self, identifier):
        if identifier is None or isinstance(identifier, self.base):
            return identifier
        if isinstance(identifier, str):
            return self.lookup(identifier)()
        if isinstance(identifier, dict):
            config = dict(identifier)
            if "name" not in config:
                raise ValueError(f"A {self.kind} config needs a 'name' key; got keys {sorted(config)}.")
            cls = self.lookup(config.pop("name"))
            for argument, key in cls._config_keys.items():
                if key in config:
                    config[argument] = config.pop(key)
            try:
                return cls(**config)
            except TypeError as error:
                raise ValueError(f"Bad arguments for {self.kind} {cls.__name__}: {error}") from None
        if isinstance(identifier, type) and issubclass(identifier, self.base):
            return identifier()
        raise TypeError(
            f"Expected a {self.kind} name (str), config (dict) or {self.base.__name__} instance; "
            f"got {type(identifier).__name__} {identifier!r}."
        )
