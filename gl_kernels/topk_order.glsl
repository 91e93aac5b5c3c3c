// Top-k along the last axis of x, viewed as [rows, LENGTH]: the K first elements of each row
// in the order "greater value first, NaN last, equal values by lower index" (a stable sort
// of the negated values, as the cpu kernel does). Needs reduce_values.glsl.
// SELECT_PASS: index of output (row, j), found by j + 1 sweeps, each taking the first element
//              after the one the previous sweep took (cheap for small K).
// RANK_PASS: rank of every element in its row; FROM_RANK_PASS: the index whose rank is j.
// GATHER_PASS: the values at the indices `index`.

bool comes_before(VALUE_T a, int a_index, VALUE_T b, int b_index) {
    if (value_is_nan(a)) return value_is_nan(b) && a_index < b_index;
    if (value_is_nan(b)) return true;
    return a > b || (a == b && a_index < b_index);
}

#ifdef SELECT_PASS
OUT_T compute(int i) {
    int row = i / K;
    int j = i - row * K;
    int start = row * LENGTH;
    int taken = -1;
    VALUE_T taken_value = zero_like(VALUE_T(0));
    for (int sweep = 0; sweep <= j; ++sweep) {
        int best = -1;
        VALUE_T best_value = taken_value;
        for (int e = 0; e < LENGTH; ++e) {
            VALUE_T v = x_get(start + e);
            if ((taken < 0 || comes_before(taken_value, taken, v, e))
                    && (best < 0 || comes_before(v, e, best_value, best))) {
                best = e;
                best_value = v;
            }
        }
        taken = best;
        taken_value = best_value;
    }
    return taken;
}
#endif

#ifdef RANK_PASS
OUT_T compute(int i) {
    int start = (i / LENGTH) * LENGTH;
    int e = i - start;
    VALUE_T v = x_get(i);
    int rank = 0;
    for (int other = 0; other < LENGTH; ++other) {
        if (comes_before(x_get(start + other), other, v, e)) ++rank;
    }
    return rank;
}
#endif

#ifdef FROM_RANK_PASS
OUT_T compute(int i) {
    int row = i / K;
    int j = i - row * K;
    for (int e = 0; e < LENGTH; ++e) {
        if (rank_get(row * LENGTH + e) == j) return e;
    }
    return -1;
}
#endif

#ifdef GATHER_PASS
OUT_T compute(int i) { return x_get((i / K) * LENGTH + index_get(i)); }
#endif
