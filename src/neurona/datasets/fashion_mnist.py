r"""``keras.datasets.fashion_mnist``: Zalando's clothes in Keras's layout (see ``keras_layout``)."""
from .keras_layout import load_fashion_mnist_data as load_data

__all__ = ["load_data"]
