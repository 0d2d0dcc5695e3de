r"""The small convolutional network of keras.io's "Simple MNIST convnet", for flat image features
(the CLI's datasets give one row of pixels per image):

    x (n, s s) -> Reshape (s, s, 1)
               -> [Conv2D(f_k, kernel, relu) -> MaxPooling2D(2)]  for f_k in filters   (32, 64)
               -> Flatten -> Dropout(rate) -> Dense(outputs, output activation)

Each block takes the side s to floor((s - kernel + 1) / 2): 28 -> 13 -> 5 for keras.io's network
(5 x 5 x 64 = 1600 features reach the classifier).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from . import layers


def image_side(n_features: int) -> int:
    r"""The side s of square one-channel images given as s^2 features."""
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(f"the convnet reads square one-channel images (s x s pixels as s^2 features); got "
                         f"{n_features} features, which is not a square.")
    return side


def build_convnet(n_features: int, filters: Sequence[int], n_outputs: int, kernel_size: int = 3,
                  output_activation=None, dropout: float = 0.5, seed=None, dtype="float32"):
    r"""An uncompiled ``Sequential``: the network of the module for images of n_features pixels."""
    from .models.sequential import Sequential

    side = image_side(n_features)
    stack = [layers.Reshape((side, side, 1))]
    for f in filters:
        if side - kernel_size + 1 < 2:
            raise ValueError(f"images of {image_side(n_features)} x {image_side(n_features)} pixels are too small "
                             f"for {len(filters)} blocks of a {kernel_size} x {kernel_size} convolution and 2 x 2 "
                             f"pooling; use fewer filters or a smaller kernel_size.")
        stack += [layers.Conv2D(f, kernel_size, activation="relu"), layers.MaxPooling2D(2)]
        side = (side - kernel_size + 1) // 2
    stack.append(layers.Flatten())
    if dropout:
        stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(n_outputs, activation=output_activation))
    return Sequential(stack, input_dim=n_features, seed=seed, dtype=dtype)
