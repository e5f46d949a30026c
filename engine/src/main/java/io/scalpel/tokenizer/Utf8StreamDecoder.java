package io.scalpel.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Turns a stream of token byte pieces into text, emitting only whole UTF-8 characters: a character whose
 * bytes are split across tokens (byte-fallback tokens, byte-level BPE) is held back until its last byte
 * arrives. Malformed bytes become U+FFFD rather than an exception, since a model can emit any byte sequence.
 */
final class Utf8StreamDecoder implements Tokenizer.Decoder {
    private final IntFunction<byte[]> pieces;
    /** SentencePiece encoders prepend a space to the text; the first byte of decoded text gives it back. */
    private boolean dropLeadingSpace;
    private byte[] pending = new byte[16];
    private int pendingLength;

    /** {@code pieces} gives the bytes of a token id (empty for tokens with no text). */
    Utf8StreamDecoder(IntFunction<byte[]> pieces, boolean dropLeadingSpace) {
        this.pieces = pieces;
        this.dropLeadingSpace = dropLeadingSpace;
    }

    @Override
    public String push(int id) {
        byte[] piece = pieces.apply(id);
        int from = 0;
        if (dropLeadingSpace && piece.length > 0) {
            dropLeadingSpace = false;
            if (piece[0] == ' ') from = 1;
        }
        append(piece, from);
        int complete = completePrefix();
        if (complete == 0) return "";
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return text;
    }

    @Override
    public String finish() {
        String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return text;
    }

    private void append(byte[] piece, int from) {
        int n = piece.length - from;
        if (pendingLength + n > pending.length) pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + n));
        System.arraycopy(piece, from, pending, pendingLength, n);
        pendingLength += n;
    }

    /**
     * Length of the pending bytes that can be decoded now: all of them, unless they end with the start of
     * a multi-byte character still missing continuation bytes.
     */
    private int completePrefix() {
        int stop = Math.max(0, pendingLength - 3);
        for (int i = pendingLength - 1; i >= stop; i--) {
            int b = pending[i] & 0xFF;
            if ((b & 0xC0) == 0x80) continue; // continuation byte: keep looking for the lead
            int needed = b >= 0xF0 && b <= 0xF7 ? 4 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xC0 && b <= 0xDF ? 2 : 1;
            return pendingLength - i < needed ? i : pendingLength;
        }
        return pendingLength;
    }
}
