package io.scalpel.bench.cpu;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code CpuBackend.matmul}: matrix-vector (rows = 1, decode) and matrix-matrix (rows = 64, a prefill
 * chunk) on the 110M model's matrix shapes and its 32000-row classifier. The weight bytes/s counter is
 * the bandwidth a decode step gets; the flops/s counter is what prefill achieves.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatmulBenchmark {
    /** N×K of W: 110M's wq (768×768), w1 (2048×768), w2 (768×2048), classifier (32000×768). */
    @Param({"768x768", "2048x768", "768x2048", "32000x768"})
    public String shape;

    @Param({"F32", "BF16", "F16"})
    public DType dtype;

    @Param({"1", "64"})
    public int rows;

    private CpuBackend backend;
    private Arena arena;
    private Weight weight;
    private Buffer x, out;
    private int n, k;

    @Setup
    public void setUp() {
        String[] nk = shape.split("x");
        n = Integer.parseInt(nk[0]);
        k = Integer.parseInt(nk[1]);
        arena = Arena.ofShared();
        MemorySegment data = arena.allocate((long) n * k * dtype.bytes(), 64);
        SplittableRandom random = new SplittableRandom(1);
        for (long i = 0; i < (long) n * k; i++) {
            float v = (float) (random.nextGaussian() * 0.02);
            if (dtype == DType.F32) data.setAtIndex(Tensor.F32_LE, i, v);
            else data.setAtIndex(Tensor.I16_LE, i, (short) dtype.encode(v));
        }
        backend = new CpuBackend();
        weight = backend.upload(new Tensor("w", dtype, new long[]{n, k}, data));
        x = backend.allocate((long) rows * k);
        float[] xs = new float[rows * k];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) random.nextGaussian();
        backend.write(x, xs);
        out = backend.allocate((long) rows * n);
    }

    @Benchmark
    public void matmul(ByteCounters counters) {
        backend.matmul(out, x, weight, rows);
        counters.bytes += (long) n * k * dtype.bytes();
        counters.flops += 2L * rows * n * k;
    }

    @TearDown
    public void tearDown() {
        backend.close();
        arena.close();
    }
}
