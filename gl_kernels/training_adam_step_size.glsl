// Adam's step size (engine/ops/training.py), after binary_pow.glsl and the files it needs: the unfused
// ops' float32 arithmetic, k_pow and k_div included, in one program. Uniforms beta_1, beta_2.
float compute(int i) {
    float step = float(iterations_get(0) + 1);
    float correction_1 = 1.0 - k_pow(beta_1, step);
    float correction_2 = 1.0 - k_pow(beta_2, step);
    return k_div(learning_rate_get(0) * sqrt(correction_2), correction_1);
}
