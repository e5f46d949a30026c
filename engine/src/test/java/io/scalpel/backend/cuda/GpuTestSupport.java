package io.scalpel.backend.cuda;

import io.scalpel.backend.Backend;
import io.scalpel.backend.Buffer;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** What the GPU-vs-CPU tests share: the skip rule, tolerances, random tensors, poisoning. */
final class GpuTestSupport {
    private GpuTestSupport() {}

    /** DESIGN.md: kernels within 1e-5 relative L2 in fp32 and 2e-3 in 16-bit. */
    static final double FP32_TOLERANCE = 1e-5;
    static final double HALF_TOLERANCE = 2e-3;

    /**
     * Skips the calling test with the visible reason "no CUDA device: ..." where no driver is usable for the
     * GPU tests (no usable device and no PTX interpreter on the class path). With {@code SCALPEL_REQUIRE_CUDA=1}
     * (scripts/gpu-check.sh sets it on the GPU machine) the real device is required: its absence fails instead,
     * so a broken probe cannot pass as a skip, and the interpreter does not stand in for it.
     */
    static GpuTestDriver.Target requireDevice() {
        GpuTestDriver.Target t = GpuTestDriver.target();
        if (!t.usable()) {
            String reason = t.description().startsWith("no CUDA device") ? t.description() : "no CUDA device: " + t.description();
            if ("1".equals(System.getenv("SCALPEL_REQUIRE_CUDA"))) fail(reason + " (SCALPEL_REQUIRE_CUDA=1)");
            Assumptions.abort(reason);
        }
        return t;
    }

    /** A backend on the tests' driver ({@link GpuTestDriver}); call only where {@link GpuTestDriver.Target#usable()}. */
    static CudaBackend open(CudaOptions options) { return CudaBackend.open(GpuTestDriver.target().driver(), options); }

    /** Options for tests: synchronise after every launch so a fault names its kernel. */
    static CudaOptions testOptions() { return CudaOptions.defaults().withCheckEachLaunch(true); }

    static double tolerance(DType dtype) { return dtype == DType.F32 ? FP32_TOLERANCE : HALF_TOLERANCE; }

    /** Fails on any NaN in {@code actual}, then on a relative L2 error above {@code tolerance}. */
    static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        if (expected.length != actual.length) fail(what + ": lengths " + expected.length + " vs " + actual.length);
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.length; i++) {
            if (Float.isNaN(actual[i])) fail(what + ": NaN at " + i + " (expected " + expected[i] + ")" + (Float.isNaN(expected[i]) ? "; the CPU reference is NaN too" : ""));
            if (Float.isNaN(expected[i])) fail(what + ": the CPU reference has NaN at " + i);
            double d = (double) actual[i] - expected[i];
            diff += d * d;
            norm += (double) expected[i] * expected[i];
        }
        double rel = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        assertTrue(rel <= tolerance, what + ": relative L2 error " + rel + " > " + tolerance + worst(expected, actual));
    }

    private static String worst(float[] e, float[] a) {
        int w = 0;
        for (int i = 1; i < a.length; i++) if (Math.abs(a[i] - e[i]) > Math.abs(a[w] - e[w])) w = i;
        return " (worst at " + w + ": expected " + e[w] + ", got " + a[w] + ")";
    }

    static float[] gaussian(Random random, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (random.nextGaussian() * scale);
        return v;
    }

    static float[] nans(int n) {
        float[] v = new float[n];
        Arrays.fill(v, Float.NaN);
        return v;
    }

    /** A buffer of {@code n} NaNs: any element a kernel fails to write stays NaN and fails {@link #assertClose}. */
    static Buffer poisoned(Backend backend, int n) {
        Buffer b = backend.allocate(n);
        backend.write(b, nans(n));
        return b;
    }

    static Buffer filled(Backend backend, float[] values) {
        Buffer b = backend.allocate(values.length);
        backend.write(b, values);
        return b;
    }

    static float[] read(Backend backend, Buffer b, int n) {
        float[] out = new float[n];
        backend.read(b, out);
        return out;
    }

    /** A tensor of {@code dtype} holding {@code values} rounded to that type (nearest even). */
    static Tensor tensor(String name, DType dtype, float[] values, long... shape) {
        MemorySegment data = Arena.ofAuto().allocate((long) values.length * dtype.bytes(), 16);
        for (int i = 0; i < values.length; i++) {
            if (dtype == DType.F32) data.setAtIndex(Tensor.F32_LE, i, values[i]);
            else data.setAtIndex(Tensor.I16_LE, i, (short) dtype.encode(values[i]));
        }
        return new Tensor(name, dtype, shape, data);
    }

    static final DType[] FLOAT_TYPES = {DType.F32, DType.F16, DType.BF16};
}
