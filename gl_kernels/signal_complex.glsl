// Complex numbers (vec2 = real, imaginary): one OP_* define picks the kernel.
// Angle and ComplexAbs use range-reduced polynomials and scaling rather than the GPU's atan
// and a bare sqrt(x^2 + y^2), for float32 accuracy and numpy's special values.

const float PI = 3.14159265358979;
const float HALF_PI = 1.57079632679490;
const float QUARTER_PI = 0.785398163397448;

bool sign_bit(float v) { return (floatBitsToUint(v) & 0x80000000u) != 0u; }

// atan(t) for 0 <= t <= 1 (Cephes atanf: reduced to |t| <= tan(pi/8), then a degree-9 odd polynomial).
float atan_unit(float t) {
    bool shifted = t > 0.41421356;
    float u = shifted ? (t - 1.0) / (t + 1.0) : t;
    float z = u * u;
    float p = (((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * u + u;
    return shifted ? QUARTER_PI + p : p;
}

// numpy's arctan2(y, x), signed zeros and infinities included.
float atan2_accurate(float y, float x) {
    if (isnan(x) || isnan(y)) return x + y;
    float ax = abs(x), ay = abs(y);
    float r;
    if (isinf(ax) && isinf(ay)) r = QUARTER_PI;
    else if (ay <= ax) r = ax == 0.0 ? 0.0 : atan_unit(ay / ax);
    else r = HALF_PI - atan_unit(ax / ay);
    if (sign_bit(x)) r = PI - r;
    return sign_bit(y) ? -r : r;
}

// |z| without overflow or underflow in the squares; infinite if either part is (even with a NaN).
float hypot_accurate(float x, float y) {
    float ax = abs(x), ay = abs(y);
    if (isinf(ax) || isinf(ay)) return uintBitsToFloat(0x7f800000u);
    if (isnan(ax) || isnan(ay)) return ax + ay;
    float big = max(ax, ay), small = min(ax, ay);
    if (big == 0.0) return 0.0;
    float ratio = small / big;
    return big * sqrt(1.0 + ratio * ratio);
}

#if defined(OP_COMPLEX)
vec2 compute(int i) { return vec2(x_get(x_bcast(i)), y_get(y_bcast(i))); }
#elif defined(OP_REAL)
float compute(int i) { return x_get(i).x; }
#elif defined(OP_IMAG)
float compute(int i) { return x_get(i).y; }
#elif defined(OP_ANGLE)
float compute(int i) { vec2 z = x_get(i); return atan2_accurate(z.y, z.x); }
#elif defined(OP_ABS)
float compute(int i) { vec2 z = x_get(i); return hypot_accurate(z.x, z.y); }
#endif
