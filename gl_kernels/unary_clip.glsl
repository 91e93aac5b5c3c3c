// clip_by_value over t (x) and bounds (y, z) broadcast to t's shape, and its gradient mask over
// dy (x), t (y), low (z), high (w). TF's order: maximum(minimum(t, high), low), so low wins when
// low > high. Built on unary_math.glsl.

// numpy's minimum/maximum propagate NaN; GLSL's min/max leave it undefined.
float min_propagating(float a, float b) { return is_nan(a) || is_nan(b) ? a + b : min(a, b); }
float max_propagating(float a, float b) { return is_nan(a) || is_nan(b) ? a + b : max(a, b); }

float k_clip(float t, float low, float high) { return max_propagating(min_propagating(t, high), low); }
int k_clip(int t, int low, int high) { return max(min(t, high), low); }

// dy where the clipped value came from t, from low, or from high.
bool clip_above_low(float t, float low, float high) {
    float capped = min_propagating(t, high);
    return !is_nan(capped) && capped >= low;
}
float k_clip_grad_t(float dy, float t, float low, float high) {
    return clip_above_low(t, low, high) && t <= high ? dy : 0.0;
}
float k_clip_grad_min(float dy, float t, float low, float high) { return clip_above_low(t, low, high) ? 0.0 : dy; }
float k_clip_grad_max(float dy, float t, float low, float high) {
    return clip_above_low(t, low, high) && t > high ? dy : 0.0;
}
int k_clip_grad_t(int dy, int t, int low, int high) { return min(t, high) >= low && t <= high ? dy : 0; }
int k_clip_grad_min(int dy, int t, int low, int high) { return min(t, high) >= low ? 0 : dy; }
int k_clip_grad_max(int dy, int t, int low, int high) { return min(t, high) >= low && t > high ? dy : 0; }
