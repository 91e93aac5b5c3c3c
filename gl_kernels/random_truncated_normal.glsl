// TruncatedNormal: elements 4g..4g+3 are the first four normals with |z| < 2 among the Box-Muller values
// of blocks 256g, 256g + 1, ... in order (needs philox.glsl and random_normal_math.glsl). Four values need
// a second block about once in six groups; the search stops at the 256 blocks TensorFlow reserves per
// group, whose 1024 candidates all fail with a probability far below 1e-300.
OUT_T compute(int i) {
    uint group = uint(i >> 2);
    int skip = i & 3;                       // accepted values that belong to the group's earlier elements
    uint first_lo = group << 8, first_hi = group >> 24;
    for (uint offset = 0u; offset < 256u; ++offset) {
        uint block_lo = first_lo + offset;
        vec4 z = normals_of_block(block_lo, first_hi + (block_lo < first_lo ? 1u : 0u));
        for (int k = 0; k < 4; ++k) {
            if (abs(z[k]) < 2.0) {
                if (skip == 0) return z[k];
                --skip;
            }
        }
    }
    return uintBitsToFloat(0x7FC00000u);    // NaN: unreachable in practice (see above)
}
