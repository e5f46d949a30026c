package io.scalpel.bench.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.cuda.CudaAvailability;
import io.scalpel.backend.cuda.CudaBackend;
import io.scalpel.backend.cuda.CudaOptions;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What the GPU benchmarks share. Each benchmark method queues {@link #BATCH} launches and then waits once
 * ({@code @OperationsPerInvocation(BATCH)}), so the host-side wait is amortised and the score is the
 * device time per kernel.
 */
final class CudaBenchSupport {
    private CudaBenchSupport() {}

    static final int BATCH = 20;

    /** Opens the backend, or fails the benchmark's setup with the probe's one-line reason. */
    static CudaBackend open(CudaOptions options) {
        CudaAvailability a = CudaAvailability.probe();
        if (!a.usable()) throw new IllegalStateException("no CUDA device: " + a.reason());
        return CudaBackend.open(options);
    }

    /** A deterministic, cheap-to-make pseudo-random value in [-scale, scale) (benchmarks time kernels, not values). */
    static float value(long i, float scale) {
        long h = (i + 1) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        return ((h >>> 40) / (float) (1L << 24) * 2f - 1f) * scale;
    }

    static Tensor tensor(String name, DType dtype, int rows, int cols, float scale) {
        long n = (long) rows * cols;
        MemorySegment data = Arena.ofAuto().allocate(n * dtype.bytes(), 64);
        for (long i = 0; i < n; i++) {
            float v = value(i, scale);
            if (dtype == DType.F32) data.setAtIndex(Tensor.F32_LE, i, v);
            else data.setAtIndex(Tensor.I16_LE, i, (short) dtype.encode(v));
        }
        return new Tensor(name, dtype, new long[] {rows, cols}, data);
    }

    /** A device buffer of {@code n} floats filled on the host in chunks (n may exceed any one array). */
    static Buffer buffer(CudaBackend gpu, long n, float scale) {
        Buffer b = gpu.allocate(n);
        int chunk = 1 << 22;
        float[] host = new float[(int) Math.min(n, chunk)];
        for (long done = 0; done < n; done += chunk) {
            int len = (int) Math.min(chunk, n - done);
            float[] part = len == host.length ? host : new float[len];
            for (int i = 0; i < len; i++) part[i] = value(done + i, scale);
            gpu.write(b.slice(done, len), part);
        }
        return b;
    }
}
