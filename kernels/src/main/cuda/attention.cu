// attention.cu — causal grouped-query attention over a KV cache.
//
// Math:     for query row r (position p = pos0 + r) and query head h, with kv head g = h / (H / Hkv):
//               s_t = (q[r, h] · K[t, g]) * scale           for t = 0 .. p  (scale = 1/sqrt(d))
//               out[r, h] = sum_t softmax(s)_t * V[t, g]
//           q, out: [rows, H*d]; K, V caches: [capacity, Hkv*d]; d <= 256 (ATT_MAX_HEAD_DIM).
//           Softmax is computed online (running max m, running sum l, rescaled accumulator), the
//           FlashAttention recurrence:  m' = max(m, s); l' = l*e^(m-m') + e^(s-m'); o' = o*e^(m-m') + e^(s-m')*v.
// Reference: CpuBackend.attention (Backend#attention), tested in CudaKernelsVsCpuTest.attention*
//           (decode shapes and prefill shapes, GQA and plain multi-head).
// Mapping and Cost: per kernel below. The launcher uses the decode pair for fewer than 16 rows and
//           the prefill kernel otherwise (CudaBackend.attention).
//
// Decode (few rows, long context): split the key range, then combine ("flash decoding").
//   attention_decode_split — grid (splits, H, rows ≤ 65535-strided), 128 threads = 4 warps. Block
//     (s, h, r) covers keys [s*chunk, min((s+1)*chunk, p+1)). Warp w takes keys w, w+4, ...; within a
//     warp lane l holds dimensions l, l+32, ... (≤ 8 per lane) of q, of the accumulator, and reads the
//     same dimensions of K[t] and V[t] (coalesced 128-byte rows). A key's score is a 5-step xor-shuffle
//     sum. The 4 warps' (m, l, o) merge through shared memory into one partial per block:
//     part_ml[(r*H + h)*splits + s] = (m, l), part_o[...][d] = o (unnormalised). Empty splits (rows
//     shorter than the longest) write m = -inf, l = 0, o = 0.
//   attention_decode_split_at — the same, reading pos0 from device memory (graph replay of a decode step).
//   attention_decode_combine — grid (H, rows), 128 threads: M = max_s m_s, L = sum_s l_s e^(m_s - M),
//     out = sum_s o_s e^(m_s - M) / L; threads stride over d.
//   Cost: reads 2*4*d*(p+1) bytes of K/V per (row, head) — GQA heads of one group re-read the same
//     K/V (L2 catches most of it) — plus 4*(d+2)*splits per (row, head) of partials; ~4*d*(p+1) flops.
//     Memory-bound.
//
// KV cache for the replayed decode step: kv_append (K[pos] = k, V[pos] = v, pos in device memory) and
//   advance_position (*pos += 1). Java reference: the KV slice writes and position count of Session.step
//   (tested in CudaForwardKernelsTest.kvAppendAndAdvance and, end to end, by the graph decode path).
//
// Prefill (many rows): attention_prefill_flash — grid (ceil(rows/16), H), 128 threads = 4 warps, each
//   warp owns 4 query rows (16 per block). Dynamic shared memory holds the block's 16 q rows (pre-scaled),
//   one 32-key tile of K (rows padded to d+1 floats so lane-per-key reads are bank-conflict free) and of V.
//   Per tile: lane j scores key j against the warp's 4 rows (q broadcast from shared), a warp max/sum
//   gives the tile's softmax terms, then each lane updates its dimensions l, l+32, ... of the 4
//   accumulators, reading V[j] once per j for all 4 rows. Keys past a row's position are masked (-inf,
//   weight 0); tiles past the block's last position are never loaded. Tile 0 always holds key 0, which
//   every row sees, so m is finite after the first tile and e^(m - m') never sees -inf - -inf.
//   Shared bytes: 4*(16*d + 32*(d+1) + 32*d) — 40 KiB at d = 128, 80 KiB at d = 256 (the launcher raises
//   the kernel's dynamic shared-memory limit above 48 KiB).
//   Cost: reads K/V once per 16 query rows: 2*4*d*(positions) * ceil(rows/16) bytes per head, plus q and
//   out; 4*d*rows*positions/2 flops per head (causal half). Compute-bound for long prompts.
#include "common.cuh"

using namespace scalpel;

constexpr int ATT_MAX_HEAD_DIM = 256;
constexpr int ATT_DIMS_PER_LANE = ATT_MAX_HEAD_DIM / 32;
constexpr int ATT_DECODE_THREADS = 128;
constexpr int ATT_DECODE_WARPS = ATT_DECODE_THREADS / 32;

// ---- decode: split over the key range ------------------------------------------------------------

// The split kernels' body. Its shared arrays are declared by each entry and passed in: shared variables
// declared inside a device function become module-scope .shared in the PTX, charged to no entry in particular.
struct DecodeShared {
    float warp_m[ATT_DECODE_WARPS];
    float warp_l[ATT_DECODE_WARPS];
    float warp_o[ATT_DECODE_WARPS][ATT_MAX_HEAD_DIM];
};

__device__ __forceinline__ void decode_split(DecodeShared& sh, float* part_o, float* part_ml, const float* q, const float* k_cache,
                                             const float* v_cache, int rows, int pos0, int heads, int kv_heads, int head_dim,
                                             int splits, int chunk, float scale) {
    float* warp_m = sh.warp_m;
    float* warp_l = sh.warp_l;
    auto& warp_o = sh.warp_o;

    const int split = blockIdx.x;
    const int h = blockIdx.y;
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int g = h / (heads / kv_heads);
    const size_t kv_stride = static_cast<size_t>(kv_heads) * head_dim;

    for (int r = blockIdx.z; r < rows; r += gridDim.z) {
        const int length = pos0 + r + 1;  // keys 0 .. pos0 + r
        const int start = split * chunk;
        const int end = min(start + chunk, length);

        const float* qrow = q + static_cast<size_t>(r) * heads * head_dim + static_cast<size_t>(h) * head_dim;
        float qv[ATT_DIMS_PER_LANE];
        float o[ATT_DIMS_PER_LANE];
#pragma unroll
        for (int i = 0; i < ATT_DIMS_PER_LANE; ++i) {
            const int d = lane + 32 * i;
            qv[i] = d < head_dim ? qrow[d] : 0.0f;
            o[i] = 0.0f;
        }
        float m = -INFINITY, l = 0.0f;
        for (int t = start + warp; t < end; t += ATT_DECODE_WARPS) {
            const float* krow = k_cache + static_cast<size_t>(t) * kv_stride + static_cast<size_t>(g) * head_dim;
            const float* vrow = v_cache + static_cast<size_t>(t) * kv_stride + static_cast<size_t>(g) * head_dim;
            float partial = 0.0f;
#pragma unroll
            for (int i = 0; i < ATT_DIMS_PER_LANE; ++i) {
                const int d = lane + 32 * i;
                if (d < head_dim) partial = fmaf(qv[i], krow[d], partial);
            }
            const float s = warp_sum(partial) * scale;
            const float m_new = fmaxf(m, s);
            const float correction = expf(m - m_new);  // m = -inf on the first key: e^-inf = 0
            const float p = expf(s - m_new);
            l = l * correction + p;
#pragma unroll
            for (int i = 0; i < ATT_DIMS_PER_LANE; ++i) {
                const int d = lane + 32 * i;
                if (d < head_dim) o[i] = o[i] * correction + p * vrow[d];
            }
            m = m_new;
        }
        if (lane == 0) {
            warp_m[warp] = m;
            warp_l[warp] = l;
        }
#pragma unroll
        for (int i = 0; i < ATT_DIMS_PER_LANE; ++i) {
            const int d = lane + 32 * i;
            if (d < head_dim) warp_o[warp][d] = o[i];
        }
        __syncthreads();

        float block_m = -INFINITY;
#pragma unroll
        for (int w = 0; w < ATT_DECODE_WARPS; ++w) block_m = fmaxf(block_m, warp_m[w]);
        const size_t slot = (static_cast<size_t>(r) * heads + h) * splits + split;
        if (block_m == -INFINITY) {  // this split holds no key of this row
            for (int d = threadIdx.x; d < head_dim; d += blockDim.x) part_o[slot * head_dim + d] = 0.0f;
            if (threadIdx.x == 0) {
                part_ml[2 * slot] = -INFINITY;
                part_ml[2 * slot + 1] = 0.0f;
            }
        } else {
            float weights[ATT_DECODE_WARPS];
            float block_l = 0.0f;
#pragma unroll
            for (int w = 0; w < ATT_DECODE_WARPS; ++w) {
                weights[w] = expf(warp_m[w] - block_m);  // idle warps: m = -inf, weight 0
                block_l += warp_l[w] * weights[w];
            }
            for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
                float sum = 0.0f;
#pragma unroll
                for (int w = 0; w < ATT_DECODE_WARPS; ++w) sum += warp_o[w][d] * weights[w];
                part_o[slot * head_dim + d] = sum;
            }
            if (threadIdx.x == 0) {
                part_ml[2 * slot] = block_m;
                part_ml[2 * slot + 1] = block_l;
            }
        }
        __syncthreads();  // warp_* are rewritten by the next row
    }
}

extern "C" __global__ void __launch_bounds__(ATT_DECODE_THREADS)
attention_decode_split(float* part_o, float* part_ml, const float* q, const float* k_cache, const float* v_cache, int rows,
                       int pos0, int heads, int kv_heads, int head_dim, int splits, int chunk, float scale) {
    __shared__ DecodeShared sh;
    decode_split(sh, part_o, part_ml, q, k_cache, v_cache, rows, pos0, heads, kv_heads, head_dim, splits, chunk, scale);
}

// The same with the position read from device memory, so a captured graph replays at any position (the
// launcher sizes splits x chunk for the session's capacity; splits past the current keys come out empty).
extern "C" __global__ void __launch_bounds__(ATT_DECODE_THREADS)
attention_decode_split_at(float* part_o, float* part_ml, const float* q, const float* k_cache, const float* v_cache, int rows,
                          const int* pos0_at, int heads, int kv_heads, int head_dim, int splits, int chunk, float scale) {
    __shared__ DecodeShared sh;
    decode_split(sh, part_o, part_ml, q, k_cache, v_cache, rows, *pos0_at, heads, kv_heads, head_dim, splits, chunk, scale);
}

// kv_append: K[pos] = k and V[pos] = v for one decode row, pos read from device memory (the graph-replayed
// decode step computes k and v into fixed buffers, then appends them here). Grid-stride over kv_dim, one
// thread per element of both rows; reads and writes 2*4*kv_dim bytes.
extern "C" __global__ void kv_append(float* k_cache, float* v_cache, const float* k, const float* v, const int* pos_at, int kv_dim) {
    const size_t base = static_cast<size_t>(*pos_at) * kv_dim;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < kv_dim; i += gridDim.x * blockDim.x) {
        k_cache[base + i] = k[i];
        v_cache[base + i] = v[i];
    }
}

// advance_position: *pos += 1 — the last kernel of a replayed decode step. One thread.
extern "C" __global__ void advance_position(int* pos) {
    if (blockIdx.x == 0 && threadIdx.x == 0) *pos += 1;
}

extern "C" __global__ void __launch_bounds__(ATT_DECODE_THREADS)
attention_decode_combine(float* out, const float* part_o, const float* part_ml, int rows, int heads, int head_dim, int splits) {
    const int h = blockIdx.x;
    for (int r = blockIdx.y; r < rows; r += gridDim.y) {
        const size_t first = (static_cast<size_t>(r) * heads + h) * splits;
        float m = -INFINITY;
        for (int s = 0; s < splits; ++s) m = fmaxf(m, part_ml[2 * (first + s)]);
        float l = 0.0f;
        for (int s = 0; s < splits; ++s) l += part_ml[2 * (first + s) + 1] * expf(part_ml[2 * (first + s)] - m);
        const float inv_l = 1.0f / l;
        float* orow = out + static_cast<size_t>(r) * heads * head_dim + static_cast<size_t>(h) * head_dim;
        for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
            float sum = 0.0f;
            for (int s = 0; s < splits; ++s) sum += part_o[(first + s) * head_dim + d] * expf(part_ml[2 * (first + s)] - m);
            orow[d] = sum * inv_l;
        }
    }
}

// ---- prefill: tiled, causal, online softmax ------------------------------------------------------

constexpr int FA_THREADS = 128;
constexpr int FA_ROWS_PER_WARP = 4;
constexpr int FA_BLOCK_ROWS = (FA_THREADS / 32) * FA_ROWS_PER_WARP;  // 16 query rows per block
constexpr int FA_TILE_KEYS = 32;                                    // one key per lane

extern "C" __global__ void __launch_bounds__(FA_THREADS)
attention_prefill_flash(float* out, const float* q, const float* k_cache, const float* v_cache, int rows, int pos0, int heads,
                        int kv_heads, int head_dim, float scale) {
    extern __shared__ float smem[];
    float* sq = smem;                                         // [FA_BLOCK_ROWS][head_dim]
    float* sk = sq + FA_BLOCK_ROWS * head_dim;                // [FA_TILE_KEYS][head_dim + 1]
    float* sv = sk + FA_TILE_KEYS * (head_dim + 1);           // [FA_TILE_KEYS][head_dim]

    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int h = blockIdx.y;
    const int g = h / (heads / kv_heads);
    const int row0 = blockIdx.x * FA_BLOCK_ROWS;
    if (row0 >= rows) return;  // whole block leaves together: no barrier is skipped by part of it
    const size_t q_stride = static_cast<size_t>(heads) * head_dim;
    const size_t kv_stride = static_cast<size_t>(kv_heads) * head_dim;

    for (int e = threadIdx.x; e < FA_BLOCK_ROWS * head_dim; e += blockDim.x) {
        const int rr = e / head_dim;
        const int d = e - rr * head_dim;
        const int row = row0 + rr;
        sq[e] = row < rows ? q[static_cast<size_t>(row) * q_stride + static_cast<size_t>(h) * head_dim + d] * scale : 0.0f;
    }

    float m[FA_ROWS_PER_WARP], l[FA_ROWS_PER_WARP], o[FA_ROWS_PER_WARP][ATT_DIMS_PER_LANE];
#pragma unroll
    for (int i = 0; i < FA_ROWS_PER_WARP; ++i) {
        m[i] = -INFINITY;
        l[i] = 0.0f;
#pragma unroll
        for (int c = 0; c < ATT_DIMS_PER_LANE; ++c) o[i][c] = 0.0f;
    }

    const int last_key = pos0 + min(row0 + FA_BLOCK_ROWS, rows) - 1;  // inclusive
    for (int key0 = 0; key0 <= last_key; key0 += FA_TILE_KEYS) {
        __syncthreads();  // the previous tile (and, first time, sq) is complete / no longer read
        for (int e = threadIdx.x; e < FA_TILE_KEYS * head_dim; e += blockDim.x) {
            const int j = e / head_dim;
            const int d = e - j * head_dim;
            const int t = key0 + j;
            const bool in = t <= last_key;
            const size_t src = static_cast<size_t>(t) * kv_stride + static_cast<size_t>(g) * head_dim + d;
            sk[j * (head_dim + 1) + d] = in ? k_cache[src] : 0.0f;
            sv[j * head_dim + d] = in ? v_cache[src] : 0.0f;
        }
        __syncthreads();

        // Scores: lane = key, the warp's 4 rows at once (one shared K read feeds 4 FMAs).
        const int t = key0 + lane;
        float s[FA_ROWS_PER_WARP] = {};
        const float* krow = sk + lane * (head_dim + 1);
        const float* qbase = sq + warp * FA_ROWS_PER_WARP * head_dim;
        for (int d = 0; d < head_dim; ++d) {
            const float kd = krow[d];
#pragma unroll
            for (int i = 0; i < FA_ROWS_PER_WARP; ++i) s[i] = fmaf(qbase[i * head_dim + d], kd, s[i]);
        }
        float p[FA_ROWS_PER_WARP], correction[FA_ROWS_PER_WARP];
#pragma unroll
        for (int i = 0; i < FA_ROWS_PER_WARP; ++i) {
            const int row = row0 + warp * FA_ROWS_PER_WARP + i;
            const bool visible = row < rows && t <= pos0 + row;
            const float score = visible ? s[i] : -INFINITY;
            const float m_new = fmaxf(m[i], warp_max(score));
            // Rows past `rows` see no key at all: keep them at m = -inf without producing NaN.
            const bool live = m_new != -INFINITY;
            p[i] = visible ? expf(score - m_new) : 0.0f;
            correction[i] = live ? expf(m[i] - m_new) : 1.0f;
            l[i] = l[i] * correction[i] + warp_sum(p[i]);
            m[i] = m_new;
        }
        // Accumulate: for each key j of the tile, broadcast its 4 weights, read V[j] once.
#pragma unroll
        for (int i = 0; i < FA_ROWS_PER_WARP; ++i)
#pragma unroll
            for (int c = 0; c < ATT_DIMS_PER_LANE; ++c) o[i][c] *= correction[i];
        for (int j = 0; j < FA_TILE_KEYS; ++j) {
            float pj[FA_ROWS_PER_WARP];
#pragma unroll
            for (int i = 0; i < FA_ROWS_PER_WARP; ++i) pj[i] = __shfl_sync(FULL_MASK, p[i], j);
            const float* vrow = sv + j * head_dim;
#pragma unroll
            for (int c = 0; c < ATT_DIMS_PER_LANE; ++c) {
                const int d = lane + 32 * c;
                if (d < head_dim) {
                    const float vd = vrow[d];
#pragma unroll
                    for (int i = 0; i < FA_ROWS_PER_WARP; ++i) o[i][c] = fmaf(pj[i], vd, o[i][c]);
                }
            }
        }
    }

#pragma unroll
    for (int i = 0; i < FA_ROWS_PER_WARP; ++i) {
        const int row = row0 + warp * FA_ROWS_PER_WARP + i;
        if (row >= rows) continue;
        const float inv_l = 1.0f / l[i];
        float* orow = out + static_cast<size_t>(row) * q_stride + static_cast<size_t>(h) * head_dim;
#pragma unroll
        for (int c = 0; c < ATT_DIMS_PER_LANE; ++c) {
            const int d = lane + 32 * c;
            if (d < head_dim) orow[d] = o[i][c] * inv_l;
        }
    }
}
