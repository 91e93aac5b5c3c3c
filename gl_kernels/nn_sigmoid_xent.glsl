// SigmoidCrossEntropyWithLogits of logits x and labels z: max(x, 0) - x * z + log1p(exp(-|x|)).

// log(1 + t) accurate for small t (GLSL has no log1p): the rounding of 1 + t cancels in log(u) / (u - 1).
float log1p_small(float t) {
    float u = 1.0 + t;
    return u == 1.0 ? t : log(u) * (t / (u - 1.0));
}

OUT_T compute(int i) {
    float x = logits_get(i);
    return max(x, 0.0) - x * labels_get(i) + log1p_small(exp(-abs(x)));
}
