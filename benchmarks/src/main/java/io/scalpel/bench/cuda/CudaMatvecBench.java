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

/** Decode's matrix-vector product (matvec.cu): one activation row against an [n, k] weight. Memory-bound. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CudaMatvecBench {
    @Param({"F32", "F16", "BF16"})
    public String dtype;

    /** n x k: a Llama-7B attention projection and its MLP up projection. */
    @Param({"4096x4096", "11008x4096"})
    public String shape;

    private CudaBackend gpu;
    private Weight w;
    private Buffer x, out;

    @Setup
    public void setUp() {
        gpu = CudaBenchSupport.open(CudaOptions.defaults());
        int n = Integer.parseInt(shape.split("x")[0]), k = Integer.parseInt(shape.split("x")[1]);
        w = gpu.upload(CudaBenchSupport.tensor("w", DType.valueOf(dtype), n, k, 0.05f));
        x = CudaBenchSupport.buffer(gpu, k, 1f);
        out = gpu.allocate(n);
    }

    @Benchmark
    @OperationsPerInvocation(CudaBenchSupport.BATCH)
    public void matvec() {
        for (int i = 0; i < CudaBenchSupport.BATCH; i++) gpu.matmul(out, x, w, 1);
        gpu.synchronize();
    }

    @TearDown
    public void tearDown() { gpu.close(); }
}
