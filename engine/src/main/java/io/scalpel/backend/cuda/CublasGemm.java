package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.CudaFailure;
import io.scalpel.backend.cuda.driver.JcudaDriver;
import jcuda.Pointer;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Optional cuBLAS SGEMM for F32 weights, the reference point of the matmul ladder. JCublas 12.6 links
 * {@code libcublas.so.12}; where that is missing (a CUDA 13 machine has libcublas.so.13) its classes fail
 * to initialise, so loading is attempted once per JVM behind {@link #library()} and reduced to one line.
 */
final class CublasGemm implements AutoCloseable {
    private static final Pattern MISSING_LIBRARY = Pattern.compile("([\\w.+-]+\\.so(?:\\.\\d+)*): cannot open shared object file");

    /** Whether the cuBLAS bindings load in this JVM, and why not. */
    record Library(boolean loaded, String reason) {}

    private final cublasHandle handle;

    private CublasGemm(cublasHandle handle) { this.handle = handle; }

    static Library library() { return Holder.LIBRARY; }

    private static final class Holder {
        static final Library LIBRARY = tryLoad();
    }

    private static Library tryLoad() {
        try {
            JCublas2.initialize();
            return new Library(true, "cuBLAS loaded");
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            Matcher m = MISSING_LIBRARY.matcher(String.valueOf(e.getMessage()));
            String missing = null;
            while (m.find()) missing = m.group(1);
            return new Library(false, "cuBLAS unavailable (" + (missing != null && !missing.startsWith("libJCublas") ? missing + " not found"
                    : "JCublas could not load") + ")");
        }
    }

    /** A handle on the backend's stream, or null when the library did not load. Call with the context current. */
    static CublasGemm open(CUstream stream) {
        if (!library().loaded()) return null;
        cublasHandle handle = new cublasHandle();
        check(JCublas2.cublasCreate(handle), "cublasCreate");
        check(JCublas2.cublasSetStream(handle, new cudaStream_t(stream)), "cublasSetStream");
        return new CublasGemm(handle);
    }

    /**
     * {@code out[m, n] = x[m, k] · Wᵀ}, W [n, k] F32, all row-major. cuBLAS is column-major, where these
     * buffers read as outᵀ [n, m], xᵀ [k, m] and Wᵀ [k, n]; so outᵀ = (Wᵀ)ᵀ · xᵀ = op_T(W as [k, n]) · xᵀ.
     */
    void sgemm(long out, long x, long w, int m, int n, int k) {
        check(JCublas2.cublasSgemm(handle, cublasOperation.CUBLAS_OP_T, cublasOperation.CUBLAS_OP_N, n, m, k,
                Pointer.to(new float[] {1f}), JcudaDriver.pointer(w), k, JcudaDriver.pointer(x), k, Pointer.to(new float[] {0f}), JcudaDriver.pointer(out), n),
                "cublasSgemm m=" + m + " n=" + n + " k=" + k);
    }

    private static void check(int status, String what) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new CudaFailure(what + ": " + cublasStatus.stringFor(status) + " (" + status + ")", status);
        }
    }

    @Override public void close() { check(JCublas2.cublasDestroy(handle), "cublasDestroy"); }
}
