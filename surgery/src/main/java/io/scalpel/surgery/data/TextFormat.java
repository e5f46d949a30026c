package io.scalpel.surgery.data;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/** The layouts {@link LabelledTextReader} understands. */
public sealed interface TextFormat {

    /** One text per line; every line gets {@code label} (the file says which class it is). Blank lines are skipped. */
    record PlainLines(int label) implements TextFormat {
        public PlainLines { checkLabel(label); }
    }

    /**
     * CSV or TSV with a header row; text and label come from the named columns. Fields may be quoted
     * ({@code "a, b"}, {@code ""} for a quote, newlines inside quotes); lines may end in LF, CRLF or CR.
     */
    record Delimited(char separator, String textColumn, String labelColumn, LabelMapping labels) implements TextFormat {
        public Delimited {
            Objects.requireNonNull(textColumn, "text column");
            Objects.requireNonNull(labelColumn, "label column");
            Objects.requireNonNull(labels, "label mapping");
            if (separator == '"' || separator == '\n' || separator == '\r') throw new IllegalArgumentException("bad separator " + separator);
        }

        public static Delimited csv(String textColumn, String labelColumn, LabelMapping labels) {
            return new Delimited(',', textColumn, labelColumn, labels);
        }

        public static Delimited tsv(String textColumn, String labelColumn, LabelMapping labels) {
            return new Delimited('\t', textColumn, labelColumn, labels);
        }
    }

    /** One JSON object per line; text and label from the named fields (label: number, boolean or string). */
    record JsonLines(String textField, String labelField, LabelMapping labels) implements TextFormat {
        public JsonLines {
            Objects.requireNonNull(textField, "text field");
            Objects.requireNonNull(labelField, "label field");
            Objects.requireNonNull(labels, "label mapping");
        }

        /** Fields {@code text} and {@code label}, 0/1. */
        public static JsonLines standard() { return new JsonLines("text", "label", LabelMapping.binary()); }
    }

    /**
     * ToxiGen prompt files: each line holds several statements written {@code - s1\n- s2\n-} with
     * LITERAL backslash-n separators. Each statement becomes one text with {@code label}.
     */
    record ToxigenPrompts(int label) implements TextFormat {
        public ToxigenPrompts { checkLabel(label); }
    }

    /**
     * A format chosen from the file name: {@code .csv}/{@code .tsv} with the given columns,
     * {@code .jsonl} with the given fields, otherwise one text per line with {@code fileLabel} —
     * read as ToxiGen prompts when the name looks like a ToxiGen prompt file ({@code *_1k.txt} under
     * a {@code prompts} folder, or a name starting {@code hate_}/{@code neutral_} and ending {@code _1k.txt}).
     */
    static TextFormat forFile(Path file, String textColumn, String labelColumn, LabelMapping labels, int fileLabel) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) return Delimited.csv(textColumn, labelColumn, labels);
        if (name.endsWith(".tsv")) return Delimited.tsv(textColumn, labelColumn, labels);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return new JsonLines(textColumn, labelColumn, labels);
        if (name.endsWith("_1k.txt") && (name.startsWith("hate_") || name.startsWith("neutral_"))) return new ToxigenPrompts(fileLabel);
        return new PlainLines(fileLabel);
    }

    private static void checkLabel(int label) {
        if (label != LabelledText.AVOID && label != LabelledText.KEEP) {
            throw new IllegalArgumentException("label must be 0 (keep) or 1 (avoid), got " + label);
        }
    }
}
