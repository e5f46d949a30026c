package io.scalpel.synth;

import io.scalpel.io.GgmlType;
import io.scalpel.io.GgufFile;
import io.scalpel.io.GgufReader;
import io.scalpel.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code synth --dtype q4_k_m}: llama.cpp's MOSTLY_Q4_K_M type mix and file type 15. */
class Q4KMediumMixTest {

    /** use_more_bits for 32 layers, by hand: n/8 = 4, 7n/8 = 28, and (i − 4) % 3 == 2 for i = 6, 9, ..., 27. */
    @Test
    void layersGivenMoreBitsFor32Layers() {
        List<Integer> expected = List.of(0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31);
        assertEquals(expected, IntStream.range(0, 32).filter(i -> TypeMix.useMoreBits(i, 32)).boxed().toList());
        // Two layers: n/8 = 0 and 7n/8 = 1, so only the last layer.
        assertEquals(List.of(1), IntStream.range(0, 2).filter(i -> TypeMix.useMoreBits(i, 2)).boxed().toList());
    }

    /**
     * The tensor counts llama.cpp's loader prints for a Llama 2 7B Q4_K_M file: "type f32: 65 tensors, type q4_K: 193
     * tensors, type q6_K: 33 tensors" (norms; 7 matrices × 32 layers − 32 + token_embd; 16 attn_v + 16 ffn_down + output).
     */
    @Test
    void a7BShapeGetsLlamaCppsTensorCounts() {
        var spec = SyntheticCheckpoint.Spec.parse("7B", "q4_k_m", "gguf", 1);
        Map<DType, Integer> counts = new TreeMap<>();
        for (PlannedTensor t : TensorPlan.of(spec.format(), spec.shape())) counts.merge(spec.storedType(t), 1, Integer::sum);
        assertEquals(Map.of(DType.F32, 65, DType.Q4_K, 193, DType.Q6_K, 33), counts);
        assertEquals(15, spec.fileType());
        assertEquals("synth-7B-q4_k_m-s1.gguf", spec.fileName());
    }

    @Test
    void theWrittenFileHoldsTheMixAndFileType15(@TempDir Path dir) throws IOException {
        var spec = SyntheticCheckpoint.Spec.parse("dim=256,hidden=512,layers=2,heads=4,kv=2,vocab=300,seq=64,tied=false", "q4_k_m", "gguf", 2);
        Path file = SyntheticCheckpoint.write(spec, dir.resolve(spec.fileName()), 2);
        try (Arena arena = Arena.ofConfined()) {
            GgufFile g = GgufReader.open(file, arena);
            assertEquals(15, g.metadata().getInt("general.file_type", -1));
            Map<String, GgmlType> expected = Map.of(
                    "token_embd.weight", GgmlType.Q4_K, "output.weight", GgmlType.Q6_K, "output_norm.weight", GgmlType.F32,
                    "blk.0.attn_v.weight", GgmlType.Q4_K, "blk.0.ffn_down.weight", GgmlType.Q4_K, "blk.0.attn_q.weight", GgmlType.Q4_K,
                    "blk.1.attn_v.weight", GgmlType.Q6_K, "blk.1.ffn_down.weight", GgmlType.Q6_K, "blk.1.ffn_gate.weight", GgmlType.Q4_K,
                    "blk.1.attn_norm.weight", GgmlType.F32);
            expected.forEach((name, type) -> assertEquals(type, g.tensorInfo(name).type(), name));
        }
    }

    @Test
    void tiedEmbeddingsTakeTheOutputsType() {
        var spec = SyntheticCheckpoint.Spec.parse("dim=256,hidden=512,layers=2,heads=4,kv=2,vocab=300,seq=64,tied=true", "q4_k_m", "gguf", 2);
        PlannedTensor embd = TensorPlan.of(spec.format(), spec.shape()).getFirst();
        assertEquals("token_embd.weight", embd.name());
        assertEquals(DType.Q6_K, spec.storedType(embd));
    }

    @Test
    void theMixIsGgufOnly() {
        assertThrows(IllegalArgumentException.class, () -> SyntheticCheckpoint.Spec.parse("15M", "q4_k_m", "safetensors", 1));
    }
}
