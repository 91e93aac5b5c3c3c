// Shared by the FFT programs (signal_fft_stage.glsl). Every row of x is one
// sequence of FFT_N complex samples, read by load(row, t) according to a LOAD_* define from
// rows of ROW_IN elements:
//   LOAD_COMPLEX    complex64 rows, ROW_IN == FFT_N;
//   LOAD_REAL       float32 rows, cropped or zero-padded to FFT_N (RFFT);
//   LOAD_HERMITIAN  the non-negative frequency bins of a real signal, cropped or zero-padded to
//                   FFT_N / 2 + 1 and mirrored as conjugates (IRFFT); the imaginary parts of the
//                   DC and Nyquist bins are ignored, as numpy ignores them.
// SIGN is -1.0 for a forward transform and 1.0 for an inverse one; OUTPUT_REAL keeps the real
// part. Output rows hold OUT_ROW elements (the leading bins or samples).

vec2 load(int row, int t) {
#if defined(LOAD_COMPLEX)
    return x_get(row * ROW_IN + t);
#elif defined(LOAD_REAL)
    return t < ROW_IN ? vec2(x_get(row * ROW_IN + t), 0.0) : vec2(0.0);
#else
    bool mirrored = 2 * t > FFT_N;
    int k = mirrored ? FFT_N - t : t;
    if (k >= ROW_IN) return vec2(0.0);
    vec2 z = x_get(row * ROW_IN + k);
    if (k == 0 || 2 * k == FFT_N) z.y = 0.0;
    return mirrored ? vec2(z.x, -z.y) : z;
#endif
}

vec2 complex_mul(vec2 a, vec2 b) { return vec2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

// exp(SIGN * 2 pi i m / width) for 0 <= m < width, width dividing FFT_N: entry m * FFT_N / width
// of y, the table of exp(2 pi i j / FFT_N) computed in float64 and rounded once (the exponent is
// reduced in integers by the callers, so large lengths lose nothing to a big float angle).
vec2 unit_root(int m, int width) {
    vec2 root = y_get(m * (FFT_N / width));
    return vec2(root.x, SIGN * root.y);
}

#ifdef OUTPUT_REAL
float output_of(vec2 v) { return v.x; }
#else
vec2 output_of(vec2 v) { return v; }
#endif
