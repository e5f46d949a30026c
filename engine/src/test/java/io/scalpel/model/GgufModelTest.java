package io.scalpel.model;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.testing.GoldenFixture;
import io.scalpel.testing.SharedData;
import io.scalpel.tokenizer.Tokenizer;
import io.scalpel.tokenizer.TokenizerLoader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GGUF models: the same weights as llama2.c give the same logits; the F16 32k-vocabulary model runs. */
class GgufModelTest {

    private static float[] logits(String model, int[] ids) {
        try (CpuBackend b = new CpuBackend(2); Checkpoint ck = Checkpoint.open(SharedData.require(model));
             Transformer m = new Transformer(ck.config(), ck.weights(), b); Session s = m.newSession(ids.length)) {
            return s.forwardAllLogits(ids, null);
        }
    }

    @Test void stories260KGgufAndLlama2cGiveTheSameLogitsAndMatchTheGoldenFixture() {
        GoldenFixture f = GoldenFixture.load("stories260K");
        float[] gguf = logits("models/stories260K/stories260K.gguf", f.inputIds());
        float[] bin = logits("models/stories260K/stories260K.bin", f.inputIds());
        assertTrue(GoldenFixture.relativeL2(gguf, bin) < 1e-6, "gguf vs bin rel L2 " + GoldenFixture.relativeL2(gguf, bin));
        assertTrue(GoldenFixture.relativeL2(gguf, f.logits()) <= f.logitsTolerance());
    }

    @Test void stories260KGreedyTextFromOnceUponATime() {
        GoldenFixture f = GoldenFixture.load("stories260K");
        Tokenizer tok = TokenizerLoader.load(SharedData.require("models/stories260K/stories260K.gguf"));
        int[] prompt = tok.encode("Once upon a time", true);
        assertArrayEquals(f.inputIds(), prompt);
        try (CpuBackend b = new CpuBackend(2); Checkpoint ck = Checkpoint.open(SharedData.require("models/stories260K/stories260K.gguf"));
             Transformer m = new Transformer(ck.config(), ck.weights(), b); Session s = m.newSession(128)) {
            int[] out = io.scalpel.sample.Generator.generate(s, prompt, f.greedyTokens().length,
                    io.scalpel.sample.SamplingSettings.greedy(), -1, t -> {}).tokens();
            assertArrayEquals(f.greedyTokens(), out);
            String text = tok.decode(concat(prompt, out));
            assertEquals(f.expected().get("greedy_text").asText(), text);
        }
    }

    @Test void llama2TinyRandomF16LoadsWithItsFullVocabulary() {
        try (Checkpoint ck = Checkpoint.open(SharedData.require("models/llama-2-tiny-random/llama-2-tiny-random.gguf"))) {
            assertEquals(32000, ck.config().vocabSize());
            assertEquals(io.scalpel.tensor.DType.F16, ck.weights().layers().getFirst().gate().dtype());
        }
        Tokenizer tok = TokenizerLoader.load(SharedData.require("models/llama-2-tiny-random/llama-2-tiny-random.gguf"));
        float[] l = logits("models/llama-2-tiny-random/llama-2-tiny-random.gguf", tok.encode("Hello world", true));
        for (float x : l) assertFalse(Float.isNaN(x));
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
