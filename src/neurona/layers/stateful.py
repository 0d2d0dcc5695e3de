r"""States kept from one batch to the next (Keras's ``stateful=True`` recurrent layers).

A stateful layer starts batch k from where batch k - 1 ended: sample i of a batch continues the
sequence of sample i of the batch before,

    s_0(batch k) = s_T(batch k - 1),        s_0(batch 1) = 0 (or after reset_states())

so the batch size is fixed (by ``batch_input_shape`` / ``batch_size``, else by the first batch) and
``fit`` must not shuffle. The carried states are values, not weights: no gradient flows from one
batch into the one before (truncated backpropagation through time), and files do not hold them.
"""
from __future__ import annotations

import numpy as np


class Stateful:
    r"""``states`` (None unless stateful), ``reset_states()`` and the carrying, for a recurrent layer."""

    def _setup_stateful(self, stateful: bool, keras_arguments: dict) -> None:
        self.stateful = bool(stateful)
        shape = keras_arguments.get("batch_input_shape")
        batch = shape[0] if shape is not None else keras_arguments.get("batch_size")
        self._fixed_batch = None if batch is None else int(batch)
        self._carried = None

    @property
    def states(self):
        r"""The states the next batch starts from, [h(, c)] (m, u) each (Keras's ``layer.states``); None
        for a layer that is not stateful, or before its first batch."""
        return None if self._carried is None else list(self._carried)

    def reset_states(self, states=None) -> None:
        r"""The next batch starts from zeros (or from the given ``states``, one array a state)."""
        if self._carried is None:
            return
        if states is None:
            for s in self._carried:
                s[...] = 0.0
            return
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if [np.shape(s) for s in states] != [s.shape for s in self._carried]:
            raise ValueError(f"{type(self).__name__}.reset_states takes states of shapes "
                             f"{[s.shape for s in self._carried]}; got {[np.shape(s) for s in states]}.")
        for s, value in zip(self._carried, states):
            s[...] = value

    reset_state = reset_states

    def carried_states(self, m: int, zeros):
        r"""The states batch ``m`` starts from: those kept (``zeros(m)`` at the first batch). Raises if the
        batch size is not the layer's."""
        expected = self._fixed_batch if self._carried is None else self._carried[0].shape[0]
        if expected is not None and m != expected:
            raise ValueError(f"{type(self).__name__} is stateful: every batch has the batch size of its states, "
                             f"{expected}; got a batch of {m}. Give fit/predict that batch_size (and shuffle=False), "
                             f"with a number of samples it divides.")
        if self._carried is None:
            self._carried = [np.array(s) for s in zeros(m)]
        return [s.copy() for s in self._carried]

    def keep_states(self, finals) -> None:
        r"""The last step's states, where the next batch starts."""
        for s, value in zip(self._carried, finals):
            s[...] = np.asarray(getattr(value, "data", value))
