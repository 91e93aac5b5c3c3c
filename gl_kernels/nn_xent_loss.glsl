// Cross-entropy loss of row i of `logits` viewed as [outer, ROW_SIZE, INNER], from its statistics `stats`
// (nn_row_stats.glsl): shifted = x - max, log_sum = log(sum(exp(shifted))).
//   default  sum(labels * (log_sum - shifted)) over the row (labels shaped as logits)
//   SPARSE   log_sum - shifted[label], labels one class index per row (INNER is 1); NaN for a label
//            outside [0, ROW_SIZE), as TensorFlow's GPU kernel gives (its CPU kernel raises instead)
OUT_T compute(int i) {
    vec2 row = stats_get(i);
    float log_sum = log(row.y);
#ifdef SPARSE
    int label = labels_get(i);
    if (label < 0 || label >= ROW_SIZE) return uintBitsToFloat(0x7fc00000u);
    return log_sum - (logits_get(i * ROW_SIZE + label) - row.x);
#else
    int outer = i / INNER;
    int base = outer * ROW_SIZE * INNER + (i - outer * INNER);
    float loss = 0.0, block = 0.0;       // summed in blocks of 64, as in nn_row_stats.glsl
    for (int r = 0; r < ROW_SIZE; ++r) {
        int k = base + r * INNER;
        block += labels_get(k) * (log_sum - (logits_get(k) - row.x));
        if ((r & 63) == 63) {
            loss += block;
            block = 0.0;
        }
    }
    return loss + block;
#endif
}
