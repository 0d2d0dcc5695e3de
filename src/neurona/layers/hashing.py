r"""Hashing: a value (a string or an integer) -> one of ``num_bins`` bins, without a vocabulary.

    bin(x) = H(x) mod num_bins          H = FarmHash Fingerprint64 of x's bytes, or SipHash-2-4
                                        keyed by ``salt`` (see ``neurona.hash64``)

as Keras computes it (so a value lands in the same bin): an integer is hashed as its decimal
digits ("12"), a float is first cut to an integer; with ``mask_value`` that value takes bin 0 and
the others bin(x) = 1 + H(x) mod (num_bins - 1). ``output_mode`` "int" returns the bins; "one_hot",
"multi_hot" and "count" encode them as ``CategoryEncoding`` does. No weights, no gradient.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import symbolic
from ..hash64 import fingerprint64, siphash
from .base import register
from .categorical import _MODES, _encode, _Preprocessing


def _salt(salt):
    r"""Keras's salt: None, one integer k (the key (k, k)) or a pair (k0, k1)."""
    if salt is None:
        return None
    if isinstance(salt, numbers.Integral) and not isinstance(salt, bool):
        return [int(salt), int(salt)]
    if isinstance(salt, (list, tuple)) and len(salt) == 2 and all(isinstance(k, numbers.Integral) for k in salt):
        return [int(k) for k in salt]
    raise ValueError(f"Hashing: salt must be an integer or a pair of integers (the SipHash key); got {salt!r}.")


@register("hashing")
class Hashing(_Preprocessing):
    r"""A value -> its bin, H(x) mod num_bins (see the module); Keras's arguments."""

    takes_strings = True        # a string input of a model may reach it (keras.Input(dtype="string"))

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, name=None,
                 **keras_arguments):
        super().__init__(name, **keras_arguments)
        if not isinstance(num_bins, numbers.Integral) or isinstance(num_bins, bool) or num_bins < 1:
            raise ValueError(f"Hashing: num_bins must be an int >= 1; got {num_bins!r}.")
        if output_mode not in ("int", *_MODES):
            raise ValueError(f"Hashing: output_mode must be one of int, {', '.join(_MODES)}; got {output_mode!r}.")
        if sparse:
            raise ValueError("Hashing: sparse=True (sparse tensors) is not supported; use sparse=False.")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.salt = _salt(salt)
        self.output_mode = output_mode
        self.sparse = False

    def __call__(self, inputs, training=None, **kwargs):
        if symbolic.is_symbolic(inputs):
            return super().__call__(inputs, training, **kwargs)
        return self.transform(inputs)              # strings stay strings (no cast to floats)

    def setup(self, input_shape, rng, dtype):
        if self.output_mode == "int":
            return input_shape
        if self.output_mode == "one_hot" and not (input_shape and input_shape[-1] == 1):
            return (*input_shape, self.num_bins)
        return (*input_shape[:-1], self.num_bins)

    def _hash(self, value: bytes) -> int:
        return fingerprint64(value) if self.salt is None else siphash(*self.salt, value)

    def bins(self, x) -> np.ndarray:
        r"""The bin of every value of ``x`` (int64, the shape of x)."""
        given = np.asarray(x)
        values = given.astype(np.int64) if given.dtype.kind == "f" else given
        masked = self.mask_value is not None and self.num_bins > 1
        count = self.num_bins - 1 if masked else self.num_bins
        unique, inverse = np.unique(values.astype(str) if values.dtype.kind in "iu" else values, return_inverse=True)
        hashed = [self._hash(v if isinstance(v, bytes) else str(v).encode()) % count for v in unique.tolist()]
        out = np.asarray(hashed, dtype=np.int64)[inverse].reshape(values.shape)
        if masked:
            out = np.where(given == self.mask_value, 0, out + 1)
        return out

    def transform(self, x):
        ids = self.bins(x)
        if self.output_mode == "int":
            return ids
        return _encode("Hashing", ids, self.output_mode, self.num_bins, np.float32)
