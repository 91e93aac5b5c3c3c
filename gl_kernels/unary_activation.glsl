// Activations and the gradient kernels of activations, built on unary_math.glsl. The gradient
// kernels take their inputs in TF's order: (dy, y or x), except SigmoidGrad and TanhGrad (y, dy).

// NaN passes through, as numpy's maximum/minimum let it (GLSL leaves max(NaN, 0) undefined).
float k_relu(float v) { return is_nan(v) ? v : max(v, 0.0); }
int k_relu(int v) { return max(v, 0); }
float k_relu6(float v) { return is_nan(v) ? v : clamp(v, 0.0, 6.0); }
int k_relu6(int v) { return clamp(v, 0, 6); }

float k_relu_grad(float dy, float y) { return y > 0.0 ? dy : 0.0; }
int k_relu_grad(int dy, int y) { return y > 0 ? dy : 0; }
float k_relu6_grad(float dy, float x) { return x > 0.0 && x < 6.0 ? dy : 0.0; }
int k_relu6_grad(int dy, int x) { return x > 0 && x < 6 ? dy : 0; }

float k_elu(float v) { return v > 0.0 ? v : accurate_expm1(v); }
// TF's EluGrad takes the output: elu'(x) = y + 1 where y <= 0.
float k_elu_grad(float dy, float y) { return y > 0.0 ? dy : dy * (y + 1.0); }

const float SELU_SCALE = 1.0507009873554805;
const float SELU_SCALE_ALPHA = 1.7580993408473766;     // scale * alpha
float k_selu(float v) { return v > 0.0 ? SELU_SCALE * v : SELU_SCALE_ALPHA * accurate_expm1(v); }
float k_selu_grad(float dy, float y) { return dy * (y > 0.0 ? SELU_SCALE : y + SELU_SCALE_ALPHA); }

float k_sigmoid_grad(float y, float dy) { return dy * y * (1.0 - y); }
float k_tanh_grad(float y, float dy) { return dy * (1.0 - y * y); }

// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow, no loss for very negative x.
float k_softplus(float v) { return is_nan(v) ? v : max(v, 0.0) + accurate_log1p(accurate_exp(-abs(v))); }
float k_softsign(float v) { return v / (1.0 + abs(v)); }
