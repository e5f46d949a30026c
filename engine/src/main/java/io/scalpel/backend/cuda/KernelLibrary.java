package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.CudaFailure;
import io.scalpel.kernels.Ptx;
import io.scalpel.kernels.PtxModule;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.driver.JITOptions;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * The loaded PTX modules and their kernels, and the one place kernels are launched. Every launch is
 * described (kernel, grid, block, shared bytes, scalar arguments) in its error, and the last launch is
 * remembered so an asynchronous fault that surfaces at the next synchronisation names its likely culprit.
 */
final class KernelLibrary implements AutoCloseable {
    private final CudaContext context;
    private final Map<PtxModule, CUmodule> modules;
    private final Map<CudaKernel, CUfunction> functions;
    private final Map<CudaKernel, Integer> dynamicSharedLimit = new EnumMap<>(CudaKernel.class);
    private final boolean checkEachLaunch;
    private String lastLaunch = "no kernel launched yet";

    private KernelLibrary(CudaContext context, Map<PtxModule, CUmodule> modules, Map<CudaKernel, CUfunction> functions, boolean checkEachLaunch) {
        this.context = context;
        this.modules = modules;
        this.functions = functions;
        this.checkEachLaunch = checkEachLaunch;
    }

    /**
     * JIT-compiles every module for the current device. An old driver fails here with
     * CUDA_ERROR_UNSUPPORTED_PTX_VERSION, which is turned into the one-line driver requirement.
     *
     * @param checkEachLaunch synchronise after every launch, so a fault is reported by the kernel that caused it (slow; for tests)
     */
    static KernelLibrary load(CudaContext context, int driverVersion, boolean checkEachLaunch) {
        context.bind();
        Map<PtxModule, CUmodule> modules = new EnumMap<>(PtxModule.class);
        try {
            for (PtxModule module : PtxModule.values()) modules.put(module, loadModule(module.load(), driverVersion));
            Map<CudaKernel, CUfunction> functions = new EnumMap<>(CudaKernel.class);
            for (CudaKernel kernel : CudaKernel.values()) {
                CUfunction f = new CUfunction();
                CuResults.check(JCudaDriver.cuModuleGetFunction(f, modules.get(kernel.module()), kernel.entry()),
                        () -> "kernel " + kernel.entry() + " not found in " + kernel.module().resourcePath());
                functions.put(kernel, f);
            }
            return new KernelLibrary(context, modules, functions, checkEachLaunch);
        } catch (RuntimeException e) {
            for (CUmodule m : modules.values()) {
                CudaFailure unload = CuResults.collect(null, JCudaDriver.cuModuleUnload(m), "cuModuleUnload");
                if (unload != null) e.addSuppressed(unload);
            }
            throw e;
        }
    }

    private static CUmodule loadModule(Ptx ptx, int driverVersion) {
        CUmodule module = new CUmodule();
        byte[] text = (ptx.text() + "\0").getBytes(StandardCharsets.US_ASCII);  // the driver reads PTX as a C string
        int result = JCudaDriver.cuModuleLoadData(module, text);
        if (result == CUresult.CUDA_SUCCESS) return module;
        if (result == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
            throw new CudaFailure(CudaAvailability.driverTooOld(driverVersion, ptx.isa()) + " (loading " + ptx.module().resourcePath() + ")", result);
        }
        throw new CudaFailure("loading " + ptx.module().resourcePath() + " (PTX ISA " + ptx.isa() + ", " + ptx.target() + "): "
                + CuResults.name(result) + jitLog(text), result);
    }

    /** On a failed load only: compiles again with an error-log buffer, for the JIT's own explanation. */
    private static String jitLog(byte[] text) {
        try {
            JITOptions jit = new JITOptions();
            jit.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[8192]);
            jit.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, 8192);
            CUmodule retry = new CUmodule();
            if (JCudaDriver.cuModuleLoadDataJIT(retry, Pointer.to(text), jit) == CUresult.CUDA_SUCCESS) {
                JCudaDriver.cuModuleUnload(retry);
                return "";
            }
            String log = jit.getString(CUjit_option.CU_JIT_ERROR_LOG_BUFFER);
            return log == null || log.isBlank() ? "" : "; JIT log: " + log.strip();
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** Queues one kernel on the backend's stream. */
    void launch(LaunchShape shape, KernelArgs args) {
        CudaKernel kernel = args.kernel();
        Pointer params = args.pack();
        if (shape.sharedBytes() > LaunchShapes.DEFAULT_SHARED_LIMIT) allowDynamicShared(kernel, shape.sharedBytes());
        lastLaunch = kernel.entry() + " " + shape + " (" + args.describe() + ")";
        int result = JCudaDriver.cuLaunchKernel(functions.get(kernel), shape.gridX(), shape.gridY(), shape.gridZ(),
                shape.blockX(), shape.blockY(), shape.blockZ(), shape.sharedBytes(), context.stream(), params, null);
        CuResults.check(result, () -> "launch of " + lastLaunch + " on " + context.deviceName());
        if (checkEachLaunch) context.synchronize(lastLaunch);
    }

    /** What the last launch was, for errors that surface later. */
    String lastLaunch() { return lastLaunch; }

    /** Raises a kernel's dynamic shared-memory limit past the default 48 KiB (needs an explicit opt-in per function). */
    private void allowDynamicShared(CudaKernel kernel, int bytes) {
        Integer current = dynamicSharedLimit.get(kernel);
        if (current != null && current >= bytes) return;
        if (bytes > context.sharedPerBlockOptIn()) {
            throw new IllegalArgumentException(kernel.entry() + " needs " + bytes + " bytes of shared memory per block; "
                    + context.deviceName() + " allows " + context.sharedPerBlockOptIn());
        }
        CuResults.check(JCudaDriver.cuFuncSetAttribute(functions.get(kernel), CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                () -> "raising " + kernel.entry() + "'s dynamic shared memory to " + bytes + " bytes");
        dynamicSharedLimit.put(kernel, bytes);
    }

    @Override public void close() {
        CudaFailure first = null;
        for (Map.Entry<PtxModule, CUmodule> m : modules.entrySet()) {
            first = CuResults.collect(first, JCudaDriver.cuModuleUnload(m.getValue()), "cuModuleUnload " + m.getKey().resourcePath());
        }
        modules.clear();
        functions.clear();
        if (first != null) throw first;
    }
}
