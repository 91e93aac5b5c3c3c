// Float32 matrix product C[b] = op(A[b]) x op(B[b]) tuned for large products on GPUs, compute path.
// Preconditions (checked by the kernel): rows of A, B and C are multiples of 4 floats, so every
// global access is one aligned 128-bit load or store.
//
// A workgroup computes a BM x BN tile of C. It is KSPLIT groups of (BM / TM) * (BN / TN) threads; group g
// multiplies depths g * BK / KSPLIT ... of every K-slice, so a small grid still gives each SM many warps
// without shrinking the blocks that make a shared-memory read worth many FMAs. A group splits the tile into
// warp tiles of WM x WN, each computed by a grid of LY x LX = (WM / TM) x (WN / TN) consecutive threads. Where
// that is 32 threads, one warp, the warp's shared-memory reads of a depth span only WM rows of A and WN
// columns of B: few distinct vec4s, the rest broadcast. A thread owns a TM x TN block of C held in vec4
// registers, made of SM x SN sub-blocks spread over its warp tile: sub-block (p, q) of the thread at (ly, lx)
// starts at row (p * LY + ly) * SM and column (q * LX + lx) * SN of the warp tile, so neighbouring threads
// read and store neighbouring vec4s. With WM = BM, WN = BN and 4 x 4 sub-blocks, a thread's quads are
// strided over the whole tile (the layout before warp tiles). At the end groups 1... hand their sums to
// group 0 through shared memory, and group 0 stores the tile.
// K is walked in slices of BK. Both operands sit in shared memory k-major (A transposed): one vec4
// read gives a thread 4 consecutive rows of A, another 4 consecutive columns of B. Shared memory is
// double-buffered: the next slice is loaded from global memory into registers while the current one
// is multiplied out of shared memory, then stored into the other buffer, with one barrier per slice.
//
// Defines: M, N, K, A_BATCH_STRIDE, B_BATCH_STRIDE (floats; 0 broadcasts), TRANSPOSE_A, TRANSPOSE_B,
// and the tile: BM, BN, BK, TM, TN (TM, TN, BK multiples of 4), KSPLIT (dividing BK), the warp tile WM, WN
// and the sub-block SM, SN (multiples of 4), WG_SIZE (a literal: GLSL 4.30 takes no expression in a layout
// qualifier). Workgroup z is the batch index.
#if TM > 16 || BK / KSPLIT > 32
#error "matmul_tuned.comp: the unrolled loops (DEPTH, ZERO_ROW, STORE_ROW) cover TM <= 16 and BK / KSPLIT <= 32"
#endif
#if TM % 4 != 0 || TN % 4 != 0 || BK % 4 != 0 || BM % TM != 0 || BN % TN != 0 || BK % KSPLIT != 0
#error "matmul_tuned.comp: TM, TN and BK must be multiples of 4 dividing the tile, KSPLIT must divide BK"
#endif
#if BM % WM != 0 || BN % WN != 0 || WM % TM != 0 || WN % TN != 0 || SM % 4 != 0 || SN % 4 != 0 \
    || TM % SM != 0 || TN % SN != 0
#error "matmul_tuned.comp: WM x WN must divide the tile into TM x TN blocks, SM x SN (multiples of 4) divide those"
#endif
#if WG_SIZE != KSPLIT * (BM / TM) * (BN / TN)
#error "matmul_tuned.comp: WG_SIZE must be KSPLIT * (BM / TM) * (BN / TN)"
#endif
#define LX (WN / TN)
#define LY (WM / TM)
layout(local_size_x = WG_SIZE) in;
layout(std430, binding = 0) readonly restrict buffer x_vectors { uvec4 x_data4[]; };
layout(std430, binding = 1) readonly restrict buffer y_vectors { uvec4 y_data4[]; };
layout(std430, binding = 2) writeonly restrict buffer out_vectors { uvec4 out_data4[]; };

const int GROUP_SIZE = (BM / TM) * (BN / TN);
const int WARP_TILE_THREADS = LX * LY;
const int SM4 = SM / 4;     // row quads of a sub-block
const int SN4 = SN / 4;     // column quads
const int KG = BK / KSPLIT;     // depths of a slice that one group multiplies

// Shared memory, in vec4s: per buffer `slot`, A's slice (row k: rows m..m+3 of A at depth k, at
// a_at(slot, k, m / 4)), then B's (columns n..n+3 at depth k). An operand stored with K contiguous is
// transposed on its way in; its rows get one vec4 of padding, so those stores do not collide in banks
// (see stash_a). After the last slice the same memory carries the groups' partial sums.
#if TRANSPOSE_A
const int A_ROW = BM / 4;
#else
const int A_ROW = BM / 4 + 1;
#endif
#if TRANSPOSE_B
const int B_ROW = BN / 4 + 1;
#else
const int B_ROW = BN / 4;
#endif
const int A_SLOT = BK * A_ROW;
const int B_SLOT = BK * B_ROW;
const int TILE_VEC4S = 2 * (A_SLOT + B_SLOT);
// One row of the thread blocks of every group but the first: the reduction moves at least that much a round.
const int ACC_ROW_VEC4S = (KSPLIT - 1) * GROUP_SIZE * (TN / 4);
const int SHARED_VEC4S = max(TILE_VEC4S, ACC_ROW_VEC4S);
shared vec4 tiles[SHARED_VEC4S];

int a_at(int slot, int k, int mq) { return slot * A_SLOT + k * A_ROW + mq; }
int b_at(int slot, int k, int nq) { return 2 * A_SLOT + slot * B_SLOT + k * B_ROW + nq; }

// Global -> shared traffic moves in units of 4 vec4s (16 floats). An operand stored with K contiguous
// (A, or B transposed) loads a unit as 4 rows x 4 k and transposes it in registers, so the shared
// stores are whole vec4s too; one stored k-major loads 4 k-rows of one vec4. Units are dealt to the
// threads round-robin, A's first: every thread stages the same number of registers.
const int A_UNITS = BM * BK / 16;
const int UNITS = (BM + BN) * BK / 16;
const int UNITS_PER_THREAD = (UNITS + WG_SIZE - 1) / WG_SIZE;
const int K4 = K / 4;       // a row of an operand stored with K contiguous, in vec4s
const int M4 = M / 4;
const int N4 = N / 4;
// Units of an operand stored with K contiguous go to threads in pairs of depth quads of the same 4 rows: a
// pair reads one 32-byte sector of each row, and a quarter warp (one wavefront of 128-bit shared-memory
// stores) stores 4 row quads x 2 depth quads, which the padded rows spread over all 32 banks.
const int PAIR = BK % 8 == 0 ? 2 : 1;

vec4 staged[UNITS_PER_THREAD][4];
vec4 acc[TM][TN / 4];
// The thread's rows 4 * i ... 4 * i + 3 of its block are row quad row_quad0 + row_quad(i) of the tile; its
// column quad j is col_quad0 + col_quad(j). Unrolled loops make row_quad(i) and col_quad(j) constants.
int t, group, row_quad0, col_quad0, row0, col0, a_base, b_base;

int row_quad(int i) { return (i / SM4) * LY * SM4 + i % SM4; }
int col_quad(int j) { return (j / SN4) * LX * SN4 + j % SN4; }

// Whole-tile products compile the bounds checks away (K = 0 reads nothing: its buffers are empty).
bool row_in(int row) { return M % BM == 0 || row < M; }
bool col_in(int col) { return N % BN == 0 || col < N; }
bool depth_in(int k) { return K % BK == 0 ? K > 0 : k < K; }

// The row quad and the depth quad of unit u of an operand stored with K contiguous, `quads` row quads wide.
ivec2 paired_unit(int u, int quads) {
    return ivec2((u / PAIR) % quads, u % PAIR + PAIR * (u / (PAIR * quads)));
}

void fetch_a(int u, int s, inout vec4 v[4]) {
#if TRANSPOSE_A
    // A stored [K, M]: unit = rows m..m+3 at depths k..k+3, a vec4 per depth (consecutive threads: consecutive m).
    int mq = u % (BM / 4), k = s * BK + (u / (BM / 4)) * 4;
    int m = row0 + mq * 4;
    for (int c = 0; c < 4; ++c)
        v[c] = row_in(m) && depth_in(k + c) ? uintBitsToFloat(x_data4[a_base + (k + c) * M4 + m / 4]) : vec4(0.0);
#else
    // A stored [M, K]: unit = rows m..m+3 at k..k+3.
    ivec2 q = paired_unit(u, BM / 4);
    int m = row0 + q.x * 4, k = s * BK + q.y * 4, k4 = s * (BK / 4) + q.y;   // k4 = k / 4 without a division
    for (int c = 0; c < 4; ++c)
        v[c] = row_in(m + c) && depth_in(k) ? uintBitsToFloat(x_data4[a_base + (m + c) * K4 + k4]) : vec4(0.0);
#endif
}

void stash_a(int u, int slot, vec4 v[4]) {
#if TRANSPOSE_A
    int mq = u % (BM / 4), k = (u / (BM / 4)) * 4;
    for (int c = 0; c < 4; ++c) tiles[a_at(slot, k + c, mq)] = v[c];
#else
    ivec2 q = paired_unit(u, BM / 4);
    int k = q.y * 4;
    tiles[a_at(slot, k, q.x)] = vec4(v[0].x, v[1].x, v[2].x, v[3].x);
    tiles[a_at(slot, k + 1, q.x)] = vec4(v[0].y, v[1].y, v[2].y, v[3].y);
    tiles[a_at(slot, k + 2, q.x)] = vec4(v[0].z, v[1].z, v[2].z, v[3].z);
    tiles[a_at(slot, k + 3, q.x)] = vec4(v[0].w, v[1].w, v[2].w, v[3].w);
#endif
}

void fetch_b(int u, int s, inout vec4 v[4]) {
#if TRANSPOSE_B
    // B stored [N, K]: unit = columns n..n+3 at k..k+3.
    ivec2 q = paired_unit(u, BN / 4);
    int n = col0 + q.x * 4, k = s * BK + q.y * 4, k4 = s * (BK / 4) + q.y;
    for (int c = 0; c < 4; ++c)
        v[c] = col_in(n + c) && depth_in(k) ? uintBitsToFloat(y_data4[b_base + (n + c) * K4 + k4]) : vec4(0.0);
#else
    // B stored [K, N]: unit = columns n..n+3 at depths k..k+3, a vec4 per depth.
    int nq = u % (BN / 4), k = s * BK + (u / (BN / 4)) * 4;
    int n = col0 + nq * 4;
    for (int c = 0; c < 4; ++c)
        v[c] = col_in(n) && depth_in(k + c) ? uintBitsToFloat(y_data4[b_base + (k + c) * N4 + n / 4]) : vec4(0.0);
#endif
}

void stash_b(int u, int slot, vec4 v[4]) {
#if TRANSPOSE_B
    ivec2 q = paired_unit(u, BN / 4);
    int k = q.y * 4;
    tiles[b_at(slot, k, q.x)] = vec4(v[0].x, v[1].x, v[2].x, v[3].x);
    tiles[b_at(slot, k + 1, q.x)] = vec4(v[0].y, v[1].y, v[2].y, v[3].y);
    tiles[b_at(slot, k + 2, q.x)] = vec4(v[0].z, v[1].z, v[2].z, v[3].z);
    tiles[b_at(slot, k + 3, q.x)] = vec4(v[0].w, v[1].w, v[2].w, v[3].w);
#else
    int nq = u % (BN / 4), k = (u / (BN / 4)) * 4;
    for (int c = 0; c < 4; ++c) tiles[b_at(slot, k + c, nq)] = v[c];
#endif
}

// K-slice s (depths s * BK ...), from global memory into this thread's registers.
void fetch(int s) {
    for (int j = 0; j < UNITS_PER_THREAD; ++j) {
        int u = t + j * WG_SIZE;
        if (u < A_UNITS) fetch_a(u, s, staged[j]);
        else if (u < UNITS) fetch_b(u - A_UNITS, s, staged[j]);
    }
}

// The fetched slice, from registers into shared buffer `slot`.
void stash(int slot) {
    for (int j = 0; j < UNITS_PER_THREAD; ++j) {
        int u = t + j * WG_SIZE;
        if (u < A_UNITS) stash_a(u, slot, staged[j]);
        else if (u < UNITS) stash_b(u - A_UNITS, slot, staged[j]);
    }
}

// One depth of the slice: a_row, b_row index its row of A and of B in shared memory.
void multiply_depth(int a_row, int b_row) {
    vec4 a[TM / 4];
    vec4 b[TN / 4];
    for (int i = 0; i < TM / 4; ++i) a[i] = tiles[a_row + row_quad(i)];
    for (int j = 0; j < TN / 4; ++j) b[j] = tiles[b_row + col_quad(j)];
    for (int i = 0; i < TM / 4; ++i) {
        for (int j = 0; j < TN / 4; ++j) {
            acc[4 * i][j] += a[i].x * b[j];
            acc[4 * i + 1][j] += a[i].y * b[j];
            acc[4 * i + 2][j] += a[i].z * b[j];
            acc[4 * i + 3][j] += a[i].w * b[j];
        }
    }
}

// This group's depths of the slice in buffer `slot`, unrolled by the preprocessor: NVIDIA's GL compiler
// keeps a loop over them rolled (a REP loop in its assembly), and on an H100 that cost a tenth of the speed
// (n = 4096: 77% of cuBLAS rolled, 86% unrolled; a CUDA copy of this shader ran 78% with its depth loop
// rolled, 88% unrolled). Unrolled, every shared read is a per-slice base plus a constant offset.
#define DEPTH(kk) if ((kk) < KG) multiply_depth(a0 + (kk) * A_ROW, b0 + (kk) * B_ROW);
void multiply(int slot) {
    int a0 = a_at(slot, group * KG, row_quad0), b0 = b_at(slot, group * KG, col_quad0);
    DEPTH(0) DEPTH(1) DEPTH(2) DEPTH(3) DEPTH(4) DEPTH(5) DEPTH(6) DEPTH(7)
    DEPTH(8) DEPTH(9) DEPTH(10) DEPTH(11) DEPTH(12) DEPTH(13) DEPTH(14) DEPTH(15)
    DEPTH(16) DEPTH(17) DEPTH(18) DEPTH(19) DEPTH(20) DEPTH(21) DEPTH(22) DEPTH(23)
    DEPTH(24) DEPTH(25) DEPTH(26) DEPTH(27) DEPTH(28) DEPTH(29) DEPTH(30) DEPTH(31)
}

#if KSPLIT > 1
// Rows of the thread blocks that the reduction moves per round: as many as the shared memory holds.
const int REDUCE_ROWS = min(TM, SHARED_VEC4S / ACC_ROW_VEC4S);

// Where group g (1...) leaves row i of a round, column quad j, of the block of thread `lane` of its group:
// consecutive threads, consecutive vec4s.
int partial_at(int g, int i, int j, int lane) {
    return (((g - 1) * REDUCE_ROWS + i) * (TN / 4) + j) * GROUP_SIZE + lane;
}

// Adds the other groups' blocks into group 0's. Loop bounds are constants, so acc keeps constant indices.
void reduce_groups() {
    int lane = t % GROUP_SIZE;
    for (int r0 = 0; r0 < TM; r0 += REDUCE_ROWS) {
        barrier();   // the last slice's reads, or the previous round's, are done
        if (group > 0)
            for (int i = 0; i < REDUCE_ROWS; ++i)
                for (int j = 0; j < TN / 4; ++j)
                    if (r0 + i < TM) tiles[partial_at(group, i, j, lane)] = acc[r0 + i][j];
        barrier();
        if (group == 0)
            for (int g = 1; g < KSPLIT; ++g)
                for (int i = 0; i < REDUCE_ROWS; ++i)
                    for (int j = 0; j < TN / 4; ++j)
                        if (r0 + i < TM) acc[r0 + i][j] += tiles[partial_at(g, i, j, lane)];
    }
}
#endif

void main() {
    t = int(gl_LocalInvocationIndex);
    group = t / GROUP_SIZE;
    int warp_tile = (t % GROUP_SIZE) / WARP_TILE_THREADS, lane = t % WARP_TILE_THREADS;
    row_quad0 = (warp_tile / (BN / WN)) * (WM / 4) + (lane / LX) * SM4;
    col_quad0 = (warp_tile % (BN / WN)) * (WN / 4) + (lane % LX) * SN4;
    row0 = int(gl_WorkGroupID.y) * BM;
    col0 = int(gl_WorkGroupID.x) * BN;
    int batch = int(gl_WorkGroupID.z);
    a_base = batch * (A_BATCH_STRIDE / 4);
    b_base = batch * (B_BATCH_STRIDE / 4);
    // Unrolled like DEPTH so that acc is indexed by constants only and stays in registers; min() keeps the
    // index of a row past TM, which the condition discards, inside the array for the compiler's bounds check.
#define ZERO_ROW(i) if ((i) < TM) for (int j = 0; j < TN / 4; ++j) acc[min(i, TM - 1)][j] = vec4(0.0);
    ZERO_ROW(0) ZERO_ROW(1) ZERO_ROW(2) ZERO_ROW(3) ZERO_ROW(4) ZERO_ROW(5) ZERO_ROW(6) ZERO_ROW(7)
    ZERO_ROW(8) ZERO_ROW(9) ZERO_ROW(10) ZERO_ROW(11) ZERO_ROW(12) ZERO_ROW(13) ZERO_ROW(14) ZERO_ROW(15)

    const int slices = (K + BK - 1) / BK;
    fetch(0);
    stash(0);
    barrier();
    for (int s = 0; s < slices; ++s) {
        bool more = s + 1 < slices;
        if (more) fetch(s + 1);     // in flight while this slice is multiplied
        multiply(s & 1);
        if (more) {
            // The other buffer was last read in the previous slice, before the barrier that ended it.
            stash((s + 1) & 1);
            barrier();
        }
    }
#if KSPLIT > 1
    reduce_groups();
    if (group > 0) return;
#endif

    // Column quads outermost: each loads its epilogue parameters (epilogue.glsl; fused batch norms) once.
    // No early exit: the rows, unrolled like ZERO_ROW, index acc with constants, which keeps it in registers.
    int c_base = batch * (M * N4);
#define STORE_ROW(i) if ((i) < TM) { \
        int row = row0 + (row_quad0 + row_quad((i) / 4)) * 4 + (i) % 4; \
        if (row_in(row)) \
            out_data4[c_base + row * N4 + col / 4] = floatBitsToUint(epilogue(acc[min(i, TM - 1)][j], quad)); }
    for (int j = 0; j < TN / 4; ++j) {
        int col = col0 + (col_quad0 + col_quad(j)) * 4;
        if (col_in(col)) {
            EpilogueQuad quad = epilogue_quad(col);
            STORE_ROW(0) STORE_ROW(1) STORE_ROW(2) STORE_ROW(3) STORE_ROW(4) STORE_ROW(5) STORE_ROW(6) STORE_ROW(7)
            STORE_ROW(8) STORE_ROW(9) STORE_ROW(10) STORE_ROW(11) STORE_ROW(12) STORE_ROW(13) STORE_ROW(14) STORE_ROW(15)
        }
    }
}
