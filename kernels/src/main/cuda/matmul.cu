// matmul.cu — matrix-matrix product for prefill, as a ladder of three selectable kernels.
//
// Math:     out[m, n] = sum_k x[m, k] * float(W[n, k])     x: [M, K] fp32, W: [N, K] stored dtype,
//           out: [M, N] fp32. Both operands are K-contiguous ("x · Wᵀ"), like a Linear layer.
// Cost:     2*M*N*K flops; at least 4*M*K + N*K*sizeof(T) + 4*M*N bytes. Compute-bound once M is
//           more than a few dozen rows (arithmetic intensity grows with M).
// Reference: CpuBackend.matmul (Backend#matmul), tested in CudaKernelsVsCpuTest.matmul* for every
//           variant; benchmarked side by side in io.scalpel.bench.cuda.CudaMatmulBench.
// Mapping:  per step below; the variant is chosen by CudaOptions.prefillMatmul (matvec.cu serves
//           single rows).
//
// Step 1 — matmul_naive_T. One thread per output element: threadIdx.x walks n (coalesced stores,
//   W rows read with a stride of K between neighbouring threads), threadIdx.y walks m; each thread
//   reads a full x row and W row from global memory. Block 16x16, grid ceil(N/16) x ceil(M/16).
//
// Step 2 — matmul_tiled_T. Shared-memory tiling with a register micro-tile (siboehm's kernel 5
//   idea): a 256-thread block owns a 64x64 output tile; per 16-wide K slice it stages a 64x16 x tile
//   and a 64x16 W tile (widened to fp32) in shared memory, stored K-major so the inner loop reads 4
//   consecutive m and 4 consecutive n values; each thread accumulates a 4x4 micro-tile in registers
//   (16 FMAs per 8 shared loads). Tiles past the matrix edges are zero-filled; stores are guarded.
//   Grid ceil(N/64) x ceil(M/64).
//   matmul_tiled_q8_0 / _q4_0 / _q4_k / _q6_k: the same kernel for W kept in its GGUF blocks (the
//   quantized prefill path): each W element is decoded to the reference codec's float as the tile is
//   staged, so the block reads 0.56–1.06 bytes per weight instead of 4 and the GEMM is the fp32 one.
//   Reference: CpuBackend.matmul on the same blocks, CudaQuantOpsTest.prefillMatmulMatchesTheCpu.
//
// Step 3 — matmul_wmma_T (T = F16 or BF16 only: tensor cores, sm_80+). A 128-thread block (4 warps
//   as 2x2) owns a 64x64 output tile, each warp a 32x32 piece = 2x2 wmma 16x16x16 fragments with
//   fp32 accumulators. Per 32-wide K slice the block stages W (stored dtype, as-is) and x. x is
//   fp32, the tensor cores take 16-bit inputs: x is split as hi = round(x), lo = round(x - hi) in
//   the weight's type and both halves are multiplied (two MMAs per fragment), so x keeps ~16
//   significant bits instead of 8 (BF16) — without the split BF16 rounding alone would cost ~1.5e-3
//   relative error, too close to the 2e-3 budget. W needs no split (it is exact in its own type).
//   Shared rows are padded by 8 elements (16 bytes) against bank conflicts; the accumulators go
//   through a padded shared tile so the edge stores can be guarded. Grid ceil(N/64) x ceil(M/64).
//   F16 range: F16 tops out at 65504, so for F16 weights each x row is first scaled by a power of two
//   s_r that brings its largest |x| into [2^14, 2^15) (a pre-pass over the block's 64 rows: warp w
//   takes rows w, w+4, ...; lanes stride over K; a max-reduction by xor-shuffle), split as above, and
//   the row's accumulators are multiplied by 1/s_r on the way out. Powers of two are exact in both
//   directions, so in-range rows lose nothing, rows with |x| > 65504 no longer overflow to inf, and
//   small rows gain precision (their lo halves leave F16's subnormal range). BF16 has fp32's range and
//   skips the pre-pass. Java reference: CpuBackend.matmul; tested with |x| up to 1e9 in
//   CudaForwardKernelsTest.tensorCoreMatmulOfHugeActivations.
#include <mma.h>

#include <type_traits>

#include "common.cuh"
#include "quant_blocks.cuh"

using namespace scalpel;

// ---- step 1: naive -------------------------------------------------------------------------------

template <typename T>
__device__ __forceinline__ void matmul_naive_impl(float* out, const float* x, const T* w, int m, int n, int k) {
    const int col = blockIdx.x * blockDim.x + threadIdx.x;
    const int row = blockIdx.y * blockDim.y + threadIdx.y;
    if (row >= m || col >= n) return;
    const float* xrow = x + static_cast<size_t>(row) * k;
    const T* wrow = w + static_cast<size_t>(col) * k;
    float acc = 0.0f;
    for (int j = 0; j < k; ++j) acc = fmaf(xrow[j], to_float(wrow[j]), acc);
    out[static_cast<size_t>(row) * n + col] = acc;
}

extern "C" __global__ void __launch_bounds__(256) matmul_naive_f32(float* out, const float* x, const float* w, int m, int n, int k) {
    matmul_naive_impl(out, x, w, m, n, k);
}
extern "C" __global__ void __launch_bounds__(256) matmul_naive_f16(float* out, const float* x, const __half* w, int m, int n, int k) {
    matmul_naive_impl(out, x, w, m, n, k);
}
extern "C" __global__ void __launch_bounds__(256) matmul_naive_bf16(float* out, const float* x, const __nv_bfloat16* w, int m, int n, int k) {
    matmul_naive_impl(out, x, w, m, n, k);
}

// ---- step 2: shared-memory tiles + 4x4 register micro-tile ---------------------------------------

constexpr int TILED_BM = 64, TILED_BN = 64, TILED_BK = 16, TILED_THREADS = 256, TILED_PAD = 4;

// load_w(gn, gk) gives float(W[gn, gk]) for in-range indices: a stored element (matmul_tiled_T) or a
// decoded quantized one (matmul_tiled_q*).
template <typename LoadW>
__device__ __forceinline__ void matmul_tiled_core(float* out, const float* x, LoadW load_w, int m, int n, int k) {
    __shared__ float xs[TILED_BK][TILED_BM + TILED_PAD];
    __shared__ float ws[TILED_BK][TILED_BN + TILED_PAD];
    const int tid = threadIdx.x;
    const int tx = tid % 16;  // micro-tile column group: n = tx*4 .. tx*4+3
    const int ty = tid / 16;  // micro-tile row group:    m = ty*4 .. ty*4+3
    const int row0 = blockIdx.y * TILED_BM;
    const int col0 = blockIdx.x * TILED_BN;
    float acc[4][4] = {};
    for (int k0 = 0; k0 < k; k0 += TILED_BK) {
        // 64x16 = 1024 elements per tile, 4 per thread; consecutive threads read consecutive k.
#pragma unroll
        for (int i = 0; i < (TILED_BM * TILED_BK) / TILED_THREADS; ++i) {
            const int e = tid + i * TILED_THREADS;
            const int r = e / TILED_BK;
            const int c = e % TILED_BK;
            const int gk = k0 + c;
            const int gm = row0 + r;
            const int gn = col0 + r;
            xs[c][r] = (gm < m && gk < k) ? x[static_cast<size_t>(gm) * k + gk] : 0.0f;
            ws[c][r] = (gn < n && gk < k) ? load_w(gn, gk) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TILED_BK; ++kk) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; ++i) a[i] = xs[kk][ty * 4 + i];
#pragma unroll
            for (int j = 0; j < 4; ++j) b[j] = ws[kk][tx * 4 + j];
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const int gm = row0 + ty * 4 + i;
        if (gm >= m) continue;
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int gn = col0 + tx * 4 + j;
            if (gn < n) out[static_cast<size_t>(gm) * n + gn] = acc[i][j];
        }
    }
}

template <typename T>
__device__ __forceinline__ void matmul_tiled_impl(float* out, const float* x, const T* w, int m, int n, int k) {
    matmul_tiled_core(out, x, [=](int gn, int gk) { return to_float(w[static_cast<size_t>(gn) * k + gk]); }, m, n, k);
}

// W kept in GGUF blocks: each staged element is decoded to the reference codec's value (quant_blocks.cuh)
// as the tile is loaded; the 16 consecutive k of one W row that a tile row takes lie in one block (16
// divides every block size), so the threads loading them share its scale bytes.
template <typename Q>
__device__ __forceinline__ void matmul_tiled_quant(float* out, const float* x, const uint8_t* w, int m, int n, int k) {
    const size_t row_bytes = quant_row_bytes<Q>(k);
    matmul_tiled_core(out, x, [=](int gn, int gk) { return Q::at(w + static_cast<size_t>(gn) * row_bytes, gk); }, m, n, k);
}

extern "C" __global__ void __launch_bounds__(TILED_THREADS) matmul_tiled_f32(float* out, const float* x, const float* w, int m, int n, int k) {
    matmul_tiled_impl(out, x, w, m, n, k);
}
extern "C" __global__ void __launch_bounds__(TILED_THREADS) matmul_tiled_f16(float* out, const float* x, const __half* w, int m, int n, int k) {
    matmul_tiled_impl(out, x, w, m, n, k);
}
extern "C" __global__ void __launch_bounds__(TILED_THREADS) matmul_tiled_bf16(float* out, const float* x, const __nv_bfloat16* w, int m, int n, int k) {
    matmul_tiled_impl(out, x, w, m, n, k);
}

extern "C" __global__ void __launch_bounds__(TILED_THREADS) matmul_tiled_q8_0(float* out, const float* x, const uint8_t* w, int m, int n, int k) {
    matmul_tiled_quant<BlockQ8_0>(out, x, w, m, n, k);
}
extern "C" __global__ void __launch_bounds__(TILED_THREADS) matmul_tiled_q4_0(float* out, const float* x, const uint8_t* w, int m, int n, int k) {
    matmul_tiled_quant<BlockQ4_0>(out, x, w, m, n, k);
}
extern "C" __global__ void __launch_bounds__(TILED_THREADS) matmul_tiled_q4_k(float* out, const float* x, const uint8_t* w, int m, int n, int k) {
    matmul_tiled_quant<BlockQ4_K>(out, x, w, m, n, k);
}
extern "C" __global__ void __launch_bounds__(TILED_THREADS) matmul_tiled_q6_k(float* out, const float* x, const uint8_t* w, int m, int n, int k) {
    matmul_tiled_quant<BlockQ6_K>(out, x, w, m, n, k);
}

// ---- step 3: tensor cores (wmma 16x16x16, fp32 accumulate) ---------------------------------------

constexpr int WMMA_BM = 64, WMMA_BN = 64, WMMA_BK = 32, WMMA_THREADS = 128;
constexpr int WMMA_LD = WMMA_BK + 8;   // 16-bit elements per staged row: 80 bytes, a multiple of 16
constexpr int WMMA_CLD = WMMA_BN + 4;  // floats per staged accumulator row

template <typename T>
__device__ __forceinline__ void matmul_wmma_impl(float* out, const float* x, const T* w, int m, int n, int k) {
    using namespace nvcuda;
    // Raw 16-bit storage (the fp16/bf16 classes have constructors that __shared__ arrays must avoid);
    // 32-byte alignment is what load_matrix_sync / store_matrix_sync require.
    __shared__ __align__(32) unsigned short xs_hi_raw[WMMA_BM * WMMA_LD];
    __shared__ __align__(32) unsigned short xs_lo_raw[WMMA_BM * WMMA_LD];
    __shared__ __align__(32) unsigned short ws_raw[WMMA_BN * WMMA_LD];
    __shared__ __align__(32) float cs[WMMA_BM * WMMA_CLD];
    __shared__ float row_scale[WMMA_BM], row_unscale[WMMA_BM];  // F16 only: power-of-two range scaling per x row
    T* xs_hi = reinterpret_cast<T*>(xs_hi_raw);
    T* xs_lo = reinterpret_cast<T*>(xs_lo_raw);
    T* ws = reinterpret_cast<T*>(ws_raw);

    const int tid = threadIdx.x;
    const int warp = tid >> 5;
    const int warp_m = warp / 2;  // which 32-row half of the block tile
    const int warp_n = warp % 2;  // which 32-column half
    const int row0 = blockIdx.y * WMMA_BM;
    const int col0 = blockIdx.x * WMMA_BN;

    constexpr bool scaled = std::is_same<T, __half>::value;
    if (scaled) {
        const int lane = tid & 31;
        for (int r = warp; r < WMMA_BM; r += WMMA_THREADS / 32) {
            const int gm = row0 + r;
            float big = 0.0f;
            if (gm < m) {
                for (int c = lane; c < k; c += 32) big = fmaxf(big, fabsf(x[static_cast<size_t>(gm) * k + c]));
            }
            big = warp_max(big);
            if (lane == 0) {
                // big < 2^(E-126) for biased exponent E; shift so it lands below 2^15. Zero, inf and NaN rows stay unscaled.
                const int e = static_cast<int>((__float_as_uint(big) >> 23) & 0xffu);
                const int shift = (big == 0.0f || e == 0xff) ? 0 : max(-100, min(100, 141 - e));
                row_scale[r] = __uint_as_float(static_cast<unsigned>(127 + shift) << 23);
                row_unscale[r] = __uint_as_float(static_cast<unsigned>(127 - shift) << 23);
            }
        }
        __syncthreads();
    }

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

    for (int k0 = 0; k0 < k; k0 += WMMA_BK) {
        // 64x32 elements of each operand, 16 per thread; consecutive threads take consecutive k.
#pragma unroll 4
        for (int i = 0; i < (WMMA_BM * WMMA_BK) / WMMA_THREADS; ++i) {
            const int e = tid + i * WMMA_THREADS;
            const int r = e / WMMA_BK;
            const int c = e % WMMA_BK;
            const int gk = k0 + c;
            const int gm = row0 + r;
            const int gn = col0 + r;
            float v = (gm < m && gk < k) ? x[static_cast<size_t>(gm) * k + gk] : 0.0f;
            if (scaled) v *= row_scale[r];
            const T hi = from_float<T>(v);
            xs_hi[r * WMMA_LD + c] = hi;
            xs_lo[r * WMMA_LD + c] = from_float<T>(v - to_float(hi));
            ws[r * WMMA_LD + c] = (gn < n && gk < k) ? w[static_cast<size_t>(gn) * k + gk] : from_float<T>(0.0f);
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < WMMA_BK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a_hi[2], a_lo[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::col_major> b[2];
#pragma unroll
            for (int i = 0; i < 2; ++i) {
                const int r = warp_m * 32 + i * 16;
                wmma::load_matrix_sync(a_hi[i], xs_hi + r * WMMA_LD + kk, WMMA_LD);
                wmma::load_matrix_sync(a_lo[i], xs_lo + r * WMMA_LD + kk, WMMA_LD);
            }
#pragma unroll
            for (int j = 0; j < 2; ++j) {
                // W is [N, K] row-major, i.e. the K x N operand Wᵀ in column-major order.
                wmma::load_matrix_sync(b[j], ws + (warp_n * 32 + j * 16) * WMMA_LD + kk, WMMA_LD);
            }
#pragma unroll
            for (int i = 0; i < 2; ++i)
#pragma unroll
                for (int j = 0; j < 2; ++j) {
                    wmma::mma_sync(acc[i][j], a_hi[i], b[j], acc[i][j]);
                    wmma::mma_sync(acc[i][j], a_lo[i], b[j], acc[i][j]);
                }
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j)
            wmma::store_matrix_sync(cs + (warp_m * 32 + i * 16) * WMMA_CLD + warp_n * 32 + j * 16, acc[i][j], WMMA_CLD,
                                    wmma::mem_row_major);
    __syncthreads();
    for (int e = tid; e < WMMA_BM * WMMA_BN; e += WMMA_THREADS) {
        const int r = e / WMMA_BN;
        const int c = e % WMMA_BN;
        const int gm = row0 + r;
        const int gn = col0 + c;
        if (gm < m && gn < n) out[static_cast<size_t>(gm) * n + gn] = scaled ? cs[r * WMMA_CLD + c] * row_unscale[r] : cs[r * WMMA_CLD + c];
    }
}

extern "C" __global__ void __launch_bounds__(WMMA_THREADS) matmul_wmma_f16(float* out, const float* x, const __half* w, int m, int n, int k) {
    matmul_wmma_impl(out, x, w, m, n, k);
}
extern "C" __global__ void __launch_bounds__(WMMA_THREADS) matmul_wmma_bf16(float* out, const float* x, const __nv_bfloat16* w, int m, int n, int k) {
    matmul_wmma_impl(out, x, w, m, n, k);
}
