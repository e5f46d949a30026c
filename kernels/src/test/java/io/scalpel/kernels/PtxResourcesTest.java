package io.scalpel.kernels;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs everywhere (no GPU, no nvcc): the committed PTX is present, is PTX, and matches the sources' entry points. */
class PtxResourcesTest {

    private static final Path CUDA_SOURCES = Path.of("src/main/cuda");
    private static final Pattern EXTERN_KERNEL = Pattern.compile(
            "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\([^)]*\\)\\s*)?(\\w+)\\s*\\(");

    @Test
    void everyModuleLoadsAsPtxForCompute80() {
        for (PtxModule module : PtxModule.values()) {
            Ptx ptx = module.load();
            assertEquals("sm_80", ptx.target(), module + " target");
            assertTrue(ptx.isa().major() >= 7, module + " ISA " + ptx.isa());
            assertFalse(ptx.entries().isEmpty(), module + " has no .entry");
            assertTrue(ptx.text().startsWith("//"), module + " does not look like nvcc output");
        }
    }

    @Test
    void modulesAndCudaFilesCorrespondOneToOne() throws IOException {
        Set<String> stems;
        try (Stream<Path> files = Files.list(CUDA_SOURCES)) {
            stems = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu"))
                    .map(n -> n.substring(0, n.length() - 3)).collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> modules = Stream.of(PtxModule.values()).map(PtxModule::stem).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(stems, modules);
    }

    /** Catches PTX left stale after a kernel was added, renamed or removed — without nvcc. */
    @Test
    void ptxEntriesAreExactlyTheExternCKernelsOfEachSource() throws IOException {
        for (PtxModule module : PtxModule.values()) {
            String source = Files.readString(CUDA_SOURCES.resolve(module.stem() + ".cu"));
            Set<String> declared = new TreeSet<>();
            Matcher m = EXTERN_KERNEL.matcher(source);
            while (m.find()) declared.add(m.group(1));
            Set<String> inPtx = module.load().entries().stream().map(PtxEntry::name).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(declared, inPtx, module + ": extern \"C\" kernels in " + module.stem() + ".cu vs .entry in its PTX");
            assertTrue(source.startsWith("// " + module.stem() + ".cu"), module.stem() + ".cu must open with its explanatory comment");
            for (String required : List.of("Math", "Mapping", "Cost", "Reference")) {
                assertTrue(source.substring(0, Math.min(source.length(), 6000)).contains(required),
                        module.stem() + ".cu header comment lacks '" + required + "'");
            }
        }
    }

    @Test
    void parsesEntryParametersInOrder() {
        String text = """
                //
                .version 9.0
                .target sm_80
                .address_size 64
                .visible .entry add_bias_f16(
                	.param .u64 add_bias_f16_param_0,
                	.param .u64 add_bias_f16_param_1,
                	.param .u32 add_bias_f16_param_2,
                	.param .f32 add_bias_f16_param_3,
                	.param .f64 add_bias_f16_param_4
                )
                .maxntid 256, 1, 1
                {
                }
                """;
        Ptx ptx = new Ptx(PtxModule.RESIDUAL, text);
        assertEquals(new PtxIsa(9, 0), ptx.isa());
        assertEquals(List.of(new PtxEntry("add_bias_f16", List.of(".u64", ".u64", ".u32", ".f32", ".f64"))), ptx.entries());
    }

    @Test
    void isaMapsToTheDriverItNeeds() {
        assertEquals(13000, new PtxIsa(9, 0).minimumDriverCudaVersion());
        assertEquals("580", new PtxIsa(9, 0).minimumDriverBranch());
        assertEquals(12080, new PtxIsa(8, 7).minimumDriverCudaVersion());
        assertEquals(13000, new PtxIsa(9, 3).minimumDriverCudaVersion(), "unknown newer ISA: assume the newest known requirement");
        List<Integer> ordered = new ArrayList<>();
        for (int v : new int[] {78, 80, 81, 82, 83, 84, 85, 86, 87, 88, 90}) ordered.add(new PtxIsa(v / 10, v % 10).minimumDriverCudaVersion());
        assertEquals(ordered.stream().sorted().toList(), ordered, "requirements grow with the ISA");
    }
}
