// RandomShuffle ranks: row r's position when the rows are sorted by their `keys` (two words per row,
// compared as a 64-bit unsigned number), ties by row index; every row counts the rows before it.
int compute(int r) {
    uint high = uint(keys_get(2 * r)), low = uint(keys_get(2 * r + 1));
    int rank = 0;
    for (int j = 0; j < keys_shape[0]; ++j) {
        uint other_high = uint(keys_get(2 * j)), other_low = uint(keys_get(2 * j + 1));
        if (other_high < high || (other_high == high && (other_low < low || (other_low == low && j < r)))) ++rank;
    }
    return rank;
}
