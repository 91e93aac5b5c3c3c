// AvgPoolGrad as a gather per input pixel: dx[n, h, w, c] sums dy[n, oh, ow, c] / (the window's
// pixel count) over the windows (oh, ow) that cover (h, w).

OUT_T compute(int i) {
    int part, n, h, w, c, oh_begin, oh_end, ow_begin, ow_end;
    decode_pixel(i, IN_H, IN_W, IN_C, part, n, h, w, c);
    windows_over(h, w, oh_begin, oh_end, ow_begin, ow_end);
    float acc = 0.0;
    for (int oh = oh_begin; oh < oh_end; ++oh) {
        for (int ow = ow_begin; ow < ow_end; ++ow) {
            acc += dy_get(((n * OUT_H + oh) * OUT_W + ow) * IN_C + c) * inverse_count(oh, ow);
        }
    }
    return OUT_T(acc);
}
