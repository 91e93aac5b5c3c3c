// Accurate float32 building blocks for the unary kernels (included before unary.glsl and the
// other unary_*.glsl files). The GPU built-ins are not enough: exp and log are exp2/log2 of a
// rounded product (the error grows with |x|), NVIDIA's sin and cos have an absolute rather than
// a relative error bound, atan's precision is unspecified, and expm1/log1p/tanh written as
// exp(x) - 1, log(1 + x) or (e^2x - 1) / (e^2x + 1) lose every digit near 0. These follow
// Cephes and fdlibm/musl: within 3 ulp of float64 numpy on Mesa llvmpipe and on NVIDIA (sin and
// cos lose relative precision only right at their zeros, with an absolute error near 1e-14).
// NaN and infinity are tested on the bits, which no driver optimisation can fold away.

float nan_value() { return uintBitsToFloat(0x7fc00000u); }
float inf_value() { return uintBitsToFloat(0x7f800000u); }
bool is_nan(float v) { return (floatBitsToUint(v) & 0x7fffffffu) > 0x7f800000u; }
bool is_inf(float v) { return (floatBitsToUint(v) & 0x7fffffffu) == 0x7f800000u; }
bool is_finite(float v) { return (floatBitsToUint(v) & 0x7fffffffu) < 0x7f800000u; }

bool sign_bit(float v) { return (floatBitsToUint(v) & 0x80000000u) != 0u; }

float with_sign_of(float magnitude, float sign_source) {
    return uintBitsToFloat((floatBitsToUint(magnitude) & 0x7fffffffu) | (floatBitsToUint(sign_source) & 0x80000000u));
}

// 2^k for an integer-valued k in [-126, 127].
float exp2_int(float k) { return uintBitsToFloat(uint(int(k) + 127) << 23); }

// v * 2^k for k in [-252, 254], in two steps so that neither factor leaves the normal range.
float scale_by_exp2(float v, float k) {
    float half_k = floor(0.5 * k);
    return v * exp2_int(half_k) * exp2_int(k - half_k);
}

// Splits x = k ln2 + r, |r| <= ln2 / 2, and returns e^r - 1. ln2 is split in two (Cody-Waite)
// so that k * 0.693359375 is exact; the Taylor series to degree 8 leaves < 1e-9 relative.
float expm1_reduced(float x, out float k) {
    k = floor(x * 1.44269504088896341 + 0.5);
    float r = (x - k * 0.693359375) + k * 2.12194440e-4;
    float p = 2.48015873e-5;
    p = p * r + 1.98412698e-4;
    p = p * r + 1.38888889e-3;
    p = p * r + 8.33333333e-3;
    p = p * r + 4.16666667e-2;
    p = p * r + 1.66666667e-1;
    p = p * r + 0.5;
    return r + r * r * p;
}

float accurate_exp(float x) {
    if (is_nan(x)) return x;
    if (x > 88.7228394) return inf_value();
    if (x < -103.972084) return 0.0;
    float k;
    float q = expm1_reduced(x, k);
    return scale_by_exp2(1.0 + q, k);
}

float accurate_expm1(float x) {
    if (is_nan(x)) return x;
    if (x > 88.7228394) return inf_value();
    if (x < -17.5) return -1.0;                 // e^x < 2^-25: rounds to -1
    float k;
    float q = expm1_reduced(x, k);
    if (k == 0.0) return q;
    if (k > 24.0) return scale_by_exp2(1.0 + q, k);   // the -1 is below half an ulp
    // e^x - 1 = 2^k q + (2^k - 1), with 2^k - 1 exact (or rounded once, for k = -25).
    float p = exp2_int(k);
    return p * q + (p - 1.0);
}

// log(1 + f) + k ln2 + c for f in [sqrt(2)/2 - 1, sqrt(2) - 1] (fdlibm's logf kernel); c corrects
// the rounding of 1 + x in log1p. s = f / (2 + f) only enters a small correction term, so the
// division's own rounding hardly matters.
float log_reduced(float f, float k, float c) {
    float s = f / (2.0 + f);
    float z = s * s;
    float w = z * z;
    float t1 = w * (0.40000972152 + w * 0.24279078841);
    float t2 = z * (0.66666662693 + w * 0.28498786688);
    float hfsq = 0.5 * f * f;
    return s * (hfsq + (t2 + t1)) + (k * 9.0580006145e-06 + c) - hfsq + f + k * 6.9313812256e-01;
}

float accurate_log(float x) {
    if (is_nan(x)) return x;
    if (x < 0.0) return nan_value();
    if (x == 0.0) return -inf_value();
    if (is_inf(x)) return x;
    uint bits = floatBitsToUint(x);
    float k = 0.0;
    if (bits < 0x00800000u) {                   // subnormal (where the driver keeps them)
        bits = floatBitsToUint(x * 33554432.0);
        k = -25.0;
    }
    // Move the mantissa into [sqrt(2)/2, sqrt(2)), carrying the excess into the exponent.
    bits += 0x3f800000u - 0x3f3504f3u;
    k += float(int(bits >> 23) - 127);
    bits = (bits & 0x007fffffu) + 0x3f3504f3u;
    return log_reduced(uintBitsToFloat(bits) - 1.0, k, 0.0);
}

float accurate_log1p(float x) {
    if (is_nan(x)) return x;
    if (x < -1.0) return nan_value();
    if (x == -1.0) return -inf_value();
    if (is_inf(x)) return x;
    if (abs(x) < 5.9604645e-08) return x;       // |x| < 2^-24
    if (x > -0.29289323 && x < 0.41421354) return log_reduced(x, 0.0, 0.0);
    float u = 1.0 + x;
    uint bits = floatBitsToUint(u) + (0x3f800000u - 0x3f3504f3u);
    float k = float(int(bits >> 23) - 127);
    // log(1 + x) - log(u) ~ (1 + x - u) / u, the rounding error of u. Mesa and NVIDIA fold
    // (1 + x) - 1 to x (GLSL 3.30 has no `precise`), which drops this correction: 2.5 ulp then.
    float c = k < 25.0 ? (k >= 2.0 ? 1.0 - (u - x) : x - (u - 1.0)) / u : 0.0;
    bits = (bits & 0x007fffffu) + 0x3f3504f3u;
    return log_reduced(uintBitsToFloat(bits) - 1.0, k, c);
}

float accurate_tanh(float x) {
    if (is_nan(x)) return x;
    float a = abs(x);
    if (a > 9.1) return with_sign_of(1.0, x);  // 1 - tanh < 2^-25
    float t = accurate_expm1(2.0 * a);
    return with_sign_of(t / (t + 2.0), x);
}

float accurate_sigmoid(float x) {
    float e = accurate_exp(-abs(x));           // in (0, 1]: no overflow for any x
    float s = 1.0 / (1.0 + e);                  // sigmoid(|x|)
    return x < 0.0 ? e * s : s;
}

// Cephes sinf/cosf/tanf: a = j pi/4 + r with j even and |r| <= pi/4, pi/4 split in three parts
// (exact products for a <= 8192), then minimax polynomials on [-pi/4, pi/4]. Returns r; j mod 8.
float octant_reduce(float a, out int j) {
    j = int(a * 1.27323954473516);
    j += j & 1;
    float y = float(j);
    j &= 7;
    return ((a - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
}

float sin_poly(float r, float z) {
    return ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
}

float cos_poly(float z) {
    return ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
}

// Beyond 8192 the reduction loses digits: such arguments get the driver's own function.
const float REDUCTION_LIMIT = 8192.0;

float accurate_sin(float x) {
    if (!is_finite(x)) return nan_value();
    float a = abs(x);
    if (a > REDUCTION_LIMIT) return sin(x);
    int j;
    float r = octant_reduce(a, j);
    float z = r * r;
    float s = (j == 2 || j == 6) ? cos_poly(z) : sin_poly(r, z);
    if (j >= 4) s = -s;
    return sign_bit(x) ? -s : s;
}

float accurate_cos(float x) {
    if (!is_finite(x)) return nan_value();
    float a = abs(x);
    if (a > REDUCTION_LIMIT) return cos(x);
    int j;
    float r = octant_reduce(a, j);
    float z = r * r;
    float c = (j == 2 || j == 6) ? sin_poly(r, z) : cos_poly(z);
    return (j == 2 || j == 4) ? -c : c;
}

float accurate_tan(float x) {
    if (!is_finite(x)) return nan_value();
    float a = abs(x);
    if (a > REDUCTION_LIMIT) return tan(x);
    int j;
    float r = octant_reduce(a, j);
    float z = r * r;
    float t = a > 1.0e-4
        ? (((((9.38540185543e-3 * z + 3.11992232697e-3) * z + 2.44301354525e-2) * z + 5.34112807005e-2) * z
            + 1.33387994085e-1) * z + 3.33331568548e-1) * z * r + r
        : r;
    if ((j & 2) != 0) t = -1.0 / t;
    return sign_bit(x) ? -t : t;
}

// Cephes atanf for t >= 0: reduced to |t| <= tan(pi/8), then a minimax polynomial.
float atan_nonnegative(float t) {
    float base = 0.0;
    if (t > 2.414213562373095) {
        base = 1.5707963267948966;
        t = -1.0 / t;
    } else if (t > 0.4142135623730950) {
        base = 0.7853981633974483;
        t = (t - 1.0) / (t + 1.0);
    }
    float z = t * t;
    float p = ((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1;
    return base + (p * z * t + t);
}

float accurate_atan2(float y, float x) {
    if (is_nan(x) || is_nan(y)) return nan_value();
    float a = (x == 0.0 && y == 0.0) ? 0.0 : atan_nonnegative(abs(y) / abs(x));
    if (x < 0.0) a = 3.14159265358979323846 - a;
    return with_sign_of(a, y);
}
