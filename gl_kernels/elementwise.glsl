// Elementwise kernels over broadcast inputs x (and y, z, w). FN names a function from a
// family file (unary.glsl, binary.glsl...) included before this one; BINARY, TERNARY or
// QUATERNARY says how many inputs it takes (one when none is defined).
#if defined(QUATERNARY)
OUT_T compute(int i) { return FN(x_get(x_bcast(i)), y_get(y_bcast(i)), z_get(z_bcast(i)), w_get(w_bcast(i))); }
#elif defined(TERNARY)
OUT_T compute(int i) { return FN(x_get(x_bcast(i)), y_get(y_bcast(i)), z_get(z_bcast(i))); }
#elif defined(BINARY)
OUT_T compute(int i) { return FN(x_get(x_bcast(i)), y_get(y_bcast(i))); }
#else
OUT_T compute(int i) { return FN(x_get(i)); }
#endif
