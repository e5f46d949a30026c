// rmsnorm.cu — RMS normalisation of activation rows, scaled by a weight vector.
//
// Math:     out[r, c] = x[r, c] * (1 / sqrt(mean_c(x[r, c]^2) + eps)) * float(gamma[c])
//           The sum of squares accumulates in fp32; 1/sqrt is the IEEE-rounded sqrtf and division
//           (not rsqrtf), to stay within a few ulp of the CPU. out may alias x (in-place).
// Mapping:  one block per row (blockIdx.x strides over rows), its threads stride over the columns:
//           pass 1 each thread sums squares, warp shuffles then shared memory reduce to one value,
//           pass 2 each thread rescales the columns it read (same thread, same index: alias-safe).
// Cost:     reads 2*4*rows*dim bytes of x (the second pass mostly hits L1/L2) + rows*dim*sizeof(T) of
//           gamma (cached), writes 4*rows*dim; ~4*rows*dim flops. Memory-bound.
// Entry points: rmsnorm_f32, rmsnorm_f16, rmsnorm_bf16 (gamma dtype).
// Reference: CpuBackend.rmsNorm (Backend#rmsNorm), tested in CudaKernelsVsCpuTest.rmsNorm*.
#include "common.cuh"

using namespace scalpel;

template <typename T>
__device__ __forceinline__ void rmsnorm_rows(float* out, const float* x, const T* gamma, int rows, int dim, float eps) {
    __shared__ float scratch[32];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + static_cast<size_t>(r) * dim;
        float* outr = out + static_cast<size_t>(r) * dim;
        float squares = 0.0f;
        for (int c = threadIdx.x; c < dim; c += blockDim.x) {
            const float v = xr[c];
            squares += v * v;
        }
        const float total = block_sum(squares, scratch);
        const float inv = 1.0f / sqrtf(total / static_cast<float>(dim) + eps);
        for (int c = threadIdx.x; c < dim; c += blockDim.x) {
            outr[c] = xr[c] * inv * to_float(gamma[c]);
        }
    }
}

extern "C" __global__ void __launch_bounds__(256) rmsnorm_f32(float* out, const float* x, const float* gamma, int rows, int dim, float eps) {
    rmsnorm_rows(out, x, gamma, rows, dim, eps);
}
extern "C" __global__ void __launch_bounds__(256) rmsnorm_f16(float* out, const float* x, const __half* gamma, int rows, int dim, float eps) {
    rmsnorm_rows(out, x, gamma, rows, dim, eps);
}
extern "C" __global__ void __launch_bounds__(256) rmsnorm_bf16(float* out, const float* x, const __nv_bfloat16* gamma, int rows, int dim, float eps) {
    rmsnorm_rows(out, x, gamma, rows, dim, eps);
}
