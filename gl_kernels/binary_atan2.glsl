// atan2(y, x) to about 1 ulp, after binary_float_pairs.glsl (GLSL's atan(y, x) is undefined at 0/0 and
// off by hundreds of ulps on llvmpipe). The angle is k * pi/4 + sign * atan(u) with |u| <= tan(pi/8),
// where atan(u) is a minimax polynomial and k * pi/4 a float pair, so that only the final sum rounds
// (opaque keeps that order). Zeros, infinities and NaN follow C's atan2f, as numpy.
const vec2 QUARTER_PIS[5] = vec2[5](vec2(0.0, 0.0), vec2(0.7853981852531433, -2.1855694143368964e-08),
                                    vec2(1.5707963705062866, -4.371138828673793e-08),
                                    vec2(2.356194496154785, -5.962440319251527e-09),
                                    vec2(3.1415927410125732, -8.742277657347586e-08));

float k_atan2(float y, float x) {
    if (isnan(x) || isnan(y)) return x + y;
    float ax = abs(x), ay = abs(y);
    bool x_negative = (floatBitsToUint(x) & 0x80000000u) != 0u;
    float angle;    // for y >= 0
    if (isinf(ax) && isinf(ay)) {
        angle = QUARTER_PIS[x_negative ? 3 : 1].x;
    } else if (ax == 0.0 && ay == 0.0) {
        angle = x_negative ? QUARTER_PIS[4].x : 0.0;
    } else {
        bool steep = ay > ax;
        float small = min(ax, ay), big = max(ax, ay);
        // atan(small / big) = pi/4 + atan((small - big) / (small + big)) above tan(pi/8)
        bool reduced = small > 0.41421356 * big;
        if (big > 1.0e38) { small *= 0.25; big *= 0.25; }   // exact here; keeps small + big finite
        float u = reduced ? correctly_rounded_div(small - big, small + big) : correctly_rounded_div(small, big);
        float z = u * u;
        float tail = u * z * ((((-0.060782190412282944 * z + 0.1059381291270256) * z - 0.14243532717227936) * z
                               + 0.19998471438884735) * z - 0.33333316445350647);
        int quarters = reduced ? 1 : 0;
        float sign = 1.0;
        if (steep) { quarters = 2 - quarters; sign = -sign; }        // pi/2 - angle
        if (x_negative) { quarters = 4 - quarters; sign = -sign; }   // pi - angle
        vec2 base = QUARTER_PIS[quarters];
        angle = (base.x + sign * u) + opaque(base.y + sign * tail);
    }
    return uintBitsToFloat(floatBitsToUint(angle) | (floatBitsToUint(y) & 0x80000000u));
}
