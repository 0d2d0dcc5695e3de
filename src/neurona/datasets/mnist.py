r"""``keras.datasets.mnist``: handwritten digits in Keras's layout (see ``keras_layout``)."""
from .keras_layout import load_mnist_data as load_data

__all__ = ["load_data"]
