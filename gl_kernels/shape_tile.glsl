// Tile: every output coordinate reads x at that coordinate modulo x's extent along its axis.
OUT_T compute(int i) {
    int source = 0;
    int rest = i;
    for (int k = 0; k < out_shape.length(); ++k) {
        int coord = rest / out_strides[k];
        rest -= coord * out_strides[k];
        source += (coord % x_shape[k]) * x_strides[k];
    }
    return x_get(source);
}
