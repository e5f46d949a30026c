package io.scalpel.ptx;

import java.util.List;

/**
 * A kernel of a loaded module, as {@code cuModuleGetFunction} gives it: its declared parameters and limits,
 * and the one attribute a launcher may raise, the dynamic shared-memory ceiling (48 KiB until raised).
 */
public final class PtxFunction {

    private final KernelCode code;
    private int maxDynamicSharedBytes;

    PtxFunction(KernelCode code) {
        this.code = code;
        this.maxDynamicSharedBytes = DeviceLimits.SHARED_PER_BLOCK_DEFAULT - code.staticSharedBytes();
    }

    KernelCode code() { return code; }

    public String name() { return code.name(); }

    /** PTX types of the parameters in order (".u64", ".u32", ".f32", ...). */
    public List<String> parameterTypes() {
        return code.params().stream().map(p -> "." + p.type().name().toLowerCase()).toList();
    }

    /** {@code CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK}: the .maxntid product, or 1024. */
    public int maxThreadsPerBlock() { return code.maxThreadsPerBlock(); }

    /** {@code CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES}. */
    public int staticSharedBytes() { return code.staticSharedBytes(); }

    public int maxDynamicSharedBytes() { return maxDynamicSharedBytes; }

    /** {@code cuFuncSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)}, with the driver's bound. */
    public void setMaxDynamicSharedBytes(int bytes) {
        int limit = DeviceLimits.SHARED_PER_BLOCK_OPTIN - code.staticSharedBytes();
        if (bytes < 0 || bytes > limit) {
            throw new KernelFault(KernelFault.Kind.LAUNCH, "CUDA_ERROR_INVALID_VALUE: " + name() + " may use at most " + limit
                    + " bytes of dynamic shared memory (" + DeviceLimits.SHARED_PER_BLOCK_OPTIN + " minus " + code.staticSharedBytes() + " static), asked for " + bytes);
        }
        maxDynamicSharedBytes = bytes;
    }
}
