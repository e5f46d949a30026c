package io.scalpel.bench.cpu;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.cpu.CpuBackend;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One decode step's attention for one layer of the 110M model (12 heads of 64) over a KV cache of
 * {@code positions}: what grows with context length. bytes/s counts K and V cache reads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionBenchmark {
    @Param({"256", "1024"})
    public int positions;

    @Param({"12"})
    public int heads;

    @Param({"64"})
    public int headDim;

    private CpuBackend backend;
    private Buffer q, k, v, out;

    @Setup
    public void setUp() {
        backend = new CpuBackend();
        int d = heads * headDim;
        SplittableRandom random = new SplittableRandom(1);
        q = filled(d, random);
        k = filled((long) positions * d, random);
        v = filled((long) positions * d, random);
        out = backend.allocate(d);
    }

    private Buffer filled(long n, SplittableRandom random) {
        Buffer b = backend.allocate(n);
        float[] values = new float[(int) n];
        for (int i = 0; i < values.length; i++) values[i] = (float) random.nextGaussian();
        backend.write(b, values);
        return b;
    }

    @Benchmark
    public void decodeAttention(ByteCounters counters) {
        backend.attention(out, q, k, v, 1, positions - 1, heads, heads, headDim);
        counters.bytes += 2L * positions * heads * headDim * Float.BYTES;
    }

    @TearDown
    public void tearDown() {
        backend.close();
    }
}
