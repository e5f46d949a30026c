package io.scalpel.ptx;

/**
 * The device the interpreter reports and enforces: an H200-like sm_90 part. The numbers are the ones
 * {@code cuDeviceGetAttribute} gives for an H200 (SXM), except global memory, which is what the emulator
 * claims to have (allocations are backed by the JVM heap, so what fits is bounded by that).
 */
public final class DeviceLimits {
    public static final String NAME = "Scalpel PTX interpreter (H200-like sm_90)";
    public static final int COMPUTE_MAJOR = 9, COMPUTE_MINOR = 0;
    public static final int SM_COUNT = 132;
    public static final int WARP_SIZE = 32;
    public static final int MAX_THREADS_PER_BLOCK = 1024;
    public static final int MAX_BLOCK_X = 1024, MAX_BLOCK_Y = 1024, MAX_BLOCK_Z = 64;
    public static final long MAX_GRID_X = (1L << 31) - 1;
    public static final int MAX_GRID_Y = 65535, MAX_GRID_Z = 65535;
    /** Shared memory a block may use without raising {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}. */
    public static final int SHARED_PER_BLOCK_DEFAULT = 48 * 1024;
    /** The most shared memory one block may opt in to (static + dynamic): 227 KiB. */
    public static final int SHARED_PER_BLOCK_OPTIN = 227 * 1024;
    public static final int SHARED_PER_SM = 228 * 1024;
    public static final int REGISTERS_PER_BLOCK = 65536;
    public static final int L2_CACHE_BYTES = 50 * 1024 * 1024;
    public static final long GLOBAL_MEMORY_BYTES = 80L << 30;
    /** The highest PTX ISA version the interpreter accepts (nvcc 13.0 writes 9.0). */
    public static final int PTX_ISA_MAJOR = 9, PTX_ISA_MINOR = 0;

    private DeviceLimits() {}
}
