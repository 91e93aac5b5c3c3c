// Where (1 argument): output row r holds the coordinates of the (r + 1)-th nonzero condition element,
// found by binary search in x, the inclusive prefix counts viewed with the condition's shape.
int compute(int i) {
    int rank = x_shape.length();
    int r = i / rank;
    int axis = i - r * rank;
    int low = 0;
    int high = x_SIZE - 1;
    while (low < high) {
        int middle = (low + high) / 2;
        if (x_get(middle) > r) high = middle;
        else low = middle + 1;
    }
    return (low / x_strides[axis]) % x_shape[axis];
}
