// Reductions over any set of axes, in one pass or split into several for parallelism.
//
// Python merges adjacent axes, so x is described by groups of (size, stride):
//   kept groups    KEPT_DIMS / KEPT_X_STRIDES, and KEPT_OUT_STRIDES (their strides in the output);
//   reduced groups: the innermost one is RUN elements RUN_STRIDE apart, the others
//                   (OUTER_DIMS / OUTER_X_STRIDES, OUTER_STRIDES in outer-index space) repeat that run
//                   OUTER_COUNT times. REDUCE_COUNT = OUTER_COUNT * RUN elements make one output.
// The reduced elements are numbered r = outer * RUN + position in the run.
//
// A pass either reads x (SOURCE_PASS) or the partial accumulators p of an earlier pass
// (PARTS_IN per output); it writes finished values (FINAL_PASS, PARTS == 1) or PARTS partial
// accumulators per output, part j taking every PARTS-th element from j. Partials are stored
// [output, part], or [part, output] with OUTPUT_MINOR (when the run is strided, so that
// neighbouring threads, taking neighbouring outputs, read neighbouring addresses).
// Comes after reduce_values.glsl, reduce_layout.glsl (the group helpers) and reduce_ops.glsl
// (the accumulator).

#ifdef OUTPUT_MINOR
int partial_index(int o, int part, int parts) { return part * OUTPUTS + o; }
#else
int partial_index(int o, int part, int parts) { return o * parts + part; }
#endif

OUT_T compute(int i) {
#ifdef OUTPUT_MINOR
    int part = i / OUTPUTS;
    int o = i - part * OUTPUTS;
#else
    int o = i / PARTS;
    int part = i - o * PARTS;
#endif
    ACC_T acc = reduce_init();
#ifdef SOURCE_PASS
    int base = kept_base(o);
#if PARTS == 1
    for (int outer = 0; outer < OUTER_COUNT; ++outer) {
        int row = base + outer_offset(outer);
        for (int k = 0; k < RUN; ++k) acc = reduce_add(acc, x_get(row + k * RUN_STRIDE), outer * RUN + k);
    }
#else
    for (int r = part; r < REDUCE_COUNT; r += PARTS) acc = reduce_add(acc, x_get(base + reduced_offset(r)), r);
#endif
#else
    for (int j = part; j < PARTS_IN; j += PARTS) {
        acc = reduce_merge(acc, reduce_load(o, partial_index(o, j, PARTS_IN)));
    }
#endif
#ifdef FINAL_PASS
    return reduce_finish(acc);
#else
    return reduce_store(acc);
#endif
}
