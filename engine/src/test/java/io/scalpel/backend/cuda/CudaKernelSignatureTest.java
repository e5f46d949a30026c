package io.scalpel.backend.cuda;

import io.scalpel.backend.cuda.driver.KernelParam;
import io.scalpel.kernels.PtxEntry;
import io.scalpel.kernels.PtxModule;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-only: the Java side's kernel signatures agree with the committed PTX, so argument packing cannot drift. */
class CudaKernelSignatureTest {

    @Test
    void everyKernelExistsInItsModuleWithTheDeclaredParameterTypes() {
        for (CudaKernel kernel : CudaKernel.values()) {
            PtxEntry entry = kernel.module().load().entry(kernel.entry())
                    .orElseThrow(() -> new AssertionError(".entry " + kernel.entry() + " missing from " + kernel.module().resourcePath()));
            List<String> declared = kernel.params().stream().map(KernelParam::ptxType).toList();
            assertEquals(entry.paramTypes(), declared, kernel + ": PTX .param types vs CudaKernel declaration");
        }
    }

    @Test
    void everyEntryPointOfEveryModuleIsLaunchable() {
        Set<String> declared = Stream.of(CudaKernel.values()).map(CudaKernel::entry).collect(Collectors.toCollection(TreeSet::new));
        Set<String> shipped = new TreeSet<>();
        for (PtxModule m : EnumSet.allOf(PtxModule.class)) m.load().entries().forEach(e -> shipped.add(e.name()));
        assertEquals(shipped, declared, "kernels shipped in PTX vs kernels CudaKernel can launch");
    }

    @Test
    void ptxTargetsAmpereSoEveryCurrentGpuCanJitIt() {
        for (PtxModule m : PtxModule.values()) {
            assertEquals("sm_80", m.load().target(), m.resourcePath());
            assertTrue(m.load().isa().minimumDriverCudaVersion() >= 11000);
        }
    }
}
