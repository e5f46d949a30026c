package io.scalpel.surgery.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scalpel.io.CheckpointException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads labelled texts in the layouts of {@link TextFormat}. Files are UTF-8 (a leading BOM is
 * ignored). Every problem is a {@link CheckpointException}: one line naming the file and, where
 * there is one, the line.
 */
public final class LabelledTextReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** ToxiGen writes statement breaks as the two characters backslash and n. */
    private static final Pattern LITERAL_NEWLINE = Pattern.compile("\\\\n");

    private LabelledTextReader() {}

    /** One file in one format; the file must hold at least one text. */
    public static List<LabelledText> read(Path file, TextFormat format) {
        List<LabelledText> texts;
        try (BufferedReader in = open(file)) {
            texts = switch (format) {
                case TextFormat.PlainLines p -> readPlain(in, p.label(), false);
                case TextFormat.ToxigenPrompts t -> readPlain(in, t.label(), true);
                case TextFormat.Delimited d -> readDelimited(file, in, d);
                case TextFormat.JsonLines j -> readJsonLines(file, in, j);
            };
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file, "not UTF-8 text");
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "no such file");
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot read: " + e.getMessage());
        }
        if (texts.isEmpty()) throw new CheckpointException(file, "no texts in this file (empty, or only blank lines/header)");
        return texts;
    }

    /**
     * Reads several files (e.g. an avoid file and a keep file, or one labelled CSV) and checks that
     * together they hold both classes — a probe cannot be trained on one.
     */
    public static List<LabelledText> readAll(List<Source> sources) {
        if (sources.isEmpty()) throw new IllegalArgumentException("no labelled text files given");
        List<LabelledText> all = new ArrayList<>();
        for (Source s : sources) all.addAll(read(s.file(), s.format()));
        requireBothClasses(sources.stream().map(Source::file).toList(), all);
        return List.copyOf(all);
    }

    /** A file and how to read it. */
    public record Source(Path file, TextFormat format) {}

    /** Throws a one-line error naming the files when {@code texts} holds only one class. */
    public static void requireBothClasses(List<Path> files, List<LabelledText> texts) {
        long avoid = texts.stream().filter(t -> t.label() == LabelledText.AVOID).count();
        long keep = texts.size() - avoid;
        if (avoid == 0 || keep == 0) {
            String which = avoid == 0 ? "keep (0)" : "avoid (1)";
            Path named = files.size() == 1 ? files.getFirst() : Path.of(String.join(" + ", files.stream().map(Path::toString).toList()));
            throw new CheckpointException(named, "all " + texts.size() + " texts are class " + which
                    + "; a probe needs both avoid (1) and keep (0) examples");
        }
    }

    private static BufferedReader open(Path file) throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        return new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), decoder), 1 << 16);
    }

    /**
     * Plain lines. {@link BufferedReader#readLine} already treats LF, CRLF and CR as line ends.
     */
    private static List<LabelledText> readPlain(BufferedReader in, int label, boolean toxigen) throws IOException {
        List<LabelledText> out = new ArrayList<>();
        boolean first = true;
        for (String line; (line = in.readLine()) != null; ) {
            if (first) { line = stripBom(line); first = false; }
            if (toxigen) {
                for (String statement : toxigenStatements(line)) out.add(new LabelledText(statement, label));
            } else if (!line.isBlank()) {
                out.add(new LabelledText(line.strip(), label));
            }
        }
        return out;
    }

    /** Splits one ToxiGen prompt line into statements: split at literal "\n", strip "- ", drop empties. */
    static List<String> toxigenStatements(String line) {
        List<String> out = new ArrayList<>();
        for (String part : LITERAL_NEWLINE.split(line, -1)) {
            String s = part.strip();
            if (s.startsWith("-")) s = s.substring(1).strip();
            if (!s.isEmpty()) out.add(s);
        }
        return out;
    }

    private static List<LabelledText> readDelimited(Path file, Reader in, TextFormat.Delimited f) throws IOException {
        DelimitedRecordReader records = new DelimitedRecordReader(in, f.separator());
        try {
            DelimitedRecordReader.Row header = records.next();
            if (header == null) return List.of();
            List<String> columns = header.fields().stream().map(LabelledTextReader::stripBom).map(String::strip).toList();
            int textIdx = columnIndex(file, columns, f.textColumn(), "text");
            int labelIdx = columnIndex(file, columns, f.labelColumn(), "label");
            List<LabelledText> out = new ArrayList<>();
            for (DelimitedRecordReader.Row row; (row = records.next()) != null; ) {
                if (row.fields().size() != columns.size()) {
                    throw new CheckpointException(file, "line " + row.line() + ": " + row.fields().size()
                            + " fields, header has " + columns.size() + separatorHint(f.separator()));
                }
                String text = row.fields().get(textIdx).strip();
                String rawLabel = row.fields().get(labelIdx);
                int label = f.labels().classOf(rawLabel);
                if (label < 0) throw badLabel(file, row.line(), rawLabel, f.labels());
                if (!text.isEmpty()) out.add(new LabelledText(text, label));
            }
            requireBothClasses(List.of(file), out);
            return out;
        } catch (DelimitedRecordReader.MalformedException e) {
            throw new CheckpointException(file, e.getMessage());
        }
    }

    private static List<LabelledText> readJsonLines(Path file, BufferedReader in, TextFormat.JsonLines f) throws IOException {
        List<LabelledText> out = new ArrayList<>();
        long lineNo = 0;
        for (String line; (line = in.readLine()) != null; ) {
            lineNo++;
            if (lineNo == 1) line = stripBom(line);
            if (line.isBlank()) continue;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new CheckpointException(file, "line " + lineNo + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (node == null || !node.isObject()) throw new CheckpointException(file, "line " + lineNo + ": not a JSON object");
            JsonNode text = node.get(f.textField());
            JsonNode label = node.get(f.labelField());
            if (text == null || !text.isTextual()) {
                throw new CheckpointException(file, "line " + lineNo + ": no string field '" + f.textField() + "' (fields: " + fieldNames(node) + ")");
            }
            if (label == null || !label.isValueNode() || label.isNull()) {
                throw new CheckpointException(file, "line " + lineNo + ": no label field '" + f.labelField() + "' (fields: " + fieldNames(node) + ")");
            }
            int cls = f.labels().classOf(label.asText());
            if (cls < 0) throw badLabel(file, lineNo, label.asText(), f.labels());
            if (!text.asText().isBlank()) out.add(new LabelledText(text.asText().strip(), cls));
        }
        if (!out.isEmpty()) requireBothClasses(List.of(file), out);
        return out;
    }

    private static int columnIndex(Path file, List<String> columns, String wanted, String role) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).equalsIgnoreCase(wanted)) return i;
        }
        throw new CheckpointException(file, "no " + role + " column '" + wanted + "' in header " + columns);
    }

    private static CheckpointException badLabel(Path file, long line, String raw, LabelMapping labels) {
        return new CheckpointException(file, "line " + line + ": label '" + raw.strip() + "' is neither an avoid value "
                + labels.avoidValues() + " nor a keep value " + labels.keepValues());
    }

    private static String separatorHint(char sep) {
        return sep == '\t' ? " (is it really tab-separated?)" : sep == ',' ? " (unquoted comma in a field?)" : "";
    }

    private static String fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return String.join(", ", names);
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }
}
