package io.scalpel.backend.cuda.emu;

import io.scalpel.backend.cuda.driver.CudaDriver;
import io.scalpel.backend.cuda.driver.CudaError;
import io.scalpel.backend.cuda.driver.CudaFailure;
import io.scalpel.backend.cuda.driver.DeviceAttribute;
import io.scalpel.backend.cuda.driver.FunctionAttribute;
import io.scalpel.backend.cuda.driver.KernelArgs;
import io.scalpel.backend.cuda.driver.MemoryInfo;
import io.scalpel.ptx.DeviceLimits;
import io.scalpel.ptx.KernelArguments;
import io.scalpel.ptx.KernelFault;
import io.scalpel.ptx.PtxDevice;
import io.scalpel.ptx.PtxException;
import io.scalpel.ptx.PtxFunction;
import io.scalpel.ptx.Sanitizers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link CudaDriver} on the PTX interpreter ({@code io.scalpel.ptx}): one H200-like device, work run eagerly
 * on the calling thread (so streams are trivially ordered), graphs recorded as lists of the captured
 * operations and replayed in order. Faults inside a kernel become the context's sticky error, reported from
 * the next synchronising call, as on hardware; the message carries the interpreter's report (kernel, block,
 * thread, PTX line, address).
 *
 * <p>Counters ({@link #launches()}, {@link #synchronizations()}, {@link #bytesToDevice()},
 * {@link #bytesToHost()}) say what the backend asked of the device, graph replays included.
 */
public final class EmulatedCudaDriver implements CudaDriver {

    /** The CUDA version the emulated driver claims (13.0: it accepts PTX ISA 9.0). */
    public static final int DRIVER_VERSION = 13000;
    private static final Pattern VERSION = Pattern.compile("\\.version\\s+(\\d+)\\.(\\d+)");

    private final PtxDevice device;
    private final ThreadLocal<EmuContext> current = new ThreadLocal<>();
    private EmuContext primary;
    private final List<EmuStream> capturing = new ArrayList<>();
    private boolean initialised;
    private long launches, synchronizations, bytesToDevice, bytesToHost;

    private final class EmuContext implements Context {
        int references;
        boolean destroyed;
        CudaFailure sticky;
    }

    private record EmuModule(EmulatedCudaDriver owner, Map<String, PtxFunction> functions) implements Module {}

    private record EmuFunction(EmulatedCudaDriver owner, PtxFunction function) implements Function {}

    private final class EmuStream implements Stream {
        boolean destroyed;
        List<Runnable> capture;
        boolean captureInvalidated;
    }

    private record EmuGraph(EmulatedCudaDriver owner, List<Runnable> work) implements Graph {}

    private record EmuGraphExec(EmulatedCudaDriver owner, List<Runnable> work) implements GraphExec {}

    private record EmuHostMemory(Arena arena, MemorySegment segment) implements HostMemory {}

    public EmulatedCudaDriver(Sanitizers sanitizers) {
        this.device = new PtxDevice(sanitizers);
    }

    public Sanitizers sanitizers() { return device.sanitizers(); }

    public long launches() { return launches; }

    public long synchronizations() { return synchronizations; }

    public long bytesToDevice() { return bytesToDevice; }

    public long bytesToHost() { return bytesToHost; }

    /** Thread-instructions the interpreter executed so far. */
    public long instructions() { return device.instructions(); }

    // ---- device queries -----------------------------------------------------------------------------------

    @Override public void init() { initialised = true; }

    @Override public int driverVersion() { return DRIVER_VERSION; }

    @Override public int deviceCount() {
        requireInit("cuDeviceGetCount");
        return 1;
    }

    @Override public String deviceName(int ordinal) {
        requireDevice(ordinal, "cuDeviceGetName");
        return DeviceLimits.NAME;
    }

    @Override public int deviceAttribute(int ordinal, DeviceAttribute attribute) {
        requireDevice(ordinal, "cuDeviceGetAttribute");
        return switch (attribute) {
            case MAX_THREADS_PER_BLOCK -> DeviceLimits.MAX_THREADS_PER_BLOCK;
            case MAX_BLOCK_DIM_X -> DeviceLimits.MAX_BLOCK_X;
            case MAX_BLOCK_DIM_Y -> DeviceLimits.MAX_BLOCK_Y;
            case MAX_BLOCK_DIM_Z -> DeviceLimits.MAX_BLOCK_Z;
            case MAX_GRID_DIM_X -> (int) DeviceLimits.MAX_GRID_X;
            case MAX_GRID_DIM_Y -> DeviceLimits.MAX_GRID_Y;
            case MAX_GRID_DIM_Z -> DeviceLimits.MAX_GRID_Z;
            case MAX_SHARED_MEMORY_PER_BLOCK -> DeviceLimits.SHARED_PER_BLOCK_DEFAULT;
            case WARP_SIZE -> DeviceLimits.WARP_SIZE;
            case MAX_REGISTERS_PER_BLOCK -> DeviceLimits.REGISTERS_PER_BLOCK;
            case MULTIPROCESSOR_COUNT -> DeviceLimits.SM_COUNT;
            case L2_CACHE_SIZE -> DeviceLimits.L2_CACHE_BYTES;
            case COMPUTE_CAPABILITY_MAJOR -> DeviceLimits.COMPUTE_MAJOR;
            case COMPUTE_CAPABILITY_MINOR -> DeviceLimits.COMPUTE_MINOR;
            case MAX_SHARED_MEMORY_PER_MULTIPROCESSOR -> DeviceLimits.SHARED_PER_SM;
            case MAX_SHARED_MEMORY_PER_BLOCK_OPTIN -> DeviceLimits.SHARED_PER_BLOCK_OPTIN;
        };
    }

    // ---- contexts -----------------------------------------------------------------------------------------

    @Override public Context retainPrimaryContext(int ordinal) {
        requireDevice(ordinal, "cuDevicePrimaryCtxRetain");
        if (primary == null || primary.destroyed) primary = new EmuContext();
        primary.references++;
        return primary;
    }

    @Override public void releasePrimaryContext(Context context) {
        EmuContext c = own(context, "cuDevicePrimaryCtxRelease");
        if (--c.references == 0) {
            c.destroyed = true;
            if (current.get() == c) current.remove();
        }
    }

    @Override public void setCurrent(Context context) {
        EmuContext c = own(context, "cuCtxSetCurrent");
        current.set(c);
    }

    @Override public MemoryInfo memoryInfo() {
        context("cuMemGetInfo");
        return new MemoryInfo(DeviceLimits.GLOBAL_MEMORY_BYTES - device.memory().bytesInUse(), DeviceLimits.GLOBAL_MEMORY_BYTES);
    }

    // ---- modules ------------------------------------------------------------------------------------------

    @Override public Module loadModule(String ptx) {
        context("cuModuleLoadData");
        Matcher v = VERSION.matcher(ptx);
        if (v.find()) {
            int major = Integer.parseInt(v.group(1)), minor = Integer.parseInt(v.group(2));
            if (major * 10 + minor > DeviceLimits.PTX_ISA_MAJOR * 10 + DeviceLimits.PTX_ISA_MINOR) {
                throw new CudaFailure("cuModuleLoadData: PTX ISA " + major + "." + minor + " is newer than the driver supports: "
                        + CudaError.describe(CudaError.UNSUPPORTED_PTX_VERSION.code()), CudaError.UNSUPPORTED_PTX_VERSION.code());
            }
        }
        try {
            return new EmuModule(this, device.load(moduleName(ptx), ptx));
        } catch (PtxException e) {
            throw new CudaFailure("cuModuleLoadData: " + e.getMessage() + ": " + CudaError.describe(CudaError.INVALID_PTX.code()), CudaError.INVALID_PTX.code());
        }
    }

    /** A name for messages: the module's first entry ("rmsnorm_f32 module"). */
    private static String moduleName(String ptx) {
        Matcher m = Pattern.compile("\\.entry\\s+([\\w$]+)").matcher(ptx);
        return m.find() ? "module of " + m.group(1) : "PTX module";
    }

    @Override public void unloadModule(Module module) {
        context("cuModuleUnload");
        ownModule(module, "cuModuleUnload");
    }

    @Override public Function function(Module module, String entry) {
        context("cuModuleGetFunction");
        PtxFunction f = ownModule(module, "cuModuleGetFunction").functions().get(entry);
        if (f == null) throw new CudaFailure("cuModuleGetFunction(" + entry + ")", CudaError.NOT_FOUND);
        return new EmuFunction(this, f);
    }

    @Override public int functionAttribute(Function function, FunctionAttribute attribute) {
        context("cuFuncGetAttribute");
        PtxFunction f = ownFunction(function, "cuFuncGetAttribute");
        return switch (attribute) {
            case MAX_THREADS_PER_BLOCK -> f.maxThreadsPerBlock();
            case SHARED_SIZE_BYTES -> f.staticSharedBytes();
            case CONST_SIZE_BYTES, LOCAL_SIZE_BYTES -> 0;
            case NUM_REGS -> 0;
            case PTX_VERSION, BINARY_VERSION -> DeviceLimits.COMPUTE_MAJOR * 10 + DeviceLimits.COMPUTE_MINOR;
            case MAX_DYNAMIC_SHARED_SIZE_BYTES -> f.maxDynamicSharedBytes();
        };
    }

    @Override public void setFunctionAttribute(Function function, FunctionAttribute attribute, int value) {
        context("cuFuncSetAttribute");
        PtxFunction f = ownFunction(function, "cuFuncSetAttribute");
        if (attribute != FunctionAttribute.MAX_DYNAMIC_SHARED_SIZE_BYTES) throw new CudaFailure("cuFuncSetAttribute(" + attribute + ")", CudaError.INVALID_VALUE);
        try {
            f.setMaxDynamicSharedBytes(value);
        } catch (KernelFault e) {
            throw new CudaFailure("cuFuncSetAttribute: " + e.getMessage(), CudaError.INVALID_VALUE.code());
        }
    }

    @Override public void launch(Function function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                 int sharedBytes, Stream stream, KernelArgs args) {
        EmuContext c = context("cuLaunchKernel");
        PtxFunction f = ownFunction(function, "cuLaunchKernel");
        EmuStream s = ownStream(stream, "cuLaunchKernel");
        KernelArguments values;
        try {
            args.requireComplete();
            values = KernelArguments.of(f);
            for (int i = 0; i < args.count(); i++) {
                long bits = args.bits(i);
                switch (args.kind(i)) {
                    case POINTER -> values.pointer(bits);
                    case INT -> values.int32((int) bits);
                    case LONG -> values.int64(bits);
                    case FLOAT -> values.float32(Float.intBitsToFloat((int) bits));
                    case DOUBLE -> values.float64(Double.longBitsToDouble(bits));
                }
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CudaFailure("cuLaunchKernel(" + f.name() + "): " + e.getMessage() + ": " + CudaError.describe(CudaError.INVALID_VALUE.code()), CudaError.INVALID_VALUE.code());
        }
        Runnable work = () -> {
            launches++;
            try {
                device.launch(f, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, values);
            } catch (KernelFault e) {
                if (e.kind() == KernelFault.Kind.LAUNCH) {
                    throw new CudaFailure("cuLaunchKernel: " + e.getMessage() + ": " + CudaError.describe(CudaError.INVALID_VALUE.code()), CudaError.INVALID_VALUE.code());
                }
                CudaError code = switch (e.kind()) {
                    case MEMCHECK -> CudaError.ILLEGAL_ADDRESS;
                    case MISALIGNED -> CudaError.MISALIGNED_ADDRESS;
                    default -> CudaError.LAUNCH_FAILED;
                };
                c.sticky = new CudaFailure(e.getMessage() + ": " + CudaError.describe(code.code()), code.code());
            }
        };
        try {
            PtxDevice.checkLaunch(f, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes);
        } catch (KernelFault e) {
            throw new CudaFailure("cuLaunchKernel: " + e.getMessage() + ": " + CudaError.describe(CudaError.INVALID_VALUE.code()), CudaError.INVALID_VALUE.code());
        }
        enqueue(s, work);
    }

    // ---- memory -------------------------------------------------------------------------------------------

    @Override public long allocate(long bytes) {
        context("cuMemAlloc");
        refuseWhileCapturing("cuMemAlloc");
        if (bytes < 1) throw new CudaFailure("cuMemAlloc of " + bytes + " bytes", CudaError.INVALID_VALUE);
        try {
            return device.memory().allocate(bytes);
        } catch (OutOfMemoryError e) {
            throw new CudaFailure("cuMemAlloc of " + bytes + " bytes (" + e.getMessage() + ")", CudaError.OUT_OF_MEMORY);
        }
    }

    @Override public void free(long address) {
        EmuContext c = context("cuMemFree");
        refuseWhileCapturing("cuMemFree");
        reportSticky(c, "cuMemFree");
        try {
            device.memory().free(address);
        } catch (IllegalArgumentException e) {
            throw new CudaFailure("cuMemFree: " + e.getMessage() + ": " + CudaError.describe(CudaError.INVALID_VALUE.code()), CudaError.INVALID_VALUE.code());
        }
    }

    @Override public void memsetD32(long address, int value, long count, Stream stream) {
        context("cuMemsetD32Async");
        EmuStream s = ownStream(stream, "cuMemsetD32Async");
        if ((address & 3) != 0) throw new CudaFailure(String.format("cuMemsetD32Async at 0x%x (not 4-byte aligned)", address), CudaError.INVALID_VALUE);
        enqueue(s, () -> memoryCall("cuMemsetD32Async", () -> device.memory().memset(address, value, 4, count)));
    }

    @Override public HostMemory allocateHost(long bytes) {
        context("cuMemAllocHost");
        Arena arena = Arena.ofShared();
        return new EmuHostMemory(arena, arena.allocate(bytes, 64));
    }

    @Override public void freeHost(HostMemory memory) {
        if (!(memory instanceof EmuHostMemory h)) throw new CudaFailure("cuMemFreeHost", CudaError.INVALID_VALUE);
        h.arena().close();
    }

    @Override public void copyHostToDevice(long dst, HostMemory src, long srcOffset, long bytes, Stream stream) {
        context("cuMemcpyHtoDAsync");
        EmuStream s = ownStream(stream, "cuMemcpyHtoDAsync");
        MemorySegment host = src.segment();
        enqueue(s, () -> memoryCall("cuMemcpyHtoDAsync", () -> {
            device.memory().copyFromHost(dst, host.asSlice(srcOffset, bytes), bytes);
            bytesToDevice += bytes;
        }));
    }

    @Override public void copyDeviceToHost(HostMemory dst, long dstOffset, long src, long bytes, Stream stream) {
        EmuContext c = context("cuMemcpyDtoHAsync");
        EmuStream s = ownStream(stream, "cuMemcpyDtoHAsync");
        MemorySegment host = dst.segment();
        enqueue(s, () -> {
            reportSticky(c, "cuMemcpyDtoHAsync");
            memoryCall("cuMemcpyDtoHAsync", () -> {
                device.memory().copyToHost(host.asSlice(dstOffset, bytes), src, bytes);
                bytesToHost += bytes;
            });
        });
    }

    @Override public void copyDeviceToDevice(long dst, long src, long bytes, Stream stream) {
        context("cuMemcpyDtoDAsync");
        EmuStream s = ownStream(stream, "cuMemcpyDtoDAsync");
        enqueue(s, () -> memoryCall("cuMemcpyDtoDAsync", () -> device.memory().copyDeviceToDevice(dst, src, bytes)));
    }

    private static void memoryCall(String call, Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            throw new CudaFailure(call + ": " + e.getMessage() + ": " + CudaError.describe(CudaError.INVALID_VALUE.code()), CudaError.INVALID_VALUE.code());
        }
    }

    // ---- streams and graphs -------------------------------------------------------------------------------

    @Override public Stream createStream() {
        context("cuStreamCreate");
        return new EmuStream();
    }

    @Override public void destroyStream(Stream stream) {
        context("cuStreamDestroy");
        EmuStream s = ownStream(stream, "cuStreamDestroy");
        if (s != null) s.destroyed = true;
    }

    @Override public void synchronize(Stream stream) {
        EmuContext c = context("cuStreamSynchronize");
        EmuStream s = ownStream(stream, "cuStreamSynchronize");
        if (s != null && s.capture != null) {
            s.captureInvalidated = true;
            throw new CudaFailure("cuStreamSynchronize while capturing", CudaError.STREAM_CAPTURE_UNSUPPORTED);
        }
        synchronizations++;
        reportSticky(c, "cuStreamSynchronize");
    }

    @Override public void beginCapture(Stream stream) {
        context("cuStreamBeginCapture");
        EmuStream s = ownStream(stream, "cuStreamBeginCapture");
        if (s == null || s.capture != null) throw new CudaFailure("cuStreamBeginCapture", CudaError.ILLEGAL_STATE);
        s.capture = new ArrayList<>();
        s.captureInvalidated = false;
        capturing.add(s);
    }

    @Override public Graph endCapture(Stream stream) {
        context("cuStreamEndCapture");
        EmuStream s = ownStream(stream, "cuStreamEndCapture");
        if (s == null || s.capture == null) throw new CudaFailure("cuStreamEndCapture", CudaError.ILLEGAL_STATE);
        List<Runnable> work = s.capture;
        boolean invalid = s.captureInvalidated;
        s.capture = null;
        capturing.remove(s);
        if (invalid) throw new CudaFailure("cuStreamEndCapture", CudaError.STREAM_CAPTURE_INVALIDATED);
        return new EmuGraph(this, List.copyOf(work));
    }

    @Override public GraphExec instantiate(Graph graph) {
        context("cuGraphInstantiate");
        if (!(graph instanceof EmuGraph g) || g.owner() != this) throw new CudaFailure("cuGraphInstantiate", CudaError.INVALID_HANDLE);
        return new EmuGraphExec(this, g.work());
    }

    @Override public void launchGraph(GraphExec graph, Stream stream) {
        context("cuGraphLaunch");
        EmuStream s = ownStream(stream, "cuGraphLaunch");
        if (!(graph instanceof EmuGraphExec g) || g.owner() != this) throw new CudaFailure("cuGraphLaunch", CudaError.INVALID_HANDLE);
        enqueue(s, () -> { for (Runnable r : g.work()) r.run(); });
    }

    @Override public void destroyGraph(Graph graph) {
        if (!(graph instanceof EmuGraph g) || g.owner() != this) throw new CudaFailure("cuGraphDestroy", CudaError.INVALID_HANDLE);
    }

    @Override public void destroyGraphExec(GraphExec graph) {
        if (!(graph instanceof EmuGraphExec g) || g.owner() != this) throw new CudaFailure("cuGraphExecDestroy", CudaError.INVALID_HANDLE);
    }

    // ---- checks -------------------------------------------------------------------------------------------

    private void enqueue(EmuStream s, Runnable work) {
        if (s != null && s.capture != null) s.capture.add(work);
        else work.run();
    }

    /** Allocation and free are not capturable: refused, and every capture in progress is invalidated. */
    private void refuseWhileCapturing(String call) {
        if (capturing.isEmpty()) return;
        for (EmuStream s : capturing) s.captureInvalidated = true;
        throw new CudaFailure(call + " while a stream is capturing", CudaError.STREAM_CAPTURE_UNSUPPORTED);
    }

    private void requireInit(String call) {
        if (!initialised) throw new CudaFailure(call, CudaError.NOT_INITIALIZED);
    }

    private void requireDevice(int ordinal, String call) {
        requireInit(call);
        if (ordinal != 0) throw new CudaFailure(call + "(" + ordinal + ")", CudaError.INVALID_DEVICE);
    }

    private EmuContext context(String call) {
        requireInit(call);
        EmuContext c = current.get();
        if (c == null || c.destroyed) throw new CudaFailure(call, CudaError.INVALID_CONTEXT);
        if (c.sticky != null && !call.equals("cuStreamSynchronize") && !call.equals("cuMemFree") && !call.equals("cuMemcpyDtoHAsync")) {
            throw c.sticky;
        }
        return c;
    }

    private static void reportSticky(EmuContext c, String call) {
        if (c.sticky != null) throw new CudaFailure(call + ": " + c.sticky.getMessage(), c.sticky.result());
    }

    private EmuContext own(Context context, String call) {
        if (!(context instanceof EmuContext c) || c != primary || c.destroyed) throw new CudaFailure(call, CudaError.INVALID_CONTEXT);
        return c;
    }

    private EmuModule ownModule(Module module, String call) {
        if (!(module instanceof EmuModule m) || m.owner() != this) throw new CudaFailure(call, CudaError.INVALID_HANDLE);
        return m;
    }

    private PtxFunction ownFunction(Function function, String call) {
        if (!(function instanceof EmuFunction f) || f.owner() != this) throw new CudaFailure(call, CudaError.INVALID_HANDLE);
        return f.function();
    }

    /** The stream, or null for the default stream (a null handle). */
    private EmuStream ownStream(Stream stream, String call) {
        if (stream == null) return null;
        if (!(stream instanceof EmuStream s) || s.destroyed) throw new CudaFailure(call, CudaError.INVALID_HANDLE);
        return s;
    }
}
