package io.scalpel.synth;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.ModelConfig;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticCheckpointTest {
    /** Small, but with GQA, an untied output and a tensor larger than one generation block. */
    static final String TINY = "dim=64,hidden=160,layers=2,heads=4,kv=2,vocab=4200,seq=64,tied=false";

    @TempDir Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"llama2c, f32", "safetensors, f32", "safetensors, f16", "safetensors, bf16", "gguf, f32", "gguf, f16", "gguf, bf16"})
    void roundTripsThroughCheckpointOpenAndRunsWithoutNaN(String format, String dtype) throws IOException {
        var spec = SyntheticCheckpoint.Spec.parse(TINY, dtype, format, 7);
        Path path = SyntheticCheckpoint.write(spec, dir.resolve(spec.fileName()));
        try (CpuBackend backend = new CpuBackend(2);
             Checkpoint ck = Checkpoint.open(path);
             Transformer model = new Transformer(ck.config(), ck.weights(), backend)) {
            ModelConfig c = ck.config();
            assertEquals(64, c.dim());
            assertEquals(160, c.hiddenDim());
            assertEquals(2, c.layers());
            assertEquals(4, c.heads());
            assertEquals(2, c.kvHeads());
            assertEquals(4200, c.vocabSize());
            assertFalse(c.tiedEmbeddings());
            DType expected = spec.dtype();
            assertEquals(expected, ck.weights().layers().getFirst().gate().dtype());
            assertArrayEquals(new float[64], minusOne(ck.weights().finalNorm().toFloatArray()), "norm gains are 1");
            float[] gate = ck.weights().layers().get(1).gate().toFloatArray();
            double mean = 0, sq = 0;
            for (float v : gate) { mean += v; sq += (double) v * v; }
            mean /= gate.length;
            double std = Math.sqrt(sq / gate.length - mean * mean);
            assertEquals(0, mean, 0.002);
            assertEquals(0.02, std, 0.001);
            try (Session s = model.newSession(8)) {
                float[] logits = s.forwardLastLogits(new int[]{1, 17, 4199, 3});
                for (float v : logits) assertTrue(Float.isFinite(v), "logit " + v);
            }
        }
    }

    @Test
    void sameSeedGivesSameBytesAndAnotherSeedDiffers() throws Exception {
        var spec = SyntheticCheckpoint.Spec.parse(TINY, "f32", "llama2c", 3);
        Path a = SyntheticCheckpoint.write(spec, dir.resolve("a.bin"), 1);
        Path b = SyntheticCheckpoint.write(spec, dir.resolve("b.bin"), 3);
        Path c = SyntheticCheckpoint.write(SyntheticCheckpoint.Spec.parse(TINY, "f32", "llama2c", 4), dir.resolve("c.bin"));
        assertEquals(sha256(a), sha256(b), "thread count must not change the bytes");
        assertNotEquals(sha256(a), sha256(c));
        var hf = SyntheticCheckpoint.Spec.parse(TINY, "bf16", "safetensors", 3);
        Path h1 = SyntheticCheckpoint.write(hf, dir.resolve("h1"), 2);
        Path h2 = SyntheticCheckpoint.write(hf, dir.resolve("h2"), 1);
        assertEquals(sha256(h1.resolve("model.safetensors")), sha256(h2.resolve("model.safetensors")));
        var gguf = SyntheticCheckpoint.Spec.parse(TINY, "f16", "gguf", 3);
        assertEquals(sha256(SyntheticCheckpoint.write(gguf, dir.resolve("g1.gguf"), 2)),
                sha256(SyntheticCheckpoint.write(gguf, dir.resolve("g2.gguf"), 1)));
    }

    @Test
    void refusesToOverwriteAndLeavesNoTemporaries() throws IOException {
        var spec = SyntheticCheckpoint.Spec.parse(TINY, "f32", "llama2c", 1);
        Path target = dir.resolve("m.bin");
        Files.writeString(target, "precious");
        assertThrows(FileAlreadyExistsException.class, () -> SyntheticCheckpoint.write(spec, target));
        assertEquals("precious", Files.readString(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "only the untouched target remains");
        }
    }

    @Test
    void llama2cRefuses16BitWithAClearMessage() {
        var e = assertThrows(IllegalArgumentException.class, () -> SyntheticCheckpoint.Spec.parse("15M", "bf16", "llama2c", 1));
        assertTrue(e.getMessage().contains("fp32 only"), e.getMessage());
    }

    @Test
    void namedShapesMatchThePublishedModels() {
        ModelConfig m110 = ModelShapes.parse("110M");
        assertEquals(768, m110.dim());
        assertEquals(2048, m110.hiddenDim());
        assertEquals(12, m110.layers());
        assertEquals(1024, m110.contextLength());
        ModelConfig b1 = ModelShapes.parse("1b");
        assertEquals(8, b1.kvHeads());
        assertEquals(64, b1.headDim());
        assertEquals(128256, b1.vocabSize());
        assertTrue(b1.tiedEmbeddings());
        assertEquals(500000.0, b1.ropeTheta());
        ModelConfig b7 = ModelShapes.parse("7B");
        assertEquals(11008, b7.hiddenDim());
        assertFalse(b7.tiedEmbeddings());
        // Parameter counts as published: 110M ≈ 110M (llama2.c counts the shared classifier once), 7B ≈ 6.74B.
        assertEquals(6_738_415_616L, b7.parameterCount(false));
        assertEquals(1_235_814_400L, b1.parameterCount(false));
        assertThrows(IllegalArgumentException.class, () -> ModelShapes.parse("3B"));
        assertThrows(IllegalArgumentException.class, () -> ModelShapes.parse("dim=64,hidden=128"));
    }

    private static float[] minusOne(float[] v) {
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) out[i] -= 1f;
        return out;
    }

    static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

}
