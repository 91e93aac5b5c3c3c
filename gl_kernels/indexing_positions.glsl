// Row-major position of index tuple i (row i of y, of length row_strides.length()) among the rows of a
// tensor whose leading axes have strides ROW_STRIDES (an int[depth] constructor).
const int row_strides[] = ROW_STRIDES;

int compute(int i) {
    int depth = row_strides.length();
    int position = 0;
    for (int d = 0; d < depth; ++d) position += y_get(i * depth + d) * row_strides[d];
    return position;
}
