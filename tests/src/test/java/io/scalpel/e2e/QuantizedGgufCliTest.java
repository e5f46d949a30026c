package io.scalpel.e2e;

import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A quantized GGUF through the command line: {@code synth --dtype q4_k --format gguf}, then {@code info},
 * {@code generate} and {@code surgery} on it (tokenizer from stories260K's tok512.bin, whose 512 ids the synth
 * vocabulary matches). The surgery report states what re-quantizing the edited rows cost.
 */
class QuantizedGgufCliTest {
    private static final String SHAPE = "dim=256,hidden=512,layers=2,heads=4,kv=2,vocab=512,seq=128";

    @TempDir Path tmp;

    @Test void synthInfoGenerateAndSurgeryOnAQ4KGguf() throws IOException {
        Path model = tmp.resolve("q4k.gguf");
        Cli synth = Cli.run("synth", "--shape", SHAPE, "--dtype", "q4_k", "--format", "gguf", "--out", model.toString());
        assertEquals(0, synth.exitCode(), synth.err());

        Cli info = Cli.run("info", "--model", model.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("Q4_K"), info.out());
        assertTrue(info.out().contains("F32="), "norms stay F32: " + info.out());

        String tokenizer = SharedData.require("models/stories260K/tok512.bin").toString();
        Cli gen = Cli.run("generate", "--model", model.toString(), "--tokenizer", tokenizer, "--prompt", "Once upon a time", "--max-tokens", "6");
        assertEquals(0, gen.exitCode(), gen.err());
        assertFalse(gen.out().isBlank());

        Path prompts = SharedData.require("data/toxigen/prompts");
        Path out = tmp.resolve("surgery");
        Cli s = Cli.run("surgery", "--model", model.toString(), "--tokenizer", tokenizer, "--out", out.toString(),
                "--avoid", prompts.resolve("hate_asian_1k.txt").toString(), "--keep", prompts.resolve("neutral_asian_1k.txt").toString(),
                "--max-per-class", "40", "--max-tokens", "24", "--new-tokens", "8", "--max-prompts", "4", "--controls", "1",
                "--no-cache", "--top-k", "20");
        assertEquals(0, s.exitCode(), s.err());
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("Stored edit: ‖stored − (w + αv)‖ / ‖αv‖"), report);
    }
}
