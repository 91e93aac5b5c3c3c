// MaxPoolGrad as a gather per input pixel: dx[n, h, w, c] sums dy[n, oh, ow, c] over the windows
// (oh, ow) that cover (h, w) and whose first tap (row-major) equal to their maximum y is (h, w):
// ties go to the first maximum, as on the cpu. Padding taps hold LOWEST; a NaN equals nothing.
// Inputs x, y (MaxPool's output), dy.

// Whether a tap of window (oh, ow) before pixel (h, w) in row-major order holds `target`.
bool earlier_tap_holds(int n, int oh, int ow, int c, int h, int w, X_T target) {
    int top = oh * SH - PAD_T, left = ow * SW - PAD_L;
    for (int r = top; r <= h; ++r) {
        int end = r < h ? left + KW : w;
        for (int s = left; s < end; ++s) {
            bool inside = r >= 0 && r < IN_H && s >= 0 && s < IN_W;
            if ((inside ? x_get(((n * IN_H + r) * IN_W + s) * IN_C + c) : LOWEST) == target) return true;
        }
    }
    return false;
}

OUT_T compute(int i) {
    int part, n, h, w, c, oh_begin, oh_end, ow_begin, ow_end;
    decode_pixel(i, IN_H, IN_W, IN_C, part, n, h, w, c);
    windows_over(h, w, oh_begin, oh_end, ow_begin, ow_end);
    X_T value = x_get(i);
    OUT_T acc = OUT_T(0);
    for (int oh = oh_begin; oh < oh_end; ++oh) {
        for (int ow = ow_begin; ow < ow_end; ++ow) {
            int o = ((n * OUT_H + oh) * OUT_W + ow) * IN_C + c;
            X_T target = y_get(o);
            if (value == target && !earlier_tap_holds(n, oh, ow, c, h, w, target)) acc += dy_get(o);
        }
    }
    return acc;
}
