package io.scalpel.surgery.patch;

import io.scalpel.io.CheckpointException;
import io.scalpel.io.SafetensorsReader;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A patch file is checked against its own content hash and bounds before any array is sized by it (issue #11). */
class PatchIntegrityTest {
    @TempDir Path dir;

    private static final ModelIdentity ID = new ModelIdentity("llama", 4, 3, 10, 32, "F32", "ab".repeat(32));
    private static final Patch PATCH = new Patch(new float[]{0.5f, -1.25f, 3e-4f, 7f}, 1.08f, new int[][]{{2, 9}, {0, 0}, {1, 3}}, 3, ID);

    /** Rewrites {@code PATCH}'s file with metadata edits and an optional replacement of the rows. */
    private Path edited(String name, Map<String, String> metaEdits, int[] rows) {
        Path original = dir.resolve("original-" + name);
        PatchFile.write(original, PATCH);
        Map<String, String> meta;
        float[] direction;
        int[] flat;
        try (Arena arena = Arena.ofConfined()) {
            var st = SafetensorsReader.open(original, arena);
            meta = new LinkedHashMap<>(st.metadata());
            direction = st.tensor("direction").toFloatArray();
            Tensor r = st.tensor("rows");
            flat = r.data().toArray(ValueLayout.JAVA_INT);
        }
        meta.putAll(metaEdits);
        Path file = dir.resolve(name);
        new SafetensorsWriter().metadata(meta)
                .addFloats("direction", DType.F32, new long[]{4}, direction)
                .addInts("rows", new long[]{3, 2}, rows != null ? rows : flat)
                .write(file, SafetensorsWriter.WriteMode.CREATE_NEW);
        return file;
    }

    private static void refused(Path file, String mustContain) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> PatchFile.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(mustContain), e.getMessage());
    }

    @Test void untouchedPatchReads() {
        assertEquals(PATCH, PatchFile.read(edited("same.safetensors", Map.of(), null)));
    }

    @Test void aRowChangedToAnotherValidRowIsRefused() {
        refused(edited("row.safetensors", Map.of(), new int[]{2, 8, 0, 0, 1, 3}), "content_sha256");
    }

    @Test void anEditedAlphaIsRefused() {
        refused(edited("alpha.safetensors", Map.of("alpha", "1.5"), null), "content_sha256");
        refused(edited("huge-alpha.safetensors", Map.of("alpha", "3e38"), null), "alpha");
        refused(edited("nan-alpha.safetensors", Map.of("alpha", "NaN"), null), "alpha");
    }

    @Test void absurdSizesInTheMetadataDoNotExhaustMemory() {
        // Arrays were sized by num_layers / intermediate_size before: OutOfMemoryError. Now the identity is
        // read as it is and refused where it is compared with the model.
        for (String key : new String[]{"num_layers", "intermediate_size"}) {
            Patch p = PatchFile.read(edited(key + ".safetensors", Map.of(key, "2147483647"), null));
            var e = assertThrows(PatchMismatchException.class, () -> p.identity().checkCompatible(ID));
            assertTrue(e.getMessage().contains("2147483647"), e.getMessage());
        }
        refused(edited("k.safetensors", Map.of("k", "2147483647"), null), "K");
    }

    @Test void aPatchWithoutAContentHashIsRefused() {
        Path file = edited("nohash.safetensors", Map.of(), null);
        Map<String, String> meta;
        try (Arena arena = Arena.ofConfined()) {
            meta = new LinkedHashMap<>(SafetensorsReader.open(file, arena).metadata());
        }
        meta.remove("content_sha256");
        Path stripped = dir.resolve("stripped.safetensors");
        new SafetensorsWriter().metadata(meta).addFloats("direction", DType.F32, new long[]{4}, PATCH.direction())
                .addInts("rows", new long[]{3, 2}, new int[]{2, 9, 0, 0, 1, 3}).write(stripped, SafetensorsWriter.WriteMode.CREATE_NEW);
        refused(stripped, "content_sha256");
    }

    @Test void alphaIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> new Patch(PATCH.direction(), Patch.MAX_ABS_ALPHA * 2, PATCH.rows(), 3, ID));
        assertThrows(IllegalArgumentException.class, () -> new Patch(new float[]{3e38f, 0, 0, 0}, 10f, PATCH.rows(), 3, ID));
        new Patch(PATCH.direction(), -Patch.MAX_ABS_ALPHA, PATCH.rows(), 3, ID);
    }

    @Test void revertCheckFindsAWrongPatch() {
        try (Arena arena = Arena.ofConfined()) {
            float[] w = new float[10 * 4];
            for (int i = 0; i < w.length; i++) w[i] = (i % 7) * 0.25f - 0.5f;
            List<Tensor> base = List.of(gate(arena, "b0", w), gate(arena, "b1", w), gate(arena, "b2", w));
            ModelIdentity id = new ModelIdentity("llama", 4, 3, 10, 32, "F32", ModelIdentity.gateHash(base));
            Patch p = new Patch(new float[]{0.5f, -1.25f, 3e-4f, 7f}, 1.08f, new int[][]{{2, 9}, {0, 0}}, 3, id);
            float[][] edited = {w.clone(), w.clone(), w.clone()};
            for (int k = 0; k < p.size(); k++) {
                for (int j = 0; j < 4; j++) edited[p.layerOf(k)][p.rowOf(k) * 4 + j] = Math.fma(1.08f, p.direction()[j], w[p.rowOf(k) * 4 + j]);
            }
            List<Tensor> ed = List.of(gate(arena, "e0", edited[0]), gate(arena, "e1", edited[1]), gate(arena, "e2", edited[2]));
            AppliedPatchCheck.requireApplied(p, base, ed, Path.of("edited"));
            Patch other = new Patch(p.direction(), 1.08f, new int[][]{{2, 8}, {0, 0}}, 3, id);
            assertThrows(PatchMismatchException.class, () -> AppliedPatchCheck.requireApplied(other, base, ed, Path.of("edited")));
            Patch subset = new Patch(p.direction(), 1.08f, new int[][]{{0, 0}}, 3, id);
            var e = assertThrows(PatchMismatchException.class, () -> AppliedPatchCheck.requireApplied(subset, base, ed, Path.of("edited")));
            assertTrue(e.getMessage().contains("other edits"), e.getMessage());
        }
    }

    private static Tensor gate(Arena arena, String name, float[] values) {
        MemorySegment seg = arena.allocate(values.length * 4L);
        MemorySegment.copy(values, 0, seg, Tensor.F32_LE, 0, values.length);
        return new Tensor(name, DType.F32, new long[]{10, 4}, seg);
    }
}
