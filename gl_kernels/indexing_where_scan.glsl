// One pass of an inclusive prefix count over a flat tensor x: element i sums x at i, i - span, ...,
// i - (RADIX - 1) * span (those >= 0). Passes with span = 1, RADIX, RADIX^2... leave in every element the
// number of nonzero condition elements up to it. COUNT_NONZERO marks the first pass, which reads the
// condition itself (any dtype; NaN counts as nonzero) instead of partial counts. `span` is a uniform.
bool nonzero(float v) { return v != 0.0; }
bool nonzero(int v) { return v != 0; }
bool nonzero(bool v) { return v; }
bool nonzero(vec2 v) { return v.x != 0.0 || v.y != 0.0; }

int compute(int i) {
    int count = 0;
    for (int j = 0; j < RADIX; ++j) {
        int source = i - j * span;
        if (source < 0) break;
#ifdef COUNT_NONZERO
        if (nonzero(x_get(source))) count += 1;
#else
        count += x_get(source);
#endif
    }
    return count;
}
