// OneHot: output [outer, DEPTH, INNER]; element (o, d, n) is `on` where indices[o, n] == d, else `off`.
OUT_T compute(int i) {
    int o = i / (DEPTH * INNER);
    int rest = i - o * (DEPTH * INNER);
    int d = rest / INNER;
    return indices_get(o * INNER + rest - d * INNER) == d ? on_get(0) : off_get(0);
}
