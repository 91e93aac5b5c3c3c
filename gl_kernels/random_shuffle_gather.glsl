// RandomShuffle result: row p is row order[p] of x.
OUT_T compute(int i) {
    int row_size = x_SIZE / x_shape[0];
    int p = i / row_size;
    return x_get(order_get(p) * row_size + (i - p * row_size));
}
