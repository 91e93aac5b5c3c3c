"""Random kernels over a stateless counter-based generator: Philox4x32-10, as TensorFlow uses it.

Every value is a pure function of the kernel's seed pair (seed0, seed1), both in
[0, 2**64), and the element's index, so a GL shader that implements the steps
below produces the same bits as this module:

1. Key and counter from the seed pair (TensorFlow's stateless `GenerateKey`):
   one Philox block under key (0x3EC8F720, 0x02461E29) on counter
   (lo32(seed0), hi32(seed0), lo32(seed1), hi32(seed1)) gives words m0..m3;
   the key is (m0, m1) and block b's counter is (lo32(b), hi32(b), m2, m3).
2. Uniform bits: element i is word i % 4 of block i // 4.
3. float32 uniform in [0, 1): bitcast((w & 0x7FFFFF) | 0x3F800000) - 1;
   float16: bitcast16((w & 0x3FF) | 0x3C00) - 1.
   int32 in [lo, hi): (lo + w % (hi - lo)) mod 2**32, hi - lo <= 2**32.
4. Normal: words (w0, w1) and (w2, w3) of block i // 4 each give two values by
   Box-Muller: u = max(float32 uniform(w0), 1e-7), v = 2*pi*uniform(w1),
   r = sqrt(-2 ln u); the pair is (r sin v, r cos v); element i is value i % 4.
5. Truncated normal: elements 4g..4g+3 are the first four values with |z| < 2
   among the Box-Muller values of blocks 256g, 256g + 1, ... in order (TensorFlow
   reserves 256 blocks per group of four).
6. Shuffle: row i gets the 64-bit key (w0 << 32) | w1 of block i; rows are
   ordered by key, ties by index.

Steps 1-5 reproduce TensorFlow's stateless_random_uniform (and so the masks of
its stateless_dropout) bit for bit, and its stateless normal and truncated normal
to float32 rounding of sin, cos and log. The shuffle is this engine's own.
"""
import functools

import numpy as np

from .kernel import cpu_kernel

_LOW32 = 0xFFFFFFFF
_MULTIPLIERS = (0xD2511F53, 0xCD9E8D57)
_KEY_STEPS = (0x9E3779B9, 0xBB67AE85)
_SEED_SCRAMBLE_KEY = (0x3EC8F720, 0x02461E29)
_BOX_MULLER_FLOOR = np.float32(1e-7)
_FEW_BLOCKS = 8


def philox(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of one counter (four 32-bit Python ints) under key (k0, k1)."""
    m0, m1 = _MULTIPLIERS
    for _ in range(10):
        p0 = c0 * m0
        p1 = c2 * m1
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & _LOW32, (p0 >> 32) ^ c3 ^ k1, p0 & _LOW32
        k0 = (k0 + _KEY_STEPS[0]) & _LOW32
        k1 = (k1 + _KEY_STEPS[1]) & _LOW32
    return c0, c1, c2, c3


def philox_arrays(c0, c1, c2, c3, k0, k1):
    """`philox` on uint64 arrays of counter words, in place (they are consumed); returns the four word arrays."""
    m0, m1 = (np.uint64(m) for m in _MULTIPLIERS)
    shift, low = np.uint64(32), np.uint64(_LOW32)
    high = np.empty_like(c0)
    for _ in range(10):
        c0 *= m0
        c2 *= m1
        np.right_shift(c2, shift, out=high)
        c1 ^= high
        c1 ^= np.uint64(k0)
        c2 &= low
        np.right_shift(c0, shift, out=high)
        c3 ^= high
        c3 ^= np.uint64(k1)
        c0 &= low
        c0, c1, c2, c3 = c1, c2, c3, c0
        k0 = (k0 + _KEY_STEPS[0]) & _LOW32
        k1 = (k1 + _KEY_STEPS[1]) & _LOW32
    return c0, c1, c2, c3


@functools.lru_cache(maxsize=4096)
def key_and_counter(seed0, seed1):
    """((k0, k1), (c2, c3)): the Philox key and the fixed counter words for a seed pair."""
    m0, m1, m2, m3 = philox(seed0 & _LOW32, seed0 >> 32, seed1 & _LOW32, seed1 >> 32, *_SEED_SCRAMBLE_KEY)
    return (m0, m1), (m2, m3)


def _blocks(block_ids, seed0, seed1):
    """The words of the Philox blocks with 64-bit indices `block_ids` (uint64), as an (n, 4) uint32 array."""
    (k0, k1), (c2, c3) = key_and_counter(seed0, seed1)
    n = block_ids.size
    if n <= _FEW_BLOCKS:
        # numpy's per-call overhead (about 100 calls here) outweighs Python ints for a few blocks.
        words = [philox(b & _LOW32, b >> 32, c2, c3, k0, k1) for b in block_ids.tolist()]
        return np.array(words, np.uint32).reshape(n, 4)
    counter = (block_ids & np.uint64(_LOW32), block_ids >> np.uint64(32),
               np.full(n, c2, np.uint64), np.full(n, c3, np.uint64))
    out = np.empty((n, 4), np.uint32)
    for column, word in enumerate(philox_arrays(*counter, k0, k1)):
        out[:, column] = word
    return out


def random_bits(size, seed0, seed1):
    """`size` uint32 words (read-only): element i is word i % 4 of block i // 4."""
    if size <= _REMEMBERED_BITS:
        return _remembered_bits(size, seed0, seed1)
    return _random_bits(size, seed0, seed1)


def _random_bits(size, seed0, seed1):
    bits = _blocks(np.arange(-(-size // 4), dtype=np.uint64), seed0, seed1).reshape(-1)[:size]
    bits.flags.writeable = False
    return bits


# A training step draws each dropout mask twice, for the layer and for its gradient, from the same seed pair:
# the second draw of a small mask is remembered rather than computed again.
_REMEMBERED_BITS = 1 << 16
_remembered_bits = functools.lru_cache(maxsize=8)(_random_bits)


def bits_to_unit_float(bits, dtype):
    """Uniform floats in [0, 1) from uint32 words, by TensorFlow's mantissa construction."""
    if dtype == np.float16:
        half_bits = ((bits & 0x3FF) | 0x3C00).astype(np.uint16)
        return half_bits.view(np.float16) - np.float16(1)
    return ((bits & 0x7FFFFF) | 0x3F800000).view(np.float32) - np.float32(1)


def uniform_floats(shape, dtype, seed0, seed1):
    size = int(np.prod(shape, dtype=np.int64))
    return bits_to_unit_float(random_bits(size, seed0, seed1), dtype).reshape(shape)


def _box_muller(radius_words, angle_words):
    """Two float32 standard normals per pair of uint32 words, as TensorFlow's BoxMullerFloat."""
    u = np.maximum(bits_to_unit_float(radius_words, np.float32), _BOX_MULLER_FLOOR)
    angle = (2 * np.pi * bits_to_unit_float(angle_words, np.float32).astype(np.float64)).astype(np.float32)
    radius = np.sqrt(np.float32(-2) * np.log(u))
    return np.sin(angle) * radius, np.cos(angle) * radius


@cpu_kernel("RandomUniform")
def random_uniform(*, shape, dtype, seed0, seed1):
    return uniform_floats(shape, dtype.as_numpy_dtype, seed0, seed1)


@cpu_kernel("RandomUniformInt")
def random_uniform_int(*, shape, minval, maxval, seed0, seed1):
    size = int(np.prod(shape, dtype=np.int64))
    bits = random_bits(size, seed0, seed1).astype(np.uint64)
    values = (bits % np.uint64(maxval - minval) + np.uint64(minval & _LOW32)) & np.uint64(_LOW32)
    return values.astype(np.uint32).view(np.int32).reshape(shape)


def _normals(words):
    """The four Box-Muller values of each row of an (n, 4) block array."""
    values = np.empty(words.shape, np.float32)
    values[:, 0], values[:, 1] = _box_muller(words[:, 0], words[:, 1])
    values[:, 2], values[:, 3] = _box_muller(words[:, 2], words[:, 3])
    return values


@cpu_kernel("RandomStandardNormal")
def random_standard_normal(*, shape, dtype, seed0, seed1):
    size = int(np.prod(shape, dtype=np.int64))
    values = _normals(random_bits(-(-size // 4) * 4, seed0, seed1).reshape(-1, 4))
    return values.reshape(-1)[:size].astype(dtype.as_numpy_dtype, copy=False).reshape(shape)


_TRUNCATED_GROUP_BLOCKS = 256


def _place_within_two(values, filled, groups, candidates):
    """Append each group's candidates with |z| < 2, in order, after the values it already has."""
    accepted = np.abs(candidates) < 2
    slot = filled[groups][:, np.newaxis] + np.cumsum(accepted, axis=1) - 1
    write = accepted & (slot < 4)
    rows = np.broadcast_to(groups[:, np.newaxis], write.shape)
    values[rows[write], slot[write]] = candidates[write]
    filled[groups] = np.minimum(filled[groups] + accepted.sum(axis=1), 4)


@cpu_kernel("TruncatedNormal")
def truncated_normal(*, shape, dtype, seed0, seed1):
    size = int(np.prod(shape, dtype=np.int64))
    num_groups = -(-size // 4)
    first_blocks = np.arange(num_groups, dtype=np.uint64) * np.uint64(_TRUNCATED_GROUP_BLOCKS)
    values = _normals(_blocks(first_blocks, seed0, seed1))
    # Most groups keep their first four values; only the others are compacted and topped up.
    pending = np.flatnonzero(np.any(np.abs(values) >= 2, axis=1))
    filled = np.full(num_groups, 4, np.intp)
    filled[pending] = 0
    _place_within_two(values, filled, pending, values[pending])
    offset = 1
    pending = pending[filled[pending] < 4]
    while pending.size:
        blocks = first_blocks[pending] + np.uint64(offset)
        _place_within_two(values, filled, pending, _normals(_blocks(blocks, seed0, seed1)))
        pending = pending[filled[pending] < 4]
        offset += 1
    return values.reshape(-1)[:size].astype(dtype.as_numpy_dtype, copy=False).reshape(shape)


@cpu_kernel("RandomShuffle")
def random_shuffle(x, *, seed0, seed1):
    words = _blocks(np.arange(x.shape[0], dtype=np.uint64), seed0, seed1).astype(np.uint64)
    keys = (words[:, 0] << np.uint64(32)) | words[:, 1]
    return x[np.argsort(keys, kind="stable")]
