// Dropout: x * scale where the element's uniform noise is >= threshold, else 0 (uniforms threshold, scale).
// The noise is random_unit(i) (needs philox.glsl) or, with BROADCAST_NOISE, the tensor `noise` broadcast to x.
OUT_T compute(int i) {
#ifdef BROADCAST_NOISE
    float noise = noise_get(noise_bcast(i));
#else
    float noise = random_unit(i);
#endif
    return noise >= threshold ? x_get(i) * scale : 0.0;
}
