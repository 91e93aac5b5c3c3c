// Adam's fused step (engine/ops/training.py) on the fragment path (the compute path runs training_adam.comp),
// one output per program: OUT_VARIABLE, OUT_MOMENTUM or OUT_VELOCITY. Each program recomputes the new slots
// it needs, in the cpu kernel's float32 order.
float new_momentum(int i) {
    float m = momentum_get(momentum_bcast(i));
    return m + (gradient_get(gradient_bcast(i)) - m) * decay_1_get(0);
}

float new_velocity(int i) {
    float v = velocity_get(velocity_bcast(i));
    float g = gradient_get(gradient_bcast(i));
    return v + (g * g - v) * decay_2_get(0);
}

float compute(int i) {
#if defined(OUT_MOMENTUM)
    return new_momentum(i);
#elif defined(OUT_VELOCITY)
    return new_velocity(i);
#else
    return variable_get(variable_bcast(i)) - (new_momentum(i) * alpha_get(0)) / (sqrt(new_velocity(i)) + epsilon_get(0));
#endif
}
