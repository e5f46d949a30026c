package io.scalpel.backend.cuda.driver;

/**
 * A CUDA driver call that did not return {@code CUDA_SUCCESS}; the message names the call, what it was
 * for, and the error ("cuMemAlloc of 4096 bytes for weight w: CUDA_ERROR_OUT_OF_MEMORY (2)").
 */
public final class CudaFailure extends RuntimeException {
    private final int result;

    public CudaFailure(String message, int result) {
        super(message);
        this.result = result;
    }

    /** A failure of driver call {@code call} with {@code error}: "cuLaunchKernel: CUDA_ERROR_INVALID_VALUE (1)". */
    public CudaFailure(String call, CudaError error) {
        this(call + ": " + CudaError.describe(error.code()), error.code());
    }

    /** The {@code CUresult} code. */
    public int result() { return result; }

    /** The same failure with what the caller was doing in front: "zeroing a new buffer: cuMemsetD32Async: ...". */
    public CudaFailure during(String what) {
        CudaFailure f = new CudaFailure(what + ": " + getMessage(), result);
        f.initCause(this);
        return f;
    }
}
