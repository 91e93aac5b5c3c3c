// MaxPool: out[n, oh, ow, c] is the largest x[n, h, w, c] over the window's taps inside the input,
// LOWEST when they are all padding; with FLOAT_VALUES a NaN wins, as in numpy's maximum.
// Output [parts, BATCH, OUT_H, OUT_W, IN_C]: part p takes the taps of part_ranges(p).

OUT_T compute(int i) {
    int part, n, oh, ow, c, tap_begin, tap_end, unused_begin, unused_end;
    decode_pixel(i, OUT_H, OUT_W, IN_C, part, n, oh, ow, c);
    part_ranges(part, tap_begin, tap_end, unused_begin, unused_end);
    OUT_T best = LOWEST;
    for (int t = tap_begin; t < tap_end; ++t) {
        int h, w;
        if (!tap_input(oh, ow, t / KW, t - (t / KW) * KW, h, w)) continue;
        OUT_T v = x_get(((n * IN_H + h) * IN_W + w) * IN_C + c);
#ifdef FLOAT_VALUES
        if (v > best || isnan(v)) best = v;
#else
        best = max(best, v);
#endif
    }
    return best;
}
