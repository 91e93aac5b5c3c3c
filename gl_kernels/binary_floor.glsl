// FloorDiv and FloorMod, after binary_float_pairs.glsl, with Python's signs: the quotient rounds towards
// -inf, the remainder has y's sign.
// GLSL's int / and % are undefined for negative operands, so integers are divided as magnitudes (uint);
// the kernel has already rejected integer division by zero.
uint magnitude(int v) { return v < 0 ? 0u - uint(v) : uint(v); }

int k_floor_div(int a, int b) {
    uint quotient = magnitude(a) / magnitude(b);
    if ((a < 0) == (b < 0)) return int(quotient);
    return int(0u - (quotient + (magnitude(a) % magnitude(b) != 0u ? 1u : 0u)));
}

// As TF: floor(x / y), with the float16 quotient rounded to half first as the cpu computes it.
#ifdef HALF_QUOTIENT
float k_floor_div(float a, float b) { return floor(round_to_half(correctly_rounded_div(a, b))); }
#else
float k_floor_div(float a, float b) { return floor(correctly_rounded_div(a, b)); }
#endif

int k_floor_mod(int a, int b) {
    uint rest = magnitude(a) % magnitude(b);
    if (rest != 0u && (a < 0) != (b < 0)) rest = magnitude(b) - rest;
    return b < 0 ? -int(rest) : int(rest);
}

// C's fmod, exact like it: the remainder of the integer mantissas, shifted up 8 bits at a time.
float exact_fmod(float a, float b) {
    float x = abs(a), y = abs(b);
    if (isnan(a) || isnan(b) || isinf(a) || y == 0.0) return uintBitsToFloat(0x7fc00000u);
    if (x < y) return a;
    uint x_bits = floatBitsToUint(x), y_bits = floatBitsToUint(y);
    int x_exponent = max(int(x_bits >> 23), 1), y_exponent = max(int(y_bits >> 23), 1);  // subnormals: 1
    uint x_mantissa = (x_bits & 0x7fffffu) | (x_bits >= 0x800000u ? 0x800000u : 0u);
    uint y_mantissa = (y_bits & 0x7fffffu) | (y_bits >= 0x800000u ? 0x800000u : 0u);
    uint rest = x_mantissa % y_mantissa;
    for (int shift = x_exponent - y_exponent; shift > 0; shift -= 8) {
        int step = min(shift, 8);
        rest = (rest << uint(step)) % y_mantissa;
    }
    int e = y_exponent - 150;    // the remainder is rest * 2^e, exactly representable (it is below y)
    float r = e < -126 ? float(rest) * power_of_two(e + 126) * power_of_two(-126) : float(rest) * power_of_two(e);
    return uintBitsToFloat(floatBitsToUint(r) | (floatBitsToUint(a) & 0x80000000u));
}

// TF: the truncated remainder, moved by y when its sign differs from y's.
float k_floor_mod(float a, float b) {
    float rest = exact_fmod(a, b);
    return (rest != 0.0 && (b < 0.0) != (rest < 0.0)) ? rest + b : rest;
}
