package io.scalpel.bench.cpu;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.tensor.DType;
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

    private Arena arena;
    private MatmulOperands operands;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        operands = MatmulOperands.open(shape, dtype, rows, new CpuBackend(), arena);
    }

    @Benchmark
    public void matmul(ByteCounters counters) {
        operands.multiply();
        counters.bytes += (long) operands.n() * operands.k() * dtype.bytes();
        counters.flops += operands.flops();
    }

    @TearDown
    public void tearDown() {
        operands.close();
        arena.close();
    }
}
