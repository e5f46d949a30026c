package io.scalpel.bench.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.cuda.CudaBackend;
import io.scalpel.backend.cuda.CudaOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * attention.cu with Llama-3-8B's head layout (32 query heads over 8 kv heads of 128): decode is one query
 * against {@code context} cached positions (split-K, memory-bound); prefill is {@code context} causal rows
 * from position 0 (tiled flash kernel, compute-bound).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CudaAttentionBench {
    public static final int HEADS = 32, KV_HEADS = 8, HEAD_DIM = 128;

    @Param({"decode", "prefill"})
    public String mode;

    @Param({"4096"})
    public int context;

    private CudaBackend gpu;
    private Buffer q, k, v, out;
    private int rows, pos0;

    @Setup
    public void setUp() {
        gpu = CudaBenchSupport.open(CudaOptions.defaults());
        rows = mode.equals("decode") ? 1 : context;
        pos0 = context - rows;
        q = CudaBenchSupport.buffer(gpu, (long) rows * HEADS * HEAD_DIM, 1f);
        k = CudaBenchSupport.buffer(gpu, (long) context * KV_HEADS * HEAD_DIM, 1f);
        v = CudaBenchSupport.buffer(gpu, (long) context * KV_HEADS * HEAD_DIM, 1f);
        out = gpu.allocate((long) rows * HEADS * HEAD_DIM);
    }

    @Benchmark
    @OperationsPerInvocation(CudaBenchSupport.BATCH)
    public void attention() {
        for (int i = 0; i < CudaBenchSupport.BATCH; i++) gpu.attention(out, q, k, v, rows, pos0, HEADS, KV_HEADS, HEAD_DIM);
        gpu.synchronize();
    }

    @TearDown
    public void tearDown() { gpu.close(); }
}
