r"""Layers: forward(x) and backward(dL/dy) written out by hand, the chain rule of seed 001.

A layer is built once its input shape is known (``build``), owns its parameters (``params``), the
gradients of its last backward pass (``grads``, same order and shapes) and its non-trainable
``state``; see ``layers.base`` for the whole protocol.

    core            Dense, Activation, Dropout, Softmax, ReLU, LeakyReLU, ELU
    reshaping       Flatten, Reshape
    normalization   Normalization (adapt), BatchNormalization, LayerNormalization, GroupNormalization
    merging         Add, Subtract, Multiply, Average, Maximum, Concatenate (and add(), ...)
    op              Op: an autodiff operation inside a functional graph
    input_layer     InputLayer
    convolutional   Conv1D/2D/3D, Conv1D/2DTranspose, DepthwiseConv1D/2D, SeparableConv1D/2D
    pooling         Max/AveragePooling1D/2D/3D, GlobalMax/AveragePooling1D/2D/3D
    spatial         ZeroPadding, Cropping, UpSampling (1D/2D/3D)
    embedding       Embedding (mask_zero); masking: Masking and the mask carried with the values
    recurrent       SimpleRNN, LSTM, GRU (backpropagation through time by hand)
    rnn, rnn_cells  RNN(cell): SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells or a user's cell
    wrappers        Bidirectional, TimeDistributed
    attention       Attention, MultiHeadAttention
    image_preprocessing  Rescaling, Resizing, CenterCrop, RandomFlip, RandomContrast
    categorical     CategoryEncoding, Discretization (adapt)
    image_augmentation   RandomRotation, RandomTranslation, RandomZoom (affine maps, fill modes)
    lookup          StringLookup, IntegerLookup (vocabulary, adapt, int / one_hot / multi_hot / count / tf_idf)
    text_vectorization   TextVectorization (standardize, split, ngrams, a StringLookup)
    hashing         Hashing (Keras's bins: FarmHash Fingerprint64, or SipHash-2-4 under a salt)
    spatial_dropout SpatialDropout1D/2D/3D (whole feature maps dropped)
    unit_normalization   UnitNormalization (x / ||x||), RMSNormalization (x / rms(x) scale)

Asking for a layer neurona does not have raises an error that says so and lists the layers that exist.
"""
from .base import Layer, get, register, registry, sample_shape
from .core import ELU, Activation, Dense, Dropout, LeakyReLU, ReLU, Softmax
from .input_layer import InputLayer
from .merging import (Add, Average, Concatenate, Maximum, Merge, Multiply, Subtract, add, average, concatenate,
                      maximum, multiply, subtract)
from .normalization import BatchNormalization, GroupNormalization, LayerNormalization, Normalization
from .op import Op
from .reshaping import Flatten, Reshape
from .embedding import Embedding
from .masking import Masking
from .recurrent import GRU, LSTM, SimpleRNN
from .rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from .rnn import RNN
from .wrappers import Bidirectional, TimeDistributed
from .attention import Attention, MultiHeadAttention
from .convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, DepthwiseConv1D,
                            DepthwiseConv2D, SeparableConv1D, SeparableConv2D)
from .pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D,
                      GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D, GlobalMaxPooling2D,
                      GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D)
from .spatial import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D,
                      ZeroPadding2D, ZeroPadding3D)
from .elementwise import ActivityRegularization, Identity, PReLU
from .einsum_dense import EinsumDense
from .lambda_layer import Lambda
from .merging import Dot, Minimum, dot, minimum
from .noise import AlphaDropout, GaussianDropout, GaussianNoise
from .rearranging import Permute, RepeatVector
from .image_preprocessing import CenterCrop, RandomContrast, RandomFlip, Rescaling, Resizing
from .categorical import CategoryEncoding, Discretization
from .image_augmentation import RandomRotation, RandomTranslation, RandomZoom
from .lookup import IntegerLookup, StringLookup
from .text_vectorization import TextVectorization
from .hashing import Hashing
from .spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from .unit_normalization import RMSNormalization, UnitNormalization
from ..symbolic import Input

__all__ = ["Layer", "Dense", "Activation", "Dropout", "Softmax", "ReLU", "LeakyReLU", "ELU", "Flatten", "Reshape",
           "Normalization", "BatchNormalization", "Add", "Subtract", "Multiply", "Average", "Maximum",
           "Concatenate", "add", "subtract", "multiply", "average", "maximum", "concatenate", "InputLayer", "Input", "Op",
           "Merge", "get", "register", "registry", "sample_shape", "Embedding", "Masking", "SimpleRNN", "LSTM", "GRU",
           "Bidirectional", "TimeDistributed", "LayerNormalization", "GroupNormalization",
           "Attention", "MultiHeadAttention"]

__all__ += ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "DepthwiseConv1D", "DepthwiseConv2D",
            "SeparableConv1D", "SeparableConv2D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
            "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
            "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "ZeroPadding1D",
            "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D",
            "UpSampling3D"]


def serialize(layer) -> dict:
    r"""Keras's ``layers.serialize``: the layer's config ({"name": type, ...}, what ``get`` takes back)."""
    return layer.get_config()


def deserialize(config, custom_objects=None):
    r"""Keras's ``layers.deserialize``: the layer of a config (ours or Keras's {"class_name", "config"})."""
    if custom_objects:
        from ..custom_objects import custom_object_scope
        with custom_object_scope(custom_objects):
            from ..serialization import deserialize_keras_object
            return deserialize_keras_object(config)
    return get(config)


class InputSpec:
    r"""Keras's declaration of the inputs a layer accepts (dtype, shape, ndim, min_ndim, max_ndim, axes);
    kept for programs that set ``self.input_spec``: neurona's layers check their inputs in ``build``."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype, self.shape, self.max_ndim, self.min_ndim = dtype, shape, max_ndim, min_ndim
        self.ndim = len(shape) if shape is not None else ndim
        self.axes = dict(axes or {})
        self.allow_last_axis_squeeze, self.name, self.optional = allow_last_axis_squeeze, name, optional

    def get_config(self) -> dict:
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}

    def __repr__(self):
        return f"InputSpec({', '.join(f'{k}={v!r}' for k, v in self.get_config().items() if v)})"


__all__ += ["Lambda", "Identity", "ActivityRegularization", "PReLU", "GaussianNoise", "GaussianDropout",
            "AlphaDropout", "Dot", "Minimum", "dot", "minimum", "Permute", "RepeatVector", "EinsumDense"]
__all__ += ["Rescaling", "Resizing", "CenterCrop", "RandomFlip", "RandomContrast", "CategoryEncoding",
            "Discretization", "RandomRotation", "RandomTranslation", "RandomZoom", "StringLookup", "IntegerLookup",
            "TextVectorization", "Hashing"]
__all__ += ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "UnitNormalization", "RMSNormalization"]
# Keras's short names of the same classes
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)


def __getattr__(name):
    from .._unsupported import unsupported
    raise unsupported("neurona.layers", name, [n for n in __all__ if n[0].isupper() and n not in ("Layer", "Merge", "Op")])
