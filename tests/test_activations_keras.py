r"""The Keras 3 activations (elu, gelu exact and approximate, silu/swish, hard_sigmoid, hard_silu,
exponential, relu6, mish) pinned against torch.nn.functional in float64, and reachable by
Keras's names. Their derivatives are checked with every other activation in test_activations."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from neurona import activations

Z = np.concatenate([np.linspace(-12.0, 12.0, 481), [-3.0, 3.0, 6.0, 0.0, -700.0, 700.0]])

TORCH = {
    "elu": (activations.ELU(), lambda t: F.elu(t, alpha=1.0)),
    "elu_alpha": (activations.ELU(alpha=0.3), lambda t: F.elu(t, alpha=0.3)),
    "gelu": (activations.GELU(), lambda t: F.gelu(t)),
    "gelu_tanh": (activations.GELU(approximate=True), lambda t: F.gelu(t, approximate="tanh")),
    "silu": (activations.SiLU(), F.silu),
    "hard_sigmoid": (activations.HardSigmoid(), F.hardsigmoid),
    "hard_silu": (activations.HardSiLU(), F.hardswish),
    "relu6": (activations.ReLU6(), F.relu6),
    "mish": (activations.Mish(), F.mish),
    "exponential": (activations.Exponential(), torch.exp),
}


@pytest.mark.parametrize("case", sorted(TORCH))
def test_values_and_derivatives_match_torch(case):
    ours, theirs = TORCH[case]
    z = Z[np.abs(Z) < 700] if case == "exponential" else Z
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    out = theirs(t)
    out.sum().backward()
    np.testing.assert_allclose(ours(z), out.detach().numpy(), rtol=1e-12, atol=1e-15)
    smooth = np.min(np.abs(z[:, None] - np.array([-3.0, 3.0, 6.0, 0.0])), axis=1) > 0   # kinks: conventions differ
    np.testing.assert_allclose(ours.derivative(z)[smooth], t.grad.numpy()[smooth], rtol=1e-7, atol=1e-14)  # torch: 1/6 in float32


@pytest.mark.parametrize("name, cls", [("elu", activations.ELU), ("gelu", activations.GELU),
                                       ("swish", activations.SiLU), ("silu", activations.SiLU),
                                       ("hard_sigmoid", activations.HardSigmoid),
                                       ("hard_swish", activations.HardSiLU), ("exponential", activations.Exponential),
                                       ("relu6", activations.ReLU6), ("mish", activations.Mish)])
def test_keras_names(name, cls):
    assert isinstance(activations.get(name), cls)


def test_hard_sigmoid_is_keras_3s():
    # 0 at -3 and below, 1 at 3 and above, x / 6 + 1/2 between (Keras 2's was x / 5 + 1/2)
    f = activations.get("hard_sigmoid")
    np.testing.assert_allclose(f(np.array([-4.0, -3.0, 0.0, 1.5, 3.0, 4.0])), [0, 0, 0.5, 0.75, 1, 1])


def test_gelu_config_round_trip():
    f = activations.get({"name": "gelu", "approximate": True})
    assert f.approximate is True and activations.get(f.get_config()) == f


def test_function_forms_as_keras_passes_them():
    import neurona as nr
    z = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(activations.relu(z), np.maximum(z, 0))
    np.testing.assert_allclose(activations.leaky_relu(z), np.where(z > 0, z, 0.2 * z))   # Keras's function default
    assert isinstance(activations.get(activations.swish), activations.SiLU)
    assert activations.get(activations.leaky_relu).negative_slope == 0.2
    t = nr.autodiff.Variable(z)
    with nr.autodiff.GradientTape() as tape:
        y = nr.ops.sum(activations.mish(t))
    np.testing.assert_allclose(tape.gradient(y, t), activations.Mish().derivative(z), rtol=1e-12)
    layer = nr.layers.Dense(2, activation=activations.elu)
    assert isinstance(layer.activation, activations.ELU)
    with pytest.raises(TypeError, match="registered activation"):
        activations.get(lambda x: x)
    with pytest.raises(NotImplementedError, match="It has: .*gelu"):
        activations.celu
