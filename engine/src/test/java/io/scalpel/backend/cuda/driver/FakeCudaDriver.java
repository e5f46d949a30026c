package io.scalpel.backend.cuda.driver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A test double of the driver: device memory is host memory (copies and memsets really move bytes), kernels are
 * not run but recorded by entry name, graphs replay their recorded copies and launches, and any call can be made
 * to fail once with a chosen error. It counts what is held (allocations, modules, streams, contexts, pinned
 * memory) so tests can check that failure paths release everything. Not a simulator: the PTX interpreter is.
 */
public final class FakeCudaDriver implements CudaDriver {
    private record FContext(int ordinal) implements Context {}
    private record FModule(int id) implements Module {}
    private record FFunction(String entry) implements Function {}
    private record FStream(int id) implements Stream {}
    private record FGraph(List<Runnable> work) implements Graph {}
    private record FGraphExec(List<Runnable> work) implements GraphExec {}
    private record FHost(MemorySegment segment) implements HostMemory {}

    private final Arena arena = Arena.ofShared();
    private final TreeMap<Long, MemorySegment> device = new TreeMap<>();
    private final List<Map<DeviceAttribute, Integer>> devices = new ArrayList<>();
    private final List<String> launched = new ArrayList<>();
    private long nextAddress = 0x7000_0000_0000L;
    private int nextId, liveModules, liveStreams, liveContexts, liveHost;
    private String failCall;
    private CudaError failWith;
    private List<Runnable> capture;

    /** One H200-like device (compute 9.0, 132 SMs, 227 KiB opt-in shared memory). */
    public FakeCudaDriver() { addDevice(9, 0); }

    /** Adds a device of compute capability {@code major.minor}, ordinal = devices so far. */
    public FakeCudaDriver addDevice(int major, int minor) {
        Map<DeviceAttribute, Integer> a = new EnumMap<>(DeviceAttribute.class);
        a.put(DeviceAttribute.COMPUTE_CAPABILITY_MAJOR, major);
        a.put(DeviceAttribute.COMPUTE_CAPABILITY_MINOR, minor);
        a.put(DeviceAttribute.MULTIPROCESSOR_COUNT, 132);
        a.put(DeviceAttribute.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 232_448);
        devices.add(a);
        return this;
    }

    private Map<DeviceAttribute, Integer> device(int ordinal) {
        if (ordinal < 0 || ordinal >= devices.size()) throw new CudaFailure("cuDeviceGet", CudaError.INVALID_DEVICE);
        return devices.get(ordinal);
    }

    /** The next call named {@code call} (the driver API name, "cuMemAllocHost") fails with {@code error}. */
    public FakeCudaDriver failNext(String call, CudaError error) {
        failCall = call;
        failWith = error;
        return this;
    }

    private void maybeFail(String call) {
        if (call.equals(failCall)) {
            failCall = null;
            throw new CudaFailure(call, failWith);
        }
    }

    public List<String> launched() { return List.copyOf(launched); }

    public int liveAllocations() { return device.size(); }

    public int liveModules() { return liveModules; }

    public int liveStreams() { return liveStreams; }

    public int liveContexts() { return liveContexts; }

    public int liveHostBuffers() { return liveHost; }

    /** The bytes of device memory at {@code address} (must lie inside an allocation). */
    public MemorySegment at(long address, long bytes) {
        Map.Entry<Long, MemorySegment> e = device.floorEntry(address);
        if (e == null || address + bytes > e.getKey() + e.getValue().byteSize()) {
            throw new CudaFailure("fake: address " + Long.toHexString(address) + " +" + bytes, CudaError.INVALID_VALUE);
        }
        return e.getValue().asSlice(address - e.getKey(), bytes);
    }

    private void run(Runnable work) {
        if (capture != null) capture.add(work); else work.run();
    }

    @Override public void init() { maybeFail("cuInit"); }

    @Override public int driverVersion() { return 13000; }

    @Override public int deviceCount() { return devices.size(); }

    @Override public String deviceName(int ordinal) {
        device(ordinal);
        return "Fake GPU " + ordinal;
    }

    @Override public int deviceAttribute(int ordinal, DeviceAttribute attribute) { return device(ordinal).getOrDefault(attribute, 1024); }

    @Override public Context retainPrimaryContext(int ordinal) {
        maybeFail("cuDevicePrimaryCtxRetain");
        liveContexts++;
        return new FContext(ordinal);
    }

    @Override public void releasePrimaryContext(Context context) { liveContexts--; }

    @Override public void setCurrent(Context context) { maybeFail("cuCtxSetCurrent"); }

    @Override public MemoryInfo memoryInfo() { return new MemoryInfo(70L << 30, 80L << 30); }

    @Override public Module loadModule(String ptx) {
        maybeFail("cuModuleLoadData");
        liveModules++;
        return new FModule(nextId++);
    }

    @Override public void unloadModule(Module module) { liveModules--; }

    @Override public Function function(Module module, String entry) {
        maybeFail("cuModuleGetFunction");
        return new FFunction(entry);
    }

    @Override public int functionAttribute(Function function, FunctionAttribute attribute) { return 0; }

    @Override public void setFunctionAttribute(Function function, FunctionAttribute attribute, int value) { maybeFail("cuFuncSetAttribute"); }

    @Override public void launch(Function function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes,
                                 Stream stream, KernelArgs args) {
        maybeFail("cuLaunchKernel");
        args.requireComplete();
        String entry = ((FFunction) function).entry();
        run(() -> launched.add(entry));
    }

    @Override public long allocate(long bytes) {
        maybeFail("cuMemAlloc");
        if (bytes < 1) throw new CudaFailure("cuMemAlloc", CudaError.INVALID_VALUE);
        long address = nextAddress;
        nextAddress += (bytes + 255) / 256 * 256 + 256;
        device.put(address, arena.allocate(bytes, 256));
        return address;
    }

    @Override public void free(long address) {
        maybeFail("cuMemFree");
        if (device.remove(address) == null) throw new CudaFailure("cuMemFree", CudaError.INVALID_VALUE);
    }

    @Override public void memsetD32(long address, int value, long count, Stream stream) {
        maybeFail("cuMemsetD32Async");
        MemorySegment dst = at(address, 4 * count);
        run(() -> {
            for (long i = 0; i < count; i++) dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, value);
        });
    }

    @Override public HostMemory allocateHost(long bytes) {
        maybeFail("cuMemAllocHost");
        liveHost++;
        return new FHost(arena.allocate(bytes, 64));
    }

    @Override public void freeHost(HostMemory memory) { liveHost--; }

    @Override public void copyHostToDevice(long dst, HostMemory src, long srcOffset, long bytes, Stream stream) {
        maybeFail("cuMemcpyHtoDAsync");
        MemorySegment d = at(dst, bytes);
        run(() -> MemorySegment.copy(src.segment(), srcOffset, d, 0, bytes));
    }

    @Override public void copyDeviceToHost(HostMemory dst, long dstOffset, long src, long bytes, Stream stream) {
        maybeFail("cuMemcpyDtoHAsync");
        MemorySegment s = at(src, bytes);
        run(() -> MemorySegment.copy(s, 0, dst.segment(), dstOffset, bytes));
    }

    @Override public void copyDeviceToDevice(long dst, long src, long bytes, Stream stream) {
        maybeFail("cuMemcpyDtoDAsync");
        MemorySegment s = at(src, bytes), d = at(dst, bytes);
        run(() -> MemorySegment.copy(s, 0, d, 0, bytes));
    }

    @Override public Stream createStream() {
        maybeFail("cuStreamCreate");
        liveStreams++;
        return new FStream(nextId++);
    }

    @Override public void destroyStream(Stream stream) { liveStreams--; }

    @Override public void synchronize(Stream stream) {
        if (capture != null) throw new CudaFailure("cuStreamSynchronize", CudaError.STREAM_CAPTURE_UNSUPPORTED);
        maybeFail("cuStreamSynchronize");
    }

    @Override public void beginCapture(Stream stream) { capture = new ArrayList<>(); }

    @Override public Graph endCapture(Stream stream) {
        if (capture == null) throw new CudaFailure("cuStreamEndCapture", CudaError.ILLEGAL_STATE);
        Graph g = new FGraph(capture);
        capture = null;
        return g;
    }

    @Override public GraphExec instantiate(Graph graph) { return new FGraphExec(((FGraph) graph).work()); }

    @Override public void launchGraph(GraphExec graph, Stream stream) { ((FGraphExec) graph).work().forEach(Runnable::run); }

    @Override public void destroyGraph(Graph graph) {}

    @Override public void destroyGraphExec(GraphExec graph) {}
}
