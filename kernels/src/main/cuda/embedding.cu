// embedding.cu — token embedding gather.
//
// Math:     out[t, c] = float(table[tokens[t], c])     for t < count, c < dim
//           An id outside [0, vocab) writes NaN into its row, so a bad id cannot pass unnoticed
//           (the Java side rejects such ids before launching; this is the second line of defence).
// Mapping:  blockIdx.y strides over tokens (gridDim.y <= 65535), blockIdx.x * blockDim.x + threadIdx.x
//           strides over the row's columns: consecutive threads read consecutive elements (coalesced).
// Cost:     reads count*dim*sizeof(T) bytes of the table + 4*count of ids, writes 4*count*dim bytes;
//           no flops. Memory-bound; tiny next to a layer's matmuls.
// Entry points: embed_f32, embed_f16, embed_bf16 (table dtype).
// Reference: CpuBackend.embed (Backend#embed), tested in CudaKernelsVsCpuTest.embed*.
#include "common.cuh"

using namespace scalpel;

template <typename T>
__device__ __forceinline__ void embed_rows(float* out, const T* table, const int* tokens, int count, int vocab, int dim) {
    for (int t = blockIdx.y; t < count; t += gridDim.y) {
        const int id = tokens[t];
        const bool valid = id >= 0 && id < vocab;
        const T* src = table + static_cast<size_t>(valid ? id : 0) * dim;
        float* dst = out + static_cast<size_t>(t) * dim;
        for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < dim; c += gridDim.x * blockDim.x) {
            dst[c] = valid ? to_float(src[c]) : nan_f32();
        }
    }
}

extern "C" __global__ void embed_f32(float* out, const float* table, const int* tokens, int count, int vocab, int dim) {
    embed_rows(out, table, tokens, count, vocab, dim);
}
extern "C" __global__ void embed_f16(float* out, const __half* table, const int* tokens, int count, int vocab, int dim) {
    embed_rows(out, table, tokens, count, vocab, dim);
}
extern "C" __global__ void embed_bf16(float* out, const __nv_bfloat16* table, const int* tokens, int count, int vocab, int dim) {
    embed_rows(out, table, tokens, count, vocab, dim);
}
