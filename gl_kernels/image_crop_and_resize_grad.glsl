// CropAndResizeGradImage as a gather: x is the gradient [boxes, CROP_H, CROP_W, C], y the
// sampling positions [boxes, CROP_H + CROP_W] (as in image_crop_and_resize.glsl), z the box
// indices. Image pixel (b, h, w, c) sums, over the boxes of image b, every crop sample whose
// taps include it. A box's positions along an axis are monotonic (start + k * step), so the
// samples tapping h form a run found by binary search; only that run is visited.

// The integer keys that bound the samples tapping pixel h: the sample taps h when
// low_key(s) <= h <= high_key(s) (bilinear: ceil and floor; nearest: the rounded position).
#ifdef METHOD_NEAREST
float low_key(float s) { return floor(s + 0.5); }
float high_key(float s) { return floor(s + 0.5); }
#else
float low_key(float s) { return ceil(s); }
float high_key(float s) { return floor(s); }
#endif

// Position `p` of `count` samples starting at `base` in y, read in non-decreasing order.
float sample_in_order(int base, int count, bool ascending, int p) {
    return y_get(base + (ascending ? p : count - 1 - p));
}

// The first p whose low_key (or high_key) reaches `target`; `count` when none does.
int first_reaching(int base, int count, bool ascending, bool high, float target) {
    int lo = 0, hi = count;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        float s = sample_in_order(base, count, ascending, mid);
        if ((high ? high_key(s) : low_key(s)) >= target) hi = mid; else lo = mid + 1;
    }
    return lo;
}

// The weight of pixel h in the taps of position s (0 outside the image of `size` pixels).
float tap_weight(float s, int h, int size) {
    if (!(s >= 0.0 && s <= float(size - 1))) return 0.0;
#ifdef METHOD_NEAREST
    return 1.0;
#else
    float lower = floor(s);
    float lerp = s - lower;
    return (int(lower) == h ? 1.0 - lerp : 0.0) + (int(ceil(s)) == h ? lerp : 0.0);
#endif
}

OUT_T compute(int i) {
    int image = out_coord(i, 0), h = out_coord(i, 1), w = out_coord(i, 2), c = out_coord(i, 3);
    int crop_h = x_shape[1], crop_w = x_shape[2];
    float acc = 0.0;
    for (int box = 0; box < x_shape[0]; ++box) {
        if (z_get(box) != image) continue;
        int rows = box * y_shape[1], cols = rows + crop_h;
        float row_start = y_get(rows), row_stop = y_get(rows + crop_h - 1);
        float col_start = y_get(cols), col_stop = y_get(cols + crop_w - 1);
        bool rows_ascending = row_stop >= row_start;
        bool cols_ascending = col_stop >= col_start;
        // Boxes whose sample range misses the pixel are skipped before any search.
        if (high_key(min(row_start, row_stop)) > float(h) || low_key(max(row_start, row_stop)) < float(h)
            || high_key(min(col_start, col_stop)) > float(w) || low_key(max(col_start, col_stop)) < float(w)) {
            continue;
        }
        int row_first = first_reaching(rows, crop_h, rows_ascending, false, float(h));
        int row_end = first_reaching(rows, crop_h, rows_ascending, true, float(h + 1));
        int col_first = first_reaching(cols, crop_w, cols_ascending, false, float(w));
        int col_end = first_reaching(cols, crop_w, cols_ascending, true, float(w + 1));
        for (int p = row_first; p < row_end; ++p) {
            int row = rows_ascending ? p : crop_h - 1 - p;
            float row_weight = tap_weight(y_get(rows + row), h, out_shape[1]);
            if (row_weight == 0.0) continue;
            for (int q = col_first; q < col_end; ++q) {
                int col = cols_ascending ? q : crop_w - 1 - q;
                float weight = row_weight * tap_weight(y_get(cols + col), w, out_shape[2]);
                acc += float(x_get(((box * crop_h + row) * crop_w + col) * x_shape[3] + c)) * weight;
            }
        }
    }
    return OUT_T(acc);
}
