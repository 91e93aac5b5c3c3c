// Batched matrix product out[batch, m, n] = sum_k a[batch, m, k] * b[batch, k, n], one output
// element per invocation; a is input x, b is input y.
// M, N, K: the product's sizes; A_ROW / A_DEPTH and B_DEPTH / B_COL: the strides of m, k in a
// and of k, n in b (a transposed operand just swaps them). Batch axes broadcast:
// BATCH_RANK axes of sizes BATCH_DIMS (strides BATCH_OUT_STRIDES in batch-index space)
// step a and b by A_BATCH_STRIDES / B_BATCH_STRIDES (0 where that operand broadcasts).
// COMPLEX_DOT for vec2 operands; otherwise VEC4_T (vec4 or ivec4) carries four products at a time.
// COMPUTE_TEXEL (fragment path, float32, neither operand transposed, K and N multiples of 4): one
// output texel, four adjacent columns, per fragment, from one texel of a and four of b per 4-deep K step.

#if BATCH_RANK > 0
const int batch_dims[BATCH_RANK] = BATCH_DIMS;
const int batch_out_strides[BATCH_RANK] = BATCH_OUT_STRIDES;
const int a_batch_strides[BATCH_RANK] = A_BATCH_STRIDES;
const int b_batch_strides[BATCH_RANK] = B_BATCH_STRIDES;
#endif

// The first word of output element i's row of a and column of b: (a, b).
ivec2 operand_offsets(int i) {
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
    return ivec2(a, b);
}

#ifdef COMPUTE_TEXEL
vec4 compute_texel(int first) {
    ivec2 offsets = operand_offsets(first);
    int a_texel = offsets.x >> 2, b_texel = offsets.y >> 2;
    const int b_row_texels = N / 4;
    vec4 sums = vec4(0.0);
    for (int k = 0; k < K / 4; ++k) {
        vec4 a4 = uintBitsToFloat(x_texel(a_texel + k));
        int b_rows = b_texel + 4 * k * b_row_texels;
        sums += a4.x * uintBitsToFloat(y_texel(b_rows));
        sums += a4.y * uintBitsToFloat(y_texel(b_rows + b_row_texels));
        sums += a4.z * uintBitsToFloat(y_texel(b_rows + 2 * b_row_texels));
        sums += a4.w * uintBitsToFloat(y_texel(b_rows + 3 * b_row_texels));
    }
    return sums;
}
#endif

OUT_T compute(int i) {
    ivec2 offsets = operand_offsets(i);
    int a = offsets.x;
    int b = offsets.y;
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
