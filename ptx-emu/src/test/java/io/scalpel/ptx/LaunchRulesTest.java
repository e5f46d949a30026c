package io.scalpel.ptx;

import io.scalpel.kernels.PtxModule;
import org.junit.jupiter.api.Test;

import static io.scalpel.ptx.EmulatedKernels.dim;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real driver's launch rules: block size, .maxntid, grid bounds, dynamic shared memory above 48 KiB only once raised. */
class LaunchRulesTest {

    private final EmulatedKernels rms = new EmulatedKernels(PtxModule.RMSNORM, Sanitizers.MEMCHECK_ONLY);

    private KernelFault launchRms(int[] grid, int[] block, int shared) {
        long p = rms.device.memory().allocate(4);
        return assertThrows(KernelFault.class, () -> rms.launch("rmsnorm_f32", grid, block, shared,
                a -> a.pointer(p).pointer(p).pointer(p).int32(1).int32(1).float32(1e-5f)));
    }

    @Test
    void blockAboveMaxntidIsRefused() {
        PtxFunction f = rms.function("rmsnorm_f32");
        assertEquals(256, f.maxThreadsPerBlock());
        KernelFault e = launchRms(dim(1), dim(512), 0);
        assertEquals(KernelFault.Kind.LAUNCH, e.kind());
        assertEquals("launch: CUDA_ERROR_INVALID_VALUE: rmsnorm_f32: 512 threads per block exceed its .maxntid (__launch_bounds__) of 256", e.getMessage());
    }

    @Test
    void blockAndGridOutsideTheDeviceAreRefused() {
        assertTrue(launchRms(dim(1), dim(32, 33), 0).getMessage().contains("1056 threads per block; the device allows 1024"));
        assertTrue(launchRms(dim(1), dim(1, 1, 65), 0).getMessage().contains("outside the device's block dimensions"));
        assertTrue(launchRms(dim(1, 65536), dim(32), 0).getMessage().contains("outside the device's grid dimensions"));
        assertTrue(launchRms(dim(0), dim(32), 0).getMessage().contains("outside the device's grid dimensions"));
    }

    @Test
    void dynamicSharedAbove48KibNeedsTheAttributeRaised() {
        EmulatedKernels att = new EmulatedKernels(PtxModule.ATTENTION, Sanitizers.MEMCHECK_ONLY);
        PtxFunction f = att.function("attention_prefill_flash");
        assertEquals(0, f.staticSharedBytes());
        assertEquals(DeviceLimits.SHARED_PER_BLOCK_DEFAULT, f.maxDynamicSharedBytes());
        int d256 = 4 * (16 * 256 + 32 * 257 + 32 * 256); // the prefill kernel's shared memory at head dim 256: 82,048 bytes
        long p = att.device.memory().allocate(4);
        KernelArguments args = KernelArguments.of(f);
        // Nine parameters; values do not matter, the launch is refused before anything runs.
        for (String t : f.parameterTypes()) {
            switch (t) {
                case ".u64" -> args.pointer(p);
                case ".f32" -> args.float32(1f);
                default -> args.int32(1);
            }
        }
        KernelFault e = assertThrows(KernelFault.class, () -> att.device.launch(f, 1, 1, 1, 128, 1, 1, d256, args));
        assertTrue(e.getMessage().contains("82048 bytes of dynamic shared memory exceed the function's limit of 49152 (above 48 KiB needs"), e.getMessage());
        KernelFault tooMuch = assertThrows(KernelFault.class, () -> f.setMaxDynamicSharedBytes(DeviceLimits.SHARED_PER_BLOCK_OPTIN + 1));
        assertTrue(tooMuch.getMessage().startsWith("launch: CUDA_ERROR_INVALID_VALUE: attention_prefill_flash may use at most 232448 bytes"), tooMuch.getMessage());
        f.setMaxDynamicSharedBytes(d256);
        assertEquals(d256, f.maxDynamicSharedBytes());
    }

    @Test
    void argumentsAreCheckedAgainstTheParamList() {
        PtxFunction f = rms.function("rmsnorm_f32");
        KernelArguments a = KernelArguments.of(f).pointer(1).pointer(2).pointer(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.float32(1f));
        assertEquals("rmsnorm_f32 parameter #3 (rmsnorm_f32_param_3) is .u32; got a 4-byte float", e.getMessage());
    }
}
