package io.scalpel.surgery.data;

import io.scalpel.io.CheckpointException;
import io.scalpel.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class LabelledTextReaderTest {
    @TempDir Path dir;

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void plainLinesGetTheFileLabelAndSkipBlanks() throws IOException {
        Path f = file("avoid.txt", "\uFEFFyou are awful\r\n\r\n  go away  \rbye\n");
        var texts = LabelledTextReader.read(f, new TextFormat.PlainLines(LabelledText.AVOID));
        assertEquals(List.of(new LabelledText("you are awful", 1), new LabelledText("go away", 1), new LabelledText("bye", 1)), texts);
    }

    @Test
    void csvHandlesQuotedCommasNewlinesAndEscapedQuotes() throws IOException {
        Path f = file("c.csv", "id,comment_text,toxic\r\n1,\"hello, world\",0\n2,\"line one\r\nline \"\"two\"\"\",1\n3,plain,0\n");
        var texts = LabelledTextReader.read(f, TextFormat.Delimited.csv("comment_text", "toxic", LabelMapping.binary()));
        assertEquals(List.of(new LabelledText("hello, world", 0), new LabelledText("line one\nline \"two\"", 1), new LabelledText("plain", 0)), texts);
    }

    @Test
    void tsvWithCrLineEndsAndInvertedLabels() throws IOException {
        Path f = file("s.tsv", "label\tsentence\r0\tbad film\r1\tgreat film\r");
        var texts = LabelledTextReader.read(f, TextFormat.Delimited.tsv("sentence", "label", LabelMapping.inverted()));
        assertEquals(List.of(new LabelledText("bad film", 1), new LabelledText("great film", 0)), texts);
    }

    @Test
    void jsonLinesWithConfigurableFields() throws IOException {
        Path f = file("d.jsonl", "{\"prompt\":\"nice\",\"y\":false}\n\n{\"prompt\":\"nasty\",\"y\":true}\n");
        var texts = LabelledTextReader.read(f, new TextFormat.JsonLines("prompt", "y", LabelMapping.binary()));
        assertEquals(List.of(new LabelledText("nice", 0), new LabelledText("nasty", 1)), texts);
    }

    @Test
    void toxigenLinesSplitIntoStatements() {
        assertEquals(List.of("first one", "second, two", "third"),
                LabelledTextReader.toxigenStatements("- first one\\n- second, two\\n-third\\n-"));
        assertEquals(List.of(), LabelledTextReader.toxigenStatements("-\\n- \\n"));
    }

    @Test
    void errorsAreOneLineAndNameTheFile() throws IOException {
        Path empty = file("empty.txt", "\n  \n");
        var e1 = assertThrows(CheckpointException.class, () -> LabelledTextReader.read(empty, new TextFormat.PlainLines(0)));
        assertOneLineNaming(e1, empty);

        Path oneClass = file("one.csv", "text,label\na,1\nb,1\n");
        var e2 = assertThrows(CheckpointException.class, () -> LabelledTextReader.read(oneClass, TextFormat.Delimited.csv("text", "label", LabelMapping.binary())));
        assertOneLineNaming(e2, oneClass);
        assertTrue(e2.getMessage().contains("avoid"), e2.getMessage());

        Path noColumn = file("nocol.csv", "body,label\na,1\nb,0\n");
        var e3 = assertThrows(CheckpointException.class, () -> LabelledTextReader.read(noColumn, TextFormat.Delimited.csv("text", "label", LabelMapping.binary())));
        assertOneLineNaming(e3, noColumn);

        Path badLabel = file("bad.csv", "text,label\na,1\nb,2\n");
        var e4 = assertThrows(CheckpointException.class, () -> LabelledTextReader.read(badLabel, TextFormat.Delimited.csv("text", "label", LabelMapping.binary())));
        assertTrue(e4.getMessage().contains("line 3"), e4.getMessage());

        Path unclosed = file("open.csv", "text,label\n\"a,1\n");
        assertOneLineNaming(assertThrows(CheckpointException.class, () -> LabelledTextReader.read(unclosed, TextFormat.Delimited.csv("text", "label", LabelMapping.binary()))), unclosed);

        Path avoidOnly = file("a.txt", "x\ny\n");
        var e5 = assertThrows(CheckpointException.class, () -> LabelledTextReader.readAll(List.of(
                new LabelledTextReader.Source(avoidOnly, new TextFormat.PlainLines(1)))));
        assertOneLineNaming(e5, avoidOnly);

        Path missing = dir.resolve("nope.txt");
        assertOneLineNaming(assertThrows(CheckpointException.class, () -> LabelledTextReader.read(missing, new TextFormat.PlainLines(1))), missing);
    }

    private static void assertOneLineNaming(CheckpointException e, Path file) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
    }

    @Test
    void splitIsSeededAndNinetyTen() {
        List<Integer> items = IntStream.range(0, 100).boxed().toList();
        var a = TrainValidationSplit.of(items, 7);
        var b = TrainValidationSplit.of(items, 7);
        var c = TrainValidationSplit.of(items, 8);
        assertEquals(90, a.train().size());
        assertEquals(10, a.validation().size());
        assertEquals(a, b);
        assertNotEquals(a.validation(), c.validation());
        assertEquals(100, a.train().stream().distinct().count() + a.validation().stream().distinct().count());
        assertTrue(a.train().stream().noneMatch(a.validation()::contains));
        assertEquals(1, TrainValidationSplit.of(List.of(1, 2, 3), 1).validation().size());
    }

    @Test
    void readsSharedSst2Jigsaw() {
        var dev = LabelledTextReader.read(SharedData.require("data/sst2/dev.tsv"), TextFormat.Delimited.tsv("content", "label", LabelMapping.inverted()));
        assertEquals(872, dev.size());
        var train = LabelledTextReader.read(SharedData.require("data/sst2/train.tsv"), TextFormat.Delimited.tsv("sentence", "label", LabelMapping.inverted()));
        assertEquals(67349, train.size());
        var jigsaw = LabelledTextReader.read(SharedData.require("data/jigsaw/test_examples.csv"), TextFormat.Delimited.csv("comment_text", "toxic", LabelMapping.binary()));
        assertEquals(101, jigsaw.size());
        assertEquals(13, jigsaw.stream().filter(t -> t.label() == LabelledText.AVOID).count());
    }

    @Test
    void readsSharedToxigenPrompts() {
        Path hate = SharedData.require("data/toxigen/prompts/hate_asian_1k.txt");
        Path neutral = SharedData.require("data/toxigen/prompts/neutral_asian_1k.txt");
        assertInstanceOf(TextFormat.ToxigenPrompts.class, TextFormat.forFile(hate, "text", "label", LabelMapping.binary(), 1));
        var texts = LabelledTextReader.readAll(List.of(
                new LabelledTextReader.Source(hate, new TextFormat.ToxigenPrompts(LabelledText.AVOID)),
                new LabelledTextReader.Source(neutral, new TextFormat.ToxigenPrompts(LabelledText.KEEP))));
        assertTrue(texts.size() > 8000, "1000 lines × 5–7 statements each, got " + texts.size());
        assertTrue(texts.stream().noneMatch(t -> t.text().isEmpty() || t.text().startsWith("-") || t.text().contains("\\n")));
    }
}
