// Sparse softmax cross-entropy on the compute path in one dispatch: one invocation per row computes the row's
// statistics, its loss (out_data) and its backprop (out1_data, the row's ROW_SIZE values), with the arithmetic
// of nn_row_stats.glsl, nn_xent_loss.glsl (SPARSE) and nn_softmax.glsl (SPARSE_BACKPROP), which the other
// cases run as three programs. A label outside [0, ROW_SIZE) gives a NaN loss and a NaN row, as there.
// Defines: ROWS, ROW_SIZE.
layout(local_size_x = 64) in;

float logit(int k) { return uintBitsToFloat(logits_data[k]); }

void main() {
    int row = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * 64 + int(gl_LocalInvocationID.x);
    if (row >= ROWS) return;
    int base = row * ROW_SIZE;
    float top = uintBitsToFloat(0xFF800000u);
    for (int r = 0; r < ROW_SIZE; ++r) {
        float v = logit(base + r);
        if (v > top || isnan(v)) top = v;
    }
    float total = 0.0, block = 0.0;
    for (int r = 0; r < ROW_SIZE; ++r) {
        block += exp(logit(base + r) - top);
        if ((r & 63) == 63) {
            total += block;
            block = 0.0;
        }
    }
    total += block;
    float log_sum = log(total);
    int label = int(labels_data[row]);
    bool known = label >= 0 && label < ROW_SIZE;
    const float nan = uintBitsToFloat(0x7fc00000u);
    out_data[row] = floatBitsToUint(known ? log_sum - (logit(base + label) - top) : nan);
    for (int r = 0; r < ROW_SIZE; ++r) {
        float backprop = exp(logit(base + r) - top - log_sum) - (r == label ? 1.0 : 0.0);
        out1_data[base + r] = floatBitsToUint(known ? backprop : nan);
    }
}
