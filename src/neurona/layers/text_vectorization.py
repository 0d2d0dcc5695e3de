r"""TextVectorization, as Keras 3 has it: each text standardised, split into tokens, extended by its
n-grams, then looked up in a vocabulary (``lookup.StringLookup``, with "" as the padding token):

    standardize  "lower_and_strip_punctuation" (default), "lower", "strip_punctuation", None or a function
    split        "whitespace" (runs of spaces, tabs, newlines), "character", None or a function
    ngrams       None, n (every 1- to n-gram, joined by spaces) or a tuple of the n wanted
    output_mode  "int": one row of indices per text, 0 the padding, 1 out of vocabulary, padded or
                 cut to ``output_sequence_length`` (else to the longest text of the batch);
                 "multi_hot", "count", "tf_idf": one vector per text (index 0 out of vocabulary)

``adapt(texts)`` learns the vocabulary (at most ``max_tokens`` indices with the special ones). No
weights, no gradient: it stands on the data, in front of an Embedding or a Dense layer.
"""
from __future__ import annotations

import re
import string

import numpy as np

from .. import symbolic
from .base import register
from .categorical import _Preprocessing
from .lookup import StringLookup

STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")
_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")


@register("text_vectorization")
class TextVectorization(_Preprocessing):
    r"""Texts -> token indices or one vector per text (see the module)."""

    takes_strings = True        # a string input of a model may reach it (keras.Input(dtype="string"))

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        if not (standardize is None or callable(standardize) or standardize in STANDARDIZE):
            raise ValueError(f"TextVectorization: standardize must be None, a function or one of "
                             f"{', '.join(STANDARDIZE)}; got {standardize!r}.")
        if not (split is None or callable(split) or split in SPLIT):
            raise ValueError(f"TextVectorization: split must be None, a function or one of {', '.join(SPLIT)}; "
                             f"got {split!r}.")
        if output_mode not in ("int", "multi_hot", "count", "tf_idf"):
            raise ValueError(f"TextVectorization: output_mode must be one of int, multi_hot, count, tf_idf; "
                             f"got {output_mode!r}.")
        if ngrams is not None and not (isinstance(ngrams, int) and ngrams >= 1 or isinstance(ngrams, (tuple, list))
                                       and all(isinstance(n, int) and n >= 1 for n in ngrams)):
            raise ValueError(f"TextVectorization: ngrams must be None, an int >= 1 or a tuple of them; got {ngrams!r}.")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError("TextVectorization: output_sequence_length is used only with output_mode='int'.")
        if ragged:
            raise ValueError("TextVectorization: ragged=True (ragged tensors) is not supported; use ragged=False.")
        self.max_tokens, self.standardize, self.split = max_tokens, standardize, split
        self.ngrams = tuple(ngrams) if isinstance(ngrams, (tuple, list)) else ngrams
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.pad_to_max_tokens, self.sparse, self.ragged, self.encoding = bool(pad_to_max_tokens), False, False, encoding
        self._lookup = StringLookup(max_tokens=max_tokens, mask_token="", output_mode=output_mode,
                                    pad_to_max_tokens=pad_to_max_tokens, vocabulary=vocabulary,
                                    idf_weights=idf_weights, encoding=encoding)

    # -- text to tokens ---------------------------------------------------------------------------
    def _tokens(self, text) -> list[str]:
        text = text.decode(self.encoding) if isinstance(text, bytes) else str(text)
        if callable(self.standardize):
            text = self.standardize(text)
        elif self.standardize is not None:
            if "lower" in self.standardize:
                text = text.lower()
            if "strip_punctuation" in self.standardize:
                text = _PUNCTUATION.sub("", text)
        if callable(self.split):
            tokens = list(self.split(text))
        elif self.split == "whitespace":
            tokens = text.split()
        elif self.split == "character":
            tokens = list(text)
        else:
            tokens = [text]
        if self.ngrams is None:
            return tokens
        sizes = range(1, self.ngrams + 1) if isinstance(self.ngrams, int) else self.ngrams
        return [" ".join(tokens[k:k + n]) for n in sizes for k in range(len(tokens) - n + 1)]

    def _padded(self, texts, length=None) -> np.ndarray:
        texts = np.asarray(texts, dtype=object)
        if texts.ndim == 2 and texts.shape[1] == 1:
            texts = texts[:, 0]
        if texts.ndim != 1:
            raise ValueError(f"TextVectorization: expected a batch of texts, shape (n,) or (n, 1); got {texts.shape}.")
        documents = [self._tokens(t) for t in texts]
        length = length or max([len(d) for d in documents] + [1])
        out = np.full((len(documents), length), "", dtype=object)
        for row, tokens in enumerate(documents):
            out[row, :min(len(tokens), length)] = tokens[:length]
        return out

    # -- the vocabulary ---------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        r"""The vocabulary of the texts ``data`` (an array, or an iterable of batches)."""
        batches = [data] if isinstance(data, np.ndarray) or not hasattr(data, "__iter__") or \
            isinstance(data, (list, tuple)) and data and isinstance(data[0], (str, bytes)) else list(data)[:steps]
        self._lookup.adapt([self._padded(batch) for batch in batches])

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup.set_vocabulary(vocabulary, idf_weights)

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup.vocabulary_size()

    # -- the layer protocol -----------------------------------------------------------------------
    def transform(self, x):
        return self._lookup.transform(self._padded(x, self.output_sequence_length))

    def __call__(self, inputs, training=None, **kwargs):
        if symbolic.is_symbolic(inputs):
            return super().__call__(inputs, training, **kwargs)
        return self.transform(inputs)

    def setup(self, input_shape, rng, dtype):
        if self.output_mode == "int":
            return (self.output_sequence_length,) if self.output_sequence_length else (None,)
        return (self._lookup.output_depth(),)

    @property
    def vocabulary(self):
        r"""The vocabulary as the config holds it (the lookup's)."""
        return self._lookup.get_config()["vocabulary"]

    @property
    def idf_weights(self):
        return self._lookup.get_config()["idf_weights"]
