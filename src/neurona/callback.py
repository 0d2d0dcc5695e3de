r"""The callback protocol: ``Callback``, whose hooks ``fit``, ``evaluate`` and ``predict`` call, and
``CallbackList``, which calls one hook on every callback in order; and ``History``, the one every ``fit``
keeps (model files restore it too). The other callbacks are in
``neurona.callbacks`` (and the training log in ``neurona.progress``), which both build on this module.
"""
from __future__ import annotations


class Callback:
    r"""Base class: override any of the hooks. ``self.model`` is set by ``set_model`` and
    ``self.params`` ({"verbose", "epochs", "steps"}) by ``set_params`` before the first hook.
    Every hook receives a logs dict: the running loss and metrics at the end of a training batch,
    the epoch's at its end (with the ``val_`` values), the results at the end of an evaluation,
    ``{"outputs": ...}`` at the end of a prediction batch, and ``{}`` at the beginnings."""

    model = None
    params: dict = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)          # Keras' older name of the hook

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)


#: hooks that also run when only their older alias is overridden
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class CallbackList:
    r"""Calls a hook on every callback, in order."""

    def __init__(self, callbacks, model):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        for callback in self.callbacks:
            callback.set_params(params)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)
        # only the callbacks that override the hook: fit calls two hooks per batch
        alias = _ALIASES.get(hook)
        targets = [getattr(c, hook) for c in self.callbacks
                   if _overrides(c, hook) or (alias and _overrides(c, alias))]

        def call(*args, **kwargs):
            for target in targets:
                target(*args, **kwargs)
        setattr(self, hook, call)           # looked up once per hook
        return call


def _overrides(callback, hook) -> bool:
    return getattr(getattr(callback, hook), "__func__", None) is not getattr(Callback, hook)


class History(Callback):
    r"""Records the epoch-end logs: ``history.history["loss"]`` is the list of per-epoch losses."""

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.model.history = self

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def _repr_html_(self):
        from .notebook import history_html
        return history_html(self.history)
