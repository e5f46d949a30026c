package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.CudaFailure;
import jcuda.driver.CUresult;

import java.util.function.Supplier;

/**
 * Turns {@code CUresult} codes into exceptions. JCuda's own exception mode is left off, so every call's
 * code passes through here with a description of what was being done (kernel, launch shape, sizes).
 */
final class CuResults {
    private CuResults() {}

    /** "CUDA_ERROR_OUT_OF_MEMORY (2)". */
    static String name(int result) {
        return CUresult.stringFor(result) + " (" + result + ")";
    }

    static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) throw new CudaFailure(what + ": " + name(result), result);
    }

    /**
     * For clean-up sequences that must attempt every call: returns {@code first} if already set, else a
     * failure for {@code result} (or null on success). The caller throws whatever is left at the end.
     */
    static CudaFailure collect(CudaFailure first, int result, String what) {
        if (first != null || result == CUresult.CUDA_SUCCESS) return first;
        return new CudaFailure(what + ": " + name(result), result);
    }

    /** As {@link #check(int, String)}, building the description only on failure. */
    static void check(int result, Supplier<String> what) {
        if (result != CUresult.CUDA_SUCCESS) throw new CudaFailure(what.get() + ": " + name(result), result);
    }
}
