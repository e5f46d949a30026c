package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.CudaDriver;
import io.scalpel.backend.cuda.driver.CudaFailure;
import io.scalpel.backend.cuda.driver.DeviceAttribute;
import io.scalpel.backend.cuda.driver.MemoryInfo;

/**
 * One device's primary context (the one cuBLAS and the runtime API share) and the single stream every
 * operation of a backend is queued on, so queue order is program order. Driver calls act on the
 * calling thread's current context: {@link #bind()} makes ours current, and the backend calls it at the
 * start of every operation (JMH and thread pools call from threads other than the creator's).
 */
final class CudaContext implements AutoCloseable {
    private final CudaDriver driver;
    private final CudaDriver.Context context;
    private final CudaDriver.Stream stream;
    private final String name;
    private final int multiprocessors;
    private final int sharedPerBlockOptIn;
    private boolean closed;

    private CudaContext(CudaDriver driver, CudaDriver.Context context, CudaDriver.Stream stream, String name, int multiprocessors,
                        int sharedPerBlockOptIn) {
        this.driver = driver;
        this.context = context;
        this.stream = stream;
        this.name = name;
        this.multiprocessors = multiprocessors;
        this.sharedPerBlockOptIn = sharedPerBlockOptIn;
    }

    /** Retains device {@code index}'s primary context and creates the stream. Call only after the availability probe said usable. */
    static CudaContext open(CudaDriver driver, int index) {
        String name = driver.deviceName(index);
        int sms = driver.deviceAttribute(index, DeviceAttribute.MULTIPROCESSOR_COUNT);
        int sharedOptIn = driver.deviceAttribute(index, DeviceAttribute.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        CudaDriver.Context context;
        try {
            context = driver.retainPrimaryContext(index);
        } catch (CudaFailure e) {
            throw e.during("retaining the primary context of " + name);
        }
        try {
            driver.setCurrent(context);
            return new CudaContext(driver, context, driver.createStream(), name, sms, sharedOptIn);
        } catch (RuntimeException e) {
            try {
                driver.releasePrimaryContext(context);
            } catch (RuntimeException release) {
                e.addSuppressed(release);
            }
            throw e instanceof CudaFailure f ? f.during("opening a stream on " + name) : e;
        }
    }

    CudaDriver driver() { return driver; }

    /** Makes this context current on the calling thread. */
    void bind() {
        if (closed) throw new IllegalStateException("CUDA backend on " + name + " is closed");
        try {
            driver.setCurrent(context);
        } catch (CudaFailure e) {
            throw e.during("binding the context of " + name);
        }
    }

    CudaDriver.Stream stream() { return stream; }

    String deviceName() { return name; }

    int multiprocessors() { return multiprocessors; }

    int sharedPerBlockOptIn() { return sharedPerBlockOptIn; }

    /** Waits for everything queued; an error from an earlier asynchronous launch surfaces here. */
    void synchronize(Object after) {
        try {
            driver.synchronize(stream);
        } catch (CudaFailure e) {
            throw e.during("stream synchronize on " + name + " (after " + after + ")");
        }
    }

    /** Free and total device memory in bytes. */
    MemoryInfo memoryInfo() {
        try {
            return driver.memoryInfo();
        } catch (CudaFailure e) {
            throw e.during("memory info on " + name);
        }
    }

    /** Attempts every step even after a failure (a sticky device fault fails them all), then reports the first. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        first = attempt(first, () -> driver.setCurrent(context), "binding on close");
        first = attempt(first, () -> driver.synchronize(stream), "stream synchronize on close");
        first = attempt(first, () -> driver.destroyStream(stream), "destroying the stream");
        first = attempt(first, () -> driver.releasePrimaryContext(context), "releasing the primary context");
        if (first != null) throw first;
    }

    private RuntimeException attempt(RuntimeException first, Runnable step, String what) {
        try {
            step.run();
            return first;
        } catch (RuntimeException e) {
            RuntimeException described = e instanceof CudaFailure f ? f.during(what + " (" + name + ")") : e;
            if (first == null) return described;
            first.addSuppressed(described);
            return first;
        }
    }
}
