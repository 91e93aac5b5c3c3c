// Unary elementwise functions, overloaded by type (float, int, vec2 = complex64), built on
// unary_math.glsl (included before this file). float16 data arrives widened to float.

float k_abs(float v) { return abs(v); }
int k_abs(int v) { return abs(v); }

float k_neg(float v) { return -v; }
int k_neg(int v) { return -v; }
vec2 k_neg(vec2 z) { return -z; }

vec2 k_conj(vec2 z) { return vec2(z.x, -z.y); }

float k_square(float v) { return v * v; }
int k_square(int v) { return v * v; }
// (x - y)(x + y) keeps the real part accurate where |x| and |y| are close.
vec2 k_square(vec2 z) { return vec2((z.x - z.y) * (z.x + z.y), 2.0 * z.x * z.y); }

float k_exp(float v) { return accurate_exp(v); }
vec2 k_exp(vec2 z) {
    float magnitude = accurate_exp(z.x);
    // A real z keeps a zero imaginary part even where e^x is infinite (inf * 0 would be NaN).
    return z.y == 0.0 ? vec2(magnitude, z.y) : magnitude * vec2(accurate_cos(z.y), accurate_sin(z.y));
}

float k_expm1(float v) { return accurate_expm1(v); }

float k_log(float v) { return accurate_log(v); }
// log|z| = log(big) + log1p((small / big)^2) / 2 never squares a huge or tiny modulus.
vec2 k_log(vec2 z) {
    float big = max(abs(z.x), abs(z.y));
    float ratio = big == 0.0 ? 0.0 : min(abs(z.x), abs(z.y)) / big;
    return vec2(accurate_log(big) + 0.5 * accurate_log1p(ratio * ratio), accurate_atan2(z.y, z.x));
}

float k_log1p(float v) { return accurate_log1p(v); }

float k_sqrt(float v) { return sqrt(v); }
// sqrt((|x| + |z|) / 2) is computed without cancellation; the other part follows from it.
vec2 k_sqrt(vec2 z) {
    if (z.x == 0.0 && z.y == 0.0) return vec2(0.0, z.y);
    float big = max(abs(z.x), abs(z.y));
    float ratio = min(abs(z.x), abs(z.y)) / big;
    float modulus = big * sqrt(1.0 + ratio * ratio);
    float t = sqrt(0.5 * abs(z.x) + 0.5 * modulus);
    return z.x >= 0.0 ? vec2(t, z.y / (2.0 * t)) : vec2(abs(z.y) / (2.0 * t), with_sign_of(t, z.y));
}

// 1 / sqrt rather than inversesqrt: the built-in is an approximation on some drivers.
float k_rsqrt(float v) { return 1.0 / sqrt(v); }

float k_reciprocal(float v) { return 1.0 / v; }
// Smith's division: no overflow or underflow in |z|^2.
vec2 k_reciprocal(vec2 z) {
    if (abs(z.x) >= abs(z.y)) {
        float r = z.y / z.x;
        float d = z.x + z.y * r;
        return vec2(1.0 / d, -r / d);
    }
    float r = z.x / z.y;
    float d = z.x * r + z.y;
    return vec2(r / d, -1.0 / d);
}

float k_sin(float v) { return accurate_sin(v); }
float k_cos(float v) { return accurate_cos(v); }
float k_tan(float v) { return accurate_tan(v); }
float k_tanh(float v) { return accurate_tanh(v); }
float k_sigmoid(float v) { return accurate_sigmoid(v); }

float k_sign(float v) { return is_nan(v) ? v : sign(v); }
int k_sign(int v) { return sign(v); }

float k_floor(float v) { return floor(v); }
float k_ceil(float v) { return ceil(v); }
float k_round(float v) { return roundEven(v); }

// Eigen's float32 rational approximation (the cpu kernel's): odd numerator, even denominator in
// x^2 on [-4, 4], where erf reaches +-1 in float32.
float k_erf(float v) {
    if (is_nan(v)) return v;
    float x = clamp(v, -4.0, 4.0);
    float x2 = x * x;
    float numerator = -2.72614225801306e-10;
    numerator = numerator * x2 + 2.77068142495902e-08;
    numerator = numerator * x2 - 2.10102402082508e-06;
    numerator = numerator * x2 - 5.69250639462346e-05;
    numerator = numerator * x2 - 7.34990630326855e-04;
    numerator = numerator * x2 - 2.95459980854025e-03;
    numerator = numerator * x2 - 1.60960333262415e-02;
    float denominator = -1.45660718464996e-05;
    denominator = denominator * x2 - 2.13374055278905e-04;
    denominator = denominator * x2 - 1.68282697438203e-03;
    denominator = denominator * x2 - 7.37332916720468e-03;
    denominator = denominator * x2 - 1.42647390514189e-02;
    return x * numerator / denominator;
}

bool k_logical_not(bool v) { return !v; }
bool k_is_nan(float v) { return is_nan(v); }
bool k_is_inf(float v) { return is_inf(v); }
bool k_is_finite(float v) { return is_finite(v); }
