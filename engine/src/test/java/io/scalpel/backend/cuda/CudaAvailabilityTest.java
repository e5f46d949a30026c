package io.scalpel.backend.cuda;

import io.scalpel.kernels.PtxIsa;
import io.scalpel.kernels.PtxModule;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-only: the one-line reasons for no driver, an old driver, an old GPU; the probe runs once. */
class CudaAvailabilityTest {

    /** The shape of what JCuda 12.6 throws where libcuda.so.1 is absent (seen on the build machines). */
    private static final String JCUDA_NO_DRIVER = """
            Error while loading native library "JCudaDriver-12.6.0-linux-x86_64"
            Operating system name: Linux
            ---(start of nested stack traces)---
            Stack trace from the attempt to load the library as a file:
            java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in java.library.path: /usr/java/packages/lib:/usr/lib64
            \tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2285)
            Stack trace from the attempt to load the library as a resource:
            java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file or directory
            \tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)
            ---(end of nested stack traces)---
            """;

    @Test
    void missingDriverIsOneLine() {
        CudaAvailability a = CudaAvailability.fromLinkageError(new UnsatisfiedLinkError(JCUDA_NO_DRIVER));
        assertFalse(a.usable());
        assertEquals("no CUDA driver (libcuda.so.1 not found)", a.reason());
    }

    @Test
    void laterTouchesOfABrokenJCudaAreOneLineToo() {
        CudaAvailability a = CudaAvailability.fromLinkageError(new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver"));
        assertFalse(a.usable());
        assertTrue(a.reason().startsWith("no CUDA driver (JCuda's driver bindings already failed"), a.reason());
        assertEquals(1, a.reason().lines().count());
        CudaAvailability other = CudaAvailability.fromLinkageError(new UnsatisfiedLinkError("something\nelse entirely"));
        assertEquals("no CUDA driver (JCuda could not load: something)", other.reason());
    }

    @Test
    void oldDriverNamesBothVersionsAndTheFix() {
        PtxIsa isa = new PtxIsa(9, 0);
        CudaAvailability a = CudaAvailability.judge("NVIDIA A100-SXM4-80GB", 12040, 1, 80, isa);
        assertFalse(a.usable());
        assertTrue(a.reason().startsWith("NVIDIA driver supports CUDA 12.4 but the kernels are PTX ISA 9.0, which needs CUDA 13.0 (driver 580 or newer)"),
                a.reason());
        assertEquals(1, a.reason().lines().count());
    }

    @Test
    void preAmpereGpuIsRefused() {
        CudaAvailability a = CudaAvailability.judge("Tesla T4", 13000, 1, 75, new PtxIsa(9, 0));
        assertFalse(a.usable());
        assertEquals("GPU Tesla T4 has compute capability 7.5; the kernels need 8.0 (Ampere) or newer", a.reason());
    }

    @Test
    void goodDeviceSaysWhatItFound() {
        CudaAvailability a = CudaAvailability.judge("NVIDIA H100 80GB HBM3", 13000, 1, 90, PtxModule.MATVEC.load().isa());
        assertTrue(a.usable());
        assertEquals("NVIDIA H100 80GB HBM3, compute 9.0, driver 13.0", a.reason());
    }

    @Test
    void probeRunsOnceAndAnswersInOneLine() {
        CudaAvailability first = CudaAvailability.probe();
        assertSame(first, CudaAvailability.probe(), "probed once per JVM");
        assertEquals(1, first.reason().lines().count(), first.reason());
        assertFalse(first.reason().isBlank());
        if (!first.usable()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaBackend.open(CudaOptions.defaults()));
            assertEquals(first.reason(), e.getMessage());
        }
    }

    @Test
    void cudaVersionFormatting() {
        assertEquals("13.0", CudaAvailability.cudaVersion(13000));
        assertEquals("12.4", CudaAvailability.cudaVersion(12040));
        assertEquals("11.8", CudaAvailability.cudaVersion(11080));
    }
}
