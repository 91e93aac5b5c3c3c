// The accumulators of reduce.glsl, chosen by an OP_* define; VALUE_T is the type of the
// values reduced (float, int, bool or vec2; float16 is read as float and summed in float32).
// Each op defines ACC_T and reduce_init(); a SOURCE_PASS folds elements with
// reduce_add(acc, value, r), a merge pass folds partials with reduce_merge(acc, reduce_load(o, j));
// a FINAL_PASS returns reduce_finish(acc), any other pass reduce_store(acc), a partial.
// Needs reduce_values.glsl.

#if defined(OP_LOGSUMEXP)
// (m, s): the running maximum m and the sum s of exp(x - m), rescaled when m grows;
// stored as a complex64 partial. Equal maxima add without a shift (inf - inf would be NaN);
// a NaN never wins the comparison, so it reaches s and the result.
#define ACC_T vec2
vec2 reduce_init() { return vec2(lowest_like(0.0), 0.0); }
vec2 reduce_merge(vec2 acc, vec2 part) {
    if (part.x > acc.x) return vec2(part.x, acc.y * exp(acc.x - part.x) + part.y);
    if (part.x == acc.x) return vec2(acc.x, acc.y + part.y);
    return vec2(acc.x, acc.y + part.y * exp(part.x - acc.x));
}
#ifdef SOURCE_PASS
vec2 reduce_add(vec2 acc, float v, int r) { return reduce_merge(acc, vec2(v, 1.0)); }
#else
vec2 reduce_load(int o, int j) { return p_get(j); }
#endif
#ifdef FINAL_PASS
float reduce_finish(vec2 acc) { return acc.x + log(acc.y); }
#else
vec2 reduce_store(vec2 acc) { return acc; }
#endif

#elif defined(OP_ARGMAX) || defined(OP_ARGMIN)
// (value, index) of the best element so far: the first NaN, else the first extremum (numpy's rule).
// Partials store only the index; a merge pass reads the value back from x.
struct ArgAcc { VALUE_T value; int index; };
#define ACC_T ArgAcc
#define NO_INDEX 0x7fffffff
ArgAcc reduce_init() { return ArgAcc(zero_like(VALUE_T(0)), NO_INDEX); }
bool arg_beats(ArgAcc c, ArgAcc best) {
    if (best.index == NO_INDEX) return true;
    if (value_is_nan(best.value)) return value_is_nan(c.value) && c.index < best.index;
    if (value_is_nan(c.value)) return true;
#ifdef OP_ARGMAX
    return c.value > best.value || (c.value == best.value && c.index < best.index);
#else
    return c.value < best.value || (c.value == best.value && c.index < best.index);
#endif
}
ArgAcc reduce_merge(ArgAcc acc, ArgAcc c) {
    if (arg_beats(c, acc)) return c;
    return acc;
}
#ifdef SOURCE_PASS
ArgAcc reduce_add(ArgAcc acc, X_T v, int r) { return reduce_merge(acc, ArgAcc(VALUE_T(v), r)); }
#else
ArgAcc reduce_load(int o, int j) {
    int index = p_get(j);
    return ArgAcc(VALUE_T(x_get(kept_base(o) + reduced_offset(index))), index);
}
#endif
#ifdef FINAL_PASS
int reduce_finish(ArgAcc acc) { return acc.index; }
#else
int reduce_store(ArgAcc acc) { return acc.index; }
#endif

#else
// Sum, mean, product, max, min, any and all: the accumulator is a plain value.
#define ACC_T VALUE_T
#if defined(OP_SUM) || defined(OP_MEAN)
VALUE_T reduce_init() { return zero_like(VALUE_T(0)); }
VALUE_T reduce_merge(VALUE_T acc, VALUE_T v) { return plus(acc, v); }
#elif defined(OP_PROD)
VALUE_T reduce_init() { return one_like(VALUE_T(0)); }
VALUE_T reduce_merge(VALUE_T acc, VALUE_T v) { return times(acc, v); }
#elif defined(OP_MAX)
VALUE_T reduce_init() { return lowest_like(VALUE_T(0)); }
VALUE_T reduce_merge(VALUE_T acc, VALUE_T v) { return (value_is_nan(v) || v > acc) ? v : acc; }   // NaN wins, as in numpy
#elif defined(OP_MIN)
VALUE_T reduce_init() { return highest_like(VALUE_T(0)); }
VALUE_T reduce_merge(VALUE_T acc, VALUE_T v) { return (value_is_nan(v) || v < acc) ? v : acc; }
#elif defined(OP_ANY)
bool reduce_init() { return false; }
bool reduce_merge(bool acc, bool v) { return acc || v; }
#else   // OP_ALL
bool reduce_init() { return true; }
bool reduce_merge(bool acc, bool v) { return acc && v; }
#endif
#ifdef SOURCE_PASS
VALUE_T reduce_add(VALUE_T acc, VALUE_T v, int r) { return reduce_merge(acc, v); }
#else
VALUE_T reduce_load(int o, int j) { return p_get(j); }
#endif
#ifdef FINAL_PASS
#ifdef OP_MEAN
float reduce_finish(float total) { return REDUCE_COUNT == 0 ? nan_like(total) : total / float(REDUCE_COUNT); }
vec2 reduce_finish(vec2 total) { return total / float(REDUCE_COUNT); }
int reduce_finish(int total) {      // TF divides integers with truncation toward zero; an empty mean is 0
    if (REDUCE_COUNT == 0) return 0;
    int quotient = abs(total) / REDUCE_COUNT;
    return total < 0 ? -quotient : quotient;
}
#else
VALUE_T reduce_finish(VALUE_T acc) { return acc; }
#endif
#else
VALUE_T reduce_store(VALUE_T acc) { return acc; }
#endif
#endif
