// Binary elementwise functions, overloaded by type (float, int, vec2 = complex64).
float k_add(float a, float b) { return a + b; }
int k_add(int a, int b) { return a + b; }
vec2 k_add(vec2 a, vec2 b) { return a + b; }
float k_mul(float a, float b) { return a * b; }
int k_mul(int a, int b) { return a * b; }
vec2 k_mul(vec2 a, vec2 b) { return vec2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }
