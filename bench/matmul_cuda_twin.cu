// A CUDA copy of gl_kernels/matmul_tuned.comp at its tile 256x128x8/16x8 (A [M,K], B [K,N], row-major): the
// same loads, shared-memory layout, double buffering and order of FMAs, timed beside cuBLAS (no TF32) in one
// process. It separates what the algorithm reaches from what NVIDIA's GL compiler makes of the shader
// (bench/RESULTS.md, 2026-11-27): built with -DKK_ROLLED=1 its depth loop stays rolled, as the GL compiler
// left the shader's before that loop was unrolled by the preprocessor.
//
//   nvcc -O3 -arch=sm_90 -std=c++17 -o matmul_cuda_twin bench/matmul_cuda_twin.cu -lcublas && ./matmul_cuda_twin [n]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <cublas_v2.h>
#include <cuda_runtime.h>

constexpr int BM = 256, BN = 128, BK = 8, TM = 16, TN = 8, WG = 256;
constexpr int LX = BN / TN, LY = BM / TM;            // 16 x 16 threads
constexpr int A_ROW = BM / 4 + 1, B_ROW = BN / 4;    // vec4s a depth row (A padded)
constexpr int A_SLOT = BK * A_ROW, B_SLOT = BK * B_ROW;
constexpr int A_UNITS = BM * BK / 16, UNITS = (BM + BN) * BK / 16;

// C [M, N] = A [M, K] x B [K, N], M a multiple of BM, N of BN and K of BK (main checks n).
__global__ void __launch_bounds__(WG) twin(const float4* __restrict__ A, const float4* __restrict__ B,
                                           float4* __restrict__ C, int N, int K) {
    __shared__ float4 tiles[2 * (A_SLOT + B_SLOT)];
    const int t = threadIdx.x;
    const int row_quad0 = t / LX, col_quad0 = t % LX;
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    const int K4 = K / 4, N4 = N / 4;
    float4 acc[TM][TN / 4];
#pragma unroll
    for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN / 4; ++j) acc[i][j] = make_float4(0, 0, 0, 0);
    float4 v[4];
    auto fetch = [&](int s) {
        int u = t;
        if (u < A_UNITS) {
            int qx = (u / 2) % (BM / 4), qy = u % 2 + 2 * (u / (2 * (BM / 4)));
            int m = row0 + qx * 4, k4 = s * (BK / 4) + qy;
#pragma unroll
            for (int c = 0; c < 4; ++c) v[c] = A[(m + c) * K4 + k4];
        } else if (u < UNITS) {
            u -= A_UNITS;
            int nq = u % (BN / 4), k = s * BK + (u / (BN / 4)) * 4, n = col0 + nq * 4;
#pragma unroll
            for (int c = 0; c < 4; ++c) v[c] = B[(k + c) * N4 + n / 4];
        }
    };
    auto stash = [&](int slot) {
        int u = t;
        if (u < A_UNITS) {
            int qx = (u / 2) % (BM / 4), qy = u % 2 + 2 * (u / (2 * (BM / 4)));
            int k = qy * 4, base = slot * A_SLOT + qx;
            tiles[base + k * A_ROW] = make_float4(v[0].x, v[1].x, v[2].x, v[3].x);
            tiles[base + (k + 1) * A_ROW] = make_float4(v[0].y, v[1].y, v[2].y, v[3].y);
            tiles[base + (k + 2) * A_ROW] = make_float4(v[0].z, v[1].z, v[2].z, v[3].z);
            tiles[base + (k + 3) * A_ROW] = make_float4(v[0].w, v[1].w, v[2].w, v[3].w);
        } else if (u < UNITS) {
            u -= A_UNITS;
            int nq = u % (BN / 4), k = (u / (BN / 4)) * 4;
#pragma unroll
            for (int c = 0; c < 4; ++c) tiles[2 * A_SLOT + slot * B_SLOT + (k + c) * B_ROW + nq] = v[c];
        }
    };
    const int slices = K / BK;
    fetch(0);
    stash(0);
    __syncthreads();
    for (int s = 0; s < slices; ++s) {
        bool more = s + 1 < slices;
        if (more) fetch(s + 1);
        int slot = s & 1;
        int a0 = slot * A_SLOT + row_quad0, b0 = 2 * A_SLOT + slot * B_SLOT + col_quad0;
#if KK_ROLLED
#pragma unroll 1
#else
#pragma unroll
#endif
        for (int kk = 0; kk < BK; ++kk) {
            float4 a[TM / 4], b[TN / 4];
#pragma unroll
            for (int i = 0; i < TM / 4; ++i) a[i] = tiles[a0 + kk * A_ROW + i * LY];
#pragma unroll
            for (int j = 0; j < TN / 4; ++j) b[j] = tiles[b0 + kk * B_ROW + j * LX];
#pragma unroll
            for (int i = 0; i < TM / 4; ++i)
#pragma unroll
                for (int j = 0; j < TN / 4; ++j) {
                    float av[4] = {a[i].x, a[i].y, a[i].z, a[i].w};
#pragma unroll
                    for (int r = 0; r < 4; ++r) {
                        acc[4 * i + r][j].x += av[r] * b[j].x;
                        acc[4 * i + r][j].y += av[r] * b[j].y;
                        acc[4 * i + r][j].z += av[r] * b[j].z;
                        acc[4 * i + r][j].w += av[r] * b[j].w;
                    }
                }
        }
        if (more) {
            stash((s + 1) & 1);
            __syncthreads();
        }
    }
#pragma unroll
    for (int j = 0; j < TN / 4; ++j) {
        int col = col0 + (col_quad0 + j * LX) * 4;
#pragma unroll
        for (int i = 0; i < TM; ++i) {
            int row = row0 + (row_quad0 + (i / 4) * LY) * 4 + i % 4;
            C[row * N4 + col / 4] = acc[i][j];
        }
    }
}

int main(int argc, char** argv) {
    std::vector<int> sizes = {1024, 2048, 4096};
    if (argc > 1) sizes = {atoi(argv[1])};
    for (int n : sizes) {
        if (n <= 0 || n % BM != 0) {
            fprintf(stderr, "n must be a positive multiple of %d, got %d\n", BM, n);
            return 1;
        }
    }
    cublasHandle_t handle;
    cublasCreate(&handle);
    cublasSetMathMode(handle, CUBLAS_PEDANTIC_MATH);   // no TF32
    for (int n : sizes) {
        size_t count = size_t(n) * n;
        std::vector<float> ha(count), hb(count), hc(count), hr(count);
        srand(1);
        for (auto& x : ha) x = rand() / float(RAND_MAX) - 0.5f;
        for (auto& x : hb) x = rand() / float(RAND_MAX) - 0.5f;
        float *a, *b, *c, *r;
        cudaMalloc(&a, count * 4); cudaMalloc(&b, count * 4); cudaMalloc(&c, count * 4); cudaMalloc(&r, count * 4);
        cudaMemcpy(a, ha.data(), count * 4, cudaMemcpyHostToDevice);
        cudaMemcpy(b, hb.data(), count * 4, cudaMemcpyHostToDevice);
        dim3 grid(n / BN, n / BM);
        float one = 1, zero = 0;
        auto run_twin = [&] { twin<<<grid, WG>>>((float4*)a, (float4*)b, (float4*)c, n, n); };
        // Row-major C = A B is column-major C^T = B^T A^T.
        auto run_cublas = [&] {
            cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, b, n, a, n, &zero, r, n);
        };
        cudaEvent_t e0, e1;
        cudaEventCreate(&e0); cudaEventCreate(&e1);
        auto best_ms = [&](auto fn) {
            fn(); cudaDeviceSynchronize();
            float best = 1e30f;
            for (int rep = 0; rep < 5; ++rep) {
                int iters = n == 4096 ? 20 : 100;
                cudaEventRecord(e0);
                for (int i = 0; i < iters; ++i) fn();
                cudaEventRecord(e1); cudaEventSynchronize(e1);
                float ms; cudaEventElapsedTime(&ms, e0, e1);
                best = std::min(best, ms / iters);
            }
            return best;
        };
        float t_twin = best_ms(run_twin), t_cublas = best_ms(run_cublas);
        t_cublas = std::min(t_cublas, best_ms(run_cublas));   // cuBLAS's faster timing, as bench/matmul_sweep.py
        cudaMemcpy(hc.data(), c, count * 4, cudaMemcpyDeviceToHost);
        cudaMemcpy(hr.data(), r, count * 4, cudaMemcpyDeviceToHost);
        double err = 0, mag = 0;
        for (size_t i = 0; i < count; ++i) {
            err = std::max(err, double(fabsf(hc[i] - hr[i])));
            mag = std::max(mag, double(fabsf(hr[i])));
        }
        double flops = 2.0 * n * n * n;
        printf("n=%d cuBLAS %.1f us (%.1f TFLOP/s)  twin %.1f us (%.1f TFLOP/s) = %.0f%% of cuBLAS  "
               "max err/max %.1e  %s\n", n, t_cublas * 1e3, flops / t_cublas / 1e9, t_twin * 1e3,
               flops / t_twin / 1e9, 100 * t_cublas / t_twin, err / mag, cudaGetErrorString(cudaGetLastError()));
        cudaEventDestroy(e0); cudaEventDestroy(e1);
        cudaFree(a); cudaFree(b); cudaFree(c); cudaFree(r);
    }
    cublasDestroy(handle);
    return 0;
}
