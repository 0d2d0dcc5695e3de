r"""Attention and MultiHeadAttention against Keras 3 (torch backend) on the same weights: outputs and
weight gradients of small functional models (the checks against central differences and the tape,
inputs included, are in the registry walk of test_layers_keras.py); masks from an Embedding."""
import numpy as np
import pytest

import neurona as nr
from test_recurrent import keras          # noqa: F401  (the fixture)


def compare(keras, build, xs, seed=0):      # noqa: F811
    import torch
    rng = np.random.default_rng(seed)
    ours, theirs = build(nr), build(keras)
    weights = [rng.normal(0, 0.5, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    g = rng.normal(size=(xs[0].shape[0], *ours.layers[-1].sample_output_shape)).astype("float32")
    y = ours._forward_all(xs, training=True)[0]
    ours._backward_all([g], [False])
    grads = [q.copy() for layer in ours.layers for q in layer.grads]
    tensors = [torch.tensor(x) for x in xs]
    y_k = theirs(tensors if len(tensors) > 1 else tensors[0])
    grads_k = torch.autograd.grad((y_k * torch.tensor(g)).sum(), [w.value for w in theirs.trainable_weights])
    np.testing.assert_allclose(y, y_k.detach().numpy(), atol=1e-5)
    assert [a.shape for a in grads] == [tuple(b.shape) for b in grads_k]
    for mine, theirs_grad in zip(grads, grads_k):
        np.testing.assert_allclose(mine, theirs_grad.numpy(), atol=2e-5)


RNG = np.random.default_rng(1)
Q, V, K = (RNG.normal(size=s).astype("float32") for s in ((2, 4, 3), (2, 5, 3), (2, 5, 3)))


@pytest.mark.parametrize("use_scale", [False, True])
@pytest.mark.parametrize("with_key", [False, True], ids=["value-as-key", "key"])
def test_attention_matches_keras(keras, use_scale, with_key):          # noqa: F811
    def build(k):
        inputs = [k.Input((4, 3)), k.Input((5, 3))] + ([k.Input((5, 3))] if with_key else [])
        return k.Model(inputs, k.layers.Dense(2)(k.layers.Attention(use_scale=use_scale)(inputs)))
    compare(keras, build, [Q, V, K] if with_key else [Q, V])


def test_attention_over_a_masked_embedding_matches_keras(keras):      # noqa: F811
    ids = np.random.default_rng(2).integers(1, 9, size=(3, 6))
    ids[0, 4:], ids[2, :1] = 0, 0

    def build(k):
        tokens = k.Input((6,), dtype="int32")
        e = k.layers.Embedding(9, 4, mask_zero=True)(tokens)
        return k.Model(tokens, k.layers.Dense(2)(k.layers.LSTM(3)(k.layers.Attention()([e, e]))))
    compare(keras, build, [ids])


@pytest.mark.parametrize("cross", [False, True], ids=["self", "cross"])
def test_multi_head_attention_matches_keras(keras, cross):             # noqa: F811
    def build(k):
        x = k.Input((5, 6))
        if cross:
            y = k.Input((7, 4))
            return k.Model([x, y], k.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)(x, y))
        return k.Model(x, k.layers.MultiHeadAttention(num_heads=3, key_dim=2)(x, x))
    rng = np.random.default_rng(3)
    xs = [rng.normal(size=(2, 5, 6)).astype("float32")] + ([rng.normal(size=(2, 7, 4)).astype("float32")] if cross
                                                           else [])
    compare(keras, build, xs)


def test_clear_errors():
    with pytest.raises(ValueError, match="score_mode"):
        nr.layers.Attention(score_mode="concat")
    with pytest.raises(ValueError, match="same last axis"):
        nr.layers.Attention().build([(None, 4, 3), (None, 5, 2)])
