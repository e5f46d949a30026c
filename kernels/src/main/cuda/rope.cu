// rope.cu — rotary position embedding, "rotate_half" convention (Hugging Face).
//
// Math:     within each head of width d (even), half = d/2, element j < half pairs with j + half.
//           Row r sits at position p = pos0 + r; c = cos[p*half + j], s = sin[p*half + j]:
//               x[j]        = x[j] * c - x[j + half] * s
//               x[j + half] = x[j + half] * c + x[j] * s
//           (= x*cos + rotate_half(x)*sin with the half-width tables duplicated). A position at or
//           past maxPositions writes NaN (the Java side rejects it first).
// Mapping:  one thread per (row, head, j) pair, a flat grid-stride loop over rows*heads*half:
//           consecutive threads take consecutive j, so x, cos and sin reads are coalesced.
// Cost:     reads and writes 4*rows*heads*d bytes of x, reads 4*rows*d bytes of tables (cached);
//           6 flops per pair. Memory-bound.
// Entry points: rope_rotate_half, and rope_rotate_half_at (pos0 read from device memory: a replayed decode graph).
// Reference: CpuBackend.rope (Backend#rope), tested in CudaKernelsVsCpuTest.rope*.
#include "common.cuh"

using namespace scalpel;

__device__ __forceinline__ void rotate_half(float* x, const float* cos_table, const float* sin_table, int rows, int heads,
                                            int head_dim, int pos0, int max_positions) {
    const int half = head_dim / 2;
    const long long per_row = static_cast<long long>(heads) * half;
    const long long total = static_cast<long long>(rows) * per_row;
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
        const int r = static_cast<int>(i / per_row);
        const int rem = static_cast<int>(i - static_cast<long long>(r) * per_row);
        const int h = rem / half;
        const int j = rem - h * half;
        const int pos = pos0 + r;
        float* head = x + static_cast<size_t>(r) * heads * head_dim + static_cast<size_t>(h) * head_dim;
        if (pos < 0 || pos >= max_positions) {
            head[j] = nan_f32();
            head[j + half] = nan_f32();
            continue;
        }
        const float c = cos_table[static_cast<size_t>(pos) * half + j];
        const float s = sin_table[static_cast<size_t>(pos) * half + j];
        const float a = head[j];
        const float b = head[j + half];
        head[j] = a * c - b * s;
        head[j + half] = b * c + a * s;
    }
}

extern "C" __global__ void rope_rotate_half(float* x, const float* cos_table, const float* sin_table, int rows, int heads,
                                            int head_dim, int pos0, int max_positions) {
    rotate_half(x, cos_table, sin_table, rows, heads, head_dim, pos0, max_positions);
}

// The same with pos0 read from device memory, so a captured decode graph replays at any position.
extern "C" __global__ void rope_rotate_half_at(float* x, const float* cos_table, const float* sin_table, int rows, int heads,
                                               int head_dim, const int* pos0_at, int max_positions) {
    rotate_half(x, cos_table, sin_table, rows, heads, head_dim, *pos0_at, max_positions);
}
