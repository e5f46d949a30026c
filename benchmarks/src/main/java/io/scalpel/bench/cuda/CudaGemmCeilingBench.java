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
 * The compute ceiling of this run: a 4096³ GEMM with the fastest path available — cuBLAS SGEMM where
 * libcublas.so.12 loads, and the tensor-core kernel on BF16. Compute-bound kernels are reported against
 * the best of these (an achievable, not a datasheet, ceiling).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CudaGemmCeilingBench {
    public static final int SIDE = 4096;

    /** "variant:dtype". The report drops CUBLAS where cuBLAS does not load. */
    @Param({"TENSOR_CORE:BF16", "CUBLAS:F32"})
    public String path;

    private CudaBackend gpu;
    private Weight w;
    private Buffer x, out;
    private MatmulVariant variant;

    @Setup
    public void setUp() {
        String[] p = path.split(":");
        variant = MatmulVariant.valueOf(p[0]);
        gpu = CudaBenchSupport.open(CudaOptions.defaults().withPrefillMatmul(variant));
        w = gpu.upload(CudaBenchSupport.tensor("w", DType.valueOf(p[1]), SIDE, SIDE, 0.05f));
        x = CudaBenchSupport.buffer(gpu, (long) SIDE * SIDE, 1f);
        out = gpu.allocate((long) SIDE * SIDE);
    }

    @Benchmark
    @OperationsPerInvocation(4)
    public void gemm() {
        for (int i = 0; i < 4; i++) gpu.matmul(out, x, w, SIDE, variant);
        gpu.synchronize();
    }

    @TearDown
    public void tearDown() { gpu.close(); }
}
