package io.scalpel.e2e;

import io.scalpel.testing.GoldenFixture;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code scalpel generate --device emu}: the CUDA backend on the PTX interpreter gives the CPU's (and the golden) greedy text. */
class GenerateOnInterpreterTest {

    @Test
    void greedyTextOnTheInterpreterEqualsTheCpus() {
        GoldenFixture f = GoldenFixture.load("stories260K");
        String model = SharedData.require("models/stories260K/stories260K.bin").toString();
        String tokens = String.valueOf(f.greedyTokens().length);
        Cli cpu = Cli.run("generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", tokens, "--device", "cpu");
        Cli emu = Cli.run("generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", tokens, "--device", "emu");
        // An explicit --device emu never falls back to the CPU: it runs on the interpreter or fails.
        assertEquals(0, emu.exitCode(), emu.err());
        assertEquals(cpu.out().strip(), emu.out().strip());
        assertEquals(f.expected().get("greedy_text").asText(), emu.out().strip());
    }
}
