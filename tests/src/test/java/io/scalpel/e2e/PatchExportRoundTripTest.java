package io.scalpel.e2e;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Session;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A patch applied to a fresh load gives exactly the logits of the in-process edit; the edited model
 * exported as a Hugging Face directory loads back with identical logits; reverting the patch from the
 * base restores the base logits exactly; the input files are never written.
 */
class PatchExportRoundTripTest {
    @TempDir Path tmp;

    private static final int[] TOKENS = {1, 5, 17, 42, 100, 7, 250, 3};

    private static float[] logits(Transformer m) {
        try (Session s = m.newSession(TOKENS.length)) {
            return s.forwardAllLogits(TOKENS, null);
        }
    }

    private static float[] readFloats(Path p) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(out);
        return out;
    }

    private float[] cliLogits(String model, String... extra) throws IOException {
        Path out = Files.createTempFile(tmp, "logits", ".bin");
        Files.delete(out);
        String[] args = new String[]{"logits", "--model", model, "--tokens",
                Arrays.stream(TOKENS).mapToObj(Integer::toString).collect(Collectors.joining(",")), "--out", out.toString()};
        String[] all = Arrays.copyOf(args, args.length + extra.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        Cli r = Cli.run(all);
        assertEquals(0, r.exitCode(), r.err());
        return readFloats(out);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"models/stories260K/stories260K.bin", "golden/llama_f16", "golden/qwen2_bias_tied", "models/stories260K/stories260K.gguf"})
    void patchExportAndRevertRoundTrip(String relative) throws IOException {
        Path model = SharedData.require(relative);
        byte[] modelBytesBefore = Files.isRegularFile(model) ? Files.readAllBytes(model) : null;
        Path patchFile = tmp.resolve("patch.safetensors");
        float[] base, edited;
        try (CpuBackend b = new CpuBackend(2); Checkpoint ck = Checkpoint.open(model);
             Transformer m = new Transformer(ck.config(), ck.weights(), b)) {
            base = logits(m);
            Random r = new Random(3);
            float[] v = new float[ck.config().dim()];
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * 0.1);
            int[][] rows = GateRowSelector.select(Arrays.asList(GateCosines.compute(m, v)), 12).rows();
            new Surgeon(m).apply(rows, v, 1.08f);
            edited = logits(m);
            PatchFile.write(patchFile, new Patch(v, 1.08f, rows, ck.config().layers(), SurgeryPipeline.identity(ck)));
        }
        assertFalse(Arrays.equals(base, edited), "the edit must change the logits");

        assertArrayEquals(edited, cliLogits(model.toString(), "--patch", patchFile.toString()), "patch on a fresh load");

        Path exported = tmp.resolve("exported");
        Cli ex = Cli.run("export", "--model", model.toString(), "--patch", patchFile.toString(), "--out", exported.toString());
        assertEquals(0, ex.exitCode(), ex.err());
        assertArrayEquals(edited, cliLogits(exported.toString()), "exported model reloaded");

        Path reverted = tmp.resolve("reverted");
        Cli rv = Cli.run("revert", "--model", exported.toString(), "--base", model.toString(), "--revert", patchFile.toString(),
                "--out", reverted.toString());
        assertEquals(0, rv.exitCode(), rv.err());
        assertArrayEquals(base, cliLogits(reverted.toString()), "reverted model");

        if (modelBytesBefore != null) assertArrayEquals(modelBytesBefore, Files.readAllBytes(model), "input untouched");
    }
}
