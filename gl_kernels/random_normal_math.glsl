// Box-Muller normals from Philox words (step 4 of engine/backends/cpu/random.py), in float32.
// Needs philox.glsl. GPU log/sin/cos built-ins have loose error bounds (and differ per vendor), so
// log, sin and cos are written out here (Cephes' float polynomials, about 1 ulp); numpy's float32
// log/sin/cos are not correctly rounded either, so the results match the cpu kernel to a few ulp,
// not bit for bit. The angle 2*pi*u, which numpy computes in float64 and rounds, is reproduced exactly.

// float32(float64(2*pi) * u) for u = m / 2**23: the exact integer product of m with float64(2*pi)'s
// 53-bit significand, rounded to 53 bits and then to 24 (numpy's double rounding), by integer operations.
float two_pi_times_unit(uint m) {
    if (m == 0u) return 0.0;
    int width = int(floatBitsToUint(float(m)) >> 23) - 126;     // bit length of m (float(m) is exact)
    uint normalized = m << uint(23 - width);                     // in [2**22, 2**23)
    uint lo_hi, lo_lo, hi_hi, hi_lo;                             // 2*pi = 0x1921FB54442D18 * 2**-50
    mul_32x32(normalized, 0x54442D18u, lo_hi, lo_lo);
    mul_32x32(normalized, 0x001921FBu, hi_hi, hi_lo);
    uint w0 = lo_lo, w1 = lo_hi + hi_lo;
    uint w2 = hi_hi + (w1 < lo_hi ? 1u : 0u);
    int short_product = (w2 >> 11) == 0u ? 1 : 0;                // the 76-bit product has 75 bits: align it
    if (short_product == 1) {
        w2 = (w2 << 1) | (w1 >> 31);
        w1 = (w1 << 1) | (w0 >> 31);
        w0 <<= 1;
    }
    // Product bits 75..52 are the float32 significand, 51..23 the rest of the float64 one, 22..0 below it.
    uint significand = (w2 << 12) | (w1 >> 20);
    uint middle = ((w1 & 0xFFFFFu) << 9) | (w0 >> 23);
    bool half_below = (w0 & 0x400000u) != 0u;
    bool sticky_below = (w0 & 0x3FFFFFu) != 0u;
    if (half_below && (sticky_below || (middle & 1u) != 0u)) {   // round to float64, to nearest even
        middle += 1u;
        if (middle == 0x20000000u) { middle = 0u; significand += 1u; }
    }
    bool half_ulp = (middle & 0x10000000u) != 0u;
    if (half_ulp && ((middle & 0x0FFFFFFFu) != 0u || (significand & 1u) != 0u)) significand += 1u;  // then to float32
    float scale = uintBitsToFloat(uint(width - short_product - 44 + 127) << 23);
    return float(significand) * scale;                           // exact: at most 2**24 times a power of two
}

// Natural log of a positive normal float (Cephes' logf).
float log_float(float x) {
    uint bits = floatBitsToUint(x);
    float e = float(int(bits >> 23) - 126);                      // x = f * 2**e, f in [0.5, 1)
    float f = uintBitsToFloat((bits & 0x7FFFFFu) | 0x3F000000u);
    if (f < 0.707106781186547524) {
        e -= 1.0;
        f = f + f - 1.0;
    } else {
        f = f - 1.0;
    }
    float z = f * f;
    float y = ((((((((7.0376836292e-2 * f - 1.1514610310e-1) * f + 1.1676998740e-1) * f - 1.2420140846e-1) * f
                  + 1.4249322787e-1) * f - 1.6668057665e-1) * f + 2.0000714765e-1) * f - 2.4999993993e-1) * f
              + 3.3333331174e-1) * f * z;
    y += -2.12194440e-4 * e - 0.5 * z;
    return (f + y) + 0.693359375 * e;
}

// (sin a, cos a) for a in [0, 2*pi]: a - k*pi/2 with pi/2 in four parts (the first three short enough that
// k * part and the first two differences are exact, so angles near a multiple of pi/2 keep their relative
// accuracy), then Cephes' sinf/cosf polynomials.
vec2 sin_cos(float a) {
    float k = floor(a * 0.636619772367581343 + 0.5);
    float r = (((a - k * 1.5703125) - k * 4.837512969970703e-4) - k * 7.549789415861596e-8) - k * 5.390302953474238e-15;
    float s = r * r;
    float sine = r + r * s * (-1.6666654611e-1 + s * (8.3321608736e-3 + s * -1.9515295891e-4));
    float half_s = 0.5 * s;
    float one_minus = 1.0 - half_s;
    float cosine = one_minus + (((1.0 - one_minus) - half_s)
                                + s * s * (4.166664568298827e-2 + s * (-1.388731625493765e-3 + s * 2.443315711809948e-5)));
    int quadrant = int(k) & 3;
    if (quadrant == 0) return vec2(sine, cosine);
    if (quadrant == 1) return vec2(cosine, -sine);
    if (quadrant == 2) return vec2(-sine, -cosine);
    return vec2(-cosine, sine);
}

// The two Box-Muller normals (r sin v, r cos v) of the words (radius_word, angle_word).
vec2 box_muller(uint radius_word, uint angle_word) {
    float u = max(unit_float(radius_word), uintBitsToFloat(0x33D6BF95u));   // float32(1e-7)
    float radius = sqrt(-2.0 * log_float(u));
    return sin_cos(two_pi_times_unit(angle_word & 0x7FFFFFu)) * radius;
}

// The four normals of Philox block (block_hi << 32) | block_lo.
vec4 normals_of_block(uint block_lo, uint block_hi) {
    uvec4 words = philox_block(block_lo, block_hi);
    return vec4(box_muller(words.x, words.y), box_muller(words.z, words.w));
}
