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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code CpuBackend.matmul} on GGUF-quantized weights kept as stored (Q8_0, Q4_0, Q4_K, Q6_K): matrix-vector
 * (rows = 1, decode: Σ q·x per block in registers, one scale per block; Q4_K/Q6_K through KQuantRowDot) and
 * matrix-matrix (rows = 64: the prefill GEMM, whose weight panels QuantWiden decodes to the reference's
 * values once per call, so the Q4_K/Q6_K rows against Q8_0's show what the panel decoding costs). The
 * bytes/s counter counts the quantized bytes, so it is the bandwidth a decode step gets; compare with
 * {@link MatmulBenchmark}'s F32/F16 rows of the same shape.
 *
 * <pre>java -jar benchmarks/target/shaded/scalpel-benchmarks.jar 'cpu.QuantMatmulBenchmark' -p dtype=Q4_K,Q6_K -p rows=1</pre>
 *
 * <p>{@code segments}: {@code arena} multiplies the same arena-held weight twice per call; {@code mapped+arena}
 * multiplies the same bytes once from the arena and once from a file mapping, as a decode step does (a
 * loader's permuted q/k rows live in its arena, the other matrices in the mapping). Before
 * {@code CpuWeight.oneClass} (applied to every uploaded weight) the second made C2 recompile the Q8_0 kernel with a check around every load
 * (docs/design.md, "One row at a time, one class of segment"); the two should now measure the same.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class QuantMatmulBenchmark {
    /** N×K of W: 110M's wq (768×768), w1 (2048×768), w2 (768×2048), classifier (32000×768). */
    @Param({"768x768", "2048x768", "768x2048", "32000x768"})
    public String shape;

    @Param({"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public DType dtype;

    @Param({"1", "64"})
    public int rows;

    @Param({"arena", "mapped+arena"})
    public String segments;

    private CpuBackend backend;
    private Arena arena;
    private Weight weight, second;
    private Path file;
    private Buffer x, out;
    private long bytes;
    private int n, k;

    @Setup
    public void setUp() {
        String[] nk = shape.split("x");
        n = Integer.parseInt(nk[0]);
        k = Integer.parseInt(nk[1]);
        arena = Arena.ofShared();
        bytes = dtype.byteSize((long) n * k);
        MemorySegment data = arena.allocate(bytes, 64);
        SplittableRandom random = new SplittableRandom(1);
        float[] row = new float[k];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < k; i++) row[i] = (float) (random.nextGaussian() * 0.02);
            dtype.codec().encodeRow(row, 0, k, data, r * dtype.rowBytes(k));
        }
        backend = new CpuBackend();
        weight = backend.upload(new Tensor("w", dtype, new long[]{n, k}, data));
        second = weight;
        if (segments.equals("mapped+arena")) {
            try {
                file = Files.createTempFile("scalpel-quant-matmul", ".bin");
                Files.write(file, data.toArray(ValueLayout.JAVA_BYTE));
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                    MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, bytes, arena);
                    second = backend.upload(new Tensor("w", dtype, new long[]{n, k}, mapped));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        x = backend.allocate((long) rows * k);
        float[] xs = new float[rows * k];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) random.nextGaussian();
        backend.write(x, xs);
        out = backend.allocate((long) rows * n);
    }

    @Benchmark
    public void matmul(ByteCounters counters) {
        backend.matmul(out, x, weight, rows);
        backend.matmul(out, x, second, rows);
        counters.bytes += 2 * bytes;
        counters.flops += 4L * rows * n * k;
    }

    @TearDown
    public void tearDown() throws IOException {
        backend.close();
        arena.close();
        if (file != null) Files.delete(file);
    }
}
