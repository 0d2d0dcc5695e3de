r"""Two 64-bit hashes of a byte string, as the ``Hashing`` layer needs them to put a value in the
same bin as Keras (whose layer calls TensorFlow's ``to_hash_bucket_fast`` / ``_strong``):

    fingerprint64(data)         FarmHash's Fingerprint64 (Pike and Alakuijala, 2014): a fixed, unkeyed
                                hash; data is read in 8-byte words, multiplied by odd constants,
                                rotated and folded, with one path per length (0-16, 17-32, 33-64, > 64)
    siphash(k0, k1, data)       SipHash-2-4 (Aumasson and Bernstein, 2012) under the 128-bit key
                                (k0, k1): a keyed hash, so bins cannot be predicted without the key

Both are written from the published algorithms in plain Python integers (every result taken mod 2^64).
"""
from __future__ import annotations

MASK = (1 << 64) - 1
K0, K1, K2 = 0xc3a5c85c97cb3127, 0xb492b66fbe98f273, 0x9ae16a3b2f90404f
K_MUL = 0x9ddfea08eb382d69


def _word(data: bytes, at: int, size: int = 8) -> int:
    return int.from_bytes(data[at:at + size], "little")


def _rotate(value: int, shift: int) -> int:
    return value if shift == 0 else ((value >> shift) | (value << (64 - shift))) & MASK


def _shift_mix(value: int) -> int:
    return value ^ (value >> 47)


def _mix16(u: int, v: int, mul: int = K_MUL) -> int:
    r"""Two words folded into one: a = ((u ^ v) mul) mixed, b = ((v ^ a) mul) mixed, times mul."""
    a = _shift_mix(((u ^ v) * mul) & MASK)
    b = _shift_mix(((v ^ a) * mul) & MASK)
    return (b * mul) & MASK


def _short(data: bytes) -> int:
    n = len(data)
    if n >= 8:
        mul = K2 + 2 * n
        a = (_word(data, 0) + K2) & MASK
        b = _word(data, n - 8)
        c = (_rotate(b, 37) * mul + a) & MASK
        d = ((_rotate(a, 25) + b) * mul) & MASK
        return _mix16(c, d, mul)
    if n >= 4:
        mul = K2 + 2 * n
        return _mix16((n + (_word(data, 0, 4) << 3)) & MASK, _word(data, n - 4, 4), mul)
    if n > 0:
        y = data[0] + (data[n >> 1] << 8)
        z = n + (data[n - 1] << 2)
        return (_shift_mix(((y * K2) ^ (z * K0)) & MASK) * K2) & MASK
    return K2


def _medium(data: bytes) -> int:
    n = len(data)
    mul = K2 + 2 * n
    a = (_word(data, 0) * K1) & MASK
    b = _word(data, 8)
    c = (_word(data, n - 8) * mul) & MASK
    d = (_word(data, n - 16) * K2) & MASK
    return _mix16((_rotate((a + b) & MASK, 43) + _rotate(c, 30) + d) & MASK,
                  (a + _rotate((b + K2) & MASK, 18) + c) & MASK, mul)


def _long(data: bytes) -> int:
    n = len(data)
    mul = K2 + 2 * n
    a = (_word(data, 0) * K2) & MASK
    b = _word(data, 8)
    c = (_word(data, n - 8) * mul) & MASK
    d = (_word(data, n - 16) * K2) & MASK
    y = (_rotate((a + b) & MASK, 43) + _rotate(c, 30) + d) & MASK
    z = _mix16(y, (a + _rotate((b + K2) & MASK, 18) + c) & MASK, mul)
    e = (_word(data, 16) * mul) & MASK
    f = _word(data, 24)
    g = ((y + _word(data, n - 32)) * mul) & MASK
    h = ((z + _word(data, n - 24)) * mul) & MASK
    return _mix16((_rotate((e + f) & MASK, 43) + _rotate(g, 30) + h) & MASK,
                  (e + _rotate((f + a) & MASK, 18) + g) & MASK, mul)


def _weak32(data: bytes, at: int, a: int, b: int) -> tuple[int, int]:
    w, x, y, z = (_word(data, at + 8 * i) for i in range(4))
    a = (a + w) & MASK
    b = _rotate((b + a + z) & MASK, 21)
    c = a
    a = (a + x + y) & MASK
    b = (b + _rotate(a, 44)) & MASK
    return (a + z) & MASK, (b + c) & MASK


def _chunk(data, at, state, mul, last=False):
    r"""One 64-byte block folded into the state (x, y, z, v, w); the last block mixes a little more."""
    x, y, z, v, w = state
    x = (_rotate((x + y + v[0] + _word(data, at + 8)) & MASK, 37) * mul) & MASK
    y = (_rotate((y + v[1] + _word(data, at + 48)) & MASK, 42) * mul) & MASK
    x ^= (w[1] * 9) & MASK if last else w[1]
    y = (y + (v[0] * 9 if last else v[0]) + _word(data, at + 40)) & MASK
    z = (_rotate((z + w[0]) & MASK, 33) * mul) & MASK
    v = _weak32(data, at, (v[1] * mul) & MASK, (x + w[0]) & MASK)
    w = _weak32(data, at + 32, (z + w[1]) & MASK, (y + _word(data, at + 16)) & MASK)
    return z, y, x, v, w                                    # x and z change places


def fingerprint64(data: bytes) -> int:
    r"""FarmHash Fingerprint64 of ``data``: TensorFlow's ``Fingerprint64``, the bins of an unsalted Hashing."""
    n = len(data)
    if n <= 16:
        return _short(data)
    if n <= 32:
        return _medium(data)
    if n <= 64:
        return _long(data)
    seed = 81
    y = (seed * K1 + 113) & MASK
    state = ((seed * K2 + _word(data, 0)) & MASK, y, (_shift_mix((y * K2 + 113) & MASK) * K2) & MASK,
             (0, 0), (0, 0))
    end = ((n - 1) // 64) * 64
    for at in range(0, end, 64):
        state = _chunk(data, at, state, K1)
    x, y, z, v, w = state
    mul = K1 + ((z & 0xff) << 1)
    w0 = (w[0] + ((n - 1) & 63)) & MASK
    v0 = (v[0] + w0) & MASK
    w0 = (w0 + v0) & MASK
    x, y, z, v, w = _chunk(data, n - 64, (x, y, z, (v0, v[1]), (w0, w[1])), mul, last=True)
    return _mix16((_mix16(v[0], w[0], mul) + _shift_mix(y) * K0 + z) & MASK,
                  (_mix16(v[1], w[1], mul) + x) & MASK, mul)


def _sip_round(v0, v1, v2, v3):
    v0 = (v0 + v1) & MASK
    v1 = _rotate(v1, 64 - 13) ^ v0
    v0 = _rotate(v0, 32)
    v2 = (v2 + v3) & MASK
    v3 = _rotate(v3, 64 - 16) ^ v2
    v0 = (v0 + v3) & MASK
    v3 = _rotate(v3, 64 - 21) ^ v0
    v2 = (v2 + v1) & MASK
    v1 = _rotate(v1, 64 - 17) ^ v2
    v2 = _rotate(v2, 32)
    return v0, v1, v2, v3


def siphash(k0: int, k1: int, data: bytes) -> int:
    r"""SipHash-2-4 of ``data`` under the key (k0, k1): 2 rounds per 8-byte word, 4 to finish; the
    bins of a Hashing layer with ``salt=[k0, k1]``."""
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]
    n = len(data)
    tail = n - n % 8
    words = [_word(data, at) for at in range(0, tail, 8)]
    words.append(_word(data, tail) | ((n & 0xff) << 56))     # the last bytes and the length
    for m in words:
        v[3] ^= m
        v = list(_sip_round(*_sip_round(*v)))
        v[0] ^= m
    v[2] ^= 0xff
    for _ in range(4):
        v = list(_sip_round(*v))
    return v[0] ^ v[1] ^ v[2] ^ v[3]
