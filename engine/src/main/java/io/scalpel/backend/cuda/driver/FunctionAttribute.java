package io.scalpel.backend.cuda.driver;

/** Kernel attributes, with their {@code CUfunction_attribute} numbers. */
public enum FunctionAttribute {
    /** The most threads per block this kernel can be launched with ({@code __launch_bounds__}, registers). */
    MAX_THREADS_PER_BLOCK(0),
    /** Static shared memory the kernel declares, bytes. */
    SHARED_SIZE_BYTES(1),
    CONST_SIZE_BYTES(2),
    LOCAL_SIZE_BYTES(3),
    NUM_REGS(4),
    /** PTX ISA of the loaded code, major*10 + minor. */
    PTX_VERSION(5),
    BINARY_VERSION(6),
    /**
     * The most dynamic shared memory a launch may ask for. Starts at 48 KiB minus the static shared size; may be
     * raised (settable) up to {@link DeviceAttribute#MAX_SHARED_MEMORY_PER_BLOCK_OPTIN} minus the static size.
     */
    MAX_DYNAMIC_SHARED_SIZE_BYTES(8);

    private final int code;

    FunctionAttribute(int code) { this.code = code; }

    /** The {@code CU_FUNC_ATTRIBUTE_*} number. */
    public int code() { return code; }
}
