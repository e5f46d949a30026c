package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.CudaDriver;
import io.scalpel.backend.cuda.driver.CudaError;
import io.scalpel.backend.cuda.driver.CudaFailure;
import io.scalpel.backend.cuda.driver.FunctionAttribute;
import io.scalpel.backend.cuda.driver.KernelArgs;
import io.scalpel.backend.cuda.driver.KernelSignature;
import io.scalpel.kernels.Ptx;
import io.scalpel.kernels.PtxModule;

import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The loaded PTX modules and their kernels, and the one place kernels are launched. The last launch is
 * remembered (kernel, shape and its reusable argument list, by reference: nothing is formatted per launch),
 * so an asynchronous fault that surfaces at the next synchronisation names its likely culprit.
 */
final class KernelLibrary implements AutoCloseable {
    private final CudaContext context;
    private final CudaDriver driver;
    private final Map<PtxModule, CudaDriver.Module> modules;
    private final CudaDriver.Function[] functions;   // by CudaKernel ordinal
    private final int[] dynamicSharedLimit;           // by CudaKernel ordinal; 0 until raised
    private final boolean checkEachLaunch;
    /** While a graph is being captured nothing may wait for the stream, so {@code checkEachLaunch} pauses. */
    private boolean capturing;
    private final Map<KernelSignature, CudaKernel> kernelsBySignature = new IdentityHashMap<>();
    private CudaKernel lastKernel;
    private LaunchShape lastShape;
    private KernelArgs lastArgs;
    private final Object lastLaunchDescription = new Object() {
        @Override public String toString() { return lastLaunch(); }
    };

    private KernelLibrary(CudaContext context, Map<PtxModule, CudaDriver.Module> modules, CudaDriver.Function[] functions, boolean checkEachLaunch) {
        this.context = context;
        this.driver = context.driver();
        this.modules = modules;
        this.functions = functions;
        this.dynamicSharedLimit = new int[functions.length];
        this.checkEachLaunch = checkEachLaunch;
        for (CudaKernel k : CudaKernel.values()) kernelsBySignature.put(k.signature(), k);
    }

    /**
     * JIT-compiles every module for the current device. An old driver fails here with
     * CUDA_ERROR_UNSUPPORTED_PTX_VERSION, which is turned into the one-line driver requirement.
     *
     * @param checkEachLaunch synchronise after every launch, so a fault is reported by the kernel that caused it (slow; for tests)
     */
    static KernelLibrary load(CudaContext context, int driverVersion, boolean checkEachLaunch) {
        context.bind();
        CudaDriver driver = context.driver();
        Map<PtxModule, CudaDriver.Module> modules = new EnumMap<>(PtxModule.class);
        try {
            for (PtxModule module : PtxModule.values()) modules.put(module, loadModule(driver, module.load(), driverVersion));
            CudaKernel[] kernels = CudaKernel.values();
            CudaDriver.Function[] functions = new CudaDriver.Function[kernels.length];
            for (CudaKernel kernel : kernels) {
                try {
                    functions[kernel.ordinal()] = driver.function(modules.get(kernel.module()), kernel.entry());
                } catch (CudaFailure e) {
                    throw e.during("kernel " + kernel.entry() + " not found in " + kernel.module().resourcePath());
                }
            }
            return new KernelLibrary(context, modules, functions, checkEachLaunch);
        } catch (RuntimeException e) {
            for (CudaDriver.Module m : modules.values()) {
                try {
                    driver.unloadModule(m);
                } catch (RuntimeException unload) {
                    e.addSuppressed(unload);
                }
            }
            throw e;
        }
    }

    private static CudaDriver.Module loadModule(CudaDriver driver, Ptx ptx, int driverVersion) {
        try {
            return driver.loadModule(ptx.text());
        } catch (CudaFailure e) {
            if (e.result() == CudaError.UNSUPPORTED_PTX_VERSION.code()) {
                throw new CudaFailure(CudaAvailability.driverTooOld(driverVersion, ptx.isa()) + " (loading " + ptx.module().resourcePath() + ")", e.result());
            }
            throw e.during("loading " + ptx.module().resourcePath() + " (PTX ISA " + ptx.isa() + ", " + ptx.target() + ")");
        }
    }

    /** Queues one kernel (the one {@code args} are for) on the backend's stream. {@code args} may be reused right after. */
    void launch(LaunchShape shape, KernelArgs args) {
        CudaKernel kernel = kernelsBySignature.get(args.signature());
        if (kernel == null) throw new IllegalArgumentException("no kernel of this library has the signature of " + args.signature().entry());
        if (shape.sharedBytes() > LaunchShapes.DEFAULT_SHARED_LIMIT) allowDynamicShared(kernel, shape.sharedBytes());
        lastKernel = kernel;
        lastShape = shape;
        lastArgs = args;
        try {
            driver.launch(functions[kernel.ordinal()], shape.gridX(), shape.gridY(), shape.gridZ(),
                    shape.blockX(), shape.blockY(), shape.blockZ(), shape.sharedBytes(), context.stream(), args);
        } catch (CudaFailure e) {
            throw e.during("launch of " + lastLaunch() + " on " + context.deviceName());
        }
        if (checkEachLaunch && !capturing) context.synchronize(lastLaunchDescription);
    }

    void capturing(boolean on) { capturing = on; }

    /** What the last launch was, for errors that surface later (formatted only when asked). */
    String lastLaunch() {
        return lastKernel == null ? "no kernel launched yet" : lastKernel.entry() + " " + lastShape + " (" + lastArgs.describe() + ")";
    }

    /** An object whose {@code toString()} is {@link #lastLaunch()}: to pass to messages built only on failure. */
    Object lastLaunchDescription() { return lastLaunchDescription; }

    /** Raises a kernel's dynamic shared-memory limit past the default 48 KiB (needs an explicit opt-in per function). */
    private void allowDynamicShared(CudaKernel kernel, int bytes) {
        if (dynamicSharedLimit[kernel.ordinal()] >= bytes) return;
        if (bytes > context.sharedPerBlockOptIn()) {
            throw new IllegalArgumentException(kernel.entry() + " needs " + bytes + " bytes of shared memory per block; "
                    + context.deviceName() + " allows " + context.sharedPerBlockOptIn());
        }
        try {
            driver.setFunctionAttribute(functions[kernel.ordinal()], FunctionAttribute.MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
        } catch (CudaFailure e) {
            throw e.during("raising " + kernel.entry() + "'s dynamic shared memory to " + bytes + " bytes");
        }
        dynamicSharedLimit[kernel.ordinal()] = bytes;
    }

    @Override public void close() {
        RuntimeException first = null;
        for (Map.Entry<PtxModule, CudaDriver.Module> m : modules.entrySet()) {
            try {
                driver.unloadModule(m.getValue());
            } catch (RuntimeException e) {
                RuntimeException described = e instanceof CudaFailure f ? f.during("cuModuleUnload " + m.getKey().resourcePath()) : e;
                if (first == null) first = described; else first.addSuppressed(described);
            }
        }
        modules.clear();
        if (first != null) throw first;
    }
}
