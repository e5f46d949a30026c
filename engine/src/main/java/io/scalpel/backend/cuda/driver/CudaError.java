package io.scalpel.backend.cuda.driver;

/**
 * The {@code CUresult} codes a {@link CudaDriver} reports, with the driver API's own numbers and names, so
 * an implementation without the native driver (the PTX interpreter) fails with the code the hardware
 * would give. Codes not listed here still pass through {@link #describe(int)} by number.
 */
public enum CudaError {
    SUCCESS(0),
    INVALID_VALUE(1),
    OUT_OF_MEMORY(2),
    NOT_INITIALIZED(3),
    DEINITIALIZED(4),
    NO_DEVICE(100),
    INVALID_DEVICE(101),
    INVALID_IMAGE(200),
    INVALID_CONTEXT(201),
    INVALID_PTX(218),
    UNSUPPORTED_PTX_VERSION(222),
    INVALID_SOURCE(300),
    INVALID_HANDLE(400),
    ILLEGAL_STATE(401),
    NOT_FOUND(500),
    NOT_READY(600),
    ILLEGAL_ADDRESS(700),
    LAUNCH_OUT_OF_RESOURCES(701),
    LAUNCH_TIMEOUT(702),
    ASSERT(710),
    HARDWARE_STACK_ERROR(714),
    ILLEGAL_INSTRUCTION(715),
    MISALIGNED_ADDRESS(716),
    INVALID_ADDRESS_SPACE(717),
    INVALID_PC(718),
    LAUNCH_FAILED(719),
    NOT_PERMITTED(800),
    NOT_SUPPORTED(801),
    STREAM_CAPTURE_UNSUPPORTED(900),
    STREAM_CAPTURE_INVALIDATED(901),
    STREAM_CAPTURE_UNMATCHED(903),
    STREAM_CAPTURE_IMPLICIT(906),
    UNKNOWN(999);

    private final int code;

    CudaError(int code) { this.code = code; }

    /** The numeric {@code CUresult}. */
    public int code() { return code; }

    /** "CUDA_ERROR_OUT_OF_MEMORY" (and "CUDA_SUCCESS" for 0), as the driver API names it. */
    public String cudaName() { return this == SUCCESS ? "CUDA_SUCCESS" : "CUDA_ERROR_" + name(); }

    /** "CUDA_ERROR_OUT_OF_MEMORY (2)"; an unlisted code reads "CUDA error 123 (123)". */
    public static String describe(int code) {
        for (CudaError e : values()) if (e.code == code) return e.cudaName() + " (" + code + ")";
        return "CUDA error " + code + " (" + code + ")";
    }
}
