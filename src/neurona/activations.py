r"""Activation functions a = f(z), each with its derivative da/dz.

The lectures' activations (identity, step, sign, sigmoid, tanh, relu, leaky_relu, softmax) stand
beside Keras 3's (elu, selu, gelu, swish/silu, hard_sigmoid, hard_silu, exponential, relu6,
softplus, softsign, mish), under Keras's names and with Keras's arguments and values.

Every activation is an object: ``f(z)`` gives the value, ``f.derivative(z)`` the elementwise
derivative, and ``f.backward(grad, z, a)`` the chain rule step dL/dz = dL/da * da/dz that layers
use (written in terms of the already computed ``a`` where that is cheaper). All are stable for
|z| up to 1e4: no overflow warnings, no NaN.

    >>> from neurona import activations
    >>> f = activations.get("tanh")
    >>> f(0.5), f.derivative(0.5)
"""
from __future__ import annotations

import numpy as np

import math

from .autodiff import ops as _ad
from .registry import Configurable, Registry, not_in_neurona
from .validation import check_number


class Activation(Configurable):
    r"""Base class. Subclasses define ``__call__`` and ``derivative``."""

    #: False for step and sign: their derivative is 0 everywhere, so no gradient flows.
    has_gradient = True
    #: False where ``backward`` needs only a = f(z): a layer then need not keep z
    backward_needs_z = True

    def __call__(self, z):
        raise NotImplementedError

    def derivative(self, z):
        raise NotImplementedError

    def call(self, z):
        r"""The tape form: a = f(z) on an autodiff Tensor, built from ``autodiff.ops`` (whose derivatives
        are the table in ``autodiff.derivatives``), so that its gradient owes nothing to ``derivative``."""
        raise NotImplementedError(f"The activation {type(self).__name__} has no tape form.")

    def backward(self, grad, z, a):
        r"""dL/dz = dL/da * da/dz (elementwise)."""
        return grad * self.derivative(z)


def _float_type(z):
    r"""The floating dtype of z (float64 for Python numbers and integers, float32 stays float32)."""
    return np.result_type(np.asarray(z).dtype, np.float32) if np.asarray(z).dtype != np.float16 else np.float32


registry = Registry("activation", Activation)
register = registry.register


def get(identifier) -> Activation:
    r"""An activation from a name, a class name, a config dict, an instance, one of this module's
    functions (``activations.relu``, as Keras code passes them), or None (identity)."""
    if identifier is None:
        return Identity()
    if callable(getattr(identifier, "activation_class", None)):
        return identifier.activation_class(**identifier.keras_defaults)
    if callable(identifier) and not isinstance(identifier, (Activation, type)):
        raise TypeError(f"neurona's layers take a registered activation (their backward is written by hand); "
                        f"got the function {getattr(identifier, '__name__', identifier)!r}. Use a name "
                        f"({', '.join(registry.names())}) or a function of neurona.activations.")
    return registry.get(identifier)


@register("identity", "linear")
class Identity(Activation):
    r"""a = z;  da/dz = 1. The output of a regression."""

    backward_needs_z = False

    def __call__(self, z):
        return np.asarray(z)

    def derivative(self, z):
        return np.ones_like(z, dtype=_float_type(z))

    def backward(self, grad, z, a):
        return grad

    def call(self, z):
        return z


@register("step", "heaviside")
class Step(Activation):
    r"""Heaviside step of the perceptron: a = 1 if z >= 0 else 0;  da/dz = 0 (almost everywhere).

    Its derivative is zero, so gradient descent cannot learn through it: this is why the
    perceptron has its own learning rule and why networks use sigmoid-like activations.
    """

    has_gradient = False

    def __call__(self, z):
        z = np.asarray(z)
        return (z >= 0).astype(z.dtype if np.issubdtype(z.dtype, np.floating) else float)

    def derivative(self, z):
        return np.zeros_like(z, dtype=_float_type(z))

    def call(self, z):
        return _ad.constant(self(z.data), z)          # derivative 0: no gradient flows


@register("sign")
class Sign(Activation):
    r"""a = 1 if z >= 0 else -1 (the -1/1 perceptron);  da/dz = 0 (almost everywhere)."""

    has_gradient = False

    def __call__(self, z):
        z = np.asarray(z)
        return np.where(z >= 0, 1.0, -1.0).astype(z.dtype if np.issubdtype(z.dtype, np.floating) else float)

    def derivative(self, z):
        return np.zeros_like(z, dtype=_float_type(z))

    def call(self, z):
        return _ad.constant(self(z.data), z)


@register("sigmoid", "logistic")
class Sigmoid(Activation):
    r"""sigma(z) = 1 / (1 + e^{-z});  da/dz = sigma(z) (1 - sigma(z)).

    Computed as e^{min(z, 0)} / (1 + e^{-|z|}), equal for either sign of z, so that no exponent
    is ever positive and nothing overflows.
    """

    backward_needs_z = False

    def __call__(self, z):
        z = np.asarray(z)
        if z.dtype.kind != "f" or z.dtype.itemsize < 4:
            z = z.astype(np.result_type(z, np.float32))
        return np.exp(np.minimum(z, 0)) / (1.0 + np.exp(-np.abs(z)))

    def derivative(self, z):
        s = self(z)
        return s * (1.0 - s)

    def backward(self, grad, z, a):
        return grad * a * (1.0 - a)

    def call(self, z):
        return _ad.sigmoid(z)


@register("tanh")
class Tanh(Activation):
    r"""a = tanh(z) = (e^z - e^{-z}) / (e^z + e^{-z});  da/dz = 1 - tanh(z)^2.

    (Seed 001 writes the derivative as (1 - tanh^2 z) / (1 + tanh^2 z): that is a typo.)
    """

    backward_needs_z = False

    def __call__(self, z):
        return np.tanh(z)

    def derivative(self, z):
        return 1.0 - np.tanh(z) ** 2

    def backward(self, grad, z, a):
        return grad * (1.0 - a * a)

    def call(self, z):
        return _ad.tanh(z)


@register("relu")
class ReLU(Activation):
    r"""a = max(0, z);  da/dz = 1 if z > 0 else 0 (0 at z = 0, as PyTorch and Keras take it)."""

    backward_needs_z = False

    def __call__(self, z):
        return np.maximum(z, 0)

    def derivative(self, z):
        return (np.asarray(z) > 0).astype(_float_type(z))

    def backward(self, grad, z, a):
        return grad * (a > 0)

    def call(self, z):
        return _ad.relu(z)


@register("leaky_relu")
class LeakyReLU(Activation):
    r"""a = max(alpha z, z) with a small slope alpha (0.01) for z < 0;  da/dz = 1 if z > 0 else alpha.

    Seed 001: leaky_relu(-2.5) = max(-0.025, -2.5) = -0.025.
    """

    def __init__(self, negative_slope: float = 0.01):
        self.negative_slope = check_number("LeakyReLU", "negative_slope", negative_slope, 0)

    def __call__(self, z):
        z = np.asarray(z)
        return np.where(z > 0, z, self.negative_slope * z)

    def derivative(self, z):
        return np.where(np.asarray(z) > 0, 1.0, self.negative_slope)

    def backward(self, grad, z, a):
        return grad * np.where(z > 0, 1.0, self.negative_slope).astype(grad.dtype)

    def call(self, z):
        return _ad.where(z.data > 0, z, self.negative_slope * z)


@register("selu")
class SELU(Activation):
    r"""Scaled exponential linear unit (Klambauer et al., 2017):

    a = lambda z                  if z > 0
    a = lambda alpha (e^z - 1)    if z <= 0
    da/dz = lambda if z > 0 else lambda alpha e^z,
    with alpha = 1.6732632423543772, lambda = 1.0507009873554805.
    """

    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946

    def __call__(self, z):
        z = np.asarray(z)
        negative = self.scale * self.alpha * np.expm1(np.minimum(z, 0))   # exp never overflows
        return np.where(z > 0, self.scale * z, negative).astype(np.result_type(z, np.float32))

    def derivative(self, z):
        z = np.asarray(z)
        return np.where(z > 0, self.scale, self.scale * self.alpha * np.exp(np.minimum(z, 0)))

    def call(self, z):
        return _ad.where(z.data > 0, self.scale * z, self.scale * self.alpha * (_ad.exp(_ad.minimum(z, 0.0)) - 1.0))


@register("softplus")
class Softplus(Activation):
    r"""a = ln(1 + e^z), a smooth ReLU;  da/dz = sigma(z).

    Computed as logaddexp(0, z) = max(z, 0) + ln(1 + e^{-|z|}), which never overflows.
    """

    def __call__(self, z):
        return np.logaddexp(0, z).astype(np.result_type(np.asarray(z), np.float32))

    def derivative(self, z):
        return Sigmoid()(z)

    def call(self, z):
        return _ad.relu(z) + _ad.log(1.0 + _ad.exp(-_ad.abs(z)))


@register("softsign")
class Softsign(Activation):
    r"""a = z / (1 + |z|);  da/dz = 1 / (1 + |z|)^2."""

    def __call__(self, z):
        z = np.asarray(z)
        return z / (1.0 + np.abs(z))

    def derivative(self, z):
        return 1.0 / (1.0 + np.abs(np.asarray(z))) ** 2

    def call(self, z):
        return z / (1.0 + _ad.abs(z))


@register("softmax")
class Softmax(Activation):
    r"""softmax(z)_i = e^{z_i} / sum_j e^{z_j} over the last axis (the class scores of a sample).

    Computed as e^{z_i - max z} / sum_j e^{z_j - max z}: the same value, no overflow.
    The derivative is a matrix per sample (the Jacobian):
        da_i/dz_j = a_i (delta_ij - a_j)
    and the chain rule step is dL/dz = a * (dL/da - sum_j dL/da_j a_j).
    Followed by categorical cross-entropy, the model uses the fused dL/dz = (a - y) / N instead
    (seed 000), which is cheaper and exact.
    """

    backward_needs_z = False

    def __call__(self, z):
        z = np.asarray(z)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def derivative(self, z):
        r"""The Jacobian da/dz, of shape z.shape + (k,)."""
        a = self(z)
        return a[..., :, None] * (np.eye(a.shape[-1]) - a[..., None, :])

    def backward(self, grad, z, a):
        return a * (grad - (grad * a).sum(axis=-1, keepdims=True))

    def call(self, z):
        return _ad.softmax(z, axis=-1)


erf = _ad.erf_values


@register("elu")
class ELU(Activation):
    r"""Exponential linear unit (Clevert et al., 2016), Keras's ``elu(x, alpha=1.0)``:

    a = z                  if z > 0
    a = alpha (e^z - 1)    if z <= 0
    da/dz = 1 if z > 0 else alpha e^z.
    """

    def __init__(self, alpha: float = 1.0):
        self.alpha = check_number("ELU", "alpha", alpha)

    def __call__(self, z):
        z = np.asarray(z)
        negative = self.alpha * np.expm1(np.minimum(z, 0))           # exp never overflows
        return np.where(z > 0, z, negative).astype(np.result_type(z, np.float32))

    def derivative(self, z):
        z = np.asarray(z)
        return np.where(z > 0, 1.0, self.alpha * np.exp(np.minimum(z, 0))).astype(_float_type(z))

    def call(self, z):
        return _ad.where(z.data > 0, z, self.alpha * (_ad.exp(_ad.minimum(z, 0.0)) - 1.0))


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715


@register("gelu")
class GELU(Activation):
    r"""Gaussian error linear unit (Hendrycks & Gimpel, 2016), Keras's ``gelu(x, approximate=False)``:

    exact:        a = z Phi(z) = z (1 + erf(z / sqrt 2)) / 2
                  da/dz = Phi(z) + z phi(z),   phi(z) = e^{-z^2/2} / sqrt(2 pi)
    approximate:  a = z (1 + tanh(u)) / 2,     u = sqrt(2/pi) (z + 0.044715 z^3)
                  da/dz = (1 + tanh u) / 2 + z (1 - tanh^2 u) sqrt(2/pi) (1 + 3 0.044715 z^2) / 2
    """

    def __init__(self, approximate: bool = False):
        self.approximate = bool(approximate)

    def _u(self, z):
        return _SQRT_2_OVER_PI * (z + _GELU_CUBIC * z * np.minimum(z * z, 1e8))   # z^3 never overflows

    def __call__(self, z):
        z = np.asarray(z)
        if self.approximate:
            return (0.5 * z * (1.0 + np.tanh(self._u(z)))).astype(np.result_type(z, np.float32))
        return (0.5 * z * (1.0 + erf(z / math.sqrt(2.0)))).astype(np.result_type(z, np.float32))

    def derivative(self, z):
        z = np.asarray(z, dtype=_float_type(z))
        if self.approximate:
            t = np.tanh(self._u(z))
            slope = _SQRT_2_OVER_PI * (1.0 + 3 * _GELU_CUBIC * np.minimum(z * z, 1e8))
            return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * slope
        density = np.exp(-0.5 * np.minimum(z * z, 1e4)) / math.sqrt(2.0 * math.pi)
        return 0.5 * (1.0 + erf(z / math.sqrt(2.0))) + z * density

    def call(self, z):
        if self.approximate:
            u = math.sqrt(2.0 / math.pi) * (z + 0.044715 * z ** 3)
            return 0.5 * z * (1.0 + _ad.tanh(u))
        return 0.5 * z * (1.0 + _ad.erf(z / math.sqrt(2.0)))


@register("silu", "swish")
class SiLU(Activation):
    r"""Swish / SiLU (Ramachandran et al., 2017), Keras's ``silu`` = ``swish``:

    a = z sigma(z);  da/dz = sigma(z) + z sigma(z) (1 - sigma(z)) = sigma(z) (1 + z (1 - sigma(z))).
    """

    def __call__(self, z):
        z = np.asarray(z)
        return z * _sigmoid(z)

    def derivative(self, z):
        s = _sigmoid(z)
        return s * (1.0 + np.asarray(z) * (1.0 - s))

    def call(self, z):
        return z * _ad.sigmoid(z)


@register("hard_sigmoid")
class HardSigmoid(Activation):
    r"""Keras 3's hard sigmoid, a piecewise linear sigmoid: a = 0 for z <= -3, 1 for z >= 3,
    z / 6 + 1/2 between;  da/dz = 1/6 for -3 < z < 3, else 0. (Keras 2 used z / 5 + 1/2 on
    [-2.5, 2.5]; Keras 3 and PyTorch use this one.)"""

    def __call__(self, z):
        z = np.asarray(z)
        return np.clip(z / 6.0 + 0.5, 0.0, 1.0).astype(np.result_type(z, np.float32))

    def derivative(self, z):
        z = np.asarray(z)
        return np.where((z > -3) & (z < 3), 1.0 / 6.0, 0.0).astype(_float_type(z))

    def call(self, z):
        return _ad.clip(z / 6.0 + 0.5, 0.0, 1.0)


@register("hard_silu", "hard_swish")
class HardSiLU(Activation):
    r"""Hard SiLU / hard swish (Howard et al., 2019): a = z hard_sigmoid(z) = 0 for z <= -3,
    z for z >= 3, z (z + 3) / 6 between;  da/dz = 0, 1, (2 z + 3) / 6 on those pieces."""

    def __call__(self, z):
        z = np.asarray(z)
        return z * np.clip(z / 6.0 + 0.5, 0.0, 1.0).astype(np.result_type(z, np.float32))

    def derivative(self, z):
        z = np.asarray(z)
        return np.where(z >= 3, 1.0, np.where(z > -3, (2.0 * z + 3.0) / 6.0, 0.0)).astype(_float_type(z))

    def call(self, z):
        return z * _ad.clip(z / 6.0 + 0.5, 0.0, 1.0)


@register("exponential")
class Exponential(Activation):
    r"""a = e^z;  da/dz = e^z. It exceeds the largest float for z > 88.7 (float32) or 709.8
    (float64): there the value is inf, as in Keras and NumPy, without a warning."""

    backward_needs_z = False

    def __call__(self, z):
        z = np.asarray(z)
        with np.errstate(over="ignore"):
            return np.exp(z).astype(np.result_type(z, np.float32))

    def derivative(self, z):
        return self(z)

    def backward(self, grad, z, a):
        return grad * a

    def call(self, z):
        return _ad.exp(z)


@register("relu6")
class ReLU6(Activation):
    r"""a = min(max(0, z), 6);  da/dz = 1 for 0 < z < 6, else 0."""

    def __call__(self, z):
        return np.clip(z, 0, 6)

    def derivative(self, z):
        z = np.asarray(z)
        return ((z > 0) & (z < 6)).astype(_float_type(z))

    def call(self, z):
        return _ad.clip(z, 0.0, 6.0)


@register("mish")
class Mish(Activation):
    r"""Mish (Misra, 2019): a = z tanh(softplus(z)), softplus(z) = ln(1 + e^z);
    da/dz = tanh(sp) + z (1 - tanh^2(sp)) sigma(z)."""

    def __call__(self, z):
        z = np.asarray(z)
        return z * np.tanh(np.logaddexp(0, z)).astype(np.result_type(z, np.float32))

    def derivative(self, z):
        z = np.asarray(z)
        t = np.tanh(np.logaddexp(0, z))
        return t + z * (1.0 - t * t) * _sigmoid(z)

    def call(self, z):
        return z * _ad.tanh(Softplus().call(z))


_sigmoid = Sigmoid()


def _function_form(cls, name, **keras_defaults):
    r"""Keras's function ``keras.activations.<name>(x, ...)``: the value on arrays, or the autodiff
    form on Tensors (recorded on the tape); ``get`` turns it into the class."""
    def activation(x, **arguments):
        f = cls(**{**keras_defaults, **arguments})
        return f.call(x) if isinstance(x, _ad.Tensor) else f(x)

    activation.__name__ = activation.__qualname__ = name
    activation.__doc__ = f"Keras's ``activations.{name}``.\n\n{cls.__doc__}"
    activation.activation_class = cls
    activation.keras_defaults = keras_defaults
    return activation


linear = _function_form(Identity, "linear")
sigmoid = _function_form(Sigmoid, "sigmoid")
tanh = _function_form(Tanh, "tanh")
_plain_relu = _function_form(ReLU, "relu")


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    r"""Keras's ``activations.relu``: max(0, z), or with arguments the shifted and capped rectifier (as
    ``layers.ReLU``): a = z where z > threshold, negative_slope (z - threshold) elsewhere, then
    min(a, max_value); on arrays, or recorded on the tape for Tensors."""
    if negative_slope == 0 and max_value is None and threshold == 0:
        return _plain_relu(x)
    check_number("relu", "negative_slope", negative_slope, 0)
    check_number("relu", "threshold", threshold, 0)
    if max_value is not None:
        check_number("relu", "max_value", max_value, 0)
    if isinstance(x, _ad.Tensor):
        a = _ad.where(x.data > threshold, x, negative_slope * (x - threshold))
        return a if max_value is None else _ad.minimum(a, float(max_value))
    z = np.asarray(x)
    z = z.astype(np.result_type(z.dtype, np.float32), copy=False)
    a = np.where(z > threshold, z, negative_slope * (z - threshold)).astype(z.dtype, copy=False)
    return a if max_value is None else np.minimum(a, max_value).astype(z.dtype, copy=False)


relu.activation_class, relu.keras_defaults = ReLU, {}
leaky_relu = _function_form(LeakyReLU, "leaky_relu", negative_slope=0.2)     # Keras's function default
selu = _function_form(SELU, "selu")
softplus = _function_form(Softplus, "softplus")
softsign = _function_form(Softsign, "softsign")
softmax = _function_form(Softmax, "softmax")
elu = _function_form(ELU, "elu")
gelu = _function_form(GELU, "gelu")
silu = swish = _function_form(SiLU, "silu")
hard_sigmoid = _function_form(HardSigmoid, "hard_sigmoid")
hard_silu = hard_swish = _function_form(HardSiLU, "hard_silu")
exponential = _function_form(Exponential, "exponential")
relu6 = _function_form(ReLU6, "relu6")
mish = _function_form(Mish, "mish")


def serialize(activation) -> dict:
    return get(activation).get_config()


def deserialize(config) -> Activation:
    return get(config)


__getattr__ = not_in_neurona(__name__, "activation", lambda: registry.names())
