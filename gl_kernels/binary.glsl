// Binary elementwise functions, overloaded by type (float, int, bool, vec2 = complex64).
// GLSL leaves min/max of NaN undefined, so NaN is tested explicitly where numpy defines the result.
float k_add(float a, float b) { return a + b; }
int k_add(int a, int b) { return a + b; }
vec2 k_add(vec2 a, vec2 b) { return a + b; }
float k_sub(float a, float b) { return a - b; }
int k_sub(int a, int b) { return a - b; }
vec2 k_sub(vec2 a, vec2 b) { return a - b; }
float k_mul(float a, float b) { return a * b; }
int k_mul(int a, int b) { return a * b; }
vec2 k_mul(vec2 a, vec2 b) { return vec2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

float k_maximum(float a, float b) { return (a >= b || isnan(a)) ? a : b; }
int k_maximum(int a, int b) { return max(a, b); }
float k_minimum(float a, float b) { return (a <= b || isnan(a)) ? a : b; }
int k_minimum(int a, int b) { return min(a, b); }

float k_squared_difference(float a, float b) { float d = a - b; return d * d; }
int k_squared_difference(int a, int b) { int d = a - b; return d * d; }
vec2 k_squared_difference(vec2 a, vec2 b) { vec2 d = a - b; return k_mul(d, vec2(d.x, -d.y)); }

// Comparisons are ordered (false when a NaN is involved) except not-equal, which is true then.
bool k_equal(float a, float b) { return a == b; }
bool k_equal(int a, int b) { return a == b; }
bool k_equal(bool a, bool b) { return a == b; }
bool k_equal(vec2 a, vec2 b) { return a.x == b.x && a.y == b.y; }
bool k_not_equal(float a, float b) { return !(a == b); }
bool k_not_equal(int a, int b) { return a != b; }
bool k_not_equal(bool a, bool b) { return a != b; }
bool k_not_equal(vec2 a, vec2 b) { return !(a.x == b.x && a.y == b.y); }
bool k_less(float a, float b) { return a < b; }
bool k_less(int a, int b) { return a < b; }
bool k_less_equal(float a, float b) { return a <= b; }
bool k_less_equal(int a, int b) { return a <= b; }
bool k_greater(float a, float b) { return a > b; }
bool k_greater(int a, int b) { return a > b; }
bool k_greater_equal(float a, float b) { return a >= b; }
bool k_greater_equal(int a, int b) { return a >= b; }

bool k_logical_and(bool a, bool b) { return a && b; }
bool k_logical_or(bool a, bool b) { return a || b; }
