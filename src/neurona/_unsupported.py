r"""The error for a Keras name neurona does not have: it says what neurona is for and what exists."""
from __future__ import annotations

import difflib

#: Keras names that exist but are outside neurona's scope (dense networks on NumPy)
OUT_OF_SCOPE = ("Conv", "Pool", "LSTM", "GRU", "RNN", "Embedding", "Attention", "Bidirectional", "TimeDistributed",
                "Cropping", "ZeroPadding", "UpSampling", "Resizing", "Rescaling", "Random", "TextVectorization",
                "StringLookup", "IntegerLookup", "Hashing", "CategoryEncoding", "Discretization", "LayerNormalization",
                "GroupNormalization", "Lambda", "Masking", "Separable", "Depthwise", "Global", "Spatial",
                "Gaussian", "Alpha", "Tfsm", "Torch", "Jax", "Identity", "Wrapper", "Einsum", "Permute",
                "RepeatVector", "Bidirectional", "ConvLSTM", "SimpleRNN", "Dot", "Minimum")


from .registry import NotInNeurona


def unsupported(module: str, name: str, known) -> Exception:
    if name.startswith("_"):            # Python's own probes (__wrapped__, _fields, ...)
        return AttributeError(name)
    known = sorted(known)
    scope = any(part.lower() in name.lower() for part in OUT_OF_SCOPE)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close and not scope else ""
    why = (f"{name} is not part of neurona: neurona implements dense, convolutional and recurrent networks "
           f"on NumPy, not every layer of Keras." if scope else
           f"{module} has no {name!r}.{hint}")
    return NotInNeurona(f"{why} {module} has: {', '.join(known)}.")
