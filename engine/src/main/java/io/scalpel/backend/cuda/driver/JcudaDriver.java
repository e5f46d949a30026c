package io.scalpel.backend.cuda.driver;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;
import jcuda.driver.JITOptions;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@link CudaDriver} on the real driver API through JCuda 12.6 (needs only {@code libcuda.so.1}). The first
 * call that touches {@code JCudaDriver} without the native library throws {@link UnsatisfiedLinkError};
 * {@code CudaAvailability} is the one place that calls first and turns that into a line.
 *
 * <p>Launch arguments go through one direct buffer of 8-byte slots and a {@code void**} array of pointers
 * into it, both built once: a launch writes the {@link KernelArgs} bit patterns into the slots and allocates
 * nothing (the driver copies the values during {@code cuLaunchKernel}). Launches are serialised on that
 * buffer, so one instance may be shared by threads.
 */
public final class JcudaDriver implements CudaDriver {
    /** More than any kernel here takes (13); the driver reads only as many slots as the kernel declares. */
    private static final int MAX_ARGUMENTS = 32;

    private record JContext(CUcontext context, CUdevice device) implements Context {}
    private record JModule(CUmodule module) implements Module {}
    private record JFunction(CUfunction function) implements Function {}
    private record JStream(CUstream stream) implements Stream {}
    private record JGraph(CUgraph graph) implements Graph {}
    private record JGraphExec(CUgraphExec exec) implements GraphExec {}
    private record JHostMemory(Pointer pointer, MemorySegment segment) implements HostMemory {}

    private final ByteBuffer argumentSlots = ByteBuffer.allocateDirect(8 * MAX_ARGUMENTS).order(ByteOrder.nativeOrder());
    private final Pointer argumentPointers;

    public JcudaDriver() {
        Pointer base = Pointer.to(argumentSlots);
        NativePointerObject[] slots = new NativePointerObject[MAX_ARGUMENTS];
        for (int i = 0; i < MAX_ARGUMENTS; i++) slots[i] = base.withByteOffset(8L * i);
        argumentPointers = Pointer.to(slots);
    }

    /** A device address as JCuda's pointer type (no native allocation: JCuda adds the byte offset to a null base). */
    public static CUdeviceptr pointer(long address) { return new CUdeviceptr().withByteOffset(address); }

    /** The device address a JCuda pointer holds. */
    public static long address(CUdeviceptr pointer) { return new Address(pointer).value(); }

    /** Reads the protected native value and offset of a JCuda pointer through its copy constructor. */
    private static final class Address extends CUdeviceptr {
        Address(CUdeviceptr p) { super(p); }

        long value() { return getNativePointer() + getByteOffset(); }
    }

    /** The JCuda stream behind one of this driver's streams (for cuBLAS, which is bound to JCuda directly). */
    public static CUstream nativeStream(Stream stream) { return of(stream, JStream.class).stream(); }

    private static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) throw new CudaFailure(call + ": " + CUresult.stringFor(result) + " (" + result + ")", result);
    }

    private static <T> T of(Object handle, Class<T> type) {
        if (type.isInstance(handle)) return type.cast(handle);
        throw new CudaFailure("JCuda driver given a handle it did not make (" + handle + ")", CudaError.INVALID_HANDLE.code());
    }

    private static CUdevice device(int ordinal) {
        CUdevice device = new CUdevice();
        check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        return device;
    }

    @Override public void init() { check(JCudaDriver.cuInit(0), "cuInit"); }

    @Override public int driverVersion() {
        int[] v = new int[1];
        check(JCudaDriver.cuDriverGetVersion(v), "cuDriverGetVersion");
        return v[0];
    }

    @Override public int deviceCount() {
        int[] v = new int[1];
        check(JCudaDriver.cuDeviceGetCount(v), "cuDeviceGetCount");
        return v[0];
    }

    @Override public String deviceName(int ordinal) {
        byte[] raw = new byte[256];
        check(JCudaDriver.cuDeviceGetName(raw, raw.length, device(ordinal)), "cuDeviceGetName");
        int end = 0;
        while (end < raw.length && raw[end] != 0) end++;
        return new String(raw, 0, end, StandardCharsets.UTF_8);
    }

    @Override public int deviceAttribute(int ordinal, DeviceAttribute attribute) {
        int[] v = new int[1];
        check(JCudaDriver.cuDeviceGetAttribute(v, attribute.code(), device(ordinal)), "cuDeviceGetAttribute(" + attribute + ")");
        return v[0];
    }

    @Override public Context retainPrimaryContext(int ordinal) {
        CUdevice device = device(ordinal);
        CUcontext context = new CUcontext();
        check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        return new JContext(context, device);
    }

    @Override public void releasePrimaryContext(Context context) {
        check(JCudaDriver.cuDevicePrimaryCtxRelease(of(context, JContext.class).device()), "cuDevicePrimaryCtxRelease");
    }

    @Override public void setCurrent(Context context) { check(JCudaDriver.cuCtxSetCurrent(of(context, JContext.class).context()), "cuCtxSetCurrent"); }

    @Override public MemoryInfo memoryInfo() {
        long[] free = new long[1], total = new long[1];
        check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
        return new MemoryInfo(free[0], total[0]);
    }

    @Override public Module loadModule(String ptx) {
        CUmodule module = new CUmodule();
        byte[] text = (ptx + "\0").getBytes(StandardCharsets.US_ASCII);  // the driver reads PTX as a C string
        int result = JCudaDriver.cuModuleLoadData(module, text);
        if (result == CUresult.CUDA_SUCCESS) return new JModule(module);
        String log = result == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION ? "" : jitLog(text);
        throw new CudaFailure("cuModuleLoadData: " + CUresult.stringFor(result) + " (" + result + ")" + log, result);
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

    @Override public void unloadModule(Module module) { check(JCudaDriver.cuModuleUnload(of(module, JModule.class).module()), "cuModuleUnload"); }

    @Override public Function function(Module module, String entry) {
        CUfunction f = new CUfunction();
        check(JCudaDriver.cuModuleGetFunction(f, of(module, JModule.class).module(), entry), "cuModuleGetFunction(" + entry + ")");
        return new JFunction(f);
    }

    @Override public int functionAttribute(Function function, FunctionAttribute attribute) {
        int[] v = new int[1];
        check(JCudaDriver.cuFuncGetAttribute(v, attribute.code(), of(function, JFunction.class).function()), "cuFuncGetAttribute(" + attribute + ")");
        return v[0];
    }

    @Override public void setFunctionAttribute(Function function, FunctionAttribute attribute, int value) {
        check(JCudaDriver.cuFuncSetAttribute(of(function, JFunction.class).function(), attribute.code(), value),
                "cuFuncSetAttribute(" + attribute + ", " + value + ")");
    }

    @Override public void launch(Function function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                 int sharedBytes, Stream stream, KernelArgs args) {
        args.requireComplete();
        CUfunction f = of(function, JFunction.class).function();
        CUstream s = of(stream, JStream.class).stream();
        int n = args.count();
        if (n > MAX_ARGUMENTS) throw new IllegalArgumentException(args.signature().entry() + " takes " + n + " arguments; the launcher packs " + MAX_ARGUMENTS);
        int result;
        synchronized (argumentSlots) {
            for (int i = 0; i < n; i++) argumentSlots.putLong(8 * i, args.bits(i));  // little-endian: an int's value sits in the slot's first 4 bytes
            result = JCudaDriver.cuLaunchKernel(f, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, s, argumentPointers, null);
        }
        if (result != CUresult.CUDA_SUCCESS) check(result, "cuLaunchKernel(" + args.signature().entry() + ")");
    }

    @Override public long allocate(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        check(JCudaDriver.cuMemAlloc(p, bytes), "cuMemAlloc");
        return address(p);
    }

    @Override public void free(long address) { check(JCudaDriver.cuMemFree(pointer(address)), "cuMemFree"); }

    @Override public void memsetD32(long address, int value, long count, Stream stream) {
        check(JCudaDriver.cuMemsetD32Async(pointer(address), value, count, of(stream, JStream.class).stream()), "cuMemsetD32Async");
    }

    @Override public HostMemory allocateHost(long bytes) {
        Pointer host = new Pointer();
        check(JCudaDriver.cuMemAllocHost(host, bytes), "cuMemAllocHost");
        ByteBuffer buffer = host.getByteBuffer(0, bytes).order(ByteOrder.LITTLE_ENDIAN);
        return new JHostMemory(host, MemorySegment.ofBuffer(buffer));
    }

    @Override public void freeHost(HostMemory memory) { check(JCudaDriver.cuMemFreeHost(of(memory, JHostMemory.class).pointer()), "cuMemFreeHost"); }

    private static Pointer hostAt(HostMemory memory, long offset) {
        Pointer p = of(memory, JHostMemory.class).pointer();
        return offset == 0 ? p : p.withByteOffset(offset);
    }

    @Override public void copyHostToDevice(long dst, HostMemory src, long srcOffset, long bytes, Stream stream) {
        check(JCudaDriver.cuMemcpyHtoDAsync(pointer(dst), hostAt(src, srcOffset), bytes, of(stream, JStream.class).stream()), "cuMemcpyHtoDAsync");
    }

    @Override public void copyDeviceToHost(HostMemory dst, long dstOffset, long src, long bytes, Stream stream) {
        check(JCudaDriver.cuMemcpyDtoHAsync(hostAt(dst, dstOffset), pointer(src), bytes, of(stream, JStream.class).stream()), "cuMemcpyDtoHAsync");
    }

    @Override public void copyDeviceToDevice(long dst, long src, long bytes, Stream stream) {
        check(JCudaDriver.cuMemcpyDtoDAsync(pointer(dst), pointer(src), bytes, of(stream, JStream.class).stream()), "cuMemcpyDtoDAsync");
    }

    @Override public Stream createStream() {
        CUstream s = new CUstream();
        check(JCudaDriver.cuStreamCreate(s, 0), "cuStreamCreate");
        return new JStream(s);
    }

    @Override public void destroyStream(Stream stream) { check(JCudaDriver.cuStreamDestroy(of(stream, JStream.class).stream()), "cuStreamDestroy"); }

    @Override public void synchronize(Stream stream) { check(JCudaDriver.cuStreamSynchronize(of(stream, JStream.class).stream()), "cuStreamSynchronize"); }

    @Override public void beginCapture(Stream stream) {
        check(JCudaDriver.cuStreamBeginCapture(of(stream, JStream.class).stream(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                "cuStreamBeginCapture");
    }

    @Override public Graph endCapture(Stream stream) {
        CUgraph graph = new CUgraph();
        check(JCudaDriver.cuStreamEndCapture(of(stream, JStream.class).stream(), graph), "cuStreamEndCapture");
        return new JGraph(graph);
    }

    @Override public GraphExec instantiate(Graph graph) {
        CUgraphExec exec = new CUgraphExec();
        check(JCudaDriver.cuGraphInstantiate(exec, of(graph, JGraph.class).graph(), 0), "cuGraphInstantiate");
        return new JGraphExec(exec);
    }

    @Override public void launchGraph(GraphExec graph, Stream stream) {
        check(JCudaDriver.cuGraphLaunch(of(graph, JGraphExec.class).exec(), of(stream, JStream.class).stream()), "cuGraphLaunch");
    }

    @Override public void destroyGraph(Graph graph) { check(JCudaDriver.cuGraphDestroy(of(graph, JGraph.class).graph()), "cuGraphDestroy"); }

    @Override public void destroyGraphExec(GraphExec graph) { check(JCudaDriver.cuGraphExecDestroy(of(graph, JGraphExec.class).exec()), "cuGraphExecDestroy"); }
}
