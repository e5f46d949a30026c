package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.CudaDriver;
import io.scalpel.backend.cuda.driver.CudaDriverProvider;
import io.scalpel.backend.cuda.driver.JcudaDriver;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * The driver every GPU test class runs against, chosen once per JVM: the real device when one is usable
 * (JCuda), else the PTX interpreter (the {@code emu} {@link CudaDriverProvider}) where it is on the class
 * path, else none (the tests skip with the reason). {@code SCALPEL_TEST_DRIVER=emu} forces the interpreter
 * on a GPU machine, {@code =cuda} the device; {@code SCALPEL_REQUIRE_CUDA=1} implies the device.
 */
final class GpuTestDriver {
    private GpuTestDriver() {}

    /**
     * @param kind        "cuda", "emu" or "none"
     * @param description what runs the kernels ("NVIDIA H200, compute 9.0, driver 13.0"), or why nothing can
     * @param drivers     a fresh driver per backend (the interpreter's memory is per instance); null for "none"
     */
    record Target(String kind, String description, Supplier<CudaDriver> drivers) {
        boolean usable() { return drivers != null; }

        CudaDriver driver() {
            if (drivers == null) throw new IllegalStateException("no driver for the GPU tests: " + description);
            return drivers.get();
        }

        /** "on cuda (NVIDIA H200 ...)" / "on emu (PTX interpreter ...)": what a test report says it ran on. */
        String label() { return usable() ? "on " + kind + " (" + description + ")" : "skipped: " + description; }
    }

    static Target target() { return Holder.TARGET; }

    private static final class Holder {
        static final Target TARGET = choose(System.getenv("SCALPEL_TEST_DRIVER"), "1".equals(System.getenv("SCALPEL_REQUIRE_CUDA")));
    }

    static Target choose(String forced, boolean requireDevice) {
        boolean wantEmu = "emu".equals(forced) && !requireDevice;
        CudaAvailability cuda = wantEmu ? null : CudaAvailability.probe();
        if (cuda != null && cuda.usable()) return new Target("cuda", cuda.reason(), JcudaDriver::new);
        String noDevice = cuda == null ? "SCALPEL_TEST_DRIVER=emu" : cuda.reason();
        if (requireDevice || "cuda".equals(forced)) return new Target("none", noDevice, null);
        Optional<CudaDriverProvider> emu = CudaDriverProvider.find(CudaDriverProvider.EMULATOR);
        if (emu.isEmpty()) return new Target("none", noDevice + "; and no PTX interpreter on the class path", null);
        CudaDriverProvider provider = emu.get();
        CudaAvailability a = CudaAvailability.probe(provider.open(), 0);
        if (!a.usable()) return new Target("none", noDevice + "; the PTX interpreter refused: " + a.reason(), null);
        return new Target("emu", a.reason(), provider::open);
    }
}
