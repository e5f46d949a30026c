package io.scalpel.backend.cuda.driver;

/** The kinds of kernel parameter the launcher packs, with the PTX type nvcc gives each. */
public enum KernelParam {
    /** A device pointer (any element type). */
    POINTER(".u64"),
    /** A C {@code int}. */
    INT(".u32"),
    /** A C {@code long long}. */
    LONG(".u64"),
    /** A C {@code float}. */
    FLOAT(".f32"),
    /** A C {@code double}. */
    DOUBLE(".f64");

    private final String ptxType;

    KernelParam(String ptxType) { this.ptxType = ptxType; }

    /** The type in the PTX {@code .param} list. */
    public String ptxType() { return ptxType; }
}
