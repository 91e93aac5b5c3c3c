// Range and LinSpace: element i is start + i * step (LinSpace's last element is `last`, stop itself).
// The cpu kernels compute in float64 and round once to the output dtype. Here start + i * step is summed
// from exact float32 terms into an unevaluated pair (hi, lo) of ~48 bits and rounded once, so the result
// is the same except within ~2^-48 (relative) of a rounding boundary.
// Uniforms: start0..start2 (start is their sum), step0..step4 (pieces of <= 12 significant bits each, so
// their products with 12-bit pieces of i are exact, with or without fused multiply-adds), and `unscale`
// (a power of two: sequences near float32's limit are computed scaled down).
#ifdef INTEGER_SEQUENCE
int compute(int i) { return start + i * delta; }   // wraps modulo 2^32, as the cpu's int64 -> int32 cast
#else    // after binary_float_pairs.glsl
#ifdef HALF_OUTPUT
// hi is rounded to float16 after compute(): when it sits exactly halfway between two halves but the
// exact value does not (lo != 0), move it one float32 ulp towards lo so that rounding goes the right way.
float towards_rest(float hi, float lo) {
    uint bits = floatBitsToUint(hi);
    bool halfway = abs(hi) >= 6.103515625e-05 ? (bits & 0x1fffu) == 0x1000u
                                               : fract(abs(hi) * 16777216.0) == 0.5;
    if (lo == 0.0 || !halfway) return hi;
    return uintBitsToFloat((lo > 0.0) == (hi > 0.0) ? bits + 1u : bits - 1u);
}
#endif

float compute(int i) {
#ifdef ENDS_AT_LAST
    if (i == OUT_SIZE - 1) return last;
#endif
    if (isinf(start0) || isnan(start0) || isinf(step0) || isnan(step0)) return (start0 + float(i) * step0) * unscale;
    float count_pieces[3] = float[3](float(i & 4095), float((i >> 12) & 4095) * 4096.0,
                                     float(i >> 24) * 16777216.0);
    float step_pieces[5] = float[5](step0, step1, step2, step3, step4);
    vec2 total = pair_add_float(pair_two_sum(start0, start1), start2);
    for (int c = 0; c < 3; ++c) {
        for (int s = 0; s < 5; ++s) total = pair_add_float(total, count_pieces[c] * step_pieces[s]);
    }
    vec2 rounded = pair_two_sum(total.x, total.y);
#ifdef HALF_OUTPUT
    return towards_rest(rounded.x, rounded.y) * unscale;
#else
    return rounded.x * unscale;
#endif
}
#endif
