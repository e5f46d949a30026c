// matvec.cu — matrix-vector product for decode: out[r, :] = x[r, :] · Wᵀ, W of shape [n, k].
//
// Math:     out[r, o] = sum_j x[r, j] * float(W[o, j]), fp32 accumulation, W in its stored dtype.
// Mapping:  one warp per output feature o (8 warps = 8 features per 256-thread block, gridDim.x =
//           ceil(n / 8)); blockIdx.y strides over the x rows (decode has one). The warp walks W's row
//           with 16-byte loads: lane l reads elements [l*V, l*V + V) of each 32*V-element step
//           (V = 4 for F32, 8 for F16/BF16), so a warp step is one 512-byte contiguous read. Two
//           steps are issued before the first FMA (two independent accumulators) to keep loads in
//           flight. Lanes end with partial sums that a 5-step xor-shuffle tree adds up; lane 0 writes.
//           The 16-byte path needs k % V == 0 and 16-byte aligned W and x; otherwise a scalar loop
//           (lane l reads j = l, l + 32, ...) is taken — the branch is uniform over the grid.
// Cost:     reads n*k*sizeof(T) bytes of W (the dominant term) + 4*k per x row (cached), writes 4*n
//           per row; 2*n*k flops per row. Memory-bound: at rows = 1, time ≈ n*k*sizeof(T) / bandwidth.
// Entry points: matvec_f32, matvec_f16, matvec_bf16 (W dtype).
//
// matvec3_T — up to three products of the same x in one launch (Q, K and V; or gate and up with the
//   third unused): out_i = x · W_iᵀ, each W_i [n_i, k] of one dtype. Mapping: blockIdx.z picks the
//   product (gridDim.z = how many), then exactly as above with gridDim.x = ceil(max n_i / 8); blocks past
//   a shorter product's n_i return at once. Cost: the sum of the three products'; one launch instead of
//   two or three. Reference: CpuBackend.matmul per product (Backend#matmulTriple / #matmulPair), tested
//   in CudaForwardKernelsTest.fusedMatvec.
// Reference: CpuBackend.matmul (Backend#matmul), tested in CudaKernelsVsCpuTest.matvec*.
#include "common.cuh"

using namespace scalpel;

constexpr int MATVEC_THREADS = 256;
constexpr int MATVEC_FEATURES_PER_BLOCK = MATVEC_THREADS / 32;

template <typename T>
__device__ __forceinline__ float dot16(const T* w, const float* x) {
    constexpr int V = Vec16<T>::N;
    float wf[V];
    load16(w, wf);
    float xf[V];
#pragma unroll
    for (int i = 0; i < V; i += 4) {
        float xv[4];
        load16(x + i, xv);
        xf[i] = xv[0]; xf[i + 1] = xv[1]; xf[i + 2] = xv[2]; xf[i + 3] = xv[3];
    }
    float s = 0.0f;
#pragma unroll
    for (int i = 0; i < V; ++i) s = fmaf(wf[i], xf[i], s);
    return s;
}

template <typename T>
__device__ __forceinline__ void matvec_rows(float* out, const float* x, const T* w, int rows, int n, int k) {
    constexpr int V = Vec16<T>::N;
    const int lane = threadIdx.x & 31;
    const int feature = blockIdx.x * MATVEC_FEATURES_PER_BLOCK + (threadIdx.x >> 5);
    if (feature >= n) return;  // no barriers below: a whole warp leaves together
    const T* wrow = w + static_cast<size_t>(feature) * k;
    const bool vectorised = (k % V) == 0 && aligned16(w) && aligned16(x);
    for (int r = blockIdx.y; r < rows; r += gridDim.y) {
        const float* xrow = x + static_cast<size_t>(r) * k;
        float acc0 = 0.0f, acc1 = 0.0f;
        if (vectorised) {
            const int step = 32 * V;
            int j = lane * V;
            for (; j + step < k; j += 2 * step) {
                acc0 += dot16(wrow + j, xrow + j);
                acc1 += dot16(wrow + j + step, xrow + j + step);
            }
            if (j < k) acc0 += dot16(wrow + j, xrow + j);
        } else {
            for (int j = lane; j < k; j += 32) acc0 = fmaf(to_float(wrow[j]), xrow[j], acc0);
        }
        const float sum = warp_sum(acc0 + acc1);
        if (lane == 0) out[static_cast<size_t>(r) * n + feature] = sum;
    }
}

extern "C" __global__ void __launch_bounds__(MATVEC_THREADS) matvec_f32(float* out, const float* x, const float* w, int rows, int n, int k) {
    matvec_rows(out, x, w, rows, n, k);
}
extern "C" __global__ void __launch_bounds__(MATVEC_THREADS) matvec_f16(float* out, const float* x, const __half* w, int rows, int n, int k) {
    matvec_rows(out, x, w, rows, n, k);
}
extern "C" __global__ void __launch_bounds__(MATVEC_THREADS) matvec_bf16(float* out, const float* x, const __nv_bfloat16* w, int rows, int n, int k) {
    matvec_rows(out, x, w, rows, n, k);
}

template <typename T>
__device__ __forceinline__ void matvec3(float* out0, const T* w0, int n0, float* out1, const T* w1, int n1, float* out2, const T* w2,
                                        int n2, const float* x, int rows, int k) {
    const int z = blockIdx.z;  // uniform over the block: one product per z-slice of the grid
    if (z == 0) matvec_rows(out0, x, w0, rows, n0, k);
    else if (z == 1) matvec_rows(out1, x, w1, rows, n1, k);
    else matvec_rows(out2, x, w2, rows, n2, k);
}

extern "C" __global__ void __launch_bounds__(MATVEC_THREADS) matvec3_f32(float* out0, const float* w0, int n0, float* out1, const float* w1,
                                                                        int n1, float* out2, const float* w2, int n2, const float* x, int rows, int k) {
    matvec3(out0, w0, n0, out1, w1, n1, out2, w2, n2, x, rows, k);
}
extern "C" __global__ void __launch_bounds__(MATVEC_THREADS) matvec3_f16(float* out0, const __half* w0, int n0, float* out1, const __half* w1,
                                                                        int n1, float* out2, const __half* w2, int n2, const float* x, int rows, int k) {
    matvec3(out0, w0, n0, out1, w1, n1, out2, w2, n2, x, rows, k);
}
extern "C" __global__ void __launch_bounds__(MATVEC_THREADS) matvec3_bf16(float* out0, const __nv_bfloat16* w0, int n0, float* out1,
                                                                         const __nv_bfloat16* w1, int n1, float* out2, const __nv_bfloat16* w2, int n2,
                                                                         const float* x, int rows, int k) {
    matvec3(out0, w0, n0, out1, w1, n1, out2, w2, n2, x, rows, k);
}
