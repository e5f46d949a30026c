package io.scalpel.bench.cpu;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.perf.DecodeBenchmark;
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
import java.util.concurrent.TimeUnit;

/**
 * One whole decode step (forward of one token + argmax), positions cycling through the first 256 of
 * the context as a generation of 256 tokens would. Score = tokens/s; bytes/s = weight bandwidth.
 * Synthetic models are generated on first use (see {@link BenchModels}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class DecodeStepBenchmark {
    @Param({"stories260K", "15M", "42M", "110M", "110M-bf16", "110M-f16"})
    public String model;

    private CpuBackend backend;
    private Checkpoint checkpoint;
    private Transformer transformer;
    private Session session;
    private long weightBytes;
    private int vocab;
    private final int[] token = {1};

    @Setup
    public void setUp() throws IOException {
        backend = new CpuBackend();
        checkpoint = Checkpoint.open(BenchModels.resolve(model));
        transformer = new Transformer(checkpoint.config(), checkpoint.weights(), backend);
        session = transformer.newSession(Math.min(256, checkpoint.config().contextLength()));
        weightBytes = DecodeBenchmark.weightBytesPerToken(transformer);
        vocab = checkpoint.config().vocabSize();
    }

    @Benchmark
    public int decodeStep(ByteCounters counters) {
        if (session.position() == session.capacity()) session.reset();
        session.forward(token, null);
        token[0] = backend.argmax(session.logits(), vocab);
        counters.bytes += weightBytes;
        return token[0];
    }

    @TearDown
    public void tearDown() {
        session.close();
        transformer.close();
        checkpoint.close();
        backend.close();
    }
}
