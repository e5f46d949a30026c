// swiglu.cu — the gated activation of a Llama MLP.
//
// Math:     gate[i] = silu(gate[i]) * up[i],  silu(g) = g / (1 + exp(-g))   (expf, not __expf: full
//           accuracy; the kernel is memory-bound so the cost is hidden).
// Mapping:  flat grid-stride loop, one element per thread per step; consecutive threads, consecutive
//           elements (coalesced 128-byte warp transactions).
// Cost:     reads 8n bytes, writes 4n bytes; ~5n flops (+ n exp). Memory-bound: time = 12n / bandwidth.
// Entry point: swiglu.
// Reference: CpuBackend.swiglu (Backend#swiglu), tested in CudaKernelsVsCpuTest.swiglu.
#include "common.cuh"

extern "C" __global__ void swiglu(float* gate, const float* up, long long n) {
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        const float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}
