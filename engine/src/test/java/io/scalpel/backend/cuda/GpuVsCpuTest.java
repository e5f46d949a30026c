package io.scalpel.backend.cuda;

import io.scalpel.backend.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestReporter;

/**
 * Lifecycle shared by the tests that compare a CUDA kernel with the CPU backend's operation: both
 * backends open once per class on the tests' driver ({@link GpuTestDriver}: the device, else the PTX
 * interpreter), each test's report entry says which, and every test is skipped with the visible reason
 * "no CUDA device" where neither is available (per test, not per class: a class-level skip shows as "0 tests"
 * in Surefire's report, hiding the reason).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GpuVsCpuTest {
    protected CudaBackend gpu;
    protected CpuBackend cpu;

    @BeforeAll
    void openBackends() {
        GpuTestDriver.Target target = GpuTestDriver.target();
        System.out.println(getClass().getSimpleName() + ": GPU tests " + target.label());
        if (!target.usable()) return;
        gpu = GpuTestSupport.open(GpuTestSupport.testOptions());
        cpu = new CpuBackend(2);
    }

    @BeforeEach
    void requireDevice(TestReporter report) {
        report.publishEntry("driver", GpuTestSupport.requireDevice().label());
    }

    @AfterAll
    void closeBackends() {
        if (gpu != null) gpu.close();
        if (cpu != null) cpu.close();
    }
}
