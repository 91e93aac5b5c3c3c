// RandomUniform: element i is the unit float of random word i (needs philox.glsl).
OUT_T compute(int i) { return random_unit(i); }
