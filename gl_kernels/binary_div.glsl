// Division, after binary_float_pairs.glsl (correctly_rounded_div).
float k_div(float a, float b) { return correctly_rounded_div(a, b); }
// Smith's algorithm, as numpy: no overflow in |b|^2.
vec2 k_div(vec2 a, vec2 b) {
    if (abs(b.x) >= abs(b.y)) {
        if (b.x == 0.0 && b.y == 0.0) return vec2(a.x / abs(b.x), a.y / abs(b.y));
        float ratio = correctly_rounded_div(b.y, b.x);
        float scale = correctly_rounded_div(1.0, b.x + b.y * ratio);
        return vec2((a.x + a.y * ratio) * scale, (a.y - a.x * ratio) * scale);
    }
    float ratio = correctly_rounded_div(b.x, b.y);
    float scale = correctly_rounded_div(1.0, b.y + b.x * ratio);
    return vec2((a.x * ratio + a.y) * scale, (a.y * ratio - a.x) * scale);
}
float k_div_no_nan(float a, float b) { return b == 0.0 ? 0.0 : k_div(a, b); }
vec2 k_div_no_nan(vec2 a, vec2 b) { return (b.x == 0.0 && b.y == 0.0) ? vec2(0.0) : k_div(a, b); }
