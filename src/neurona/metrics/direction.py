r"""Whether a logged value is better high or low, asked of the metric or loss of that name.

    direction("val_mae")        -> "min"    (MeanAbsoluteError.higher_is_better is False)
    direction("val_accuracy")   -> "max"
    direction("loss"), direction("output_loss")   -> "min"
    direction("my_score")       -> None     (nothing of that name: the caller asks for mode / direction)

A name is the key ``fit`` logs: ``val_`` (and Keras Tuner's ``weighted_``) prefixes are dropped,
then it is looked up among the metrics (every registered name and alias: ``mse``,
``mean_squared_error``, ``rmse``, ...), then the losses (a loss is minimised). ``compiled`` gives
the model's own metric objects (``model.metrics``' (name, metric) pairs or metrics), so that a
custom metric with ``higher_is_better`` (or Keras's ``_direction = "up"``) is found by its name,
as Keras's callbacks do. EarlyStopping / ModelCheckpoint / ReduceLROnPlateau with ``mode="auto"``,
the tuner's objective and ``neurona info`` all ask here.
"""
from __future__ import annotations


def _base(name: str) -> str:
    base = name[4:] if name.startswith("val_") else name
    return base[9:] if base.startswith("weighted_") else base


def _of_object(metric) -> str | None:
    higher = getattr(metric, "higher_is_better", None)
    if higher is None:
        keras_direction = getattr(metric, "_direction", None)
        higher = {"up": True, "down": False}.get(keras_direction)
    return None if higher is None else ("max" if higher else "min")


def _named(compiled):
    r"""(name, metric) pairs of ``compiled``: pairs, metrics, or compile's container of them
    (its ``named_metrics`` pairs, or Keras's ``metrics`` list)."""
    for item in compiled:
        if isinstance(item, tuple):
            yield item
        elif hasattr(item, "named_metrics"):
            yield from _named(item.named_metrics)
        elif isinstance(getattr(item, "metrics", None), list):
            yield from _named(item.metrics)
        else:
            yield getattr(item, "name", None), item


def direction(name: str, compiled=()) -> str | None:
    r""""max" if a higher ``name`` is better, "min" if a lower one is, None if no metric or loss says."""
    from .. import losses
    from .streaming import registry
    if not isinstance(name, str):
        raise TypeError(f"direction: name must be the name of a logged value (e.g. 'val_loss'); got {name!r}.")
    base = _base(name)
    if base == "loss" or base.endswith("_loss"):
        return "min"
    for metric_name, metric in _named(compiled):
        if metric_name in (base, name) and (declared := _of_object(metric)) is not None:
            return declared
    if base in registry.names():
        return _of_object(registry.lookup(base))
    if base in losses.registry.names():
        return _of_object(losses.registry.lookup(base))
    return None
