package io.scalpel.bench.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cuda.CudaBackend;
import io.scalpel.backend.cuda.CudaOptions;
import io.scalpel.backend.cuda.MatmulVariant;
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
 * The prefill matmul ladder side by side (matmul.cu): naive, shared-memory tiled, tensor cores, and
 * cuBLAS where it loads. {@code size} is "m x n x k". The largest size is the compute ceiling the report
 * compares every compute-bound kernel with.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CudaMatmulBench {
    @Param({"NAIVE", "TILED", "TENSOR_CORE", "CUBLAS"})
    public String variant;

    @Param({"F32", "BF16"})
    public String dtype;

    @Param({"512x4096x4096"})
    public String size;

    private CudaBackend gpu;
    private Weight w;
    private Buffer x, out;
    private int m;
    private MatmulVariant requested;

    @Setup
    public void setUp() {
        requested = MatmulVariant.valueOf(variant);
        gpu = CudaBenchSupport.open(CudaOptions.defaults().withPrefillMatmul(requested));
        String[] d = size.split("x");
        m = Integer.parseInt(d[0]);
        int n = Integer.parseInt(d[1]), k = Integer.parseInt(d[2]);
        w = gpu.upload(CudaBenchSupport.tensor("w", DType.valueOf(dtype), n, k, 0.05f));
        x = CudaBenchSupport.buffer(gpu, (long) m * k, 1f);
        out = gpu.allocate((long) m * n);
    }

    @Benchmark
    @OperationsPerInvocation(CudaBenchSupport.BATCH)
    public void matmul() {
        for (int i = 0; i < CudaBenchSupport.BATCH; i++) gpu.matmul(out, x, w, m, requested);
        gpu.synchronize();
    }

    @TearDown
    public void tearDown() { gpu.close(); }
}
