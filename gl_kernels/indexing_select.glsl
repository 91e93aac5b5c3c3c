// Select (3-argument where): x where the broadcast condition is true, else y.
OUT_T compute(int i) {
    return condition_get(condition_bcast(i)) ? x_get(x_bcast(i)) : y_get(y_bcast(i));
}
