// Scatter COUNT update rows (`updates`, INNER elements each) onto the output's rows at `positions` (int,
// one per update row, range-checked; negative ones match no row), as a gather over all updates per output
// element (no atomics). SCATTER_ADD: each output row sums, in update order, the rows aimed at it (bool: or).
// Otherwise the output is `tensor` with each row replaced by the last update row aimed at it.
float accumulate(float a, float b) { return a + b; }
int accumulate(int a, int b) { return a + b; }
vec2 accumulate(vec2 a, vec2 b) { return a + b; }
bool accumulate(bool a, bool b) { return a || b; }

OUT_T compute(int i) {
    int row = i / INNER;
    int n = i - row * INNER;
#ifdef SCATTER_ADD
    OUT_T value = OUT_T(0);
    for (int m = 0; m < COUNT; ++m) {
        if (positions_get(m) == row) value = accumulate(value, updates_get(m * INNER + n));
    }
#else
    OUT_T value = tensor_get(i);
    for (int m = 0; m < COUNT; ++m) {
        if (positions_get(m) == row) value = updates_get(m * INNER + n);
    }
#endif
    return value;
}
