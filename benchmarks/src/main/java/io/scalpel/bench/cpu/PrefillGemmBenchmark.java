package io.scalpel.bench.cpu;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.tensor.DType;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;

/**
 * Prefill's GEMM ({@code CpuBackend.matmul} with 128 activation rows, a 128-token prompt) on the matrix
 * shapes of the 110M and 1B synthetic models, for every stored dtype. {@code flops}/s is the arithmetic
 * rate on the wall clock; {@code cpuSeconds}/s is the calling thread's CPU time per wall second, so with
 * {@code threads=1} (everything on the calling thread) {@code flops / cpuSeconds} is GFLOP/s per core of
 * CPU time — the figure that stays put on a machine shared with other jobs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PrefillGemmBenchmark {
    /**
     * N×K of W. 110M: wq/wo (768×768), w1/w3 (2048×768), w2 (768×2048). 1B: wq/wo (2048×2048), wk/wv
     * (512×2048), w1/w3 (8192×2048), w2 (2048×8192).
     */
    @Param({"768x768", "2048x768", "768x2048", "2048x2048", "512x2048", "8192x2048", "2048x8192"})
    public String shape;

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_K"})
    public DType dtype;

    @Param({"1", "2"})
    public int threads;

    @Param({"128"})
    public int rows;

    /** Work counters: JMH reports each as a rate per wall second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Work {
        private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
        public long flops;
        /** Calling thread's CPU time, in seconds (as a double so that the rate stays exact). */
        public double cpuSeconds;
        private long cpuStart;

        @Setup(Level.Iteration)
        public void clear() {
            flops = 0;
            cpuSeconds = 0;
            cpuStart = CPU.getCurrentThreadCpuTime();
        }

        void add(long f) {
            flops += f;
            long now = CPU.getCurrentThreadCpuTime();
            cpuSeconds += (now - cpuStart) * 1e-9;
            cpuStart = now;
        }
    }

    private Arena arena;
    private MatmulOperands operands;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        operands = MatmulOperands.open(shape, dtype, rows, new CpuBackend(threads), arena);
    }

    @Benchmark
    public void gemm(Work work) {
        operands.multiply();
        work.add(operands.flops());
    }

    @TearDown
    public void tearDown() {
        operands.close();
        arena.close();
    }
}
