// StridedSliceGrad: output coordinate c (the sliced input's shape) takes dy x at slice position q where
// c = slice_begin + q * slice_step along every axis, 0 <= q < x_shape (x is dy viewed with the slice's
// per-axis counts); elements the slice skipped are 0. SLICE_BEGIN and SLICE_STEP are int[rank] constructors.
const int slice_begin[] = SLICE_BEGIN;
const int slice_step[] = SLICE_STEP;

OUT_T compute(int i) {
    int source = 0;
    int rest = i;
    for (int k = 0; k < slice_step.length(); ++k) {
        int coord = rest / out_strides[k];
        rest -= coord * out_strides[k];
        int step = abs(slice_step[k]);
        int distance = slice_step[k] > 0 ? coord - slice_begin[k] : slice_begin[k] - coord;
        if (distance < 0) return OUT_T(0);
        int q = distance / step;
        if (q * step != distance || q >= x_shape[k]) return OUT_T(0);
        source += q * x_strides[k];
    }
    return x_get(source);
}
