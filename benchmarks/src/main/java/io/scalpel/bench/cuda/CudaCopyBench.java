package io.scalpel.bench.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.cuda.CudaBackend;
import io.scalpel.backend.cuda.CudaOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * The memory ceiling: device-to-device copy (cuMemcpyDtoDAsync) of {@code mib} MiB, counted as read +
 * write bytes. Every memory-bound kernel's GB/s is reported next to this, measured in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CudaCopyBench {
    @Param({"256"})
    public int mib;

    private CudaBackend gpu;
    private Buffer src, dst;
    private long floats;

    @Setup
    public void setUp() {
        gpu = CudaBenchSupport.open(CudaOptions.defaults());
        floats = (long) mib << 18;
        src = CudaBenchSupport.buffer(gpu, floats, 1f);
        dst = gpu.allocate(floats);
    }

    @Benchmark
    @OperationsPerInvocation(CudaBenchSupport.BATCH)
    public void deviceToDeviceCopy() {
        for (int i = 0; i < CudaBenchSupport.BATCH; i++) gpu.copy(dst, src, floats);
        gpu.synchronize();
    }

    @TearDown
    public void tearDown() { gpu.close(); }
}
