package io.scalpel.backend.cpu;

import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The decode kernel ({@link RowDot#rows}, one thread) streaming 256 MiB of weights — eight times the
 * 32 MiB L3 of the machines measured, so every byte comes from DRAM as in a decode step — against a plain
 * forward read of the same bytes ({@code plainRead}, the loop of {@code BandwidthProbe}). Score =
 * passes/s over the whole set; {@code rows / plainRead} is the share of the memory system the kernel's
 * access pattern gets, and the measure behind {@link RowDot#SHORT_ROW} (see there for the figures). Run
 * it on a new machine (AVX-512, another core) before moving that bound; {@code -t 2} runs two threads on
 * separate copies, as a two-thread decode does.
 * In the package of the kernels (a split package on the class path) so it times the real methods.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class DecodeRowStreamBenchmark {
    private static final long SET_BYTES = 256L << 20;
    private static final VectorSpecies<Long> V = LongVector.SPECIES_PREFERRED;

    /** N×K of one matrix: 110M's gate/up (short rows, 768) and down (long rows, 2048). */
    @Param({"2048x768", "768x2048"})
    public String shape;

    @Param({"F32", "BF16", "F16"})
    public DType dtype;

    private Arena arena;
    private MemorySegment[] weights;
    private int n, k;
    private float[] x, out, scratch;

    @Setup
    public void setUp() {
        String[] nk = shape.split("x");
        n = Integer.parseInt(nk[0]);
        k = Integer.parseInt(nk[1]);
        long bytes = (long) n * k * dtype.bytes();
        arena = Arena.ofShared();
        weights = new MemorySegment[(int) (SET_BYTES / bytes)];
        SplittableRandom random = new SplittableRandom(1);
        for (int m = 0; m < weights.length; m++) {
            weights[m] = arena.allocate(bytes, 4096);
            for (long i = 0; i < (long) n * k; i++) {
                float v = (float) (random.nextGaussian() * 0.02);
                if (dtype == DType.F32) weights[m].setAtIndex(Tensor.F32_LE, i, v);
                else weights[m].setAtIndex(Tensor.I16_LE, i, (short) dtype.encode(v));
            }
        }
        x = new float[k];
        for (int i = 0; i < k; i++) x[i] = (float) random.nextGaussian();
        out = new float[n];
        scratch = new float[RowDot.scratchFloats(k)];
    }

    @Benchmark
    public float[] rows() {
        for (MemorySegment w : weights) RowDot.rows(w, dtype, 0, n, k, x, 0, out, 0, scratch);
        return out;
    }

    @Benchmark
    public long plainRead() {
        long step = V.vectorByteSize(), total = 0;
        for (MemorySegment w : weights) {
            LongVector a0 = LongVector.zero(V), a1 = a0, a2 = a0, a3 = a0;
            for (long b = 0; b + 4 * step <= w.byteSize(); b += 4 * step) {
                a0 = a0.add(LongVector.fromMemorySegment(V, w, b, ByteOrder.LITTLE_ENDIAN));
                a1 = a1.add(LongVector.fromMemorySegment(V, w, b + step, ByteOrder.LITTLE_ENDIAN));
                a2 = a2.add(LongVector.fromMemorySegment(V, w, b + 2 * step, ByteOrder.LITTLE_ENDIAN));
                a3 = a3.add(LongVector.fromMemorySegment(V, w, b + 3 * step, ByteOrder.LITTLE_ENDIAN));
            }
            total += a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }
}
