package io.scalpel.backend.cuda.driver;

/** The device attributes the backend asks for, with their {@code CUdevice_attribute} numbers. */
public enum DeviceAttribute {
    MAX_THREADS_PER_BLOCK(1),
    MAX_BLOCK_DIM_X(2),
    MAX_BLOCK_DIM_Y(3),
    MAX_BLOCK_DIM_Z(4),
    MAX_GRID_DIM_X(5),
    MAX_GRID_DIM_Y(6),
    MAX_GRID_DIM_Z(7),
    /** 48 KiB on every device since Kepler: the dynamic + static shared memory a block gets without opting in. */
    MAX_SHARED_MEMORY_PER_BLOCK(8),
    WARP_SIZE(10),
    MAX_REGISTERS_PER_BLOCK(12),
    MULTIPROCESSOR_COUNT(16),
    L2_CACHE_SIZE(38),
    COMPUTE_CAPABILITY_MAJOR(75),
    COMPUTE_CAPABILITY_MINOR(76),
    MAX_SHARED_MEMORY_PER_MULTIPROCESSOR(81),
    /** The most a block may use after {@link FunctionAttribute#MAX_DYNAMIC_SHARED_SIZE_BYTES} is raised (227 KiB on H100/H200). */
    MAX_SHARED_MEMORY_PER_BLOCK_OPTIN(97);

    private final int code;

    DeviceAttribute(int code) { this.code = code; }

    /** The {@code CU_DEVICE_ATTRIBUTE_*} number. */
    public int code() { return code; }
}
