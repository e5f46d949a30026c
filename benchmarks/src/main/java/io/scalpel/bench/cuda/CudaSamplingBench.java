package io.scalpel.bench.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.cuda.CudaBackend;
import io.scalpel.backend.cuda.CudaOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * Token choice over a 151,936-entry vocabulary (Qwen2's): greedy argmax and top-k/top-p sampling. Each
 * call returns the id to the host, so the score includes one small device-to-host copy and its wait —
 * the real per-token cost of choosing a token.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CudaSamplingBench {
    public static final int VOCAB = 151_936;

    @Param({"argmax", "sample"})
    public String op;

    private CudaBackend gpu;
    private Buffer logits;
    private double uniform;

    @Setup
    public void setUp() {
        gpu = CudaBenchSupport.open(CudaOptions.defaults());
        logits = CudaBenchSupport.buffer(gpu, VOCAB, 8f);
    }

    @Benchmark
    public int choose() {
        uniform = uniform >= 0.9 ? 0.05 : uniform + 0.1;
        return op.equals("argmax") ? gpu.argmax(logits, VOCAB) : gpu.sample(logits, VOCAB, 0.8f, 40, 0.95f, uniform);
    }

    @TearDown
    public void tearDown() { gpu.close(); }
}
