package io.scalpel.backend.cuda;

import io.scalpel.backend.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestReporter;

import java.util.Random;

import static io.scalpel.backend.cuda.GpuTestSupport.filled;
import static io.scalpel.backend.cuda.GpuTestSupport.gaussian;
import static io.scalpel.backend.cuda.GpuTestSupport.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Buffers, slices, transfers larger than the staging buffer, freeing. Skips with "no CUDA device" where there is none. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaMemoryTest {
    private CudaBackend gpu;

    /** Opens the backends only where CUDA answers; {@link #requireDevice()} reports each test as skipped otherwise. */
    @BeforeAll
    void open() {
        GpuTestDriver.Target target = GpuTestDriver.target();
        System.out.println(getClass().getSimpleName() + ": GPU tests " + target.label());
        if (!target.usable()) return;
        gpu = GpuTestSupport.open(GpuTestSupport.testOptions());
    }

    /** Per test, not per class: a class-level skip shows as "0 tests" in Surefire's report, hiding the reason. */
    @BeforeEach
    void requireDevice(TestReporter report) {
        report.publishEntry("driver", GpuTestSupport.requireDevice().label());
    }

    @AfterAll
    void close() {
        if (gpu != null) gpu.close();
    }

    @Test
    void allocateIsZeroed() {
        try (Buffer b = gpu.allocate(1001)) {
            assertArrayEquals(new float[1001], read(gpu, b, 1001));
        }
    }

    @Test
    void transfersLargerThanTheStagingBufferRoundTrip() {
        int n = 5_000_011;  // ~20 MB: three staging chunks, the last one partial
        float[] x = gaussian(new Random(31), n, 1);
        try (Buffer b = filled(gpu, x)) {
            assertArrayEquals(x, read(gpu, b, n));
        }
    }

    @Test
    void slicesAddressPartsOfOneAllocation() {
        float[] x = gaussian(new Random(32), 100, 1);
        try (Buffer whole = gpu.allocate(100); Buffer other = gpu.allocate(30)) {
            gpu.write(whole.slice(10, 50), java.util.Arrays.copyOfRange(x, 0, 50));
            gpu.copy(other, whole.slice(20, 30), 30);
            float[] back = read(gpu, other, 30);
            assertArrayEquals(java.util.Arrays.copyOfRange(x, 10, 40), back);
            assertThrows(IndexOutOfBoundsException.class, () -> whole.slice(90, 11));
            assertThrows(IndexOutOfBoundsException.class, () -> gpu.write(whole.slice(0, 3), new float[4]));
        }
    }

    @Test
    void closingFreesAndMemoryFitReads() {
        long before = gpu.allocatedBytes();
        Buffer b = gpu.allocate(1 << 20);
        assertTrue(gpu.allocatedBytes() >= before + (4L << 20));
        b.close();
        b.close();  // idempotent
        assertEquals(before, gpu.allocatedBytes());
        MemoryFit fit = gpu.memoryFit(1L << 30);
        assertTrue(fit.total() > 0 && fit.free() > 0, fit.message());
        assertTrue(gpu.name().startsWith("cuda:"));
    }
}
