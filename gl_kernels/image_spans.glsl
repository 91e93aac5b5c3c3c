// Resize spans along one axis (the cpu kernels' _bilinear_spans, _nearest_indices and
// _triangle_spans): output sample o of OUT_LEN is a weighted sum of TAPS input samples of
// IN_LEN. One SPAN_* define picks the filter; the float32 scales are uniforms computed as
// the cpu computes them, so the positions round the same way.

// TF's half-pixel nearest: floor((o + 0.5) * in/out), clamped to the last sample.
int nearest_index(int o, float scale, int in_len) {
    return min(int(floor((float(o) + 0.5) * scale)), in_len - 1);
}

#ifdef TAPS
// Uniforms (declared by the runtime): bilinear and nearest spans take `scale` = float32(in) /
// float32(out); triangle spans `inv_scale` = float32(1 / (float32(out) / float32(in))) and
// `kernel_scale` = max(inv_scale, 1) (the triangle widens when downsampling).

void span(int o, out int index[TAPS], out float weight[TAPS]) {
#if defined(SPAN_BILINEAR)
    float src = (float(o) + 0.5) * scale - 0.5;
    float lower = floor(src);
    float lerp = src - lower;
    index[0] = int(max(lower, 0.0));
    index[1] = int(min(ceil(src), float(IN_LEN - 1)));
    weight[0] = 1.0 - lerp;
    weight[1] = lerp;
#elif defined(SPAN_NEAREST)
    index[0] = nearest_index(o, scale, IN_LEN);
    weight[0] = 1.0;
#else
    float sample_at = (float(o) + 0.5) * inv_scale;
    int start = int(clamp(ceil(sample_at - kernel_scale - 0.5), 0.0, float(IN_LEN - 1)));
    int end = int(clamp(floor(sample_at + kernel_scale - 0.5), 0.0, float(IN_LEN - 1))) + 1;
    float total = 0.0;
    for (int t = 0; t < TAPS; ++t) {
        int at = start + t;
        float position = float(at) + 0.5 - sample_at;
        float w = at < end ? max(0.0, 1.0 - abs(position / kernel_scale)) : 0.0;
        index[t] = min(at, IN_LEN - 1);
        weight[t] = w;
        total += w;
    }
    // A span whose weights all but vanish contributes nothing (TF's guard against dividing by ~0).
    bool usable = abs(total) >= 1.1754944e-35;
    for (int t = 0; t < TAPS; ++t) weight[t] = usable ? weight[t] / total : 0.0;
#endif
}
#endif
