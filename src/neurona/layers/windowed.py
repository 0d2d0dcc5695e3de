r"""Layers of sliding windows (convolutions, pooling) over spatial sizes that may be unknown.

    built for (None, 8)      _out = (None,): the output's length is unknown, as in Keras's summary
    called on (m, 40, 8)     _out, _pads recomputed for n = 40 before the pass (and kept for its backward)

A layer built for known sizes keeps the geometry of its build; one built with None for a spatial
axis (``keras.Input(shape=(None, 8))``) finds it from each input.
"""
from __future__ import annotations


class Windowed:
    r"""Mixin: ``window_geometry(spatial)`` gives (output sizes, pads); the layer calls
    ``size_windows`` in setup and ``follow_input`` at the start of each forward pass."""

    def window_geometry(self, spatial):
        raise NotImplementedError

    def windows_resized(self, spatial, dtype):
        r"""Hook for what else depends on the sizes (average pooling's counts)."""

    def size_windows(self, spatial, dtype) -> tuple:
        r"""Set the geometry for inputs of ``spatial`` sizes (None where unknown); returns the output sizes."""
        self._built_spatial = self._sized_spatial = tuple(spatial)
        self._out, self._pads = self.window_geometry(self._built_spatial)
        if None not in self._built_spatial:
            self.windows_resized(self._built_spatial, dtype)
        return self._out

    def follow_input(self, x) -> None:
        r"""When built for unknown sizes: the geometry of ``x``'s, if it changed since the last pass."""
        if None not in self._built_spatial:
            return
        spatial = tuple(x.shape[1:-1])
        if spatial != self._sized_spatial:
            self._out, self._pads = self.window_geometry(spatial)
            self.windows_resized(spatial, x.dtype)
            self._sized_spatial = spatial
