package io.scalpel.bench.cpu;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.Weight;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * One seeded {@code CpuBackend.matmul} case for the benchmarks: an [n, k] weight of N(0, 0.02²) values
 * drawn row by row and stored as {@code dtype} (quantized types through their codec), {@code rows}
 * standard normal activation rows, and an output buffer, on a backend of its own.
 */
record MatmulOperands(CpuBackend backend, Weight weight, Buffer x, Buffer out, int n, int k, int rows) implements AutoCloseable {

    /** {@code shape} is "NxK"; the weight's bytes live in {@code arena}, which the caller closes after this. */
    static MatmulOperands open(String shape, DType dtype, int rows, CpuBackend backend, Arena arena) {
        String[] nk = shape.split("x");
        int n = Integer.parseInt(nk[0]), k = Integer.parseInt(nk[1]);
        MemorySegment data = arena.allocate(dtype.byteSize((long) n * k), 64);
        SplittableRandom random = new SplittableRandom(1);
        float[] row = new float[k];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < k; i++) row[i] = (float) (random.nextGaussian() * 0.02);
            long off = r * dtype.rowBytes(k);
            if (dtype.isQuantized()) dtype.codec().encodeRow(row, 0, k, data, off);
            else if (dtype == DType.F32) MemorySegment.copy(row, 0, data, Tensor.F32_LE, off, k);
            else for (int i = 0; i < k; i++) data.set(Tensor.I16_LE, off + 2L * i, (short) dtype.encode(row[i]));
        }
        Weight weight = backend.upload(new Tensor("w", dtype, new long[]{n, k}, data));
        Buffer x = backend.allocate((long) rows * k);
        float[] xs = new float[rows * k];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) random.nextGaussian();
        backend.write(x, xs);
        return new MatmulOperands(backend, weight, x, backend.allocate((long) rows * n), n, k, rows);
    }

    /** One product, {@code out = x · Wᵀ}. */
    void multiply() {
        backend.matmul(out, x, weight, rows);
    }

    /** Floating-point operations of one product. */
    long flops() {
        return 2L * rows * n * k;
    }

    @Override public void close() {
        backend.close();
    }
}
