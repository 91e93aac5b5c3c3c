// The output is x broadcast to the output shape.
OUT_T compute(int i) { return x_get(x_bcast(i)); }
