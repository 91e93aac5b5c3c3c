// The adjoint of image_resample.glsl along one axis, as a gather: x (the gradient) viewed as
// [outer, OUT_LEN, INNER] becomes [outer, IN_LEN, INNER]; input sample h sums weight * x over
// every output sample o whose span has a tap at h. Those o lie within `reach` input samples
// (the filter radius plus half a sample of edge clamping) of h, i.e. in a window of at most
// WINDOW outputs starting near (h - reach) * out_per_in (uniforms, out_per_in = OUT_LEN / IN_LEN);
// each candidate's span is recomputed exactly as the forward pass computes it.

OUT_T compute(int i) {
    int inner = i % INNER;
    int rest = i / INNER;
    int h = rest % IN_LEN;
    int base = (rest / IN_LEN) * OUT_LEN * INNER + inner;
    int first = max(0, int(floor((float(h) - reach) * out_per_in - 0.5)) - 1);
    int index[TAPS];
    float weight[TAPS];
    float acc = 0.0;
    for (int candidate = 0; candidate < WINDOW; ++candidate) {
        int o = first + candidate;
        if (o >= OUT_LEN) break;
        span(o, index, weight);
        for (int t = 0; t < TAPS; ++t) {
            if (index[t] == h) acc += weight[t] * float(x_get(base + o * INNER));
        }
    }
    return OUT_T(acc);
}
