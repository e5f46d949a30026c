package io.scalpel.backend.cpu;

import io.scalpel.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
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
 * 16-bit → fp32 widening of 4 × 512 weights (one F16 decode chunk, L1-resident), each way the
 * kernels could do it: F16 by the Vector-API bit path ({@link Widen#f16}) or by the plain
 * {@code Float.float16ToFloat} loop C2 vectorises ({@link Widen#f16Rows4}); BF16 by the Vector-API
 * shift ({@link Widen#bf16}) or a plain scalar loop. Score = chunks/s; × 2048 = elements/s. Run it on
 * each machine (AVX2, AVX-512) to see which path C2 compiles well there; add
 * {@code -jvmArgsAppend -XX:-UseSuperWord} to see the loops without auto-vectorisation.
 * In the package of the kernels (a split package on the class path) so it times the real methods.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class WidenBenchmark {
    private static final int N = Widen.CHUNK;
    private Arena arena;
    private MemorySegment halves;
    private final float[] dst = new float[4 * N];

    @Setup
    public void setUp() {
        arena = Arena.ofConfined();
        halves = arena.allocate(4L * N * 2, 64);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 4 * N; i++) halves.setAtIndex(Tensor.I16_LE, i, (short) random.nextInt(65536));
    }

    @Benchmark
    public float[] f16SuperWordLoop() {
        Widen.f16Rows4(halves, 0, 2L * N, N, dst);
        return dst;
    }

    @Benchmark
    public float[] f16VectorBits() {
        int L = Widen.F.length();
        for (int r = 0; r < 4; r++) {
            for (int i = 0; i + L <= N; i += L) Widen.f16(halves, 2L * (r * N + i)).intoArray(dst, r * N + i);
        }
        return dst;
    }

    @Benchmark
    public float[] bf16VectorShift() {
        int L = Widen.F.length();
        for (int r = 0; r < 4; r++) {
            for (int i = 0; i + L <= N; i += L) Widen.bf16(halves, 2L * (r * N + i)).intoArray(dst, r * N + i);
        }
        return dst;
    }

    @Benchmark
    public float[] bf16ScalarLoop() {
        for (int i = 0; i < 4 * N; i++) dst[i] = Float.intBitsToFloat(halves.getAtIndex(Tensor.I16_LE, i) << 16);
        return dst;
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }
}
