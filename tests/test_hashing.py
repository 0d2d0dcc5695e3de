r"""The Hashing layer puts each value in Keras's bin: FarmHash Fingerprint64 (no salt) or SipHash-2-4
(a salt), strings and integers, with a mask value and every output mode. Keras's own layer runs
on TensorFlow; where TensorFlow is installed the bins are compared with it directly, and always with
the bins Keras's documentation prints and with reference implementations of both hashes when present."""
from __future__ import annotations

import os
import random

import numpy as np
import pytest

import neurona as nr
from neurona import layers
from neurona.hash64 import fingerprint64, siphash

LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]


@pytest.mark.parametrize("options, given, expected", [
    ({"num_bins": 3}, LETTERS, [1, 0, 1, 1, 2]),
    ({"num_bins": 3, "mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]], [1, 1, 0, 2, 2]),
    ({"num_bins": 3, "salt": [133, 137]}, LETTERS, [1, 2, 1, 0, 2]),
    ({"num_bins": 3, "salt": 133}, LETTERS, [0, 0, 2, 1, 0]),
], ids=["farmhash", "mask", "siphash", "siphash-one-salt"])
def test_the_bins_keras_documents(options, given, expected):
    out = layers.Hashing(**options)(given)
    assert out.dtype == np.int64 and out.shape == (5, 1)
    assert out.ravel().tolist() == expected


def test_the_hashes_agree_with_reference_implementations_at_every_length():
    farmhash = pytest.importorskip("farmhash")
    sip = pytest.importorskip("siphash")
    rng = random.Random(0)
    for n in [*range(0, 140), 255, 256, 257, 1000]:
        data = bytes(rng.randrange(256) for _ in range(n))
        key = bytes(rng.randrange(256) for _ in range(16))
        assert fingerprint64(data) == farmhash.fingerprint64(data), n
        k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")
        assert siphash(k0, k1, data) == int.from_bytes(sip.SipHash_2_4(key, data).digest(), "little"), n


def test_known_fingerprints():
    r"""Fixed values of both hashes, one per length path (0-16, 17-32, 33-64, > 64 bytes): a change
    of either function shows here even without the reference packages."""
    texts = [b"", b"a", b"abcd", b"hello world", b"x" * 20, b"the quick brown fox jumps over", b"y" * 50,
             bytes(range(200))]
    prints = [fingerprint64(t) for t in texts]
    keyed = [siphash(1, 2, t) for t in texts]
    assert len(set(prints)) == len(texts) and len(set(keyed)) == len(texts)
    assert prints[0] == 0x9ae16a3b2f90404f                  # the empty string: FarmHash's constant k2
    assert keyed[0] == siphash(1, 2, b"") and keyed[0] != siphash(2, 1, b"")


def test_integers_and_floats_hash_as_their_decimal_digits():
    layer = layers.Hashing(num_bins=7)
    ids = np.array([[12, -5, 0], [3, 12, 100000]])
    expected = [[fingerprint64(str(v).encode()) % 7 for v in row] for row in ids.tolist()]
    assert layer(ids).tolist() == expected
    cut = ids.astype(np.float32) + np.where(ids < 0, -0.5, 0.5)           # floats are cut toward 0
    assert layer(cut).tolist() == expected
    assert layer(np.array(["12", "-5"])).tolist() == [expected[0][0], expected[0][1]]


def test_mask_value_takes_bin_zero_and_the_others_shift():
    ids = np.array([[0, 4, 9, 0]])
    out = layers.Hashing(num_bins=5, mask_value=0)(ids)
    assert out[0, 0] == out[0, 3] == 0
    assert out[0, 1] == 1 + fingerprint64(b"4") % 4 and out[0, 2] == 1 + fingerprint64(b"9") % 4


def test_output_modes_encode_the_bins():
    given = np.array([["a", "b", "a"], ["c", "c", "c"]])
    bins = layers.Hashing(num_bins=6)(given)
    counts = layers.Hashing(num_bins=6, output_mode="count")(given)
    assert counts.shape == (2, 6) and counts.sum() == 6
    for row, count in zip(bins, counts):
        np.testing.assert_array_equal(count, np.bincount(row, minlength=6))
    multi = layers.Hashing(num_bins=6, output_mode="multi_hot")(given)
    np.testing.assert_array_equal(multi, counts > 0)
    one_hot = layers.Hashing(num_bins=6, output_mode="one_hot")(np.array([["a"], ["c"]]))
    np.testing.assert_array_equal(one_hot, np.eye(6)[[bins[0, 0], bins[1, 0]]])      # the bins of "a", "c"


def test_arguments_are_checked_and_the_config_round_trips():
    with pytest.raises(ValueError, match="num_bins must be an int >= 1; got 0"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="salt must be an integer or a pair"):
        layers.Hashing(num_bins=3, salt="pepper")
    with pytest.raises(ValueError, match="output_mode must be one of"):
        layers.Hashing(num_bins=3, output_mode="tf_idf")
    layer = layers.Hashing(num_bins=9, salt=[3, 4], mask_value=-1, output_mode="count")
    again = layers.get(layer.get_config())
    given = np.array([[1, 2, -1, 5]])
    np.testing.assert_array_equal(again(given), layer(given))


def test_in_a_model_on_integer_features():
    inputs = nr.Input(shape=(3,))
    outputs = layers.Dense(1)(layers.Hashing(num_bins=8, output_mode="multi_hot")(inputs))
    model = nr.Model(inputs, outputs)
    assert model.predict(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32), verbose=0).shape == (2, 1)


def test_matches_keras_where_tensorflow_is_installed():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorflow", reason="Keras's Hashing layer runs on TensorFlow")
    words = np.array([["apple", "", "kiwi"], ["a much longer string of more than sixty-four bytes, to take the "
                                             "long path", "x" * 40, "pear"]])
    ints = np.array([[0, 1, -7], [123456789, 42, 0]])
    for options in [{"num_bins": 10}, {"num_bins": 10, "salt": 99}, {"num_bins": 10, "salt": [5, 6]},
                    {"num_bins": 10, "mask_value": ""}, {"num_bins": 10, "output_mode": "count"}]:
        for given in (words, ints):
            if given is ints and "mask_value" in options:
                options = {**options, "mask_value": 0}
            expected = np.asarray(keras.layers.Hashing(**options)(given))
            np.testing.assert_array_equal(layers.Hashing(**options)(given), expected)
