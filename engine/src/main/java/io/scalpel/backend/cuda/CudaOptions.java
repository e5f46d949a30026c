package io.scalpel.backend.cuda;

/**
 * How to open the CUDA backend.
 *
 * @param device          CUDA device index
 * @param prefillMatmul   the kernel for matrix-matrix products
 * @param castF32         F32 checkpoints stay F32 or become F16/BF16 on upload
 * @param checkEachLaunch synchronise after every kernel so a device fault names its kernel (slow: tests and debugging)
 */
public record CudaOptions(int device, MatmulVariant prefillMatmul, WeightCast castF32, boolean checkEachLaunch) {
    public CudaOptions {
        if (device < 0) throw new IllegalArgumentException("device index must be >= 0, got " + device);
    }

    /** Device 0, tensor-core prefill, weights as stored, asynchronous launches. */
    public static CudaOptions defaults() { return new CudaOptions(0, MatmulVariant.TENSOR_CORE, WeightCast.NONE, false); }

    public CudaOptions withDevice(int index) { return new CudaOptions(index, prefillMatmul, castF32, checkEachLaunch); }

    public CudaOptions withPrefillMatmul(MatmulVariant v) { return new CudaOptions(device, v, castF32, checkEachLaunch); }

    public CudaOptions withCastF32(WeightCast c) { return new CudaOptions(device, prefillMatmul, c, checkEachLaunch); }

    public CudaOptions withCheckEachLaunch(boolean on) { return new CudaOptions(device, prefillMatmul, castF32, on); }
}
