// Pooling windows (after conv_window.glsl, whose DH and DW are 1 here).

// The windows [oh_begin, oh_end) x [ow_begin, ow_end) whose taps include input pixel (h, w).
void windows_over(int h, int w, out int oh_begin, out int oh_end, out int ow_begin, out int ow_end) {
    oh_begin = (max(h + PAD_T - KH + 1, 0) + SH - 1) / SH;
    oh_end = min(OUT_H, (h + PAD_T) / SH + 1);
    ow_begin = (max(w + PAD_L - KW + 1, 0) + SW - 1) / SW;
    ow_end = min(OUT_W, (w + PAD_L) / SW + 1);
}

// 1 / the number of input pixels (padding excluded) that window (oh, ow) covers.
float inverse_count(int oh, int ow) {
    int top = oh * SH - PAD_T, left = ow * SW - PAD_L;
    int rows = min(top + KH, IN_H) - max(top, 0);
    int cols = min(left + KW, IN_W) - max(left, 0);
    return 1.0 / float(rows * cols);
}
