// DepthwiseConv2dNative as a direct loop per output element: out[n, oh, ow, c * MULTIPLIER + m] is
// the sum over taps t = (ti, tj) of x[n, h, w, c] * filters[ti, tj, c, m], (h, w) the pixel tap t
// reads (the padding reads 0). Output [parts, BATCH, OUT_H, OUT_W, OUT_C]: part p sums the taps of
// part_ranges(p). Defines: conv_window.glsl's, IN_C, MULTIPLIER, OUT_C = IN_C * MULTIPLIER.

OUT_T compute(int i) {
    int part, n, oh, ow, q, tap_begin, tap_end, unused_begin, unused_end;
    decode_pixel(i, OUT_H, OUT_W, OUT_C, part, n, oh, ow, q);
    part_ranges(part, tap_begin, tap_end, unused_begin, unused_end);
    int c = q / MULTIPLIER;
    float acc = 0.0;
    for (int t = tap_begin; t < tap_end; ++t) {
        int ti = t / KW, tj = t - (t / KW) * KW, h, w;
        if (tap_input(oh, ow, ti, tj, h, w)) {
            acc += x_get(((n * IN_H + h) * IN_W + w) * IN_C + c) * filters_get(t * OUT_C + q);
        }
    }
    return OUT_T(acc);
}
