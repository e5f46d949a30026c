package io.scalpel.e2e;

import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A quantized GGUF on the CUDA backend, run by the PTX interpreter ({@code --device emu}): every op of the
 * forward pass takes the blocks as stored (embedding gather, decode matvec, prefill GEMM; Q6_K comes in through
 * the Q4_K_M mix). Greedy text equals the CPU's, and the logits of a prompt are within 1e-4 relative L2 of the
 * CPU's (both decode the blocks to the same values; only the fp32 summation order differs, which the kernel tests
 * bound at 1e-5 per product). One layer keeps the interpreter's run short.
 */
class QuantizedGenerateOnInterpreterTest {
    /** Rows of 256: whole Q4_K/Q6_K super-blocks. With one layer, Q4_K_M stores that layer's attn_v and ffn_down as Q6_K. */
    private static final String SHAPE = "dim=256,hidden=256,layers=1,heads=4,kv=2,vocab=512,seq=64,tied=false";

    @TempDir Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"q8_0", "q4_k", "q4_k_m"})
    void greedyTextAndLogitsOnTheInterpreterMatchTheCpu(String dtype) throws Exception {
        Path model = tmp.resolve(dtype + ".gguf");
        Cli synth = Cli.run("synth", "--shape", SHAPE, "--dtype", dtype, "--format", "gguf", "--seed", "5", "--out", model.toString());
        assertEquals(0, synth.exitCode(), synth.err());
        String tokenizer = SharedData.require("models/stories260K/tok512.bin").toString();

        Cli cpu = Cli.run("generate", "--model", model.toString(), "--tokenizer", tokenizer, "--prompt", "Once upon a time",
                "--max-tokens", "4", "--device", "cpu");
        Cli emu = Cli.run("generate", "--model", model.toString(), "--tokenizer", tokenizer, "--prompt", "Once upon a time",
                "--max-tokens", "4", "--device", "emu");
        assertEquals(0, cpu.exitCode(), cpu.err());
        assertEquals(0, emu.exitCode(), emu.err());
        assertEquals(cpu.out().strip(), emu.out().strip(), dtype + " greedy text");

        float[] expected = logits(model, tokenizer, "cpu"), actual = logits(model, tokenizer, "emu");
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (actual[i] - expected[i]) * (double) (actual[i] - expected[i]);
            norm += expected[i] * (double) expected[i];
        }
        assertTrue(norm > 0, "logits are not all zero");
        double rel = Math.sqrt(diff / norm);
        assertTrue(rel <= 1e-4, dtype + " logits relative L2 " + rel);
    }

    private float[] logits(Path model, String tokenizer, String device) throws Exception {
        Path out = tmp.resolve(model.getFileName() + "." + device + ".logits");
        Cli run = Cli.run("logits", "--model", model.toString(), "--tokenizer", tokenizer, "--tokens", "1,403,407,9,77,300",
                "--device", device, "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        assertEquals(6 * 512, f.length);
        return f;
    }
}
