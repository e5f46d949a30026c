package io.scalpel.surgery.data;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits CSV/TSV text into records of fields (RFC 4180 quoting). Records end at LF, CRLF or a lone
 * CR (SST-2's train.tsv mixes them); inside quotes line ends are part of the field. A quote is
 * special only at the start of a field, so an apostrophe-like {@code "} inside unquoted text (common
 * in TSV) stays literal.
 */
final class DelimitedRecordReader {
    /** One record and the line it started on (1-based), for error messages. */
    record Row(List<String> fields, long line) {}

    /** Thrown for an unterminated quoted field; the caller adds the file name. */
    static final class MalformedException extends Exception {
        MalformedException(String message) { super(message); }
    }

    private final Reader in;
    private final char separator;
    private long line = 1;
    private int pushedBack = -2;

    DelimitedRecordReader(Reader in, char separator) {
        this.in = in;
        this.separator = separator;
    }

    /** The next record, or null at end of input. Blank lines are skipped. */
    Row next() throws IOException, MalformedException {
        while (true) {
            int c = read();
            if (c == -1) return null;
            if (c == '\n') { line++; continue; }
            if (c == '\r') { swallowLf(); line++; continue; }
            unread(c);
            return readRecord();
        }
    }

    private Row readRecord() throws IOException, MalformedException {
        long start = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean fieldStart = true;
        boolean quoted = false;
        while (true) {
            int c = read();
            if (quoted) {
                if (c == -1) throw new MalformedException("line " + start + ": quoted field never closes");
                if (c == '"') {
                    int d = read();
                    if (d == '"') { field.append('"'); continue; }
                    quoted = false;
                    unread(d);
                    continue;
                }
                if (c == '\n' || c == '\r') {
                    // Line ends inside a quoted field are text; normalise CRLF and CR to LF.
                    if (c == '\r') swallowLf();
                    line++;
                    field.append('\n');
                    continue;
                }
                field.append((char) c);
                continue;
            }
            if (c == -1 || c == '\n' || c == '\r') {
                if (c == '\r') swallowLf();
                if (c != -1) line++;
                fields.add(field.toString());
                return new Row(List.copyOf(fields), start);
            }
            if (c == separator) {
                fields.add(field.toString());
                field.setLength(0);
                fieldStart = true;
                continue;
            }
            if (c == '"' && fieldStart) {
                quoted = true;
                fieldStart = false;
                continue;
            }
            fieldStart = false;
            field.append((char) c);
        }
    }

    /** After a CR: consumes a following LF if there is one; true if it did. */
    private boolean swallowLf() throws IOException {
        int d = read();
        if (d == '\n') return true;
        unread(d);
        return false;
    }

    private int read() throws IOException {
        if (pushedBack != -2) {
            int c = pushedBack;
            pushedBack = -2;
            return c;
        }
        return in.read();
    }

    private void unread(int c) {
        pushedBack = c;
    }
}
