// Elementwise softmax-family outputs of `logits` viewed as [outer, ROW_SIZE, INNER], from the row
// statistics `stats` (nn_row_stats.glsl) with shifted = x - max and log_sum = log(sum(exp(shifted))),
// in the cpu kernels' formulas. One of:
//   SOFTMAX          exp(shifted) / sum
//   LOG_SOFTMAX      shifted - log_sum
//   DENSE_BACKPROP   exp(shifted - log_sum) - labels
//   SPARSE_BACKPROP  exp(shifted - log_sum) - (class == label ? 1 : 0), labels one per row (INNER is 1);
//                    NaN across a row whose label is outside [0, ROW_SIZE)
OUT_T compute(int i) {
    int outer = i / (ROW_SIZE * INNER);
    int inner = i - (i / INNER) * INNER;
    vec2 row = stats_get(outer * INNER + inner);
    float shifted = logits_get(i) - row.x;
#if defined(SOFTMAX)
    return exp(shifted) / row.y;
#elif defined(LOG_SOFTMAX)
    return shifted - log(row.y);
#elif defined(DENSE_BACKPROP)
    return exp(shifted - log(row.y)) - labels_get(i);
#elif defined(SPARSE_BACKPROP)
    int label = labels_get(outer);
    if (label < 0 || label >= ROW_SIZE) return uintBitsToFloat(0x7fc00000u);
    return exp(shifted - log(row.y)) - (i - outer * ROW_SIZE == label ? 1.0 : 0.0);
#endif
}
