r"""The error for a Keras name neurona does not have: it says what neurona is for and what exists."""
from __future__ import annotations

import difflib

#: Keras names that exist but that neurona leaves out (the list and the reasons: docs/guide/keras-api.md):
#: the rarer augmentations, audio front ends, other frameworks' wrappers
OUT_OF_SCOPE = ("Adaptive", "AdditiveAttention", "GroupQueryAttention", "Conv3DTranspose", "Convolution3DTranspose",
                "ConvLSTM", "Random", "AugMix", "AutoContrast", "Histogram", "CutMix", "MixUp",
                "Equalization", "Solarization", "Spectrogram", "SpatialDropout", "SpectralNormalization",
                "RMSNormalization", "UnitNormalization", "ReversibleEmbedding", "Hash", "BoundingBox", "Pipeline",
                "Tfsm", "TFSM", "Torch", "Jax", "Flax", "Wrapper")


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
    listing = ", ".join(known)
    if len(listing) > 300:             # a reason stays short: the names are one dir() away
        listing = f"{len(known)} names (see dir({module}))"
    return NotInNeurona(f"{why} {module} has: {listing}.")
