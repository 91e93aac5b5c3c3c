// Cast: one function per target type, overloaded by source type. float16 targets use k_to_float
// (the program wrapper rounds float16 outputs to half precision). Float to int truncates toward
// zero; complex to real keeps the real part; a value is True when it is nonzero (NaN included).

float k_to_float(float v) { return v; }
float k_to_float(int v) { return float(v); }
float k_to_float(bool v) { return v ? 1.0 : 0.0; }
float k_to_float(vec2 z) { return z.x; }

int k_to_int(float v) { return int(v); }
int k_to_int(bool v) { return v ? 1 : 0; }
int k_to_int(vec2 z) { return int(z.x); }

// Tested on the bits: -0.0 is False and NaN is True whatever the driver does with NaN compares.
bool k_to_bool(float v) { return (floatBitsToUint(v) & 0x7fffffffu) != 0u; }
bool k_to_bool(int v) { return v != 0; }
bool k_to_bool(vec2 z) { return k_to_bool(z.x) || k_to_bool(z.y); }

vec2 k_to_complex(float v) { return vec2(v, 0.0); }
vec2 k_to_complex(int v) { return vec2(float(v), 0.0); }
vec2 k_to_complex(bool v) { return vec2(v ? 1.0 : 0.0, 0.0); }
