package io.scalpel.backend.cuda.driver;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A {@link CudaDriver} that passes every call to another and counts launches, host synchronisations and
 * host↔device traffic ({@link #counts()}), with either implementation underneath. Work captured into a graph
 * is remembered per graph and counted again at every replay, so per-token figures mean the same with and
 * without the graph path. Counting is plain arithmetic on longs: it adds no allocation to a launch.
 *
 * <p>Single-threaded like the backend it serves.
 */
public final class CountingCudaDriver implements CudaDriver {
    /** The work one graph replays. */
    private record Work(long kernels, long hostToDevice, long deviceToHost, long hostToDeviceCopies, long deviceToHostCopies) {}

    private final CudaDriver delegate;
    private long launches, graphLaunches, kernelsRun, syncs, hostToDevice, deviceToHost, hostToDeviceCopies, deviceToHostCopies, allocations, frees;
    /** Streams capturing now, with what was captured so far (kernels, bytes, copies). */
    private final Map<Stream, long[]> capturing = new IdentityHashMap<>();
    private final Map<Graph, Work> graphs = new IdentityHashMap<>();
    private final Map<GraphExec, Work> executables = new IdentityHashMap<>();

    public CountingCudaDriver(CudaDriver delegate) { this.delegate = delegate; }

    public CudaDriver delegate() { return delegate; }

    public DriverCounts counts() {
        return new DriverCounts(launches, graphLaunches, kernelsRun, syncs, hostToDevice, deviceToHost, hostToDeviceCopies, deviceToHostCopies,
                allocations, frees);
    }

    @Override public void init() { delegate.init(); }

    @Override public int driverVersion() { return delegate.driverVersion(); }

    @Override public int deviceCount() { return delegate.deviceCount(); }

    @Override public String deviceName(int ordinal) { return delegate.deviceName(ordinal); }

    @Override public int deviceAttribute(int ordinal, DeviceAttribute attribute) { return delegate.deviceAttribute(ordinal, attribute); }

    @Override public Context retainPrimaryContext(int ordinal) { return delegate.retainPrimaryContext(ordinal); }

    @Override public void releasePrimaryContext(Context context) { delegate.releasePrimaryContext(context); }

    @Override public void setCurrent(Context context) { delegate.setCurrent(context); }

    @Override public MemoryInfo memoryInfo() { return delegate.memoryInfo(); }

    @Override public Module loadModule(String ptx) { return delegate.loadModule(ptx); }

    @Override public void unloadModule(Module module) { delegate.unloadModule(module); }

    @Override public Function function(Module module, String entry) { return delegate.function(module, entry); }

    @Override public int functionAttribute(Function function, FunctionAttribute attribute) { return delegate.functionAttribute(function, attribute); }

    @Override public void setFunctionAttribute(Function function, FunctionAttribute attribute, int value) {
        delegate.setFunctionAttribute(function, attribute, value);
    }

    @Override public void launch(Function function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                 int sharedBytes, Stream stream, KernelArgs args) {
        delegate.launch(function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, stream, args);
        launches++;
        long[] captured = capturing.get(stream);
        if (captured != null) captured[0]++; else kernelsRun++;
    }

    @Override public long allocate(long bytes) {
        long address = delegate.allocate(bytes);
        allocations++;
        return address;
    }

    @Override public void free(long address) {
        delegate.free(address);
        frees++;
    }

    @Override public void memsetD32(long address, int value, long count, Stream stream) { delegate.memsetD32(address, value, count, stream); }

    @Override public HostMemory allocateHost(long bytes) { return delegate.allocateHost(bytes); }

    @Override public void freeHost(HostMemory memory) { delegate.freeHost(memory); }

    @Override public void copyHostToDevice(long dst, HostMemory src, long srcOffset, long bytes, Stream stream) {
        delegate.copyHostToDevice(dst, src, srcOffset, bytes, stream);
        long[] captured = capturing.get(stream);
        if (captured != null) {
            captured[1] += bytes;
            captured[3]++;
        } else {
            hostToDevice += bytes;
            hostToDeviceCopies++;
        }
    }

    @Override public void copyDeviceToHost(HostMemory dst, long dstOffset, long src, long bytes, Stream stream) {
        delegate.copyDeviceToHost(dst, dstOffset, src, bytes, stream);
        long[] captured = capturing.get(stream);
        if (captured != null) {
            captured[2] += bytes;
            captured[4]++;
        } else {
            deviceToHost += bytes;
            deviceToHostCopies++;
        }
    }

    @Override public void copyDeviceToDevice(long dst, long src, long bytes, Stream stream) { delegate.copyDeviceToDevice(dst, src, bytes, stream); }

    @Override public Stream createStream() { return delegate.createStream(); }

    @Override public void destroyStream(Stream stream) { delegate.destroyStream(stream); }

    @Override public void synchronize(Stream stream) {
        syncs++;
        delegate.synchronize(stream);
    }

    @Override public void beginCapture(Stream stream) {
        delegate.beginCapture(stream);
        capturing.put(stream, new long[5]);
    }

    @Override public Graph endCapture(Stream stream) {
        long[] c = capturing.remove(stream);
        Graph graph = delegate.endCapture(stream);
        if (c != null) graphs.put(graph, new Work(c[0], c[1], c[2], c[3], c[4]));
        return graph;
    }

    @Override public GraphExec instantiate(Graph graph) {
        GraphExec exec = delegate.instantiate(graph);
        executables.put(exec, graphs.getOrDefault(graph, new Work(0, 0, 0, 0, 0)));
        return exec;
    }

    @Override public void launchGraph(GraphExec graph, Stream stream) {
        delegate.launchGraph(graph, stream);
        graphLaunches++;
        Work w = executables.get(graph);
        if (w != null) {
            kernelsRun += w.kernels();
            hostToDevice += w.hostToDevice();
            deviceToHost += w.deviceToHost();
            hostToDeviceCopies += w.hostToDeviceCopies();
            deviceToHostCopies += w.deviceToHostCopies();
        }
    }

    @Override public void destroyGraph(Graph graph) {
        delegate.destroyGraph(graph);
        graphs.remove(graph);
    }

    @Override public void destroyGraphExec(GraphExec graph) {
        delegate.destroyGraphExec(graph);
        executables.remove(graph);
    }
}
