package io.scalpel.e2e;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.io.GgufReader;
import io.scalpel.io.ModelFormat;
import io.scalpel.model.LayerWeights;
import io.scalpel.model.ModelWeights;
import io.scalpel.model.RopeScaling;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.export.GgufExporter;
import io.scalpel.surgery.export.HuggingFaceExporter;
import io.scalpel.tensor.Tensor;
import io.scalpel.testing.GoldenFixture;
import io.scalpel.testing.SharedData;
import io.scalpel.tokenizer.Tokenizer;
import io.scalpel.tokenizer.TokenizerLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GGUF export: every tensor comes back bit for bit after Scalpel loads the file (q/k permuted to GGUF's
 * order on export and back at load), so the logits are identical; HF → GGUF → HF gives byte-identical
 * safetensors tensors; the file carries llama.cpp's keys and a tokenizer that encodes as the source's.
 */
class GgufExportRoundTripTest {
    @TempDir Path tmp;

    static Stream<String> models() {
        List<String> all = new ArrayList<>(List.of("models/stories260K/stories260K.bin", "models/stories260K/stories260K.gguf",
                "models/llama-2-tiny-random/llama-2-tiny-random.gguf"));
        for (String f : GoldenFixture.NAMES) {
            if (!f.equals("stories260K")) all.add("golden/" + f);
        }
        return all.stream();
    }

    private static Path modelPath(String relative) {
        Path p = SharedData.require(relative);
        return Files.exists(p.resolve("model.bin")) ? p.resolve("model.bin") : p;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void exportedGgufLoadsToTheSameWeightsAndLogits(String relative) throws IOException {
        Path model = modelPath(relative);
        Path gguf = tmp.resolve("model.weird-extension");
        int[] tokens;
        float[] before;
        List<Tensor> original;
        try (CpuBackend b = new CpuBackend(2); Checkpoint ck = Checkpoint.open(model);
             Transformer m = new Transformer(ck.config(), ck.weights(), b)) {
            tokens = new int[] {1, 5, 17, 42, Math.min(100, ck.config().vocabSize() - 1), 7};
            before = logits(m, tokens);
            Tokenizer tok = tokenizerOf(model);
            GgufExporter.export(ck, m, tok, gguf);
        }
        assertTrue(ModelFormat.detect(gguf) instanceof ModelFormat.Gguf, "recognised by content, whatever the extension");
        try (Checkpoint src = Checkpoint.open(model); Checkpoint back = Checkpoint.open(gguf)) {
            assertSameTensors(src.weights(), back.weights(), relative);
            assertEquals(src.config().dim(), back.config().dim());
            assertEquals(src.config().headDim(), back.config().headDim());
            assertEquals(src.config().kvHeads(), back.config().kvHeads());
            assertEquals(src.config().tiedEmbeddings(), back.config().tiedEmbeddings());
            assertEquals(src.config().normEps(), back.config().normEps());
            try (CpuBackend b = new CpuBackend(2); Transformer m = new Transformer(back.config(), back.weights(), b)) {
                float[] after = logits(m, tokens);
                if (src.config().ropeScaling() instanceof RopeScaling.Llama3) {
                    // llama.cpp stores Llama 3 scaling as per-frequency fp32 divisors: the same rule, rounded.
                    assertTrue(GoldenFixture.relativeL2(after, before) < 1e-5, "rel L2 " + GoldenFixture.relativeL2(after, before));
                } else {
                    assertArrayEquals(before, after, relative + ": logits of the exported GGUF");
                }
            }
            // A GGUF's rope_freqs has no Hugging Face form (the exporter refuses it), so Llama 3 scaling stops at GGUF.
            if (src.format() instanceof ModelFormat.HuggingFace hf && !(src.config().ropeScaling() instanceof RopeScaling.Llama3)) {
                Path again = tmp.resolve("hf-again");
                try (CpuBackend b = new CpuBackend(2); Transformer m = new Transformer(back.config(), back.weights(), b)) {
                    HuggingFaceExporter.export(back, m, null, again);
                }
                try (Arena a = Arena.ofConfined()) {
                    var first = io.scalpel.io.SafetensorsReader.openDirectory(hf.path(), a).tensors();
                    var second = io.scalpel.io.SafetensorsReader.openDirectory(again, a).tensors();
                    for (var e : first.entrySet()) {
                        Tensor t2 = second.get(e.getKey());
                        if (e.getKey().equals("lm_head.weight") && t2 == null && back.config().tiedEmbeddings()) continue;
                        assertTrue(t2 != null, "HF -> GGUF -> HF lost " + e.getKey());
                        assertEquals(e.getValue().dtype(), t2.dtype(), e.getKey());
                        assertArrayEquals(e.getValue().shape(), t2.shape(), e.getKey());
                        assertEquals(-1, e.getValue().data().mismatch(t2.data()), "HF -> GGUF -> HF changed bytes of " + e.getKey());
                    }
                }
            }
        }
    }

    /** Quantized tensors pass through as their blocks: the export loads to the same bytes (q/k rows moved as whole blocks). */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"q8_0", "q4_0", "q4_k", "q6_k"})
    void quantizedGgufExportKeepsEveryBlock(String dtype) throws IOException {
        var spec = io.scalpel.synth.SyntheticCheckpoint.Spec.parse("dim=256,hidden=512,layers=2,heads=4,kv=2,vocab=300,seq=64", dtype, "gguf", 3);
        Path source = io.scalpel.synth.SyntheticCheckpoint.write(spec, tmp.resolve(spec.fileName()), 2);
        Path exported = tmp.resolve("exported.gguf");
        int[] tokens = {1, 5, 17, 42};
        float[] before;
        try (CpuBackend b = new CpuBackend(2); Checkpoint ck = Checkpoint.open(source); Transformer m = new Transformer(ck.config(), ck.weights(), b)) {
            before = logits(m, tokens);
            GgufExporter.export(ck, m, null, exported);
        }
        try (Checkpoint src = Checkpoint.open(source); Checkpoint back = Checkpoint.open(exported)) {
            assertEquals(src.weights().layers().getFirst().gate().dtype(), back.weights().layers().getFirst().gate().dtype());
            assertSameTensors(src.weights(), back.weights(), dtype);
            try (CpuBackend b = new CpuBackend(2); Transformer m = new Transformer(back.config(), back.weights(), b)) {
                assertArrayEquals(before, logits(m, tokens), dtype + ": logits of the exported GGUF");
            }
        }
    }

    /** safetensors has no block types: a quantized model exports to HF as exactly the values the engine decodes. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"q8_0", "q4_k"})
    void quantizedModelExportsToHfAsItsDecodedValues(String dtype) throws IOException {
        var spec = io.scalpel.synth.SyntheticCheckpoint.Spec.parse("dim=256,hidden=512,layers=2,heads=4,kv=2,vocab=300,seq=64", dtype, "gguf", 5);
        Path source = io.scalpel.synth.SyntheticCheckpoint.write(spec, tmp.resolve(spec.fileName()), 2);
        Path exported = tmp.resolve("hf-" + dtype);
        try (CpuBackend b = new CpuBackend(2); Checkpoint ck = Checkpoint.open(source); Transformer m = new Transformer(ck.config(), ck.weights(), b)) {
            HuggingFaceExporter.export(ck, m, null, exported);
        }
        try (Checkpoint src = Checkpoint.open(source); Checkpoint back = Checkpoint.open(exported)) {
            LayerWeights a = src.weights().layers().getFirst(), e = back.weights().layers().getFirst();
            assertEquals(io.scalpel.tensor.DType.F32, e.gate().dtype());
            assertArrayEquals(a.gate().toFloatArray(), e.gate().toFloatArray(), dtype + ": gate_proj");
            assertArrayEquals(a.down().toFloatArray(), e.down().toFloatArray(), dtype + ": down_proj");
            assertArrayEquals(src.weights().embedding().toFloatArray(), back.weights().embedding().toFloatArray(), dtype + ": embedding");
        }
    }

    @Test void aWrongExtensionStillLoadsAndTheCommandSaysWhatItRecognised() throws IOException {
        Path renamed = tmp.resolve("stories260K.safetensors");
        Files.copy(SharedData.require("models/stories260K/stories260K.gguf"), renamed);
        Path out = tmp.resolve("logits.bin");
        Cli r = Cli.run("logits", "--model", renamed.toString(), "--tokens", "1,5,17", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("stories260K.safetensors is a GGUF (recognised by its content, not its name)"), r.err());
        Path llama2c = tmp.resolve("model.gguf");
        Files.copy(SharedData.require("models/stories260K/stories260K.bin"), llama2c);
        Files.copy(SharedData.require("models/stories260K/tok512.bin"), tmp.resolve("tokenizer.bin"));
        Cli g = Cli.run("generate", "--model", llama2c.toString(), "--prompt", "Once upon a time", "--max-tokens", "4");
        assertEquals(0, g.exitCode(), g.err());
        assertTrue(g.err().contains("model.gguf is a llama2.c checkpoint (recognised by its content"), g.err());
        Cli quiet = Cli.run("logits", "--model", SharedData.require("models/stories260K/stories260K.gguf").toString(), "--tokens", "1,5",
                "--out", tmp.resolve("quiet.bin").toString());
        assertFalse(quiet.err().contains("recognised"), "a name that says what the file is gets no line: " + quiet.err());
    }

    @Test void ggufCarriesLlamaCppKeysAndTheTokenizer() {
        Path bin = SharedData.require("models/stories260K/stories260K.bin");
        Path gguf = tmp.resolve("s.gguf");
        Tokenizer source = TokenizerLoader.load(SharedData.require("models/stories260K/tok512.bin"));
        try (CpuBackend b = new CpuBackend(1); Checkpoint ck = Checkpoint.open(bin); Transformer m = new Transformer(ck.config(), ck.weights(), b)) {
            GgufExporter.export(ck, m, source, gguf);
        }
        try (Arena a = Arena.ofConfined()) {
            var meta = GgufReader.open(gguf, a).metadata();
            assertEquals("llama", meta.getString("general.architecture", ""));
            assertEquals(32, meta.getInt("general.alignment", 0));
            assertEquals(64, meta.getInt("llama.embedding_length", 0));
            assertEquals(5, meta.getInt("llama.block_count", 0));
            assertEquals("llama", meta.getString("tokenizer.ggml.model", ""));
            assertEquals(512, meta.getStringList("tokenizer.ggml.tokens").size());
        }
        Tokenizer exported = TokenizerLoader.load(gguf);
        for (String text : List.of("Once upon a time", "Lily and Ben went to the park. They saw a big dog!")) {
            assertArrayEquals(source.encode(text, true), exported.encode(text, true), text);
        }
    }

    static Tokenizer tokenizerOf(Path model) {
        try {
            if (model.getFileName().toString().endsWith(".bin") && model.getParent().resolve("tok512.bin").toFile().exists()) {
                return TokenizerLoader.load(model.getParent().resolve("tok512.bin"));
            }
            return TokenizerLoader.load(model);
        } catch (RuntimeException e) {
            return null; // golden fixtures carry no tokenizer
        }
    }

    static float[] logits(Transformer m, int[] tokens) {
        try (Session s = m.newSession(tokens.length)) {
            return s.forwardAllLogits(tokens, null);
        }
    }

    static void assertSameTensors(ModelWeights a, ModelWeights b, String what) {
        assertSame(a.embedding(), b.embedding(), what);
        assertSame(a.finalNorm(), b.finalNorm(), what);
        assertSame(a.output(), b.output(), what);
        for (int l = 0; l < a.layers().size(); l++) {
            LayerWeights x = a.layers().get(l), y = b.layers().get(l);
            Tensor[] xs = {x.attnNorm(), x.wq(), x.wk(), x.wv(), x.wo(), x.bq(), x.bk(), x.bv(), x.ffnNorm(), x.gate(), x.up(), x.down()};
            Tensor[] ys = {y.attnNorm(), y.wq(), y.wk(), y.wv(), y.wo(), y.bq(), y.bk(), y.bv(), y.ffnNorm(), y.gate(), y.up(), y.down()};
            for (int i = 0; i < xs.length; i++) {
                if (xs[i] == null) {
                    assertEquals(null, ys[i], what + " layer " + l + " tensor " + i);
                    continue;
                }
                assertSame(xs[i], ys[i], what + " layer " + l);
            }
        }
    }

    private static void assertSame(Tensor x, Tensor y, String what) {
        assertEquals(x.dtype(), y.dtype(), what + " " + x.name());
        assertEquals(x.size(), y.size(), what + " " + x.name());
        assertEquals(-1, x.data().mismatch(y.data()), what + ": " + x.name() + " differs from " + y.name());
    }
}
