// Conv2D as a direct loop per output element: out[n, oh, ow, oc] is the sum over taps t = (ti, tj)
// and channels c of x[n, h, w, c] * filters[ti, tj, c, oc], (h, w) the pixel tap t reads (the
// padding reads 0). Output [parts, BATCH, OUT_H, OUT_W, OUT_C]: part p sums part_ranges(p).
// Defines: conv_window.glsl's, IN_C (= REDUCED_C), OUT_C.

OUT_T compute(int i) {
    int part, n, oh, ow, oc, tap_begin, tap_end, c_begin, c_end;
    decode_pixel(i, OUT_H, OUT_W, OUT_C, part, n, oh, ow, oc);
    part_ranges(part, tap_begin, tap_end, c_begin, c_end);
    vec4 sums = vec4(0.0);
    float tail = 0.0;
    for (int t = tap_begin; t < tap_end; ++t) {
        int ti = t / KW, tj = t - (t / KW) * KW, h, w;
        if (!tap_input(oh, ow, ti, tj, h, w)) continue;
        int xi = ((n * IN_H + h) * IN_W + w) * IN_C;
        int fi = t * IN_C * OUT_C + oc;
        int c = c_begin;
        for (; c + 4 <= c_end; c += 4) {
            sums += vec4(x_get(xi + c), x_get(xi + c + 1), x_get(xi + c + 2), x_get(xi + c + 3))
                  * vec4(filters_get(fi + c * OUT_C), filters_get(fi + (c + 1) * OUT_C),
                         filters_get(fi + (c + 2) * OUT_C), filters_get(fi + (c + 3) * OUT_C));
        }
        for (; c < c_end; ++c) tail += x_get(xi + c) * filters_get(fi + c * OUT_C);
    }
    return OUT_T((sums.x + sums.y) + (sums.z + sums.w) + tail);
}
