package io.scalpel.ptx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The emulated GPU: loads PTX modules, owns global memory and launches kernels with the driver's launch
 * rules ({@link DeviceLimits}). Launches run to completion on the calling thread (a stream of one), so
 * synchronisation is trivially satisfied; counters say how much ran.
 */
public final class PtxDevice {

    private final DeviceMemory memory = new DeviceMemory();
    private final Sanitizers sanitizers;
    private long launches;
    private long instructions;

    public PtxDevice(Sanitizers sanitizers) { this.sanitizers = sanitizers; }

    public DeviceMemory memory() { return memory; }

    public Sanitizers sanitizers() { return sanitizers; }

    /** {@code cuModuleLoadData}: decodes every entry of the module, failing on anything unimplemented. */
    public Map<String, PtxFunction> load(String moduleName, String ptx) {
        List<KernelCode> kernels = PtxParser.parse(moduleName, ptx);
        Map<String, PtxFunction> functions = new HashMap<>();
        for (KernelCode k : kernels) functions.put(k.name(), new PtxFunction(k));
        return functions;
    }

    /** {@code cuLaunchKernel}, run to completion. */
    public void launch(PtxFunction f, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                       int dynamicSharedBytes, KernelArguments args) {
        if (args.function() != f) throw new IllegalArgumentException("arguments were built for " + args.function().name() + ", not " + f.name());
        checkLaunch(f, gridX, gridY, gridZ, blockX, blockY, blockZ, dynamicSharedBytes);
        KernelCode k = f.code();
        BlockExecution blocks = new BlockExecution(k, memory, args.buffer(), sanitizers, gridX, gridY, gridZ, blockX, blockY, blockZ, dynamicSharedBytes);
        try {
            for (int z = 0; z < gridZ; z++)
                for (int y = 0; y < gridY; y++)
                    for (int x = 0; x < gridX; x++) blocks.run(x, y, z);
        } finally {
            launches++;
            instructions += blocks.executed();
        }
    }

    /** The driver's synchronous launch checks; throws a LAUNCH fault naming the CUDA error and the limit. */
    public static void checkLaunch(PtxFunction f, int gx, int gy, int gz, int bx, int by, int bz, int dynamicShared) {
        String name = f.name();
        if (bx < 1 || by < 1 || bz < 1 || bx > DeviceLimits.MAX_BLOCK_X || by > DeviceLimits.MAX_BLOCK_Y || bz > DeviceLimits.MAX_BLOCK_Z) {
            throw launchError("CUDA_ERROR_INVALID_VALUE", name + ": block (" + bx + "," + by + "," + bz + ") is outside the device's block dimensions");
        }
        long threads = (long) bx * by * bz;
        if (threads > DeviceLimits.MAX_THREADS_PER_BLOCK) {
            throw launchError("CUDA_ERROR_INVALID_VALUE", name + ": " + threads + " threads per block; the device allows " + DeviceLimits.MAX_THREADS_PER_BLOCK);
        }
        if (threads > f.maxThreadsPerBlock()) {
            throw launchError("CUDA_ERROR_INVALID_VALUE", name + ": " + threads + " threads per block exceed its .maxntid (__launch_bounds__) of " + f.maxThreadsPerBlock());
        }
        if (gx < 1 || gy < 1 || gz < 1 || gx > DeviceLimits.MAX_GRID_X || gy > DeviceLimits.MAX_GRID_Y || gz > DeviceLimits.MAX_GRID_Z) {
            throw launchError("CUDA_ERROR_INVALID_VALUE", name + ": grid (" + gx + "," + gy + "," + gz + ") is outside the device's grid dimensions");
        }
        if (dynamicShared < 0 || dynamicShared > f.maxDynamicSharedBytes()) {
            throw launchError("CUDA_ERROR_INVALID_VALUE", name + ": " + dynamicShared + " bytes of dynamic shared memory exceed the function's limit of "
                    + f.maxDynamicSharedBytes() + (f.maxDynamicSharedBytes() + f.staticSharedBytes() <= DeviceLimits.SHARED_PER_BLOCK_DEFAULT
                    ? " (above 48 KiB needs CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES raised first)" : ""));
        }
    }

    private static KernelFault launchError(String code, String message) {
        return new KernelFault(KernelFault.Kind.LAUNCH, code + ": " + message);
    }

    public long launches() { return launches; }

    /** Thread-instructions executed so far (each thread's instruction counts once). */
    public long instructions() { return instructions; }
}
