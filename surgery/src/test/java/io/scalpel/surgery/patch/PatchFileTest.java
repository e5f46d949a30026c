package io.scalpel.surgery.patch;

import io.scalpel.io.CheckpointException;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PatchFileTest {
    @TempDir Path dir;

    private static ModelIdentity identity(String hash) {
        return new ModelIdentity("LlamaForCausalLM", 4, 3, 10, 32000, "F32", hash);
    }

    private static Patch patch() {
        return new Patch(new float[]{0.5f, -1.25f, 3e-4f, 7f}, 1.08f, new int[][]{{2, 9}, {0, 0}, {1, 3}}, 3, identity("ab".repeat(32)));
    }

    @Test
    void roundTrip() {
        Path file = dir.resolve("detox.patch.safetensors");
        Patch p = patch();
        PatchFile.write(file, p);
        Patch q = PatchFile.read(file);
        assertEquals(p, q);
        assertEquals(1.08f, q.alpha());
        assertArrayEquals(new int[]{2, 9}, q.rows()[0]);
        assertThrows(CheckpointException.class, () -> PatchFile.write(file, p), "refuses to overwrite");
        PatchFile.write(file, p, SafetensorsWriter.WriteMode.REPLACE_EXISTING);
    }

    @Test
    void patchFromProbeAndSelection() {
        var meta = new io.scalpel.surgery.probe.ProbeMetadata(io.scalpel.surgery.probe.ProbeSolver.ADAM, 1, 1, 1, 0, 1, 1, 0, true, 1, "");
        var probe = new io.scalpel.surgery.probe.Probe(new float[][]{{0, 0, 0, 0}, {1, 2, 3, 4}}, new float[2], 3, meta);
        var selection = io.scalpel.surgery.select.GateRowSelector.select(List.of(new float[10], new float[]{0, -1, 0, 0, 0, 0, 0, 0, 0, 0}, new float[10]), 2);
        Patch p = Patch.of(probe, selection, -1f, identity("ab".repeat(32)));
        assertArrayEquals(new int[][]{{1, 1}, {0, 0}}, p.rows());
        assertArrayEquals(new float[]{1, 2, 3, 4}, p.direction());
        assertEquals(3, p.probeLayer());
    }

    @Test
    void gateHashIsSha256OverRawBytesInLayerOrder() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(8), b = arena.allocate(8);
            for (int i = 0; i < 8; i++) { a.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i); b.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (100 + i)); }
            List<Tensor> gates = List.of(new Tensor("l0", DType.F32, new long[]{1, 2}, a), new Tensor("l1", DType.F32, new long[]{1, 2}, b));
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(a.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            sha.update(b.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            assertEquals(HexFormat.of().formatHex(sha.digest()), ModelIdentity.gateHash(gates));
            assertNotEquals(ModelIdentity.gateHash(gates), ModelIdentity.gateHash(List.of(gates.get(1), gates.get(0))));
            assertEquals("F32", ModelIdentity.gateDtype(gates));
        }
    }

    @Test
    void compatibilityRefusalNamesWhatDiffers() {
        ModelIdentity mine = identity("ab".repeat(32));
        mine.checkCompatible(identity("AB".repeat(32)));
        ModelIdentity other = new ModelIdentity("LlamaForCausalLM", 4, 5, 10, 32000, "BF16", "cd".repeat(32));
        var e = assertThrows(PatchMismatchException.class, () -> mine.checkCompatible(other));
        String m = e.getMessage();
        assertFalse(m.contains("\n"));
        assertTrue(m.contains("layers 3 vs 5") && m.contains("dtype F32 vs BF16") && m.contains("SHA-256"), m);
        assertFalse(m.contains("hidden size"), m);
    }

    @Test
    void invalidPatchesAreRefused() {
        ModelIdentity id = identity("00".repeat(32));
        assertThrows(IllegalArgumentException.class, () -> new Patch(new float[3], 1f, new int[][]{{0, 0}}, 0, id));
        assertThrows(IllegalArgumentException.class, () -> new Patch(new float[4], 1f, new int[][]{{3, 0}}, 0, id));
        assertThrows(IllegalArgumentException.class, () -> new Patch(new float[4], 1f, new int[][]{{0, 10}}, 0, id));
        assertThrows(IllegalArgumentException.class, () -> new Patch(new float[4], 1f, new int[][]{{0, 1}, {0, 1}}, 0, id));
        assertThrows(IllegalArgumentException.class, () -> new Patch(new float[4], Float.NaN, new int[][]{{0, 1}}, 0, id));
        assertThrows(IllegalArgumentException.class, () -> new Patch(new float[4], 1f, new int[0][], 0, id));
    }

    @Test
    void readRejectsOtherSafetensorsFiles() {
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter().addFloats("x", DType.F32, new long[]{1}, new float[]{1}).write(file, SafetensorsWriter.WriteMode.CREATE_NEW);
        var e = assertThrows(CheckpointException.class, () -> PatchFile.read(file));
        assertTrue(e.getMessage().contains("not a Scalpel patch"), e.getMessage());

        Path bad = dir.resolve("bad.safetensors");
        new SafetensorsWriter().metadata("format", "scalpel-patch").metadata("format_version", "1").metadata("k", "1")
                .metadata("alpha", "1").metadata("probe_layer", "0").metadata("architecture", "x").metadata("hidden_size", "1")
                .metadata("num_layers", "1").metadata("intermediate_size", "2").metadata("vocab_size", "5")
                .metadata("gate_dtype", "F32").metadata("gate_sha256", "00")
                .addFloats("direction", DType.F32, new long[]{1}, new float[]{1})
                .addInts("rows", new long[]{1, 2}, new int[]{0, 7})
                .write(bad, SafetensorsWriter.WriteMode.CREATE_NEW);
        var e2 = assertThrows(CheckpointException.class, () -> PatchFile.read(bad));
        assertTrue(e2.getMessage().startsWith(bad.toString()) && e2.getMessage().contains("outside"), e2.getMessage());
    }
}
