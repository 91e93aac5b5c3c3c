// Tiled float32 matrix product with 128-bit loads, for operands whose rows are a
// multiple of 4 floats (checked by the kernel). A 16x16 workgroup computes a
// 128x128 tile of C; each thread a 8x8 block made of two 4-row bands (rows ty*4
// and 64+ty*4) by two 4-column bands (tx*4 and 64+tx*4), so a warp's shared-memory
// reads and global stores are contiguous. The next K-slice is fetched into
// registers while the current one is multiplied out of shared memory.
// Defines: M, N, K, A_BATCH_STRIDE, B_BATCH_STRIDE (0 broadcasts), TRANSPOSE_A, TRANSPOSE_B.
#define BM 128
#define BN 128
#define BK 8
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly restrict buffer x_vectors { uvec4 x_data4[]; };
layout(std430, binding = 1) readonly restrict buffer y_vectors { uvec4 y_data4[]; };
layout(std430, binding = 2) writeonly restrict buffer out_vectors { uvec4 out_data4[]; };

shared float a_tile[BK][BM];   // scalar: rows arrive one K-vector at a time (scattered)
shared vec4 b_tile[BK][BN / 4];

// Thread t stages one vec4 of each operand per K-slice.
// A's tile is a float array: storing a vec4 of 4 K-values of one row into 4 K-rows
// would otherwise need dynamically indexed vector components, which compile badly.
vec4 load_a(int base, int k0, int t) {
#if TRANSPOSE_A
    int k = k0 + t / 32, row = int(gl_WorkGroupID.y) * BM + (t % 32) * 4;   // A stored [K, M]
    return (row < M && k < K) ? uintBitsToFloat(x_data4[(base + k * M + row) / 4]) : vec4(0.0);
#else
    int row = int(gl_WorkGroupID.y) * BM + t / 2, k = k0 + (t % 2) * 4;     // A stored [M, K]
    return (row < M && k < K) ? uintBitsToFloat(x_data4[(base + row * K + k) / 4]) : vec4(0.0);
#endif
}

void store_a(vec4 v, int t) {
#if TRANSPOSE_A
    int k = t / 32, row = (t % 32) * 4;
    a_tile[k][row] = v.x;
    a_tile[k][row + 1] = v.y;
    a_tile[k][row + 2] = v.z;
    a_tile[k][row + 3] = v.w;
#else
    int row = t / 2, k = (t % 2) * 4;
    a_tile[k][row] = v.x;
    a_tile[k + 1][row] = v.y;
    a_tile[k + 2][row] = v.z;
    a_tile[k + 3][row] = v.w;
#endif
}

vec4 load_b(int base, int k0, int t) {
#if TRANSPOSE_B
    int col = int(gl_WorkGroupID.x) * BN + t / 2, k = k0 + (t % 2) * 4;     // B stored [N, K]
    return (col < N && k < K) ? uintBitsToFloat(y_data4[(base + col * K + k) / 4]) : vec4(0.0);
#else
    int k = k0 + t / 32, col = int(gl_WorkGroupID.x) * BN + (t % 32) * 4;   // B stored [K, N]
    return (col < N && k < K) ? uintBitsToFloat(y_data4[(base + k * N + col) / 4]) : vec4(0.0);
#endif
}

void store_b(vec4 v, int t) {
#if TRANSPOSE_B
    int col = t / 2, k = (t % 2) * 4;
    b_tile[k][col / 4][col % 4] = v.x;
    b_tile[k + 1][col / 4][col % 4] = v.y;
    b_tile[k + 2][col / 4][col % 4] = v.z;
    b_tile[k + 3][col / 4][col % 4] = v.w;
#else
    b_tile[t / 32][t % 32] = v;
#endif
}

void main() {
    int tx = int(gl_LocalInvocationID.x);
    int ty = int(gl_LocalInvocationID.y);
    int t = ty * 16 + tx;
    int batch = int(gl_WorkGroupID.z);
    int a_base = batch * A_BATCH_STRIDE;
    int b_base = batch * B_BATCH_STRIDE;

    vec4 acc[8][2];
    for (int i = 0; i < 8; ++i) { acc[i][0] = vec4(0.0); acc[i][1] = vec4(0.0); }

    vec4 next_a = load_a(a_base, 0, t);
    vec4 next_b = load_b(b_base, 0, t);
    for (int k0 = 0; k0 < K; k0 += BK) {
        store_a(next_a, t);
        store_b(next_b, t);
        barrier();
        if (k0 + BK < K) {
            next_a = load_a(a_base, k0 + BK, t);
            next_b = load_b(b_base, k0 + BK, t);
        }
        for (int kk = 0; kk < BK; ++kk) {
            vec4 a0 = vec4(a_tile[kk][ty * 4], a_tile[kk][ty * 4 + 1], a_tile[kk][ty * 4 + 2], a_tile[kk][ty * 4 + 3]);
            vec4 a1 = vec4(a_tile[kk][64 + ty * 4], a_tile[kk][65 + ty * 4], a_tile[kk][66 + ty * 4],
                           a_tile[kk][67 + ty * 4]);
            vec4 b0 = b_tile[kk][tx], b1 = b_tile[kk][16 + tx];
            acc[0][0] += a0.x * b0; acc[0][1] += a0.x * b1;
            acc[1][0] += a0.y * b0; acc[1][1] += a0.y * b1;
            acc[2][0] += a0.z * b0; acc[2][1] += a0.z * b1;
            acc[3][0] += a0.w * b0; acc[3][1] += a0.w * b1;
            acc[4][0] += a1.x * b0; acc[4][1] += a1.x * b1;
            acc[5][0] += a1.y * b0; acc[5][1] += a1.y * b1;
            acc[6][0] += a1.z * b0; acc[6][1] += a1.z * b1;
            acc[7][0] += a1.w * b0; acc[7][1] += a1.w * b1;
        }
        barrier();
    }

    int c_base = batch * M * N;
    int col0 = int(gl_WorkGroupID.x) * BN + tx * 4;
    for (int j = 0; j < 2; ++j) {
        int col = col0 + 64 * j;
        if (col >= N) continue;
        EpilogueQuad quad = epilogue_quad(col);
        for (int i = 0; i < 8; ++i) {
            int row = int(gl_WorkGroupID.y) * BM + (i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4));
            if (row < M) out_data4[(c_base + row * N + col) / 4] = floatBitsToUint(epilogue(acc[i][j], quad));
        }
    }
}
