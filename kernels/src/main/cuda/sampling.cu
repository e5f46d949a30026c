// sampling.cu — greedy and stochastic token choice on the device, so only one int crosses to the host.
//
// argmax_partial + argmax_final
//   Math:    the index of the largest of x[0..n), the lowest index on ties; NaN never wins; if every
//            value is NaN the answer is 0.
//   Mapping: argmax_partial: grid-stride over x (≤ 1024 blocks of 256 threads); each thread keeps its
//            best (value, index), a xor-shuffle tree and a shared-memory step reduce the block to one
//            pair written to partial[blockIdx.x]. argmax_final: one block reduces the partials and
//            writes the index to result[0].
//   Cost:    reads 4n bytes (+ 8 per block), no flops. Memory-bound; for a 150k vocabulary ~0.6 MB.
//   Reference: CpuBackend.argmax (Backend#argmax), tested in CudaKernelsVsCpuTest.argmax*.
//
// sample_top_k_top_p — one block of 1024 threads.
//   Math (Backend#sample): weights w_i = exp((x_i - max x) / temperature) (NaN logits weigh 0), taken in
//   descending order of w with the lower id first on ties. Keep the topK first (topK = 0: all), then the
//   shortest prefix of those whose weight reaches topP of the kept total (topP >= 1: all), and return
//   the token at which the running total of that prefix first exceeds uniform * (its total).
//   Exactness: nothing is sorted. Each "first position in that order where the running total of some
//   weight reaches a target" is found by a radix select on the 32-bit pattern of w (w >= 0, so its
//   bits order like its value): four passes over 8-bit digits, high first, each building a 256-bucket
//   histogram of the weight held by elements whose higher digits match, then walking the buckets from
//   the top to find the one where the running total crosses the target. After the fourth pass the key
//   is exact; elements with that key (equal weights) are taken in id order with a block-wide prefix
//   count. Weights are accumulated as 64-bit fixed point (w * 2^40, w <= 1 so a sum over 2^24 ids cannot
//   overflow): integer atomics make every pass deterministic, run after run, and ignoring weights under
//   2^-40 of the largest changes no choice that a float sum could resolve.
//   The kept set after a top-k or top-p cut is "everything at or before element e in that order",
//   stored as e's (key, id) — so the cuts compose without materialising any list.
//   Mapping: one block; every pass is a grid of 1024 threads striding over n with shared-memory
//   atomics into 256 buckets; warp 0 walks the buckets (each lane owns 8, an exclusive warp scan finds
//   the crossing lane).
//   Cost: up to 12 select passes + 3 reductions, each reading 4n bytes (from L2 after the first):
//   ~60 µs at n = 150k on one SM — sampling is not on the greedy path (argmax is).
//   Reference: CpuBackend.sample (Backend#sample), tested in CudaKernelsVsCpuTest.sample*.
#include <limits.h>

#include "common.cuh"

using namespace scalpel;

// ---- argmax --------------------------------------------------------------------------------------

constexpr int ARGMAX_THREADS = 256;

struct Best {
    float value;
    int index;
};

__device__ __forceinline__ void keep_better(Best& best, float value, int index) {
    if (value > best.value || (value == best.value && index < best.index)) {
        best.value = value;
        best.index = index;
    }
}

__device__ __forceinline__ Best block_best(Best best, Best* scratch) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float v = __shfl_xor_sync(FULL_MASK, best.value, offset);
        const int i = __shfl_xor_sync(FULL_MASK, best.index, offset);
        keep_better(best, v, i);
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    if (lane == 0) scratch[warp] = best;
    __syncthreads();
    if (warp == 0) {
        best = lane < warps ? scratch[lane] : Best{-INFINITY, INT_MAX};
#pragma unroll
        for (int offset = 16; offset > 0; offset >>= 1) {
            const float v = __shfl_xor_sync(FULL_MASK, best.value, offset);
            const int i = __shfl_xor_sync(FULL_MASK, best.index, offset);
            keep_better(best, v, i);
        }
    }
    return best;  // valid in thread 0
}

extern "C" __global__ void __launch_bounds__(ARGMAX_THREADS)
argmax_partial(float* partial_values, int* partial_indices, const float* x, int n) {
    __shared__ Best scratch[32];
    Best best{-INFINITY, INT_MAX};
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) keep_better(best, x[i], i);
    best = block_best(best, scratch);
    if (threadIdx.x == 0) {
        partial_values[blockIdx.x] = best.value;
        partial_indices[blockIdx.x] = best.index;
    }
}

extern "C" __global__ void __launch_bounds__(ARGMAX_THREADS)
argmax_final(int* result, const float* partial_values, const int* partial_indices, int partials) {
    __shared__ Best scratch[32];
    Best best{-INFINITY, INT_MAX};
    for (int i = threadIdx.x; i < partials; i += blockDim.x) keep_better(best, partial_values[i], partial_indices[i]);
    best = block_best(best, scratch);
    if (threadIdx.x == 0) result[0] = best.index == INT_MAX ? 0 : best.index;
}

// ---- sampling ------------------------------------------------------------------------------------

constexpr int SAMPLE_THREADS = 1024;
constexpr int SAMPLE_WARPS = SAMPLE_THREADS / 32;
constexpr float FIXED_ONE = 1099511627776.0f;  // 2^40: weights as 64-bit fixed point

// Elements at or before `bound` in (key descending, id ascending) order form the kept set.
struct Bound {
    unsigned key;
    int id;
};

__device__ __forceinline__ bool kept(unsigned key, int id, Bound bound) {
    return key > bound.key || (key == bound.key && id <= bound.id);
}

struct SampleShared {
    unsigned long long bucket_weight[256];
    unsigned bucket_count[256];
    unsigned long long warp_totals[SAMPLE_WARPS];
    int warp_counts[SAMPLE_WARPS];
    float warp_max[SAMPLE_WARPS];
    // results broadcast by one thread
    unsigned prefix;
    unsigned long long before;  // weight strictly before the chosen bucket / element
    unsigned tie_count;
    int found_id;
};

// The weight of logit x: e^((x - max)/temperature) as fixed point, and its float bits as the sort key.
__device__ __forceinline__ void weigh(float x, float max_logit, float temperature, unsigned& key, unsigned long long& fixed) {
    const float w = x == x ? expf((x - max_logit) / temperature) : 0.0f;  // NaN weighs 0
    key = __float_as_uint(w);
    fixed = __float2ull_rn(w * FIXED_ONE);
}

__device__ __forceinline__ unsigned long long block_sum_u64(unsigned long long v, SampleShared& sh) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(FULL_MASK, v, offset);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) sh.warp_totals[warp] = v;
    __syncthreads();
    unsigned long long total = 0;
    for (int w = 0; w < SAMPLE_WARPS; ++w) total += sh.warp_totals[w];
    __syncthreads();
    return total;
}

// Sum of the (fixed-point) weights of the kept set.
__device__ unsigned long long kept_total(const float* logits, int n, float max_logit, float temperature, Bound bound, SampleShared& sh) {
    unsigned long long sum = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        unsigned key;
        unsigned long long fixed;
        weigh(logits[i], max_logit, temperature, key, fixed);
        if (kept(key, i, bound)) sum += fixed;
    }
    return block_sum_u64(sum, sh);
}

struct Pick {
    unsigned key;
    int id;
    unsigned long long before;  // weight of the kept elements strictly before the pick
    unsigned long long weight;  // the pick's own weight (fixed point; 1 when counting)
};

// The first element e (in key-descending, id-ascending order, within `bound`) whose running total
// through e reaches `target` (strict = false: total >= target; strict = true: total > target).
// counting = true weighs every element 1 (for top-k). If no element reaches the target, the last
// element of positive weight (the last element when counting) is returned.
__device__ Pick select_first_reaching(const float* logits, int n, float max_logit, float temperature, Bound bound,
                                      bool counting, unsigned long long target, bool strict, SampleShared& sh) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    unsigned prefix = 0, prefix_mask = 0;
    unsigned long long before = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int b = threadIdx.x; b < 256; b += blockDim.x) {
            sh.bucket_weight[b] = 0;
            sh.bucket_count[b] = 0;
        }
        __syncthreads();
        for (int i = threadIdx.x; i < n; i += blockDim.x) {
            unsigned key;
            unsigned long long fixed;
            weigh(logits[i], max_logit, temperature, key, fixed);
            if ((key & prefix_mask) == prefix && kept(key, i, bound)) {
                const unsigned digit = (key >> shift) & 0xffu;
                atomicAdd(&sh.bucket_weight[digit], counting ? 1ull : fixed);
                atomicAdd(&sh.bucket_count[digit], 1u);
            }
        }
        __syncthreads();
        if (warp == 0) {
            // Lane L owns buckets 255-8L down to 248-8L (descending key order runs up the lanes).
            unsigned long long lane_total = 0;
            bool lane_nonempty = false;
#pragma unroll
            for (int k = 0; k < 8; ++k) {
                const int b = 255 - 8 * lane - k;
                lane_total += sh.bucket_weight[b];
                lane_nonempty |= sh.bucket_weight[b] > 0;
            }
            unsigned long long inclusive = lane_total;
#pragma unroll
            for (int offset = 1; offset < 32; offset <<= 1) {
                const unsigned long long up = __shfl_up_sync(FULL_MASK, inclusive, offset);
                if (lane >= offset) inclusive += up;
            }
            const unsigned long long exclusive = inclusive - lane_total;
            const unsigned long long reached = before + inclusive;
            const bool crosses = strict ? reached > target : reached >= target;
            const unsigned crossing = __ballot_sync(FULL_MASK, crosses && lane_total > 0);
            const unsigned nonempty = __ballot_sync(FULL_MASK, lane_nonempty);
            // First crossing lane, else the last lane holding weight (fallback: target out of reach).
            const int owner = crossing ? __ffs(crossing) - 1 : (nonempty ? 31 - __clz(nonempty) : 31);
            if (lane == owner) {
                unsigned long long running = before + exclusive;
                int chosen = -1;
                int last_nonempty = 255 - 8 * lane;
#pragma unroll
                for (int k = 0; k < 8; ++k) {
                    const int b = 255 - 8 * lane - k;
                    const unsigned long long wb = sh.bucket_weight[b];
                    if (wb == 0) continue;
                    last_nonempty = b;
                    if (crossing && (strict ? running + wb > target : running + wb >= target)) {
                        chosen = b;
                        break;
                    }
                    running += wb;
                }
                if (chosen < 0) {  // fallback: the lowest non-empty bucket of this lane
                    chosen = last_nonempty;
                    running -= sh.bucket_weight[chosen];
                }
                sh.prefix = prefix | (static_cast<unsigned>(chosen) << shift);
                sh.before = running;
                sh.tie_count = sh.bucket_count[chosen];
            }
        }
        __syncthreads();
        prefix = sh.prefix;
        prefix_mask |= 0xffu << shift;
        before = sh.before;
        __syncthreads();
    }

    // All elements with key == prefix weigh the same; take them in id order.
    const unsigned long long tie_weight = counting ? 1ull : __float2ull_rn(__uint_as_float(prefix) * FIXED_ONE);
    const unsigned ties = sh.tie_count;
    long long needed;  // 1-based rank among the ties
    if (tie_weight == 0) {
        needed = ties;
    } else {
        const unsigned long long rest = target > before ? target - before : 0;
        needed = strict ? static_cast<long long>(rest / tie_weight) + 1 : static_cast<long long>((rest + tie_weight - 1) / tie_weight);
    }
    if (needed < 1) needed = 1;
    if (needed > ties) needed = ties;

    if (threadIdx.x == 0) sh.found_id = -1;
    __syncthreads();
    int seen = 0;  // ties before the current chunk
    for (int base = 0; base < n; base += blockDim.x) {
        const int i = base + threadIdx.x;
        bool tie = false;
        if (i < n) {
            unsigned key;
            unsigned long long fixed;
            weigh(logits[i], max_logit, temperature, key, fixed);
            tie = key == prefix && kept(key, i, bound);
        }
        const unsigned ballot = __ballot_sync(FULL_MASK, tie);
        if (lane == 0) sh.warp_counts[warp] = __popc(ballot);
        __syncthreads();
        int rank = seen;
        for (int w = 0; w < warp; ++w) rank += sh.warp_counts[w];
        rank += __popc(ballot & ((1u << lane) - 1)) + 1;
        if (tie && rank == needed) sh.found_id = i;
        int chunk = 0;
        for (int w = 0; w < SAMPLE_WARPS; ++w) chunk += sh.warp_counts[w];
        seen += chunk;
        __syncthreads();
        if (sh.found_id >= 0) break;  // uniform: every thread reads the same value after the barrier
    }
    Pick pick;
    pick.key = prefix;
    pick.id = sh.found_id;
    pick.weight = tie_weight;
    pick.before = before + static_cast<unsigned long long>(needed - 1) * tie_weight;
    __syncthreads();
    return pick;
}

extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
sample_top_k_top_p(int* result, const float* logits, int n, float temperature, int top_k, float top_p, double uniform) {
    __shared__ SampleShared sh;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;

    float local_max = -INFINITY;
    for (int i = threadIdx.x; i < n; i += blockDim.x) local_max = fmaxf(local_max, logits[i]);  // fmaxf drops NaN
    local_max = warp_max(local_max);
    if (lane == 0) sh.warp_max[warp] = local_max;
    __syncthreads();
    float max_logit = -INFINITY;
    for (int w = 0; w < SAMPLE_WARPS; ++w) max_logit = fmaxf(max_logit, sh.warp_max[w]);
    __syncthreads();
    if (max_logit == -INFINITY) {  // nothing finite to draw from
        if (threadIdx.x == 0) result[0] = 0;
        return;
    }

    Bound bound{0u, INT_MAX};  // everything
    if (top_k > 0 && top_k < n) {
        const Pick kth = select_first_reaching(logits, n, max_logit, temperature, bound, true, static_cast<unsigned long long>(top_k), false, sh);
        bound = Bound{kth.key, kth.id};
    }
    unsigned long long total = kept_total(logits, n, max_logit, temperature, bound, sh);
    if (top_p < 1.0f) {
        const unsigned long long target = static_cast<unsigned long long>(ceil(static_cast<double>(top_p) * static_cast<double>(total)));
        const Pick last = select_first_reaching(logits, n, max_logit, temperature, bound, false, target, false, sh);
        bound = Bound{last.key, last.id};
        total = last.before + last.weight;
    }
    // The token where the running total first exceeds uniform * total.
    const unsigned long long target = static_cast<unsigned long long>(floor(uniform * static_cast<double>(total)));
    const Pick token = select_first_reaching(logits, n, max_logit, temperature, bound, false, target, true, sh);
    if (threadIdx.x == 0) result[0] = token.id;
}
