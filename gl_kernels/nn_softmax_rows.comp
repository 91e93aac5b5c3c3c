// Softmax or log-softmax over the last axis, one workgroup per row, in one pass: the row is held
// in registers (PER_THREAD values a thread, strided so a warp's loads are contiguous), its max and
// its sum of exp(x - max) are reduced in shared memory, and the outputs written from the registers.
// A NaN makes the row's max NaN, as numpy's max does.
// Defines: ROWS, ROW_SIZE, THREADS (a power of two), PER_THREAD = ceil(ROW_SIZE / THREADS), LOG_SOFTMAX (0/1).
layout(local_size_x = THREADS) in;

shared float partial[THREADS];

float max_or_nan(float a, float b) { return (a > b || isnan(a)) ? a : b; }

float reduce_max(float value, int t) {
    partial[t] = value;
    barrier();
    for (int stride = THREADS / 2; stride > 0; stride >>= 1) {
        if (t < stride) partial[t] = max_or_nan(partial[t], partial[t + stride]);
        barrier();
    }
    float result = partial[0];
    barrier();
    return result;
}

float reduce_sum(float value, int t) {
    partial[t] = value;
    barrier();
    for (int stride = THREADS / 2; stride > 0; stride >>= 1) {
        if (t < stride) partial[t] += partial[t + stride];
        barrier();
    }
    float result = partial[0];
    barrier();
    return result;
}

void main() {
    int row = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x);
    if (row >= ROWS) return;   // uniform across the workgroup, so no barrier is skipped by some threads only
    int t = int(gl_LocalInvocationID.x);
    int base = row * ROW_SIZE;
    float values[PER_THREAD];
    float top = uintBitsToFloat(0xFF800000u);
    for (int j = 0; j < PER_THREAD; ++j) {
        int column = t + j * THREADS;
        values[j] = column < ROW_SIZE ? uintBitsToFloat(x_data[base + column]) : uintBitsToFloat(0xFF800000u);
        top = max_or_nan(top, values[j]);
    }
    top = reduce_max(top, t);
    float total = 0.0;
    for (int j = 0; j < PER_THREAD; ++j) {
        if (t + j * THREADS < ROW_SIZE) total += exp(values[j] - top);
    }
    total = reduce_sum(total, t);
    for (int j = 0; j < PER_THREAD; ++j) {
        int column = t + j * THREADS;
        if (column >= ROW_SIZE) break;
#if LOG_SOFTMAX
        out_data[base + column] = floatBitsToUint(values[j] - top - log(total));
#else
        out_data[base + column] = floatBitsToUint(exp(values[j] - top) / total);
#endif
    }
}
