r"""Divergence: training that has blown up, however the loss hides it.

A NaN or infinite loss is the plain sign (``callbacks.TerminateOnNaN``). But a clipped
cross-entropy never becomes NaN: when a too-large step throws the weights far out, every output
saturates to 0 or 1, each wrong sample costs exactly the clip value -log(eps) (16.1 for
eps = 1e-7), and the loss settles near (error rate) x 16.1, about 8 at chance, while the run
"finishes" without a word. ``DivergenceDetector`` (on by default in ``fit``, so also in
``neurona train``) stops training with the same advice as for a NaN when, at an epoch's end:

    not finite      the batch loss is NaN or inf (checked at every batch, as TerminateOnNaN), or a
                    parameter or an optimizer slot is NaN or inf (a moment that overflowed), or
                    the optimizer refused a step because it would overflow (Adam's guard)
    pinned          the loss is at least a quarter of the clip value -log(eps) (4.03 nats), far
                    above chance level log(k) for any usual number of classes k, for
                    ``patience`` epochs in a row without falling by a fifth
    exploding       the loss is ``growth`` (10**3) times the first epoch's or more

A run that starts saturated (unscaled inputs with a modest learning rate) falls quickly below the
pinned threshold or by more than a fifth per epoch, so it is not stopped.
"""
from __future__ import annotations

import math

import numpy as np

from ..callbacks import DIVERGENCE_ADVICE, DivergenceWarning, TerminateOnNaN
from ..validation import warn_user


def clip_loss(loss) -> float | None:
    r"""-log(eps) in the loss's log base: what one sample costs at the clipped probability eps, or
    None for a loss that does not clip probabilities (MSE, hinge, ``from_logits=True``)."""
    eps = getattr(loss, "epsilon", None)
    if not isinstance(eps, float) or getattr(loss, "from_logits", False) or not 0 < eps < 1:
        return None
    return -math.log(eps) / math.log(getattr(loss, "log_base", math.e))


class DivergenceDetector(TerminateOnNaN):
    r"""Stop training when it has diverged (see the module's description); ``model.stop_reason``
    says how, with what to do about it, and a DivergenceWarning is raised."""

    def __init__(self, patience: int = 3, growth: float = 1e3):
        self.patience = patience
        self.growth = growth

    def on_train_begin(self, logs=None):
        self._first = None
        self._pinned = 0
        self._pinned_from = None
        if hasattr(self.model.optimizer, "overflow"):
            self.model.optimizer.overflow = None

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        overflow = getattr(self.model.optimizer, "overflow", None)
        if overflow and not self.model.stop_training:
            self._stop(f"{overflow} (batch {batch + 1} of epoch {self._epoch + 1})")

    def on_epoch_end(self, epoch, logs=None):
        if self.model.stop_training and self.model.stop_reason:
            return
        reason = self.diagnose(epoch, (logs or {}).get("loss"))
        if reason:
            self._stop(reason)

    def diagnose(self, epoch, loss) -> str | None:
        r"""Why training has diverged by the end of ``epoch`` (its logged ``loss``), or None."""
        model = self.model
        with np.errstate(over="ignore", invalid="ignore"):
            flat = model.flat_parameters          # None: a model of other models (a VAE's encoder and decoder)
            total = np.add.reduce(flat.values) if flat is not None else sum(
                float(np.add.reduce(p, axis=None)) for p in model.trainable_weights)
            if not np.isfinite(total):
                return f"the parameters hold NaN or inf values after epoch {epoch + 1}"
            for name, slot in _slots(model.optimizer):
                if not np.isfinite(np.add.reduce(slot, axis=None)):
                    return (f"the optimizer's {name!r} slot holds NaN or inf values after epoch {epoch + 1} "
                            f"(a moment overflowed)")
        if loss is None or not math.isfinite(loss):
            return None
        if self._first is None:
            self._first = loss
        elif self._first > 0 and loss >= self.growth * self._first:
            return (f"the loss rose from {self._first:.4g} (epoch 1 of this run) to {loss:.4g} at epoch "
                    f"{epoch + 1}, {loss / self._first:.3g} times higher")
        clip = clip_loss(model.loss)
        if clip is None:
            return None
        if loss >= clip / 4 and (self._pinned_from is None or loss > 0.8 * self._pinned_from):
            self._pinned += 1
            self._pinned_from = loss if self._pinned_from is None else min(self._pinned_from, loss)
        else:
            self._pinned, self._pinned_from = 0, None
        if self._pinned >= self.patience:
            return (f"the loss has stayed at {loss:.4g} for {self._pinned} epochs (up to epoch {epoch + 1}), "
                    f"pinned near the clip value -log(eps) = {clip:.3g}: the outputs are saturated at 0 or 1 "
                    f"and each wrong sample costs the clip value")
        return None

    def _stop(self, reason):
        message = f"Training diverged: {reason}; training stopped. {DIVERGENCE_ADVICE}"
        self.model.stop_training = True
        self.model.stop_reason = message
        warn_user(message, DivergenceWarning)


def _slots(optimizer):
    for slots in getattr(optimizer, "slots", None) or []:
        yield from slots.items()


__all__ = ["DivergenceDetector", "clip_loss"]
