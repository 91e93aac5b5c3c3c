// Convolutions as implicit matrix products (float32, compute path): a tiled product (after
// matmul_tiled_vec4.comp) whose operand tiles are gathered straight from the NHWC tensors, so no
// im2col matrix is ever stored. One mode:
//   FORWARD          out[pixel, oc]   = sum over (tap, c)  of x at the tap's input pixel * filters[tap, c, oc]
//   BACKPROP_INPUT   dx[pixel, c]     = sum over (tap, oc) of dy at the tap's output pixel * filters[tap, oc, c]
//   BACKPROP_FILTER  dw[(tap, c), oc] = sum over positions of x at the position's tap    * dy[position, oc]
// x is binding 0, y binding 1 (x, filters / dy, filters with swapped channel axes / x, dy); x_data,
// x's words, is declared by the runtime. Every channel count is a multiple of 4, so a vec4 of B, or
// of A in BACKPROP_FILTER, is 4 channels of one pixel: one aligned 128-bit load.
// BACKPROP_INPUT runs the SH x SW sub-pixel phases (the pixels of equal h % SH and w % SW) as
// separate products, each over only the taps that can reach its pixels. Workgroup z is
// split * PHASES + phase: the sum over k runs in parts of K_CHUNK, each writing its own [M, N]
// slice of the output.
// A workgroup computes a BM x BN tile, BM = 64 * ROW_BANDS and BN = 64 * COL_BANDS (128 x 128, or
// 256 x 64 for products of at most 64 columns); thread (tx, ty) the rows ty * 4 + 64 * band + 0..3
// of each row band by the columns tx * 4 + 64 * band + 0..3 of each column band.
// Defines: the geometry of conv_window.glsl (without its functions), IN_C, OUT_C, M, N, K, K_CHUNK,
// PHASES, ROW_BANDS, COL_BANDS, and for BACKPROP_INPUT TAP_STEP_H = SH / gcd(SH, DH) and
// TAP_STEP_W = SW / gcd(SW, DW).
#define BM (64 * ROW_BANDS)
#define BN (64 * COL_BANDS)
#define BK 8
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly restrict buffer x_vectors { uvec4 x_data4[]; };
layout(std430, binding = 1) readonly restrict buffer y_vectors { uvec4 y_data4[]; };
layout(std430, binding = 2) writeonly restrict buffer out_vectors { uvec4 out_data4[]; };

// Both tiles hold vec4s packed along the product's rows (A) and columns (B), so each thread
// reads its block's operands with ROW_BANDS + COL_BANDS 128-bit loads per k.
shared vec4 a_tile[BK][BM / 4];
shared vec4 b_tile[BK][BN / 4];

vec4 x_quad(int word) { return uintBitsToFloat(x_data4[word >> 2]); }
vec4 y_quad(int word) { return uintBitsToFloat(y_data4[word >> 2]); }

// This workgroup's sum: [k_begin, k_end) of its phase's k_count terms.
int k_begin, k_end;

#ifdef BACKPROP_INPUT
// The phase's pixels: (phase_h + SH * i, phase_w + SW * j), rows_h x rows_w of them per image. The
// taps reaching them: ti = first_ti + TAP_STEP_H * a for a < taps_h (and likewise tj).
int phase_h, phase_w, rows_h, rows_w, first_ti, first_tj, taps_h, taps_w;

// The first tap of the phase along one axis (`window` when none reaches its pixels), and how many there are.
void phase_taps(int first_pixel, int pad, int stride, int dilation, int window, int step, out int first,
                out int count) {
    first = window;
    for (int t = min(window, step) - 1; t >= 0; --t) {
        // Made non-negative by a multiple of the stride, so % is portable.
        if ((first_pixel + pad + stride * window * dilation - t * dilation) % stride == 0) first = t;
    }
    count = first < window ? (window - 1 - first) / step + 1 : 0;
}

int setup_phase(int phase) {
    phase_h = phase / SW;
    phase_w = phase - (phase / SW) * SW;
    rows_h = (IN_H - phase_h + SH - 1) / SH;
    rows_w = (IN_W - phase_w + SW - 1) / SW;
    phase_taps(phase_h, PAD_T, SH, DH, KH, TAP_STEP_H, first_ti, taps_h);
    phase_taps(phase_w, PAD_L, SW, DW, KW, TAP_STEP_W, first_tj, taps_w);
    return taps_h * taps_w * OUT_C;
}

// Product row m of the phase as pixel (n, h, w); false past the phase's pixels.
bool phase_pixel(int m, out int n, out int h, out int w) {
    n = 0;
    h = 0;
    w = 0;
    if (m >= BATCH * rows_h * rows_w) return false;
    w = phase_w + (m % rows_w) * SW;
    h = phase_h + ((m / rows_w) % rows_h) * SH;
    n = m / (rows_w * rows_h);
    return true;
}
#endif

#if defined(FORWARD) || defined(BACKPROP_INPUT)
// A is [M pixels, K]: thread t fetches, for each of its A_PAIRS pairs p = t + 256 * e, column k0 + t % BK
// of rows 4 * (p / BK)..+3 (one channel of one tap at 4 pixels), one vec4 of the tile: every warp
// shares the fetching. Its rows' pixels: for FORWARD the top-left input pixel of their window.
#define A_PAIRS (ROW_BANDS / 2)
int row_n[4 * A_PAIRS], row_h[4 * A_PAIRS], row_w[4 * A_PAIRS];
bool row_valid[4 * A_PAIRS];
float staged[4 * A_PAIRS];

void setup_a(int t) {
    for (int e = 0; e < A_PAIRS; ++e) {
        for (int r = 0; r < 4; ++r) {
            int m = int(gl_WorkGroupID.y) * BM + ((t + 256 * e) / BK) * 4 + r, i = 4 * e + r;
#ifdef FORWARD
            row_valid[i] = m < M;
            row_n[i] = m / (OUT_W * OUT_H);
            row_h[i] = ((m / OUT_W) % OUT_H) * SH - PAD_T;
            row_w[i] = (m % OUT_W) * SW - PAD_L;
#else
            row_valid[i] = phase_pixel(m, row_n[i], row_h[i], row_w[i]);
#endif
        }
    }
}

void load_a(int k0, int t) {
    int k = k0 + t % BK;
#ifdef FORWARD
    int tap = k / IN_C, c = k - (k / IN_C) * IN_C;
    int dh = (tap / KW) * DH, dw = (tap - (tap / KW) * KW) * DW;
    for (int i = 0; i < 4 * A_PAIRS; ++i) {
        int h = row_h[i] + dh, w = row_w[i] + dw;
        bool inside = row_valid[i] && k < k_end && h >= 0 && h < IN_H && w >= 0 && w < IN_W;
        staged[i] = inside ? uintBitsToFloat(x_data[((row_n[i] * IN_H + h) * IN_W + w) * IN_C + c]) : 0.0;
    }
#else
    int tap = k / OUT_C, oc = k - (k / OUT_C) * OUT_C;
    int a = tap / max(taps_w, 1), b = tap - a * taps_w;   // (a phase no tap reaches fetches nothing)
    int dh = PAD_T - (first_ti + a * TAP_STEP_H) * DH, dw = PAD_L - (first_tj + b * TAP_STEP_W) * DW;
    for (int i = 0; i < 4 * A_PAIRS; ++i) {
        // The phase's taps reach its pixels at whole output positions: only the bounds remain to check.
        int rows = row_h[i] + dh, cols = row_w[i] + dw;
        bool inside = row_valid[i] && k < k_end && rows >= 0 && cols >= 0 && rows < OUT_H * SH && cols < OUT_W * SW;
        staged[i] = inside ? uintBitsToFloat(x_data[((row_n[i] * OUT_H + rows / SH) * OUT_W + cols / SW) * OUT_C + oc])
                           : 0.0;
    }
#endif
}

void store_a(int t) {
    for (int e = 0; e < A_PAIRS; ++e) {
        int p = t + 256 * e;
        a_tile[p % BK][p / BK] = vec4(staged[4 * e], staged[4 * e + 1], staged[4 * e + 2], staged[4 * e + 3]);
    }
}
#else
// A is [K positions, M] stored by position: thread t fetches, for each of its ROW_BANDS / 2 quads
// q = t + 256 * e, position q / (BM / 4) of rows (q % (BM / 4)) * 4..+3: 4 channels of one tap,
// fixed across the k loop.
#define A_QUADS (ROW_BANDS / 2)
int tap_c[A_QUADS], tap_h[A_QUADS], tap_w[A_QUADS];
bool tap_valid[A_QUADS];
vec4 staged[A_QUADS];

void setup_a(int t) {
    for (int e = 0; e < A_QUADS; ++e) {
        int m = int(gl_WorkGroupID.y) * BM + ((t + 256 * e) % (BM / 4)) * 4;
        tap_valid[e] = m < M;
        int tap = m / IN_C;
        tap_c[e] = m - tap * IN_C;
        tap_h[e] = (tap / KW) * DH - PAD_T;
        tap_w[e] = (tap - (tap / KW) * KW) * DW - PAD_L;
    }
}

void load_a(int k0, int t) {
    for (int e = 0; e < A_QUADS; ++e) {
        int k = k0 + (t + 256 * e) / (BM / 4);
        int ow = k % OUT_W, oh = (k / OUT_W) % OUT_H, n = k / (OUT_W * OUT_H);
        int h = oh * SH + tap_h[e], w = ow * SW + tap_w[e];
        bool inside = tap_valid[e] && k < k_end && h >= 0 && h < IN_H && w >= 0 && w < IN_W;
        staged[e] = inside ? x_quad(((n * IN_H + h) * IN_W + w) * IN_C + tap_c[e]) : vec4(0.0);
    }
}

void store_a(int t) {
    for (int e = 0; e < A_QUADS; ++e) {
        int q = t + 256 * e;
        a_tile[q / (BM / 4)][q % (BM / 4)] = staged[e];
    }
}
#endif

#ifdef BACKPROP_INPUT
// B's row k = (phase tap, oc) is row (tap, oc) of the transposed filters [taps * OUT_C, IN_C].
int b_row(int k) {
    int tap = k / OUT_C, oc = k - (k / OUT_C) * OUT_C;
    int a = tap / taps_w, b = tap - (tap / taps_w) * taps_w;
    return ((first_ti + a * TAP_STEP_H) * KW + first_tj + b * TAP_STEP_W) * OUT_C + oc;
}
#else
int b_row(int k) { return k; }
#endif

// B is [K, N] row-major: the filters as [(tap, c), oc] or [(tap, oc), c], or dy as [position, oc].
// Thread t < BN * 2 fetches row t / (BN / 4), column quad t % (BN / 4).
vec4 load_b(int k0, int t) {
    int k = k0 + t / (BN / 4), col = int(gl_WorkGroupID.x) * BN + (t % (BN / 4)) * 4;
    return (t < BN * 2 && col < N && k < k_end) ? y_quad(b_row(k) * N + col) : vec4(0.0);
}

void store_b(vec4 v, int t) {
    if (t < BN * 2) b_tile[t / (BN / 4)][t % (BN / 4)] = v;
}

// Where product row `row` lands in the output's [M, N] slice (-1: nowhere).
int out_row(int row) {
#ifdef BACKPROP_INPUT
    int n, h, w;
    return phase_pixel(row, n, h, w) ? (n * IN_H + h) * IN_W + w : -1;
#else
    return row < M ? row : -1;
#endif
}

void main() {
    int tx = int(gl_LocalInvocationID.x);
    int ty = int(gl_LocalInvocationID.y);
    int t = ty * 16 + tx;
    int split = int(gl_WorkGroupID.z) / PHASES;
#ifdef BACKPROP_INPUT
    int k_count = setup_phase(int(gl_WorkGroupID.z) - split * PHASES);
#else
    int k_count = K;
#endif
    k_begin = split * K_CHUNK;
    k_end = min(k_count, k_begin + K_CHUNK);
    setup_a(t);

    vec4 acc[4 * ROW_BANDS][COL_BANDS];
    for (int i = 0; i < 4 * ROW_BANDS; ++i)
        for (int j = 0; j < COL_BANDS; ++j) acc[i][j] = vec4(0.0);

    load_a(k_begin, t);
    vec4 next_b = load_b(k_begin, t);
    for (int k0 = k_begin; k0 < k_end; k0 += BK) {
        store_a(t);
        store_b(next_b, t);
        barrier();
        if (k0 + BK < k_end) {
            load_a(k0 + BK, t);
            next_b = load_b(k0 + BK, t);
        }
        for (int kk = 0; kk < BK; ++kk) {
            vec4 a[ROW_BANDS];
            vec4 b[COL_BANDS];
            for (int r = 0; r < ROW_BANDS; ++r) a[r] = a_tile[kk][ty + 16 * r];
            for (int j = 0; j < COL_BANDS; ++j) b[j] = b_tile[kk][tx + 16 * j];
            for (int r = 0; r < ROW_BANDS; ++r) {
                for (int j = 0; j < COL_BANDS; ++j) {
                    acc[4 * r][j] += a[r].x * b[j];
                    acc[4 * r + 1][j] += a[r].y * b[j];
                    acc[4 * r + 2][j] += a[r].z * b[j];
                    acc[4 * r + 3][j] += a[r].w * b[j];
                }
            }
        }
        barrier();
    }

    int c_base = split * M * N;
    for (int j = 0; j < COL_BANDS; ++j) {
        int col = int(gl_WorkGroupID.x) * BN + 64 * j + tx * 4;
        if (col >= N) continue;
        EpilogueQuad quad = epilogue_quad(col);
        for (int i = 0; i < 4 * ROW_BANDS; ++i) {
            int row = out_row(int(gl_WorkGroupID.y) * BM + 64 * (i / 4) + ty * 4 + i % 4);
            if (row >= 0) out_data4[(c_base + row * N + col) / 4] = floatBitsToUint(epilogue(acc[i][j], quad));
        }
    }
}
