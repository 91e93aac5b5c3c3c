// Tiled matrix product C[b] = op(A[b]) x op(B[b]) for float32, compute path only.
// Each 16x16 workgroup computes a BM x BN tile of C; each thread an TM x TN block of
// registers, rows ty + 16*i and columns tx + 16*j so neighbouring threads touch
// neighbouring addresses (coalesced global stores, conflict-free shared reads).
// Defines: M, N, K, A_BATCH_STRIDE, B_BATCH_STRIDE (0 broadcasts), TRANSPOSE_A, TRANSPOSE_B, and the tile
// BM x BN (multiples of 32; 128 x 128 unless smaller tiles give a small product enough workgroups).
#ifndef BM
#define BM 128
#endif
#ifndef BN
#define BN 128
#endif
#define BK 8
#define TM (BM / 16)
#define TN (BN / 16)
layout(local_size_x = 16, local_size_y = 16) in;

shared float a_tile[BK][BM];
shared float b_tile[BK][BN];

float a_at(int base, int row, int k) {
#if TRANSPOSE_A
    return uintBitsToFloat(x_data[base + k * M + row]);
#else
    return uintBitsToFloat(x_data[base + row * K + k]);
#endif
}

float b_at(int base, int k, int col) {
#if TRANSPOSE_B
    return uintBitsToFloat(y_data[base + col * K + k]);
#else
    return uintBitsToFloat(y_data[base + k * N + col]);
#endif
}

void main() {
    int tx = int(gl_LocalInvocationID.x);
    int ty = int(gl_LocalInvocationID.y);
    int thread = ty * 16 + tx;
    int row0 = int(gl_WorkGroupID.y) * BM;
    int col0 = int(gl_WorkGroupID.x) * BN;
    int batch = int(gl_WorkGroupID.z);
    int a_base = batch * A_BATCH_STRIDE;
    int b_base = batch * B_BATCH_STRIDE;

    float acc[TM][TN];
    for (int i = 0; i < TM; ++i)
        for (int j = 0; j < TN; ++j)
            acc[i][j] = 0.0;

    for (int k0 = 0; k0 < K; k0 += BK) {
        // Each of the 256 threads stages BM*BK/256 values of A's tile and BN*BK/256 of B's; the index
        // order follows memory order of the source so a warp reads contiguous words.
        for (int e = 0; e < BM * BK / 256; ++e) {
            int index = thread + e * 256;
#if TRANSPOSE_A
            int kk = index / BM, r = index - (index / BM) * BM;
#else
            int r = index / BK, kk = index - (index / BK) * BK;
#endif
            int gr = row0 + r, gk = k0 + kk;
            a_tile[kk][r] = (gr < M && gk < K) ? a_at(a_base, gr, gk) : 0.0;
        }
        for (int e = 0; e < BN * BK / 256; ++e) {
            int index = thread + e * 256;
#if TRANSPOSE_B
            int c = index / BK, kb = index - (index / BK) * BK;
#else
            int kb = index / BN, c = index - (index / BN) * BN;
#endif
            int gc = col0 + c, gkb = k0 + kb;
            b_tile[kb][c] = (gc < N && gkb < K) ? b_at(b_base, gkb, gc) : 0.0;
        }
        barrier();
        for (int kk = 0; kk < BK; ++kk) {
            float a[TM];
            float b[TN];
            for (int i = 0; i < TM; ++i) a[i] = a_tile[kk][ty + 16 * i];
            for (int j = 0; j < TN; ++j) b[j] = b_tile[kk][tx + 16 * j];
            for (int i = 0; i < TM; ++i)
                for (int j = 0; j < TN; ++j)
                    acc[i][j] += a[i] * b[j];
        }
        barrier();
    }

    int c_base = batch * M * N;
    for (int i = 0; i < TM; ++i) {
        int r = row0 + ty + 16 * i;
        if (r >= M) break;
        for (int j = 0; j < TN; ++j) {
            int c = col0 + tx + 16 * j;
            if (c < N) out_data[c_base + r * N + c] = floatBitsToUint(epilogue(acc[i][j], c));
        }
    }
}
