// Batched matrix product out[batch, m, n] = sum_k a[batch, m, k] * b[batch, k, n], one output
// element per invocation; a is input x, b is input y.
// M, N, K: the product's sizes; A_ROW / A_DEPTH and B_DEPTH / B_COL: the strides of m, k in a
// and of k, n in b (a transposed operand just swaps them). Batch axes broadcast:
// BATCH_RANK axes of sizes BATCH_DIMS (strides BATCH_OUT_STRIDES in batch-index space)
// step a and b by A_BATCH_STRIDES / B_BATCH_STRIDES (0 where that operand broadcasts).
// COMPLEX_DOT for vec2 operands; otherwise VEC4_T (vec4 or ivec4) carries four products at a time.

#if BATCH_RANK > 0
const int batch_dims[BATCH_RANK] = BATCH_DIMS;
const int batch_out_strides[BATCH_RANK] = BATCH_OUT_STRIDES;
const int a_batch_strides[BATCH_RANK] = A_BATCH_STRIDES;
const int b_batch_strides[BATCH_RANK] = B_BATCH_STRIDES;
#endif

OUT_T compute(int i) {
    int col = i % N;
    int rest = i / N;
    int row = rest % M;
    int batch = rest / M;
    int a = row * A_ROW;
    int b = col * B_COL;
#if BATCH_RANK > 0
    for (int d = 0; d < BATCH_RANK; ++d) {
        int coordinate = (batch / batch_out_strides[d]) % batch_dims[d];
        a += coordinate * a_batch_strides[d];
        b += coordinate * b_batch_strides[d];
    }
#endif
#ifdef COMPLEX_DOT
    vec2 sum = vec2(0.0);
    for (int k = 0; k < K; ++k) {
        vec2 u = x_get(a + k * A_DEPTH);
        vec2 v = y_get(b + k * B_DEPTH);
        sum += vec2(u.x * v.x - u.y * v.y, u.x * v.y + u.y * v.x);
    }
    return sum;
#else
    VEC4_T sums = VEC4_T(0);
    int k = 0;
    for (; k + 4 <= K; k += 4) {
        sums += VEC4_T(x_get(a + k * A_DEPTH), x_get(a + (k + 1) * A_DEPTH),
                       x_get(a + (k + 2) * A_DEPTH), x_get(a + (k + 3) * A_DEPTH))
              * VEC4_T(y_get(b + k * B_DEPTH), y_get(b + (k + 1) * B_DEPTH),
                       y_get(b + (k + 2) * B_DEPTH), y_get(b + (k + 3) * B_DEPTH));
    }
    OUT_T sum = (sums.x + sums.y) + (sums.z + sums.w);
    for (; k < K; ++k) sum += x_get(a + k * A_DEPTH) * y_get(b + k * B_DEPTH);
    return sum;
#endif
}
