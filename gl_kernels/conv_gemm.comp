// Convolutions as implicit matrix products (float32, compute path): the tiled product of
// matmul_tiled_vec4.comp, whose operand tiles are gathered straight from the NHWC tensors, so no
// im2col matrix is ever stored. One mode:
//   FORWARD          out[pixel, oc]        = sum over (tap, c)   of x at the tap's pixel      * filters[tap, c, oc]
//   BACKPROP_INPUT   dx[pixel, c]          = sum over (tap, oc)  of dy at the tap's output     * filters[tap, c, oc]
//   BACKPROP_FILTER  dw[(tap, c), oc]      = sum over positions  of x at the position's tap   * dy[position, oc]
// (x is binding 0, y binding 1: x, filters / dy, filters / x, dy.) Every channel count is a
// multiple of 4, so each staged vec4 is 4 channels of one pixel: one aligned 128-bit load.
// The sum over k runs in SPLITS parts of K_CHUNK (workgroup z), each writing its own [M, N] slice.
// Defines: conv_window.glsl's geometry (without its functions), IN_C, OUT_C, M, N, K, K_CHUNK.
#define BM 128
#define BN 128
#define BK 8
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly restrict buffer x_vectors { uvec4 x_data4[]; };
layout(std430, binding = 1) readonly restrict buffer y_vectors { uvec4 y_data4[]; };
layout(std430, binding = 2) writeonly restrict buffer out_vectors { uvec4 out_data4[]; };

shared float a_tile[BK][BM];
shared vec4 b_tile[BK][BN / 4];

vec4 x_quad(int word) { return uintBitsToFloat(x_data4[word >> 2]); }
vec4 y_quad(int word) { return uintBitsToFloat(y_data4[word >> 2]); }

// Per thread, what its A loads share across the k loop: the coordinates of its row of the product.
int row_n, row_h, row_w, row_c;
bool row_valid;

#if defined(FORWARD) || defined(BACKPROP_INPUT)
// A is [M pixels, K] and thread t stages row t / 2, k quad (t % 2) * 4: fixed pixel, varying tap.
void setup_a(int t) {
    int m = int(gl_WorkGroupID.y) * BM + t / 2;
    row_valid = m < M;
#ifdef FORWARD
    int w = m % OUT_W, h = (m / OUT_W) % OUT_H;
    row_n = m / (OUT_W * OUT_H);
    row_h = h * SH - PAD_T;
    row_w = w * SW - PAD_L;
#else
    row_w = m % IN_W;
    row_h = (m / IN_W) % IN_H;
    row_n = m / (IN_W * IN_H);
#endif
}

vec4 load_a(int k0, int k_end, int t) {
    int k = k0 + (t % 2) * 4;
    if (!row_valid || k >= k_end) return vec4(0.0);
#ifdef FORWARD
    int tap = k / IN_C, c = k - (k / IN_C) * IN_C;
    int ti = tap / KW, tj = tap - (tap / KW) * KW;
    int h = row_h + ti * DH, w = row_w + tj * DW;
    if (h < 0 || h >= IN_H || w < 0 || w >= IN_W) return vec4(0.0);
    return x_quad(((row_n * IN_H + h) * IN_W + w) * IN_C + c);
#else
    int tap = k / OUT_C, oc = k - (k / OUT_C) * OUT_C;
    int ti = tap / KW, tj = tap - (tap / KW) * KW;
    int rows = row_h + PAD_T - ti * DH, cols = row_w + PAD_L - tj * DW;
    if (rows < 0 || cols < 0) return vec4(0.0);
    int oh = rows / SH, ow = cols / SW;
    if (oh * SH != rows || ow * SW != cols || oh >= OUT_H || ow >= OUT_W) return vec4(0.0);
    return x_quad(((row_n * OUT_H + oh) * OUT_W + ow) * OUT_C + oc);
#endif
}

void store_a(vec4 v, int t) {
    int row = t / 2, k = (t % 2) * 4;
    a_tile[k][row] = v.x;
    a_tile[k + 1][row] = v.y;
    a_tile[k + 2][row] = v.z;
    a_tile[k + 3][row] = v.w;
}
#else
// A is [K positions, M] stored by position: thread t stages position t / 32 and rows (t % 32) * 4..+3,
// 4 channels of one tap, fixed across the k loop.
void setup_a(int t) {
    int m = int(gl_WorkGroupID.y) * BM + (t % 32) * 4;
    row_valid = m < M;
    int tap = m / IN_C;
    row_c = m - tap * IN_C;
    int ti = tap / KW, tj = tap - (tap / KW) * KW;
    row_h = ti * DH - PAD_T;
    row_w = tj * DW - PAD_L;
}

vec4 load_a(int k0, int k_end, int t) {
    int k = k0 + t / 32;
    if (!row_valid || k >= k_end) return vec4(0.0);
    int ow = k % OUT_W, oh = (k / OUT_W) % OUT_H, n = k / (OUT_W * OUT_H);
    int h = oh * SH + row_h, w = ow * SW + row_w;
    if (h < 0 || h >= IN_H || w < 0 || w >= IN_W) return vec4(0.0);
    return x_quad(((n * IN_H + h) * IN_W + w) * IN_C + row_c);
}

void store_a(vec4 v, int t) {
    int k = t / 32, row = (t % 32) * 4;
    a_tile[k][row] = v.x;
    a_tile[k][row + 1] = v.y;
    a_tile[k][row + 2] = v.z;
    a_tile[k][row + 3] = v.w;
}
#endif

#ifdef BACKPROP_INPUT
// B[k = (tap, oc), c] = filters[tap, c, oc]: thread t stages column c = t / 2, k quad (t % 2) * 4.
vec4 load_b(int k0, int k_end, int t) {
    int c = int(gl_WorkGroupID.x) * BN + t / 2, k = k0 + (t % 2) * 4;
    if (c >= N || k >= k_end) return vec4(0.0);
    int tap = k / OUT_C, oc = k - (k / OUT_C) * OUT_C;
    return y_quad((tap * IN_C + c) * OUT_C + oc);
}

void store_b(vec4 v, int t) {
    int col = t / 2, k = (t % 2) * 4;
    b_tile[k][col / 4][col % 4] = v.x;
    b_tile[k + 1][col / 4][col % 4] = v.y;
    b_tile[k + 2][col / 4][col % 4] = v.z;
    b_tile[k + 3][col / 4][col % 4] = v.w;
}
#else
// B is [K, N] row-major (the filters as [(tap, c), oc], or dy as [position, oc]).
vec4 load_b(int k0, int k_end, int t) {
    int k = k0 + t / 32, col = int(gl_WorkGroupID.x) * BN + (t % 32) * 4;
    return (col < N && k < k_end) ? y_quad(k * N + col) : vec4(0.0);
}

void store_b(vec4 v, int t) {
    b_tile[t / 32][t % 32] = v;
}
#endif

void main() {
    int tx = int(gl_LocalInvocationID.x);
    int ty = int(gl_LocalInvocationID.y);
    int t = ty * 16 + tx;
    int split = int(gl_WorkGroupID.z);
    int k_begin = split * K_CHUNK;
    int k_end = min(K, k_begin + K_CHUNK);
    setup_a(t);

    vec4 acc[8][2];
    for (int i = 0; i < 8; ++i) { acc[i][0] = vec4(0.0); acc[i][1] = vec4(0.0); }

    vec4 next_a = load_a(k_begin, k_end, t);
    vec4 next_b = load_b(k_begin, k_end, t);
    for (int k0 = k_begin; k0 < k_end; k0 += BK) {
        store_a(next_a, t);
        store_b(next_b, t);
        barrier();
        if (k0 + BK < k_end) {
            next_a = load_a(k0 + BK, k_end, t);
            next_b = load_b(k0 + BK, k_end, t);
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

    int c_base = split * M * N;
    int col0 = int(gl_WorkGroupID.x) * BN + tx * 4;
    for (int i = 0; i < 8; ++i) {
        int row = int(gl_WorkGroupID.y) * BM + (i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4));
        if (row >= M) continue;
        for (int j = 0; j < 2; ++j) {
            int col = col0 + 64 * j;
            if (col < N) out_data4[(c_base + row * N + col) / 4] = floatBitsToUint(acc[i][j]);
        }
    }
}
