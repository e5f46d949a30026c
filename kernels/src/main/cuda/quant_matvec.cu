// quant_matvec.cu — matrix-vector product with GGUF-quantized weights, kept as stored (Q8_0, Q4_0, Q4_K,
// Q6_K): out[r, :] = x[r, :] · Wᵀ, W of shape [n, k] as ggml blocks, k a multiple of the block size.
//
// Math:     out[r, o] = sum_j x[r, j] * w(o, j), w decoded from its block with the Java reference codecs'
//           formulas (io.scalpel.quant.*Codec#decode, ggml's dequantize_row_*) — not bit for bit: nvcc may
//           fuse a multiply and a subtract here, where quant_blocks.cuh's _rn intrinsics forbid it:
//             Q8_0  (34 B / 32):  d·q                          d fp16, q int8
//             Q4_0  (18 B / 32):  (nibble − 8)·d                byte i: element i low nibble, i+16 high
//             Q4_K (144 B / 256): (d·sc_j)·q − dmin·m_j         6-bit (sc, m) per sub-block of 32 (get_scale_min_k4)
//             Q6_K (210 B / 256): (d·scale_j)·(q − 32)          q = 4 low bits (ql) | 2 high bits (qh) << 4
//           accumulated in fp32.
// Mapping:  one warp per output feature o (8 warps = 8 features per 256-thread block, gridDim.x =
//           ceil(n / 8)); blockIdx.y strides over the x rows (launched with one: decode; prefill
//           runs matmul_tiled_q* in matmul.cu). A row is cut
//           into units of 32 elements (a Q8_0/Q4_0 block, a Q4_K sub-block, a Q6_K group of two 16-element
//           sub-blocks); lane l takes units l, l + 32, ... in order, decodes its unit's scale(s) once and
//           does 32 FMAs against x. A warp step therefore reads 32 consecutive units: 32·34 bytes of Q8_0,
//           or 4 whole Q4_K/Q6_K super-blocks — contiguous, so each 128-byte line is fetched once. Lanes end
//           with partial sums that the xor-shuffle tree of common.cuh adds; lane 0 writes.
// Cost:     reads n·k·(block bytes / block size) bytes of W — 1.06 (Q8_0), 0.56 (Q4_0, Q4_K), 0.82 (Q6_K)
//           bytes per weight, the dominant term — plus 4·k per x row (cached); writes 4·n per row; 2·n·k
//           flops per row. Memory-bound at rows = 1: time ≈ n·k·bytes-per-weight / bandwidth.
// Entry points: matvec_q8_0, matvec_q4_0, matvec_q4_k, matvec_q6_k.
// Reference: CpuBackend.matmul on the same quantized weight (QuantRowDot, which applies each block's
//           scale once per block: within its stated rounding bound of the reference-decoded values'
//           dot), tested in CudaQuantMatvecTest within 1e-5 relative L2. This kernel scales every
//           element before its FMA, so its order differs from the CPU's; both are fp32 sums.
#include "common.cuh"
#include "quant_blocks.cuh"

using namespace scalpel;

constexpr int QMV_THREADS = 256;
constexpr int QMV_FEATURES_PER_BLOCK = QMV_THREADS / 32;

// Σ over unit u (elements 32u .. 32u+32) of one row of each type; x points at the row's first element.
__device__ __forceinline__ float unit_q8_0(const uint8_t* row, const float* x, int u) {
    const uint8_t* b = row + 34 * u;
    const float d = quant_half(b);
    float s = 0.0f;
#pragma unroll 8
    for (int i = 0; i < 32; ++i) s = fmaf(d * static_cast<float>(static_cast<int8_t>(b[2 + i])), x[32 * u + i], s);
    return s;
}

__device__ __forceinline__ float unit_q4_0(const uint8_t* row, const float* x, int u) {
    const uint8_t* b = row + 18 * u;
    const float d = quant_half(b);
    float s = 0.0f;
#pragma unroll 8
    for (int i = 0; i < 16; ++i) {
        const int q = b[2 + i];
        s = fmaf(static_cast<float>((q & 0x0F) - 8) * d, x[32 * u + i], s);
        s = fmaf(static_cast<float>((q >> 4) - 8) * d, x[32 * u + 16 + i], s);
    }
    return s;
}

__device__ __forceinline__ float unit_q4_k(const uint8_t* row, const float* x, int u) {
    const uint8_t* b = row + 144 * (u / 8);
    const int j = u % 8;  // sub-block: chunk j / 2 of the qs, low nibbles for even j, high for odd
    int sc, m;
    q4k_scale_min(j, b + 4, sc, m);
    const float ds = quant_half(b) * static_cast<float>(sc);
    const float dm = quant_half(b + 2) * static_cast<float>(m);
    const uint8_t* qs = b + 16 + 32 * (j / 2);
    const int shift = (j & 1) * 4;
    float s = 0.0f;
#pragma unroll 8
    for (int l = 0; l < 32; ++l) s = fmaf(ds * static_cast<float>((qs[l] >> shift) & 0xF) - dm, x[32 * u + l], s);
    return s;
}

__device__ __forceinline__ float unit_q6_k(const uint8_t* row, const float* x, int u) {
    const uint8_t* b = row + 210 * (u / 8);
    const int group = u % 8, h = group / 4, g = group % 4;  // elements 128h + 32g + l, l = 0..31
    const uint8_t* ql = b + 64 * h + (g & 1) * 32;
    const uint8_t* qh = b + 128 + 32 * h;
    const int8_t* scales = reinterpret_cast<const int8_t*>(b + 192) + 8 * h + 2 * g;
    const float d = quant_half(b + 208);
    const int lowShift = g < 2 ? 0 : 4;
    float s = 0.0f;
#pragma unroll 8
    for (int l = 0; l < 32; ++l) {
        // q − 32 = low 4 bits + 16 · high 2 bits − 32, assembled in float (exact: small integers), which
        // also keeps nvcc from emitting a bit-field insert.
        const float q = static_cast<float>((ql[l] >> lowShift) & 0xF) + 16.0f * static_cast<float>((qh[l] >> (2 * g)) & 3) - 32.0f;
        const float ds = d * static_cast<float>(scales[l / 16]);
        s = fmaf(ds * q, x[32 * u + l], s);
    }
    return s;
}

template <int BLOCK_BYTES, int BLOCK_SIZE, float (*UNIT)(const uint8_t*, const float*, int)>
__device__ __forceinline__ void quant_matvec_rows(float* out, const float* x, const uint8_t* w, int rows, int n, int k) {
    const int lane = threadIdx.x & 31;
    const int feature = blockIdx.x * QMV_FEATURES_PER_BLOCK + (threadIdx.x >> 5);
    if (feature >= n) return;  // no barriers below: a whole warp leaves together
    const uint8_t* wrow = w + static_cast<size_t>(feature) * (k / BLOCK_SIZE) * BLOCK_BYTES;
    const int units = k / 32;
    for (int r = blockIdx.y; r < rows; r += gridDim.y) {
        const float* xrow = x + static_cast<size_t>(r) * k;
        float acc = 0.0f;
        for (int u = lane; u < units; u += 32) acc += UNIT(wrow, xrow, u);
        const float sum = warp_sum(acc);
        if (lane == 0) out[static_cast<size_t>(r) * n + feature] = sum;
    }
}

extern "C" __global__ void __launch_bounds__(QMV_THREADS) matvec_q8_0(float* out, const float* x, const uint8_t* w, int rows, int n, int k) {
    quant_matvec_rows<34, 32, unit_q8_0>(out, x, w, rows, n, k);
}
extern "C" __global__ void __launch_bounds__(QMV_THREADS) matvec_q4_0(float* out, const float* x, const uint8_t* w, int rows, int n, int k) {
    quant_matvec_rows<18, 32, unit_q4_0>(out, x, w, rows, n, k);
}
extern "C" __global__ void __launch_bounds__(QMV_THREADS) matvec_q4_k(float* out, const float* x, const uint8_t* w, int rows, int n, int k) {
    quant_matvec_rows<144, 256, unit_q4_k>(out, x, w, rows, n, k);
}
extern "C" __global__ void __launch_bounds__(QMV_THREADS) matvec_q6_k(float* out, const float* x, const uint8_t* w, int rows, int n, int k) {
    quant_matvec_rows<210, 256, unit_q6_k>(out, x, w, rows, n, k);
}
