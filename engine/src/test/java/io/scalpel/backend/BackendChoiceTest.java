package io.scalpel.backend;

import io.scalpel.backend.BackendChoice.DeviceKind;
import io.scalpel.backend.BackendChoice.DeviceRequest;
import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.backend.cuda.CudaAvailability;
import io.scalpel.backend.cuda.CudaBackend;
import io.scalpel.backend.cuda.CudaOptions;
import io.scalpel.backend.cuda.driver.CudaDriverProvider;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-only: --device parsing, the auto/cpu/cuda decision and its one-line report, and the fallback. */
class BackendChoiceTest {
    private static final CudaAvailability NO_DRIVER = new CudaAvailability(false, "no CUDA driver (libcuda.so.1 not found)", "", 0, 0, 0);
    private static final CudaAvailability H100 = new CudaAvailability(true, "NVIDIA H100 80GB HBM3, compute 9.0, driver 13.0",
            "NVIDIA H100 80GB HBM3", 13000, 1, 90);

    @Test
    void parsesDeviceFlag() {
        assertEquals(new DeviceRequest(DeviceKind.AUTO, 0), DeviceRequest.parse("auto"));
        assertEquals(new DeviceRequest(DeviceKind.CPU, 0), DeviceRequest.parse(" CPU "));
        assertEquals(new DeviceRequest(DeviceKind.CUDA, 0), DeviceRequest.parse("cuda"));
        assertEquals(new DeviceRequest(DeviceKind.CUDA, 2), DeviceRequest.parse("cuda:2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceRequest.parse("tpu"));
        assertEquals("--device must be auto, cpu, cuda, cuda:N or emu; got 'tpu'", e.getMessage());
        assertEquals(new DeviceRequest(DeviceKind.EMU, 0), DeviceRequest.parse("emu"));
        assertThrows(IllegalArgumentException.class, () -> DeviceRequest.parse("cuda:-1"));
        assertThrows(IllegalArgumentException.class, () -> DeviceRequest.parse("cuda:x"));
    }

    @Test
    void autoFallsBackToTheCpuAndSaysWhy() {
        BackendChoice.Decision d = BackendChoice.decide(DeviceRequest.parse("auto"), () -> NO_DRIVER);
        assertEquals(DeviceKind.CPU, d.chosen());
        assertEquals("device: cpu (no CUDA driver (libcuda.so.1 not found): using the CPU)", d.reason());
    }

    @Test
    void autoTakesAUsableGpu() {
        BackendChoice.Decision d = BackendChoice.decide(DeviceRequest.parse("auto"), () -> H100);
        assertEquals(DeviceKind.CUDA, d.chosen());
        assertEquals("device: cuda (NVIDIA H100 80GB HBM3, compute 9.0, driver 13.0)", d.reason());
    }

    @Test
    void explicitCudaNeverFallsBackSilently() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BackendChoice.decide(DeviceRequest.parse("cuda"), () -> NO_DRIVER));
        assertEquals("--device cuda: no CUDA driver (libcuda.so.1 not found)", e.getMessage());
    }

    @Test
    void cpuNeverProbesTheDriver() {
        BackendChoice.Decision d = BackendChoice.decide(DeviceRequest.parse("cpu"), () -> {
            throw new AssertionError("probed CUDA for --device cpu");
        });
        assertEquals(DeviceKind.CPU, d.chosen());
    }

    @Test
    void cpuChoiceUsesTheCallersCpuBackend() {
        try (BackendChoice.Opened opened = BackendChoice.open(DeviceRequest.parse("cpu"), CudaOptions.defaults(), () -> new CpuBackend(1))) {
            assertEquals("device: cpu (requested)", opened.report());
            assertEquals(1, ((CpuBackend) opened.backend()).threads());
        }
    }

    @Test
    void openingAutoGivesAWorkingBackendEverywhere() {
        try (BackendChoice.Opened opened = BackendChoice.open(DeviceRequest.parse("auto"), CudaOptions.defaults())) {
            assertTrue(opened.report().startsWith("device: "), opened.report());
            assertEquals(1, opened.report().lines().count());
            boolean onCuda = opened.backend().name().startsWith("cuda:");
            assertEquals(onCuda, CudaAvailability.probe().usable(), opened.report());
            Buffer b = opened.backend().allocate(3);
            opened.backend().write(b, new float[] {1, 2, 3});
            float[] back = new float[3];
            opened.backend().read(b, back);
            assertEquals(2f, back[1]);
        }
    }

    @Test
    void emuRunsTheCudaBackendOnTheInterpreterOrSaysItIsMissing() {
        boolean present = CudaDriverProvider.find(CudaDriverProvider.EMULATOR).isPresent();
        if (!present) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> BackendChoice.open(DeviceRequest.parse("emu"), CudaOptions.defaults()));
            assertEquals("--device emu: the PTX interpreter is not available in this build (no \"emu\" CudaDriverProvider on the class path)",
                    e.getMessage());
            return;
        }
        try (BackendChoice.Opened opened = BackendChoice.open(DeviceRequest.parse("emu"), CudaOptions.defaults())) {
            assertTrue(opened.report().startsWith("device: emu ("), opened.report());
            assertTrue(opened.backend() instanceof CudaBackend, opened.backend().name());
            Buffer b = opened.backend().allocate(3);
            opened.backend().write(b, new float[] {1, 2, 3});
            float[] back = new float[3];
            opened.backend().read(b, back);
            assertEquals(2f, back[1]);
        }
    }

    @Test
    void emuDecisionReportsTheInterpretersDevice() {
        CudaAvailability emu = new CudaAvailability(true, "Scalpel PTX interpreter, compute 9.0, driver 13.0", "Scalpel PTX interpreter", 13000, 1, 90);
        BackendChoice.Decision d = BackendChoice.decide(DeviceRequest.parse("emu"), () -> emu);
        assertEquals(DeviceKind.EMU, d.chosen());
        assertEquals("device: emu (Scalpel PTX interpreter, compute 9.0, driver 13.0)", d.reason());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BackendChoice.decide(DeviceRequest.parse("emu"), () -> NO_DRIVER));
        assertTrue(e.getMessage().startsWith("--device emu: "), e.getMessage());
    }
}
