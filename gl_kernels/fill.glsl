// Every element is one value, a uniform the runtime declares: `value` (float, or int for int32 and bool,
// since a float holds only 24 bits of an int), or `value_re` + i `value_im` for complex64 (FILL_COMPLEX).
#ifdef FILL_COMPLEX
vec2 compute(int i) { return vec2(value_re, value_im); }
#else
OUT_T compute(int i) { return OUT_T(value); }
#endif
