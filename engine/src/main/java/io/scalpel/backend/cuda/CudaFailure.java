package io.scalpel.backend.cuda;

/** A CUDA driver call that did not return {@code CUDA_SUCCESS}; the message names the call, what it was for, and the error. */
public final class CudaFailure extends RuntimeException {
    private final int result;

    public CudaFailure(String message, int result) {
        super(message);
        this.result = result;
    }

    /** The {@code CUresult} code. */
    public int result() { return result; }
}
