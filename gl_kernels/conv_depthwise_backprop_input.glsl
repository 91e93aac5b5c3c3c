// DepthwiseConv2dNativeBackpropInput as a gather per input pixel: dx[n, h, w, c] is the sum, over
// the taps t that some output pixel (oh, ow) reads (h, w) with, and over multipliers m, of
// dy[n, oh, ow, c * MULTIPLIER + m] * filters[ti, tj, c, m]. Output [parts, BATCH, IN_H, IN_W, IN_C]:
// part p sums part_ranges(p) (channels are multipliers). Defines: conv_window.glsl's, IN_C,
// MULTIPLIER (= REDUCED_C), OUT_C = IN_C * MULTIPLIER.

OUT_T compute(int i) {
    int part, n, h, w, c, tap_begin, tap_end, m_begin, m_end;
    decode_pixel(i, IN_H, IN_W, IN_C, part, n, h, w, c);
    part_ranges(part, tap_begin, tap_end, m_begin, m_end);
    float acc = 0.0;
    for (int t = tap_begin; t < tap_end; ++t) {
        int ti = t / KW, tj = t - (t / KW) * KW, oh, ow;
        if (!tap_output(h, w, ti, tj, oh, ow)) continue;
        int di = ((n * OUT_H + oh) * OUT_W + ow) * OUT_C + c * MULTIPLIER;
        int fi = t * OUT_C + c * MULTIPLIER;
        for (int m = m_begin; m < m_end; ++m) acc += dy_get(di + m) * filters_get(fi + m);
    }
    return OUT_T(acc);
}
