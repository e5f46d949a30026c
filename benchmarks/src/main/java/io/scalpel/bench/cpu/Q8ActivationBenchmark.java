package io.scalpel.bench.cpu;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
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
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The two ways to multiply Q8_0 weights by an activation row, one thread each, same matrix: (a) the engine's
 * kernel — the int8 quants converted to fp32 in registers, Σ q·x per block in 8 lanes, then one multiply by
 * the block's scale ({@code widenInRegisters}, {@code QuantRowDot}); (b)
 * llama.cpp's trick — quantize x to 8 bits per 32-block once, then int8·int8 products summed in integers
 * per block and scaled by d_w·d_x ({@code int8Activations}). The Vector API has no multiply-add-pairs of
 * bytes (vpmaddubsw) or shorts (vpmaddwd), so (b) keeps x widened to shorts, widens each half-block of
 * weights to 16 shorts, multiplies, adds the two halves' products in 16 bits (two int8 products fit) and
 * folds pairs of shorts into ints with shifts. (b) is a benchmark-only prototype; it also changes the
 * numbers (x's own 8-bit rounding, ~2⁻⁸ relative per element), which (a) avoids. The same code timed by
 * thread CPU time on Zen 3, 2026-12-01 (docs/design.md, "Measured and not kept"), took 0.88–0.92× (a)'s
 * time: not enough to change the rounding rule.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Q8ActivationBenchmark {
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;

    @Param({"2048x768", "768x2048"})
    public String shape;

    private CpuBackend backend;
    private Arena arena;
    private Weight weight;
    private Buffer x, out;
    private MemorySegment w;
    private float[] xs, result;
    private short[] xq;
    private float[] xd;
    private int n, k;

    @Setup
    public void setUp() {
        String[] nk = shape.split("x");
        n = Integer.parseInt(nk[0]);
        k = Integer.parseInt(nk[1]);
        arena = Arena.ofShared();
        w = arena.allocate(DType.Q8_0.byteSize((long) n * k), 64);
        SplittableRandom random = new SplittableRandom(1);
        float[] row = new float[k];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < k; i++) row[i] = (float) (random.nextGaussian() * 0.02);
            DType.Q8_0.codec().encodeRow(row, 0, k, w, r * DType.Q8_0.rowBytes(k));
        }
        backend = new CpuBackend(1);
        weight = backend.upload(new Tensor("w", DType.Q8_0, new long[]{n, k}, w));
        xs = new float[k];
        for (int i = 0; i < k; i++) xs[i] = (float) random.nextGaussian();
        x = backend.allocate(k);
        backend.write(x, xs);
        out = backend.allocate(n);
        result = new float[n];
        xq = new short[k];
        xd = new float[k / 32];
    }

    @Benchmark
    public void widenInRegisters(ByteCounters counters) {
        backend.matmul(out, x, weight, 1);
        counters.bytes += DType.Q8_0.byteSize((long) n * k);
    }

    @Benchmark
    public float[] int8Activations(ByteCounters counters) {
        quantize(xs, xq, xd);
        long rb = DType.Q8_0.rowBytes(k);
        for (int r = 0; r < n; r++) result[r] = int8Row(w, r * rb, xq, xd, k);
        counters.bytes += DType.Q8_0.byteSize((long) n * k);
        return result;
    }

    /** x to 8 bits per 32-block, symmetric (−127..127) so two int16 products never overflow when added. */
    private static void quantize(float[] x, short[] q, float[] d) {
        for (int b = 0; b < d.length; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[32 * b + i]));
            d[b] = amax / 127f;
            float id = d[b] == 0 ? 0 : 1 / d[b];
            for (int i = 0; i < 32; i++) q[32 * b + i] = (short) Math.round(x[32 * b + i] * id);
        }
    }

    private static float int8Row(MemorySegment w, long off, short[] xq, float[] xd, int k) {
        FloatVector acc = FloatVector.zero(F256);
        for (int b = 0; b < k / 32; b++) {
            long bo = off + 34L * b;
            ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B128, w, bo + 2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, S256, 0);
            ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B128, w, bo + 18, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, S256, 0);
            ShortVector pairs = w0.mul(ShortVector.fromArray(S256, xq, 32 * b)).add(w1.mul(ShortVector.fromArray(S256, xq, 32 * b + 16)));
            IntVector p = pairs.reinterpretAsInts();
            // emulated vpmaddwd: low and high 16-bit halves of each int, sign-extended, added
            IntVector sum = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(p.lanewise(VectorOperators.ASHR, 16));
            float scale = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), bo)) * xd[b];
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F256, scale), acc);
        }
        float r = 0;
        for (int l = 0; l < acc.length(); l++) r += acc.lane(l);
        return r;
    }

    @TearDown
    public void tearDown() {
        backend.close();
        arena.close();
    }
}
