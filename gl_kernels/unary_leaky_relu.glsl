// LeakyRelu and its gradient; `alpha` is a uniform so that every slope shares one shader.
float k_leaky_relu(float v) { return v > 0.0 ? v : v * alpha; }
float k_leaky_relu_grad(float dy, float x) { return x > 0.0 ? dy : dy * alpha; }
