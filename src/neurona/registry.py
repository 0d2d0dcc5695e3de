r"""One registry per family of objects (activations, losses, optimizers, ...).

A registry turns what a user writes into an object:

    get("relu")                        -> ReLU()
    get({"name": "leaky_relu", "negative_slope": 0.2})
    get(ReLU())                        -> the same instance
    get(None)                          -> None
    get("ReLU")                        -> ReLU()  (a class name, as Keras writes it)
    get({"class_name": "ReLU", "config": {...}})    (Keras's serialized form)

Every registered class gets ``get_config()``: the ``{"name": ..., **arguments}`` dict that
``get`` turns back into an equal object. Model files, experiment files and the tuner all
speak this one format.
"""
from __future__ import annotations

import difflib
import inspect


def _edits(a: str, b: str) -> int:
    r"""Edit distance with adjacent transpositions ('adma' is one edit from 'adam')."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


class NotInNeurona(NotImplementedError, AttributeError):
    r"""A Keras name that neurona does not implement (an AttributeError too, so ``hasattr`` and
    ``getattr(module, name, default)`` work as usual)."""


def not_in_neurona(module: str, kind: str, existing):
    r"""A module ``__getattr__`` that answers an unknown name with what the module has."""
    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotInNeurona(f"{module}.{name}: neurona (dense networks on NumPy) has no {kind} {name!r}. "
                           f"It has: {', '.join(existing())}.")
    return __getattr__


class Configurable:
    r"""Mixin: ``get_config()`` from the constructor's arguments.

    Convention: every argument of ``__init__`` is stored under an attribute of the same name.
    """

    registry_name: str | None = None
    #: constructor arguments stored under another config key ("name" is taken by the type)
    _config_keys: dict[str, str] = {}

    def get_config(self) -> dict:
        config = {"name": self.registry_name or type(self).__name__}
        for name, parameter in inspect.signature(type(self).__init__).parameters.items():
            if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            value = getattr(self, name)
            if isinstance(value, Configurable):
                value = value.get_config()
            config[self._config_keys.get(name, name)] = value
        return config

    @classmethod
    def from_config(cls, config: dict):
        r"""The object of ``get_config()`` (Keras's ``from_config``): the arguments of the config,
        its type key dropped; a renamed argument (a metric's "display_name") back under its own name."""
        config = {k: v for k, v in config.items() if k != "name"}
        for argument, key in cls._config_keys.items():
            if key in config:
                config[argument] = config.pop(key)
        return cls(**config)

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

    #: an unknown name's error lists the known names if they fit in this many characters
    LISTED_CHARACTERS = 300

    def __init__(self, kind: str, base: type):
        self.kind = kind
        self.base = base
        self._classes: dict[str, type] = {}
        self._class_names: dict[str, type] = {}

    def register(self, name: str, *aliases: str):
        def decorate(cls):
            cls.registry_name = name
            for key in (name, *aliases):
                self._classes[key] = cls
            self._class_names[cls.__name__] = cls
            return cls

        return decorate

    def unregister(self, cls: type) -> None:
        r"""Forget ``cls`` under every name it was registered with (a class defined for a while, as a test's)."""
        for key in [k for k, v in self._classes.items() if v is cls]:
            del self._classes[key]
        if self._class_names.get(cls.__name__) is cls:
            del self._class_names[cls.__name__]

    def names(self) -> list[str]:
        return sorted(self._classes)

    def class_names(self) -> list[str]:
        return sorted(self._class_names)

    def holds(self, cls: type) -> bool:
        r"""Is ``cls`` itself registered here (not merely a class of the same name)?"""
        return self._class_names.get(cls.__name__) is cls

    def lookup(self, name: str) -> type:
        if name in self._class_names:
            return self._class_names[name]
        key = name.lower() if isinstance(name, str) else name
        if key in self._classes:
            return self._classes[key]
        known = self.names()
        close = sorted(difflib.get_close_matches(str(name), known, n=5), key=lambda k: _edits(str(name), k))
        hint = f" Did you mean {close[0]!r}?" if close else ""
        plural = self.kind + ("es" if self.kind.endswith("s") else "s")
        listed = ", ".join(known)
        if len(listed) > self.LISTED_CHARACTERS:        # one line: the closest name, and where the rest are
            where = ".".join(self.base.__module__.split(".")[:2])
            raise ValueError(f"Unknown {self.kind} {name!r}.{hint} Known {plural}: {len(known)}, listed by "
                             f"{where}.registry.names().")
        classes = f" (or their class names, as {self.class_names()[0]})" if self._class_names else ""
        raise ValueError(f"Unknown {self.kind} {name!r}.{hint} Known {plural}: {listed}{classes}.")

    def get(self, identifier):
        if identifier is None or isinstance(identifier, self.base):
            return identifier
        if isinstance(identifier, str):
            return self.lookup(identifier)()
        if isinstance(identifier, dict):
            config = dict(identifier)
            if "class_name" in config and isinstance(config.get("config", {}), dict):
                inner = dict(config.get("config") or {})
                own_name = inner.pop("name", None)           # Keras's object name (a metric's log key)
                config = {**inner, "name": config["class_name"]}
                key = getattr(self.lookup(config["name"]), "_config_keys", {}).get("name")
                if key and own_name is not None:
                    config[key] = own_name
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
