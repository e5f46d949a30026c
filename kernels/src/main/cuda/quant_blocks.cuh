// quant_blocks.cuh — one element of a GGUF-quantized row, decoded to the reference codec's float
// (included, never compiled on its own).
//
// Each block type is a struct with BLOCK (elements per block), BYTES (bytes per block) and
// at(row, e): element e of the row whose first block starts at `row`. at() repeats the arithmetic of
// io.scalpel.quant.*Codec#decode (ggml's dequantize_row_*) operation for operation, with the _rn
// intrinsics so nvcc cannot contract a multiply and a subtract into one FMA: the float it returns
// is the CPU reference's, bit for bit (CudaQuantOpsTest checks embedding rows for equality).
//   Q8_0  (34 B / 32):  d·q                          d fp16, q int8
//   Q4_0  (18 B / 32):  (nibble − 8)·d                byte i: element i low nibble, i+16 high
//   Q4_K (144 B / 256): (d·sc_j)·q − dmin·m_j         6-bit (sc, m) per sub-block j of 32 (get_scale_min_k4)
//   Q6_K (210 B / 256): (d·scale)·(q − 32)           q = 4 low bits (ql) | 2 high bits (qh) << 4
// Used by the embedding gather, the tiled prefill GEMM and the surgery's row cosines; they call at()
// per element and re-read the block's scales each time (from L1: neighbouring threads share a block).
// The decode-heavy matrix-vector kernel (quant_matvec.cu) decodes a block's scales once instead.
#pragma once

#include "common.cuh"

namespace scalpel {

// Every ggml_half in these blocks sits at an even offset (block sizes 34, 18, 144, 210 are even; weights
// are allocated 256-byte aligned), so it is read as one aligned 16-bit load.
__device__ __forceinline__ float quant_half(const uint8_t* p) {
    return __half2float(__ushort_as_half(*reinterpret_cast<const unsigned short*>(p)));
}

// get_scale_min_k4 of ggml: the 6-bit scale and min of Q4_K sub-block j from the 12 packed bytes at q.
__device__ __forceinline__ void q4k_scale_min(int j, const uint8_t* q, int& sc, int& m) {
    if (j < 4) {
        sc = q[j] & 63;
        m = q[j + 4] & 63;
    } else {
        sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

struct BlockQ8_0 {
    static constexpr int BLOCK = 32, BYTES = 34;
    __device__ static __forceinline__ float at(const uint8_t* row, int e) {
        const uint8_t* b = row + BYTES * (e / BLOCK);
        return __fmul_rn(quant_half(b), static_cast<float>(static_cast<int8_t>(b[2 + e % BLOCK])));
    }
};

struct BlockQ4_0 {
    static constexpr int BLOCK = 32, BYTES = 18;
    __device__ static __forceinline__ float at(const uint8_t* row, int e) {
        const uint8_t* b = row + BYTES * (e / BLOCK);
        const int i = e % BLOCK;
        const int q = (b[2 + (i & 15)] >> ((i >> 4) << 2)) & 0x0F;
        return __fmul_rn(static_cast<float>(q - 8), quant_half(b));
    }
};

struct BlockQ4_K {
    static constexpr int BLOCK = 256, BYTES = 144;
    __device__ static __forceinline__ float at(const uint8_t* row, int e) {
        const uint8_t* b = row + BYTES * (e / BLOCK);
        const int i = e % BLOCK, j = i / 32, l = i % 32;  // sub-block j: chunk j / 2 of qs, low nibbles for even j
        int s, m;
        q4k_scale_min(j, b + 4, s, m);
        const int q = (b[16 + 32 * (j / 2) + l] >> ((j & 1) * 4)) & 0xF;
        const float ds = __fmul_rn(quant_half(b), static_cast<float>(s));
        const float dm = __fmul_rn(quant_half(b + 2), static_cast<float>(m));
        return __fsub_rn(__fmul_rn(ds, static_cast<float>(q)), dm);
    }
};

struct BlockQ6_K {
    static constexpr int BLOCK = 256, BYTES = 210;
    __device__ static __forceinline__ float at(const uint8_t* row, int e) {
        const uint8_t* b = row + BYTES * (e / BLOCK);
        const int i = e % BLOCK, h = i / 128, g = (i % 128) / 32, l = i % 32;  // element 128h + 32g + l
        const int low = (b[64 * h + (g & 1) * 32 + l] >> ((g >> 1) << 2)) & 0xF;
        const int high = (b[128 + 32 * h + l] >> (2 * g)) & 3;
        const int scale = static_cast<int8_t>(b[192 + 8 * h + l / 16 + 2 * g]);
        return __fmul_rn(__fmul_rn(quant_half(b + 208), static_cast<float>(scale)), static_cast<float>((low | (high << 4)) - 32));
    }
};

// Bytes of one row of `cols` elements (cols a multiple of Q::BLOCK, checked on the Java side).
template <typename Q>
__device__ __forceinline__ size_t quant_row_bytes(int cols) { return static_cast<size_t>(cols / Q::BLOCK) * Q::BYTES; }

}  // namespace scalpel
