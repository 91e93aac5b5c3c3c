// Adam's fused step on the compute path (engine/ops/training.py): an element's new variable, momentum and
// velocity from one read of its values, in one dispatch, with the arithmetic of training_adam.glsl (which
// the fragment path runs as three programs, one per output). Outputs: out_data the variable, out1_data the
// momentum, out2_data the velocity. Defines: COUNT (elements), WG_SIZE.
layout(local_size_x = WG_SIZE) in;

float scalar(uint word) { return uintBitsToFloat(word); }

void main() {
    int i = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * WG_SIZE + int(gl_LocalInvocationID.x);
    if (i >= COUNT) return;
    float m = scalar(momentum_data[i]);
    float v = scalar(velocity_data[i]);
    float g = scalar(gradient_data[i]);
    float new_momentum = m + (g - m) * scalar(decay_1_data[0]);
    float new_velocity = v + (g * g - v) * scalar(decay_2_data[0]);
    float step = (new_momentum * scalar(alpha_data[0])) / (sqrt(new_velocity) + scalar(epsilon_data[0]));
    out_data[i] = floatBitsToUint(scalar(variable_data[i]) - step);
    out1_data[i] = floatBitsToUint(new_momentum);
    out2_data[i] = floatBitsToUint(new_velocity);
}
