// One pass of a mixed-radix Stockham (self-sorting) FFT of FFT_N samples per row. FFT_N is
// factored into radices R1 R2 ...; the pass of radix `radix` (a uniform, like `span`, the
// product of the earlier radices) turns sub-transforms of `span` samples into ones of
// width = radix * span, and after the last pass the transform is in natural order. Output o:
//   k = o mod span, r = (o / span) mod radix, j = (o / width) * span + k,
//   out = sum_q load(row, j + q * FFT_N / radix) * exp(SIGN * 2 pi i q (k + r span) / width),
// the exponent q (k + r span) kept reduced modulo width in integers. A prime length is a
// single pass of that radix: the direct DFT. Its sum runs in blocks of `block` (about
// sqrt(radix)) terms added block by block, so rounding grows with 2 sqrt(radix) rather than
// radix (compensated sums do not survive GPU compilers, which may simplify (a + b) - a to b).
// The last pass multiplies by `scale` (1 / FFT_N for an inverse) and keeps OUT_ROW outputs per
// row. Needs signal_fft_common.glsl.
OUT_T compute(int i) {
    int row = i / OUT_ROW;
    int o = i - row * OUT_ROW;
    int width = radix * span;
    int k = o % span;
    int j = (o / width) * span + k;
    int stride = FFT_N / radix;
    int exponent_step = k + ((o / span) % radix) * span;
    vec2 sum = vec2(0.0);
    int m = 0;                               // q * exponent_step mod width
    for (int start = 0; start < radix; start += block) {
        vec2 partial = vec2(0.0);
        for (int q = start; q < min(start + block, radix); ++q) {
            partial += complex_mul(load(row, j + q * stride), unit_root(m, width));
            m += exponent_step;
            if (m >= width) m -= width;
        }
        sum += partial;
    }
    return output_of(sum * scale);
}
