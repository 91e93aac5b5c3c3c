// Value helpers shared by the reduction, scan and top-k kernels, overloaded by type
// (float, int, bool, vec2 = complex64). A dummy argument picks the type of a constant.
float zero_like(float v) { return 0.0; }
int zero_like(int v) { return 0; }
vec2 zero_like(vec2 v) { return vec2(0.0); }
float one_like(float v) { return 1.0; }
int one_like(int v) { return 1; }
vec2 one_like(vec2 v) { return vec2(1.0, 0.0); }
float lowest_like(float v) { return uintBitsToFloat(0xff800000u); }     // -inf
int lowest_like(int v) { return int(0x80000000u); }
float highest_like(float v) { return uintBitsToFloat(0x7f800000u); }    // +inf
int highest_like(int v) { return 0x7fffffff; }
float nan_like(float v) { return uintBitsToFloat(0x7fc00000u); }

bool value_is_nan(float v) { return isnan(v); }
bool value_is_nan(int v) { return false; }

float plus(float a, float b) { return a + b; }
int plus(int a, int b) { return a + b; }
vec2 plus(vec2 a, vec2 b) { return a + b; }
float times(float a, float b) { return a * b; }
int times(int a, int b) { return a * b; }
vec2 times(vec2 a, vec2 b) { return vec2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }
