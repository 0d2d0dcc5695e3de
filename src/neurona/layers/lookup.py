r"""Vocabulary lookups, as Keras 3 has them: StringLookup (strings -> indices) and IntegerLookup
(integer tokens -> indices). No weights and no gradient; the vocabulary is the layer's state, given
(``vocabulary=``, a list or a file of one token per line) or learnt by ``adapt(data)``: the tokens by
decreasing count, ties broken by the larger token first, at most ``max_tokens`` indices in all.

Indices, in ``output_mode="int"``:  0 = ``mask_token`` (when given), then the out-of-vocabulary
index (``num_oov_indices`` = 1; with 0 an unknown token is an error), then the vocabulary in order.
The other modes encode those indices (the mask dropped) as vectors of ``vocabulary_size()`` (or
``max_tokens`` with ``pad_to_max_tokens``): "one_hot", "multi_hot", "count", and "tf_idf"
(count x idf, idf = ln(1 + documents / (1 + documents holding the token)); the out-of-vocabulary
index gets the mean idf). ``invert=True`` maps indices back to tokens.
"""
from __future__ import annotations

import numbers
import os
from collections import Counter

import numpy as np

from .. import symbolic
from .base import register
from .categorical import _Preprocessing

MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class _Lookup(_Preprocessing):
    r"""Base of StringLookup and IntegerLookup (see the module); ``_token`` normalises one token."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        owner = type(self).__name__
        if output_mode not in MODES:
            raise ValueError(f"{owner}: output_mode must be one of {', '.join(MODES)}; got {output_mode!r}.")
        if num_oov_indices not in (0, 1):
            raise ValueError(f"{owner}: num_oov_indices must be 0 or 1 (several hashed out-of-vocabulary indices "
                             f"are not supported); got {num_oov_indices!r}.")
        if max_tokens is not None and (not isinstance(max_tokens, numbers.Integral) or max_tokens < 1):
            raise ValueError(f"{owner}: max_tokens must be None or an int >= 1; got {max_tokens!r}.")
        if invert and output_mode != "int":
            raise ValueError(f"{owner}: invert=True maps indices back to tokens and needs output_mode='int'; "
                             f"got {output_mode!r}.")
        if sparse:
            raise ValueError(f"{owner}: sparse=True (sparse tensors) is not supported; use sparse=False.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{owner}: idf_weights are used only with output_mode='tf_idf'.")
        self.max_tokens, self.num_oov_indices, self.invert = max_tokens, int(num_oov_indices), bool(invert)
        self.mask_token = None if mask_token is None else self._token(mask_token)
        self.oov_token = self._token(oov_token)
        self.output_mode, self.pad_to_max_tokens, self.sparse = output_mode, bool(pad_to_max_tokens), False
        self.vocabulary, self.idf_weights, self._special_idf = None, None, None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- the vocabulary ---------------------------------------------------------------------------
    def _start(self):
        return (1 if self.mask_token is not None and self.output_mode == "int" else 0) + self.num_oov_indices

    def set_vocabulary(self, vocabulary, idf_weights=None):
        r"""Use ``vocabulary`` (a list, or a file of one token per line) without its special tokens."""
        owner = type(self).__name__
        if isinstance(vocabulary, (str, os.PathLike)):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = [line.rstrip("\n") for line in f]
        tokens = [self._token(t) for t in np.asarray(vocabulary, dtype=object).ravel()]
        specials = self._start() if tokens[:self._start()] == self._specials() else 0
        tokens = tokens[specials:]                 # a vocabulary as get_vocabulary() gives it
        if len(set(tokens)) != len(tokens):
            repeated = sorted({str(t) for t in tokens if tokens.count(t) > 1})
            raise ValueError(f"{owner}: the vocabulary repeats {', '.join(repeated)}.")
        if self.mask_token is not None and self.mask_token in tokens or self.oov_token in tokens:
            raise ValueError(f"{owner}: the vocabulary holds the mask or out-of-vocabulary token; give them as "
                             f"mask_token= / oov_token=, not in the vocabulary.")
        if self.max_tokens is not None and len(tokens) + self._start() > self.max_tokens:
            raise ValueError(f"{owner}: {len(tokens)} tokens and {self._start()} special indices exceed "
                             f"max_tokens={self.max_tokens}.")
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{owner}: output_mode='tf_idf' with a given vocabulary needs idf_weights.")
            idf = np.asarray(idf_weights, np.float64).ravel()
            if len(idf) != len(tokens) + specials:
                raise ValueError(f"{owner}: {len(idf)} idf_weights for {len(tokens) + specials} tokens.")
            # the special tokens' weights, when given, are the out-of-vocabulary index's
            self._special_idf = idf[:specials].tolist() or None
            self.idf_weights = idf[specials:].tolist()
        self.vocabulary = tokens

    def _specials(self):
        mask = [self.mask_token] if self.mask_token is not None and self.output_mode == "int" else []
        return mask + [self.oov_token] * self.num_oov_indices

    def get_vocabulary(self, include_special_tokens=True):
        tokens = list(self.vocabulary or [])
        return self._specials() + tokens if include_special_tokens else tokens

    def vocabulary_size(self):
        return len(self.get_vocabulary())

    def adapt(self, data, batch_size=None, steps=None):
        r"""The vocabulary of ``data`` (an array, or an iterable of batches): tokens by decreasing count."""
        batches = [data] if isinstance(data, np.ndarray) or not hasattr(data, "__iter__") else list(data)[:steps]
        counts, documents, n_documents = Counter(), Counter(), 0
        for batch in batches:
            batch = np.asarray(batch, dtype=object)
            rows = batch.reshape(len(batch), -1) if batch.ndim > 1 else batch.reshape(-1, 1)
            for row in rows:
                tokens = [self._token(t) for t in row]
                counts.update(tokens)
                documents.update(set(tokens))
                n_documents += 1
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        ranked = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens is not None:
            ranked = ranked[:max(self.max_tokens - self._start(), 0)]
        self.vocabulary = ranked
        if self.output_mode == "tf_idf":
            self.idf_weights = [float(np.log1p(n_documents / (1 + documents[t]))) for t in ranked]
            self._special_idf = None

    # -- the lookup -------------------------------------------------------------------------------
    def _indices(self, tokens):
        table = {t: k + self._start() for k, t in enumerate(self.vocabulary or [])}
        if self.mask_token is not None:
            table[self.mask_token] = 0 if self.output_mode == "int" else -1
        out = np.empty(tokens.shape, np.int64)
        for position, token in np.ndenumerate(tokens):
            token = self._token(token)
            if token in table:
                out[position] = table[token]
            elif self.num_oov_indices == 0:
                raise KeyError(f"{type(self).__name__}: {token!r} is not in the vocabulary and num_oov_indices=0.")
            else:
                out[position] = self._start() - 1
        return out

    def output_depth(self) -> int:
        r"""The width of a one_hot / multi_hot / count / tf_idf output: the vocabulary's size (or max_tokens)."""
        return self.max_tokens if self.pad_to_max_tokens and self.max_tokens else self.vocabulary_size()

    def transform(self, x):
        if self.vocabulary is None:
            raise ValueError(f"{type(self).__name__}: no vocabulary yet; give vocabulary= or call adapt(data).")
        x = np.asarray(x, dtype=object)
        if self.invert:
            words = np.asarray(self.get_vocabulary(), dtype=object)
            index = np.asarray(x, np.int64)
            return words[np.clip(index, 0, len(words) - 1)]
        ids = self._indices(x)
        if self.output_mode == "int":
            return ids
        rows = ids.reshape(-1, 1) if ids.ndim == 1 else ids.reshape(len(ids), -1)
        depth = self.output_depth()
        out = np.zeros((len(rows), depth), np.float32)
        for r, row in enumerate(rows):
            row = row[row >= 0]                              # the mask token counts nothing
            np.add.at(out[r], row, 1.0)
        if self.output_mode == "one_hot":
            if ids.ndim > 1 and ids.shape[-1] != 1:
                return np.eye(depth, dtype=np.float32)[np.maximum(ids, 0)] * (ids >= 0)[..., None]
            return out
        if self.output_mode == "multi_hot":
            return (out > 0).astype(np.float32)
        if self.output_mode == "tf_idf":
            idf = np.zeros(depth)
            known = np.asarray(self.idf_weights or [], np.float64)
            idf[self._start():self._start() + len(known)] = known
            idf[:self._start()] = self._special_idf or (known.mean() if len(known) else 0.0)
            return (out * idf).astype(np.float32)
        return out

    # -- the layer protocol -----------------------------------------------------------------------
    def __call__(self, inputs, training=None, **kwargs):
        if symbolic.is_symbolic(inputs):
            return super().__call__(inputs, training, **kwargs)
        return self.transform(inputs)

    def setup(self, input_shape, rng, dtype):
        if self.output_mode == "int":
            return input_shape
        if self.output_mode == "one_hot" and input_shape and input_shape[-1] != 1:
            return (*input_shape, self.output_depth())
        return (self.output_depth(),)

    def forward(self, x, training=False):
        out = super().forward(x, training)
        return out.astype(np.float32) if out.dtype == object else out

    def get_config(self):
        config = super().get_config()
        special = self._special_idf is not None and self.vocabulary is not None
        vocabulary = self.get_vocabulary() if special else self.vocabulary
        config["vocabulary"] = None if vocabulary is None else list(vocabulary)
        config["idf_weights"] = self._special_idf + self.idf_weights if special else self.idf_weights
        return config


@register("string_lookup")
class StringLookup(_Lookup):
    r"""Strings -> indices (see the module); ``oov_token`` is "[UNK]". Bytes are read as UTF-8."""

    takes_strings = True        # a string input of a model may reach it (keras.Input(dtype="string"))

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, **keras_arguments):
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, name, **keras_arguments)

    def _token(self, token):
        return token.decode(self.encoding) if isinstance(token, bytes) else str(token)


@register("integer_lookup")
class IntegerLookup(_Lookup):
    r"""Integer tokens -> indices (see the module); ``oov_token`` is -1. Whole floats are taken as ints."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, name=None, **keras_arguments):
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, name, **keras_arguments)

    def _token(self, token):
        value = float(token)
        if value != int(value):
            raise ValueError(f"IntegerLookup: tokens must be whole numbers; got {token!r}.")
        return int(value)
