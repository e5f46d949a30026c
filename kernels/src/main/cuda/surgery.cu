// surgery.cu — the operations Model Surgery applies to resident weight rows.
//
// row_cosines_T
//   Math:    out[r] = (W[r,:] · v) / (|W[r,:]| |v|), all in fp32 from the stored values; 0 where either
//            norm is 0.
//   Mapping: one warp per row (8 rows per 256-thread block), lanes stride over the columns (lane l reads
//            l, l+32, ...: coalesced); dot, |W_r|² and |v|² accumulate together, a xor-shuffle tree
//            sums each, lane 0 writes. v is re-read per row from L1/L2.
//   Cost:    reads rows*cols*sizeof(T) + 4*cols per row (cached), writes 4*rows; 6*rows*cols flops.
//   Reference: CpuBackend.rowCosines (Backend#rowCosines), tested in CudaKernelsVsCpuTest.rowCosines*.
//
// row_cosines_q8_0 / _q4_0 / _q4_k / _q6_k
//   The same cosine over rows kept in GGUF blocks: lane l decodes columns l, l+32, ... with
//   quant_blocks.cuh (the reference codec's values), so a warp step reads one 32-element unit of the
//   row. Mapping, reductions and the zero rule as above. Reference: CpuBackend.rowCosines on the same
//   blocks, within fp32 tolerance: CudaQuantOpsTest.rowCosines. (The edit itself, add_to_rows, has no
//   quantized kernel: CudaBackend re-encodes the edited rows on the host with the CPU's quantizer.)
//
// add_to_rows_T
//   Math:    W[r,:] = round_T(fma(alpha, v, float(W[r,:]))) for each listed r: one fused multiply-add
//            in fp32 (__fmaf_rn, one rounding — the CPU's RowUpdate.apply is Math.fma, so the fp32
//            result is bit-identical), then ONE round-to-nearest-even to the stored type
//            (__float2half_rn / __float2bfloat16_rn, as DType.encode; F32 stores the fp32 result).
//   Mapping: grid (column blocks, listed rows — both strided), one thread per column of a listed
//            row. A row index outside [0, rows) is skipped (the Java side rejects it first). A row listed
//            twice would race: the Java side splits such lists into passes of distinct rows.
//   Cost:    reads and writes count*cols*sizeof(T), reads 4*cols (cached); 2*count*cols flops.
//   Reference: CpuBackend.addToRows (Backend#addToRows), bit-exact: CudaKernelsVsCpuTest.addToRows*.
//
// gather_rows_u16 / scatter_rows_u16
//   Math:    raw bit copies of whole rows between a weight and a packed [count, row_units] buffer of
//            16-bit units (every dtype's row is a whole number of 16-bit units: cols*2 or cols*4 bytes).
//            gather: packed[i, :] = W[rows[i], :];  scatter: W[rows[i], :] = packed[i, :].
//   Mapping: grid (column blocks, listed rows), one 16-bit unit per thread, coalesced on both sides.
//   Cost:    2*count*row_units*2 bytes moved; no flops.
//   Reference: CpuBackend.readRows / writeRows (Backend#readRows, #writeRows), bit-exact round trip:
//            CudaKernelsVsCpuTest.readWriteRows*.
#include "common.cuh"
#include "quant_blocks.cuh"

using namespace scalpel;

constexpr int COSINE_THREADS = 256;
constexpr int COSINE_ROWS_PER_BLOCK = COSINE_THREADS / 32;

// load(wrow, c) gives float(W[row, c]) from the row's first byte: a stored element or a decoded quantized one.
template <typename Elem, typename Load>
__device__ __forceinline__ void row_cosines_core(float* out, const Elem* w, size_t row_elems, Load load, const float* v, int rows, int cols) {
    const int lane = threadIdx.x & 31;
    const int row = blockIdx.x * COSINE_ROWS_PER_BLOCK + (threadIdx.x >> 5);
    if (row >= rows) return;  // no barriers: the whole warp leaves
    const Elem* wrow = w + static_cast<size_t>(row) * row_elems;
    float dot = 0.0f, ww = 0.0f, vv = 0.0f;
    for (int c = lane; c < cols; c += 32) {
        const float a = load(wrow, c);
        const float b = v[c];
        dot = fmaf(a, b, dot);
        ww = fmaf(a, a, ww);
        vv = fmaf(b, b, vv);
    }
    dot = warp_sum(dot);
    ww = warp_sum(ww);
    vv = warp_sum(vv);
    if (lane == 0) out[row] = (ww == 0.0f || vv == 0.0f) ? 0.0f : dot / (sqrtf(ww) * sqrtf(vv));
}

template <typename T>
__device__ __forceinline__ void row_cosines_impl(float* out, const T* w, const float* v, int rows, int cols) {
    row_cosines_core(out, w, static_cast<size_t>(cols), [](const T* wrow, int c) { return to_float(wrow[c]); }, v, rows, cols);
}

extern "C" __global__ void __launch_bounds__(COSINE_THREADS) row_cosines_f32(float* out, const float* w, const float* v, int rows, int cols) {
    row_cosines_impl(out, w, v, rows, cols);
}
extern "C" __global__ void __launch_bounds__(COSINE_THREADS) row_cosines_f16(float* out, const __half* w, const float* v, int rows, int cols) {
    row_cosines_impl(out, w, v, rows, cols);
}
extern "C" __global__ void __launch_bounds__(COSINE_THREADS) row_cosines_bf16(float* out, const __nv_bfloat16* w, const float* v, int rows, int cols) {
    row_cosines_impl(out, w, v, rows, cols);
}

template <typename Q>
__device__ __forceinline__ void row_cosines_quant(float* out, const uint8_t* w, const float* v, int rows, int cols) {
    row_cosines_core(out, w, quant_row_bytes<Q>(cols), [](const uint8_t* wrow, int c) { return Q::at(wrow, c); }, v, rows, cols);
}

extern "C" __global__ void __launch_bounds__(COSINE_THREADS) row_cosines_q8_0(float* out, const uint8_t* w, const float* v, int rows, int cols) {
    row_cosines_quant<BlockQ8_0>(out, w, v, rows, cols);
}
extern "C" __global__ void __launch_bounds__(COSINE_THREADS) row_cosines_q4_0(float* out, const uint8_t* w, const float* v, int rows, int cols) {
    row_cosines_quant<BlockQ4_0>(out, w, v, rows, cols);
}
extern "C" __global__ void __launch_bounds__(COSINE_THREADS) row_cosines_q4_k(float* out, const uint8_t* w, const float* v, int rows, int cols) {
    row_cosines_quant<BlockQ4_K>(out, w, v, rows, cols);
}
extern "C" __global__ void __launch_bounds__(COSINE_THREADS) row_cosines_q6_k(float* out, const uint8_t* w, const float* v, int rows, int cols) {
    row_cosines_quant<BlockQ6_K>(out, w, v, rows, cols);
}

template <typename T>
__device__ __forceinline__ void add_to_rows_impl(T* w, const int* row_ids, int count, const float* v, float alpha, int rows, int cols) {
    for (int i = blockIdx.y; i < count; i += gridDim.y) {
        const int row = row_ids[i];
        if (row < 0 || row >= rows) continue;
        T* wrow = w + static_cast<size_t>(row) * cols;
        for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < cols; c += gridDim.x * blockDim.x) {
            const float sum = __fmaf_rn(alpha, v[c], to_float(wrow[c]));
            wrow[c] = from_float<T>(sum);
        }
    }
}

extern "C" __global__ void add_to_rows_f32(float* w, const int* row_ids, int count, const float* v, float alpha, int rows, int cols) {
    add_to_rows_impl(w, row_ids, count, v, alpha, rows, cols);
}
extern "C" __global__ void add_to_rows_f16(__half* w, const int* row_ids, int count, const float* v, float alpha, int rows, int cols) {
    add_to_rows_impl(w, row_ids, count, v, alpha, rows, cols);
}
extern "C" __global__ void add_to_rows_bf16(__nv_bfloat16* w, const int* row_ids, int count, const float* v, float alpha, int rows, int cols) {
    add_to_rows_impl(w, row_ids, count, v, alpha, rows, cols);
}

extern "C" __global__ void gather_rows_u16(unsigned short* packed, const unsigned short* w, const int* row_ids, int count, int rows,
                                           int row_units) {
    for (int i = blockIdx.y; i < count; i += gridDim.y) {
        const int row = row_ids[i];
        if (row < 0 || row >= rows) continue;
        const unsigned short* src = w + static_cast<size_t>(row) * row_units;
        unsigned short* dst = packed + static_cast<size_t>(i) * row_units;
        for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < row_units; c += gridDim.x * blockDim.x) dst[c] = src[c];
    }
}

extern "C" __global__ void scatter_rows_u16(unsigned short* w, const unsigned short* packed, const int* row_ids, int count, int rows,
                                            int row_units) {
    for (int i = blockIdx.y; i < count; i += gridDim.y) {
        const int row = row_ids[i];
        if (row < 0 || row >= rows) continue;
        unsigned short* dst = w + static_cast<size_t>(row) * row_units;
        const unsigned short* src = packed + static_cast<size_t>(i) * row_units;
        for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < row_units; c += gridDim.x * blockDim.x) dst[c] = src[c];
    }
}
