// Philox4x32-10 and uniform floats from its words, as engine/backends/cpu/random.py defines them.
// The seed pair's key and counter words (its step 1) are computed on the host and arrive as the
// uniforms philox_key0, philox_key1, philox_counter2, philox_counter3.
// Only GLSL 3.30 integer operations: no umulExtended.

// The 64-bit product a * b as (hi, lo), from 16-bit halves.
void mul_32x32(uint a, uint b, out uint hi, out uint lo) {
    uint a0 = a & 0xFFFFu, a1 = a >> 16;
    uint b0 = b & 0xFFFFu, b1 = b >> 16;
    uint cross0 = a0 * b1, cross1 = a1 * b0;
    uint carry = ((a0 * b0) >> 16) + (cross0 & 0xFFFFu) + (cross1 & 0xFFFFu);
    hi = a1 * b1 + (cross0 >> 16) + (cross1 >> 16) + (carry >> 16);
    lo = a * b;
}

// The four words of Philox block (block_hi << 32) | block_lo under the uniform key and counter.
uvec4 philox_block(uint block_lo, uint block_hi) {
    uvec4 c = uvec4(block_lo, block_hi, philox_counter2, philox_counter3);
    uint k0 = philox_key0, k1 = philox_key1;
    for (int r = 0; r < 10; ++r) {
        uint hi0, lo0, hi1, lo1;
        mul_32x32(c.x, 0xD2511F53u, hi0, lo0);
        mul_32x32(c.z, 0xCD9E8D57u, hi1, lo1);
        c = uvec4(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return c;
}

// Random word i: word i % 4 of block i / 4.
uint random_word(int i) {
    return philox_block(uint(i >> 2), 0u)[i & 3];
}

// float32 uniform in [0, 1) from the low 23 bits (exact: 1 + m / 2**23 - 1 = m / 2**23).
float unit_float(uint word) {
    return uintBitsToFloat((word & 0x7FFFFFu) | 0x3F800000u) - 1.0;
}

// float16 uniform in [0, 1) from the low 10 bits, exactly as float32 holds it (m / 2**10).
float unit_half(uint word) {
    return float(word & 0x3FFu) * (1.0 / 1024.0);
}

// The uniform of random word i in the output's float type (HALF: float16).
float random_unit(int i) {
#ifdef HALF
    return unit_half(random_word(i));
#else
    return unit_float(random_word(i));
#endif
}
