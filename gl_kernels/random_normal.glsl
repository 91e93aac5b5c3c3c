// RandomStandardNormal: element i is value i % 4 of the Box-Muller normals of block i / 4; only the pair
// (words 0, 1 or words 2, 3) that holds it is computed (needs philox.glsl and random_normal_math.glsl).
OUT_T compute(int i) {
    uvec4 words = philox_block(uint(i >> 2), 0u);
    vec2 pair = (i & 2) == 0 ? box_muller(words.x, words.y) : box_muller(words.z, words.w);
    return pair[i & 1];
}
