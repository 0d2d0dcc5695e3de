r"""``keras.preprocessing.sequence``: ``pad_sequences``."""
from ..sequences import pad_sequences

__all__ = ["pad_sequences"]
