package io.scalpel.e2e;

import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to the command line: exit code 2, one line on stderr naming the file and the problem,
 * no stack trace, nothing written, and the input untouched.
 */
class CliBadInputTest {
    @TempDir Path tmp;

    private static void assertRefused(Cli r, String... mustContain) {
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        for (String s : mustContain) assertTrue(r.errorLine().contains(s), "'" + s + "' in: " + r.errorLine());
    }

    private static String stories() { return SharedData.require("models/stories260K/stories260K.bin").toString(); }

    private Path lines(String name, String... lines) throws IOException {
        return Files.write(tmp.resolve(name), Arrays.asList(lines));
    }

    @Test void missingModel() {
        Path missing = tmp.resolve("nope.gguf");
        assertRefused(Cli.run("generate", "--model", missing.toString(), "--prompt", "hi"), missing.toString(), "no such file");
    }

    @Test void truncatedCheckpoint() throws IOException {
        byte[] all = Files.readAllBytes(SharedData.require("models/stories260K/stories260K.gguf"));
        Path cut = Files.write(tmp.resolve("cut.gguf"), Arrays.copyOf(all, all.length / 3));
        Path out = tmp.resolve("logits.bin");
        assertRefused(Cli.run("logits", "--model", cut.toString(), "--tokens", "1,2,3", "--out", out.toString()), "cut.gguf");
        assertFalse(Files.exists(out));
    }

    @Test void tokenOutsideVocabulary() {
        Path out = tmp.resolve("logits.bin");
        assertRefused(Cli.run("logits", "--model", stories(), "--tokens", "1,99999", "--out", out.toString()), "99999");
        assertFalse(Files.exists(out));
    }

    @Test void tokenizerLargerThanTheModelVocabulary() {
        String llama2Vocab = SharedData.require("tokenizers/llama2-hf/tokenizer.json").toString();
        assertRefused(Cli.run("generate", "--model", stories(), "--tokenizer", llama2Vocab, "--prompt", "hi"), "32000", "512");
    }

    @Test void surgeryWithOneClassOnly() throws IOException {
        Path a = lines("a.txt", "you are awful", "this is bad"), b = lines("b.txt", "also rude", "mean words");
        Path out = tmp.resolve("out");
        assertRefused(Cli.run("surgery", "--model", stories(), "--avoid", a.toString(), "--avoid", b.toString(), "--out", out.toString()), "class");
        assertFalse(Files.exists(out));
    }

    @Test void surgeryWithAnEmptyFile() throws IOException {
        Path a = lines("a.txt", "you are awful"), empty = Files.writeString(tmp.resolve("empty.txt"), "");
        Path out = tmp.resolve("out");
        assertRefused(Cli.run("surgery", "--model", stories(), "--avoid", a.toString(), "--keep", empty.toString(), "--out", out.toString()), "empty.txt");
        assertFalse(Files.exists(out));
    }

    @Test void surgeryWithNanAlpha() throws IOException {
        Path a = lines("a.txt", "bad"), b = lines("b.txt", "good"), out = tmp.resolve("out");
        assertRefused(Cli.run("surgery", "--model", stories(), "--avoid", a.toString(), "--keep", b.toString(), "--alpha", "NaN", "--out", out.toString()), "alpha");
        assertFalse(Files.exists(out));
    }

    @Test void surgeryIntoAnExistingDirectoryTouchesNothing() throws IOException {
        Path a = lines("a.txt", "bad"), b = lines("b.txt", "good");
        Path out = Files.createDirectory(tmp.resolve("out"));
        Path keepMe = Files.writeString(out.resolve("mine.txt"), "precious");
        assertRefused(Cli.run("surgery", "--model", stories(), "--avoid", a.toString(), "--keep", b.toString(), "--out", out.toString()), "exists");
        assertEquals("precious", Files.readString(keepMe));
        try (var files = Files.list(out)) {
            assertEquals(1, files.count());
        }
    }

    @Test void topKLargerThanTheNumberOfRows() throws IOException {
        Path probe = tmp.resolve("probe.safetensors");
        Path a = lines("a.txt", "you are awful", "this is bad", "I hate it"), b = lines("b.txt", "thank you", "lovely day", "kind words");
        Cli p = Cli.run("probe", "--model", stories(), "--avoid", a.toString(), "--keep", b.toString(), "--force", "--out", probe.toString());
        assertEquals(0, p.exitCode(), p.err());
        Path patch = tmp.resolve("patch.safetensors");
        assertRefused(Cli.run("select", "--model", stories(), "--probe", probe.toString(), "--top-k", "100000", "--out", patch.toString()), "100000");
        assertFalse(Files.exists(patch));
    }

    @Test void patchForAnotherModelIsRefusedAndTheModelIsUntouched() throws IOException {
        Path model = SharedData.require("models/stories260K/stories260K.bin");
        byte[] before = Files.readAllBytes(model);
        Path probe = tmp.resolve("probe.safetensors");
        Path a = lines("a.txt", "you are awful", "this is bad"), b = lines("b.txt", "thank you", "lovely day");
        assertEquals(0, Cli.run("probe", "--model", model.toString(), "--avoid", a.toString(), "--keep", b.toString(),
                "--force", "--out", probe.toString()).exitCode());
        Path patch = tmp.resolve("patch.safetensors");
        assertEquals(0, Cli.run("select", "--model", model.toString(), "--probe", probe.toString(), "--top-k", "10", "--out", patch.toString()).exitCode());
        String other = SharedData.require("golden/llama_tiny_f32").toString();
        Path out = tmp.resolve("logits.bin");
        assertRefused(Cli.run("logits", "--model", other, "--patch", patch.toString(), "--tokens", "1,2", "--out", out.toString()), "patch.safetensors");
        assertFalse(Files.exists(out));
        assertArrayEquals(before, Files.readAllBytes(model));
    }

    private Path numbered(String name, String prefix, int n) throws IOException {
        return lines(name, java.util.stream.IntStream.range(0, n).mapToObj(i -> prefix + " number " + i).toArray(String[]::new));
    }

    @Test void tooFewOrIdenticalTrainingTextsFailBeforeTheModelIsLoaded() throws IOException {
        Path a = lines("a.txt", "you are awful", "this is bad"), b = numbered("b.txt", "thank you", 20), out = tmp.resolve("out");
        Cli few = Cli.run("surgery", "--model", stories(), "--avoid", a.toString(), "--keep", b.toString(), "--out", out.toString());
        assertRefused(few, "a.txt", "only 2 avoid texts", "at least 16", "--force");
        assertFalse(few.err().contains("on cpu"), "the model was loaded: " + few.err());
        Path same = numbered("same.txt", "thank you", 20);
        Cli identical = Cli.run("search", "--model", stories(), "--avoid", same.toString(), "--keep", b.toString(), "--top-k", "4", "--out", out.toString());
        assertRefused(identical, "identical");
        assertFalse(Files.exists(out));
    }

    @Test void topKAboveTheModelsGateRowsFailsBeforeAnyActivation() throws IOException {
        Path a = numbered("a.txt", "you are awful", 20), b = numbered("b.txt", "thank you", 20), out = tmp.resolve("out");
        for (String command : new String[]{"surgery", "search"}) {
            Cli r = Cli.run(command, "--model", stories(), "--avoid", a.toString(), "--keep", b.toString(), "--top-k", "5000", "--no-cache",
                    "--out", out.toString());
            assertRefused(r, "--top-k 5000", "860 gate rows");
            assertFalse(r.err().contains("texts ("), command + " started on the data: " + r.err());
        }
        assertRefused(Cli.run("search", "--model", stories(), "--avoid", a.toString(), "--keep", b.toString(), "--alpha", "1:0:1",
                "--out", out.toString()), "--alpha", "ends before it starts");
        assertFalse(Files.exists(out));
    }

    @Test void invalidUtf8InLabelledTexts() throws IOException {
        Path bad = Files.write(tmp.resolve("bad.txt"), new byte[]{'o', 'k', '\n', (byte) 0xff, (byte) 0xfe, '\n'});
        Path good = lines("good.txt", "kind words", "thank you");
        Path out = tmp.resolve("out");
        assertRefused(Cli.run("surgery", "--model", stories(), "--avoid", bad.toString(), "--keep", good.toString(), "--out", out.toString()),
                "bad.txt", "UTF-8");
        assertFalse(Files.exists(out));
    }

    @Test void invalidUtf8InTokenizerJson() throws IOException {
        Path tok = Files.write(tmp.resolve("tokenizer.json"), new byte[]{'{', '"', (byte) 0xff, '"', ':', '1', '}'});
        assertRefused(Cli.run("tokenize", "--tokenizer", tok.toString(), "--text", "hi"), "tokenizer.json");
    }

    @Test void unknownDevice() {
        assertRefused(Cli.run("generate", "--model", stories(), "--prompt", "hi", "--device", "tpu"), "--device");
    }
}
