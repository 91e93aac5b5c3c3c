// Cumulative sums and products (OP_SUM, OP_PROD) along one axis of x, viewed as
// [outer, LENGTH, INNER]. The scan runs over logical positions q: the axis reversed when
// REVERSE, and for EXCLUSIVE the sequence s = (identity, x[0], ..., x[LENGTH - 2]).
// The axis is cut into blocks of BLOCK positions (NBLOCKS of them):
// TOTALS_PASS writes [outer, NBLOCKS, INNER], each block's combined s;
// SCAN_PASS writes the scan: an element combines s from its block's start, after
// `prefix` (with HAS_PREFIX: the exclusive scan of the block totals, [outer, NBLOCKS, INNER]).
// Needs reduce_values.glsl.

VALUE_T scan_identity() {
#ifdef OP_SUM
    return zero_like(VALUE_T(0));
#else
    return one_like(VALUE_T(0));
#endif
}

VALUE_T scan_combine(VALUE_T earlier, VALUE_T later) {
#ifdef OP_SUM
    return plus(earlier, later);
#else
    return times(earlier, later);
#endif
}

// Logical position <-> position along the axis (the map is its own inverse).
int flip(int position) { return REVERSE == 1 ? LENGTH - 1 - position : position; }

// s at logical position q of the line starting at flat index line_start.
VALUE_T sequence_at(int line_start, int q) {
#if EXCLUSIVE
    if (q == 0) return scan_identity();
    q -= 1;
#endif
    return x_get(line_start + flip(q) * INNER);
}

// The flat index of the first element of output/total i's line, and i's position along the axis.
int line_start_of(int i, int length, out int position) {
    int outer = i / (length * INNER);
    int inner = i % INNER;
    position = (i / INNER) % length;
    return outer * LENGTH * INNER + inner;
}

#ifdef TOTALS_PASS
OUT_T compute(int i) {
    int block;
    int line_start = line_start_of(i, NBLOCKS, block);
    VALUE_T acc = scan_identity();
    for (int q = block * BLOCK; q < min(block * BLOCK + BLOCK, LENGTH); ++q) {
        acc = scan_combine(acc, sequence_at(line_start, q));
    }
    return acc;
}
#endif

#ifdef SCAN_PASS
OUT_T compute(int i) {
    int position;
    int line_start = line_start_of(i, LENGTH, position);
    int q = flip(position);
    int block = q / BLOCK;
#ifdef HAS_PREFIX
    VALUE_T acc = prefix_get((i / (LENGTH * INNER)) * NBLOCKS * INNER + block * INNER + i % INNER);
#else
    VALUE_T acc = scan_identity();
#endif
    for (int t = block * BLOCK; t <= q; ++t) acc = scan_combine(acc, sequence_at(line_start, t));
    return acc;
}
#endif
