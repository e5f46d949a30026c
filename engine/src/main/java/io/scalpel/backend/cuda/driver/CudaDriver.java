package io.scalpel.backend.cuda.driver;

import java.lang.foreign.MemorySegment;

/**
 * The part of the CUDA driver API the backend uses, as an interface: one implementation calls the real
 * driver through JCuda ({@code JcudaDriver}), another executes the committed PTX in a Java interpreter. Each
 * method's javadoc states the CUDA semantics an implementation must reproduce, including the error it returns.
 *
 * <p><b>Errors.</b> Every method that the driver API can fail throws {@link CudaFailure} with
 * {@link CudaFailure#result()} = the {@code CUresult} the real driver returns (see {@link CudaError}) and a
 * message naming the call ("cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (2)"); callers add what it was for with
 * {@link CudaFailure#during}. A fault inside a kernel (illegal address, trap) is <i>asynchronous</i>: the
 * launch itself succeeds and the error surfaces at the next synchronising call on that context
 * ({@link #synchronize}, a device-to-host copy once complete, {@link #free}), and from then on every call on
 * the context fails with the same code (a "sticky" error) until the context is destroyed.
 *
 * <p><b>Addresses.</b> Device memory is named by its 64-bit device address, as a {@code long}; 0 is never a
 * valid allocation. Pointer arithmetic on it is plain addition.
 *
 * <p><b>Contexts.</b> Calls other than the device queries act on the calling thread's current context
 * ({@link #setCurrent}); without one they fail with {@link CudaError#INVALID_CONTEXT}.
 *
 * <p><b>Streams.</b> Work queued on one stream runs in queue order; "async" calls return before the work is
 * done. An implementation may run work eagerly (the interpreter does), as long as errors are still
 * reported where the driver reports them.
 *
 * <p>Handles ({@link Context}, {@link Module}, ...) are opaque; an implementation accepts only its own and
 * fails with {@link CudaError#INVALID_HANDLE} on another's or a destroyed one.
 */
public interface CudaDriver {

    /** A context (the primary context of a device). */
    interface Context {}

    /** A loaded PTX module. */
    interface Module {}

    /** A kernel entry point of a loaded module. */
    interface Function {}

    /** A stream: an ordered queue of work on one context. */
    interface Stream {}

    /** A graph captured from a stream. */
    interface Graph {}

    /** An instantiated (executable) graph. */
    interface GraphExec {}

    /** Page-locked host memory from {@link #allocateHost}; {@link #segment()} is its bytes (native, little-endian). */
    interface HostMemory {
        MemorySegment segment();
    }

    // ---- initialisation and device queries (no context needed) -------------------------------------------

    /**
     * {@code cuInit(0)}; must be called before anything else and may be called again. Fails with
     * {@link CudaError#NO_DEVICE} where the driver loads but sees no device.
     */
    void init();

    /** {@code cuDriverGetVersion}: 1000*major + 10*minor of the CUDA version the driver supports (13000 for 13.0). */
    int driverVersion();

    /** {@code cuDeviceGetCount}. */
    int deviceCount();

    /** {@code cuDeviceGetName}; {@link CudaError#INVALID_DEVICE} for an ordinal outside [0, deviceCount). */
    String deviceName(int ordinal);

    /**
     * {@code cuDeviceGetAttribute} of device {@code ordinal} (not device 0 unless asked);
     * {@link CudaError#INVALID_DEVICE} for a bad ordinal.
     */
    int deviceAttribute(int ordinal, DeviceAttribute attribute);

    // ---- contexts -------------------------------------------------------------------------------------

    /** {@code cuDevicePrimaryCtxRetain}: the device's primary context (reference-counted; not made current). */
    Context retainPrimaryContext(int ordinal);

    /** {@code cuDevicePrimaryCtxRelease}: drops one reference; the last one destroys the context and everything in it. */
    void releasePrimaryContext(Context context);

    /** {@code cuCtxSetCurrent}: makes {@code context} current on the calling thread. */
    void setCurrent(Context context);

    /** {@code cuMemGetInfo} for the current context's device. */
    MemoryInfo memoryInfo();

    // ---- modules and kernels --------------------------------------------------------------------------

    /**
     * {@code cuModuleLoadData} of PTX text (JIT-compiled for the current device). Fails with
     * {@link CudaError#UNSUPPORTED_PTX_VERSION} when the text's {@code .version} is newer than the driver
     * supports, {@link CudaError#INVALID_PTX} (message with the compiler's log where there is one) for text
     * it cannot compile. The interpreter should fail here, naming the line, on any instruction it does not implement.
     */
    Module loadModule(String ptx);

    /** {@code cuModuleUnload}. */
    void unloadModule(Module module);

    /** {@code cuModuleGetFunction}: {@link CudaError#NOT_FOUND} when the module has no {@code .entry} of that name. */
    Function function(Module module, String entry);

    /**
     * {@code cuFuncGetAttribute}. {@link FunctionAttribute#MAX_THREADS_PER_BLOCK} reflects
     * {@code .maxntid} ({@code __launch_bounds__}) when the PTX declares it, else 1024;
     * {@link FunctionAttribute#SHARED_SIZE_BYTES} is the static {@code .shared} total.
     */
    int functionAttribute(Function function, FunctionAttribute attribute);

    /**
     * {@code cuFuncSetAttribute}. Only {@link FunctionAttribute#MAX_DYNAMIC_SHARED_SIZE_BYTES} is settable:
     * a value above {@code MAX_SHARED_MEMORY_PER_BLOCK_OPTIN - static shared} fails with
     * {@link CudaError#INVALID_VALUE}.
     */
    void setFunctionAttribute(Function function, FunctionAttribute attribute, int value);

    /**
     * {@code cuLaunchKernel}: queues {@code function} on {@code stream} with grid {@code (gridX, gridY, gridZ)}
     * of blocks {@code (blockX, blockY, blockZ)} and {@code sharedBytes} of dynamic shared memory; the argument
     * values are copied at this call, so {@code args} may be reused at once. Fails synchronously with
     * {@link CudaError#INVALID_VALUE} for: any dimension below 1; gridX above 2^31-1 or gridY/gridZ above 65535;
     * blockX/blockY above 1024 or blockZ above 64; more than 1024 threads per block, or more than the kernel's
     * {@code .maxntid} product ({@code __launch_bounds__}; the real driver says
     * {@link CudaError#LAUNCH_OUT_OF_RESOURCES} when registers run out, which the interpreter need not model);
     * dynamic shared memory above the function's {@link FunctionAttribute#MAX_DYNAMIC_SHARED_SIZE_BYTES}
     * (48 KiB minus static shared until raised); an argument list that is incomplete or whose kinds differ from
     * the entry's {@code .param} list. Faults inside the kernel are asynchronous (see the class comment):
     * {@link CudaError#ILLEGAL_ADDRESS} for an access outside any allocation, {@link CudaError#MISALIGNED_ADDRESS}
     * for an access not aligned to its size.
     *
     * <p>While {@code stream} is capturing, the launch is recorded into the graph instead of run.
     */
    void launch(Function function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                int sharedBytes, Stream stream, KernelArgs args);

    // ---- memory ---------------------------------------------------------------------------------------

    /**
     * {@code cuMemAlloc}: {@code bytes} (at least 1, else {@link CudaError#INVALID_VALUE}) of device memory,
     * 256-byte aligned, contents undefined (never-written memory, for initcheck). {@link CudaError#OUT_OF_MEMORY}
     * when it does not fit. Not allowed while a stream is capturing ({@link CudaError#STREAM_CAPTURE_UNSUPPORTED}).
     */
    long allocate(long bytes);

    /**
     * {@code cuMemFree} of an address {@link #allocate} returned (not an interior one:
     * {@link CudaError#INVALID_VALUE}); synchronises with the device first, so it reports a pending sticky error.
     */
    void free(long address);

    /**
     * {@code cuMemsetD32Async}: {@code count} 32-bit words of {@code value} from {@code address} (4-byte
     * aligned, else {@link CudaError#INVALID_VALUE}), queued on {@code stream}.
     */
    void memsetD32(long address, int value, long count, Stream stream);

    /**
     * {@code cuMemAllocHost}: page-locked host memory that async copies read and write directly. Freed by
     * {@link #freeHost}.
     */
    HostMemory allocateHost(long bytes);

    /** {@code cuMemFreeHost}. */
    void freeHost(HostMemory memory);

    /**
     * {@code cuMemcpyHtoDAsync} of {@code bytes} from {@code src} at {@code srcOffset} to device {@code dst},
     * queued on {@code stream}: the host bytes are read when the copy runs (during a graph replay, at replay
     * time), so the caller must not change them until the stream has passed the copy. The whole destination
     * range must lie in one allocation, else {@link CudaError#INVALID_VALUE}.
     */
    void copyHostToDevice(long dst, HostMemory src, long srcOffset, long bytes, Stream stream);

    /**
     * {@code cuMemcpyDtoHAsync} of {@code bytes} from device {@code src} into {@code dst} at {@code dstOffset},
     * queued on {@code stream}; the host bytes are valid only after the stream is synchronised. The source
     * range must lie in one allocation, else {@link CudaError#INVALID_VALUE}.
     */
    void copyDeviceToHost(HostMemory dst, long dstOffset, long src, long bytes, Stream stream);

    /** {@code cuMemcpyDtoDAsync} of {@code bytes} between device ranges (each within one allocation), queued on {@code stream}. */
    void copyDeviceToDevice(long dst, long src, long bytes, Stream stream);

    // ---- streams --------------------------------------------------------------------------------------

    /** {@code cuStreamCreate(.., CU_STREAM_DEFAULT)} on the current context. */
    Stream createStream();

    /** {@code cuStreamDestroy}. */
    void destroyStream(Stream stream);

    /**
     * {@code cuStreamSynchronize}: waits for everything queued on {@code stream}; reports a sticky error from
     * an earlier launch. Not allowed while the stream is capturing ({@link CudaError#STREAM_CAPTURE_UNSUPPORTED}).
     */
    void synchronize(Stream stream);

    // ---- graphs ---------------------------------------------------------------------------------------

    /**
     * {@code cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)}: from now on launches, copies
     * and memsets queued on {@code stream} are recorded, not run, until {@link #endCapture}. Synchronising the
     * stream or allocating/freeing device memory while capturing is an error
     * ({@link CudaError#STREAM_CAPTURE_UNSUPPORTED}) and invalidates the capture
     * ({@link #endCapture} then fails with {@link CudaError#STREAM_CAPTURE_INVALIDATED}).
     */
    void beginCapture(Stream stream);

    /** {@code cuStreamEndCapture}: the recorded work as a graph; {@link CudaError#ILLEGAL_STATE} when not capturing. */
    Graph endCapture(Stream stream);

    /** {@code cuGraphInstantiate(.., 0)}. */
    GraphExec instantiate(Graph graph);

    /**
     * {@code cuGraphLaunch}: queues one replay of the graph's work on {@code stream}, in the captured order, with
     * the captured kernel arguments and addresses; host memory named by captured copies is read or written at
     * replay time.
     */
    void launchGraph(GraphExec graph, Stream stream);

    /** {@code cuGraphDestroy}. */
    void destroyGraph(Graph graph);

    /** {@code cuGraphExecDestroy}. */
    void destroyGraphExec(GraphExec graph);
}
