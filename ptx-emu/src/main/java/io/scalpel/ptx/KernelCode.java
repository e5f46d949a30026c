package io.scalpel.ptx;

import java.util.List;

/**
 * One {@code .entry} of a PTX module, decoded: its parameters (with their offsets in the parameter buffer),
 * {@code .maxntid}, the shared memory it declares, and its instructions as an array the interpreter walks.
 *
 * @param slots    register-file size per thread: declared registers, special registers and immediates
 * @param template initial register file (immediates filled in; special registers set per thread)
 */
record KernelCode(String module, String name, List<Param> params, int paramBytes, int[] maxThreads,
                  int staticSharedBytes, int dynamicSharedAlign, boolean usesDynamicShared,
                  Instruction[] code, int slots, long[] template) {

    /** Fixed slots of the special registers every thread starts with. */
    static final int TID = 0, NTID = 3, CTAID = 6, NCTAID = 9, LANEID = 12, WARPID = 13, ZERO = 14, FIRST_FREE = 15;

    /** A declared parameter: PTX type, byte offset in the parameter buffer, size in bytes. */
    record Param(String name, ScalarType type, int offset, int size) {}

    /** The product of {@code .maxntid}, or the hardware limit when the entry does not declare one. */
    int maxThreadsPerBlock() {
        return maxThreads == null ? DeviceLimits.MAX_THREADS_PER_BLOCK : maxThreads[0] * maxThreads[1] * maxThreads[2];
    }
}
