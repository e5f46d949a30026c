// residual.cu — residual add and bias add.
//
// Math:     add:        x[i] += y[i]                        for i < n
//           add_bias_T: x[r, c] += float(bias[c])           for r < rows, c < cols
// Mapping:  flat grid-stride loops, one element per thread per step, coalesced; for the bias the
//           column is i % cols (the bias vector stays in L1/L2).
// Cost:     add: reads 8n, writes 4n bytes, n flops. add_bias: reads 4*rows*cols + cols*sizeof(T),
//           writes 4*rows*cols bytes. Memory-bound.
// Entry points: add, add_bias_f32, add_bias_f16, add_bias_bf16 (bias dtype).
// Reference: CpuBackend.add / CpuBackend.addBias, tested in CudaKernelsVsCpuTest.add and .addBias*.
#include "common.cuh"

using namespace scalpel;

extern "C" __global__ void add(float* x, const float* y, long long n) {
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        x[i] += y[i];
    }
}

template <typename T>
__device__ __forceinline__ void add_bias_rows(float* x, const T* bias, int rows, int cols) {
    const long long total = static_cast<long long>(rows) * cols;
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
        x[i] += to_float(bias[i % cols]);
    }
}

extern "C" __global__ void add_bias_f32(float* x, const float* bias, int rows, int cols) { add_bias_rows(x, bias, rows, cols); }
extern "C" __global__ void add_bias_f16(float* x, const __half* bias, int rows, int cols) { add_bias_rows(x, bias, rows, cols); }
extern "C" __global__ void add_bias_bf16(float* x, const __nv_bfloat16* bias, int rows, int cols) { add_bias_rows(x, bias, rows, cols); }
