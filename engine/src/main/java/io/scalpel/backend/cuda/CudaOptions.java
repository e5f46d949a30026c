package io.scalpel.backend.cuda;

/**
 * How to open the CUDA backend.
 *
 * @param device          CUDA device index
 * @param prefillMatmul   the kernel for matrix-matrix products
 * @param castF32         F32 checkpoints stay F32 or become F16/BF16 on upload
 * @param checkEachLaunch synchronise after every kernel so a device fault names its kernel (slow: tests and debugging;
 *                        paused while a graph is captured)
 * @param decodeGraphs    replay single-token decode steps as a captured CUDA graph (one graph launch per token)
 */
public record CudaOptions(int device, MatmulVariant prefillMatmul, WeightCast castF32, boolean checkEachLaunch, boolean decodeGraphs) {
    public CudaOptions {
        if (device < 0) throw new IllegalArgumentException("device index must be >= 0, got " + device);
    }

    /** With decode graphs on. */
    public CudaOptions(int device, MatmulVariant prefillMatmul, WeightCast castF32, boolean checkEachLaunch) {
        this(device, prefillMatmul, castF32, checkEachLaunch, true);
    }

    /** Device 0, tensor-core prefill, weights as stored, asynchronous launches, decode steps replayed as graphs. */
    public static CudaOptions defaults() { return new CudaOptions(0, MatmulVariant.TENSOR_CORE, WeightCast.NONE, false, true); }

    public CudaOptions withDevice(int index) { return new CudaOptions(index, prefillMatmul, castF32, checkEachLaunch, decodeGraphs); }

    public CudaOptions withPrefillMatmul(MatmulVariant v) { return new CudaOptions(device, v, castF32, checkEachLaunch, decodeGraphs); }

    public CudaOptions withCastF32(WeightCast c) { return new CudaOptions(device, prefillMatmul, c, checkEachLaunch, decodeGraphs); }

    public CudaOptions withCheckEachLaunch(boolean on) { return new CudaOptions(device, prefillMatmul, castF32, on, decodeGraphs); }

    public CudaOptions withDecodeGraphs(boolean on) { return new CudaOptions(device, prefillMatmul, castF32, checkEachLaunch, on); }
}
