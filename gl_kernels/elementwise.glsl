// Elementwise kernels over broadcast inputs x (and y). FN names a function from a
// family file (unary.glsl, binary.glsl) included before this one.
#ifdef BINARY
OUT_T compute(int i) { return FN(x_get(x_bcast(i)), y_get(y_bcast(i))); }
#else
OUT_T compute(int i) { return FN(x_get(i)); }
#endif
