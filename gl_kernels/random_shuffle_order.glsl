// RandomShuffle order: the row whose rank is p (`ranks` is a permutation of 0..n-1, so one row matches).
int compute(int p) {
    int row = 0;
    for (int r = 0; r < ranks_SIZE; ++r) {
        if (ranks_get(r) == p) {
            row = r;
            break;
        }
    }
    return row;
}
