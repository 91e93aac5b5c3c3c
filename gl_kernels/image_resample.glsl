// One axis of a separable resize: x viewed as [outer, IN_LEN, INNER] becomes
// [outer, OUT_LEN, INNER], each output the span-weighted sum of its taps (image_spans.glsl).
OUT_T compute(int i) {
    int inner = i % INNER;
    int rest = i / INNER;
    int o = rest % OUT_LEN;
    int base = (rest / OUT_LEN) * IN_LEN * INNER + inner;
    int index[TAPS];
    float weight[TAPS];
    span(o, index, weight);
    float acc = float(x_get(base + index[0] * INNER)) * weight[0];
    for (int t = 1; t < TAPS; ++t) acc += float(x_get(base + index[t] * INNER)) * weight[t];
    return OUT_T(acc);
}
