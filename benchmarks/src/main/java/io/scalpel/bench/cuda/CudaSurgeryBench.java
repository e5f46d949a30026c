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
 * The surgery's kernels on a Llama-7B gate_proj ([11008, 4096], BF16): the cosine of every row with a
 * probe direction, and an edit of {@link #EDITED_ROWS} rows (w += alpha·v, rounded to BF16).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CudaSurgeryBench {
    public static final int ROWS = 11008, COLS = 4096, EDITED_ROWS = 512;

    @Param({"rowCosines", "addToRows"})
    public String op;

    private CudaBackend gpu;
    private Weight gate;
    private Buffer v, cosines;
    private int[] rows;

    @Setup
    public void setUp() {
        gpu = CudaBenchSupport.open(CudaOptions.defaults());
        gate = gpu.upload(CudaBenchSupport.tensor("gate_proj", DType.BF16, ROWS, COLS, 0.05f));
        v = CudaBenchSupport.buffer(gpu, COLS, 1f);
        cosines = gpu.allocate(ROWS);
        rows = new int[EDITED_ROWS];
        for (int i = 0; i < EDITED_ROWS; i++) rows[i] = (i * 21) % ROWS;
    }

    @Benchmark
    @OperationsPerInvocation(CudaBenchSupport.BATCH)
    public void surgery() {
        for (int i = 0; i < CudaBenchSupport.BATCH; i++) {
            if (op.equals("rowCosines")) gpu.rowCosines(cosines, gate, v);
            else gpu.addToRows(gate, rows, v, i % 2 == 0 ? 1e-3f : -1e-3f);
        }
        gpu.synchronize();
    }

    @TearDown
    public void tearDown() { gpu.close(); }
}
