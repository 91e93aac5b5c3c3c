// A strided view of x, copied: output element i reads x at `offset` + sum_k coord_k(i) * steps[k].
// Transpose, reverse, strided slices and split pieces are all this one index map (shape.py merges the
// axes it can, so there are usually one or two). STEPS is an int[rank] constructor; `offset` is a uniform.
const int source_steps[] = STEPS;

OUT_T compute(int i) {
    int source = offset;
    int rest = i;
    for (int k = 0; k < source_steps.length(); ++k) {
        int coord = rest / out_strides[k];
        rest -= coord * out_strides[k];
        source += coord * source_steps[k];
    }
    return x_get(source);
}
