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
//
// embed_q8_0, embed_q4_0, embed_q4_k, embed_q6_k: the same gather from a table kept in its GGUF blocks.
// Mapping:  as above, one thread per output element; thread c decodes element c of the looked-up row
//           (quant_blocks.cuh: its block's scale bytes, then its own 4/6/8 bits), so neighbouring
//           threads read the same block header (one L1 line) and consecutive quant bytes.
// Why on the device: the table stays resident like every other weight (a 7B Q4_K_M table is ~70 MB),
//           and a replayed decode graph embeds the id that argmax left in device memory — a host
//           decode would need that id back on the host first. Only `count` rows are decoded.
// Cost:     reads count·dim·(block bytes / block size) bytes plus the scale bytes again from L1.
// Reference: CpuBackend.embed on the same blocks (the reference codec's values), bit-exact:
//           CudaQuantOpsTest.embeddingRowsAreTheReferenceValues.
#include "common.cuh"
#include "quant_blocks.cuh"

using namespace scalpel;

// load(row, c) gives float(table[id, c]) from the row's first element: a stored one or a decoded quantized one.
template <typename Elem, typename Load>
__device__ __forceinline__ void embed_core(float* out, const Elem* table, size_t row_elems, Load load, const int* tokens, int count, int vocab, int dim) {
    for (int t = blockIdx.y; t < count; t += gridDim.y) {
        const int id = tokens[t];
        const bool valid = id >= 0 && id < vocab;
        const Elem* src = table + static_cast<size_t>(valid ? id : 0) * row_elems;
        float* dst = out + static_cast<size_t>(t) * dim;
        for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < dim; c += gridDim.x * blockDim.x) {
            dst[c] = valid ? load(src, c) : nan_f32();
        }
    }
}

template <typename T>
__device__ __forceinline__ void embed_rows(float* out, const T* table, const int* tokens, int count, int vocab, int dim) {
    embed_core(out, table, static_cast<size_t>(dim), [](const T* row, int c) { return to_float(row[c]); }, tokens, count, vocab, dim);
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

template <typename Q>
__device__ __forceinline__ void embed_quant_rows(float* out, const uint8_t* table, const int* tokens, int count, int vocab, int dim) {
    embed_core(out, table, quant_row_bytes<Q>(dim), [](const uint8_t* row, int c) { return Q::at(row, c); }, tokens, count, vocab, dim);
}

extern "C" __global__ void embed_q8_0(float* out, const uint8_t* table, const int* tokens, int count, int vocab, int dim) {
    embed_quant_rows<BlockQ8_0>(out, table, tokens, count, vocab, dim);
}
extern "C" __global__ void embed_q4_0(float* out, const uint8_t* table, const int* tokens, int count, int vocab, int dim) {
    embed_quant_rows<BlockQ4_0>(out, table, tokens, count, vocab, dim);
}
extern "C" __global__ void embed_q4_k(float* out, const uint8_t* table, const int* tokens, int count, int vocab, int dim) {
    embed_quant_rows<BlockQ4_K>(out, table, tokens, count, vocab, dim);
}
extern "C" __global__ void embed_q6_k(float* out, const uint8_t* table, const int* tokens, int count, int vocab, int dim) {
    embed_quant_rows<BlockQ6_K>(out, table, tokens, count, vocab, dim);
}
