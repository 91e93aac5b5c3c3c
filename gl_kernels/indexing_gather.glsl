// GatherV2: params x viewed as [batch, OUTER, LENGTH, INNER] and indices y as [batch, COUNT]; output
// element (b, o, j, n) of [batch, OUTER, COUNT, INNER] is x[b, o, y[b, j], n], or 0 where y[b, j] is outside
// [0, LENGTH), as TensorFlow's GPU kernel gives (its CPU kernel raises instead).
OUT_T compute(int i) {
    int row = i / INNER;
    int n = i - row * INNER;
    int batch_outer = row / COUNT;
    int j = row - batch_outer * COUNT;
    int index = y_get((batch_outer / OUTER) * COUNT + j);
    if (index < 0 || index >= LENGTH) return OUT_T(0);
    return x_get((batch_outer * LENGTH + index) * INNER + n);
}
