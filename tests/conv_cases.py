r"""The cases of the convolutional, pooling and spatial layers (a helper module, not a test file):
``CASES[name]()`` gives (layer, per-sample input shapes) for the registry-driven checks of
``test_layers_keras.py``, and ``KERAS[name]`` the Keras class and arguments of the same layer (None
where the case uses what Keras has no counterpart of here, such as neurona's regularizer objects).

Every variant that changes the arithmetic has a case: strides, "same" and "causal" padding,
dilation, groups, depth multipliers, overlapping and padded pooling windows, keepdims.
"""
from neurona import layers
from neurona.regularizers import L2

_CASES = {
    "conv2d": ("Conv2D", dict(filters=3, kernel_size=3, activation="tanh", bias_initializer="random_normal"),
               [(6, 5, 2)]),
    "conv2d-same-strided": ("Conv2D", dict(filters=2, kernel_size=(3, 2), strides=(2, 1), padding="same"),
                            [(7, 6, 3)]),
    "conv2d-dilated-groups": ("Conv2D", dict(filters=4, kernel_size=2, dilation_rate=(2, 1), groups=2,
                                             activation="sigmoid"), [(6, 5, 4)]),
    "conv2d-regularized": ("Conv2D", dict(filters=2, kernel_size=2, kernel_regularizer=L2(0.1),
                                          bias_regularizer=L2(0.3), activity_regularizer=L2(0.2),
                                          bias_initializer="random_normal"), [(4, 3, 2)]),
    "conv1d-causal": ("Conv1D", dict(filters=3, kernel_size=3, padding="causal", dilation_rate=2,
                                     activation="softplus"), [(7, 2)]),
    "conv1d-strided": ("Conv1D", dict(filters=2, kernel_size=4, strides=3, bias_initializer="random_normal"),
                       [(11, 3)]),
    "conv3d": ("Conv3D", dict(filters=2, kernel_size=2, padding="same"), [(3, 4, 3, 2)]),
    "conv2d_transpose": ("Conv2DTranspose", dict(filters=3, kernel_size=3, strides=2,
                                                 bias_initializer="random_normal"), [(3, 4, 2)]),
    "conv2d_transpose-same": ("Conv2DTranspose", dict(filters=2, kernel_size=(3, 2), strides=(2, 3), padding="same",
                                                      activation="tanh"), [(3, 2, 3)]),
    "conv2d_transpose-output-padding": ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2,
                                                                output_padding=1), [(3, 3, 2)]),
    "conv1d_transpose-dilated": ("Conv1DTranspose", dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"),
                                 [(5, 2)]),
    "depthwise_conv2d": ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2, padding="same",
                                                 bias_initializer="random_normal"), [(5, 4, 3)]),
    "depthwise_conv2d-regularized": ("DepthwiseConv2D", dict(kernel_size=2, depthwise_regularizer=L2(0.1)),
                                     [(3, 3, 2)]),
    "depthwise_conv1d-strided": ("DepthwiseConv1D", dict(kernel_size=3, strides=2, activation="tanh"), [(9, 2)]),
    "separable_conv2d": ("SeparableConv2D", dict(filters=4, kernel_size=(2, 3), depth_multiplier=2, strides=(1, 2),
                                                 activation="tanh", bias_initializer="random_normal"), [(5, 6, 2)]),
    "separable_conv2d-regularized": ("SeparableConv2D", dict(filters=2, kernel_size=2,
                                                             pointwise_regularizer=L2(0.1)), [(3, 3, 2)]),
    "separable_conv1d": ("SeparableConv1D", dict(filters=3, kernel_size=3, padding="same"), [(6, 2)]),
    "max_pooling2d": ("MaxPooling2D", dict(), [(6, 5, 2)]),
    "max_pooling2d-overlap-same": ("MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), [(7, 6, 2)]),
    "max_pooling1d": ("MaxPooling1D", dict(pool_size=3, strides=1), [(7, 2)]),
    "max_pooling3d": ("MaxPooling3D", dict(pool_size=2, padding="same"), [(3, 4, 3, 2)]),
    "average_pooling2d": ("AveragePooling2D", dict(pool_size=(2, 3)), [(6, 7, 2)]),
    "average_pooling2d-same": ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same"), [(7, 5, 2)]),
    "average_pooling2d-same-uneven": ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same"),
                                      [(7, 6, 2)]),
    "average_pooling1d": ("AveragePooling1D", dict(pool_size=2, strides=1, padding="same"), [(5, 3)]),
    "average_pooling3d": ("AveragePooling3D", dict(pool_size=2), [(4, 4, 2, 2)]),
    "global_max_pooling1d": ("GlobalMaxPooling1D", dict(), [(5, 3)]),
    "global_max_pooling2d-keepdims": ("GlobalMaxPooling2D", dict(keepdims=True), [(4, 3, 2)]),
    "global_max_pooling3d": ("GlobalMaxPooling3D", dict(), [(2, 3, 2, 2)]),
    "global_average_pooling1d": ("GlobalAveragePooling1D", dict(), [(5, 3)]),
    "global_average_pooling2d": ("GlobalAveragePooling2D", dict(), [(4, 3, 2)]),
    "global_average_pooling3d-keepdims": ("GlobalAveragePooling3D", dict(keepdims=True), [(2, 3, 2, 2)]),
    "zero_padding1d": ("ZeroPadding1D", dict(padding=(1, 2)), [(4, 2)]),
    "zero_padding2d": ("ZeroPadding2D", dict(padding=((1, 0), (2, 1))), [(3, 4, 2)]),
    "zero_padding3d": ("ZeroPadding3D", dict(padding=1), [(2, 2, 2, 1)]),
    "cropping1d": ("Cropping1D", dict(cropping=(1, 2)), [(6, 2)]),
    "cropping2d": ("Cropping2D", dict(cropping=((1, 0), (0, 2))), [(4, 5, 2)]),
    "cropping3d": ("Cropping3D", dict(cropping=1), [(3, 4, 3, 1)]),
    "up_sampling1d": ("UpSampling1D", dict(size=3), [(4, 2)]),
    "up_sampling2d": ("UpSampling2D", dict(size=(2, 3)), [(3, 2, 2)]),
    "up_sampling3d": ("UpSampling3D", dict(size=2), [(2, 2, 1, 2)]),
}


def _make(kind, arguments, shapes):
    return lambda: (getattr(layers, kind)(**arguments), shapes)


CASES = {name: _make(*case) for name, case in _CASES.items()}

#: cases left out of the comparison with Keras, and why
NOT_KERAS = {
    # "same" with an odd total padding: Keras's torch backend pads such windows by repeating the edge
    # values, so their average counts the edge twice; TensorFlow, JAX and neurona average the entries
    # inside the input (checked by hand in test_pooling.py)
    "average_pooling2d-same-uneven",
}

#: (Keras class name, arguments) of the cases Keras can build as they are
KERAS = {name: (kind, arguments) for name, (kind, arguments, _) in _CASES.items()
         if not any(key.endswith("regularizer") for key in arguments) and name not in NOT_KERAS}


def compare_with_keras(name, seed=0):
    r"""The layer of case ``name`` and Keras's (torch backend) on the same weights and input: the
    largest differences of the outputs, of dL/dx and of each weight's gradient, for L = sum(g * y)."""
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    import numpy as np
    import torch

    kind, arguments = KERAS[name]
    layer, shapes = CASES[name]()
    rng = np.random.default_rng(seed)
    layer.build((None, *shapes[0]), rng, np.float32)
    theirs = getattr(keras.layers, kind)(**arguments)
    theirs.build((None, *shapes[0]))
    theirs.set_weights(layer.get_weights())
    x = rng.normal(size=(3, *shapes[0])).astype(np.float32)
    g = rng.normal(size=(3, *layer.sample_output_shape)).astype(np.float32)
    x_torch = torch.tensor(x, requires_grad=True)
    y_keras = theirs(x_torch)
    weights = [v.value for v in theirs.trainable_weights]
    grads = torch.autograd.grad((y_keras * torch.tensor(g)).sum(), [x_torch, *weights])
    y = layer.forward(x, training=True)
    dx = layer.backward(g.copy())
    assert y.shape == tuple(y_keras.shape), (y.shape, tuple(y_keras.shape))

    def error(mine, reference):           # the largest difference, relative to the largest entry (at least 1)
        reference = reference.detach().numpy()
        return float(np.abs(mine - reference).max() / max(1.0, np.abs(reference).max()))

    return {"y": error(y, y_keras), "dL/dx": error(dx, grads[0]),
            **{f"dL/d{n}": error(mine, reference) for n, mine, reference in zip(layer.param_names, layer.grads, grads[1:])}}
