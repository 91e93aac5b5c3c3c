// A Mean metric's update (engine/ops/training.py) in one dispatch of one workgroup: out_data = total +
// sum(values) (times increment where WEIGHTED), out1_data = count + increment. Defines: COUNT (values, at
// least 1), WEIGHTED (0/1).
layout(local_size_x = 256) in;   // a literal: GLSL 4.30 takes no expression there
const int THREADS = 256;

shared float partial[THREADS];

void main() {
    int t = int(gl_LocalInvocationID.x);
    float sum = 0.0;
    for (int i = t; i < COUNT; i += THREADS) sum += uintBitsToFloat(values_data[i]);
    partial[t] = sum;
    barrier();
    for (int stride = THREADS / 2; stride > 0; stride >>= 1) {
        if (t < stride) partial[t] += partial[t + stride];
        barrier();
    }
    if (t == 0) {
        float added = partial[0];
#if WEIGHTED
        added *= uintBitsToFloat(increment_data[0]);
#endif
        out_data[0] = floatBitsToUint(uintBitsToFloat(total_data[0]) + added);
        out1_data[0] = floatBitsToUint(uintBitsToFloat(count_data[0]) + uintBitsToFloat(increment_data[0]));
    }
}
