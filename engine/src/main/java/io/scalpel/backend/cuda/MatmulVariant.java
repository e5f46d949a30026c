package io.scalpel.backend.cuda;

import java.util.Locale;

/**
 * Which kernel computes matrix-matrix products (prefill, more than one activation row); one row always
 * takes the matrix-vector kernel. The steps of matmul.cu's ladder, plus cuBLAS where it loads.
 */
public enum MatmulVariant {
    /** One thread per output element, everything from global memory: the baseline. */
    NAIVE,
    /** 64x64 shared-memory tiles, 4x4 register micro-tiles, fp32 FMA. */
    TILED,
    /** wmma 16x16x16 on the tensor cores for F16/BF16 weights (x split into hi+lo halves); F32 weights use TILED. */
    TENSOR_CORE,
    /** cuBLAS SGEMM for F32 weights when libcublas.so.12 loads; otherwise, and for 16-bit weights, TENSOR_CORE. */
    CUBLAS;

    public static MatmulVariant parse(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "naive" -> NAIVE;
            case "tiled" -> TILED;
            case "tensor-core", "tensorcore", "wmma" -> TENSOR_CORE;
            case "cublas" -> CUBLAS;
            default -> throw new IllegalArgumentException("unknown matmul variant '" + s + "' (naive, tiled, tensor-core, cublas)");
        };
    }
}
