package io.scalpel.backend.cuda;

import io.scalpel.backend.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * Lifecycle shared by the tests that compare a CUDA kernel with the CPU backend's operation: both
 * backends open once per class where CUDA answers, and every test is skipped with the visible reason
 * "no CUDA device" where it does not (per test, not per class: a class-level skip shows as "0 tests"
 * in Surefire's report, hiding the reason).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GpuVsCpuTest {
    protected CudaBackend gpu;
    protected CpuBackend cpu;

    @BeforeAll
    void openBackends() {
        if (!CudaAvailability.probe().usable()) return;
        gpu = CudaBackend.open(GpuTestSupport.testOptions());
        cpu = new CpuBackend(2);
    }

    @BeforeEach
    void requireDevice() {
        GpuTestSupport.requireCuda();
    }

    @AfterAll
    void closeBackends() {
        if (gpu != null) gpu.close();
        if (cpu != null) cpu.close();
    }
}
