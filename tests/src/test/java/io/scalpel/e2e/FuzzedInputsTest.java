package io.scalpel.e2e;

import io.scalpel.io.CheckpointException;
import io.scalpel.io.GgufReader;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.probe.Probe;
import io.scalpel.surgery.probe.ProbeMetadata;
import io.scalpel.surgery.probe.ProbeSolver;
import io.scalpel.io.Checkpoint;
import io.scalpel.io.SafetensorsWriter;
import io.scalpel.synth.SyntheticCheckpoint;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutations of the small real files — bit flips and field edits in their headers (or anywhere,
 * for files whose every byte is structure or integrity-checked), and truncations — each run the way a
 * user would. Every mutant must end as accepted with finite logits, or as the project's own one-line
 * input error (exit code 2, no stack trace); never another exception, exit code 1 or a hang (each
 * mutant has a time limit). {@code -Dscalpel.fuzz.seed=N} reproduces or varies a run,
 * {@code -Dscalpel.fuzz.mutants=N} sets the mutants per file.
 */
class FuzzedInputsTest {
    private static final long SEED = Long.getLong("scalpel.fuzz.seed", 20261201L);
    private static final int MUTANTS = Integer.getInteger("scalpel.fuzz.mutants", 30);
    private static final long TIME_LIMIT_S = 60;
    private static final long[] INTERESTING = {0, 1, -1, 2, 0x7fffffffL, 0x80000000L, 0xffffffffL, 1L << 40, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final String[] INTERESTING_NUMBERS = {"0", "-1", "2", "2147483647", "2147483648", "-2147483648", "1e309", "2.5", "\"7\"", "null"};

    @TempDir static Path tmp;
    private static Path synthDir, patch, probe;

    @BeforeAll static void makeInputs() throws IOException {
        synthDir = tmp.resolve("synth");
        SyntheticCheckpoint.write(SyntheticCheckpoint.Spec.parse("dim=32,hidden=64,layers=2,heads=4,kv=2,vocab=64", "f32", "safetensors", 1), synthDir);
        Path stories = SharedData.require("models/stories260K/stories260K.bin");
        patch = tmp.resolve("patch.safetensors");
        try (Checkpoint ck = Checkpoint.open(stories)) {
            float[] v = new float[ck.config().dim()];
            SplittableRandom r = new SplittableRandom(5);
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() - 0.5);
            PatchFile.write(patch, new Patch(v, 1.08f, new int[][]{{0, 3}, {4, 100}, {2, 7}}, ck.config().layers(), SurgeryPipeline.identity(ck)));
        }
        probe = tmp.resolve("probe.safetensors");
        float[][] w = new float[2][64];
        for (int i = 0; i < 64; i++) { w[0][i] = i * 0.01f; w[1][i] = -i * 0.02f; }
        new Probe(w, new float[]{0.1f, -0.1f}, 5, new ProbeMetadata(ProbeSolver.ADAM, 0.9, 0.8, 1.5, 0.3, 0.99, 90, 10, true, 9, "lr=1e-4"))
                .save(probe, SafetensorsWriter.WriteMode.CREATE_NEW);
    }

    /** What a mutant is fed to: true when accepted (and fine), false when refused cleanly; AssertionError otherwise. */
    @FunctionalInterface private interface Run { boolean on(Path mutant, Path scratch) throws Exception; }

    /** A file to mutate: where bit flips and field edits go ({@code [0, structureEnd)}), how many mutants, how it is run. */
    private record Subject(String name, Path source, String fileName, long structureEnd, boolean text, int mutants, Run run) {}

    /** Accepted and refused mutants per file, printed at the end (the test's yield, for the record). */
    private static final Map<String, int[]> OUTCOMES = new ConcurrentSkipListMap<>();

    @AfterAll static void printOutcomes() {
        OUTCOMES.forEach((k, v) -> System.out.printf("fuzz %-26s %3d accepted, %3d refused cleanly%n", k, v[0], v[1]));
    }

    private static long ggufDataStart(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            return GgufReader.open(file, arena).dataStart();
        }
    }

    private static long safetensorsHeaderEnd(Path file) throws IOException {
        byte[] eight = new byte[8];
        try (var in = Files.newInputStream(file)) {
            in.readNBytes(eight, 0, 8);
        }
        return 8 + ByteBuffer.wrap(eight).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static boolean logitsAcceptedOrRefused(Cli r, Path out) throws IOException {
        if (r.exitCode() == 0) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
            assertTrue(b.remaining() > 0, "accepted but wrote no logits");
            while (b.hasRemaining()) {
                float f = b.getFloat();
                if (!Float.isFinite(f)) fail("accepted, but a logit is " + f);
            }
            return true;
        }
        refusedCleanly(r);
        assertFalse(Files.exists(out), "refused but wrote " + out);
        return false;
    }

    private static void refusedCleanly(Cli r) {
        assertEquals(2, r.exitCode(), "exit code (2 = input error); stderr: " + r.err());
        assertFalse(r.err().contains("\tat "), "stack trace: " + r.err());
        assertTrue(r.errorLine().startsWith("scalpel: "), "one line: " + r.err());
    }

    private static Run logits(String... extra) {
        return (mutant, scratch) -> {
            Path out = scratch.resolve("logits.bin");
            List<String> args = new ArrayList<>(List.of("logits", "--threads", "1", "--tokens", "1,2,3", "--out", out.toString()));
            args.addAll(List.of(extra));
            if (!args.contains("--model")) args.addAll(List.of("--model", mutant.toString()));
            else args.replaceAll(a -> a.equals("MUTANT") ? mutant.toString() : a);
            return logitsAcceptedOrRefused(Cli.run(args.toArray(String[]::new)), out);
        };
    }

    private static final Run TOKENIZE = (mutant, scratch) -> {
        Cli r = Cli.run("tokenize", "--tokenizer", mutant.toString(), "--text", "Once upon a time, a little bird sang <s> 123.");
        if (r.exitCode() == 0) return true;
        refusedCleanly(r);
        return false;
    };

    /** A directory copy of the synthetic model whose {@code fileName} is the mutant. */
    private static Run inSynthDir(String fileName) {
        return (mutant, scratch) -> {
            Path dir = scratch.resolve("model");
            Files.createDirectories(dir);
            for (String f : new String[]{"config.json", "model.safetensors"}) {
                Files.copy(f.equals(fileName) ? mutant : synthDir.resolve(f), dir.resolve(f));
            }
            return logits().on(dir, scratch);
        };
    }

    private static final Run PROBE = (mutant, scratch) -> {
        try {
            Probe p = Probe.load(mutant);
            for (float f : p.direction()) assertTrue(Float.isFinite(f), "accepted a non-finite direction");
            return true;
        } catch (CheckpointException refused) {
            assertFalse(refused.getMessage().contains("\n"));
            assertTrue(refused.getMessage().startsWith(mutant.toString()), refused.getMessage());
            return false;
        }
    };

    private static List<Subject> subjects() throws IOException {
        Path gguf = SharedData.require("models/stories260K/stories260K.gguf");
        Path tiny = SharedData.require("models/llama-2-tiny-random/llama-2-tiny-random.gguf");
        Path bin = SharedData.require("models/stories260K/stories260K.bin");
        Path tok = SharedData.require("models/stories260K/tok512.bin");
        Path json = SharedData.require("tokenizers/llama2-hf/tokenizer.json");
        Path st = synthDir.resolve("model.safetensors");
        return List.of(
                new Subject("stories260K.gguf", gguf, "m.gguf", ggufDataStart(gguf), false, MUTANTS, logits()),
                new Subject("llama-2-tiny-random.gguf", tiny, "m.gguf", ggufDataStart(tiny), false, MUTANTS, logits()),
                new Subject("stories260K.bin", bin, "m.bin", 28, false, MUTANTS, logits("--tokenizer", tok.toString())),
                new Subject("tok512.bin", tok, "tok.bin", Files.size(tok), false, MUTANTS, TOKENIZE),
                new Subject("synth model.safetensors", st, "model.safetensors", safetensorsHeaderEnd(st), false, MUTANTS, inSynthDir("model.safetensors")),
                new Subject("synth config.json", synthDir.resolve("config.json"), "config.json", Files.size(synthDir.resolve("config.json")), true, MUTANTS,
                        inSynthDir("config.json")),
                new Subject("patch", patch, "patch.safetensors", Files.size(patch), false, MUTANTS, logits("--model", bin.toString(), "--patch", "MUTANT")),
                new Subject("probe", probe, "probe.safetensors", Files.size(probe), false, MUTANTS, PROBE),
                // 1.8 MB of JSON takes about a second a mutant here: a quarter as many.
                new Subject("llama2 tokenizer.json", json, "tokenizer.json", Files.size(json), true, Math.max(1, MUTANTS / 4), TOKENIZE));
    }

    @TestFactory Stream<DynamicTest> everyMutantIsAcceptedOrRefusedCleanly() throws IOException {
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz mutant");
            t.setDaemon(true); // a hung mutant must not keep the test JVM alive
            return t;
        });
        List<DynamicTest> tests = new ArrayList<>();
        for (Subject s : subjects()) {
            byte[] original = Files.readAllBytes(s.source());
            SplittableRandom random = new SplittableRandom(SEED ^ s.name().hashCode());
            for (int i = 0; i < s.mutants(); i++) {
                Mutant m = mutate(original, s, random);
                String name = s.name() + " #" + i + ": " + m.description();
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    Path scratch = Files.createTempDirectory(tmp, "mutant");
                    Path file = Files.write(scratch.resolve(s.fileName()), m.bytes());
                    Future<Boolean> f = worker.submit(() -> s.run().on(file, scratch));
                    try {
                        boolean accepted = f.get(TIME_LIMIT_S, TimeUnit.SECONDS);
                        OUTCOMES.computeIfAbsent(s.name(), k -> new int[2])[accepted ? 0 : 1]++;
                    } catch (TimeoutException e) {
                        f.cancel(true);
                        fail(name + ": no answer within " + TIME_LIMIT_S + " s (seed " + SEED + ")");
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw new AssertionError(name + " (seed " + SEED + "): " + e.getCause().getMessage(), e.getCause());
                    }
                }));
            }
        }
        return tests.stream();
    }

    private record Mutant(byte[] bytes, String description) {}

    private static Mutant mutate(byte[] original, Subject s, SplittableRandom r) {
        byte[] b = original.clone();
        int region = (int) Math.min(s.structureEnd(), b.length);
        int kind = r.nextInt(s.text() ? 4 : 3);
        switch (kind) {
            case 0 -> {
                int flips = 1 + r.nextInt(3);
                StringBuilder d = new StringBuilder("bit flips at");
                for (int k = 0; k < flips; k++) {
                    int at = r.nextInt(region), bit = r.nextInt(8);
                    b[at] ^= (byte) (1 << bit);
                    d.append(' ').append(at).append('.').append(bit);
                }
                return new Mutant(b, d.toString());
            }
            case 1 -> {
                // Truncation: most often inside the structure, sometimes in the data.
                int len = r.nextBoolean() ? r.nextInt(region) : r.nextInt(b.length);
                return new Mutant(java.util.Arrays.copyOf(b, len), "truncated to " + len + " of " + b.length + " bytes");
            }
            case 2 -> {
                long v = r.nextInt(4) == 0 ? r.nextLong() : INTERESTING[r.nextInt(INTERESTING.length)];
                int width = r.nextBoolean() ? 4 : 8;
                int at = Math.max(0, r.nextInt(Math.max(1, region - width + 1)) & ~3);
                ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                if (at + width > b.length) return new Mutant(b, "unchanged (file too small)");
                if (width == 4) bb.putInt(at, (int) v); else bb.putLong(at, v);
                return new Mutant(b, width + "-byte field at " + at + " set to " + v);
            }
            default -> {
                // Text formats: a number in the JSON replaced by an awkward one.
                String text = new String(b, StandardCharsets.UTF_8);
                Matcher num = Pattern.compile("(?<=[:\\[,]\\s{0,2})-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?").matcher(text);
                List<int[]> spans = new ArrayList<>();
                while (num.find() && spans.size() < 100_000) spans.add(new int[]{num.start(), num.end()});
                if (spans.isEmpty()) return new Mutant(b, "unchanged (no numbers)");
                int[] span = spans.get(r.nextInt(spans.size()));
                String replacement = INTERESTING_NUMBERS[r.nextInt(INTERESTING_NUMBERS.length)];
                String edited = text.substring(0, span[0]) + replacement + text.substring(span[1]);
                return new Mutant(edited.getBytes(StandardCharsets.UTF_8),
                        "number " + text.substring(span[0], span[1]) + " at " + span[0] + " replaced by " + replacement);
            }
        }
    }
}
