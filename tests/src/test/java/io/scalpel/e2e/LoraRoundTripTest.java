package io.scalpel.e2e;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.io.Checkpoint;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.edit.Surgeon;
import io.scalpel.surgery.lora.GgufLoraFile;
import io.scalpel.surgery.lora.LoraAdapter;
import io.scalpel.surgery.lora.LoraApplier;
import io.scalpel.surgery.lora.LoraFiles;
import io.scalpel.surgery.lora.LoraTarget;
import io.scalpel.surgery.lora.PeftLoraFile;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.tensor.DType;
import io.scalpel.testing.GoldenFixture;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A surgery patch exported as a PEFT LoRA and as a GGUF LoRA, applied with {@code --lora} to the base,
 * gives the logits of {@code --patch} and of the exported edited model; a LoRA of higher rank on every
 * projection applies the same from either file form, matches an independent fp64 reference, and
 * reverts exactly; bad LoRA inputs end with one line, exit code 2 and nothing written.
 */
class LoraRoundTripTest {
    @TempDir Path tmp;

    private static final int[] TOKENS = {1, 5, 17, 42, 100, 7, 250, 3};

    private Path stories() { return SharedData.require("models/stories260K/stories260K.bin"); }

    /** A patch of 12 selected rows over the layers (random direction, α = 1.08), written to {@code file}. */
    private static Patch writePatch(Path model, Path file, long seed) {
        try (CpuBackend b = new CpuBackend(2); Checkpoint ck = Checkpoint.open(model); Transformer m = new Transformer(ck.config(), ck.weights(), b)) {
            Random r = new Random(seed);
            float[] v = new float[ck.config().dim()];
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * 0.1);
            int[][] rows = GateRowSelector.select(Arrays.asList(GateCosines.compute(m, v)), 12).rows();
            Patch p = new Patch(v, 1.08f, rows, ck.config().layers(), SurgeryPipeline.identity(ck));
            PatchFile.write(file, p);
            return p;
        }
    }

    @Test void patchAsPeftAndGgufLoraGivesThePatchLogits() throws IOException {
        Path model = stories();
        Path patch = tmp.resolve("patch.safetensors");
        writePatch(model, patch, 3);
        Path peft = tmp.resolve("peft"), gguf = tmp.resolve("lora.gguf"), edited = tmp.resolve("edited");
        for (String[] args : List.of(new String[] {"lora-peft", peft.toString()}, new String[] {"lora-gguf", gguf.toString()},
                new String[] {"hf", edited.toString()})) {
            Cli r = Cli.run("export", "--model", model.toString(), "--patch", patch.toString(), "--format", args[0], "--out", args[1]);
            assertEquals(0, r.exitCode(), r.err());
        }
        assertTrue(Files.exists(peft.resolve("adapter_config.json")) && Files.exists(peft.resolve("adapter_model.safetensors")));
        String config = Files.readString(peft.resolve("adapter_config.json"));
        assertTrue(config.contains("\"peft_type\" : \"LORA\"") && config.contains("\"r\" : 1") && config.contains("\"lora_alpha\" : 1")
                && config.contains("\"gate_proj\""), config);

        float[] base = cliLogits(model.toString());
        float[] patched = cliLogits(model.toString(), "--patch", patch.toString());
        assertFalse(Arrays.equals(base, patched), "the patch must change the logits");
        float[] exported = cliLogits(edited.toString());
        for (Path lora : List.of(peft, peft.resolve("adapter_model.safetensors"), gguf)) {
            float[] viaLora = cliLogits(model.toString(), "--lora", lora.toString());
            assertTrue(GoldenFixture.relativeL2(viaLora, patched) <= 1e-6, lora + " vs --patch: " + GoldenFixture.relativeL2(viaLora, patched));
            assertTrue(GoldenFixture.relativeL2(viaLora, exported) <= 1e-6, lora + " vs exported model");
            assertArrayEquals(patched, viaLora, "rank one, scale one: the surgery's own fused multiply-add, so the same bits");
        }
        Cli asModel = Cli.run("info", "--model", gguf.toString());
        assertEquals(2, asModel.exitCode(), asModel.err());
        assertTrue(asModel.errorLine().contains("lora adapter, not a model"), asModel.errorLine());
    }

    /** 16-bit models: the LoRA gives the patch's stored bits in every edited row (both round once from fp32). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"golden/llama_f16", "golden/llama_bf16"})
    void sixteenBitGateRowsEqualThePatchBits(String relative) {
        Path model = SharedData.require(relative);
        Patch patch = writePatch(model, tmp.resolve("p.safetensors"), 5);
        try (CpuBackend b = new CpuBackend(2); Checkpoint ck = Checkpoint.open(model);
             Transformer viaPatch = new Transformer(ck.config(), ck.weights(), b);
             Transformer viaLora = new Transformer(ck.config(), ck.weights(), b)) {
            new Surgeon(viaPatch).apply(patch.rows(), patch.direction(), patch.alpha());
            LoraAdapter lora = LoraAdapter.fromPatches(List.of(patch), ck.config(), relative);
            PeftLoraFile.write(lora, tmp.resolve("peft"));
            LoraApplier.apply(viaLora, LoraFiles.read(tmp.resolve("peft"), ck.config()));
            for (int l = 0; l < ck.config().layers(); l++) {
                int[] all = IntStream.range(0, ck.config().hiddenDim()).toArray();
                assertArrayEquals(b.readRows(viaPatch.gateWeights().get(l), all), b.readRows(viaLora.gateWeights().get(l), all), "layer " + l);
            }
        }
    }

    @Test void rankTwoLoraOnEveryProjectionFromPeftAndGgufMatchesAnFp64ReferenceAndReverts() throws IOException {
        Path model = stories();
        try (CpuBackend b = new CpuBackend(2); Checkpoint ck = Checkpoint.open(model); Transformer m = new Transformer(ck.config(), ck.weights(), b)) {
            var c = ck.config();
            Random rnd = new Random(11);
            List<LoraAdapter.Update> updates = new ArrayList<>();
            for (LoraTarget t : LoraTarget.values()) {
                int l = rnd.nextInt(c.layers());
                var original = t.of(ck.weights().layers().get(l));
                int out = original.rows(), in = original.cols();
                float[] a = new float[2 * in], bm = new float[out * 2];
                for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian() * 0.05f;
                for (int i = 0; i < bm.length; i++) bm[i] = rnd.nextInt(3) == 0 ? (float) rnd.nextGaussian() : 0f;
                updates.add(new LoraAdapter.Update(l, t, in, out, a, bm));
            }
            LoraAdapter lora = new LoraAdapter(2, 3f, "stories260K", updates);
            PeftLoraFile.write(lora, tmp.resolve("peft"));
            GgufLoraFile.write(lora, c, "llama", tmp.resolve("lora.gguf"));
            LoraAdapter fromPeft = LoraFiles.read(tmp.resolve("peft"), c), fromGguf = LoraFiles.read(tmp.resolve("lora.gguf"), c);
            assertEquals(1.5f, fromGguf.scale());

            float[] base = GgufExportRoundTripTest.logits(m, TOKENS);
            LoraApplier.Applied applied = LoraApplier.apply(m, fromPeft);
            float[] peftLogits = GgufExportRoundTripTest.logits(m, TOKENS);
            for (LoraAdapter.Update u : updates) {
                var original = u.target().of(ck.weights().layers().get(u.layer()));
                var resident = u.target().of(m.layers().get(u.layer()));
                float[] now = floats(b.readRows(resident, IntStream.range(0, u.out()).toArray()));
                for (int i = 0; i < u.out(); i += 7) {
                    for (int j = 0; j < u.in(); j += 5) {
                        double ref = original.getFloat((long) i * u.in() + j) + 1.5 * ((double) u.b()[i * 2] * u.a()[j] + (double) u.b()[i * 2 + 1] * u.a()[u.in() + j]);
                        assertEquals((float) ref, now[i * u.in() + j], 1e-6f * Math.max(1, Math.abs((float) ref)), u.target() + " [" + i + "," + j + "]");
                    }
                }
            }
            LoraApplier.revert(m, applied);
            assertArrayEquals(base, GgufExportRoundTripTest.logits(m, TOKENS), "revert restores the base exactly");
            LoraApplier.Applied again = LoraApplier.apply(m, fromGguf);
            assertArrayEquals(peftLogits, GgufExportRoundTripTest.logits(m, TOKENS), "the GGUF form (q/k rows of B interleaved) applies as the PEFT form");
            LoraApplier.revert(m, again);
        }
    }

    @Test void badLoraInputsEndWithOneLineExitTwoAndNothingWritten() throws IOException {
        Path model = stories();
        // A LoRA for another shape: mistral's fixture has 192 gate rows, stories260K 172.
        Path other = SharedData.require("golden/mistral");
        Path otherPatch = tmp.resolve("other.safetensors");
        writePatch(other, otherPatch, 7);
        Path otherLora = tmp.resolve("other-lora");
        assertEquals(0, Cli.run("export", "--model", other.toString(), "--patch", otherPatch.toString(), "--format", "lora-peft",
                "--out", otherLora.toString()).exitCode());

        Path rankMismatch = Files.createDirectory(tmp.resolve("rank"));
        Files.writeString(rankMismatch.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 2}");
        new SafetensorsWriter()
                .addFloats("base_model.model.model.layers.0.mlp.gate_proj.lora_A.weight", DType.F32, new long[] {1, 64}, new float[64])
                .addFloats("base_model.model.model.layers.0.mlp.gate_proj.lora_B.weight", DType.F32, new long[] {172, 1}, new float[172])
                .write(rankMismatch.resolve("adapter_model.safetensors"), SafetensorsWriter.WriteMode.CREATE_NEW);

        Path missing = Files.createDirectory(tmp.resolve("missing"));
        Files.writeString(missing.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 1, \"lora_alpha\": 1}");
        new SafetensorsWriter()
                .addFloats("base_model.model.model.layers.0.mlp.gate_proj.lora_A.weight", DType.F32, new long[] {1, 64}, new float[64])
                .write(missing.resolve("adapter_model.safetensors"), SafetensorsWriter.WriteMode.CREATE_NEW);

        Path notLora = SharedData.require("models/stories260K/stories260K.gguf");
        for (Path bad : List.of(otherLora, rankMismatch, missing, notLora, tmp.resolve("absent"))) {
            Path out = tmp.resolve("out-" + bad.getFileName());
            Cli r = Cli.run("export", "--model", model.toString(), "--lora", bad.toString(), "--out", out.toString());
            assertEquals(2, r.exitCode(), bad + ": " + r.err());
            assertTrue(r.errorLine().startsWith("scalpel: ") && r.errorLine().contains(bad.getFileName().toString()), r.errorLine());
            assertFalse(r.err().contains("Exception"), r.err());
            assertFalse(Files.exists(out), "nothing written for " + bad);
            assertTrue(Files.list(tmp).noneMatch(p -> p.getFileName().toString().startsWith(".out-")), "no staging left behind");
        }
        Cli noPatch = Cli.run("export", "--model", model.toString(), "--format", "lora-peft", "--out", tmp.resolve("np").toString());
        assertEquals(2, noPatch.exitCode());
        assertFalse(Files.exists(tmp.resolve("np")));
    }

    private static float[] floats(byte[] bits) {
        float[] out = new float[bits.length / 4];
        ByteBuffer.wrap(bits).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private float[] cliLogits(String model, String... extra) throws IOException {
        Path out = Files.createTempFile(tmp, "logits", ".bin");
        Files.delete(out);
        List<String> args = new ArrayList<>(List.of("logits", "--model", model, "--tokens",
                Arrays.stream(TOKENS).mapToObj(Integer::toString).collect(Collectors.joining(",")), "--out", out.toString()));
        args.addAll(List.of(extra));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        return floats(Files.readAllBytes(out));
    }
}
