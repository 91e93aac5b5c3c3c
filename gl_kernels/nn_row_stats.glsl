// Softmax row statistics of `logits` viewed as [outer, ROW_SIZE, INNER]: output element i = outer * INNER + inner
// is vec2(max, sum(exp(x - max))) of the row x = logits[outer, :, inner]. A NaN makes the max NaN, as
// numpy's max does; an empty row gives (-inf, 0).
vec2 compute(int i) {
    int outer = i / INNER;
    int base = outer * ROW_SIZE * INNER + (i - outer * INNER);
    float top = uintBitsToFloat(0xFF800000u);
    for (int r = 0; r < ROW_SIZE; ++r) {
        float v = logits_get(base + r * INNER);
        if (v > top || isnan(v)) top = v;
    }
    // Blocks of 64 terms are summed apart, so rounding error grows with 64 + ROW_SIZE / 64, not ROW_SIZE.
    float total = 0.0, block = 0.0;
    for (int r = 0; r < ROW_SIZE; ++r) {
        block += exp(logits_get(base + r * INNER) - top);
        if ((r & 63) == 63) {
            total += block;
            block = 0.0;
        }
    }
    return vec2(top, total + block);
}
