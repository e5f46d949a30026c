package io.scalpel.e2e;

import io.scalpel.backend.cpu.CpuBackend;
import io.scalpel.cli.ScalpelCommand;
import io.scalpel.io.Checkpoint;
import io.scalpel.model.Transformer;
import io.scalpel.surgery.edit.GateCosines;
import io.scalpel.surgery.patch.Patch;
import io.scalpel.surgery.patch.PatchFile;
import io.scalpel.surgery.pipeline.SurgeryPipeline;
import io.scalpel.surgery.select.GateRowSelector;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's first-hour and bad-input behaviour of issue #11: each case misbehaved before. */
class CliRobustnessTest {
    @TempDir Path tmp;

    private static String stories() { return SharedData.require("models/stories260K/stories260K.bin").toString(); }

    private static void assertRefused(Cli r, String... mustContain) {
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        for (String s : mustContain) assertTrue(r.errorLine().contains(s), "'" + s + "' in: " + r.errorLine());
    }

    /** A patch of 8 rows along a seeded random direction, made for {@code model}. */
    private Path patchFor(String model, String name, long seed) {
        Path file = tmp.resolve(name);
        try (CpuBackend b = new CpuBackend(1); Checkpoint ck = Checkpoint.open(Path.of(model));
             Transformer m = new Transformer(ck.config(), ck.weights(), b)) {
            Random r = new Random(seed);
            float[] v = new float[ck.config().dim()];
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * 0.1);
            int[][] rows = GateRowSelector.select(Arrays.asList(GateCosines.compute(m, v)), 8).rows();
            PatchFile.write(file, new Patch(v, 1.08f, rows, ck.config().layers(), SurgeryPipeline.identity(ck)));
        }
        return file;
    }

    @Test void noArgumentsPrintsUsageAndExits2() {
        Cli r = Cli.run();
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Usage: scalpel"), r.err());
    }

    @Test void aMisspeltOptionIsNamed() {
        assertRefused(Cli.run("generate", "--modle", stories(), "--prompt", "hi"), "unknown option --modle", "--model");
    }

    @Test void optionMessagesNameTheOption() {
        assertRefused(Cli.run("generate", "--model", stories(), "--prompt", "hi", "--threads", "0"), "--threads must be ≥ 1");
        assertRefused(Cli.run("generate", "--model", stories(), "--prompt", "hi", "--top-p", "2"), "--top-p");
    }

    @Test void logitsRefusesAnExistingOutputAndWritesWithTheUmask() throws IOException {
        Path existing = Files.writeString(tmp.resolve("existing.bin"), "keep me");
        assertRefused(Cli.run("logits", "--model", stories(), "--tokens", "1,2", "--out", existing.toString()), "existing.bin", "exists");
        assertEquals("keep me", Files.readString(existing));
        assertRefused(Cli.run("hidden", "--model", stories(), "--tokens", "1,2", "--out", existing.toString()), "exists");

        Path out = tmp.resolve("logits.bin");
        assertEquals(0, Cli.run("logits", "--model", stories(), "--tokens", "1,2", "--out", out.toString()).exitCode());
        Path plain = Files.createFile(tmp.resolve("plain")); // what the umask gives any new file here
        if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(out), "output follows the umask, not 0600");
        }
    }

    @Test void generateTakesTokens() {
        Cli r = Cli.run("generate", "--model", stories(), "--tokens", "1,403", "--max-tokens", "4");
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.err().contains("device"), "quiet without --verbose: " + r.err());
        assertRefused(Cli.run("generate", "--model", stories(), "--max-tokens", "4"), "--tokens or --prompt");
    }

    @Test void tokenizeFindsWhatModelCommandsFind() {
        Path dir = SharedData.require("models/stories260K");
        Cli inDir = Cli.run("tokenize", "--tokenizer", dir.toString(), "--text", "Once upon a time");
        assertEquals(0, inDir.exitCode(), inDir.err());
        assertEquals(Cli.run("tokenize", "--tokenizer", dir.resolve("tok512.bin").toString(), "--text", "Once upon a time").out(), inDir.out());
    }

    private static synchronized Cli withStdin(String stdin, String... args) {
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            return Cli.run(args);
        } finally {
            System.setIn(old);
        }
    }

    @Test void tokenizeStripsOneTrailingNewlineFromStdinAndReadsJsonl() {
        String tok = SharedData.require("models/stories260K/tok512.bin").toString();
        String fromText = Cli.run("tokenize", "--tokenizer", tok, "--text", "hi there").out();
        assertEquals(fromText, withStdin("hi there\n", "tokenize", "--tokenizer", tok).out());
        Cli jsonl = withStdin("\"hi there\"\n{\"text\": \"hi there\"}\n", "tokenize", "--tokenizer", tok, "--jsonl");
        assertEquals(0, jsonl.exitCode(), jsonl.err());
        String ids = "[" + fromText.strip().replace(" ", ",") + "]";
        assertEquals(ids + "\n" + ids + "\n", jsonl.out());
        assertRefused(withStdin("[1]\n", "tokenize", "--tokenizer", tok, "--jsonl"), "line 1");
    }

    @Test void aVocabularyWithoutBosTokenizesWithoutOne() {
        Cli r = Cli.run("tokenize", "--tokenizer", SharedData.require("tokenizers/llama3.2-bpe").toString(), "--text", "hi");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("no BOS"), r.err());
    }

    @Test void patchesAreCheckedByInfoAndNotAppliedTwice() throws IOException {
        Path patch = patchFor(stories(), "p.safetensors", 1);
        Cli ok = Cli.run("info", "--model", stories(), "--patch", patch.toString());
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(ok.out().contains("patch:"), ok.out());
        String other = SharedData.require("models/llama-2-tiny-random/llama-2-tiny-random.gguf").toString();
        assertRefused(Cli.run("info", "--model", other, "--patch", patch.toString()), "p.safetensors", "different model");
        assertRefused(Cli.run("info", "--model", stories(), "--patch", tmp.resolve("missing.safetensors").toString()), "missing.safetensors");
        Path text = Files.writeString(tmp.resolve("notes.txt"), "not a patch\n");
        assertRefused(Cli.run("info", "--model", stories(), "--patch", text.toString()), "notes.txt");
        Path copy = Files.copy(patch, tmp.resolve("copy.safetensors"));
        assertRefused(Cli.run("logits", "--model", stories(), "--tokens", "1,2", "--patch", patch.toString(), "--patch", copy.toString(),
                "--out", tmp.resolve("l.bin").toString()), "twice");
        assertFalse(Files.exists(tmp.resolve("l.bin")));
    }

    @Test void revertRefusesAPatchThatWasNotApplied() {
        Path applied = patchFor(stories(), "applied.safetensors", 1), other = patchFor(stories(), "other.safetensors", 2);
        Path edited = tmp.resolve("edited");
        assertEquals(0, Cli.run("export", "--model", stories(), "--patch", applied.toString(), "--out", edited.toString()).exitCode());
        Path out = tmp.resolve("restored");
        assertRefused(Cli.run("revert", "--model", edited.toString(), "--base", stories(), "--revert", other.toString(), "--out", out.toString()),
                "other.safetensors", "not applied");
        assertFalse(Files.exists(out), "no hybrid model written");
        assertRefused(Cli.run("revert", "--model", stories(), "--base", stories(), "--revert", applied.toString(), "--out", out.toString()),
                "not applied");
        assertEquals(0, Cli.run("revert", "--model", edited.toString(), "--base", stories(), "--revert", applied.toString(),
                "--out", out.toString()).exitCode());
    }

    @Test void synthOnAnUnwritablePathNamesIt() {
        Path target = Path.of("/proc/scalpel-no-such-dir/out.gguf");
        assertRefused(Cli.run("synth", "--shape", "dim=16,hidden=32,layers=1,heads=2,kv=1,vocab=32", "--format", "gguf",
                "--out", target.toString()), "/proc/scalpel-no-such-dir");
    }

    /** {@code generate | head}: stdout fails after the first write; generation must stop, not run to --max-tokens. */
    @Test void generateStopsWhenStdoutCloses() {
        AtomicInteger attempts = new AtomicInteger();
        OutputStream closedPipe = new OutputStream() {
            @Override public void write(int b) throws IOException { write(new byte[]{(byte) b}, 0, 1); }
            @Override public void write(byte[] b, int off, int len) throws IOException {
                if (attempts.incrementAndGet() > 1) throw new IOException("Broken pipe");
            }
        };
        PrintStream oldOut = System.out;
        int code;
        synchronized (Cli.class) {
            try {
                System.setOut(new PrintStream(closedPipe, true));
                code = ScalpelCommand.execute("generate", "--model", stories(), "--prompt", "Once", "--max-tokens", "200");
            } finally {
                System.setOut(oldOut);
            }
        }
        assertEquals(0, code);
        assertTrue(attempts.get() < 20, attempts.get() + " writes after the pipe closed");
    }
}
