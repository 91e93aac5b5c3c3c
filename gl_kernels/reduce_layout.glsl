// Where the elements reduced into one output lie in x (see reduce.glsl for the defines).
#if KEPT_RANK > 0
const int kept_dims[KEPT_RANK] = KEPT_DIMS;
const int kept_out_strides[KEPT_RANK] = KEPT_OUT_STRIDES;
const int kept_x_strides[KEPT_RANK] = KEPT_X_STRIDES;
#endif
#if OUTER_RANK > 0
const int outer_dims[OUTER_RANK] = OUTER_DIMS;
const int outer_strides[OUTER_RANK] = OUTER_STRIDES;
const int outer_x_strides[OUTER_RANK] = OUTER_X_STRIDES;
#endif

// Where the reduced elements of output o start in x.
int kept_base(int o) {
    int base = 0;
#if KEPT_RANK > 0
    for (int k = 0; k < KEPT_RANK; ++k) base += ((o / kept_out_strides[k]) % kept_dims[k]) * kept_x_strides[k];
#endif
    return base;
}

int outer_offset(int outer) {
    int offset = 0;
#if OUTER_RANK > 0
    for (int k = 0; k < OUTER_RANK; ++k) offset += ((outer / outer_strides[k]) % outer_dims[k]) * outer_x_strides[k];
#endif
    return offset;
}

// The offset from kept_base of reduced element r.
int reduced_offset(int r) {
#if OUTER_RANK > 0
    int outer = r / RUN;
    return outer_offset(outer) + (r - outer * RUN) * RUN_STRIDE;
#else
    return r * RUN_STRIDE;
#endif
}
