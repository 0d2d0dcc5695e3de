r"""neurona.autodiff against torch.autograd (PyTorch 2.13.0) on composite programs, in float64:
the same function written with both, the same inputs, the same gradients."""
import numpy as np
import pytest
import torch                    # a test dependency (pyproject's [test]): missing, the tests fail, not skip

from neurona import autodiff as ad


def mlp_cross_entropy(lib, x, w1, b1, w2, b2, y):
    if lib is ad:
        h = ad.tanh(x @ w1 + b1)
        return -ad.mean(ad.sum(y * ad.log_softmax(h @ w2 + b2, axis=1), axis=1))
    h = torch.tanh(x @ w1 + b1)
    return -torch.mean(torch.sum(y * torch.log_softmax(h @ w2 + b2, dim=1), dim=1))


def logistic_with_clip(lib, x, w, b, y):
    if lib is ad:
        p = ad.clip(ad.sigmoid(x @ w + b)[:, 0], 0.05, 0.95)
        return ad.mean(-y * ad.log(p) - (1 - y) * ad.log(1 - p))
    p = torch.clamp(torch.sigmoid(x @ w + b)[:, 0], 0.05, 0.95)
    return torch.mean(-y * torch.log(p) - (1 - y) * torch.log(1 - p))


def shapes_and_reductions(lib, a, b, c):
    if lib is ad:
        joined = ad.concatenate([a, b.T], axis=0)                       # (5, 4)
        top = ad.max(joined, axis=0) + ad.softmax(joined, axis=0)[1]
        return ad.sum(top * ad.sqrt(c ** 2 + 1.0)) / ad.mean(ad.exp(ad.minimum(a, 0.3)))
    joined = torch.cat([a, b.T], dim=0)
    top = torch.max(joined, dim=0).values + torch.softmax(joined, dim=0)[1]
    bound = torch.tensor(0.3, dtype=torch.float64)
    return torch.sum(top * torch.sqrt(c ** 2 + 1.0)) / torch.mean(torch.exp(torch.minimum(a, bound)))


def elementwise_mix(lib, a, b):
    if lib is ad:
        return ad.sum(ad.sin(a) * ad.cos(b) + ad.abs(a - b) ** 1.5 + ad.maximum(a, b) / (1.0 + a * a) + ad.relu(a * b))
    return torch.sum(torch.sin(a) * torch.cos(b) + torch.abs(a - b) ** 1.5 + torch.maximum(a, b) / (1.0 + a * a)
                     + torch.relu(a * b))


def programs():
    rng = np.random.default_rng(0)
    yield "mlp-cross-entropy", mlp_cross_entropy, [rng.normal(size=(8, 4)), rng.normal(size=(4, 5)),
                                                   rng.normal(size=5), rng.normal(size=(5, 3)), rng.normal(size=3),
                                                   np.eye(3)[rng.integers(0, 3, 8)]], 5
    yield "logistic-clip", logistic_with_clip, [rng.normal(size=(10, 3)), rng.normal(size=(3, 1)),
                                                rng.normal(size=1), rng.integers(0, 2, 10).astype(float)], 3
    yield "shapes-reductions", shapes_and_reductions, [rng.normal(size=(3, 4)), rng.normal(size=(4, 2)),
                                                       rng.normal(size=4)], 3
    yield "elementwise", elementwise_mix, [rng.normal(size=(3, 4)), rng.normal(size=(4,))], 2


@pytest.mark.parametrize("name, program, arrays, n_params", list(programs()), ids=[p[0] for p in programs()])
def test_tape_gradients_equal_torch_autograd(name, program, arrays, n_params):
    params = [ad.Variable(a) for a in arrays[:n_params]]
    with ad.GradientTape() as tape:
        ours = program(ad, *params, *[ad.Tensor(a) for a in arrays[n_params:]])
    grads = tape.gradient(ours, params)
    torch_params = [torch.tensor(a, requires_grad=True) for a in arrays[:n_params]]
    theirs = program(torch, *torch_params, *[torch.tensor(a) for a in arrays[n_params:]])
    theirs.backward()
    assert float(ours) == pytest.approx(theirs.item(), rel=1e-12)
    for g, t in zip(grads, torch_params):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-10, atol=1e-12)
