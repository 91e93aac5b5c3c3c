// Pow, after binary.glsl (complex k_mul), binary_float_pairs.glsl, binary_div.glsl (complex k_div) and
// binary_atan2.glsl.
// Floats: |a|^b = 2^(b * log2|a|) with log2|a| and the product carried as float pairs, so the error stays
// about 1 ulp however large b * log2|a| grows (GLSL's pow, exp2(b * log2(a)), loses about an ulp per
// unit of it and is undefined for a <= 0); signs, zeros, infinities and NaN follow C's powf, as numpy.
// Integers: exponentiation by squaring, wrapping like numpy's int32 (the kernel rejects negative b).
// Complex: numpy's repeated products for integer exponents below 100, else exp(b * log(a)).

// log2(x) for a finite x > 0, as a pair.
vec2 pair_log2(float x) {
    float exponent = 0.0;
    if (x < 1.17549435e-38) { x *= 16777216.0; exponent = -24.0; }   // subnormal: scale up, exactly
    uint bits = floatBitsToUint(x);
    exponent += float(int(bits >> 23) - 127);
    float m = uintBitsToFloat((bits & 0x7fffffu) | 0x3f800000u);     // x = m * 2^exponent, 1 <= m < 2
    if (m > 1.41421356) { m *= 0.5; exponent += 1.0; }
    // ln(m) = 2 atanh(s) = 2s + 2s^3/3 + ..., s = (m - 1) / (m + 1), |s| <= 0.172: s as a pair (s, s_lo),
    // whose s_lo enters as 2 s_lo / (1 - s^2)
    float numerator = m - 1.0;
    vec2 denominator = pair_two_sum(m, 1.0);
    float s = opaque(numerator / denominator.x);   // opaque: (s * denominator) must not become numerator
    vec2 back = pair_two_product(s, denominator.x);
    float s_lo = (((numerator - back.x) - back.y) - s * denominator.y) / denominator.x;
    float z = s * s;
    float tail = 2.0 * s_lo * (1.0 + z) + s * z * (0.6666666667 + z * (0.4 + z * (0.2857142857 + z * (0.2222222222
                 + z * (0.1818181818 + z * 0.1538461538)))));
    vec2 ln_m = pair_two_sum(2.0 * s, tail);
    return pair_add(vec2(exponent, 0.0), pair_mul(ln_m, vec2(1.4426950216293335, 1.925963033500011e-08)));
}

// 2^p for a pair p.
float pair_exp2(vec2 p) {
    if (p.x >= 128.5) return uintBitsToFloat(0x7f800000u);
    if (p.x < -151.0) return 0.0;
    float n = floor(p.x + 0.5);
    float f = p.x - n;                                 // exact; f + p.y is in [-0.5, 0.5]
    vec2 z = pair_two_product(f, 0.6931471824645996);  // z = (f + p.y) ln 2, as a pair
    z = pair_two_sum(z.x, z.y + f * -1.9046542121259336e-09 + p.y * 0.6931471824645996);
    // e^z = 1 + z + z^2/2 + ... (Taylor to z^7 in z.x, |z| <= 0.35; z.y enters with the slope e^z.x),
    // with 1 + z.x exact so that only the end rounds
    vec2 one_plus_z = pair_two_sum(1.0, z.x);
    float rest = z.y * (1.0 + z.x) + z.x * z.x * (0.5 + z.x * (0.16666666667 + z.x * (0.041666666667
                 + z.x * (0.0083333333333 + z.x * (0.0013888888889 + z.x * 0.00019841269841)))));
    float mantissa = one_plus_z.x + opaque(one_plus_z.y + rest);   // opaque: summed in this order
    int halves = int(floor(n * 0.5));     // 2^n in two steps: n may be below -126 or above 127
    return mantissa * power_of_two(halves) * power_of_two(int(n) - halves);
}

float k_pow(float a, float b) {
    if (b == 0.0 || a == 1.0) return 1.0;
    if (isnan(a) || isnan(b)) return a + b;
    float x = abs(a);
    // beyond 2^32, b is an even integer and |b * log2|a|| > 151: the result is 0 or inf
    if (abs(b) > 4294967296.0) return x == 1.0 ? 1.0 : ((x > 1.0) == (b > 0.0) ? uintBitsToFloat(0x7f800000u) : 0.0);
    bool integer = floor(b) == b;
    if (a < 0.0 && !integer && !isinf(a)) return uintBitsToFloat(0x7fc00000u);
    float magnitude;
    if (x == 0.0 || isinf(x)) magnitude = (x == 0.0) == (b < 0.0) ? uintBitsToFloat(0x7f800000u) : 0.0;
    else magnitude = pair_exp2(pair_mul(pair_log2(x), vec2(b, 0.0)));
    bool odd = integer && fract(abs(b) * 0.5) == 0.5;
    return odd && (floatBitsToUint(a) & 0x80000000u) != 0u ? -magnitude : magnitude;
}

int k_pow(int a, int b) {
    int result = 1;
    int base = a;
    for (int e = b; e > 0; e >>= 1) {
        if ((e & 1) != 0) result *= base;
        base *= base;
    }
    return result;
}

vec2 k_pow(vec2 a, vec2 b) {
    if (b.x == 0.0 && b.y == 0.0) return vec2(1.0, 0.0);
    if (a.x == 0.0 && a.y == 0.0) return b.x > 0.0 && b.y == 0.0 ? vec2(0.0) : vec2(uintBitsToFloat(0x7fc00000u));
    if (b.y == 0.0 && floor(b.x) == b.x && abs(b.x) < 100.0) {
        vec2 result = vec2(1.0, 0.0);
        vec2 base = a;
        bool first = true;        // start from a itself, not 1 * a, as numpy (which handles inf better)
        for (int e = int(abs(b.x)); e > 0; e >>= 1) {
            if ((e & 1) != 0) { result = first ? base : k_mul(result, base); first = false; }
            if (e > 1) base = k_mul(base, base);
        }
        return b.x < 0.0 ? k_div(vec2(1.0, 0.0), result) : result;
    }
    float big = max(abs(a.x), abs(a.y)), small = min(abs(a.x), abs(a.y));
    vec2 log_a = vec2(log(big) + 0.5 * log(1.0 + (small / big) * (small / big)), k_atan2(a.y, a.x));
    vec2 w = k_mul(b, log_a);
    return exp(w.x) * vec2(cos(w.y), sin(w.y));
}
