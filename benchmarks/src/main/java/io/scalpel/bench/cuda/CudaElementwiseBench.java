package io.scalpel.bench.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cuda.CudaBackend;
import io.scalpel.backend.cuda.CudaOptions;
import io.scalpel.tensor.DType;
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
 * The memory-bound row and element kernels at a 512-token prefill of a 4096-wide model: embedding gather,
 * RMSNorm, RoPE, SwiGLU (over the 11008-wide MLP), residual add.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CudaElementwiseBench {
    public static final int ROWS = 512, DIM = 4096, HIDDEN = 11008, HEADS = 32, HEAD_DIM = 128, VOCAB = 32000;

    @Param({"embed", "rmsnorm", "rope", "swiglu", "add"})
    public String op;

    private CudaBackend gpu;
    private Buffer a, b, cos, sin;
    private Weight table, gamma;
    private int[] tokens;

    @Setup
    public void setUp() {
        gpu = CudaBenchSupport.open(CudaOptions.defaults());
        long n = op.equals("swiglu") ? (long) ROWS * HIDDEN : (long) ROWS * DIM;
        a = CudaBenchSupport.buffer(gpu, n, 1f);
        b = CudaBenchSupport.buffer(gpu, n, 1f);
        switch (op) {
            case "embed" -> {
                table = gpu.upload(CudaBenchSupport.tensor("embed", DType.BF16, VOCAB, DIM, 1f));
                tokens = new int[ROWS];
                for (int i = 0; i < ROWS; i++) tokens[i] = (i * 7919) % VOCAB;
            }
            case "rmsnorm" -> gamma = gpu.upload(CudaBenchSupport.tensor("norm", DType.BF16, 1, DIM, 1f));
            case "rope" -> {
                cos = CudaBenchSupport.buffer(gpu, (long) ROWS * HEAD_DIM / 2, 1f);
                sin = CudaBenchSupport.buffer(gpu, (long) ROWS * HEAD_DIM / 2, 1f);
            }
            default -> { }
        }
    }

    @Benchmark
    @OperationsPerInvocation(CudaBenchSupport.BATCH)
    public void kernel() {
        for (int i = 0; i < CudaBenchSupport.BATCH; i++) {
            switch (op) {
                case "embed" -> gpu.embed(a, table, tokens);
                case "rmsnorm" -> gpu.rmsNorm(b, a, gamma, ROWS, DIM, 1e-5f);
                case "rope" -> gpu.rope(a, ROWS, HEADS, HEAD_DIM, 0, cos, sin);
                case "swiglu" -> gpu.swiglu(a, b, (long) ROWS * HIDDEN);
                case "add" -> gpu.add(a, b, (long) ROWS * DIM);
                default -> throw new IllegalArgumentException(op);
            }
        }
        gpu.synchronize();
    }

    @TearDown
    public void tearDown() { gpu.close(); }
}
