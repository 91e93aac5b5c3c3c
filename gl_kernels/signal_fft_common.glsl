// Shared by the FFT programs (signal_dft.glsl, signal_fft_stage.glsl). Every row of x is one
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

// exp(SIGN * 2 pi i m / n) for 0 <= m < n < 2^29. The quadrant and the octant are split off in
// integers, so the polynomials (Cephes sinf / cosf) only ever see an angle in [0, pi/4] and
// large n loses no accuracy to a big float angle.
vec2 unit_root(int m, int n) {
    int quadrant = 4 * m / n;
    int r = 4 * m - quadrant * n;            // angle within the quadrant: (pi / 2) * r / n
    bool complement = 2 * r > n;             // past pi/4: use pi/2 - angle and swap sin and cos
    float theta = 1.57079632679490 * (float(complement ? n - r : r) / float(n));
    float z = theta * theta;
    float s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * theta + theta;
    float c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z
              - 0.5 * z + 1.0;
    vec2 v = complement ? vec2(s, c) : vec2(c, s);
    if (quadrant == 1) v = vec2(-v.y, v.x);
    else if (quadrant == 2) v = -v;
    else if (quadrant == 3) v = vec2(v.y, -v.x);
    return vec2(v.x, SIGN * v.y);
}

#ifdef OUTPUT_REAL
float output_of(vec2 v) { return v.x; }
#else
vec2 output_of(vec2 v) { return v; }
#endif
