package io.scalpel.e2e;

import io.scalpel.io.Checkpoint;
import io.scalpel.io.GgufFile;
import io.scalpel.io.GgufReader;
import io.scalpel.io.GgufTensorInfo;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.tensor.DType;
import io.scalpel.tensor.Tensor;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A llama.cpp-style Q4_K_M GGUF (Q4_K matrices; Q6_K for output.weight and the last layer's attn_v and ffn_down;
 * F32 norms; file type 15) through every command of the goal: {@code info} shows the mix and the file
 * type, {@code generate} and {@code surgery} run, {@code export --format gguf} of the edited model changes exactly
 * the patched gate rows and keeps every tensor type and file type 15, {@code export --format hf} holds the
 * decoded values, and {@code revert} restores the patched rows exactly; the surgery report states what
 * re-quantizing the edited rows cost. (Supersedes the all-Q4_K CLI test: this file is Q4_K apart from the Q6_K
 * tensors.) Tokenizer: stories260K's tok512.bin
 * (512 ids, the synth vocabulary).
 */
class Q4KMediumEndToEndTest {
    private static final String SHAPE = "dim=256,hidden=512,layers=2,heads=4,kv=2,vocab=512,seq=128,tied=false";

    @TempDir Path tmp;

    @Test
    void infoGenerateSurgeryExportAndRevertOnAQ4KMGguf() throws Exception {
        Path model = tmp.resolve("q4km.gguf");
        Cli synth = Cli.run("synth", "--shape", SHAPE, "--dtype", "q4_k_m", "--format", "gguf", "--out", model.toString());
        assertEquals(0, synth.exitCode(), synth.err());

        Cli info = Cli.run("info", "--model", model.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("file_type:     15 (MOSTLY_Q4_K_M)"), info.out());
        assertTrue(info.out().contains("Q6_K  blk.*.attn_v.weight (layer 1), blk.*.ffn_down.weight (layer 1), output.weight"), info.out());
        assertTrue(info.out().contains("Q4_K  token_embd.weight, blk.*.attn_q.weight (all layers)"), info.out());
        assertTrue(info.out().contains("F32   blk.*.attn_norm.weight (all layers)"), info.out());

        String tokenizer = SharedData.require("models/stories260K/tok512.bin").toString();
        Cli gen = Cli.run("generate", "--model", model.toString(), "--tokenizer", tokenizer, "--prompt", "Once upon a time", "--max-tokens", "6");
        assertEquals(0, gen.exitCode(), gen.err());
        assertFalse(gen.out().isBlank());

        Path prompts = SharedData.require("data/toxigen/prompts");
        Path surgery = tmp.resolve("surgery");
        Cli s = Cli.run("surgery", "--model", model.toString(), "--tokenizer", tokenizer, "--out", surgery.toString(),
                "--avoid", prompts.resolve("hate_asian_1k.txt").toString(), "--keep", prompts.resolve("neutral_asian_1k.txt").toString(),
                "--max-per-class", "40", "--max-tokens", "24", "--new-tokens", "8", "--max-prompts", "4", "--controls", "1",
                "--no-cache", "--top-k", "20", "--alpha", "4");
        assertEquals(0, s.exitCode(), s.err());
        String report = Files.readString(surgery.resolve("report.md"));
        assertTrue(report.contains("Stored edit: ‖stored − (w + αv)‖ / ‖αv‖"), "the report states the re-quantization's cost: " + report);
        Path patchFile = surgery.resolve("patch.safetensors");
        Patch patch = PatchFile.read(patchFile);

        Path edited = tmp.resolve("edited.gguf");
        Cli gguf = Cli.run("export", "--model", model.toString(), "--patch", patchFile.toString(), "--format", "gguf", "--out", edited.toString());
        assertEquals(0, gguf.exitCode(), gguf.err());
        try (Arena a = Arena.ofConfined()) {
            GgufFile source = GgufReader.open(model, a), out = GgufReader.open(edited, a);
            assertEquals(15, out.metadata().getInt("general.file_type", -1), "the source's file type, not Q4_K_S's 14");
            for (GgufTensorInfo t : source.tensorInfos()) assertEquals(t.type(), out.tensorInfo(t.name()).type(), t.name());
            for (int layer = 0; layer < 2; layer++) {
                Tensor before = source.tensor("blk." + layer + ".ffn_gate.weight", a), after = out.tensor("blk." + layer + ".ffn_gate.weight", a);
                assertEquals(DType.Q4_K, after.dtype());
                Set<Integer> patched = patchedRows(patch, layer);
                long rowBytes = DType.Q4_K.rowBytes(after.cols());
                for (int r = 0; r < after.rows(); r++) {
                    boolean same = MemorySegment.mismatch(before.data(), r * rowBytes, (r + 1) * rowBytes, after.data(), r * rowBytes, (r + 1) * rowBytes) < 0;
                    assertEquals(!patched.contains(r), same, "layer " + layer + " gate row " + r + (patched.contains(r) ? " is patched" : " is not patched"));
                }
            }
        }

        Path hf = tmp.resolve("hf");
        Cli hfExport = Cli.run("export", "--model", model.toString(), "--format", "hf", "--out", hf.toString());
        assertEquals(0, hfExport.exitCode(), hfExport.err());
        assertGatesEqualDecodedSource(model, hf, "export --format hf");

        Path restored = tmp.resolve("restored");
        Cli revert = Cli.run("revert", "--model", edited.toString(), "--base", model.toString(), "--revert", patchFile.toString(),
                "--out", restored.toString());
        assertEquals(0, revert.exitCode(), revert.err());
        assertGatesEqualDecodedSource(model, restored, "revert of the edited Q4_K_M export");
    }

    private static Set<Integer> patchedRows(Patch p, int layer) {
        Set<Integer> rows = new HashSet<>();
        for (int k = 0; k < p.size(); k++) if (p.layerOf(k) == layer) rows.add(p.rowOf(k));
        return rows;
    }

    /** Every gate value of the F32 Hugging Face directory is the reference decode of the source's Q4_K blocks. */
    private static void assertGatesEqualDecodedSource(Path source, Path hfDir, String what) {
        try (Checkpoint q = Checkpoint.open(source); Checkpoint f = Checkpoint.open(hfDir)) {
            for (int layer = 0; layer < q.config().layers(); layer++) {
                Tensor blocks = q.weights().layers().get(layer).gate(), widened = f.weights().layers().get(layer).gate();
                assertEquals(DType.Q4_K, blocks.dtype());
                float[] expected = new float[Math.toIntExact(blocks.size())];
                DType.Q4_K.codec().decodeRow(blocks.data(), 0, expected.length, expected, 0);
                assertArrayEquals(expected, widened.toFloatArray(), what + ": layer " + layer + " gate");
                assertFalse(Arrays.equals(expected, new float[expected.length]), "gate not all zero");
            }
        }
    }
}
