// Float pairs (hi, lo): unevaluated sums of two floats (~48 bits), for results that must round as
// float64 arithmetic would, and correctly rounded division. Shared by the binary_*.glsl files of division,
// floor division, atan2 and pow, and by creation_sequence.glsl.
// A program including this file passes the uniform `opaque_zero` (uint 0): OR-ing it into a value's bits
// hides the value from the optimizer, which otherwise simplifies (a + b) - a to b (Mesa) or regroups sums
// with a constant operand (NVIDIA) and loses the rounding errors these algorithms capture (`precise`
// would prevent it, but GLSL 3.30 lacks it).
float opaque(float v) { return uintBitsToFloat(floatBitsToUint(v) | opaque_zero); }

float power_of_two(int e) { return uintBitsToFloat(uint(e + 127) << 23); }   // -126 <= e <= 127

// Knuth's two-sum: (s, e) with s = fl(a + b) and s + e == a + b exactly.
vec2 pair_two_sum(float a, float b) {
    a = opaque(a);
    b = opaque(b);
    float s = opaque(a + b);
    float b_part = opaque(s - a);
    return vec2(s, (a - (s - b_part)) + (b - b_part));
}

// Dekker's product on 12-bit halves: (p, e) with p = fl(a * b) and p + e == a * b exactly. Every
// partial product is exact, so fused multiply-adds change nothing.
vec2 pair_two_product(float a, float b) {
    float p = opaque(a * b);
    float a_hi = uintBitsToFloat(floatBitsToUint(a) & 0xfffff000u), a_lo = a - a_hi;
    float b_hi = uintBitsToFloat(floatBitsToUint(b) & 0xfffff000u), b_lo = b - b_hi;
    return vec2(p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo);
}

// pair + float, keeping the rounding errors in lo (renormalised by the caller when needed).
vec2 pair_add_float(vec2 a, float b) {
    vec2 s = pair_two_sum(a.x, b);
    return vec2(s.x, s.y + a.y);
}

vec2 pair_add(vec2 a, vec2 b) {
    vec2 s = pair_two_sum(a.x, b.x);
    return pair_two_sum(s.x, s.y + a.y + b.y);
}

vec2 pair_mul(vec2 a, vec2 b) {
    vec2 p = pair_two_product(a.x, b.x);
    return pair_two_sum(p.x, p.y + a.x * b.y + a.y * b.x);
}

// a / b rounded correctly, as IEEE division: drivers may divide as a * (1 / b) (NVIDIA: up to 2 ulp off,
// and 0 for |b| > 2^126), so the quotient is corrected once from the exact residual a - q * b.
float correctly_rounded_div(float a, float b) {
    if (abs(b) > 8.5070592e37) { a *= 0.25; b *= 0.25; }   // beyond 2^123: keeps 1 / b normal; exact
    float q = opaque(a / b);   // opaque: the compiler must not rewrite (a / b) * b below as a
    if (q == 0.0 || isinf(q) || isnan(q) || isinf(b)) return q;
    vec2 back = pair_two_product(q, b);
    return q + ((a - back.x) - back.y) / b;
}
