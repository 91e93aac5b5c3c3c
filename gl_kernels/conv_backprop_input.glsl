// Conv2DBackpropInput as a gather per input pixel: dx[n, h, w, c] is the sum, over the taps t that
// some output pixel (oh, ow) reads (h, w) with, and over output channels k, of
// dy[n, oh, ow, k] * filters[ti, tj, c, k]. Output [parts, BATCH, IN_H, IN_W, IN_C]: part p sums
// part_ranges(p) (channels are output channels). Defines: conv_window.glsl's, IN_C, OUT_C (= REDUCED_C).

OUT_T compute(int i) {
    int part, n, h, w, c, tap_begin, tap_end, k_begin, k_end;
    decode_pixel(i, IN_H, IN_W, IN_C, part, n, h, w, c);
    part_ranges(part, tap_begin, tap_end, k_begin, k_end);
    vec4 sums = vec4(0.0);
    float tail = 0.0;
    for (int t = tap_begin; t < tap_end; ++t) {
        int ti = t / KW, tj = t - (t / KW) * KW, oh, ow;
        if (!tap_output(h, w, ti, tj, oh, ow)) continue;
        int di = ((n * OUT_H + oh) * OUT_W + ow) * OUT_C;
        int fi = (t * IN_C + c) * OUT_C;
        int k = k_begin;
        for (; k + 4 <= k_end; k += 4) {
            sums += vec4(dy_get(di + k), dy_get(di + k + 1), dy_get(di + k + 2), dy_get(di + k + 3))
                  * vec4(filters_get(fi + k), filters_get(fi + k + 1), filters_get(fi + k + 2),
                         filters_get(fi + k + 3));
        }
        for (; k < k_end; ++k) tail += dy_get(di + k) * filters_get(fi + k);
    }
    return OUT_T((sums.x + sums.y) + (sums.z + sums.w) + tail);
}
