// Reduction over one contiguous block of axes. The input x is viewed as
// [outer, REDUCE_SIZE, INNER]; output element i = outer * INNER + inner reduces
// x[outer, :, inner]. The kernel defines REDUCE_INIT, REDUCE_OP(acc, v) and
// REDUCE_FINISH(acc, n) (e.g. a mean divides by n); ACC_T is the accumulator type.
OUT_T compute(int i) {
    int outer = i / INNER;
    int inner = i - outer * INNER;
    int base = outer * REDUCE_SIZE * INNER + inner;
    ACC_T acc = REDUCE_INIT;
    for (int r = 0; r < REDUCE_SIZE; ++r) {
        acc = REDUCE_OP(acc, x_get(base + r * INNER));
    }
    return REDUCE_FINISH(acc, REDUCE_SIZE);
}
