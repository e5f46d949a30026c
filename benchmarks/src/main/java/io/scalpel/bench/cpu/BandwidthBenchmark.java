package io.scalpel.bench.cpu;

import io.scalpel.perf.BandwidthProbe;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The memory read floor that decode is compared with: a plain multi-threaded read of a 1 GiB buffer
 * ({@link BandwidthProbe}, the same code {@code ./scalpel bench} runs). The bytes/s counter is the
 * bandwidth (×1e-9 = GB/s); run it in the same sitting as {@code cpu.Matmul} or {@code cpu.DecodeStep}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BandwidthBenchmark {
    @Param({"1", "2"})
    public int threads;

    /** Streams per thread: one forward read of its share, or four a quarter apart (the probe keeps the faster). */
    @Param({"1", "4"})
    public int streams;

    private BandwidthProbe probe;

    @Setup
    public void setUp() {
        probe = new BandwidthProbe(BandwidthProbe.DEFAULT_BYTES);
    }

    @Benchmark
    public long read(ByteCounters counters) {
        counters.bytes += probe.bytes();
        return probe.readOnce(threads, streams);
    }

    @TearDown
    public void tearDown() {
        probe.close();
    }
}
