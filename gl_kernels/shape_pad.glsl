// Pad: output coordinate c reads x at c - pad_before along each axis. Outside x the result is the scalar
// y (CONSTANT mode), or, with MIRROR_EDGE defined, the coordinate is mirrored back inside x: MIRROR_EDGE 1
// (REFLECT) skips the edge element, 0 (SYMMETRIC) repeats it. Paddings never exceed one mirror image.
const int pad_before[] = PAD_BEFORE;

OUT_T compute(int i) {
    int source = 0;
    int rest = i;
    for (int k = 0; k < out_shape.length(); ++k) {
        int padded = rest / out_strides[k];
        rest -= padded * out_strides[k];
        int coord = padded - pad_before[k];
#ifdef MIRROR_EDGE
        if (coord < 0) coord = MIRROR_EDGE - 1 - coord;
        else if (coord >= x_shape[k]) coord = 2 * x_shape[k] - 1 - MIRROR_EDGE - coord;
#else
        if (coord < 0 || coord >= x_shape[k]) return y_get(0);
#endif
        source += coord * x_strides[k];
    }
    return x_get(source);
}
