package io.scalpel.backend.cuda;

import io.scalpel.backend.Buffer;
import io.scalpel.backend.cuda.driver.CountingCudaDriver;
import io.scalpel.backend.cuda.driver.CudaError;
import io.scalpel.backend.cuda.driver.CudaFailure;
import io.scalpel.backend.cuda.driver.DriverCounts;
import io.scalpel.backend.cuda.driver.FakeCudaDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Host-only: the backend's plumbing over a fake driver (device memory in host memory, kernels recorded, not
 * run) — failure paths release what they hold, the requested device's compute capability is the one checked,
 * and copies/syncs are what the code claims.
 */
class CudaBackendOnFakeDriverTest {

    private static void assertNothingHeld(FakeCudaDriver fake) {
        assertEquals(0, fake.liveModules(), "modules left loaded");
        assertEquals(0, fake.liveStreams(), "streams left");
        assertEquals(0, fake.liveContexts(), "primary contexts left retained");
        assertEquals(0, fake.liveHostBuffers(), "pinned host memory left");
        assertEquals(0, fake.liveAllocations(), "device memory left");
    }

    /** Each step of opening fails in turn; whatever the earlier steps set up is released. */
    @ParameterizedTest
    @ValueSource(strings = {"cuDevicePrimaryCtxRetain", "cuStreamCreate", "cuModuleLoadData", "cuModuleGetFunction", "cuMemAllocHost"})
    void aFailedOpenReleasesEverything(String failingCall) {
        FakeCudaDriver fake = new FakeCudaDriver().failNext(failingCall, CudaError.OUT_OF_MEMORY);
        CudaFailure e = assertThrows(CudaFailure.class, () -> CudaBackend.open(fake, CudaOptions.defaults()));
        assertTrue(e.getMessage().contains(failingCall + ": CUDA_ERROR_OUT_OF_MEMORY (2)"), e.getMessage());
        assertNothingHeld(fake);
    }

    @Test
    void closeReleasesEverything() {
        FakeCudaDriver fake = new FakeCudaDriver();
        CudaBackend gpu = CudaBackend.open(fake, CudaOptions.defaults());
        gpu.allocate(1000);
        gpu.close();
        assertNothingHeld(fake);
    }

    /** A fault that surfaces at the wait before a free (a sticky error) still frees the memory. */
    @Test
    void releaseFreesEvenWhenTheWaitBeforeItFails() {
        FakeCudaDriver fake = new FakeCudaDriver();
        try (CudaBackend gpu = CudaBackend.open(fake, CudaOptions.defaults())) {
            int before = fake.liveAllocations();
            long bytesBefore = gpu.allocatedBytes();
            Buffer b = gpu.allocate(1000);
            assertEquals(before + 1, fake.liveAllocations());
            fake.failNext("cuStreamSynchronize", CudaError.ILLEGAL_ADDRESS);
            CudaFailure e = assertThrows(CudaFailure.class, b::close);
            assertTrue(e.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS"), e.getMessage());
            assertEquals(before, fake.liveAllocations(), "freed despite the failed wait");
            assertEquals(bytesBefore, gpu.allocatedBytes(), "no longer counted as live");
        }
        assertNothingHeld(fake);
    }

    @Test
    void theRequestedDevicesComputeCapabilityIsChecked() {
        FakeCudaDriver fake = new FakeCudaDriver().addDevice(7, 5);
        assertTrue(CudaAvailability.probe(fake, 0).usable());
        CudaAvailability second = CudaAvailability.probe(fake, 1);
        assertEquals("GPU Fake GPU 1 has compute capability 7.5; the kernels need 8.0 (Ampere) or newer", second.reason());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaBackend.open(fake, CudaOptions.defaults().withDevice(1)));
        assertEquals(second.reason(), e.getMessage());
        assertEquals("CUDA device 2 requested; the driver sees 2", CudaAvailability.probe(fake, 2).reason());
        assertNothingHeld(fake);
    }

    @Test
    void writesAndReadsRoundTripThroughStagingWithOneWaitPerChunk() {
        CountingCudaDriver counting = new CountingCudaDriver(new FakeCudaDriver());
        try (CudaBackend gpu = CudaBackend.open(counting, CudaOptions.defaults())) {
            float[] x = new float[3_000_001];  // 12 MB: two staging chunks of 8 MiB
            for (int i = 0; i < x.length; i++) x[i] = i * 0.5f;
            Buffer b = gpu.allocate(x.length);
            DriverCounts start = counting.counts();
            gpu.write(b, x);
            float[] back = new float[x.length];
            gpu.read(b, back);
            assertArrayEquals(x, back);
            DriverCounts io = counting.counts().since(start);
            assertEquals(2, io.hostToDeviceCopies());
            assertEquals(2, io.deviceToHostCopies());
            assertEquals(4L * x.length, io.hostToDevice());
            assertEquals(4, io.syncs(), "one wait per chunk each way");
            assertEquals(0, io.launches());
        }
    }
}
