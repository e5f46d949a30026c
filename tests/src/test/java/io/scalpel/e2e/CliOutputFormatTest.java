package io.scalpel.e2e;

import io.scalpel.testing.GoldenFixture;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine commands' files are in the golden fixtures' format and agree with them. */
class CliOutputFormatTest {
    @TempDir Path tmp;

    private static float[] floats(Path p) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(out);
        return out;
    }

    private static String ids(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    @Test void logitsAndHiddenFilesMatchTheGoldenFiles() throws IOException {
        for (String name : new String[]{"llama_gqa", "qwen2_bias_tied", "llama2c_gqa_unshared"}) {
            GoldenFixture f = GoldenFixture.load(name);
            Path logits = tmp.resolve(name + "-logits.bin"), hidden = tmp.resolve(name + "-hidden.bin");
            assertEquals(0, Cli.run("logits", "--model", f.modelPath().toString(), "--tokens", ids(f.inputIds()), "--out", logits.toString()).exitCode());
            assertEquals(0, Cli.run("hidden", "--model", f.modelPath().toString(), "--tokens", ids(f.inputIds()), "--out", hidden.toString()).exitCode());
            double l = GoldenFixture.relativeL2(floats(logits), f.logits()), h = GoldenFixture.relativeL2(floats(hidden), f.hiddenStates());
            assertTrue(l <= f.logitsTolerance() && h <= f.logitsTolerance(), name + ": logits " + l + ", hidden " + h);
        }
    }

    @Test void generateStreamsTheGoldenGreedyTextAndTokenizeGivesTheFixtureIds() {
        GoldenFixture f = GoldenFixture.load("stories260K");
        String model = SharedData.require("models/stories260K/stories260K.bin").toString();
        Cli tok = Cli.run("tokenize", "--tokenizer", SharedData.require("models/stories260K/tok512.bin").toString(), "--text", "Once upon a time");
        assertEquals(Arrays.stream(f.inputIds()).mapToObj(Integer::toString).collect(Collectors.joining(" ")), tok.out().strip());
        Cli gen = Cli.run("generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", String.valueOf(f.greedyTokens().length));
        assertEquals(0, gen.exitCode(), gen.err());
        assertEquals(f.expected().get("greedy_text").asText(), gen.out().strip());
        assertTrue(gen.err().contains("tok/s"), gen.err());
    }
}
