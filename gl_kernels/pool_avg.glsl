// AvgPool: out[n, oh, ow, c] is the mean of x[n, h, w, c] over the window's taps inside the input.
// Output [parts, BATCH, OUT_H, OUT_W, IN_C]: part p sums (and divides) the taps of part_ranges(p).

OUT_T compute(int i) {
    int part, n, oh, ow, c, tap_begin, tap_end, unused_begin, unused_end;
    decode_pixel(i, OUT_H, OUT_W, IN_C, part, n, oh, ow, c);
    part_ranges(part, tap_begin, tap_end, unused_begin, unused_end);
    float acc = 0.0;
    for (int t = tap_begin; t < tap_end; ++t) {
        int h, w;
        if (tap_input(oh, ow, t / KW, t - (t / KW) * KW, h, w)) acc += x_get(((n * IN_H + h) * IN_W + w) * IN_C + c);
    }
    return OUT_T(acc * inverse_count(oh, ow));
}
