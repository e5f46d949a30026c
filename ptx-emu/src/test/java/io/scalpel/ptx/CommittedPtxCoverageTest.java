package io.scalpel.ptx;

import io.scalpel.kernels.PtxModule;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every instruction of every committed PTX file decodes into something the interpreter executes. */
class CommittedPtxCoverageTest {

    @Test
    void everyCommittedInstructionIsImplemented() {
        // One example line per distinct opcode, so the message stays readable.
        Map<String, String> missing = new TreeMap<>();
        for (PtxModule m : PtxModule.values()) {
            for (String u : PtxParser.unsupported(m.stem() + ".ptx", m.load().text())) {
                String opcode = u.substring(u.indexOf(": ") + 2);
                missing.putIfAbsent(opcode, m.stem() + ".ptx " + u.substring(0, u.indexOf(':')));
            }
        }
        assertEquals(Map.of(), missing, "opcode/modifier combinations the interpreter does not implement");
    }

    @Test
    void everyEntryDecodesWithItsParametersAndShared() {
        int entries = 0, expected = 0;
        for (PtxModule m : PtxModule.values()) {
            List<KernelCode> kernels = PtxParser.parse(m.stem() + ".ptx", m.load().text());
            assertFalse(kernels.isEmpty(), m.stem());
            for (KernelCode k : kernels) {
                assertTrue(k.code().length > 1, k.name());
                assertFalse(k.params().isEmpty(), k.name());
            }
            entries += kernels.size();
            expected += m.load().text().split("\\.entry ").length - 1;
        }
        assertEquals(expected, entries, "entries in the committed PTX");
    }

    @Test
    void unknownInstructionsAreNamedWithTheirLine() {
        String ptx = """
                .version 9.0
                .target sm_80
                .address_size 64
                .visible .entry k(.param .u64 k_param_0)
                {
                \t.reg .b32 %r<3>;
                \tmov.u32 %r1, 1;
                \ttex.1d.v4.f32.s32 %r2, [%r1];
                \tret;
                }
                """;
        List<String> u = PtxParser.unsupported("t.ptx", ptx);
        assertEquals(1, u.size(), u.toString());
        assertTrue(u.get(0).startsWith("line 8: tex.1d.v4.f32.s32"), u.get(0));
    }
}
