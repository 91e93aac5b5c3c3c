// Concat of PARTS (2..8) inputs x, y, z, w, u, v, p, q, each viewed as [outer, row]: output row o is
// x's row o, then y's, then z's... The output is [outer, sum of the rows].
OUT_T compute(int i) {
    int o = i / out_shape[1];
    int column = i - o * out_shape[1];
    if (column < x_shape[1]) return x_get(o * x_shape[1] + column);
    column -= x_shape[1];
#if PARTS > 2
    if (column < y_shape[1]) return y_get(o * y_shape[1] + column);
    column -= y_shape[1];
#if PARTS > 3
    if (column < z_shape[1]) return z_get(o * z_shape[1] + column);
    column -= z_shape[1];
#if PARTS > 4
    if (column < w_shape[1]) return w_get(o * w_shape[1] + column);
    column -= w_shape[1];
#if PARTS > 5
    if (column < u_shape[1]) return u_get(o * u_shape[1] + column);
    column -= u_shape[1];
#if PARTS > 6
    if (column < v_shape[1]) return v_get(o * v_shape[1] + column);
    column -= v_shape[1];
#if PARTS > 7
    if (column < p_shape[1]) return p_get(o * p_shape[1] + column);
    column -= p_shape[1];
    return q_get(o * q_shape[1] + column);
#else
    return p_get(o * p_shape[1] + column);
#endif
#else
    return v_get(o * v_shape[1] + column);
#endif
#else
    return u_get(o * u_shape[1] + column);
#endif
#else
    return w_get(o * w_shape[1] + column);
#endif
#else
    return z_get(o * z_shape[1] + column);
#endif
#else
    return y_get(o * y_shape[1] + column);
#endif
}
