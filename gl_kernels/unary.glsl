// Unary elementwise functions, overloaded by type (float, int, vec2 = complex64).
float k_exp(float v) { return exp(v); }
