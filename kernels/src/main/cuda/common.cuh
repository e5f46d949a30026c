// common.cuh — helpers shared by every Scalpel kernel (included, never compiled on its own).
//
// Storage types: weights arrive as float (F32), __half (F16) or __nv_bfloat16 (BF16); activations are
// always float. Every kernel converts to fp32 on load and accumulates in fp32.
//
// Reductions assume blockDim.x is a multiple of 32 (the Java launcher only uses such shapes).
#pragma once

#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <stdint.h>

namespace scalpel {

constexpr unsigned FULL_MASK = 0xffffffffu;

// ---- widening and rounding -----------------------------------------------------------------------

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
// BF16 -> F32 is exact: the bf16 bits are the high half of the float.
__device__ __forceinline__ float to_float(__nv_bfloat16 v) {
    return __uint_as_float(static_cast<uint32_t>(__bfloat16_as_ushort(v)) << 16);
}

// One round-to-nearest-even from fp32 to the storage type (the CPU's DType.encode does the same).
template <typename T> __device__ __forceinline__ T from_float(float v);
template <> __device__ __forceinline__ float from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

// ---- 16-byte vector loads ------------------------------------------------------------------------
// One 16-byte load gives 4 floats or 8 16-bit values; Vec16<T>::N says how many.

template <typename T> struct Vec16 { static constexpr int N = 16 / static_cast<int>(sizeof(T)); };

__device__ __forceinline__ bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// Read-only (non-coherent) path: only for data no thread of the same kernel writes.
__device__ __forceinline__ void load16(const float* p, float (&f)[4]) {
    const float4 v = __ldg(reinterpret_cast<const float4*>(p));
    f[0] = v.x; f[1] = v.y; f[2] = v.z; f[3] = v.w;
}
__device__ __forceinline__ void load16(const __half* p, float (&f)[8]) {
    const uint4 v = __ldg(reinterpret_cast<const uint4*>(p));
    const uint32_t words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        // Little-endian: the element at the lower address is the low half of the word.
        const __half2 h = *reinterpret_cast<const __half2*>(&words[i]);
        const float2 t = __half22float2(h);
        f[2 * i] = t.x;
        f[2 * i + 1] = t.y;
    }
}
__device__ __forceinline__ void load16(const __nv_bfloat16* p, float (&f)[8]) {
    const uint4 v = __ldg(reinterpret_cast<const uint4*>(p));
    const uint32_t words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        f[2 * i] = __uint_as_float(words[i] << 16);
        f[2 * i + 1] = __uint_as_float(words[i] & 0xffff0000u);
    }
}

// ---- reductions ----------------------------------------------------------------------------------

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(FULL_MASK, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, offset));
    return v;
}

// Sum over the block, returned to every thread. `scratch` holds 32 floats of shared memory; the
// trailing barrier lets the caller reuse it straight away.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = (blockDim.x + 31) >> 5;
    v = warp_sum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float total = lane < warps ? scratch[lane] : 0.0f;
        total = warp_sum(total);
        if (lane == 0) scratch[0] = total;
    }
    __syncthreads();
    const float total = scratch[0];
    __syncthreads();
    return total;
}

__device__ __forceinline__ float nan_f32() { return __int_as_float(0x7fc00000); }

}  // namespace scalpel
